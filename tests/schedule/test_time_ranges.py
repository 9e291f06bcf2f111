"""Time ranges and holidays through the services, the portal and the API."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from centrex.api.scopes import Scope
from telephony.forwarding import selectors, services
from telephony.forwarding.models import Holiday, TimePeriod, TimeRange
from tenants.models import AuditEntry
from tests.api.conftest import key_client, make_key
from tests.conftest import logged_in

H = 60


def test_every_tenant_gets_the_office_hours_range(acme):
    # when
    ranges = list(selectors.time_ranges(acme.tenant))
    # then
    assert len(ranges) == 1
    office = ranges[0]
    assert office.is_default
    assert office.weekdays == [0, 1, 2, 3, 4]
    assert [(p.start_minute, p.end_minute) for p in office.periods.all()] == [(8 * H, 12 * H), (14 * H, 18 * H)]


def test_office_hours_range_cannot_be_deleted_but_can_be_edited(acme):
    # given
    office = TimeRange.objects.for_tenant(acme.tenant).get(is_default=True)
    # when / then
    with pytest.raises(ValidationError, match="cannot be deleted"):
        services.check_delete_time_range(acme.tenant, actor=acme.admin, time_range=office)
    assert TimeRange.objects.filter(pk=office.pk).exists()
    services.check_update_time_range(
        acme.tenant, actor=acme.admin, time_range=office, name="Opening", weekdays=[0, 1, 2, 3, 4, 5], periods=[(9 * H, 17 * H)]
    )
    office.refresh_from_db()
    assert office.name == "Opening"
    assert office.weekdays == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ([(0, H), (2 * H, 3 * H), (4 * H, 5 * H), (6 * H, 7 * H)], "one to three periods"),
        ([(8 * H, 12 * H), (11 * H, 14 * H)], "must not overlap"),
        ([(12 * H, 8 * H)], "must end after it starts"),
        ([], "one to three periods"),
    ],
)
def test_invalid_periods_are_refused_and_nothing_changes(acme, periods, message):
    # given
    before = (TimeRange.objects.count(), TimePeriod.objects.count(), AuditEntry.objects.count())
    # when
    with pytest.raises(ValidationError) as error:
        services.check_create_time_range(acme.tenant, actor=acme.admin, name="Late", weekdays=[0], periods=periods)
    # then
    assert message in " ".join(error.value.message_dict["periods"])
    assert (TimeRange.objects.count(), TimePeriod.objects.count(), AuditEntry.objects.count()) == before


def test_update_with_overlap_keeps_the_old_periods(acme):
    office = TimeRange.objects.for_tenant(acme.tenant).get(is_default=True)
    with pytest.raises(ValidationError):
        services.check_update_time_range(
            acme.tenant, actor=acme.admin, time_range=office, name="X", weekdays=[0], periods=[(0, 600), (500, 700)]
        )
    office.refresh_from_db()
    assert office.name != "X"
    assert office.periods.count() == 2


def test_range_needs_a_day_and_a_unique_name(acme):
    with pytest.raises(ValidationError) as error:
        services.check_create_time_range(acme.tenant, actor=acme.admin, name=" ", weekdays=[], periods=[(0, 60)])
    assert set(error.value.message_dict) == {"name", "weekdays"}
    office_name = TimeRange.objects.for_tenant(acme.tenant).get(is_default=True).name
    with pytest.raises(ValidationError) as error:
        services.check_create_time_range(acme.tenant, actor=acme.admin, name=office_name.upper(), weekdays=[0], periods=[(0, 60)])
    assert "name" in error.value.message_dict


def test_holidays_single_day_and_period(acme):
    # when
    single = services.check_add_holiday(acme.tenant, actor=acme.admin, label="Christmas", start_date=date(2026, 12, 25))
    period = services.check_add_holiday(
        acme.tenant, actor=acme.admin, label="Summer", start_date=date(2027, 8, 2), end_date=date(2027, 8, 13)
    )
    # then
    assert (single.start_date, single.end_date) == (date(2026, 12, 25), date(2026, 12, 25))
    assert period.end_date == date(2027, 8, 13)
    with pytest.raises(ValidationError) as error:
        services.check_add_holiday(
            acme.tenant, actor=acme.admin, label="Bad", start_date=date(2027, 1, 2), end_date=date(2027, 1, 1)
        )
    assert "end_date" in error.value.message_dict
    assert Holiday.objects.count() == 2


def test_current_state_uses_holidays(acme):
    from datetime import UTC, datetime

    services.check_add_holiday(acme.tenant, actor=acme.admin, label="Test day", start_date=date(2026, 11, 23))
    assert selectors.current_state(acme.tenant, datetime(2026, 11, 23, 9, 0, tzinfo=UTC)).kind == "holiday"
    assert selectors.current_state(acme.tenant, datetime(2026, 11, 24, 9, 0, tzinfo=UTC)).kind == "range"


def test_portal_create_edit_delete_range_and_holidays(admin_client, acme):
    # when: create through the editor
    response = admin_client.post(
        "/portal/schedule/ranges/new/",
        {
            "name": "Weekend",
            "weekdays": ["5", "6"],
            "start_1": "600",
            "end_1": "840",
            "start_2": "",
            "end_2": "",
            "start_3": "",
            "end_3": "",
        },
    )
    # then
    assert response.status_code == 302
    weekend = TimeRange.objects.for_tenant(acme.tenant).get(name="Weekend")
    assert [(p.start_minute, p.end_minute) for p in weekend.periods.all()] == [(600, 840)]
    page = admin_client.get("/portal/schedule/").content.decode()
    assert "Weekend" in page and "10:00–14:00" in page
    # overlapping periods show the error and change nothing
    response = admin_client.post(
        f"/portal/schedule/ranges/{weekend.pk}/",
        {
            "name": "Weekend",
            "weekdays": ["5"],
            "start_1": "600",
            "end_1": "840",
            "start_2": "700",
            "end_2": "900",
            "start_3": "",
            "end_3": "",
        },
    )
    assert response.status_code == 200
    assert "must not overlap" in response.content.decode()
    assert weekend.periods.count() == 1
    # holiday added and removed
    assert (
        admin_client.post(
            "/portal/schedule/", {"label": "Easter", "start_date": "2027-03-26", "end_date": "2027-03-29"}
        ).status_code
        == 302
    )
    holiday = Holiday.objects.get()
    assert admin_client.post(f"/portal/schedule/holidays/{holiday.pk}/delete/").status_code == 302
    assert not Holiday.objects.exists()
    # deleting the default range is refused, the other one works
    office = TimeRange.objects.for_tenant(acme.tenant).get(is_default=True)
    admin_client.post(f"/portal/schedule/ranges/{office.pk}/", {"action": "delete"})
    assert TimeRange.objects.filter(pk=office.pk).exists()
    admin_client.post(f"/portal/schedule/ranges/{weekend.pk}/", {"action": "delete"})
    assert not TimeRange.objects.filter(pk=weekend.pk).exists()


def test_api_time_ranges_and_holidays(acme):
    api = key_client(make_key(acme.tenant, acme.admin, [Scope.ADMIN_READ, Scope.ADMIN_WRITE])[1])
    created = api.post(
        "/api/v1/time-ranges/",
        {"name": "Late", "weekdays": [0, 1], "periods": [{"start": "18:00", "end": "24:00"}]},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["periods"] == [{"start": "18:00", "end": "24:00"}]
    overlap = api.patch(
        f"/api/v1/time-ranges/{created.json()['id']}/",
        {"periods": [{"start": "18:00", "end": "20:00"}, {"start": "19:00", "end": "21:00"}]},
        format="json",
    )
    assert overlap.status_code == 400
    assert "periods" in overlap.json()["errors"]
    bad_time = api.post(
        "/api/v1/time-ranges/", {"name": "B", "weekdays": [0], "periods": [{"start": "25:00", "end": "26:00"}]}, format="json"
    )
    assert bad_time.status_code == 400
    office_id = TimeRange.objects.for_tenant(acme.tenant).get(is_default=True).pk
    assert api.delete(f"/api/v1/time-ranges/{office_id}/").status_code == 400
    holiday = api.post("/api/v1/holidays/", {"label": "Christmas", "start_date": "2026-12-25"}, format="json")
    assert holiday.status_code == 201
    assert holiday.json()["end_date"] == "2026-12-25"
    assert api.get("/api/v1/time-ranges/current/").json()["kind"] in {"range", "holiday", "outside"}


def test_other_tenants_ranges_and_holidays_are_404(acme, globex):
    # given
    other_range = TimeRange.objects.for_tenant(globex.tenant).get(is_default=True)
    other_holiday = services.check_add_holiday(globex.tenant, actor=globex.admin, label="G", start_date=date(2027, 1, 1))
    client = logged_in(acme.admin)
    api = key_client(make_key(acme.tenant, acme.admin, [Scope.ADMIN_READ, Scope.ADMIN_WRITE])[1])
    # then
    assert client.get(f"/portal/schedule/ranges/{other_range.pk}/").status_code == 404
    assert client.post(f"/portal/schedule/holidays/{other_holiday.pk}/delete/").status_code == 404
    assert api.get(f"/api/v1/time-ranges/{other_range.pk}/").status_code == 404
    assert api.patch(f"/api/v1/time-ranges/{other_range.pk}/", {"name": "X"}, format="json").status_code == 404
    assert api.delete(f"/api/v1/holidays/{other_holiday.pk}/").status_code == 404
    assert Holiday.objects.filter(pk=other_holiday.pk).exists()
    other_range.refresh_from_db()
    assert other_range.name != "X"

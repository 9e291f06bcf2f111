"""Number routing and caller-ID pages: an admin routes a number by time range, prints it; reminders; isolation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from telephony.directory import services as directory
from telephony.forwarding import services
from telephony.forwarding.models import NumberRoute, TimeRange
from telephony.groups import services as groups
from telephony.groups.services import GroupInput
from tests.conftest import logged_in
from tests.groups.test_printouts import pdf_text

REMINDER = "Reminder: every call to a number outside your company must start with 0 (e.g. 00224561231)."


@pytest.fixture
def setup(acme):
    extensions = [
        directory.check_create_extension(acme.tenant, actor=acme.admin, number=str(n), display_name=f"Agent {n}")
        for n in (101, 102)
    ]
    sales = groups.check_create_group(
        acme.tenant,
        actor=acme.admin,
        data=GroupInput(
            name="Sales", short_number="300", strategy="hierarchical", ring_count=4, members=[e.pk for e in extensions]
        ),
    )
    numbers = [
        directory.check_add_phone_number(actor=None, number=f"+4989765432{n}", tenant=acme.tenant, label=f"Line {n}")
        for n in (0, 1)
    ]
    office = TimeRange.objects.for_tenant(acme.tenant).get(is_default=True)
    return {"sales": sales, "numbers": numbers, "office": office, "extensions": extensions}


def test_portal_route_number_by_time_range_then_print_it(admin_client, acme, setup):
    number, office, sales = setup["numbers"][0], setup["office"], setup["sales"]
    # when the admin picks a target per case
    response = admin_client.post(
        f"/portal/schedule/numbers/{number.pk}/",
        {
            "destination": "schedule",
            f"range_{office.pk}": f"group:{sales.pk}",
            "holiday": "announcement:",
            "outside": f"extension:{setup['extensions'][1].pk}",
        },
    )
    # then
    assert response.status_code == 302
    assert {route.slot for route in NumberRoute.objects.filter(phone_number=number)} == {"range", "holiday", "outside"}
    page = admin_client.get(f"/portal/schedule/numbers/{number.pk}/").content.decode()
    assert "Group 300 Sales" in page and "Extension 102 Agent 102" in page
    assert "By time range" in admin_client.get("/portal/schedule/numbers/").content.decode()
    # and the printout shows every case with days, periods, group, members, distribution, ring count, no-answer rule
    text = " ".join(pdf_text(admin_client.get(f"/portal/schedule/numbers/{number.pk}/print/").content).split())
    for expected in (
        "+49897654320",
        "Office hours",
        "08:00–12:00",
        "Group 300 Sales",
        "Agent 101",
        "Agent 102",
        "Hierarchical (4 rings)",
    ):
        assert expected in text, expected
    assert "End the call" in text and "Announcement Default announcement (tones)" in text


def test_portal_route_number_missing_cases_shows_errors_and_changes_nothing(admin_client, setup):
    number = setup["numbers"][0]
    response = admin_client.post(f"/portal/schedule/numbers/{number.pk}/", {"destination": "schedule", "holiday": "hangup:"})
    assert response.status_code == 200
    assert "Choose where the calls go." in response.content.decode()
    assert not NumberRoute.objects.exists()


def test_portal_number_of_another_tenant_is_404(globex, setup):
    client = logged_in(globex.admin)
    number = setup["numbers"][0]
    assert client.get(f"/portal/schedule/numbers/{number.pk}/").status_code == 404
    assert client.get(f"/portal/schedule/numbers/{number.pk}/print/").status_code == 404
    assert (
        client.post(
            f"/portal/schedule/numbers/{number.pk}/", {"destination": "announcement", "always": "announcement:"}
        ).status_code
        == 404
    )
    assert not NumberRoute.objects.exists()


def test_portal_caller_id_rule_summary_and_printout(admin_client, acme, setup):
    main, own = setup["numbers"]
    directory.check_route_phone_number(
        acme.tenant, actor=None, phone_number=own, destination_kind="extension", destination_extension=setup["extensions"][0]
    )
    response = admin_client.post("/portal/schedule/caller-id/", {"presented_number": str(main.pk), "numbers": [str(own.pk)]})
    assert response.status_code == 302
    page = admin_client.get("/portal/schedule/caller-id/").content.decode()
    assert "+49897654320" in page and "by a rule" in page
    text = " ".join(pdf_text(admin_client.get("/portal/schedule/caller-id/print/").content).split())
    assert "101 Agent 101 +49897654321 +49897654320 (by a rule)" in text


def test_portal_access_code_reminder_on_routing_pages_only_when_required(admin_client, acme, setup):
    pages = [
        "/portal/schedule/numbers/",
        "/portal/schedule/caller-id/",
        "/portal/schedule/",
        "/portal/groups/",
        "/portal/groups/new/",
    ]
    assert all(REMINDER not in admin_client.get(page).content.decode() for page in pages)
    directory.check_update_telephony_settings(acme.tenant, actor=None, access_code_required=True)
    for page in pages:
        assert REMINDER in admin_client.get(page).content.decode(), page


def test_service_caller_id_rule_refuses_other_tenants_numbers(acme, globex, setup):
    foreign = directory.check_add_phone_number(actor=None, number="+4930111111", tenant=globex.tenant)
    with pytest.raises(ValidationError) as error:
        services.check_save_caller_id_rule(acme.tenant, actor=None, presented_number=foreign.pk, numbers=[setup["numbers"][1].pk])
    assert "presented_number" in error.value.message_dict


@pytest.fixture
def back_to_english():
    """A German request leaves German active in this thread; later tests expect the default language."""
    yield
    translation.deactivate()


def test_portal_number_printout_in_german(admin_client, acme, setup, back_to_english):
    number, sales = setup["numbers"][0], setup["sales"]
    services.check_route_number(
        acme.tenant, actor=None, phone_number=number, destination="group", always=services.RouteTarget("group", group=sales.pk)
    )
    admin_client.cookies["django_language"] = "de"
    response = admin_client.get(f"/portal/schedule/numbers/{number.pk}/print/", HTTP_ACCEPT_LANGUAGE="de")
    text = " ".join(pdf_text(response.content).split())
    assert "Routing von +49897654320" in text and "Gruppe 300 Sales" in text and "Immer" in text


def test_portal_caller_id_rule_of_another_tenant_cannot_be_deleted(acme, globex, setup):
    from telephony.forwarding.models import CallerIdRule

    rule = services.check_save_caller_id_rule(
        acme.tenant, actor=None, presented_number=setup["numbers"][0].pk, numbers=[setup["numbers"][1].pk]
    )
    assert logged_in(globex.admin).post(f"/portal/schedule/caller-id/{rule.pk}/delete/").status_code == 404
    assert CallerIdRule.objects.filter(pk=rule.pk).exists()

"""The tenant admin's activity monitor: current time range per number, group members' states, absent users, unavailable phones."""

from __future__ import annotations

import asyncio
import html
import time
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from telephony.directory import services as directory
from telephony.forwarding import schedule
from telephony.forwarding import services as forwarding
from telephony.forwarding.models import TimeRange
from telephony.forwarding.services import RouteTarget
from telephony.freeswitch.livestate import LiveStateWriter
from telephony.groups import monitor
from telephony.groups import services as groups
from telephony.groups.services import GroupInput
from tests.conftest import logged_in

WEEKDAYS = [0, 1, 2, 3, 4]
# Monday 23 November 2026; Berlin is UTC+1 then.
MONDAY = date(2026, 11, 23)


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Berlin (UTC+1 in November) as an aware UTC instant."""
    return datetime(day.year, day.month, day.day, hour - 1, minute, tzinfo=UTC)


def live(coroutine):
    """Run a coroutine with a switch gateway's live-state writer (a fresh loop each time: the pool belongs to it)."""

    async def with_writer():
        writer = LiveStateWriter()
        try:
            return await coroutine(writer)
        finally:
            await writer.close()

    return asyncio.run(with_writer())


def register(tenant, *sip_usernames: str) -> None:
    now = time.time()

    async def go(writer: LiveStateWriter) -> None:
        for name in sip_usernames:
            contact = {"contact": f"sip:{name}@192.0.2.10:5060", "network_ip": "192.0.2.10", "network_port": 5060}
            await writer.register(str(tenant.pk), name, f"call-{name}", contact | {"expires_at": now + 300}, now=now)

    live(go)


def call(tenant, sip_username: str, state: str) -> None:
    async def go(writer: LiveStateWriter) -> None:
        data = {"uuid": f"leg-{sip_username}", "sip_username": sip_username, "state": state}
        await writer.channel_update(str(tenant.pk), f"leg-{sip_username}", data, outside=False, now=time.time())

    live(go)


def extension(team, number: str, *, user=None, phones: int = 1, name: str = ""):
    created = directory.check_create_extension(
        team.tenant, actor=team.admin, number=number, display_name=name or f"Agent {number}", user=user
    )
    devices = [directory.check_create_device(team.tenant, actor=team.admin, extension=created)[0] for _ in range(phones)]
    return created, devices


@pytest.fixture
def office(acme):
    """Acme: four extensions in group 273 Sales; a number routed by three time ranges."""
    ext101, dev101 = extension(acme, "101", user=acme.admin)
    ext102, dev102 = extension(acme, "102", user=acme.user)
    ext103, dev103 = extension(acme, "103", phones=2)
    ext104, _ = extension(acme, "104", user=acme.other_user, phones=0)
    sales = groups.check_create_group(
        acme.tenant,
        actor=acme.admin,
        data=GroupInput(name="Sales", short_number="273", members=[e.pk for e in (ext101, ext102, ext103, ext104)]),
    )
    support = groups.check_create_group(
        acme.tenant, actor=acme.admin, data=GroupInput(name="Support", short_number="274", members=[ext102.pk])
    )
    office_hours = TimeRange.objects.for_tenant(acme.tenant).get(is_default=True)  # Mon-Fri 08-12, 14-18
    lunch = forwarding.check_create_time_range(
        acme.tenant, actor=acme.admin, name="Lunch", weekdays=WEEKDAYS, periods=[(720, 840)]
    )
    evening = forwarding.check_create_time_range(
        acme.tenant, actor=acme.admin, name="Evening", weekdays=WEEKDAYS, periods=[(1080, 1320)]
    )
    number = directory.check_add_phone_number(actor=None, number="+498976543210", tenant=acme.tenant, label="Reception")
    forwarding.check_route_number(
        acme.tenant,
        actor=acme.admin,
        phone_number=number,
        destination="schedule",
        ranges={
            office_hours.pk: RouteTarget("group", group=sales.pk),
            lunch.pk: RouteTarget("group", group=support.pk),
            evening.pk: RouteTarget("extension", extension=ext101.pk),
        },
        holiday=RouteTarget("announcement"),
        outside=RouteTarget("hangup"),
    )
    return {
        "sales": sales,
        "number": number,
        "devices": {"101": dev101, "102": dev102, "103": dev103},
        "extensions": [ext101, ext102, ext103, ext104],
    }


# --- the schedule ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hour", "current", "target"),
    [
        (9, "Office hours", "Group 273 Sales"),
        (13, "Lunch", "Group 274 Support"),
        (19, "Evening", "Extension 101 Agent 101"),
        (23, "Outside the time ranges", "End the call"),
    ],
)
def test_monitor_at_a_given_time_shows_the_current_range_of_the_number(acme, office, hour, current, target):
    # when the monitor is read on a Monday at that hour, Berlin time
    state = monitor.activity_monitor(acme.tenant, now=berlin(MONDAY, hour))
    # then the company's range and the number's current case and target are those of that hour
    assert state.current_range == current
    [row] = state.numbers
    assert (str(row.phone_number.number), row.case, row.target) == ("+498976543210", current, target)
    assert state.now.hour == hour and state.time_zone == "Europe/Berlin"


def test_monitor_on_a_holiday_shows_the_holiday_and_its_target(acme, office):
    # given today is a holiday
    forwarding.check_add_holiday(acme.tenant, actor=acme.admin, label="Christmas", start_date=MONDAY)
    # when
    state = monitor.activity_monitor(acme.tenant, now=berlin(MONDAY, 9))
    # then the holiday overrides office hours
    assert state.current_range == "On holidays (Christmas)"
    assert state.numbers[0].target == "Announcement Default announcement (tones)"
    assert state.next_change_at == datetime(2026, 11, 24, 0, 0, tzinfo=state.now.tzinfo)  # the holiday ends at midnight


def test_monitor_gives_the_next_range_boundary(acme, office):
    # when read during the morning period of office hours
    state = monitor.activity_monitor(acme.tenant, now=berlin(MONDAY, 9, 30))
    # then the page is told to look again when lunch starts
    assert state.next_change_at == berlin(MONDAY, 12)
    assert state.refresh_at == berlin(MONDAY, 12)


def test_next_change_on_friday_evening_is_monday_morning():
    # given one range, Mon-Fri 08:00-12:00 in Berlin
    plan = schedule.Schedule("Europe/Berlin", (schedule.Range("r", "Office", frozenset(WEEKDAYS), (schedule.Period(480, 720),)),))
    friday = date(2026, 11, 27)
    # then at 12:00 it ends, and after that the next change is Monday 08:00
    assert monitor.next_change(plan, berlin(friday, 9)) == berlin(friday, 12)
    assert monitor.next_change(plan, berlin(friday, 12)) == berlin(date(2026, 11, 30), 8)
    # and a schedule that never changes has no next change
    assert monitor.next_change(schedule.Schedule("Europe/Berlin"), berlin(friday, 9)) is None


def test_next_change_across_the_start_of_daylight_saving_time():
    # given a range 08:00-12:00 every day; summer time starts in Berlin on Sunday 29 March 2026 (02:00 -> 03:00)
    plan = schedule.Schedule("Europe/Berlin", (schedule.Range("r", "Office", frozenset(range(7)), (schedule.Period(480, 720),)),))
    saturday_evening = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # 21:00 CET
    # then the next change is 08:00 CEST on Sunday, 06:00 UTC
    assert monitor.next_change(plan, saturday_evening) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


# --- live state ------------------------------------------------------------------------------------
def test_monitor_shows_members_states_and_counts_from_live_state(acme, office):
    # given 101 registered, 102 not, one of 103's two phones registered and in a call, 104 without phones
    devices = office["devices"]
    register(acme.tenant, devices["101"][0].sip_username, devices["103"][0].sip_username)
    call(acme.tenant, devices["103"][0].sip_username, "answered")
    # when
    state = monitor.activity_monitor(acme.tenant)
    # then
    sales = next(row for row in state.groups if row.group.short_number == "273")
    assert [(m.extension.number, m.state, m.registered_devices, m.devices) for m in sales.members] == [
        ("101", "registered", 1, 1),
        ("102", "not_registered", 0, 1),
        ("103", "busy", 1, 2),
        ("104", "not_registered", 0, 0),
    ]
    assert sales.reachable == 2
    # 4 phones, 2 without a registration (102's and 103's second phone)
    assert (state.phones, state.unavailable_phone_count) == (4, 2)
    assert {d.sip_username for d in state.unavailable_phones} == {devices["102"][0].sip_username, devices["103"][1].sip_username}
    # 3 users with extensions: admin (101, registered), user (102) and other user (104, no phone) are absent
    assert (state.users, state.absent_user_count) == (3, 2)
    assert set(state.absent_users) == {acme.user, acme.other_user}


def test_member_with_a_ringing_phone_is_ringing(acme, office):
    name = office["devices"]["102"][0].sip_username
    register(acme.tenant, name)
    call(acme.tenant, name, "ringing")
    state = monitor.activity_monitor(acme.tenant)
    support = next(row for row in state.groups if row.group.short_number == "274")
    assert [m.state for m in support.members] == ["ringing"]


def test_monitor_queries_do_not_grow_with_groups_and_members(acme, office):
    # given the monitor's queries for two groups
    with CaptureQueriesContext(connection) as before:
        monitor.activity_monitor(acme.tenant)
    # when three more groups with members and phones are added
    for number in ("301", "302", "303"):
        ext, _ = extension(acme, number, phones=2)
        groups.check_create_group(
            acme.tenant, actor=acme.admin, data=GroupInput(name=f"G{number}", short_number=f"4{number[1:]}", members=[ext.pk])
        )
    with CaptureQueriesContext(connection) as after:
        monitor.activity_monitor(acme.tenant)
    # then
    assert len(after) == len(before) <= 12


# --- the pages ---------------------------------------------------------------------------------------
def test_admin_opens_the_monitor_page_with_the_current_state(admin_client, acme, office):
    # given 101 is registered
    register(acme.tenant, office["devices"]["101"][0].sip_username)
    # when
    response = admin_client.get("/portal/monitor/")
    # then the page shows the state, the counters, the help text, and loads the live script
    assert response.status_code == 200
    page = response.content.decode()
    for expected in (
        "Activity monitor",
        "Current time range",
        "+498976543210",
        "273 Sales",
        "Agent 101",
        "Registered",
        "Not registered",
        "2 users absent (of 3)",
        "3 phones unavailable (of 4)",
        "A phone is unavailable when it has no current registration.",
        "groups/monitor.js",
        'data-fragment-url="/portal/monitor/fragment/"',
        f'data-tenant="{acme.tenant.pk}"',
        "Refresh",
    ):
        assert expected in page, expected
    assert 'href="/portal/monitor/"' in page  # in the admin's navigation
    assert "no-store" in response["Cache-Control"]


def test_monitor_page_in_german_and_french(admin_client, office):
    # given the VTX wording ([VTX] §2.1): "Plage actuelle", "0 utilisateur absent", "0 téléphone indisponible", "Rafraîchir"
    admin_client.cookies["django_language"] = "de"
    page = html.unescape(admin_client.get("/portal/monitor/").content.decode())
    assert "Aktivitätsmonitor" in page and "Aktueller Zeitbereich" in page and "3 Benutzer abwesend (von 3)" in page
    admin_client.cookies["django_language"] = "fr"
    page = html.unescape(admin_client.get("/portal/monitor/").content.decode())
    for expected in ("Moniteur d'activité", "Plage actuelle", "3 utilisateurs absents (sur 3)", "Rafraîchir", "Non enregistré"):
        assert expected in page, expected


def test_fragment_returns_only_the_state_and_follows_live_state(admin_client, acme, office):
    # given nothing registered
    name = office["devices"]["102"][0].sip_username
    first = admin_client.get("/portal/monitor/fragment/")
    assert first.status_code == 200
    html = first.content.decode()
    assert 'id="monitor-state"' in html and "<html" not in html and "<nav" not in html
    assert 'data-refresh-at="' in html and "4 phones unavailable (of 4)" in html
    assert "no-store" in first["Cache-Control"]
    # when a phone of 102 registers (the event that makes the browser fetch again)
    register(acme.tenant, name)
    # then the fragment shows it
    html = admin_client.get("/portal/monitor/fragment/").content.decode()
    assert "3 phones unavailable (of 4)" in html
    assert 'data-monitor-member="274-102" data-state="registered"' in html


@pytest.mark.parametrize("url", ["/portal/monitor/", "/portal/monitor/fragment/"])
def test_monitor_for_a_user_who_is_not_admin_is_forbidden(acme, url):
    assert logged_in(acme.user).get(url).status_code == 403


@pytest.mark.parametrize("url", ["/portal/monitor/", "/portal/monitor/fragment/"])
def test_monitor_without_login_redirects_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", ["/portal/monitor/", "/portal/monitor/fragment/"])
def test_monitor_never_shows_another_tenants_data(admin_client, acme, globex, office, url):
    # given globex has a group, a number and phone 101 registered with the same SIP user name as acme's
    other, [other_phone] = extension(globex, "101", user=globex.admin, name="Globex Secret")
    groups.check_create_group(
        globex.tenant, actor=globex.admin, data=GroupInput(name="Globex Hotline", short_number="555", members=[other.pk])
    )
    directory.check_add_phone_number(actor=None, number="+493012345678", tenant=globex.tenant, label="Globex line")
    register(globex.tenant, other_phone.sip_username)
    call(globex.tenant, other_phone.sip_username, "answered")
    # when acme's admin opens the monitor
    page = admin_client.get(url).content.decode()
    # then nothing of globex shows, and globex's registration does not count for acme's 101
    for foreign in ("Globex Hotline", "+493012345678", "Globex line", "Globex Secret"):
        assert foreign not in page, foreign
    # (the short number as page text, not as digits of a time or id that may contain it)
    assert ">555 " not in page and ">555<" not in page and '"555-' not in page
    assert "4 phones unavailable (of 4)" in page
    assert 'data-monitor-member="273-101" data-state="not_registered"' in page

"""Company routing end to end: recorded dialplan posts in, hunt groups, time ranges, media and ## dialling out."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from telephony.calls import snapshot as snapshots
from telephony.contacts import services as contacts
from telephony.directory.choices import DestinationKind
from telephony.forwarding import services as forwarding
from telephony.forwarding.models import NumberRoute, TimeRange
from telephony.forwarding.services import RouteTarget
from telephony.freeswitch import media as node_media
from telephony.freeswitch.dialplan import answer_dialplan
from telephony.freeswitch.livestate import LiveStateWriter
from telephony.groups import services as groups
from telephony.groups.services import GroupInput
from telephony.media import services as media_services
from telephony.media.choices import MediaKind
from tests.media.test_media import make_wav
from tests.routing.conftest import Site, recorded_params
from tests.routing.test_dialplan import from_extension, read, trunk_call
from tests.xmlcurl.conftest import NODE_ADDRESS, make_node

# Monday 23 November 2026, 10:00 in Berlin: inside the default office hours (Mon-Fri 08-12, 14-18).
OFFICE_HOURS = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EVENING = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


def ask(now: datetime | None = None, **changes: str):
    return read(answer_dialplan(None, recorded_params("dialplan_invite.txt", **changes), now=now))


def register(tenant_id: str, *users: str) -> None:
    async def write() -> None:
        writer = LiveStateWriter()
        try:
            for user in users:
                contact = {"contact": f"sip:{user}@192.0.2.10", "expires_at": time.time() + 600}
                await writer.register(tenant_id, user, f"call-{user}", contact, now=time.time())
        finally:
            await writer.close()

    asyncio.run(write())


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.FREESWITCH_MEDIA_URL = "https://centrex.example"


def group(site: Site, short: str = "300", members=("1002", "1003"), **fields):
    data = GroupInput(name=f"Group {short}", short_number=short, members=[site.extensions[n].pk for n in members], **fields)
    return groups.check_create_group(site.tenant, actor=None, data=data)


@pytest.fixture
def registered(site: Site) -> None:
    register(str(site.tenant.pk), *(device.sip_username for device in site.devices.values()))


def bridges(rendered) -> list[str]:
    return rendered.data("bridge")


# --- hunt groups -------------------------------------------------------------------------------
def test_dialplan_group_short_number_hierarchical_rings_one_after_the_other(site, registered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sales = group(site, strategy="hierarchical", ring_count=2)
    rendered = ask(**from_extension("1001", "300"))
    assert rendered.variable("centrex_group_id") == str(sales.pk)
    members = rendered.variable("centrex_group_members").split("|")
    assert members == [str(site.extensions["1002"].pk), str(site.extensions["1003"].pk)]
    assert bridges(rendered) == ["[leg_timeout=10]user/1002@tenant-a.example", "[leg_timeout=10]user/1003@tenant-a.example"]
    assert rendered.data("set").count("call_timeout=10") == 1  # both legs carry their own leg_timeout
    # the group's ring tone (the default) is what the caller hears before the answer
    assert rendered.variable("ringback") == "tone_stream://%(1000,4000,425)"
    assert rendered.variable("transfer_ringback") == "tone_stream://%(1000,4000,425)"
    assert rendered.actions[-1] == ("hangup", "${originate_disposition}")


def test_dialplan_group_simultaneous_is_one_bridge(site, registered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        group(site, strategy="simultaneous", ring_count=4)
    rendered = ask(**from_extension("1001", "300"))
    assert bridges(rendered) == ["[leg_timeout=20]user/1002@tenant-a.example,[leg_timeout=20]user/1003@tenant-a.example"]


def test_dialplan_group_skips_unregistered_members(site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        group(site, strategy="hierarchical")
    register(str(site.tenant.pk), site.devices["1003"].sip_username)
    assert bridges(ask(**from_extension("1001", "300"))) == ["[leg_timeout=15]user/1003@tenant-a.example"]


def test_dialplan_group_cyclic_rotates_call_after_call(site, registered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        group(site, strategy="cyclic", members=("1001", "1002", "1003"))
    firsts = [bridges(ask(**from_extension("1002", "300")))[0] for _ in range(3)]
    # 1002 calls: its own device never rings, so its turn is skipped but the rotation moves on
    assert firsts == [
        "[leg_timeout=15]user/1001@tenant-a.example",
        "[leg_timeout=15]user/1003@tenant-a.example",
        "[leg_timeout=15]user/1003@tenant-a.example",
    ]


def test_dialplan_group_cyclic_two_calls_at_once_start_with_different_members(
    site, registered, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        group(site, strategy="cyclic", members=("1002", "1003"))
    ask(**from_extension("1001", "1002"))  # warms the snapshot cache: the threads below need no database
    firsts: list[str] = []
    barrier = threading.Barrier(2)

    def call() -> None:
        barrier.wait()
        firsts.append(bridges(ask(**from_extension("1001", "300")))[0])

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(firsts) == ["[leg_timeout=15]user/1002@tenant-a.example", "[leg_timeout=15]user/1003@tenant-a.example"]


def test_dialplan_group_no_answer_chain_to_group_then_number(site, registered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        support = group(site, "301", ("1003",), no_answer_action="number", no_answer_number="0891111111")
        group(site, "300", ("1002",), no_answer_action="group", no_answer_group=support.pk)
    rendered = ask(**from_extension("1001", "300"))
    assert bridges(rendered) == [
        "[leg_timeout=15]user/1002@tenant-a.example",
        "[leg_timeout=15]user/1003@tenant-a.example",
        "[leg_timeout=60]sofia/gateway/carrier-a/+49891111111",
        "[leg_timeout=60]sofia/gateway/carrier-b/+49891111111",
    ]
    exported = [data for app, data in rendered.actions if app == "export" and data.startswith("centrex_group_id=")]
    assert exported == [f"centrex_group_id={groups_id}" for groups_id in (rendered.variable("centrex_group_id"), support.pk)]
    # the diversion presents the company's main number
    assert "effective_caller_id_number=+49891234560" in rendered.data("set")


def upload(site: Site, kind: str, name: str):
    data = SimpleUploadedFile(f"{name}.wav", make_wav(0.5), content_type="audio/wav")
    return media_services.check_upload_media(site.tenant, actor=None, kind=kind, name=name, upload=data)


def test_dialplan_group_uploaded_ring_tone_and_announcement_played_through_http_cache(
    site, registered, django_capture_on_commit_callbacks
):
    tone, closed = upload(site, MediaKind.RING_TONE, "tone"), upload(site, MediaKind.ANNOUNCEMENT, "closed")
    with django_capture_on_commit_callbacks(execute=True):
        group(site, ring_tone=tone.pk, no_answer_action="announcement", no_answer_announcement=closed.pk)
    rendered = ask(**from_extension("1001", "300"))
    tenant = site.tenant.pk
    signed = node_media.signature(str(tenant), str(tone.pk))
    assert (
        rendered.variable("ringback") == f"http_cache://https://centrex.example/freeswitch/media/{tenant}/{tone.pk}/{signed}.wav"
    )
    assert rendered.applications[-3:] == ["answer", "playback", "hangup"]
    assert rendered.data("playback") == [node_media.node_source(str(tenant), str(closed.pk))]
    assert rendered.data("hangup") == ["NORMAL_CLEARING"]


# --- numbers by time range ---------------------------------------------------------------------
@pytest.fixture
def routed(site, registered, django_capture_on_commit_callbacks):
    """+49891234560 (the main number) by time range: office hours -> group 300, holidays -> end, outside -> 1003."""
    with django_capture_on_commit_callbacks(execute=True):
        sales = group(site, strategy="simultaneous")
        office = TimeRange.objects.for_tenant(site.tenant).get(is_default=True)
        forwarding.check_add_holiday(site.tenant, actor=None, label="Christmas", start_date=datetime(2026, 12, 24).date())
        forwarding.check_route_number(
            site.tenant,
            actor=None,
            phone_number=site.numbers["main"],
            destination="schedule",
            ranges={str(office.pk): RouteTarget("group", group=sales.pk)},
            holiday=RouteTarget("hangup"),
            outside=RouteTarget("extension", extension=site.extensions["1003"].pk),
        )
    return sales


def test_dialplan_main_number_in_office_hours_rings_the_group(site, routed):
    rendered = ask(OFFICE_HOURS, **trunk_call("+49891234560"))
    assert rendered.extension == "centrex-inbound"
    assert rendered.variable("centrex_group_id") == str(routed.pk)
    assert bridges(rendered) == ["[leg_timeout=15]user/1002@tenant-a.example,[leg_timeout=15]user/1003@tenant-a.example"]


def test_dialplan_main_number_outside_hours_and_on_holidays(site, routed):
    assert bridges(ask(EVENING, **trunk_call("+49891234560"))) == ["[leg_timeout=30]user/1003@tenant-a.example"]
    christmas = ask(datetime(2026, 12, 24, 9, 0, tzinfo=UTC), **trunk_call("+49891234560"))
    assert "bridge" not in christmas.applications and christmas.data("hangup") == ["NORMAL_CLEARING"]


def test_route_number_targets_of_another_tenant_are_refused_and_nothing_changes(
    site, other_site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        foreign = group(other_site, "300", ("1002",))
    with pytest.raises(ValidationError) as error:
        forwarding.check_route_number(
            site.tenant,
            actor=None,
            phone_number=site.numbers["main"],
            destination="group",
            always=RouteTarget("group", group=foreign.pk),
        )
    assert "always" in error.value.message_dict
    with pytest.raises(ValidationError):
        forwarding.check_route_number(
            site.tenant,
            actor=None,
            phone_number=site.numbers["main"],
            destination="group",
            always=RouteTarget("extension", extension=other_site.extensions["1001"].pk),
        )
    with pytest.raises(ValidationError) as error:
        forwarding.check_route_number(
            site.tenant,
            actor=None,
            phone_number=other_site.numbers["main"],
            destination="announcement",
            always=RouteTarget("announcement"),
        )
    assert "phone_number" in error.value.message_dict
    site.numbers["main"].refresh_from_db()
    assert site.numbers["main"].destination_kind == DestinationKind.NONE
    assert not NumberRoute.objects.exists()


def test_route_number_by_schedule_needs_a_target_for_every_range(site):
    with pytest.raises(ValidationError) as error:
        forwarding.check_route_number(
            site.tenant, actor=None, phone_number=site.numbers["main"], destination="schedule", outside=RouteTarget("hangup")
        )
    assert {key for key in error.value.message_dict if key.startswith("range_")} and "holiday" in error.value.message_dict


def test_delete_time_range_used_by_a_number_is_refused(site, routed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lunch = forwarding.check_create_time_range(site.tenant, actor=None, name="Lunch", weekdays=[0], periods=[(720, 840)])
        forwarding.check_route_number(
            site.tenant,
            actor=None,
            phone_number=site.numbers["1001"],
            destination="schedule",
            ranges={
                str(TimeRange.objects.for_tenant(site.tenant).get(is_default=True).pk): RouteTarget("hangup"),
                str(lunch.pk): RouteTarget("announcement"),
            },
            holiday=RouteTarget("hangup"),
            outside=RouteTarget("hangup"),
        )
    with pytest.raises(ValidationError) as error:
        forwarding.check_delete_time_range(site.tenant, actor=None, time_range=lunch)
    assert "+49891234561" in str(error.value)
    assert TimeRange.objects.filter(pk=lunch.pk).exists()


# --- ## dialling, caller-ID rules ------------------------------------------------------------------
def test_dialplan_hash_hash_short_number_dials_the_directory_contact(site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        contacts.check_create_contact(
            site.tenant,
            actor=None,
            data=contacts.ContactInput(name="Plumber", short_number="12", numbers=[("work", "+49 89 5555555")]),
            is_global=True,
        )
    rendered = ask(**from_extension("1001", "##12"))
    assert rendered.extension == "centrex-outbound"
    assert bridges(rendered)[0] == "[leg_timeout=60]sofia/gateway/carrier-a/+49895555555"
    # 1003 may only call inside: the outside rules apply to ## too
    assert "bridge" not in ask(**from_extension("1003", "##12")).applications


def test_dialplan_caller_id_rule_presents_the_chosen_main_number(site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        forwarding.check_save_caller_id_rule(
            site.tenant, actor=None, presented_number=site.numbers["main"].pk, numbers=[site.numbers["1001"].pk]
        )
    rendered = ask(**from_extension("1001", "08912345678"))
    assert rendered.variable("effective_caller_id_number") == "+49891234560"


# --- the media endpoint ------------------------------------------------------------------------
def test_media_endpoint_serves_the_tenants_wav_to_a_node_only(site, other_site):
    make_node()
    tone = upload(site, MediaKind.RING_TONE, "tone")
    tenant, media_id = str(site.tenant.pk), str(tone.pk)
    path = f"/freeswitch/media/{tenant}/{media_id}/{node_media.signature(tenant, media_id)}.wav"
    # a node's address with the signed URL gets the WAV
    response = Client().get(path, REMOTE_ADDR=NODE_ADDRESS)
    assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
    assert b"".join(response.streaming_content)[:4] == b"RIFF"
    # anyone else, or a wrong signature, is refused
    assert Client().get(path, REMOTE_ADDR="203.0.113.9").status_code == 401
    assert (
        Client().get(path.replace(node_media.signature(tenant, media_id), "0" * 32), REMOTE_ADDR=NODE_ADDRESS).status_code == 401
    )
    # another tenant's path for this file, even correctly signed, finds nothing
    other = str(other_site.tenant.pk)
    foreign = f"/freeswitch/media/{other}/{media_id}/{node_media.signature(other, media_id)}.wav"
    assert Client().get(foreign, REMOTE_ADDR=NODE_ADDRESS).status_code == 404
    # node credentials work as for xml_curl, bad ones do not
    node = make_node("fs2", "192.0.2.7")
    assert Client().get(path, REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION=node.authorization()).status_code == 200
    assert Client().get(path, REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Basic Zm9vOmJhcg==").status_code == 401


def test_snapshot_lists_groups_and_routes(site, routed):
    snapshot = snapshots.build_snapshot(str(site.tenant.pk))
    assert snapshot.group_numbers == {"300": str(routed.pk)}
    assert set(snapshot.number_routes["+49891234560"]) >= {"holiday", "outside"}


# --- who answered: the switch gateway's events --------------------------------------------------
def test_call_answered_by_a_member_moves_the_cyclic_rotation_after_them(site, registered, django_capture_on_commit_callbacks):
    from centrex.events import DomainEvent, deliver

    with django_capture_on_commit_callbacks(execute=True):
        sales = group(site, strategy="cyclic", members=("1001", "1002", "1003"))
    # when 1002 answers a call of the group (as the gateway reports it)
    data = {"extension": "1002", "sip_username": "1002", "group_id": str(sales.pk)}
    deliver(DomainEvent("call", "answered", str(site.tenant.pk), data))
    # then the next call starts with 1003
    assert bridges(ask(**from_extension("1001", "300")))[0] == "[leg_timeout=15]user/1003@tenant-a.example"


def test_call_ended_marks_the_member_idle_for_least_active(site, registered, django_capture_on_commit_callbacks):
    from centrex.events import DomainEvent, deliver
    from telephony.groups import state

    with django_capture_on_commit_callbacks(execute=True):
        group(site, strategy="least_active", members=("1002", "1003"))
    tenant = str(site.tenant.pk)
    state.mark_idle(tenant, str(site.extensions["1002"].pk), when=time.time() - 600)
    state.mark_idle(tenant, str(site.extensions["1003"].pk), when=time.time() - 900)
    # when 1003 (idle longest until now) ends a call
    deliver(DomainEvent("call", "ended", tenant, {"extension": "1003", "answered": True}))
    # then 1002 is idle longest and rings first
    assert bridges(ask(**from_extension("1001", "300")))[0] == "[leg_timeout=15]user/1002@tenant-a.example"


def test_dialplan_number_straight_to_an_announcement(site, django_capture_on_commit_callbacks):
    closed = upload(site, MediaKind.ANNOUNCEMENT, "closed")
    with django_capture_on_commit_callbacks(execute=True):
        forwarding.check_route_number(
            site.tenant,
            actor=None,
            phone_number=site.numbers["main"],
            destination="announcement",
            always=RouteTarget("announcement", announcement=closed.pk),
        )
    rendered = ask(**trunk_call("+49891234560"))
    assert rendered.applications[-3:] == ["answer", "playback", "hangup"]
    assert rendered.data("playback") == [node_media.node_source(str(site.tenant.pk), str(closed.pk))]


def test_dialplan_number_set_back_to_an_extension_ignores_its_old_routes(site, routed, django_capture_on_commit_callbacks):
    from telephony.directory import services as directory

    office = TimeRange.objects.for_tenant(site.tenant).get(is_default=True)
    with django_capture_on_commit_callbacks(execute=True):
        lunch = forwarding.check_create_time_range(site.tenant, actor=None, name="Lunch", weekdays=[6], periods=[(0, 60)])
        forwarding.check_route_number(
            site.tenant,
            actor=None,
            phone_number=site.numbers["main"],
            destination="schedule",
            ranges={str(office.pk): RouteTarget("group", group=routed.pk), str(lunch.pk): RouteTarget("hangup")},
            holiday=RouteTarget("hangup"),
            outside=RouteTarget("hangup"),
        )
        directory.check_route_phone_number(
            site.tenant,
            actor=None,
            phone_number=site.numbers["main"],
            destination_kind=DestinationKind.EXTENSION,
            destination_extension=site.extensions["1002"],
        )
    assert bridges(ask(OFFICE_HOURS, **trunk_call("+49891234560"))) == ["[leg_timeout=30]user/1002@tenant-a.example"]
    # the range the number's old routes named is free to delete now
    forwarding.check_delete_time_range(site.tenant, actor=None, time_range=lunch)
    assert not TimeRange.objects.filter(pk=lunch.pk).exists()


def test_dialplan_directory_change_reaches_routing_at_once(site, django_capture_on_commit_callbacks):
    assert ask(**from_extension("1001", "##77")).extension == "centrex-refused"
    with django_capture_on_commit_callbacks(execute=True):
        contacts.check_create_contact(
            site.tenant,
            actor=None,
            data=contacts.ContactInput(name="Taxi", short_number="77", numbers=[("work", "+49 89 216610")]),
            is_global=True,
        )
    assert bridges(ask(**from_extension("1001", "##77")))[0] == "[leg_timeout=60]sofia/gateway/carrier-a/+4989216610"


def test_delete_group_a_number_routes_to_is_refused(site, routed):
    with pytest.raises(ValidationError) as error:
        groups.check_delete_group(site.tenant, actor=None, group=routed)
    assert "Numbers send calls to this group" in str(error.value)


def test_snapshot_with_company_routing_takes_fourteen_queries_whatever_the_size(site, routed, django_assert_num_queries):
    for short in ("301", "302", "303"):
        group(site, short, ("1001", "1002", "1003"))
    # 9 without company routing, plus group members, number routes, and the schedule (ranges, periods, holidays)
    with django_assert_num_queries(14):
        snapshot = snapshots.build_snapshot(str(site.tenant.pk))
    assert len(snapshot.groups) == 4 and snapshot.schedule is not None


def test_dialplan_group_without_redis_rings_every_member_in_list_order(site, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True):
        group(site, strategy="cyclic", members=("1002", "1003"))
    dead = "redis://127.0.0.1:1/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead}}
    settings.REDIS_URL = dead
    # registrations and the rotation are unknown: the switch skips unregistered members itself
    assert bridges(ask(**from_extension("1001", "300"))) == [
        "[leg_timeout=15]user/1002@tenant-a.example",
        "[leg_timeout=15]user/1003@tenant-a.example",
    ]

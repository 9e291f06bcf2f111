"""The switch gateway against replayed FreeSWITCH events: live state, domain events, node status, reconnects."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async

from centrex.events import DomainEvent
from telephony.freeswitch import livestate
from telephony.freeswitch.esl import EslMessage, EslParser, parse_event
from telephony.freeswitch.events import SUBSCRIPTION, normalise
from telephony.freeswitch.gateway import Gateway, reconnect_delay
from telephony.freeswitch.models import SwitchNode
from tests.freeswitch_esl.conftest import NODE_PASSWORD, Site, make_node
from tests.freeswitch_esl.replay import ReplayServer, _event_matches, recorded_events

pytestmark = pytest.mark.django_db(transaction=True)

BRIDGED_CALL = "05_events_plain_ALL_bridged_call.txt"
CALLER, CALLEE = "9e5b2137-071e-4932-a2c5-49c420da2d2e", "41f953c7-86ac-43fc-a869-79fb61cd121f"


def subscribed_events(name: str) -> list[dict[str, str]]:
    """The recorded events a node would send to the gateway's subscription, decoded."""
    raws = [raw for raw in recorded_events(name) if _event_matches(raw, set(SUBSCRIPTION))]
    return [parse_event(EslMessage(m.headers, m.body)) for m in (EslParser().feed(raw)[0] for raw in raws)]


class Captured:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def __call__(self, batch: list[DomainEvent]) -> None:
        self.events.extend(batch)

    def names(self) -> list[tuple[str, str | None, str | None]]:
        return [(e.name, e.data.get("sip_username") or e.data.get("extension"), e.user) for e in self.events]


async def _gateway(node: SwitchNode) -> tuple[Gateway, Captured]:
    captured = Captured()
    return Gateway(node, publish=captured), captured


async def test_gateway_replayed_bridged_call_publishes_registrations_calls_and_presence(site_a: Site) -> None:
    # given the node replaying the recorded call 1001 -> 1002 (registered, bridged, hung up, unregistered)
    server = await ReplayServer(BRIDGED_CALL, password=NODE_PASSWORD).start()
    node = await sync_to_async(make_node)(server.port)
    gateway, captured = await _gateway(node)
    expected = len(subscribed_events(BRIDGED_CALL))
    stop = asyncio.Event()
    # when the gateway runs until it has handled everything the node sent
    task = asyncio.create_task(gateway.run(stop))
    for _ in range(200):
        if gateway.stats["events"] >= expected and not gateway._pending:
            break
        await asyncio.sleep(0.02)
    status_while_connected = (await sync_to_async(SwitchNode.objects.get)(pk=node.pk)).status
    stop.set()
    await asyncio.wait_for(task, 10)
    await server.stop()
    # then it subscribed to the needed events only, with the node's password
    assert server.received[0] == f"auth {NODE_PASSWORD}\n\n".encode()
    assert server.received[1].startswith(b"event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_HANGUP_COMPLETE")
    assert b"CUSTOM sofia::register sofia::unregister sofia::expire sofia::register_failure" in server.received[1]
    assert server.mismatches == []
    assert gateway.stats["events"] == expected == 19
    tenant = str(site_a.tenant.pk)
    u1001, u1002 = str(site_a.users["1001"].pk), str(site_a.users["1002"].pk)
    assert all(e.tenant == tenant for e in captured.events)
    assert captured.names() == [
        ("registration.changed", "1001", None),
        ("presence.changed", "1001", None),
        ("registration.changed", "1002", None),
        ("presence.changed", "1002", None),
        ("call.started", "1001", u1001),
        ("presence.changed", "1001", None),
        ("call.started", "1002", u1002),
        ("presence.changed", "1002", None),
        ("call.answered", "1002", u1002),
        ("presence.changed", "1002", None),
        ("call.answered", "1001", u1001),  # 1001 placed the call: busy since it started, nothing new
        ("call.ended", "1002", u1002),
        ("presence.changed", "1002", None),
        ("call.ended", "1001", u1001),
        ("presence.changed", "1001", None),
        ("registration.changed", "1002", None),
        ("presence.changed", "1002", None),
        ("registration.changed", "1001", None),
        ("presence.changed", "1001", None),
    ]
    started = captured.events[4]
    assert (started.data["uuid"], started.data["extension"], started.data["destination"]) == (CALLER, "1001", "1002")
    ended = captured.events[13]
    assert ended.data["hangup_cause"] == "NORMAL_CLEARING" and ended.data["answered"] is True
    # presence per extension: the callee 1002 rings, is busy, is free again, goes offline; PRESENCE_IN and
    # the bridge repeat what is known and give nothing
    presence = [e.data for e in captured.events if e.type == "presence"]
    assert [(p["extension"], p["line_state"], p["presence"]) for p in presence] == [
        ("1001", "free", "line_free"),
        ("1002", "free", "line_free"),
        ("1001", "busy", "busy"),
        ("1002", "ringing", "line_free"),
        ("1002", "busy", "busy"),
        ("1002", "free", "line_free"),
        ("1001", "free", "line_free"),
        ("1002", "offline", "offline"),
        ("1001", "offline", "offline"),
    ]
    assert presence[0] == {
        "extension": "1001",
        "extension_id": str(site_a.extensions["1001"].pk),
        "user_id": u1001,
        "line_state": "free",
        "presence": "line_free",
        "seq": 1,
    }
    # each change of the tenant's presence carries its own seq, rising per extension (clients drop late ones)
    seqs = [e.data["seq"] for e in captured.events if e.type == "presence"]
    assert len(set(seqs)) == len(seqs)
    for number in ("1001", "1002"):
        own = [e.data["seq"] for e in captured.events if e.type == "presence" and e.data["extension"] == number]
        assert own == sorted(own)
    assert [e.data["registered"] for e in captured.events if e.type == "registration"] == [True, True, False, False]
    # the call and the registrations are over: live state is empty again
    assert await sync_to_async(livestate.registrations)(tenant) == {}
    assert await sync_to_async(livestate.active_calls)(tenant) == []
    # the node's status follows the connection, and its last event time was written
    await sync_to_async(node.refresh_from_db)()
    assert status_while_connected == "up"
    assert node.status == "down" and node.last_event_at is not None


async def test_gateway_midway_live_state_shows_registrations_and_the_bridged_call(site_a: Site) -> None:
    # given the recorded events up to and including the bridge
    node = await sync_to_async(make_node)(8021)
    gateway, captured = await _gateway(node)
    events = subscribed_events(BRIDGED_CALL)
    bridge = next(i for i, e in enumerate(events) if e["Event-Name"] == "CHANNEL_BRIDGE")
    now = time.time()
    # when
    for event in events[: bridge + 1]:
        captured(await gateway.handle(event, now=now))
    tenant = str(site_a.tenant.pk)
    registered = await sync_to_async(livestate.registrations)(tenant)
    calls = await sync_to_async(livestate.active_calls)(tenant)
    # then
    assert set(registered) == {"1001", "1002"}
    assert registered["1001"] == [
        {
            "contact": "sip:1001@127.0.0.1:5062;transport=UDP",
            "network_ip": "127.0.0.1",
            "network_port": 5062,
            "user_agent": "SIPp-fixture",
            "expires_at": now + 300,
            "node": "fs1",
            "app": False,  # a desk phone over UDP, not a browser over WSS
            "call_id": "1-19447@127.0.0.1",
        }
    ]
    assert {c["uuid"]: c["state"] for c in calls} == {CALLER: "bridged", CALLEE: "answered"}
    assert next(c for c in calls if c["uuid"] == CALLER)["other_leg"] == CALLEE
    assert await sync_to_async(livestate.outside_call_count)(tenant) == 0
    assert await sync_to_async(livestate.registered_usernames)(tenant) == {"1001", "1002"}


async def test_gateway_outside_leg_counts_until_its_hangup(site_a: Site) -> None:
    # given the recorded CHANNEL_CREATE / HANGUP_COMPLETE of the callee leg, changed into a trunk leg
    # (no trunk call was recorded: Channel-Name and profile are those mod_sofia gives a gateway leg)
    node = await sync_to_async(make_node)(8021)
    gateway, _captured = await _gateway(node)
    tenant = str(site_a.tenant.pk)
    events = subscribed_events(BRIDGED_CALL)
    trunk = {"Channel-Name": "sofia/gateway/carrier-a/+4930123456", "variable_sofia_profile_name": "external"}
    create = next(e for e in events if e["Event-Name"] == "CHANNEL_CREATE" and e["Unique-ID"] == CALLEE) | trunk
    hangup = next(e for e in events if e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE" and e["Unique-ID"] == CALLEE) | trunk
    create["variable_tenant_id"] = hangup["variable_tenant_id"] = tenant
    # when / then
    assert await gateway.handle(create) == []  # a trunk leg is nobody's personal call
    assert await sync_to_async(livestate.outside_call_count)(tenant) == 1
    await gateway.handle(hangup)
    assert await sync_to_async(livestate.outside_call_count)(tenant) == 0


async def test_gateway_events_of_an_unknown_domain_change_nothing(site_a: Site) -> None:
    # given the recorded registration of 1001, from a domain no tenant has
    node = await sync_to_async(make_node)(8021)
    gateway, _ = await _gateway(node)
    register = next(e for e in subscribed_events(BRIDGED_CALL) if e.get("Event-Subclass") == "sofia::register")
    register = register | {"realm": "unknown.example", "from-host": "unknown.example"}
    # when
    published = await gateway.handle(register)
    # then
    assert published == []
    assert await sync_to_async(livestate.registrations)(str(site_a.tenant.pk)) == {}


async def test_gateway_tenant_id_variable_wins_over_the_domain(site_a: Site, site_b: Site) -> None:
    # given the recorded registration, with tenant B's id as the tenant_id variable
    node = await sync_to_async(make_node)(8021)
    gateway, _ = await _gateway(node)
    register = next(e for e in subscribed_events(BRIDGED_CALL) if e.get("Event-Subclass") == "sofia::register")
    register = register | {"tenant_id": str(site_b.tenant.pk)}
    # when
    published = await gateway.handle(register)
    # then the registration (and the presence of B's extension 1001) belongs to tenant B only
    assert [(e.name, e.tenant) for e in published] == [
        ("registration.changed", str(site_b.tenant.pk)),
        ("presence.changed", str(site_b.tenant.pk)),
    ]
    assert published[1].data["extension_id"] == str(site_b.extensions["1001"].pk)
    assert set(await sync_to_async(livestate.registrations)(str(site_b.tenant.pk))) == {"1001"}
    assert await sync_to_async(livestate.registrations)(str(site_a.tenant.pk)) == {}


async def test_gateway_group_call_and_shared_device_events(site_a: Site) -> None:
    # given the recorded answer of the caller's leg, as a group call (the dialplan exports the group)
    node = await sync_to_async(make_node)(8021)
    gateway, _ = await _gateway(node)
    answer = next(
        e for e in subscribed_events(BRIDGED_CALL) if e.get("Event-Name") == "CHANNEL_ANSWER" and e.get("Unique-ID") == CALLER
    )
    group_id = "0b8f6c1e-2f57-4c55-9d1b-3a4a5b6c7d8e"
    # when it reaches the gateway
    published = await gateway.handle(answer | {"variable_centrex_group_id": group_id})
    # then the personal call.answered names the group (the groups' rotation follows it)
    assert [(e.name, e.user, e.data["group_id"]) for e in published if e.type == "call"] == [
        ("call.answered", str(site_a.users["1001"].pk), group_id)
    ]
    # and the same event on 1003, a device without a user, is the tenant's call event
    shared = answer | {
        "Unique-ID": "7d1c1a43-6a8f-4a8e-9a55-0d0f1d5b0c11",
        "Channel-Presence-ID": "1003@" + site_a.tenant.sip_domain,
    }
    published = await gateway.handle(shared)
    assert [(e.name, e.tenant, e.user, e.data["extension"]) for e in published] == [
        ("call.answered", str(site_a.tenant.pk), None, "1003"),
        ("presence.changed", str(site_a.tenant.pk), None, "1003"),
    ]
    assert (published[1].data["user_id"], published[1].data["line_state"]) == (None, "busy")


async def test_gateway_two_registrations_at_once_are_both_kept(site_a: Site) -> None:
    # given two recorded registrations of 1001 from two phones (second call-id and port changed)
    node = await sync_to_async(make_node)(8021)
    gateway, _ = await _gateway(node)
    first = next(e for e in subscribed_events(BRIDGED_CALL) if e.get("Event-Subclass") == "sofia::register")
    second = first | {"call-id": "2-99999@127.0.0.1", "network-port": "5064"}
    # when both are handled concurrently
    results = await asyncio.gather(gateway.handle(first), gateway.handle(second))
    # then both contacts are registered and both were new; the extension's line became free once
    contacts = (await sync_to_async(livestate.registrations)(str(site_a.tenant.pk)))["1001"]
    assert sorted(c["network_port"] for c in contacts) == [5062, 5064]
    assert [e.name for r in results for e in r].count("registration.changed") == 2
    assert [e.data["line_state"] for r in results for e in r if e.type == "presence"] == ["free"]


async def test_gateway_reconnects_after_the_node_hangs_up(site_a: Site) -> None:
    # given a node that refuses the password and hangs up (transcript 02), e.g. while it is being reconfigured
    server = await ReplayServer("02_auth_failure.txt", password="the-node-now-has-another-one").start()
    node = await sync_to_async(make_node)(server.port)
    gateway, _ = await _gateway(node)
    stop = asyncio.Event()
    from django.test import override_settings

    # when the gateway keeps trying (fast backoff for the test)
    with override_settings(FREESWITCH_RECONNECT_BASE_SECONDS=0.01, FREESWITCH_RECONNECT_MAX_SECONDS=0.05):
        task = asyncio.create_task(gateway.run(stop))
        for _ in range(200):
            if server.sessions >= 3:
                break
            await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(task, 10)
    await server.stop()
    # then it came back again and again, and marked the node down
    assert server.sessions >= 3
    await sync_to_async(node.refresh_from_db)()
    assert node.status == "down"


def test_reconnect_delay_grows_and_is_capped(settings) -> None:
    settings.FREESWITCH_RECONNECT_BASE_SECONDS = 1
    settings.FREESWITCH_RECONNECT_MAX_SECONDS = 60
    delays = [reconnect_delay(n) for n in range(12)]
    assert 0.5 <= delays[0] <= 1 and 4 <= delays[3] <= 8
    assert all(30 <= d <= 60 for d in delays[6:])


def test_normalise_register_failure_built_from_recorded_register_attempt_headers() -> None:
    # given no sofia::register_failure was recorded: one built from the recorded register_attempt
    # headers, with mod_sofia's header names for that event (to-user, to-host, network-ip, ...)
    attempt = next(e for e in subscribed_events_all() if e.get("Event-Subclass") == "sofia::register_attempt")
    names = ("Event-Name", "profile-name", "to-user", "to-host", "network-ip", "network-port", "user-agent")
    failure = {k: v for k, v in attempt.items() if k in names}
    failure |= {"Event-Subclass": "sofia::register_failure", "registration-type": "REGISTER"}
    # when
    record = normalise(failure)
    # then
    assert record is not None and type(record).__name__ == "RegisterFailure"
    assert (record.network_ip, record.sip_user, record.domain) == ("127.0.0.1", "1001", "tenant-a.example")


def subscribed_events_all() -> list[dict[str, str]]:
    raws = recorded_events(BRIDGED_CALL)
    return [parse_event(EslMessage(m.headers, m.body)) for m in (EslParser().feed(raw)[0] for raw in raws)]


def test_normalise_ignores_events_the_gateway_does_not_act_on() -> None:
    events = subscribed_events_all()
    ignored = {e["Event-Name"] for e in events if normalise(e) is None}
    assert {"CHANNEL_STATE", "CHANNEL_EXECUTE", "DTMF", "CODEC"} <= ignored


async def test_handle_batch_gives_the_same_events_in_the_same_order_as_one_by_one(site_a: Site, site_b: Site) -> None:
    # given the whole recorded call as one batch for tenant A, and the same one by one for tenant B
    node = await sync_to_async(make_node)(8021)
    events = subscribed_events(BRIDGED_CALL)
    as_b = [e | {"variable_tenant_id": str(site_b.tenant.pk), "tenant_id": str(site_b.tenant.pk)} for e in events]
    # when
    batched = await Gateway(node, publish=Captured()).handle_batch(events)
    one_by_one = [d for e in as_b for d in await Gateway(node, publish=Captured()).handle(e)]
    # then
    assert [(e.name, e.data.get("sip_username"), e.data.get("line_state")) for e in batched] == [
        (e.name, e.data.get("sip_username"), e.data.get("line_state")) for e in one_by_one
    ]
    assert len(batched) == 19


def test_switch_gateway_command_unknown_node_is_an_error(db: None) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no active switch node named 'nope'"):
        call_command("switch_gateway", node="nope")

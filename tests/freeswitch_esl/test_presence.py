"""Extension presence ([DFN] §1.10) from the switch gateway and global DND: which presence.changed events, when."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
import websockets
from asgiref.sync import sync_to_async

from centrex import events
from centrex.events import DomainEvent
from telephony.directory import services as directory
from telephony.forwarding import services as forwarding
from telephony.freeswitch.gateway import Gateway, _order_presence
from tests.freeswitch_esl.conftest import NODE_PASSWORD, Site, make_node
from tests.freeswitch_esl.replay import ReplayServer
from tests.freeswitch_esl.test_gateway import BRIDGED_CALL, CALLEE, subscribed_events
from tests.freeswitch_esl.test_websocket_isolation import _cookie, server_port  # noqa: F401 - the server fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _presence(published: list[DomainEvent], extension: str | None = None) -> list[tuple[str, str]]:
    return [
        (e.data["line_state"], e.data["presence"])
        for e in published
        if e.type == "presence" and (extension is None or e.data["extension"] == extension)
    ]


def _recorded(name: str, **match: str) -> dict[str, str]:
    return next(e for e in subscribed_events(BRIDGED_CALL) if e.get("Event-Name") == name and match.items() <= e.items())


@pytest.fixture
def delivered() -> Iterator[list[DomainEvent]]:
    """Every domain event delivered while the test runs (subscribers see each one)."""
    seen: list[DomainEvent] = []
    events.subscriber(seen.append)
    yield seen
    events._subscribers.remove(seen.append)


async def test_replayed_call_gives_ringing_busy_free_for_the_callee_and_nothing_for_repeats(site_a: Site) -> None:
    # given the node replaying the recorded call 1001 -> 1002, where 1002 registered from a browser (WebRTC over WSS)
    replace = {b"<sip:1002@127.0.0.1:5090;transport=UDP>": b"<sip:1002@127.0.0.1:5090;transport=wss>"}
    server = await ReplayServer(BRIDGED_CALL, password=NODE_PASSWORD).start()
    server_events = subscribed_events(BRIDGED_CALL)
    node = await sync_to_async(make_node)(server.port)
    published: list[DomainEvent] = []
    gateway = Gateway(node, publish=published.extend)
    original = gateway.handle

    async def handle(headers, *, now=None):  # the recorded traffic, with 1002's contact over WSS
        headers = {k: _replace(v, replace) for k, v in headers.items()}
        return await original(headers, now=now)

    gateway.handle = handle  # type: ignore[method-assign]
    stop = asyncio.Event()
    # when the gateway runs until it has handled everything the node sent
    task = asyncio.create_task(gateway.run(stop))
    for _ in range(200):
        if gateway.stats["events"] >= len(server_events) and not gateway._pending:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 10)
    await server.stop()
    # then the callee's extension rang, was busy, was free again, went offline; the browser made it "available"
    assert _presence(published, "1002") == [
        ("free", "available"),
        ("ringing", "available"),
        ("busy", "busy"),
        ("free", "available"),
        ("offline", "offline"),
    ]
    # and the caller (a desk phone) was busy from the moment it dialled
    assert _presence(published, "1001") == [
        ("free", "line_free"),
        ("busy", "busy"),
        ("free", "line_free"),
        ("offline", "offline"),
    ]
    assert all(e.user is None and e.tenant == str(site_a.tenant.pk) for e in published if e.type == "presence")


def _replace(value: str, replace: dict[bytes, bytes]) -> str:
    for old, new in replace.items():
        value = value.replace(old.decode(), new.decode())
    return value


async def test_repeats_give_no_presence_event(site_a: Site) -> None:
    # given 1002 registered (recorded) and rung
    node = await sync_to_async(make_node)(8021)
    gateway = Gateway(node)
    register = _recorded("CUSTOM", username="1002")
    create = _recorded("CHANNEL_CREATE", **{"Unique-ID": CALLEE})
    first = await gateway.handle(register)
    ringing = await gateway.handle(create)
    # when the same things come again: a refresh of the registration, the switch's PRESENCE_IN,
    # the same leg again, and a second device of the extension registering while it rings
    refresh = await gateway.handle(register)
    presence_in = await gateway.handle(_recorded("PRESENCE_IN", **{"Unique-ID": CALLEE}))
    again = await gateway.handle(create)
    second_device, _password = await sync_to_async(directory.check_create_device)(
        site_a.tenant, actor=None, extension=site_a.extensions["1002"]
    )
    gateway.directory._devices_loaded.clear()  # the gateway's map is reloaded (as after its TTL)
    other = await gateway.handle(
        register | {"username": second_device.sip_username, "from-user": second_device.sip_username, "call-id": "9-1@x"}
    )
    # then only real changes were published
    assert _presence(first) == [("free", "line_free")]
    assert _presence(ringing) == [("ringing", "line_free")]
    assert refresh == [] and presence_in == [] and _presence(again) == []
    assert [e.name for e in other] == ["registration.changed"]
    await gateway.writer.close()


async def test_dnd_on_and_off_gives_presence_dnd_and_back(site_a: Site, delivered: list[DomainEvent]) -> None:
    # given 1002 registered from a desk phone (through the gateway)
    node = await sync_to_async(make_node)(8021)
    gateway = Gateway(node)
    assert _presence(await gateway.handle(_recorded("CUSTOM", username="1002"))) == [("free", "line_free")]
    extension = site_a.extensions["1002"]
    # when its user turns global DND on (the forwarding service; the event goes out after commit)
    await sync_to_async(forwarding.check_set_dnd)(site_a.tenant, actor=None, extension=extension, on=True)
    # then the extension shows "do not disturb" company-wide (a tenant event with the extension's ids)
    presence = [e for e in delivered if e.type == "presence"]
    assert [(e.data["line_state"], e.data["presence"]) for e in presence] == [("free", "dnd")]
    assert presence[0].data == {
        "extension": "1002",
        "extension_id": str(extension.pk),
        "user_id": str(site_a.users["1002"].pk),
        "line_state": "free",
        "presence": "dnd",
        "seq": 2,  # after the registration's "free / line free" (1)
    }
    assert presence[0].user is None and presence[0].tenant == str(site_a.tenant.pk)
    # when a call rings it: the line state changes, the icon stays DND (the gateway reads the DND flag)
    assert _presence(await gateway.handle(_recorded("CHANNEL_CREATE", **{"Unique-ID": CALLEE}))) == [("ringing", "dnd")]
    # when DND is set on again (no change), then off
    delivered.clear()
    await sync_to_async(forwarding.check_set_dnd)(site_a.tenant, actor=None, extension=extension, on=True)
    assert _presence(delivered) == []
    await sync_to_async(forwarding.check_set_dnd)(site_a.tenant, actor=None, extension=extension, on=False)
    # then the presence is back to what the line shows
    assert _presence(delivered) == [("ringing", "line_free")]
    await gateway.writer.close()


async def test_dnd_of_an_extension_without_registration_is_dnd_then_offline(site_a: Site, delivered: list[DomainEvent]) -> None:
    extension = site_a.extensions["1003"]
    await sync_to_async(forwarding.check_set_dnd)(site_a.tenant, actor=None, extension=extension, on=True)
    await sync_to_async(forwarding.check_set_dnd)(site_a.tenant, actor=None, extension=extension, on=False)
    assert _presence(delivered, "1003") == [("offline", "dnd"), ("offline", "offline")]
    assert [e.data["user_id"] for e in delivered if e.type == "presence"] == [None, None]


def test_presence_events_of_one_extension_follow_the_order_redis_derived_them() -> None:
    # given two chains of one extension whose results came back in event order but were derived the other way round
    busy = DomainEvent("presence", "changed", "t", {"extension_id": "e1", "line_state": "busy"})
    free = DomainEvent("presence", "changed", "t", {"extension_id": "e1", "line_state": "free"})
    other = DomainEvent("presence", "changed", "t", {"extension_id": "e2", "line_state": "ringing"})
    call = DomainEvent("call", "answered", "t", {})
    batch = [busy, call, other, free]
    # when
    _order_presence(batch, {id(busy): 7, id(free): 6, id(other): 1})
    # then the last one sent for e1 is the one Redis holds; the others keep their places
    assert batch == [free, call, other, busy]


async def test_presence_events_reach_the_tenants_clients_only(site_a: Site, site_b: Site, server_port: int) -> None:  # noqa: F811
    # given users of both tenants connected to /ws/events/
    url = f"ws://127.0.0.1:{server_port}/ws/events/"

    async def connect(user):
        cookie = await sync_to_async(_cookie)(user)
        return await websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": "http://127.0.0.1"})

    a1001, a1002, b1001 = [await connect(u) for u in (site_a.users["1001"], site_a.users["1002"], site_b.users["1001"])]
    try:
        await asyncio.sleep(0.3)  # the consumers joined their groups
        gateway = Gateway(await sync_to_async(make_node)(8021))

        async def handle(event: dict[str, str]) -> None:
            gateway._pending.extend(await gateway.handle(event, now=time.time()))
            await gateway.flush()

        # when tenant A's 1002 registers and is rung, and its user turns DND on
        await handle(_recorded("CUSTOM", username="1002"))
        await handle(_recorded("CHANNEL_CREATE", **{"Unique-ID": CALLEE}))
        await sync_to_async(forwarding.check_set_dnd)(site_a.tenant, actor=None, extension=site_a.extensions["1002"], on=True)
        # then both of A's users see 1002's presence change, in order
        for ws in (a1001, a1002):
            seen = []
            while len(seen) < 3:
                message = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if message["type"] == "presence":
                    assert message["tenant"] == str(site_a.tenant.pk) and "user" not in message
                    seen.append((message["data"]["extension"], message["data"]["line_state"], message["data"]["presence"]))
            assert seen == [("1002", "free", "line_free"), ("1002", "ringing", "line_free"), ("1002", "ringing", "dnd")]
        # and B's user sees nothing of it
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(b1001.recv(), 1)
        # when tenant B's 1001 registers (the same recording, for B's domain)
        await handle(_recorded("CUSTOM", username="1001") | {"tenant_id": str(site_b.tenant.pk)})
        # then B's user gets B's presence, A's users do not
        kinds = [json.loads(await asyncio.wait_for(b1001.recv(), 5)) for _ in range(2)]
        assert [(m["type"], m["tenant"]) for m in kinds] == [
            ("registration", str(site_b.tenant.pk)),
            ("presence", str(site_b.tenant.pk)),
        ]
        assert kinds[1]["data"]["extension_id"] == str(site_b.extensions["1001"].pk)
        for ws in (a1001, a1002):
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), 1)
        await gateway.writer.close()
    finally:
        for ws in (a1001, a1002, b1001):
            await ws.close()


def test_dnd_without_redis_publishes_from_the_dnd_flag_alone(
    site_a: Site, delivered, settings, django_capture_on_commit_callbacks
) -> None:
    # given the embedded default: no Redis, so no switch and nothing live
    settings.REDIS_URL = ""
    # when DND goes on and off
    with django_capture_on_commit_callbacks(execute=True):
        forwarding.check_set_dnd(site_a.tenant, actor=None, extension=site_a.extensions["1001"], on=True)
    with django_capture_on_commit_callbacks(execute=True):
        forwarding.check_set_dnd(site_a.tenant, actor=None, extension=site_a.extensions["1001"], on=False)
    # then the presence follows the flag
    assert _presence(delivered, "1001") == [("offline", "dnd"), ("offline", "offline")]


async def test_line_state_over_several_devices_busy_beats_ringing_beats_free(site_a: Site) -> None:
    # given extension 1002 with a second device, both registered (the recorded registration, twice)
    second, _password = await sync_to_async(directory.check_create_device)(
        site_a.tenant, actor=None, extension=site_a.extensions["1002"]
    )
    node = await sync_to_async(make_node)(8021)
    gateway = Gateway(node)
    register = _recorded("CUSTOM", username="1002")
    domain = site_a.tenant.sip_domain
    published = await gateway.handle(register)
    published += await gateway.handle(register | {"username": second.sip_username, "call-id": "2-2@x"})
    # and legs to either device (the recorded callee leg, once as is and once for the second device)
    ring_first = _recorded("CHANNEL_CREATE", **{"Unique-ID": CALLEE})
    answer_first = _recorded("CHANNEL_ANSWER", **{"Unique-ID": CALLEE})
    hangup_first = _recorded("CHANNEL_HANGUP_COMPLETE", **{"Unique-ID": CALLEE})
    other = {"Unique-ID": "5b6c7d8e-0000-4000-8000-00000000002b", "Channel-Presence-ID": f"{second.sip_username}@{domain}"}
    ring_second, answer_second = ring_first | other, answer_first | other
    hangup_second = hangup_first | other
    # when the second device answers a call while the first one then rings, and the calls end one by one
    for event in (ring_second, answer_second, ring_first, hangup_second, answer_first, hangup_first):
        published += await gateway.handle(event)
    # then the extension is free, ringing, busy (ringing on the other device changes nothing),
    # ringing again when the call ends, busy when it is answered, free at the end
    assert _presence(published) == [
        ("free", "line_free"),
        ("ringing", "line_free"),
        ("busy", "busy"),
        ("ringing", "line_free"),
        ("busy", "busy"),
        ("free", "line_free"),
    ]
    await gateway.writer.close()


async def test_dnd_the_redis_set_missed_is_restored_from_the_database_when_the_gateway_loads_devices(site_a: Site) -> None:
    from django.core.cache import cache as django_cache

    from telephony.freeswitch import livestate

    # given 1002 with global DND on in the database, but the live DND set lost (Redis emptied)
    extension = site_a.extensions["1002"]
    await sync_to_async(forwarding.check_set_dnd)(site_a.tenant, actor=None, extension=extension, on=True)
    await sync_to_async(django_cache.clear)()
    client = livestate._sync()
    assert client.smembers(livestate._key(str(site_a.tenant.pk), "dnd")) == set()
    # when the gateway (which loads the tenant's devices) sees 1002 register
    gateway = Gateway(await sync_to_async(make_node)(8021))
    # then the presence is still "do not disturb"
    assert _presence(await gateway.handle(_recorded("CUSTOM", username="1002"))) == [("free", "dnd")]
    await gateway.writer.close()

"""Over a real WebSocket (uvicorn, Redis channel layer): a gateway event of tenant A reaches A's users only."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import pytest
import uvicorn
import websockets
from asgiref.sync import sync_to_async
from django.test import Client

from telephony.freeswitch.gateway import Gateway
from tests.freeswitch_esl.conftest import Site, make_node
from tests.freeswitch_esl.test_gateway import BRIDGED_CALL, subscribed_events

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server_port() -> int:
    from centrex.asgi import application

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(5)


def _cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def _handle(gateway: Gateway, event: dict[str, str]) -> None:
    gateway._pending.extend(await gateway.handle(event))
    await gateway.flush()


async def test_gateway_events_reach_only_their_tenant_and_personal_ones_only_their_user(
    site_a: Site, site_b: Site, server_port: int
) -> None:
    # given users of both tenants connected to /ws/events/ (session cookie)
    url = f"ws://127.0.0.1:{server_port}/ws/events/"

    async def headers(user) -> dict[str, str]:
        return {"Cookie": await sync_to_async(_cookie)(user), "Origin": "http://127.0.0.1"}

    recorded = subscribed_events(BRIDGED_CALL)
    register = next(e for e in recorded if e.get("Event-Subclass") == "sofia::register")
    caller_leg = next(e for e in recorded if e["Event-Name"] == "CHANNEL_CREATE")
    async with (
        websockets.connect(url, additional_headers=await headers(site_a.users["1001"])) as a1001,
        websockets.connect(url, additional_headers=await headers(site_a.users["1002"])) as a1002,
        websockets.connect(url, additional_headers=await headers(site_b.users["1001"])) as b1001,
    ):
        await asyncio.sleep(0.3)  # the consumers joined their groups
        gateway = Gateway(await sync_to_async(make_node)(8021))
        # when the gateway handles the recorded registration of 1001@tenant-a.example
        await _handle(gateway, register)
        # then both of A's users get it (and 1001's new presence, a tenant event too), B's user does not
        for ws in (a1001, a1002):
            received = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert (received["type"], received["op"], received["tenant"]) == ("registration", "changed", str(site_a.tenant.pk))
            assert received["data"]["sip_username"] == "1001"
            received = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert (received["type"], received["data"]["extension"]) == ("presence", "1001")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(b1001.recv(), 1)
        # when 1001 starts a call (the recorded CHANNEL_CREATE of the caller's leg)
        await _handle(gateway, caller_leg)
        # then only 1001's user gets the personal call event; the presence (busy) goes to all of A's users
        received = json.loads(await asyncio.wait_for(a1001.recv(), 5))
        assert (received["type"], received["op"], received["user"]) == ("call", "started", str(site_a.users["1001"].pk))
        assert received["data"]["destination"] == "1002"
        for ws in (a1001, a1002):
            received = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert (received["type"], received["data"]["line_state"], received["data"]["presence"]) == (
                "presence",
                "busy",
                "busy",
            )
        for ws in (a1001, a1002, b1001):
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), 1)
        await gateway.writer.close()

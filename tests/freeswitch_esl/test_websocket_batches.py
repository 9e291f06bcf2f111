"""``deliver_many()`` sends one channel-layer message per group; browsers still get one frame per event, in order."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from asgiref.sync import sync_to_async

from centrex.events import DomainEvent, deliver_many
from tests.freeswitch_esl.conftest import Site
from tests.freeswitch_esl.test_websocket_isolation import _cookie, server_port  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


async def _frames(ws, count: int) -> list[dict]:
    return [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(count)]


async def test_a_batch_reaches_each_group_in_order_and_no_other_tenant(site_a: Site, site_b: Site, server_port: int) -> None:  # noqa: F811
    url = f"ws://127.0.0.1:{server_port}/ws/events/"

    async def headers(user) -> dict[str, str]:
        return {"Cookie": await sync_to_async(_cookie)(user), "Origin": "http://127.0.0.1"}

    tenant_a, tenant_b = str(site_a.tenant.pk), str(site_b.tenant.pk)
    user_1001 = str(site_a.users["1001"].pk)
    events = [
        DomainEvent("call", "started", tenant_a, {"n": 1}),
        DomainEvent("call", "started", tenant_b, {"n": 2}),
        DomainEvent("call", "answered", tenant_a, {"n": 3}),
        DomainEvent("call", "started", tenant_a, {"n": 4}, user=user_1001),
        DomainEvent("call", "ended", tenant_a, {"n": 5}),
    ]
    async with (
        websockets.connect(url, additional_headers=await headers(site_a.users["1001"])) as a1001,
        websockets.connect(url, additional_headers=await headers(site_a.users["1002"])) as a1002,
        websockets.connect(url, additional_headers=await headers(site_b.users["1001"])) as b1001,
    ):
        await asyncio.sleep(0.3)  # the consumers joined their groups
        # when the five events are delivered in one batch
        await sync_to_async(deliver_many)(events)
        # then A's 1001 gets A's tenant events in order and its personal one
        got = await _frames(a1001, 4)
        assert [e["data"]["n"] for e in got if "user" not in e] == [1, 3, 5]
        assert [(e["data"]["n"], e["user"]) for e in got if "user" in e] == [(4, user_1001)]
        # A's 1002 gets the tenant events only, B's user only B's event
        assert [e["data"]["n"] for e in await _frames(a1002, 3)] == [1, 3, 5]
        assert [(e["data"]["n"], e["tenant"]) for e in await _frames(b1001, 1)] == [(2, tenant_b)]
        for ws in (a1002, b1001):
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), 1)

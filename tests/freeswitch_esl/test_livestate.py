"""Live state readers: keys carry the tenant, expiry cleans up, a Redis outage answers "nothing live"."""

from __future__ import annotations

import asyncio
import time
import uuid

from telephony.freeswitch import livestate
from telephony.freeswitch.livestate import LiveStateWriter


def _run(coroutine):  # a fresh loop per call: the writer's pool belongs to it
    async def with_writer():
        writer = LiveStateWriter()
        try:
            return await coroutine(writer)
        finally:
            await writer.close()

    return asyncio.run(with_writer())


def test_registration_past_its_expiry_is_gone_and_keys_carry_the_tenant(settings) -> None:
    # given two tenants, one registration each; tenant A's has already expired
    tenant_a, tenant_b = str(uuid.uuid4()), str(uuid.uuid4())
    now = time.time()
    contact = {"contact": "sip:1001@192.0.2.10:5060", "network_ip": "192.0.2.10", "network_port": 5060, "user_agent": "x"}

    async def register(writer: LiveStateWriter) -> None:
        await writer.register(tenant_a, "1001", "call-a", contact | {"expires_at": now - 1}, now=now - 301)
        await writer.register(tenant_b, "1001", "call-b", contact | {"expires_at": now + 300}, now=now)

    _run(register)
    # then
    assert livestate.registrations(tenant_a) == {}
    assert [c["call_id"] for c in livestate.registrations(tenant_b)["1001"]] == ["call-b"]
    assert livestate.registered_addresses() == {"192.0.2.10"}
    import redis

    keys = {k.decode() for k in redis.Redis.from_url(settings.REDIS_URL).keys(f"{settings.KEY_PREFIX}:live:*")}
    assert keys and all(tenant_a in k or tenant_b in k for k in keys)


def test_channel_without_hangup_is_dropped_after_the_ttl(settings) -> None:
    # given an outside channel whose hangup event was lost
    settings.FREESWITCH_LIVE_CALL_TTL_SECONDS = 60
    tenant = str(uuid.uuid4())

    async def create(writer: LiveStateWriter) -> None:
        await writer.channel_update(tenant, "c1", {"uuid": "c1"}, outside=True, now=time.time() - 120)

    _run(create)
    # then it no longer counts against the tenant's outside lines
    assert livestate.outside_call_count(tenant) == 0
    assert livestate.active_calls(tenant) == []


def test_readers_answer_nothing_live_when_redis_is_down(settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    tenant = str(uuid.uuid4())
    assert livestate.registrations(tenant) == {}
    assert livestate.registered_usernames(tenant) == set()
    assert livestate.active_calls(tenant) == []
    assert livestate.outside_call_count(tenant) == 0

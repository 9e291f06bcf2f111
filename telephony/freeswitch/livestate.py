"""Live state of the switches in Redis, kept by the switch gateway, read by the portal and routing.

What is kept, per tenant (every key carries the tenant id: ``<prefix>:live:<tenant>:...``):

* registrations: ``reg`` (hash ``<sip user>|<call-id>`` -> JSON contact, address, user agent, expiry,
  node) with ``reg_exp`` (sorted set of the same members by expiry time);
* channels of live calls: ``chan`` (hash channel uuid -> JSON) with ``chan_seen`` (sorted set by
  last event time) and ``outside`` (set of the channel uuids on the trunk side, one per outside call);
* presence: ``presence`` (hash sip user -> state).

Writes are single Lua scripts, so two events handled at once (two gateways, or a register racing
its own expiry) leave consistent data. Entries clean themselves up: a registration is gone when
its expiry passes (readers drop it), a channel not heard of for ``FREESWITCH_LIVE_CALL_TTL_SECONDS``
is dropped (a lost hangup event must not block the tenant's outside-line count), and every key
expires when its tenant goes quiet.

Without ``REDIS_URL`` (the embedded single-process default, no switch gateway) the readers
answer "nothing live".
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from functools import cache, wraps
from typing import Any, TypeVar

import redis
import redis.asyncio as aioredis
from django.conf import settings

# KEYS: reg, reg_exp. ARGV: member, json, expires_at, now, key ttl
_REGISTER = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
local stale = redis.call('HKEYS', KEYS[1])
for _, member in ipairs(stale) do
  if not redis.call('ZSCORE', KEYS[2], member) then redis.call('HDEL', KEYS[1], member) end
end
local existed = redis.call('HEXISTS', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return existed
"""

# KEYS: reg, reg_exp. ARGV: sip user, call-id, contact (a phone may unregister with a new call-id:
# then its contact identifies the registration; both empty: every registration of the user)
_UNREGISTER = """
local removed = 0
for _, member in ipairs(redis.call('HKEYS', KEYS[1])) do
  local sep = string.find(member, '|', 1, true)
  local user = string.sub(member, 1, sep - 1)
  local call_id = string.sub(member, sep + 1)
  local same = (ARGV[2] == '' and ARGV[3] == '') or call_id == ARGV[2]
  if user == ARGV[1] and not same and ARGV[3] ~= '' then
    local stored = redis.call('HGET', KEYS[1], member)
    same = stored and cjson.decode(stored)['contact'] == ARGV[3]
  end
  if user == ARGV[1] and same then
    redis.call('HDEL', KEYS[1], member)
    redis.call('ZREM', KEYS[2], member)
    removed = removed + 1
  end
end
local remaining = 0
for _, member in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(member, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then remaining = remaining + 1 end
end
return {removed, remaining}
"""

# KEYS: reg, reg_exp. ARGV: now. Returns the live registrations as a flat list.
_REGISTRATIONS = """
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, member in ipairs(expired) do redis.call('HDEL', KEYS[1], member) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
return redis.call('HGETALL', KEYS[1])
"""

# KEYS: chan, chan_seen, outside. ARGV: uuid, json (merged into the stored one), now, outside(0/1), key ttl, stale before
_CHANNEL_UPDATE = """
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[6])
for _, uuid in ipairs(stale) do
  redis.call('HDEL', KEYS[1], uuid)
  redis.call('SREM', KEYS[3], uuid)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[6])
local current = redis.call('HGET', KEYS[1], ARGV[1])
local merged = cjson.decode(ARGV[2])
if current then
  local old = cjson.decode(current)
  for key, value in pairs(merged) do old[key] = value end
  merged = old
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(merged))
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if ARGV[4] == '1' then redis.call('SADD', KEYS[3], ARGV[1]) end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
if current then return 0 end
return 1
"""

# KEYS: chan, chan_seen, outside. ARGV: uuid. Returns the stored JSON (or nil).
_CHANNEL_END = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
return current
"""

# KEYS: chan, chan_seen, outside. ARGV: stale before. Returns the number of outside channels.
_OUTSIDE_COUNT = """
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, uuid in ipairs(stale) do
  redis.call('HDEL', KEYS[1], uuid)
  redis.call('SREM', KEYS[3], uuid)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
return redis.call('SCARD', KEYS[3])
"""

# KEYS: presence. ARGV: sip user, state, key ttl. Returns the previous state.
_PRESENCE = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return old
"""

logger = logging.getLogger(__name__)
T = TypeVar("T")

# How long a tenant's keys live after its last event (longer than any registration or call).
KEY_TTL_SECONDS = 2 * 86400


def _key(tenant_id: str, name: str) -> str:
    return f"{settings.KEY_PREFIX}:live:{tenant_id}:{name}"


def _reg_keys(tenant_id: str) -> list[str]:
    return [_key(tenant_id, "reg"), _key(tenant_id, "reg_exp")]


def _chan_keys(tenant_id: str) -> list[str]:
    return [_key(tenant_id, "chan"), _key(tenant_id, "chan_seen"), _key(tenant_id, "outside")]


def _stale_before(now: float) -> float:
    return now - settings.FREESWITCH_LIVE_CALL_TTL_SECONDS


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def _sync() -> redis.Redis | None:
    return _client(settings.REDIS_URL) if settings.REDIS_URL else None


# --- readers (sync: portal, routing, services) ------------------------------------------
def _nothing_live_on_error(empty: Callable[[], T]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """A Redis outage must not stop calls being routed or pages shown: log it and answer "nothing live"."""

    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            try:
                return func(*args, **kwargs)
            except redis.RedisError as error:
                logger.warning("live state unavailable", extra={"reader": func.__name__, "error": str(error)})
                return empty()

        return wrapper

    return decorate


@_nothing_live_on_error(dict)
def registrations(tenant_id: str) -> dict[str, list[dict[str, Any]]]:
    """The tenant's current registrations: SIP user name -> one dict per registered contact."""
    client = _sync()
    if client is None:
        return {}
    flat = client.eval(_REGISTRATIONS, 2, *_reg_keys(str(tenant_id)), time.time())
    result: dict[str, list[dict[str, Any]]] = {}
    for member, data in zip(flat[::2], flat[1::2], strict=True):
        user = _text(member).partition("|")[0]
        result.setdefault(user, []).append(json.loads(data))
    for contacts in result.values():
        contacts.sort(key=lambda c: (c.get("contact", ""), c.get("call_id", "")))
    return result


def registered_usernames(tenant_id: str) -> set[str]:
    return set(registrations(tenant_id))


@_nothing_live_on_error(set)
def registered_addresses() -> set[str]:
    """Every network address with a current good registration, over all tenants (brute-force guard)."""
    client = _sync()
    if client is None:
        return set()
    addresses: set[str] = set()
    now = time.time()
    for key in client.scan_iter(match=f"{settings.KEY_PREFIX}:live:*:reg", count=500):
        tenant_id = _text(key).split(":")[-2]
        for contacts in registrations(tenant_id).values():
            addresses.update(c["network_ip"] for c in contacts if c.get("network_ip") and c.get("expires_at", 0) > now)
    return addresses


@_nothing_live_on_error(list)
def active_calls(tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's live channels (one dict per call leg), oldest first."""
    client = _sync()
    if client is None:
        return []
    tenant_id = str(tenant_id)
    client.eval(_OUTSIDE_COUNT, 3, *_chan_keys(tenant_id), _stale_before(time.time()))  # drops stale channels
    channels = [json.loads(value) for value in client.hvals(_key(tenant_id, "chan"))]
    return sorted(channels, key=lambda c: (c.get("created_at", 0), c.get("uuid", "")))


@_nothing_live_on_error(int)
def outside_call_count(tenant_id: str) -> int:
    """How many of the tenant's calls use a trunk right now (ringing or answered)."""
    client = _sync()
    if client is None:
        return 0
    return int(client.eval(_OUTSIDE_COUNT, 3, *_chan_keys(str(tenant_id)), _stale_before(time.time())))


@_nothing_live_on_error(dict)
def presence(tenant_id: str) -> dict[str, str]:
    """SIP user name -> presence state (``idle``, ``ringing``, ``busy``, ``offline``)."""
    client = _sync()
    if client is None:
        return {}
    return {_text(k): _text(v) for k, v in client.hgetall(_key(str(tenant_id), "presence")).items()}


# --- writers (async: the switch gateway) -------------------------------------------------
class LiveStateWriter:
    """The gateway's handle on live state: one async Redis connection pool, scripts loaded once."""

    def __init__(self, url: str | None = None) -> None:
        self.redis = aioredis.Redis.from_url(url or settings.REDIS_URL)
        self._register = self.redis.register_script(_REGISTER)
        self._unregister = self.redis.register_script(_UNREGISTER)
        self._channel_update = self.redis.register_script(_CHANNEL_UPDATE)
        self._channel_end = self.redis.register_script(_CHANNEL_END)
        self._presence = self.redis.register_script(_PRESENCE)

    async def close(self) -> None:
        await self.redis.aclose()

    async def register(self, tenant_id: str, sip_user: str, call_id: str, contact: dict[str, Any], *, now: float) -> bool:
        """Store one registration (``contact`` holds ``expires_at``); True when it is new."""
        member = f"{sip_user}|{call_id}"
        existed = await self._register(
            keys=_reg_keys(tenant_id),
            args=[member, json.dumps({**contact, "call_id": call_id}), contact["expires_at"], now, KEY_TTL_SECONDS],
        )
        return not existed

    async def unregister(self, tenant_id: str, sip_user: str, call_id: str = "", contact: str = "") -> tuple[int, int]:
        """Drop a registration by call-id or contact (all of the user's when both are empty): (gone, remaining)."""
        removed, remaining = await self._unregister(keys=_reg_keys(tenant_id), args=[sip_user, call_id, contact])
        return int(removed), int(remaining)

    async def channel_update(self, tenant_id: str, uuid: str, data: dict[str, Any], *, outside: bool, now: float) -> bool:
        """Merge ``data`` into the channel's entry; True when the channel is new."""
        created = await self._channel_update(
            keys=_chan_keys(tenant_id),
            args=[uuid, json.dumps(data), now, "1" if outside else "0", KEY_TTL_SECONDS, _stale_before(now)],
        )
        return bool(created)

    async def channel_end(self, tenant_id: str, uuid: str) -> dict[str, Any] | None:
        stored = await self._channel_end(keys=_chan_keys(tenant_id), args=[uuid])
        return json.loads(stored) if stored else None

    async def set_presence(self, tenant_id: str, sip_user: str, state: str) -> str | None:
        """Store a presence state; returns the previous one (None when unknown)."""
        old = await self._presence(keys=[_key(tenant_id, "presence")], args=[sip_user, state, KEY_TTL_SECONDS])
        return _text(old) if old is not None else None

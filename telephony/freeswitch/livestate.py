"""Live state of the switches in Redis, kept by the switch gateway, read by the portal and routing.

What is kept, per tenant (every key carries the tenant id: ``<prefix>:live:<tenant>:...``):

* registrations: ``reg`` (hash ``<sip user>|<call-id>`` -> JSON contact, address, user agent, expiry,
  node) with ``reg_exp`` (sorted set of the same members by expiry time);
* channels of live calls: ``chan`` (hash channel uuid -> JSON) with ``chan_seen`` (sorted set by
  last event time) and ``outside`` (set of the channel uuids on the trunk side, one per outside call);
* presence: ``presence`` (hash sip user -> state, from the switch's PRESENCE_IN; routing reads it);
* per extension ([DFN] §1.10): ``dnd`` (set of the extension ids with global DND on, written by the
  ``dnd.updated`` receiver and rewritten from the database by the gateway's device reloads, no
  expiry) and ``presence_ext`` (hash extension id -> the line state and
  presence last published, so a repeat is not published again).

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
from collections.abc import Callable, Sequence
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

# KEYS: reg, reg_exp, presence. ARGV: now. Returns {registrations (as _REGISTRATIONS), presence hash}.
_LINE_FACTS = (
    _REGISTRATIONS.replace("return redis.call('HGETALL', KEYS[1])", "")
    + "return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[3])}\n"
)

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

# One extension's line state and presence ([DFN] §1.10), with the last value published kept per tenant
# (``presence_ext``: extension id -> "<line state>|<presence>", and "#seq", raised on every change so the
# gateway can order changes it evaluated concurrently). The facts are read over the extension's devices and
# mapped through the table of ``telephony.directory.presence.derivation_table()`` (the only definition,
# spliced in as a Lua table when the script is built); which leg counts as ringing mirrors ``presence.leg_activity``.
# KEYS: reg, reg_exp, chan, dnd, presence_ext. ARGV: now, extension id, dnd ("1" on, "0" off, "" unchanged),
# key ttl, then the extension's SIP user names. Returns {value, seq} when the value changed, else nil.
_EXTENSION_PRESENCE = """
local derivation = DERIVATION_TABLE
local devices = {}
for i = 5, #ARGV do devices[ARGV[i]] = true end
local registered, app, ringing, busy, dnd = '0', '0', '0', '0', '0'
for _, member in ipairs(redis.call('HKEYS', KEYS[1])) do
  local sep = string.find(member, '|', 1, true)
  if sep and devices[string.sub(member, 1, sep - 1)] then
    local expires = redis.call('ZSCORE', KEYS[2], member)
    if expires and tonumber(expires) > tonumber(ARGV[1]) then
      registered = '1'
      local stored = cjson.decode(redis.call('HGET', KEYS[1], member))
      if stored['app'] == true or string.find(string.lower(tostring(stored['contact'])), ';transport=ws', 1, true) then
        app = '1'
      end
    end
  end
end
for _, value in ipairs(redis.call('HVALS', KEYS[3])) do
  local leg = cjson.decode(value)
  if type(leg['sip_username']) == 'string' and devices[leg['sip_username']] then
    if leg['state'] == 'ringing' and leg['direction'] == 'outbound' then ringing = '1' else busy = '1' end
  end
end
if ARGV[3] == '1' then redis.call('SADD', KEYS[4], ARGV[2]) elseif ARGV[3] == '0' then redis.call('SREM', KEYS[4], ARGV[2]) end
if redis.call('SISMEMBER', KEYS[4], ARGV[2]) == 1 then dnd = '1' end
local derived = derivation[registered .. app .. ringing .. busy .. dnd]
if redis.call('HGET', KEYS[5], ARGV[2]) == derived then return nil end
redis.call('HSET', KEYS[5], ARGV[2], derived)
local seq = redis.call('HINCRBY', KEYS[5], '#seq', 1)
redis.call('EXPIRE', KEYS[5], ARGV[4])
return {derived, seq}
"""

logger = logging.getLogger(__name__)
T = TypeVar("T")


@cache
def _extension_presence_script() -> str:
    from telephony.directory.presence import derivation_table

    # A Lua table literal; keys and values are digits, letters and "|" only (checked), so nothing needs quoting.
    entries = []
    for code, value in sorted(derivation_table().items()):
        if not (code.isdigit() and value.replace("|", "").replace("_", "").isalpha()):
            raise ValueError(f"unexpected derivation table entry {code!r}: {value!r}")
        entries.append(f'["{code}"]="{value}"')
    return _EXTENSION_PRESENCE.replace("DERIVATION_TABLE", "{" + ",".join(entries) + "}")


# A write script followed, in the same script (so in the same round trip), by the extension presence
# script: ARGV[1] and ARGV[2] say how many of the keys and further arguments are the write's; the rest
# are the presence script's (none: no presence). Returns {the write's result, the presence change or nil}.
_WITH_PRESENCE = """
local function write(KEYS, ARGV)
WRITE_SCRIPT
end
local function presence(KEYS, ARGV)
PRESENCE_SCRIPT
end
local nkeys, nargs = tonumber(ARGV[1]), tonumber(ARGV[2])
local wkeys, pkeys, wargs, pargs = {}, {}, {}, {}
for i = 1, #KEYS do
  if i <= nkeys then wkeys[#wkeys + 1] = KEYS[i] else pkeys[#pkeys + 1] = KEYS[i] end
end
for i = 3, #ARGV do
  if i <= nargs + 2 then wargs[#wargs + 1] = ARGV[i] else pargs[#pargs + 1] = ARGV[i] end
end
local result = write(wkeys, wargs)
local changed = false
if #pkeys > 0 then changed = presence(pkeys, pargs) or false end
return {result or false, changed}
"""


@cache
def _with_presence(write_script: str) -> str:
    return _WITH_PRESENCE.replace("WRITE_SCRIPT", write_script).replace("PRESENCE_SCRIPT", _extension_presence_script())


# An extension whose presence a write should derive: its id and the SIP user names of all its devices.
ExtensionDevices = tuple[str, Sequence[str]]


def _presence_keys(tenant_id: str) -> list[str]:
    return [*_reg_keys(tenant_id), _key(tenant_id, "chan"), _key(tenant_id, "dnd"), _key(tenant_id, "presence_ext")]


def _presence_args(extension_id: str, sip_users: Any, dnd: bool | None, now: float) -> list[Any]:
    flag = "" if dnd is None else ("1" if dnd else "0")
    return [now, extension_id, flag, KEY_TTL_SECONDS, *sip_users]


def _presence_result(result: Any) -> tuple[str, int] | None:
    if not result:
        return None
    return _text(result[0]), int(result[1])


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


@cache
def _script(url: str, source: str) -> Any:
    """A Lua script bound to the process's client: EVALSHA, loaded once (not the source with every call)."""
    return _client(url).register_script(source)


def _run(source: str, keys: list[str], args: list[Any]) -> Any:
    return _script(settings.REDIS_URL, source)(keys=keys, args=args)


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
    flat = _run(_REGISTRATIONS, _reg_keys(str(tenant_id)), [time.time()])
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
    _run(_OUTSIDE_COUNT, _chan_keys(tenant_id), [_stale_before(time.time())])  # drops stale channels
    channels = [json.loads(value) for value in client.hvals(_key(tenant_id, "chan"))]
    return sorted(channels, key=lambda c: (c.get("created_at", 0), c.get("uuid", "")))


@_nothing_live_on_error(int)
def outside_call_count(tenant_id: str) -> int:
    """How many of the tenant's calls use a trunk right now (ringing or answered)."""
    client = _sync()
    if client is None:
        return 0
    return int(_run(_OUTSIDE_COUNT, _chan_keys(str(tenant_id)), [_stale_before(time.time())]))


def line_facts(tenant_id: str) -> tuple[set[str], dict[str, str]]:
    """The registered SIP user names and each user's presence state, in one round trip.

    For routing (busy / not-registered forwarding, call waiting): raises ``redis.RedisError``
    instead of answering "nothing live", since here nobody registered would forward the call.
    """
    client = _sync()
    if client is None:
        return set(), {}
    tenant_id = str(tenant_id)
    registered, states = _run(_LINE_FACTS, [*_reg_keys(tenant_id), _key(tenant_id, "presence")], [time.time()])
    users = {_text(member).partition("|")[0] for member in registered[::2]}
    return users, {_text(user): _text(state) for user, state in zip(states[::2], states[1::2], strict=True)}


def reset_dnd(tenant_id: str, extension_ids: Any) -> None:
    """Make the ``dnd`` set the database's list of extensions with global DND on (the gateway, on each reload).

    The ``dnd.updated`` receiver keeps the set current; this repairs what it missed (DND set before
    presence existed, or while Redis was away). Raises ``redis.RedisError``.
    """
    client = _sync()
    if client is None:
        return
    key = _key(str(tenant_id), "dnd")
    pipe = client.pipeline(transaction=True)
    pipe.delete(key)
    ids = [str(extension_id) for extension_id in extension_ids]
    if ids:
        pipe.sadd(key, *ids)
    pipe.execute()


def update_extension_presence(
    tenant_id: str, extension_id: str, sip_users: Any, *, dnd: bool | None = None, now: float | None = None
) -> tuple[str, int] | None:
    """Store the extension's DND flag (when given), derive its line state and presence from live state and
    remember it: ``("<line state>|<presence>", seq)`` when that differs from the last one, else None.

    For the web processes (the DND receiver); raises ``redis.RedisError``, and answers None without Redis.
    """
    client = _sync()
    if client is None:
        return None
    result = _run(
        _extension_presence_script(),
        _presence_keys(str(tenant_id)),
        _presence_args(str(extension_id), sip_users, dnd, time.time() if now is None else now),
    )
    return _presence_result(result)


# --- writers (async: the switch gateway) -------------------------------------------------
class LiveStateWriter:
    """The gateway's handle on live state: one async Redis connection pool, scripts loaded once."""

    def __init__(self, url: str | None = None) -> None:
        self.redis = aioredis.Redis.from_url(url or settings.REDIS_URL)
        # Each write runs with the extension presence script in the same call (see _WITH_PRESENCE).
        self._register = self.redis.register_script(_with_presence(_REGISTER))
        self._unregister = self.redis.register_script(_with_presence(_UNREGISTER))
        self._channel_update = self.redis.register_script(_with_presence(_CHANNEL_UPDATE))
        self._channel_end = self.redis.register_script(_with_presence(_CHANNEL_END))
        self._presence = self.redis.register_script(_PRESENCE)

    async def close(self) -> None:
        await self.redis.aclose()

    async def _write(
        self, script: Any, tenant_id: str, keys: list[str], args: list[Any], extension: ExtensionDevices | None, now: float
    ) -> tuple[Any, tuple[str, int] | None]:
        """Run a write script, then (same script, same round trip) derive ``extension``'s presence."""
        extra_keys: list[str] = []
        extra_args: list[Any] = []
        if extension is not None:
            extra_keys = _presence_keys(tenant_id)
            extra_args = _presence_args(extension[0], extension[1], None, now)
        result, changed = await script(keys=[*keys, *extra_keys], args=[len(keys), len(args), *args, *extra_args])
        return result, _presence_result(changed)

    async def register_and_derive(
        self,
        tenant_id: str,
        sip_user: str,
        call_id: str,
        contact: dict[str, Any],
        *,
        now: float,
        extension: ExtensionDevices | None,
    ) -> tuple[bool, tuple[str, int] | None]:
        """Store one registration (``contact`` holds ``expires_at``): (True when it is new, presence change)."""
        member = f"{sip_user}|{call_id}"
        args = [member, json.dumps({**contact, "call_id": call_id}), contact["expires_at"], now, KEY_TTL_SECONDS]
        existed, changed = await self._write(self._register, tenant_id, _reg_keys(tenant_id), args, extension, now)
        return not existed, changed

    async def register(self, tenant_id: str, sip_user: str, call_id: str, contact: dict[str, Any], *, now: float) -> bool:
        """Store one registration (``contact`` holds ``expires_at``); True when it is new."""
        return (await self.register_and_derive(tenant_id, sip_user, call_id, contact, now=now, extension=None))[0]

    async def unregister_and_derive(
        self,
        tenant_id: str,
        sip_user: str,
        call_id: str = "",
        contact: str = "",
        *,
        now: float,
        extension: ExtensionDevices | None,
    ) -> tuple[tuple[int, int], tuple[str, int] | None]:
        """Drop a registration by call-id or contact (all of the user's when both are empty):
        ((gone, remaining), presence change)."""
        args = [sip_user, call_id, contact]
        counts, changed = await self._write(self._unregister, tenant_id, _reg_keys(tenant_id), args, extension, now)
        return (int(counts[0]), int(counts[1])), changed

    async def unregister(self, tenant_id: str, sip_user: str, call_id: str = "", contact: str = "") -> tuple[int, int]:
        """Drop a registration by call-id or contact (all of the user's when both are empty): (gone, remaining)."""
        return (await self.unregister_and_derive(tenant_id, sip_user, call_id, contact, now=time.time(), extension=None))[0]

    async def channel_update_and_derive(
        self, tenant_id: str, uuid: str, data: dict[str, Any], *, outside: bool, now: float, extension: ExtensionDevices | None
    ) -> tuple[bool, tuple[str, int] | None]:
        """Merge ``data`` into the channel's entry: (True when the channel is new, presence change)."""
        args = [uuid, json.dumps(data), now, "1" if outside else "0", KEY_TTL_SECONDS, _stale_before(now)]
        created, changed = await self._write(self._channel_update, tenant_id, _chan_keys(tenant_id), args, extension, now)
        return bool(created), changed

    async def channel_update(self, tenant_id: str, uuid: str, data: dict[str, Any], *, outside: bool, now: float) -> bool:
        """Merge ``data`` into the channel's entry; True when the channel is new."""
        return (await self.channel_update_and_derive(tenant_id, uuid, data, outside=outside, now=now, extension=None))[0]

    async def channel_end_and_derive(
        self, tenant_id: str, uuid: str, *, now: float, extension: ExtensionDevices | None
    ) -> tuple[dict[str, Any] | None, tuple[str, int] | None]:
        """Drop the channel: (its stored entry or None, presence change)."""
        stored, changed = await self._write(self._channel_end, tenant_id, _chan_keys(tenant_id), [uuid], extension, now)
        return (json.loads(stored) if stored else None), changed

    async def channel_end(self, tenant_id: str, uuid: str) -> dict[str, Any] | None:
        return (await self.channel_end_and_derive(tenant_id, uuid, now=time.time(), extension=None))[0]

    async def set_presence(self, tenant_id: str, sip_user: str, state: str) -> str | None:
        """Store a presence state; returns the previous one (None when unknown)."""
        old = await self._presence(keys=[_key(tenant_id, "presence")], args=[sip_user, state, KEY_TTL_SECONDS])
        return _text(old) if old is not None else None

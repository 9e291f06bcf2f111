"""What the cyclic and least-active strategies remember, kept in Redis and handed out atomically.

- Cyclic: per group, the member the rotation last stood on (the one who answered, or the one
  the previous call started with). A call *claims* its start: the member after that one, and
  the claim moves the rotation on at once, so two calls arriving together start with
  different members. An answer sets the rotation to the member who answered.
- Least active: per tenant, when each extension last became idle. A call claims the member
  idle longest and marks it busy-now in the same step, so a second call at the same moment
  goes to another member; the end of a member's call sets its idle time (``mark_idle``).

Each claim is one Lua script, so it is atomic in Redis. Keys carry the tenant. Without Redis
(the embedded default) a process-local lock gives the same guarantees inside one process.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Sequence

from django.conf import settings

from telephony.groups.strategies import GroupState

_CLAIM_CYCLIC = """
local last = redis.call('GET', KEYS[1])
local n = #ARGV
local start = 1
if last then
  for i = 1, n do
    if ARGV[i] == last then start = (i % n) + 1 end
  end
end
redis.call('SET', KEYS[1], ARGV[start], 'EX', 2592000)
return start - 1
"""

_CLAIM_LEAST_ACTIVE = """
local now = ARGV[1]
local best, best_score = nil, nil
local scores = {}
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if not score then score = '0' end
  scores[#scores + 1] = score
  if best_score == nil or tonumber(score) < tonumber(best_score) then best, best_score = ARGV[i], score end
end
if best then redis.call('ZADD', KEYS[1], now, best) end
return scores
"""

_local_lock = threading.Lock()
_local_cyclic: dict[str, str] = {}
_local_idle: dict[str, dict[str, float]] = {}


def _key(tenant_id: str, *parts: str) -> str:
    return ":".join([settings.KEY_PREFIX, "live", tenant_id, *parts])


def _redis():
    if not settings.REDIS_URL:
        return None
    return _client(settings.REDIS_URL)


@functools.cache
def _client(url: str):
    # One client (and connection pool) per process: a claim is on the hot path of every group call.
    import redis

    return redis.Redis.from_url(url)


def claim(tenant_id: str, group_id: str, strategy: str, member_ids: Sequence[str], *, now: float | None = None) -> GroupState:
    """The state this call routes by; claiming it moves the rotation / marks the chosen member."""
    if not member_ids:
        return GroupState()
    now = time.time() if now is None else now
    client = _redis()
    if strategy == "cyclic":
        key = _key(tenant_id, "group", group_id, "cyclic")
        if client is None:
            with _local_lock:
                last = _local_cyclic.get(key)
                start = (list(member_ids).index(last) + 1) % len(member_ids) if last in member_ids else 0
                _local_cyclic[key] = member_ids[start]
            return GroupState(cyclic_start=start)
        return GroupState(cyclic_start=int(client.eval(_CLAIM_CYCLIC, 1, key, *member_ids)))
    if strategy == "least_active":
        key = _key(tenant_id, "idle")
        if client is None:
            with _local_lock:
                idle = _local_idle.setdefault(key, {})
                scores = {member: idle.get(member, 0.0) for member in member_ids}
                idle[min(member_ids, key=lambda m: scores[m])] = now
            return GroupState(idle_since=scores)
        raw = client.eval(_CLAIM_LEAST_ACTIVE, 1, key, repr(now), *member_ids)
        return GroupState(idle_since={member: float(score) for member, score in zip(member_ids, raw, strict=True)})
    return GroupState()


def record_answer(tenant_id: str, group_id: str, extension_id: str) -> None:
    """A member answered a group call: the next call starts with the member after them."""
    key = _key(tenant_id, "group", group_id, "cyclic")
    client = _redis()
    if client is None:
        with _local_lock:
            _local_cyclic[key] = extension_id
        return
    client.set(key, extension_id, ex=2592000)


def mark_idle(tenant_id: str, extension_id: str, *, when: float | None = None) -> None:
    """An extension's call ended: it has been idle since ``when``."""
    when = time.time() if when is None else when
    key = _key(tenant_id, "idle")
    client = _redis()
    if client is None:
        with _local_lock:
            _local_idle.setdefault(key, {})[extension_id] = when
        return
    client.zadd(key, {extension_id: when})

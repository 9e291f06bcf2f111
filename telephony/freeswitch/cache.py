"""The control plane's cache of xml_curl answers (Redis in production, local memory in the embedded default).

Every key carries the tenant (or says it is platform-wide) and is built here only, so that
``sync.schedule_sync`` can drop exactly what a change makes stale:

- ``fs:dom:<sip domain>`` -> the tenant a SIP domain belongs to (or a short-lived "no such domain"),
- ``fs:dir:<tenant id>:<sip user>`` -> the rendered directory answer of one SIP user (or "not found"),
- ``fs:gen:<tenant id>`` -> the tenant's directory generation (see below),
- ``fs:dp:<tenant id>`` -> the tenant's routing snapshot token (the dialplan side), ``fs:dp:platform`` for the trunks,
- ``fs:conf:<name>`` -> rendered platform-wide configuration documents (sofia.conf, acl.conf).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

# Answers are exact until a change drops them; the TTL only bounds memory and any missed flush.
DIRECTORY_TTL = getattr(settings, "FREESWITCH_DIRECTORY_CACHE_SECONDS", 3600)
# Unknown domains and users are cached briefly so that scanners do not reach the database on
# every attempt, while a freshly created tenant or device is dropped from the cache by its sync.
NEGATIVE_TTL = getattr(settings, "FREESWITCH_NEGATIVE_CACHE_SECONDS", 60)
CONFIGURATION_TTL = getattr(settings, "FREESWITCH_CONFIGURATION_CACHE_SECONDS", 3600)

# The "tenant id" under which platform-wide routing data (trunks) is versioned.
PLATFORM = "platform"

# Stored for answers that are "not found", so a cached miss is told apart from no entry.
NOT_FOUND = "-"

# Which tenant owns a SIP domain is also remembered inside each process, only as a guess of the
# directory key to read together with the domain's own entry (one round trip instead of two).
# The Redis entry decides: a guess that no longer matches it is simply not used.
LOCAL_DOMAIN_TTL = 300.0
_local_domains: dict[str, tuple[DomainEntry, float]] = {}
_LOCAL_DOMAINS_MAX = 100_000


@dataclass(frozen=True)
class DomainEntry:
    """What the directory needs to know about the tenant owning a SIP domain."""

    tenant_id: str
    sip_domain: str


def domain_key(sip_domain: str) -> str:
    return f"fs:dom:{sip_domain}"


def directory_key(tenant_id: str, sip_user: str) -> str:
    return f"fs:dir:{tenant_id}:{sip_user}"


def dialplan_key(tenant_id: str) -> str:
    """The key of a tenant's routing snapshot; the dialplan side stores it, sync drops it."""
    return f"fs:dp:{tenant_id}"


def configuration_key(name: str) -> str:
    return f"fs:conf:{name}"


@dataclass(frozen=True)
class Prefetched:
    """Cache entries read together in one round trip; keys not among them are read on demand."""

    keys: frozenset[str]
    values: Mapping[str, object]

    def get(self, key: str) -> object:
        return self.values.get(key) if key in self.keys else cache.get(key)


def prefetch(keys: Iterable[str]) -> Prefetched:
    """Several keys in one round trip (an MGET on Redis)."""
    wanted = frozenset(keys)
    return Prefetched(wanted, cache.get_many(list(wanted)) if wanted else {})


def _get(key: str, prefetched: Prefetched | None) -> object:
    return prefetched.get(key) if prefetched is not None else cache.get(key)


# --- domains --------------------------------------------------------------------------
def local_domain(sip_domain: str) -> DomainEntry | None:
    """The tenant this process last saw owning a domain (no I/O; a guess, see above), or ``None``."""
    found = _local_domains.get(sip_domain)
    if found is None or found[1] < time.monotonic():
        return None
    return found[0]


def _remember(sip_domain: str, entry: DomainEntry) -> None:
    if len(_local_domains) >= _LOCAL_DOMAINS_MAX:
        _local_domains.clear()
    _local_domains[sip_domain] = (entry, time.monotonic() + LOCAL_DOMAIN_TTL)


def get_domain(sip_domain: str, prefetched: Prefetched | None = None) -> DomainEntry | str | None:
    """The cached tenant of a domain, ``NOT_FOUND`` for a cached unknown domain, ``None`` when not cached."""
    value = _get(domain_key(sip_domain), prefetched)
    if value == NOT_FOUND:
        return NOT_FOUND
    if not isinstance(value, tuple) or len(value) != 2:
        return None
    entry = DomainEntry(str(value[0]), str(value[1]))
    _remember(sip_domain, entry)
    return entry


def set_domain(sip_domain: str, entry: DomainEntry | None) -> None:
    if entry is None:
        cache.set(domain_key(sip_domain), NOT_FOUND, NEGATIVE_TTL)
    else:
        cache.set(domain_key(sip_domain), (entry.tenant_id, entry.sip_domain), DIRECTORY_TTL)
        _remember(sip_domain, entry)


def drop_domains(sip_domains: Iterable[str]) -> None:
    domains = list(sip_domains)
    for domain in domains:
        _local_domains.pop(domain, None)
    keys = [domain_key(domain) for domain in domains]
    if keys:
        cache.delete_many(keys)


# --- directory users ------------------------------------------------------------------
# Each tenant has a directory generation, raised by every sync of the tenant. An answer is stored
# with the generation read *before* its database read, and only counts while that is still the
# current one: a lookup that read the database just before a change committed cannot leave its
# stale answer behind (it would otherwise outlive the sync's delete by up to DIRECTORY_TTL).
def generation_key(tenant_id: str) -> str:
    return f"fs:gen:{tenant_id}"


def generation(tenant_id: str, prefetched: Prefetched | None = None) -> int:
    value = _get(generation_key(tenant_id), prefetched)
    return value if isinstance(value, int) else 0


def bump_generation(tenant_id: str) -> None:
    key = generation_key(tenant_id)
    try:
        cache.incr(key)
    except ValueError:  # no generation yet; kept without expiry so it is never silently reset
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)


def get_directory(tenant_id: str, sip_user: str, prefetched: Prefetched | None = None) -> str | None:
    """A cached directory answer (XML, or ``NOT_FOUND``), ``None`` when not cached."""
    value = _get(directory_key(tenant_id, sip_user), prefetched)
    if isinstance(value, tuple) and len(value) == 3:
        return value[2]
    return None


def get_directory_for(
    entry: DomainEntry, sip_user: str, current_generation: int, prefetched: Prefetched | None = None
) -> str | None:
    """Like ``get_directory``, but only an answer rendered for ``entry``'s domain in the current generation counts."""
    value = _get(directory_key(entry.tenant_id, sip_user), prefetched)
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    domain, stored_generation, answer = value
    return answer if domain == entry.sip_domain and stored_generation == current_generation else None


def set_directory(tenant_id: str, sip_user: str, answer: str | None, *, sip_domain: str = "", generation: int = 0) -> None:
    """Store an answer (``None``: "not found", kept briefly) rendered for ``sip_domain`` in ``generation``."""
    if answer is None:
        cache.set(directory_key(tenant_id, sip_user), (sip_domain, generation, NOT_FOUND), NEGATIVE_TTL)
    else:
        cache.set(directory_key(tenant_id, sip_user), (sip_domain, generation, answer), DIRECTORY_TTL)


def drop_directory(tenant_id: str, sip_users: Iterable[str]) -> None:
    keys = [directory_key(tenant_id, user) for user in sip_users]
    if keys:
        cache.delete_many(keys)


# --- dialplan snapshots and configuration documents -----------------------------------
def drop_dialplan(tenant_id: str) -> None:
    cache.delete(dialplan_key(tenant_id))


def get_configuration(name: str) -> str | None:
    return cache.get(configuration_key(name))


def set_configuration(name: str, document: str) -> None:
    cache.set(configuration_key(name), document, CONFIGURATION_TTL)


def drop_configuration(names: Iterable[str]) -> None:
    keys = [configuration_key(name) for name in names]
    if keys:
        cache.delete_many(keys)

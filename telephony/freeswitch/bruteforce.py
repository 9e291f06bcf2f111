"""SIP brute-force protection: too many failed registrations from one address put it on the block list.

The switch gateway reports every ``sofia::register_failure`` (FreeSWITCH answered 403: wrong
password or unknown user) to ``record_failure``. Failures are counted per address in a Redis
sorted set over a sliding window (``FREESWITCH_BRUTEFORCE_WINDOW_SECONDS``); reaching
``FREESWITCH_BRUTEFORCE_THRESHOLD`` blocks the address through the block-list service, which
audits the change (tenant None: platform data) and, after commit, makes every node reload its
ACL (``acl.conf`` is served from the block list).

An address that holds a current good registration is never blocked: behind one NAT address a
company's working phones and one misconfigured phone share the address, and blocking it would
cut them all off.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import time

from django.conf import settings

from telephony.freeswitch import livestate

logger = logging.getLogger(__name__)


def _key(address: str) -> str:
    return f"{settings.KEY_PREFIX}:bruteforce:{address}"


def count_failure(address: str, *, now: float) -> int:
    """Add one failure for ``address`` and return the failures inside the window (one atomic transaction)."""
    client = livestate._sync()
    if client is None:
        return 0
    window = settings.FREESWITCH_BRUTEFORCE_WINDOW_SECONDS
    key = _key(address)
    pipe = client.pipeline(transaction=True)
    pipe.zadd(key, {f"{now:.6f}:{secrets.token_hex(4)}": now})
    pipe.zremrangebyscore(key, "-inf", now - window)
    pipe.zcard(key)
    pipe.expire(key, window)
    return int(pipe.execute()[2])


def record_failure(address: str, *, node_id: str | None = None, now: float | None = None):  # -> BlockedAddress | None
    """Count a failed registration from ``address``; block the address when it crosses the threshold.

    Returns the new block-list entry, or None when nothing was blocked.
    """
    try:
        address = str(ipaddress.ip_address(address))
    except ValueError:
        return None
    failures = count_failure(address, now=time.time() if now is None else now)
    if failures < settings.FREESWITCH_BRUTEFORCE_THRESHOLD:
        return None
    from telephony.freeswitch.models import BlockedAddress

    if BlockedAddress.objects.filter(address=address).exists():
        return None
    if address in livestate.registered_addresses():
        logger.warning("failed registrations from an address with good ones; not blocked", extra={"address": address})
        return None
    return do_block_for_failures(address, failures=failures, node_id=node_id)


def do_block_for_failures(address: str, *, failures: int, node_id: str | None = None):  # -> BlockedAddress
    """Put ``address`` on the block list for ``failures`` failed registrations (audited, ACL reloaded after commit)."""
    from telephony.freeswitch.models import SwitchNode
    from telephony.freeswitch.services import do_block_address

    node = SwitchNode.objects.filter(pk=node_id).first() if node_id else None
    minutes = max(1, settings.FREESWITCH_BRUTEFORCE_WINDOW_SECONDS // 60)
    reason = f"{failures} failed SIP registrations within {minutes} minutes"
    blocked = do_block_address(actor=None, address=address, failures=failures, reason=reason, node=node)
    logger.warning("address blocked for failed registrations", extra={"address": address, "failures": failures})
    return blocked

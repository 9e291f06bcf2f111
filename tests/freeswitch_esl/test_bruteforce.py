"""SIP brute-force protection: failed registrations counted per address, blocked at the threshold, never a good address.

No ``sofia::register_failure`` was recorded; the failures fed here are built from the recorded
``sofia::register_attempt`` headers of transcript 05 with the header names mod_sofia gives that
event (``to-user``, ``to-host``, ``network-ip``, ``network-port``, ``user-agent``, ``registration-type``).
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from telephony.freeswitch.gateway import Gateway
from telephony.freeswitch.models import BlockedAddress
from tenants.models import AuditEntry
from tests.freeswitch_esl.conftest import NODE_PASSWORD, Site, make_node
from tests.freeswitch_esl.test_commands import ThreadedReplay
from tests.freeswitch_esl.test_gateway import BRIDGED_CALL, subscribed_events, subscribed_events_all

pytestmark = pytest.mark.django_db(transaction=True)


def failure_from(address: str) -> dict[str, str]:
    attempt = next(e for e in subscribed_events_all() if e.get("Event-Subclass") == "sofia::register_attempt")
    names = ("Event-Name", "profile-name", "to-user", "to-host", "network-port", "user-agent")
    event = {k: v for k, v in attempt.items() if k in names}
    return event | {"Event-Subclass": "sofia::register_failure", "network-ip": address, "registration-type": "REGISTER"}


@pytest.fixture
def low_threshold(settings) -> None:
    settings.FREESWITCH_BRUTEFORCE_THRESHOLD = 3
    settings.FREESWITCH_BRUTEFORCE_WINDOW_SECONDS = 600


async def test_failures_over_threshold_block_the_address_audit_it_and_reload_acl(site_a: Site, low_threshold: None) -> None:
    # given a node (replaying transcript 10's framing, its recorded command read as reloadacl)
    replay = ThreadedReplay(
        "10_api_reload_modules.txt", password=NODE_PASSWORD, replace={b"api reloadxml\n\n": b"api reloadacl\n\n"}
    )
    node = await sync_to_async(make_node)(replay.server.port)
    gateway = Gateway(node, publish=lambda batch: None)
    try:
        # when three failures arrive from one address within the window
        for _ in range(2):
            await gateway.handle(failure_from("203.0.113.7"), now=1000.0)
        assert not await sync_to_async(BlockedAddress.objects.exists)()
        await gateway.handle(failure_from("203.0.113.7"), now=1001.0)
    finally:
        replay.stop()
    # then the address is blocked, audited as platform data, and the node reloaded its ACL
    blocked = await sync_to_async(BlockedAddress.objects.get)()
    assert (blocked.address, blocked.failures, blocked.node_id) == ("203.0.113.7", 3, node.pk)
    audit = await sync_to_async(AuditEntry.objects.filter(action="blocked_address.add").get)()
    assert audit.tenant_id is None
    assert b"api reloadacl\n\n" in replay.server.received
    assert replay.server.mismatches == []


async def test_failures_outside_the_window_do_not_add_up(site_a: Site, low_threshold: None) -> None:
    gateway = Gateway(await sync_to_async(make_node)(8021), publish=lambda batch: None)
    for moment in (1000.0, 1700.0, 2400.0, 3100.0):
        await gateway.handle(failure_from("203.0.113.8"), now=moment)
    assert not await sync_to_async(BlockedAddress.objects.exists)()


async def test_address_with_a_good_registration_is_never_blocked(site_a: Site, low_threshold: None) -> None:
    # given 1001 registered from 127.0.0.1 (the recorded registration)
    gateway = Gateway(await sync_to_async(make_node)(8021), publish=lambda batch: None)
    register = next(e for e in subscribed_events(BRIDGED_CALL) if e.get("Event-Subclass") == "sofia::register")
    await gateway.handle(register)
    # when a misconfigured phone behind the same address keeps failing
    for _ in range(5):
        await gateway.handle(failure_from("127.0.0.1"))
    # then nothing is blocked
    assert not await sync_to_async(BlockedAddress.objects.exists)()

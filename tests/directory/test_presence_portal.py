"""The extension list shows each extension's line state and presence ([DFN] §1.10), rendered from live state."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from django.urls import reverse

from telephony.forwarding import services as forwarding
from telephony.freeswitch import livestate
from tests.directory.conftest import make_device, make_extension

pytestmark = pytest.mark.django_db


def _live(tenant_id: str, registrations: dict[str, str], calls: dict[str, tuple[str, str, str]]) -> None:
    """Registrations (SIP user -> contact) and call legs (uuid -> SIP user, state, direction) written the way the
    switch gateway writes them (real Redis live state)."""

    async def write() -> None:
        writer = livestate.LiveStateWriter()
        now = time.time()
        try:
            for user, contact in registrations.items():
                entry = {"contact": contact, "network_ip": "192.0.2.10", "network_port": 5062, "expires_at": now + 600}
                await writer.register(tenant_id, user, f"{user}@192.0.2.10", entry, now=now)
            for uuid, (user, state, direction) in calls.items():
                leg = {"uuid": uuid, "sip_username": user, "state": state, "direction": direction, "created_at": now}
                await writer.channel_update(tenant_id, uuid, leg, outside=False, now=now)
        finally:
            await writer.close()

    asyncio.run(write())


def _row(html: str, extension_id: object) -> str:
    match = re.search(rf'<tr data-extension-id="{extension_id}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {extension_id}"
    return match.group(1)


def test_extension_list_shows_line_state_and_presence(acme, globex, acme_admin):
    # given 1001 in the browser (WSS), 1002 on a desk phone in a call, 1003 being rung, 1004 on DND
    # with nothing registered, 1005 with nothing at all; and globex's 1001 busy
    ext = {n: make_extension(acme, n) for n in ("1001", "1002", "1003", "1004", "1005")}
    users = {n: make_device(acme, extension)[0].sip_username for n, extension in ext.items()}
    _live(
        str(acme.tenant.pk),
        {
            users["1001"]: "sip:k3j4h5@198.51.100.7:50312;transport=wss",
            users["1002"]: "sip:1002@192.0.2.10:5062;transport=udp",
            users["1003"]: "sip:1003@192.0.2.11:5062;transport=udp",
        },
        {
            "0d5c1e8a-0000-4000-8000-000000000002": (users["1002"], "answered", "outbound"),
            "0d5c1e8a-0000-4000-8000-000000000003": (users["1003"], "ringing", "outbound"),
        },
    )
    forwarding.check_set_dnd(acme.tenant, actor=None, extension=ext["1004"], on=True)
    other = make_extension(globex, "1001")
    _live(
        str(globex.tenant.pk),
        {},
        {"0d5c1e8a-0000-4000-8000-0000000000ff": (make_device(globex, other)[0].sip_username, "answered", "inbound")},
    )
    # when
    page = acme_admin.get(reverse("directory:extension-list"))
    # then each row carries its state (for the live updates) and shows it as a labelled badge
    assert page.status_code == 200
    expected = {
        "1001": ("free", "Free", "available", "Available"),
        "1002": ("busy", "Busy", "busy", "Busy"),
        "1003": ("ringing", "Ringing", "line_free", "Line free"),
        "1004": ("offline", "Offline", "dnd", "Do not disturb"),
        "1005": ("offline", "Offline", "offline", "Offline"),
    }
    for number, (line, line_label, presence, presence_label) in expected.items():
        row = _row(page.text, ext[number].pk)
        assert f'data-line-state="{line}"><span class="presence-badge line-{line}">' in row
        assert f'data-presence="{presence}"><span class="presence-badge presence-{presence}">' in row
        cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
        assert f" {line_label} " in cells and f" {presence_label} " in cells
        assert 'class="presence-icon" aria-hidden="true"' in row
    assert str(other.pk) not in page.text
    # and the page has every badge for the live updates, and the script that applies them
    assert page.text.count('<template id="presence-badges">') == 1
    template = page.text.split('<template id="presence-badges">')[1].split("</template>")[0]
    assert set(re.findall(r'data-line-state="(\w+)"', template)) == {"offline", "free", "ringing", "busy"}
    assert set(re.findall(r'data-presence="(\w+)"', template)) == {"available", "busy", "line_free", "dnd", "offline"}
    assert "directory/presence.js" in page.text and f'data-tenant="{acme.tenant.pk}"' in page.text


def test_extension_list_without_live_state_shows_everyone_offline(acme, acme_admin, settings):
    # given Redis is unreachable for live state: the page still renders, everyone offline
    make_device(acme, make_extension(acme, "1001"))
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    page = acme_admin.get(reverse("directory:extension-list"))
    assert page.status_code == 200
    assert 'data-line-state="offline"' in page.text and 'data-presence="offline"' in page.text

"""The extension list in a real browser keeps line state and presence live over the WebSocket ([DFN] §1.10).

The page needs a WebSocket, which pytest-django's live server (WSGI) has not: the ASGI application runs
under uvicorn in a thread instead (``tests.freeswitch_esl.test_websocket_isolation.server_port``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse
from playwright.async_api import Page, async_playwright, expect

from telephony.directory import services as directory
from telephony.forwarding import services as forwarding
from telephony.freeswitch.gateway import Gateway
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.conftest import TenantSet
from tests.directory.conftest import admin_session
from tests.freeswitch_esl.conftest import make_node
from tests.freeswitch_esl.test_gateway import BRIDGED_CALL, CALLEE, subscribed_events
from tests.freeswitch_esl.test_websocket_isolation import server_port  # noqa: F401 - the uvicorn fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
async def asgi_page(server_port: int) -> AsyncIterator[Page]:  # noqa: F811
    expect.set_options(timeout=TIMEOUT_MS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(base_url=f"http://127.0.0.1:{server_port}", locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        yield await context.new_page()
        await browser.close()


@pytest.fixture
def acme_1002(acme: TenantSet, django_capture_on_commit_callbacks) -> tuple[TenantSet, object, str]:
    """Acme with extension 1002 and its device 1002 (the SIP user of the recorded call), and the admin's session."""
    with django_capture_on_commit_callbacks(execute=True):
        extension = directory.check_create_extension(acme.tenant, actor=None, number="1002", display_name="Bea Busy")
        directory.check_create_device(acme.tenant, actor=None, extension=extension)
    acme.tenant.sip_domain = "tenant-a.example"  # the recording's domain
    acme.tenant.save(update_fields=["sip_domain"])
    session = admin_session(acme).cookies["sessionid"].value
    return acme, extension, session


async def test_extension_list_follows_presence_events_without_reload(asgi_page: Page, acme_1002, server_port: int) -> None:  # noqa: F811
    acme, extension, session = acme_1002
    page = asgi_page
    await page.context.add_cookies([{"name": "sessionid", "value": session, "url": f"http://127.0.0.1:{server_port}"}])
    # given the admin's extension list, connected to the live events
    await page.goto(reverse("directory:extension-list"))
    row = page.locator(f'tr[data-extension-id="{extension.pk}"]')
    await expect(row.locator("[data-presence]")).to_contain_text("Offline")
    await expect(page.locator("[data-presence-live]")).to_be_visible()
    gateway = Gateway(await sync_to_async(make_node)(8021))
    recorded = subscribed_events(BRIDGED_CALL)
    register = next(e for e in recorded if e.get("Event-Subclass") == "sofia::register" and e.get("username") == "1002")
    ring = next(e for e in recorded if e["Event-Name"] == "CHANNEL_CREATE" and e["Unique-ID"] == CALLEE)
    tenant = {"tenant_id": str(acme.tenant.pk), "variable_tenant_id": str(acme.tenant.pk)}

    async def switch(event: dict[str, str]) -> None:
        gateway._pending.extend(await gateway.handle(event | tenant, now=time.time()))
        await gateway.flush()

    # when the desk phone registers, then rings
    await switch(register)
    # then the row shows it without a reload
    await expect(row.locator("[data-line-state]")).to_contain_text("Free")
    await expect(row.locator("[data-presence]")).to_contain_text("Line free")
    await switch(ring)
    await expect(row.locator("[data-line-state]")).to_contain_text("Ringing")
    await expect(row.locator("[data-line-state] .presence-badge")).to_have_class("presence-badge line-ringing")
    await expect(row.get_by_role("cell", name="Ringing", exact=True)).to_be_visible()
    # when the user turns global DND on
    await sync_to_async(forwarding.check_set_dnd)(acme.tenant, actor=None, extension=extension, on=True)
    # then the icon is "do not disturb" (the screen reader reads the label, not the symbol); the line still rings
    await expect(row.locator("[data-presence]")).to_contain_text("Do not disturb")
    await expect(row.locator("[data-presence]")).to_have_attribute("data-presence", "dnd")
    await expect(row.locator("[data-line-state]")).to_contain_text("Ringing")
    await gateway.writer.close()


async def test_activity_monitor_follows_registrations_without_reload(asgi_page: Page, acme_1002, server_port: int) -> None:  # noqa: F811
    from telephony.groups import services as groups
    from telephony.groups.services import GroupInput

    acme, extension, session = acme_1002
    await sync_to_async(groups.check_create_group)(
        acme.tenant, actor=acme.admin, data=GroupInput(name="Hotline", short_number="273", members=[extension.pk])
    )
    page = asgi_page
    await page.context.add_cookies([{"name": "sessionid", "value": session, "url": f"http://127.0.0.1:{server_port}"}])
    # given the admin's activity monitor, connected to the live events, with 1002 not registered
    await page.goto("/portal/monitor/")
    member = page.locator('[data-monitor-member="273-1002"]')
    await expect(member).to_have_attribute("data-state", "not_registered")
    await expect(page.locator("[data-monitor-live]")).to_be_visible()
    gateway = Gateway(await sync_to_async(make_node)(8021))
    register = next(
        e for e in subscribed_events(BRIDGED_CALL) if e.get("Event-Subclass") == "sofia::register" and e.get("username") == "1002"
    )
    # when the phone registers
    gateway._pending.extend(await gateway.handle(register, now=time.time()))
    await gateway.flush()
    # then the member's state changes on the page without a reload
    await expect(member).to_have_attribute("data-state", "registered")
    await gateway.writer.close()

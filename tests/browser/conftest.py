"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Never ``playwright install``: the browser is the system one at ``/usr/bin/chromium``.

The tests use Playwright's *async* API. The sync API runs its event loop in a greenlet of the
test's own thread, so that loop counts as running there for the whole test, and Django then
refuses every database query of the test and its fixtures (``SynchronousOnlyOperation``).
With the async API the loop runs only while a coroutine does; the sync fixtures (``acme``) and
pytest-django's database teardown run outside it. Keep database access out of the ``async``
test bodies: check what the browser shows, and ``django.core.mail.outbox``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, async_playwright, expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright waits up to 30 s by default; the live server answers in well under a second.
TIMEOUT_MS = 10_000


@pytest.fixture
async def page(live_server: object) -> AsyncIterator[Page]:
    """A page in a fresh browser (no cookies), English, whose relative URLs go to the live server."""
    expect.set_options(timeout=TIMEOUT_MS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = await browser.new_context(base_url=live_server.url, locale="en-GB")  # type: ignore[attr-defined]
        context.set_default_timeout(TIMEOUT_MS)
        yield await context.new_page()
        await browser.close()

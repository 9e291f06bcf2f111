"""The tenant admin's way through the portal in a real browser: log in, invite a user, switch to German."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.conftest import PASSWORD, TenantSet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


async def test_invite_then_switch_language_admin_sees_user_in_german(page: Page, acme: TenantSet, tmp_path) -> None:
    # when
    await page.goto("/accounts/login/")
    await page.screenshot(path=str(tmp_path / "login.png"), full_page=True)
    print(await page.content())
    await page.get_by_label("Email").fill(acme.admin.email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_load_state()
    print(page.url)
    await page.screenshot(path=str(tmp_path / "after-login.png"), full_page=True)
    print(await page.content())

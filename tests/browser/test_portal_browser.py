"""A tenant admin's way through the portal in a real browser: log in, invite a user, switch to German.

``django.core.mail.outbox`` is shared with the live server, which runs in a thread of the test
process; invitations go out there at once (after commit, Celery eager).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.async_api import Page, expect

from tests.conftest import PASSWORD, TenantSet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


async def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """The allauth login form, filled in as a person does."""
    await page.goto("/accounts/login/")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()


async def test_invite_user_then_choose_german_admin_sees_new_user_in_german(page: Page, acme: TenantSet) -> None:
    # given
    await log_in(page, acme.admin.email)
    await expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()

    # when
    await page.get_by_role("link", name="Invite a user").click()
    await page.get_by_label("Name", exact=True).fill("Nora Neu")
    await page.get_by_label("E-mail address").fill("nora.neu@acme.example.com")
    await page.get_by_role("button", name="Send invitation").click()

    # then
    await expect(page).to_have_url("/portal/users/")
    await expect(page.get_by_role("status")).to_contain_text("nora.neu@acme.example.com was invited by e-mail.")
    row = page.get_by_role("row").filter(has_text="nora.neu@acme.example.com")
    await expect(row).to_contain_text("Nora Neu")
    await expect(row).to_contain_text("Invited")
    invitations = [message for message in mail.outbox if message.to == ["nora.neu@acme.example.com"]]
    assert len(invitations) == 1
    assert "/accounts/password/reset/key/" in invitations[0].body

    # when
    await page.get_by_label("Language").select_option("de")

    # then
    await expect(page.locator("html")).to_have_attribute("lang", "de")
    await expect(page).to_have_url("/portal/users/")
    await expect(page.get_by_role("heading", name="Benutzer", exact=True)).to_be_visible()
    await expect(page.get_by_role("link", name="Benutzer einladen")).to_be_visible()
    await expect(row).to_contain_text("Eingeladen")


async def test_open_users_page_after_reauthentication_timeout_admin_reenters_password(
    page: Page, acme: TenantSet, settings: Any
) -> None:
    # given
    await log_in(page, acme.admin.email)
    await expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    timeout = settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0  # the login is now too old for admin pages

    # when
    await page.goto("/portal/users/")

    # then
    await expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next=%2Fportal%2Fusers%2F$"))

    # when
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = timeout  # with 0, even the password entered now would be too old
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Confirm").click()

    # then
    await expect(page).to_have_url("/portal/users/")
    await expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()

"""TOTP (required for operators), re-authentication before tenant admin pages, login rate limits."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.conf import settings
from django.core.cache import caches
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from freezegun import freeze_time

from tenants.models import User
from tests.conftest import PASSWORD
from tests.tenants.conftest import T0, login

pytestmark = pytest.mark.django_db

TOTP_SETUP = "/accounts/2fa/totp/activate/"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def routes(patterns: list, prefix: str = "") -> list[str]:
    """Every ``path()`` route of the URL configuration, with sample values for its parameters."""
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and "^" not in route and "(?P" not in route:
            found.append(route)
    return found


def sample_path(route: str) -> str:
    def value(match: re.Match) -> str:
        converter = match.group(1) or "str"
        return {"uuid": str(uuid.uuid4()), "int": "1"}.get(converter, "x")

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", value, route)


def operator_paths() -> list[str]:
    all_routes = routes(get_resolver().url_patterns)
    return sorted({sample_path(route) for route in all_routes if route.startswith(("operator/", "django-admin/"))})


def current_code(secret: str = TOTP_SECRET) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


# --- TOTP -------------------------------------------------------------------------------


def test_operator_without_totp_is_sent_to_totp_setup_from_every_operator_page(operator):
    # given
    client = Client()
    client.force_login(operator)
    paths = [*operator_paths(), "/", "/me/"]

    # when
    responses = {path: client.get(path) for path in paths}

    # then
    assert "/operator/tenants/" in paths
    assert "/operator/audit/" in paths
    assert {path: (response.status_code, response.get("Location")) for path, response in responses.items()} == dict.fromkeys(
        paths, (302, TOTP_SETUP)
    )


def test_operator_with_totp_reaches_operator_pages(operator_client, acme):
    # when
    pages = [
        "/operator/tenants/",
        "/operator/tenants/new/",
        f"/operator/tenants/{acme.tenant.pk}/",
        "/operator/audit/",
        "/me/",
    ]
    responses = {path: operator_client.get(path).status_code for path in pages}

    # then
    assert responses == dict.fromkeys(pages, 200)


@freeze_time(T0, tick=True)  # codes are checked without tolerance: keep off a 30 s step
def test_operator_with_totp_is_asked_for_the_code_at_login(operator):
    # given
    Authenticator.objects.create(user=operator, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET})
    client = Client()

    # when
    first_step = login(client, operator.email)
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000" if current_code() != "000000" else "111111"})
    blocked_meanwhile = client.get("/operator/tenants/")
    second_step = client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    page = client.get("/operator/tenants/")

    # then
    assert first_step.url == "/accounts/2fa/authenticate/"
    assert wrong.status_code == 200
    assert "Incorrect code." in wrong.content.decode()
    assert blocked_meanwhile.url.startswith("/accounts/login/")
    assert second_step.status_code == 302
    assert page.status_code == 200


@freeze_time(T0, tick=True)  # codes are checked without tolerance: keep off a 30 s step
def test_operator_sets_up_totp_and_then_reaches_operator_pages(operator):
    # given
    client = Client()
    login(client, operator.email)
    sent_to_setup = client.get("/operator/tenants/")
    reauth = client.get(TOTP_SETUP)
    client.post(reauth.url, {"password": PASSWORD})

    # when
    client.get(TOTP_SETUP)
    secret = client.session[SECRET_SESSION_KEY]
    activated = client.post(TOTP_SETUP, {"code": current_code(secret)})
    page = client.get("/operator/tenants/")

    # then
    assert sent_to_setup.url == TOTP_SETUP
    assert reauth.url.startswith("/accounts/reauthenticate/")
    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=operator, type=Authenticator.Type.TOTP).exists()
    assert page.status_code == 200


@freeze_time(T0, tick=True)  # codes are checked without tolerance: keep off a 30 s step
def test_end_user_reaches_two_factor_settings_and_can_activate_totp(acme):
    # given
    client = Client()
    login(client, acme.user.email)

    # when
    index = client.get("/accounts/2fa/")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    client.get(TOTP_SETUP)
    activated = client.post(TOTP_SETUP, {"code": current_code(client.session[SECRET_SESSION_KEY])})

    # then
    assert index.status_code == 200
    assert "Authenticator App" in index.content.decode()
    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=acme.user, type=Authenticator.Type.TOTP).exists()


def test_end_user_without_totp_is_not_forced_to_set_it_up(acme):
    # given
    client = Client()
    login(client, acme.user.email)

    # when
    response = client.get("/me/")

    # then
    assert response.status_code == 200


# --- re-authentication before tenant configuration pages ------------------------------


def test_admin_page_right_after_login_opens_without_asking_again(acme):
    # given
    client = Client()
    login(client, acme.admin.email)

    # when
    response = client.get("/portal/users/")

    # then
    assert response.status_code == 200


def test_admin_page_after_reauthentication_timeout_asks_for_the_password(acme):
    # given
    client = Client()
    with freeze_time(T0):
        login(client, acme.admin.email)

    # when
    with freeze_time(T0 + timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)):
        response = client.get("/portal/users/")

    # then
    assert response.status_code == 302
    assert response.url == "/accounts/reauthenticate/?next=%2Fportal%2Fusers%2F"


def test_admin_page_opens_again_after_reentering_the_password(acme):
    # given
    client = Client()
    with freeze_time(T0):
        login(client, acme.admin.email)
    later = T0 + timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 60)

    with freeze_time(later):
        asked = client.get("/portal/licences/")
        form = client.get(asked.url)
        wrong = client.post(asked.url, {"password": "not-my-password"})
        still_asked = client.get("/portal/licences/")

        # when
        right = client.post(asked.url, {"password": PASSWORD})
        page = client.get("/portal/licences/")

    # then
    assert form.status_code == 200
    assert wrong.status_code == 200
    assert still_asked.status_code == 302
    assert right.status_code == 302
    assert right.url == "/portal/licences/"
    assert page.status_code == 200


def test_admin_pages_used_within_the_timeout_stay_open(acme):
    # given
    client = Client()
    timeout = settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    with freeze_time(T0):
        login(client, acme.admin.email)

    # when
    statuses = []
    for step in (1, 2, 3):
        with freeze_time(T0 + timedelta(seconds=step * (timeout - 10))):
            statuses.append(client.get("/portal/users/").status_code)

    # then
    assert statuses == [200, 200, 200]


def test_admin_post_after_timeout_is_held_until_the_password_is_reentered(acme):
    # given
    client = Client()
    with freeze_time(T0):
        login(client, acme.admin.email)
    path = f"/portal/users/{acme.user_membership.pk}/"

    with freeze_time(T0 + timedelta(hours=1)):
        # when
        held = client.post(path, {"action": "deactivate"})
        acme.user.refresh_from_db()
        active_while_held = acme.user.is_active
        resumed = client.post(held.url, {"password": PASSWORD})

    # then
    assert held.url.startswith("/accounts/reauthenticate/")
    assert active_while_held is True
    assert resumed.status_code == 302
    acme.user.refresh_from_db()
    assert acme.user.is_active is False


def test_member_pages_do_not_ask_for_reauthentication(acme):
    # given
    client = Client()
    with freeze_time(T0):
        login(client, acme.user.email)

    # when
    with freeze_time(T0 + timedelta(hours=2)):
        response = client.get("/me/")

    # then
    assert response.status_code == 200


# --- login rate limit -------------------------------------------------------------------


def test_repeated_failed_logins_from_one_address_are_blocked(acme):
    # given
    client = Client(REMOTE_ADDR="192.0.2.10")
    failures = [login(client, acme.user.email, "wrong-password") for _ in range(5)]

    # when
    blocked = login(client, acme.user.email, PASSWORD)

    # then
    assert all(response.status_code == 200 for response in failures)
    assert "The email address and/or password you specified are not correct." in failures[0].content.decode()
    assert blocked.status_code == 200
    assert "Too many failed login attempts. Try again later." in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_login_counters_are_kept_in_redis(acme):
    # given: several web processes must share the counters, so they live in the Redis cache
    redis = caches["default"]._cache.get_client()

    # when
    login(Client(REMOTE_ADDR="192.0.2.10"), acme.user.email, "wrong-password")

    # then
    keys = [key.decode() for key in redis.keys("*allauth:rl:allauth.account:login_failed:*")]
    assert any(key.endswith(":ip:192.0.2.10") for key in keys), keys


def test_failed_logins_from_one_address_do_not_block_another_user_elsewhere(acme):
    # given
    attacker = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(6):
        login(attacker, acme.user.email, "wrong-password")

    # when
    response = login(Client(REMOTE_ADDR="198.51.100.7"), acme.other_user.email)

    # then
    assert response.status_code == 302


def test_login_with_email_in_other_case_works(acme):
    # when
    response = login(Client(), acme.user.email.upper())

    # then
    assert response.status_code == 302
    assert User.objects.get(pk=acme.user.pk).last_login is not None

"""Requests are limited per key and per user (counted in Redis): 429 with Retry-After."""

from __future__ import annotations

from django.test import Client, override_settings
from rest_framework.test import APIClient

from centrex.api.scopes import TENANT_SCOPES
from tests.api.conftest import key_client, make_key
from tests.conftest import TenantSet

USERS = "/api/v1/users/"
RATES = {"key": "3/m", "user": "2/m", "anon": "5/m"}


@override_settings(API_THROTTLE_RATES=RATES)
def test_key_over_its_rate_gets_429_with_retry_after(acme: TenantSet, acme_api: APIClient) -> None:
    # given
    for _ in range(3):
        assert acme_api.get(USERS).status_code == 200
    # when
    response = acme_api.get(USERS)
    # then
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "detail" in response.json()


@override_settings(API_THROTTLE_RATES=RATES)
def test_rate_is_counted_per_key(acme: TenantSet, acme_api: APIClient) -> None:
    # given: the first key is used up
    for _ in range(3):
        acme_api.get(USERS)
    assert acme_api.get(USERS).status_code == 429
    # when: another key of the same admin
    other = key_client(make_key(acme.tenant, acme.admin, TENANT_SCOPES, name="second")[1])
    # then
    assert other.get(USERS).status_code == 200


@override_settings(API_THROTTLE_RATES=RATES)
def test_session_user_over_rate_gets_429(admin_client: Client) -> None:
    # given
    for _ in range(2):
        assert admin_client.get(USERS).status_code == 200
    # when
    response = admin_client.get(USERS)
    # then
    assert response.status_code == 429
    assert response.has_header("Retry-After")


@override_settings(API_THROTTLE_RATES=RATES)
def test_throttle_counts_live_in_the_shared_cache(acme: TenantSet, acme_key: tuple) -> None:
    # given: two separate clients (as two web processes would be) using one key
    key, token = acme_key
    first, second = key_client(token), key_client(token)
    # when
    statuses = [first.get(USERS).status_code, second.get(USERS).status_code, first.get(USERS).status_code]
    statuses.append(second.get(USERS).status_code)
    # then
    assert statuses == [200, 200, 200, 429]
    from django.core.cache import cache

    assert cache.get(f"api-throttle:key:{key.pk}") is not None

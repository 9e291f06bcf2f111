"""API keys authenticate; revoked, expired, malformed, unknown and orphaned keys answer 401."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from centrex.api import services
from centrex.api.models import ApiKey
from centrex.api.scopes import TENANT_SCOPES
from tenants import services as tenant_services
from tenants.choices import Role
from tests.api.conftest import key_client, make_key
from tests.conftest import TenantSet

USERS = "/api/v1/users/"


def test_request_with_valid_key_lists_own_users(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.get(USERS)
    # then
    assert response.status_code == 200
    emails = {row["email"] for row in response.json()["results"]}
    assert emails == {acme.admin.email, acme.user.email, acme.other_user.email}


def test_key_stored_only_as_sha256_digest(acme: TenantSet) -> None:
    # when
    key, token = make_key(acme.tenant, acme.admin, ["directory:read"])
    # then
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {stored.secret_hash, stored.prefix, stored.name}
    assert token.startswith(f"cxk_{stored.prefix}_") and len(token) > 50


def test_request_without_credentials_is_401_with_bearer_challenge(db: None) -> None:
    # when
    response = APIClient().get(USERS)
    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "token",
    ["nonsense", "cxk_", "cxk_abc", "cxk_000000000000_wrongsecret", ""],
)
def test_request_with_bad_token_is_401(acme: TenantSet, token: str) -> None:
    # when
    response = key_client(token).get(USERS)
    # then
    assert response.status_code == 401


def test_request_with_right_prefix_wrong_secret_is_401(acme: TenantSet, acme_key: tuple[ApiKey, str]) -> None:
    # given
    _key, token = acme_key
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    # when
    response = key_client(forged).get(USERS)
    # then
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid API key."}


def test_revoked_key_is_401(acme: TenantSet, acme_key: tuple[ApiKey, str]) -> None:
    # given
    key, token = acme_key
    assert key_client(token).get(USERS).status_code == 200
    services.do_revoke_api_key(acme.tenant, actor=acme.admin, key=key)
    # when
    response = key_client(token).get(USERS)
    # then
    assert response.status_code == 401
    assert response.json() == {"detail": "This API key has been revoked."}


def test_expired_key_is_401(acme: TenantSet) -> None:
    # given
    expires = timezone.now() + timedelta(days=1)
    _key, token = make_key(acme.tenant, acme.admin, TENANT_SCOPES, expires_at=expires)
    assert key_client(token).get(USERS).status_code == 200
    # when
    with freeze_time(expires + timedelta(seconds=1)):
        response = key_client(token).get(USERS)
    # then
    assert response.status_code == 401
    assert response.json() == {"detail": "This API key has expired."}


def test_key_of_demoted_admin_is_401(acme: TenantSet) -> None:
    # given: the user gets admin rights, makes a key, then loses the rights
    tenant_services.check_change_role(acme.tenant, actor=acme.admin, membership=acme.user_membership, role=Role.ADMIN)
    _key, token = make_key(acme.tenant, acme.user, TENANT_SCOPES)
    assert key_client(token).get(USERS).status_code == 200
    tenant_services.check_change_role(acme.tenant, actor=acme.admin, membership=acme.user_membership, role=Role.USER)
    # when
    response = key_client(token).get(USERS)
    # then
    assert response.status_code == 401


def test_key_of_deactivated_creator_is_401(acme: TenantSet) -> None:
    # given
    tenant_services.check_change_role(acme.tenant, actor=acme.admin, membership=acme.user_membership, role=Role.ADMIN)
    _key, token = make_key(acme.tenant, acme.user, TENANT_SCOPES)
    tenant_services.check_set_user_active(acme.tenant, actor=acme.admin, membership=acme.user_membership, active=False)
    # when
    response = key_client(token).get(USERS)
    # then
    assert response.status_code == 401


def test_last_used_is_recorded(acme: TenantSet, acme_key: tuple[ApiKey, str]) -> None:
    # given
    key, token = acme_key
    assert key.last_used_at is None
    # when
    key_client(token).get(USERS)
    # then
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_key_of_suspended_tenant_is_403(acme: TenantSet, acme_api: APIClient) -> None:
    # given
    tenant_services.do_suspend_tenant(acme.tenant, actor=None)
    # when
    response = acme_api.get(USERS)
    # then
    assert response.status_code == 403
    assert response.json() == {"detail": "This tenant is suspended."}


def test_key_of_expired_tenant_reads_but_cannot_write(db: None) -> None:
    # given: a tenant in tryout whose tryout ran out
    tenant = tenant_services.check_create_tenant(actor=None, name="Initech", slug="initech")
    admin = tenant_services.check_invite_user(tenant, actor=None, email="boss@initech.example.com", role=Role.ADMIN).user
    _key, token = make_key(tenant, admin, TENANT_SCOPES)
    with freeze_time(timezone.now() + timedelta(days=30)):
        client = key_client(token)
        # when
        read = client.get(USERS)
        write = client.post(USERS, {"email": "new@initech.example.com"}, format="json")
    # then
    assert read.status_code == 200
    assert write.status_code == 403
    assert "tryout" in write.json()["detail"]


def test_session_login_works_for_reads(admin_client: Client) -> None:
    # when
    response = admin_client.get(USERS)
    # then
    assert response.status_code == 200


def test_session_write_without_csrf_token_is_403(acme: TenantSet) -> None:
    # given: a browser session (the test client enforces CSRF only when asked to)
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme.admin)
    # when
    response = client.post(USERS, {"email": "new@acme.example.com"}, content_type="application/json")
    # then
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not acme.tenant.membership_set.filter(user__email="new@acme.example.com").exists()


def test_session_write_with_csrf_token_succeeds(acme: TenantSet) -> None:
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme.admin)
    csrf_value = "k" * 32  # the secret a page would have set in the csrftoken cookie
    client.cookies["csrftoken"] = csrf_value
    # when
    response = client.post(USERS, {"email": "new@acme.example.com"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf_value)
    # then
    assert response.status_code == 201
    assert response.json()["email"] == "new@acme.example.com"


def test_member_session_cannot_read_admin_resources(acme: TenantSet) -> None:
    # given
    client = Client()
    client.force_login(acme.user)
    # when
    response = client.get(USERS)
    # then
    assert response.status_code == 403
    assert response.json() == {"detail": "This action needs the admin:read scope."}

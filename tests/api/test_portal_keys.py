"""API key pages: tenant admins and operators list, create (token shown once) and revoke keys."""

from __future__ import annotations

import hashlib

from django.test import Client

from centrex.api.models import ApiKey
from tenants.models import AuditEntry, User
from tests.api.conftest import key_client, make_key
from tests.conftest import TenantSet, logged_in


def test_admin_creates_key_and_sees_token_once(acme: TenantSet, admin_client: Client) -> None:
    # when
    response = admin_client.post(
        "/portal/api-keys/new/", {"name": "CRM", "scopes": ["directory:read", "admin:read"], "expires_on": "2099-12-31"}
    )
    # then
    assert response.status_code == 200
    token = response.context["token"]
    assert token in response.content.decode()
    key = ApiKey.objects.get(tenant=acme.tenant, name="CRM")
    assert key.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    assert key.scopes == ["admin:read", "directory:read"]
    assert key.expires_at.isoformat().startswith("2100-01-01T00:00:00")
    assert key.created_by == acme.admin
    # the list shows the prefix, never the token
    listing = admin_client.get("/portal/api-keys/").content.decode()
    assert key.prefix in listing and token not in listing
    assert key_client(token).get("/api/v1/users/").status_code == 200


def test_create_key_without_scopes_shows_error_and_creates_nothing(acme: TenantSet, admin_client: Client) -> None:
    # when
    response = admin_client.post("/portal/api-keys/new/", {"name": "CRM", "scopes": []})
    # then
    assert response.status_code == 200
    assert response.context["form"].errors["scopes"]
    assert not ApiKey.objects.filter(name="CRM").exists()


def test_create_key_with_past_date_is_refused(acme: TenantSet, admin_client: Client) -> None:
    # when
    response = admin_client.post("/portal/api-keys/new/", {"name": "Old", "scopes": ["admin:read"], "expires_on": "2001-01-01"})
    # then
    assert response.context["form"].errors["expires_on"]
    assert not ApiKey.objects.filter(name="Old").exists()


def test_admin_cannot_create_platform_scope_key(acme: TenantSet, admin_client: Client) -> None:
    # when
    response = admin_client.post("/portal/api-keys/new/", {"name": "X", "scopes": ["platform:write"]})
    # then
    assert response.context["form"].errors["scopes"]
    assert not ApiKey.objects.filter(name="X").exists()


def test_admin_revokes_key(acme: TenantSet, admin_client: Client) -> None:
    # given
    key, token = make_key(acme.tenant, acme.admin, ["admin:read"])
    # when
    response = admin_client.post(f"/portal/api-keys/{key.pk}/revoke/")
    # then
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key_client(token).get("/api/v1/users/").status_code == 401
    assert AuditEntry.objects.filter(action="apikey.revoke", object_id=str(key.pk), api_key_id=None).exists()


def test_admin_cannot_revoke_other_tenants_key(acme: TenantSet, globex: TenantSet, admin_client: Client) -> None:
    # given
    key, _token = make_key(globex.tenant, globex.admin, ["admin:read"])
    # when
    response = admin_client.post(f"/portal/api-keys/{key.pk}/revoke/")
    # then
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_list_shows_only_own_tenants_keys(acme: TenantSet, globex: TenantSet, admin_client: Client) -> None:
    # given
    make_key(globex.tenant, globex.admin, ["admin:read"], name="globex secret integration")
    make_key(acme.tenant, acme.admin, ["admin:read"], name="acme integration")
    # when
    body = admin_client.get("/portal/api-keys/").content.decode()
    # then
    assert "acme integration" in body and "globex secret integration" not in body


def test_member_cannot_open_key_pages(acme: TenantSet) -> None:
    # when
    response = logged_in(acme.user).get("/portal/api-keys/")
    # then
    assert response.status_code == 403


def test_operator_creates_and_revokes_operator_key(operator: User, operator_client: Client) -> None:
    # when
    created = operator_client.post("/portal/api-keys/operator/new/", {"name": "Billing", "scopes": ["platform:read"]})
    token = created.context["token"]
    key = ApiKey.objects.get(name="Billing")
    # then
    assert key.tenant is None and key.created_by == operator
    assert key_client(token).get("/api/v1/operator/tenants/").status_code == 200
    assert "Billing" in operator_client.get("/portal/api-keys/operator/").content.decode()
    operator_client.post(f"/portal/api-keys/operator/{key.pk}/revoke/")
    assert key_client(token).get("/api/v1/operator/tenants/").status_code == 401


def test_tenant_admin_cannot_open_operator_key_pages(acme: TenantSet, admin_client: Client) -> None:
    # when
    response = admin_client.get("/portal/api-keys/operator/")
    # then
    assert response.status_code == 403


def test_nav_has_api_keys_entry(acme: TenantSet, admin_client: Client) -> None:
    # when
    body = admin_client.get("/portal/api-keys/").content.decode()
    # then
    assert 'href="/portal/api-keys/"' in body

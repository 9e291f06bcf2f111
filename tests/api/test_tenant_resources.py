"""Tenant resources: users (invite, role, (de)activate, re-invite), licences, audit log, API keys."""

from __future__ import annotations

from typing import Any

from django.core import mail
from rest_framework.test import APIClient

from centrex.api.models import ApiKey
from tenants.choices import Role
from tenants.models import AuditEntry, Membership
from tests.api.conftest import key_client, make_key
from tests.conftest import TenantSet

USERS = "/api/v1/users/"
KEYS = "/api/v1/api-keys/"


def test_invite_user_creates_member_and_sends_mail(
    acme: TenantSet, acme_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = acme_api.post(USERS, {"email": "Jane@Acme.example.com", "full_name": "Jane", "role": "admin"}, format="json")
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "jane@acme.example.com" and body["role"] == Role.ADMIN and body["has_password"] is False
    assert Membership.objects.for_tenant(acme.tenant).filter(pk=body["id"]).exists()
    assert [message.to for message in mail.outbox] == [["jane@acme.example.com"]]


def test_filter_users_by_role(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.get(USERS, {"role": "admin"})
    # then
    assert [row["email"] for row in response.json()["results"]] == [acme.admin.email]


def test_users_are_paginated(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.get(USERS, {"page_size": 2, "ordering": "user__email"})
    # then
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"].endswith("page=2&page_size=2&ordering=user__email") or "page=2" in body["next"]
    second = acme_api.get(body["next"]).json()
    assert len(second["results"]) == 1 and second["previous"]


def test_change_role_and_deactivate_with_patch(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.patch(f"{USERS}{acme.user_membership.pk}/", {"role": "admin", "is_active": False}, format="json")
    # then
    assert response.status_code == 200
    assert response.json()["role"] == "admin" and response.json()["is_active"] is False
    acme.user.refresh_from_db()
    assert acme.user.is_active is False


def test_deactivate_and_activate_actions(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    off = acme_api.post(f"{USERS}{acme.user_membership.pk}/deactivate/")
    on = acme_api.post(f"{USERS}{acme.user_membership.pk}/activate/")
    # then
    assert off.json()["is_active"] is False
    assert on.json()["is_active"] is True


def test_resend_invitation_sends_mail_again(
    acme: TenantSet, acme_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a user who has not accepted the invitation yet
    invited = acme_api.post(USERS, {"email": "late@acme.example.com"}, format="json").json()
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = acme_api.post(f"{USERS}{invited['id']}/resend-invitation/")
    # then
    assert response.status_code == 202
    assert [message.to for message in mail.outbox] == [["late@acme.example.com"]]


def test_resend_invitation_to_user_with_password_is_400(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.post(f"{USERS}{acme.user_membership.pk}/resend-invitation/")
    # then
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]


def test_licence_list_and_summary(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    rows = acme_api.get("/api/v1/licences/").json()["results"]
    summary = acme_api.get("/api/v1/licences/summary/").json()
    # then
    assert rows == [{"feature": "users", "quantity": 10, "updated_at": rows[0]["updated_at"]}]
    assert summary["user_licences"] == 10 and summary["active_users"] == 3
    assert {addon["feature"] for addon in summary["addons"]} >= {"fax", "queues"}


def test_licences_cannot_be_written_by_tenant(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.post("/api/v1/licences/", {"feature": "users", "quantity": 500}, format="json")
    # then
    assert response.status_code == 405


def test_audit_log_filters_by_action_and_time(acme: TenantSet, acme_api: APIClient) -> None:
    # given
    acme_api.post(f"{USERS}{acme.user_membership.pk}/deactivate/")
    # when
    response = acme_api.get("/api/v1/audit-log/", {"action": "user.deactivate", "created_after": "2000-01-01T00:00:00Z"})
    # then
    rows = response.json()["results"]
    assert [row["object_id"] for row in rows] == [str(acme.user_membership.pk)]
    assert rows[0]["before"] == {"role": "user", "is_active": True}


def test_audit_log_bad_date_filter_is_400(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.get("/api/v1/audit-log/", {"created_after": "yesterday"})
    # then
    assert response.status_code == 400
    assert "created_after" in response.json()["errors"]


def test_writes_with_a_key_are_attributed_to_it(acme: TenantSet, acme_key: tuple[ApiKey, str], acme_api: APIClient) -> None:
    # when
    acme_api.post(f"{USERS}{acme.user_membership.pk}/deactivate/")
    acme_api.post(USERS, {"email": "jane@acme.example.com"}, format="json")
    # then
    entries = AuditEntry.objects.filter(action__in=["user.deactivate", "user.invite"], tenant=acme.tenant).exclude(
        actor_label="system"  # the fixture's own invitations
    )
    assert entries.count() == 2
    assert {(entry.api_key_id, entry.actor_id) for entry in entries} == {(acme_key[0].pk, acme.admin.pk)}
    # and the log can be filtered by key
    rows = acme_api.get("/api/v1/audit-log/", {"api_key_id": str(acme_key[0].pk)}).json()["results"]
    assert {row["action"] for row in rows} == {"user.deactivate", "user.invite"}


def test_key_attribution_does_not_leak_into_later_session_writes(
    acme: TenantSet, acme_api: APIClient, admin_client: object
) -> None:
    # given: a key request ran first in this thread
    acme_api.get(USERS)
    # when: a session (no key) writes
    from django.test import Client

    assert isinstance(admin_client, Client)
    admin_client.post(f"{USERS}{acme.user_membership.pk}/deactivate/")
    # then
    entry = AuditEntry.objects.get(action="user.deactivate")
    assert entry.api_key_id is None


def test_admin_creates_key_via_api_and_uses_it(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.post(KEYS, {"name": "CRM", "scopes": ["directory:read", "admin:read"]}, format="json")
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith(f"cxk_{body['prefix']}_")
    assert key_client(body["token"]).get(USERS).status_code == 200
    # the token is never shown again
    shown = acme_api.get(f"{KEYS}{body['id']}/").json()
    assert "token" not in shown and body["token"] not in str(acme_api.get(KEYS).json())


def test_key_cannot_grant_scopes_it_lacks(acme: TenantSet) -> None:
    # given
    _key, token = make_key(acme.tenant, acme.admin, ["admin:read", "admin:write"])
    # when
    response = key_client(token).post(KEYS, {"name": "more", "scopes": ["calls:write"]}, format="json")
    # then
    assert response.status_code == 400
    assert "scopes" in response.json()["errors"]
    assert not ApiKey.objects.filter(name="more").exists()


def test_tenant_key_cannot_have_platform_scopes(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.post(KEYS, {"name": "sneaky", "scopes": ["platform:write"]}, format="json")
    # then
    assert response.status_code == 400
    assert "scopes" in response.json()["errors"]


def test_key_with_past_expiry_is_400(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.post(KEYS, {"name": "old", "scopes": ["admin:read"], "expires_at": "2000-01-01T00:00:00Z"}, format="json")
    # then
    assert response.status_code == 400
    assert "expires_at" in response.json()["errors"]


def test_revoke_key_via_api(acme: TenantSet, acme_api: APIClient) -> None:
    # given
    key, token = make_key(acme.tenant, acme.admin, ["admin:read"], name="to revoke")
    # when
    response = acme_api.post(f"{KEYS}{key.pk}/revoke/")
    # then
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert key_client(token).get(USERS).status_code == 401
    assert AuditEntry.objects.filter(action="apikey.revoke", object_id=str(key.pk), tenant=acme.tenant).exists()


def test_operator_manages_operator_keys(operator_api: APIClient) -> None:
    # when
    created = operator_api.post("/api/v1/operator/api-keys/", {"name": "billing", "scopes": ["platform:read"]}, format="json")
    # then
    assert created.status_code == 201
    reader = key_client(created.json()["token"])
    assert reader.get("/api/v1/operator/tenants/").status_code == 200
    assert reader.post("/api/v1/operator/tenants/", {"name": "X", "slug": "x"}, format="json").status_code == 403
    assert operator_api.post(f"/api/v1/operator/api-keys/{created.json()['id']}/revoke/").status_code == 200
    assert reader.get("/api/v1/operator/tenants/").status_code == 401


def test_operator_key_list_holds_no_tenant_keys(acme: TenantSet, acme_key: tuple[ApiKey, str], operator_api: APIClient) -> None:
    # when
    rows = operator_api.get("/api/v1/operator/api-keys/").json()["results"]
    # then
    assert str(acme_key[0].pk) not in {row["id"] for row in rows}
    assert operator_api.get(f"/api/v1/operator/api-keys/{acme_key[0].pk}/").status_code == 404


def test_user_list_query_count_does_not_grow_with_users(
    acme: TenantSet, acme_api: APIClient, django_assert_max_num_queries: Any
) -> None:
    # given: the key has been used once (its last-used stamp is written at most once a minute)
    acme_api.get(USERS)
    for number in range(5):
        acme_api.post(USERS, {"email": f"extra{number}@acme.example.com"}, format="json")
    # when / then: key lookup, count, page of users with their accounts
    with django_assert_max_num_queries(4):
        response = acme_api.get(USERS)
    assert response.json()["count"] == 8


def test_audit_log_list_query_count_is_bounded(acme: TenantSet, acme_api: APIClient, django_assert_max_num_queries: Any) -> None:
    # given
    acme_api.get(USERS)
    # when / then
    with django_assert_max_num_queries(4):
        response = acme_api.get("/api/v1/audit-log/", {"page_size": 200})
    assert response.json()["count"] >= 4

"""Bad input gets a 400 (or 413) in the one error format and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tenants.models import AuditEntry, Membership, User
from tests.conftest import TenantSet

USERS = "/api/v1/users/"


def test_unknown_fields_are_400_listing_each(acme: TenantSet, acme_api: APIClient) -> None:
    # given
    before = Membership.objects.count()
    # when
    response = acme_api.post(USERS, {"email": "new@acme.example.com", "colour": "red", "is_admin": True}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"errors": {"colour": ["Unknown field."], "is_admin": ["Unknown field."]}}
    assert Membership.objects.count() == before


def test_wrong_types_are_400_with_field_messages(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.post(USERS, {"email": 42, "role": ["admin"], "full_name": {"a": 1}}, format="json")
    # then
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"email", "role", "full_name"}
    assert all(isinstance(message, str) for messages in errors.values() for message in messages)


def test_service_validation_error_becomes_field_error(acme: TenantSet, acme_api: APIClient) -> None:
    # when: the e-mail address is taken (the service decides)
    response = acme_api.post(USERS, {"email": acme.user.email}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"errors": {"email": ["A user with this e-mail address already exists."]}}


def test_service_non_field_error_is_under_non_field_errors(acme: TenantSet, acme_api: APIClient) -> None:
    # when: demoting the only admin
    response = acme_api.patch(f"{USERS}{acme.admin_membership.pk}/", {"role": "user"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"errors": {"non_field_errors": ["A tenant needs at least one active admin."]}}
    acme.admin_membership.refresh_from_db()
    assert acme.admin_membership.role == "admin"


def test_malformed_json_is_400_with_detail(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.generic("POST", USERS, "{not json", content_type="application/json")
    # then
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}


def test_json_array_body_is_400(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.post(USERS, [1, 2], format="json")
    # then
    assert response.status_code == 400
    assert "errors" in response.json()


def test_unsupported_media_type_is_415(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.generic("POST", USERS, "email=x@y.z", content_type="application/x-www-form-urlencoded")
    # then
    assert response.status_code == 415
    assert set(response.json()) == {"detail"}


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversized_body_is_413_and_changes_nothing(acme: TenantSet, acme_api: APIClient) -> None:
    # given
    body = json.dumps({"email": "big@acme.example.com", "full_name": "x" * 2000})
    # when
    response = acme_api.generic("POST", USERS, body, content_type="application/json")
    # then
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 1000 bytes."}
    assert not User.objects.filter(email="big@acme.example.com").exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversized_body_with_understated_length_is_413(acme: TenantSet, acme_api: APIClient) -> None:
    # given: a client that lies about the length still cannot make the server read more
    body = json.dumps({"email": "big@acme.example.com", "full_name": "x" * 2000}).encode()
    # when
    response = acme_api.generic("POST", USERS, body, content_type="application/json", CONTENT_LENGTH="10")
    # then
    assert response.status_code in {400, 413}
    assert not User.objects.filter(email="big@acme.example.com").exists()


def test_unknown_route_is_404(acme: TenantSet, acme_api: APIClient) -> None:
    # when
    response = acme_api.get("/api/v1/users/not-a-uuid/")
    # then
    assert response.status_code == 404
    assert response.json() == {"detail": "No Membership matches the given query."} or set(response.json()) == {"detail"}


@pytest.mark.parametrize("method", ["put"])
def test_put_is_not_offered_patch_is(acme: TenantSet, acme_api: APIClient, method: str) -> None:
    # when
    response = getattr(acme_api, method)(f"{USERS}{acme.user_membership.pk}/", {"role": "admin"}, format="json")
    # then
    assert response.status_code == 405
    assert AuditEntry.objects.filter(action="user.role").count() == 0

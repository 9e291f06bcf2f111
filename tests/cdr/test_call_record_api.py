"""GET /api/v1/call-records/: scope calls:read, tenant-scoped, members see their own."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from centrex.api.scopes import Scope
from telephony.directory import services as directory_services
from tests.api.conftest import key_client, make_key
from tests.cdr.factories import record_call
from tests.conftest import TenantSet


@pytest.fixture
def records(acme: TenantSet, globex: TenantSet):
    own = directory_services.check_create_extension(acme.tenant, actor=None, number="201", display_name="Own", user=acme.user)
    other = directory_services.check_create_extension(acme.tenant, actor=None, number="202", display_name="Other")
    return {
        "own": record_call(acme.tenant, extension=own),
        "other": record_call(acme.tenant, extension=other, direction="outbound", destination="+4930777"),
        "foreign": record_call(globex.tenant),
    }


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_key_with_calls_read_lists_tenant_records(acme: TenantSet, records):
    client = key_client(make_key(acme.tenant, acme.admin, [Scope.CALLS_READ])[1])

    assert ids(client.get("/api/v1/call-records/")) == {str(records["own"].pk), str(records["other"].pk)}


def test_key_without_calls_read_is_forbidden(acme: TenantSet, records):
    client = key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ])[1])

    assert client.get("/api/v1/call-records/").status_code == 403


def test_other_tenants_record_is_404(acme: TenantSet, records):
    client = key_client(make_key(acme.tenant, acme.admin, [Scope.CALLS_READ])[1])

    assert client.get(f"/api/v1/call-records/{records['foreign'].pk}/").status_code == 404
    own = client.get(f"/api/v1/call-records/{records['own'].pk}/")
    assert own.status_code == 200
    assert own.json()["legs"][0]["is_a_leg"] is True


def test_member_session_sees_only_own_records(acme: TenantSet, records):
    client = APIClient()
    client.force_login(acme.user)

    assert ids(client.get("/api/v1/call-records/")) == {str(records["own"].pk)}
    assert client.get(f"/api/v1/call-records/{records['other'].pk}/").status_code == 404


def test_filters_by_direction(acme: TenantSet, records):
    client = key_client(make_key(acme.tenant, acme.admin, [Scope.CALLS_READ])[1])

    assert ids(client.get("/api/v1/call-records/", {"direction": "outbound"})) == {str(records["other"].pk)}
    assert client.get("/api/v1/call-records/", {"direction": "sideways"}).status_code == 400


def test_records_cannot_be_written(acme: TenantSet, records):
    client = key_client(make_key(acme.tenant, acme.admin, [Scope.CALLS_READ, Scope.CALLS_WRITE])[1])

    assert client.post("/api/v1/call-records/", {}, format="json").status_code == 405
    assert client.delete(f"/api/v1/call-records/{records['own'].pk}/").status_code == 405

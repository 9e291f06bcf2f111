"""Operator resources: tenants (create, change, suspend/reactivate, tryout) and their licences."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from centrex.api.models import ApiKey
from tenants.choices import Feature, TenantStatus
from tenants.models import AuditEntry, Licence, Tenant
from tests.conftest import TenantSet

TENANTS = "/api/v1/operator/tenants/"


def test_operator_lists_and_filters_tenants(acme: TenantSet, globex: TenantSet, operator_api: APIClient) -> None:
    # when
    everything = operator_api.get(TENANTS)
    filtered = operator_api.get(TENANTS, {"slug": "globex"})
    # then
    assert everything.status_code == 200
    assert {row["slug"] for row in everything.json()["results"]} == {"acme", "globex"}
    assert [row["id"] for row in filtered.json()["results"]] == [str(globex.tenant.pk)]


def test_operator_orders_tenants(acme: TenantSet, globex: TenantSet, operator_api: APIClient) -> None:
    # when
    response = operator_api.get(TENANTS, {"ordering": "-name"})
    # then
    assert [row["slug"] for row in response.json()["results"]] == ["globex", "acme"]


def test_unknown_filter_value_is_400(acme: TenantSet, operator_api: APIClient) -> None:
    # when
    response = operator_api.get(TENANTS, {"status": "sleeping"})
    # then
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_operator_creates_tenant_in_tryout(operator_api: APIClient, operator_key: tuple[ApiKey, str]) -> None:
    # when
    response = operator_api.post(TENANTS, {"name": "Initech", "slug": "initech", "country": "FR"}, format="json")
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == TenantStatus.TRYOUT
    assert body["sip_domain"] == "initech.sip.centrex.test"
    tenant = Tenant.objects.get(pk=body["id"])
    entry = AuditEntry.objects.get(action="tenant.create", object_id=str(tenant.pk))
    assert entry.api_key_id == operator_key[0].pk


def test_create_tenant_with_taken_slug_is_400(acme: TenantSet, operator_api: APIClient) -> None:
    # when
    response = operator_api.post(TENANTS, {"name": "Acme 2", "slug": "acme"}, format="json")
    # then
    assert response.status_code == 400
    assert "slug" in response.json()["errors"]
    assert Tenant.objects.filter(name="Acme 2").count() == 0


def test_create_tenant_with_bad_time_zone_is_400(operator_api: APIClient) -> None:
    # when
    response = operator_api.post(TENANTS, {"name": "X", "slug": "xco", "time_zone": "Mars/Olympus"}, format="json")
    # then
    assert response.status_code == 400
    assert "time_zone" in response.json()["errors"]
    assert not Tenant.objects.filter(slug="xco").exists()


def test_operator_renames_tenant(acme: TenantSet, operator_api: APIClient) -> None:
    # when
    response = operator_api.patch(f"{TENANTS}{acme.tenant.pk}/", {"name": "Acme Corp"}, format="json")
    # then
    assert response.status_code == 200
    acme.tenant.refresh_from_db()
    assert acme.tenant.name == "Acme Corp"


def test_slug_cannot_be_changed(acme: TenantSet, operator_api: APIClient) -> None:
    # when
    response = operator_api.patch(f"{TENANTS}{acme.tenant.pk}/", {"slug": "other"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"errors": {"slug": ["Unknown field."]}}


def test_operator_suspends_and_reactivates_tenant(acme: TenantSet, operator_api: APIClient) -> None:
    # when
    suspended = operator_api.post(f"{TENANTS}{acme.tenant.pk}/suspend/")
    reactivated = operator_api.post(f"{TENANTS}{acme.tenant.pk}/reactivate/")
    # then
    assert suspended.json()["status"] == TenantStatus.SUSPENDED
    assert reactivated.json()["status"] == TenantStatus.ACTIVE
    assert list(
        AuditEntry.objects.filter(tenant=acme.tenant, action__in=["tenant.suspend", "tenant.reactivate"]).values_list(
            "action", flat=True
        )
    ) == ["tenant.reactivate", "tenant.suspend"]


def test_tryout_after_licences_bought_is_400(acme: TenantSet, operator_api: APIClient) -> None:
    # when
    response = operator_api.post(f"{TENANTS}{acme.tenant.pk}/tryout/")
    # then
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]


def test_operator_sets_and_lists_licences(acme: TenantSet, operator_api: APIClient) -> None:
    # when
    response = operator_api.post(f"{TENANTS}{acme.tenant.pk}/licences/", {"feature": "fax", "quantity": 3}, format="json")
    listing = operator_api.get(f"{TENANTS}{acme.tenant.pk}/licences/")
    # then
    assert response.status_code == 200
    assert response.json()["quantity"] == 3
    assert {row["feature"]: row["quantity"] for row in listing.json()} == {"users": 10, "fax": 3}


def test_licence_below_active_users_is_400(acme: TenantSet, operator_api: APIClient) -> None:
    # when
    response = operator_api.post(f"{TENANTS}{acme.tenant.pk}/licences/", {"feature": "users", "quantity": 1}, format="json")
    # then
    assert response.status_code == 400
    assert "quantity" in response.json()["errors"]
    assert Licence.objects.get(tenant=acme.tenant, feature=Feature.USERS).quantity == 10


def test_negative_licence_is_400(acme: TenantSet, operator_api: APIClient) -> None:
    # when
    response = operator_api.post(f"{TENANTS}{acme.tenant.pk}/licences/", {"feature": "fax", "quantity": -1}, format="json")
    # then
    assert response.status_code == 400
    assert "quantity" in response.json()["errors"]


def test_unknown_tenant_is_404(operator_api: APIClient) -> None:
    # when
    response = operator_api.get(f"{TENANTS}00000000-0000-0000-0000-000000000000/")
    # then
    assert response.status_code == 404


def test_tenant_key_cannot_reach_operator_resources(acme: TenantSet, globex: TenantSet, acme_api: APIClient) -> None:
    # when
    listing = acme_api.get(TENANTS)
    own = acme_api.get(f"{TENANTS}{acme.tenant.pk}/")
    other = acme_api.get(f"{TENANTS}{globex.tenant.pk}/")
    # then: the routes do not exist for tenants, whatever the id
    assert [listing.status_code, own.status_code, other.status_code] == [404, 404, 404]


def test_operator_session_works(acme: TenantSet, operator_client: Client) -> None:
    # when
    response = operator_client.get(TENANTS)
    # then
    assert response.status_code == 200


def test_operator_reads_whole_audit_log_filtered_by_tenant(acme: TenantSet, globex: TenantSet, operator_api: APIClient) -> None:
    # when
    response = operator_api.get("/api/v1/operator/audit-log/", {"tenant": str(globex.tenant.pk), "page_size": 200})
    # then
    assert response.status_code == 200
    assert {row["tenant"] for row in response.json()["results"]} == {str(globex.tenant.pk)}

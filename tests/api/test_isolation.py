"""Another tenant's object answers 404 on every object route of this area's tenant resources.

(``tests/test_isolation.py`` runs the same check over every URL of the project.)
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import models
from django.urls import reverse
from rest_framework.test import APIClient

from centrex.api import services
from tenants.models import AuditEntry
from tests.api.routes import ApiRoute, api_routes
from tests.conftest import TenantSet


def _api_key(globex: TenantSet) -> models.Model:
    key, _token = services.check_create_api_key(globex.tenant, actor=globex.admin, name="globex key", scopes=["admin:read"])
    return key


def _membership(globex: TenantSet) -> models.Model:
    return globex.user_membership


def _audit_entry(globex: TenantSet) -> models.Model:
    return AuditEntry.objects.for_tenant(globex.tenant).first()


OTHER_TENANT_OBJECTS: dict[str, Callable[[TenantSet], models.Model]] = {
    "apikey": _api_key,
    "user": _membership,
    "auditentry": _audit_entry,
}
OBJECT_ROUTES = [route for route in api_routes() if route.detail and route.basename in OTHER_TENANT_OBJECTS]


def test_every_object_route_of_this_area_is_covered() -> None:
    # then
    assert {route.basename for route in OBJECT_ROUTES} == set(OTHER_TENANT_OBJECTS)
    assert len(OBJECT_ROUTES) >= 8


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=str)
def test_other_tenants_object_is_404(route: ApiRoute, acme: TenantSet, globex: TenantSet, acme_api: APIClient) -> None:
    # given: an object of globex, and acme's key holding every tenant scope
    obj = OTHER_TENANT_OBJECTS[route.basename](globex)
    url = reverse(route.url_name, kwargs={route.lookup_kwarg: getattr(obj, route.viewset.lookup_field)})
    entries = AuditEntry.objects.count()
    # when
    response = getattr(acme_api, route.method)(url, {}, format="json")
    # then
    assert response.status_code == 404, response.content
    assert set(response.json()) == {"detail"}
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("basename", sorted(OTHER_TENANT_OBJECTS))
def test_own_object_is_found(basename: str, acme: TenantSet, acme_api: APIClient) -> None:
    # given: the same lookup with acme's own object (proves the 404 above comes from scoping)
    obj = OTHER_TENANT_OBJECTS[basename](acme)
    # when
    response = acme_api.get(reverse(f"api:{basename}-detail", kwargs={"pk": obj.pk}))
    # then
    assert response.status_code == 200


def test_lists_hold_only_own_rows(acme: TenantSet, globex: TenantSet, acme_api: APIClient) -> None:
    # given
    _api_key(globex)
    # when
    keys = acme_api.get("/api/v1/api-keys/").json()["results"]
    users = acme_api.get("/api/v1/users/").json()["results"]
    entries = acme_api.get("/api/v1/audit-log/", {"page_size": 200}).json()["results"]
    # then
    assert {row["name"] for row in keys} == {"acme all scopes"}
    assert {row["email"] for row in users} == {acme.admin.email, acme.user.email, acme.other_user.email}
    assert {row["tenant"] for row in entries} == {str(acme.tenant.pk)}

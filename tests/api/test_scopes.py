"""Every route of the API declares a scope, and a key without that scope gets 403.

The routes come from the router itself, so resources added later are covered automatically.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from centrex.api.scopes import OPERATOR_SCOPES, TENANT_SCOPES
from tenants.models import AuditEntry, User
from tests.api.conftest import key_client, make_key
from tests.api.routes import ApiRoute, api_routes
from tests.conftest import TenantSet

ROUTES = api_routes()


def test_every_route_declares_a_known_scope() -> None:
    # then
    for route in ROUTES:
        allowed = TENANT_SCOPES if route.audience == "tenant" else OPERATOR_SCOPES
        assert route.scope in allowed, f"{route} declares no {route.audience} scope in required_scopes"


def test_operator_routes_live_under_operator_prefix() -> None:
    # then: one prefix, so isolation checks and proxies can tell platform routes apart
    for route in ROUTES:
        if route.audience == "operator":
            assert _url(route).startswith("/api/v1/operator/"), f"{route} must be registered under operator/"


def _url(route: ApiRoute) -> str:
    kwargs = {route.lookup_kwarg: str(uuid.uuid4())} if route.detail else {}
    return reverse(route.url_name, kwargs=kwargs)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_key_without_the_scope_gets_403(route: ApiRoute, acme: TenantSet, operator: User) -> None:
    # given: a key with every scope of its kind except the one this route needs
    if route.audience == "tenant":
        _key, token = make_key(acme.tenant, acme.admin, TENANT_SCOPES - {route.scope})
    else:
        _key, token = make_key(None, operator, OPERATOR_SCOPES - {route.scope})
    entries = AuditEntry.objects.count()
    # when
    response = getattr(key_client(token), route.method)(_url(route), {}, format="json")
    # then
    assert response.status_code == 403, response.content
    assert response.json() == {"detail": f"This action needs the {route.scope} scope."}
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("route", [route for route in ROUTES if route.audience == "operator"], ids=str)
def test_tenant_key_gets_404_on_operator_routes(route: ApiRoute, acme_api: APIClient) -> None:
    # when
    response = getattr(acme_api, route.method)(_url(route), {}, format="json")
    # then: operator routes do not exist for tenants (so tenant ids cannot be probed)
    assert response.status_code == 404


@pytest.mark.parametrize("route", [route for route in ROUTES if route.audience == "tenant"], ids=str)
def test_operator_key_gets_403_on_tenant_routes(route: ApiRoute, operator_api: APIClient) -> None:
    # when
    response = getattr(operator_api, route.method)(_url(route), {}, format="json")
    # then
    assert response.status_code == 403

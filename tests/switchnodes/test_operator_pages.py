"""Operator pages and operator API of the switch: nodes, trunks, number pool, block list, a tenant's extensions."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from centrex.api.scopes import Scope
from telephony.directory import services as directory_services
from telephony.directory.models import PhoneNumber
from telephony.freeswitch import auth, services
from telephony.freeswitch.models import BlockedAddress, SwitchNode, Trunk
from tests.api.conftest import key_client, make_key
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def _secret(html: str) -> str:
    match = re.search(r'<code class="secret">([^<]+)</code>', html)
    assert match, "the page shows no secret"
    return match.group(1)


def test_operator_adds_node_and_sees_secret_once(operator_client):
    # when
    response = operator_client.post(
        reverse("switch:node-create"),
        {"name": "fs-1", "esl_host": "10.0.0.5", "esl_port": "8021", "allowed_addresses": "10.0.0.0/24"},
    )
    # then
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    secret = _secret(response.text)
    node = SwitchNode.objects.get(name="fs-1")
    assert node.xml_curl_secret_hash == auth.hash_secret(secret)
    listing = operator_client.get(reverse("switch:node-list"))
    detail = operator_client.get(reverse("switch:node-detail", args=[node.pk]))
    assert "fs-1" in listing.text and "Unknown" in listing.text
    assert secret not in detail.text and node.esl_password not in detail.text


def test_operator_add_node_public_address_shows_error(operator_client):
    # when
    response = operator_client.post(reverse("switch:node-create"), {"name": "fs-1", "esl_host": "8.8.8.8", "esl_port": "8021"})
    # then
    assert response.status_code == 200
    assert "private address" in response.text
    assert not SwitchNode.objects.exists()


def test_operator_edits_allowed_addresses_invalid_cidr_shows_error(operator_client):
    # given
    node, _credentials = services.check_create_node(actor=None, name="fs-1", esl_host="10.0.0.5")
    url = reverse("switch:node-detail", args=[node.pk])
    form = {"action": "update", "esl_host": "10.0.0.5", "esl_port": "8021", "is_active": "on"}
    # when
    bad = operator_client.post(url, {**form, "allowed_addresses": "10.0.0.0/99"})
    good = operator_client.post(url, {**form, "allowed_addresses": "10.0.0.5\n10.2.0.0/16"})
    # then
    assert bad.status_code == 200 and "10.0.0.0/99" in bad.text
    assert good.status_code == 302
    node.refresh_from_db()
    assert node.allowed_addresses == ["10.0.0.5/32", "10.2.0.0/16"]


def test_trunk_password_is_write_only(operator_client):
    # when
    operator_client.post(
        reverse("switch:trunk-create"),
        {
            "name": "carrier-a",
            "proxy": "sip.carrier.example",
            "port": "5060",
            "transport": "udp",
            "password": "Tr-s3cret-99",
            "priority": "10",
            "is_active": "on",
        },
    )
    trunk = Trunk.objects.get(name="carrier-a")
    page = operator_client.get(reverse("switch:trunk-detail", args=[trunk.pk]))
    # then the stored password is never sent back
    assert trunk.password == "Tr-s3cret-99"
    assert page.status_code == 200 and "Tr-s3cret-99" not in page.text
    # and saving the form without a password keeps it
    operator_client.post(
        reverse("switch:trunk-detail", args=[trunk.pk]),
        {"proxy": "sip2.carrier.example", "port": "5060", "transport": "udp", "priority": "5", "is_active": "on"},
    )
    trunk.refresh_from_db()
    assert (trunk.proxy, trunk.password) == ("sip2.carrier.example", "Tr-s3cret-99")


def test_operator_adds_number_and_assigns_it(operator_client, acme):
    # when
    added = operator_client.post(reverse("switch:number-add"), {"number": "030 1234567", "country": "DE"})
    number = PhoneNumber.objects.get()
    assigned = operator_client.post(reverse("switch:number-detail", args=[number.pk]), {"tenant": str(acme.tenant.pk)})
    # then
    assert added.status_code == 302 and assigned.status_code == 302
    number.refresh_from_db()
    assert str(number.number) == "+49301234567" and number.tenant == acme.tenant
    assert "+49 30 1234567" in operator_client.get(reverse("switch:number-pool")).text


def test_operator_adds_invalid_number_shows_error(operator_client):
    # when
    response = operator_client.post(reverse("switch:number-add"), {"number": "12"})
    # then
    assert response.status_code == 200 and "not a valid phone number" in response.text
    assert not PhoneNumber.objects.exists()


def test_operator_clears_blocked_address(operator_client):
    # given
    services.do_block_address(actor=None, address="203.0.113.9", failures=20, reason="failed registrations")
    # when
    listing = operator_client.get(reverse("switch:block-list"))
    blocked = BlockedAddress.objects.get()
    response = operator_client.post(reverse("switch:block-list"), {"blocked_id": str(blocked.pk)})
    # then
    assert "203.0.113.9" in listing.text
    assert response.status_code == 302 and not BlockedAddress.objects.exists()


def test_operator_sees_tenant_extensions_read_only(operator_client, acme):
    # given
    extension = directory_services.check_create_extension(acme.tenant, actor=None, number="1001", display_name="Anna Acme")
    directory_services.check_create_device(acme.tenant, actor=None, extension=extension)
    # when
    response = operator_client.get(reverse("switch:tenant-extensions", args=[acme.tenant.pk]))
    # then
    assert response.status_code == 200 and "Anna Acme" in response.text and "not registered" in response.text
    assert '<form method="post"' not in response.text
    # and the operator's tenant page links to it
    tenant_page = operator_client.get(reverse("operator:tenant-detail", kwargs={"tenant_id": acme.tenant.pk}))
    assert reverse("switch:tenant-extensions", args=[acme.tenant.pk]) in tenant_page.text


@pytest.mark.parametrize("name", ["switch:node-list", "switch:trunk-list", "switch:number-pool", "switch:block-list"])
def test_operator_pages_refuse_tenant_admins(acme, name):
    # when
    response = logged_in(acme.admin).get(reverse(name))
    # then
    assert response.status_code == 403


# --- operator API ---------------------------------------------------------------------
@pytest.fixture
def ops_api(operator):
    return key_client(make_key(None, operator, [Scope.PLATFORM_READ, Scope.PLATFORM_WRITE])[1])


def test_api_create_node_returns_secret_once(ops_api):
    # when
    created = ops_api.post("/api/v1/operator/switch-nodes/", {"name": "fs-1", "esl_host": "10.0.0.5"}, format="json")
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    node = SwitchNode.objects.get(pk=body["id"])
    assert node.xml_curl_secret_hash == auth.hash_secret(body["xml_curl_secret"])
    assert body["generated_esl_password"] == node.esl_password
    shown = ops_api.get(f"/api/v1/operator/switch-nodes/{node.pk}/").json()
    assert "xml_curl_secret" not in shown and "esl_password" not in shown


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "fs-1", "esl_host": "8.8.8.8"}, "esl_host"),
        ({"name": "fs-1", "esl_host": "10.0.0.5", "esl_password": "ClueCon"}, "esl_password"),
        ({"name": "fs-1", "esl_host": "10.0.0.5", "allowed_addresses": ["10.0.0.0/40"]}, "allowed_addresses"),
    ],
)
def test_api_create_node_bad_input_answers_400(ops_api, payload, field):
    # when
    response = ops_api.post("/api/v1/operator/switch-nodes/", payload, format="json")
    # then
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not SwitchNode.objects.exists()


def test_api_trunk_password_never_returned(ops_api):
    # when
    created = ops_api.post(
        "/api/v1/operator/trunks/",
        {"name": "carrier-a", "proxy": "sip.carrier.example", "password": "Tr-s3cret-99"},
        format="json",
    )
    # then
    assert created.status_code == 201, created.content
    assert "password" not in created.json()
    assert "Tr-s3cret-99" not in ops_api.get("/api/v1/operator/trunks/").content.decode()


def test_api_number_pool_add_and_assign(ops_api, acme):
    # when
    created = ops_api.post("/api/v1/operator/phone-numbers/", {"number": "030 1234567"}, format="json")
    assigned = ops_api.post(
        f"/api/v1/operator/phone-numbers/{created.json()['id']}/assign/", {"tenant": str(acme.tenant.pk)}, format="json"
    )
    # then
    assert created.status_code == 201 and created.json()["number"] == "+49301234567"
    assert assigned.status_code == 200 and assigned.json()["tenant"] == str(acme.tenant.pk)


def test_api_clear_blocked_address(ops_api):
    # given
    blocked = services.do_block_address(actor=None, address="203.0.113.9", failures=20)
    # when
    response = ops_api.delete(f"/api/v1/operator/blocked-addresses/{blocked.pk}/")
    # then
    assert response.status_code == 204 and not BlockedAddress.objects.exists()


def test_api_operator_resources_do_not_exist_for_tenant_keys(acme):
    # given a node and a tenant key with every directory scope
    node, _credentials = services.check_create_node(actor=None, name="fs-1", esl_host="10.0.0.5")
    client = key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ, Scope.DIRECTORY_WRITE])[1])
    # when
    listing = client.get("/api/v1/operator/switch-nodes/")
    rotate = client.post(f"/api/v1/operator/switch-nodes/{node.pk}/rotate-secret/")
    # then operator routes answer as if they did not exist, and nothing changed
    assert (listing.status_code, rotate.status_code) == (404, 404)
    assert SwitchNode.objects.get(pk=node.pk).xml_curl_secret_hash == node.xml_curl_secret_hash


def test_api_read_scope_cannot_create_node(operator):
    # given
    client = key_client(make_key(None, operator, [Scope.PLATFORM_READ])[1])
    # when
    response = client.post("/api/v1/operator/switch-nodes/", {"name": "fs-1", "esl_host": "10.0.0.5"}, format="json")
    # then
    assert response.status_code == 403 and not SwitchNode.objects.exists()

"""Switch registry services: nodes (credentials, ESL rules, allowed addresses), trunks, the block list."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError

from telephony.freeswitch import auth, cache, services
from telephony.freeswitch.models import BlockedAddress, SwitchNode, Trunk
from tenants.models import AuditEntry

pytestmark = pytest.mark.django_db


def make_node(**fields: object) -> tuple[SwitchNode, services.NodeCredentials]:
    fields.setdefault("name", "fs-1")
    fields.setdefault("esl_host", "10.0.0.5")
    return services.check_create_node(actor=None, **fields)


def test_create_node_generates_secret_and_esl_password_stores_only_hash():
    # when
    node, credentials = make_node(allowed_addresses=["10.0.0.0/24", "192.168.1.7"])
    # then
    stored = SwitchNode.objects.get(pk=node.pk)
    assert stored.xml_curl_username == credentials.xml_curl_username
    assert stored.xml_curl_secret_hash == hashlib.sha256(credentials.xml_curl_secret.encode()).hexdigest()
    assert len(credentials.xml_curl_secret) >= 32
    assert credentials.esl_password and len(credentials.esl_password) >= 16 and stored.esl_password == credentials.esl_password
    assert stored.allowed_addresses == ["10.0.0.0/24", "192.168.1.7/32"]
    assert not AuditEntry.objects.filter(after__icontains=credentials.xml_curl_secret).exists()


def test_create_node_without_allowed_addresses_allows_its_esl_address():
    # when
    node, _credentials = make_node()
    # then
    assert node.allowed_addresses == ["10.0.0.5/32"]
    assert auth.address_allowed("10.0.0.5", node.allowed_addresses)
    assert not auth.address_allowed("10.0.0.6", node.allowed_addresses)


@pytest.mark.parametrize("host", ["8.8.8.8", "2001:4860:4860::8888", "not-an-address", "fs.example.com"])
def test_create_node_with_public_or_bad_esl_address_is_refused(host):
    # when
    with pytest.raises(ValidationError) as error:
        make_node(esl_host=host)
    # then
    assert "esl_host" in error.value.message_dict
    assert not SwitchNode.objects.exists()


@pytest.mark.parametrize("password", ["ClueCon", "cluecon", "short-password", "has spaces in the password"])
def test_create_node_with_weak_esl_password_is_refused(password):
    # when
    with pytest.raises(ValidationError) as error:
        make_node(esl_password=password)
    # then
    assert "esl_password" in error.value.message_dict
    assert not SwitchNode.objects.exists()


@pytest.mark.parametrize("addresses", [["10.0.0.0/33"], ["10.0.0.1/24"], ["banana"], ["10.0.0.0/24", "300.1.1.1"]])
def test_create_node_with_invalid_cidr_is_refused(addresses):
    # when
    with pytest.raises(ValidationError) as error:
        make_node(allowed_addresses=addresses)
    # then
    assert "allowed_addresses" in error.value.message_dict
    assert not SwitchNode.objects.exists()


def test_create_node_duplicate_name_is_refused():
    # given
    make_node()
    # when / then
    with pytest.raises(ValidationError):
        make_node(esl_host="10.0.0.6")
    assert SwitchNode.objects.count() == 1


def test_update_node_allowed_addresses_and_invalid_change_keeps_old(django_capture_on_commit_callbacks):
    # given
    node, _credentials = make_node()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.check_update_node(actor=None, node=node, allowed_addresses="10.0.0.5\n10.1.0.0/16")
    # then
    node.refresh_from_db()
    assert node.allowed_addresses == ["10.0.0.5/32", "10.1.0.0/16"]
    with pytest.raises(ValidationError):
        services.check_update_node(actor=None, node=node, allowed_addresses="10.0.0.5, nonsense")
    with pytest.raises(ValidationError):
        services.check_update_node(actor=None, node=node, allowed_addresses="")
    node.refresh_from_db()
    assert node.allowed_addresses == ["10.0.0.5/32", "10.1.0.0/16"]


def test_rotate_node_secret_replaces_hash():
    # given
    node, credentials = make_node()
    # when
    secret = services.do_rotate_node_secret(actor=None, node=node)
    # then
    node.refresh_from_db()
    assert secret != credentials.xml_curl_secret
    assert node.xml_curl_secret_hash == auth.hash_secret(secret)


def test_create_trunk_and_update_keeps_password_when_empty(django_capture_on_commit_callbacks):
    # given a cached sofia.conf
    cache.set_configuration("sofia.conf", "<document/>")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        trunk = services.check_create_trunk(
            actor=None, name="Carrier-A", proxy="sip.carrier.example", username="acc1", password="s3cret-pass", register=True
        )
    # then the trunk is stored and the gateway configuration is dropped for the next load
    assert (trunk.name, trunk.password) == ("carrier-a", "s3cret-pass")
    assert cache.get_configuration("sofia.conf") is None
    services.check_update_trunk(actor=None, trunk=trunk, password="", port=5080)
    trunk.refresh_from_db()
    assert (trunk.password, trunk.port) == ("s3cret-pass", 5080)
    assert not AuditEntry.objects.filter(after__icontains="s3cret-pass").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"proxy": "bad host name!"}, "proxy"),
        ({"proxy": "sip.example", "port": 70000}, "port"),
        ({"proxy": "sip.example", "transport": "sctp"}, "transport"),
        ({"proxy": "sip.example", "register": True}, "register"),
    ],
)
def test_create_trunk_bad_input_is_refused(fields, field):
    # when
    with pytest.raises(ValidationError) as error:
        services.check_create_trunk(actor=None, name="carrier", **fields)
    # then
    assert field in error.value.message_dict
    assert not Trunk.objects.exists()


def test_block_and_clear_address_reload_acl(django_capture_on_commit_callbacks):
    # given a cached acl.conf
    cache.set_configuration("acl.conf", "<document/>")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        blocked = services.do_block_address(actor=None, address="203.0.113.9", failures=12, reason="failed registrations")
    # then
    assert cache.get_configuration("acl.conf") is None
    cache.set_configuration("acl.conf", "<document/>")
    with django_capture_on_commit_callbacks(execute=True):
        services.do_clear_blocked_address(actor=None, blocked=blocked)
    assert not BlockedAddress.objects.exists()
    assert cache.get_configuration("acl.conf") is None
    assert AuditEntry.objects.filter(action="blocked_address.clear", object_repr="203.0.113.9").exists()


def test_node_changes_reload_the_acl_with_the_node_addresses(django_capture_on_commit_callbacks):
    # given a cached acl.conf
    cache.set_configuration("acl.conf", "<document/>")
    # when a node is added
    with django_capture_on_commit_callbacks(execute=True):
        node, _credentials = make_node(allowed_addresses="10.2.0.0/24")
    # then the cached acl.conf is dropped and the next one lists the node's network
    assert cache.get_configuration("acl.conf") is None
    from telephony.freeswitch.configuration import render_acl

    assert '<node type="allow" cidr="10.2.0.0/24"' in render_acl()
    # and a change of its addresses and its deletion drop it again
    for change in (
        lambda: services.check_update_node(actor=None, node=node, allowed_addresses="10.3.0.0/24"),
        lambda: services.do_delete_node(actor=None, node=node),
    ):
        cache.set_configuration("acl.conf", "<document/>")
        with django_capture_on_commit_callbacks(execute=True):
            change()
        assert cache.get_configuration("acl.conf") is None
    assert "10.3.0.0/24" not in render_acl()

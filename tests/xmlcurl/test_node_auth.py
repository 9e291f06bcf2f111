"""Only known nodes, from their own addresses, get answers; everything else is 401 and logged."""

from __future__ import annotations

import base64
import logging

import pytest
from django.test import Client

from telephony.freeswitch import cache, services
from tests.xmlcurl.conftest import make_node, recorded


def assert_refused(response, caplog, reason: str) -> None:
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="freeswitch"'
    assert b"a1-hash" not in response.content
    assert any(reason in record.getMessage() for record in caplog.records if record.levelno == logging.WARNING)


def test_wrong_secret_is_refused(tenant_a, node, post_xml, caplog, django_assert_max_num_queries):
    # when the node's user name comes with a wrong secret
    with django_assert_max_num_queries(1):
        response = post_xml(recorded("directory_register.txt"), authorization=node.authorization("not-the-secret"))

    # then 401, logged, and nothing cached for the tenant
    assert_refused(response, caplog, "bad credentials")
    assert cache.get_directory(str(tenant_a.tenant.pk), "1001") is None
    assert cache.get_domain("tenant-a.example") is None


def test_wrong_source_address_is_refused(tenant_a, node, post_xml, caplog):
    # when the right credentials come from an address the node does not call from
    response = post_xml(recorded("directory_register.txt"), address="203.0.113.9")

    # then 401 and logged
    assert_refused(response, caplog, "address not allowed")
    assert cache.get_directory(str(tenant_a.tenant.pk), "1001") is None


def test_missing_credentials_are_refused(tenant_a, post_xml, caplog):
    # when the recorded body comes without Authorization, as the capture server received it
    response = post_xml(recorded("directory_register.txt"), authorization="")

    # then 401
    assert_refused(response, caplog, "no credentials")


@pytest.mark.parametrize("header", ["Bearer abc", "Basic !!!not-base64", "Basic " + base64.b64encode(b"no-colon").decode()])
def test_malformed_credentials_are_refused(tenant_a, post_xml, caplog, header):
    response = post_xml(recorded("directory_register.txt"), authorization=header)

    assert_refused(response, caplog, "no credentials")


def test_unknown_node_name_is_refused(tenant_a, node, post_xml, caplog):
    # when a name no node has is used
    header = "Basic " + base64.b64encode(f"intruder:{node.secret}".encode()).decode()
    response = post_xml(recorded("directory_register.txt"), authorization=header)

    # then 401
    assert_refused(response, caplog, "bad credentials")


def test_inactive_node_is_refused(tenant_a, db, caplog):
    # given a node that was switched off
    other = make_node("fs2", "10.20.0.6")
    services.check_update_node(actor=None, node=other.node, is_active=False)

    # when it asks
    response = Client().post(
        "/freeswitch/xml/",
        data=recorded("directory_register.txt"),
        content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR="10.20.0.6",
        HTTP_AUTHORIZATION=other.authorization(),
    )

    # then 401
    assert_refused(response, caplog, "bad credentials")


def test_other_allowed_network_is_accepted(tenant_a, post_xml):
    # when the node calls from another address inside its allowed network
    response = post_xml(recorded("directory_register.txt"), address="192.0.2.2")

    # then it is answered
    assert response.status_code == 200
    assert b"a1-hash" in response.content


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\x00garbage", b"", b"section", b"hostname=vm&tag_name=domain", b"a=1&" * 2000],
    ids=["not-utf8", "empty", "no-pairs", "no-section", "too-many-fields"],
)
def test_malformed_post_is_400_and_changes_nothing(tenant_a, post_xml, body):
    # when the node posts something that is not an xml_curl request
    response = post_xml(body)

    # then a clear 400, nothing looked up or cached
    assert response.status_code == 400
    assert cache.get_domain("tenant-a.example") is None


def test_unknown_section_answers_not_found(tenant_a, post_xml):
    response = post_xml(b"hostname=vm&section=phrases&tag_name=&key_name=&key_value=")

    assert response.status_code == 200
    assert b'status="not found"' in response.content


def test_get_is_not_allowed(tenant_a):
    response = Client().get("/freeswitch/xml/", REMOTE_ADDR="10.20.0.5")

    assert response.status_code == 405

"""The configuration section: sofia.conf with the trunks, acl.conf with the block list; the rest not found."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from telephony.freeswitch import services
from tests.xmlcurl.conftest import recorded
from tests.xmlcurl.test_directory import is_not_found, params_of, with_fields

NOT_SERVED = [
    "configuration_event_socket.txt",
    "configuration_conference.txt",
    "configuration_conference_controls.txt",
    "configuration_conference_presence.txt",
    "configuration_callcenter.txt",
    "configuration_voicemail.txt",
    "configuration_ivr.txt",
]


def add_trunks(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.check_create_trunk(
            actor=None, name="carrier-a", proxy="198.51.100.10", username="acct1", password="trunk-secret-1", register=True
        )
        services.check_create_trunk(
            actor=None, name="carrier-b", proxy="sip.carrier-b.example", port=5061, transport="tls", priority=20
        )
        services.check_create_trunk(actor=None, name="carrier-off", proxy="198.51.100.99", is_active=False)


def document(response) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.content)


def configuration(response, name: str) -> ET.Element:
    root = document(response).find(f"section[@name='configuration']/configuration[@name='{name}']")
    assert root is not None, response.content
    return root


@pytest.mark.parametrize("body", ["configuration_sofia.txt", "configuration_sofia_profile.txt"])
def test_sofia_recorded_answers_profiles_with_trunks_as_gateways(db, node, post_xml, django_capture_on_commit_callbacks, body):
    # given two active trunks and an inactive one
    add_trunks(django_capture_on_commit_callbacks)

    # when mod_sofia loads / starts a profile
    sofia = configuration(post_xml(recorded(body)), "sofia.conf")

    # then both shipped profiles are served, with the active trunks on the external profile only
    profiles = {profile.get("name"): profile for profile in sofia.findall("profiles/profile")}
    assert set(profiles) == {"internal", "external"}
    assert profiles["internal"].find("gateways/gateway") is None
    gateways = {gateway.get("name"): params_of(gateway) for gateway in profiles["external"].findall("gateways/gateway")}
    assert set(gateways) == {"carrier-a", "carrier-b"}
    assert gateways["carrier-a"]["proxy"] == "198.51.100.10:5060"
    assert gateways["carrier-a"]["password"] == "trunk-secret-1"
    assert gateways["carrier-a"]["register"] == "true"
    assert gateways["carrier-b"]["register-transport"] == "tls"
    assert "password" not in gateways["carrier-b"]
    # and the global settings keep the registration threads
    assert params_of(sofia.find("global_settings"))["max-reg-threads"] == "16"
    assert params_of(profiles["internal"].find("settings"))["inbound-reg-in-new-thread"] == "true"


def test_sofia_answer_is_cached_and_dropped_by_sync(
    db, node, post_xml, django_capture_on_commit_callbacks, django_assert_num_queries
):
    # given sofia.conf served once (node credentials and the document now cached)
    add_trunks(django_capture_on_commit_callbacks)
    post_xml(recorded("configuration_sofia.txt"))
    with django_assert_num_queries(0):
        post_xml(recorded("configuration_sofia.txt"))

    # when a trunk is added and the change synced
    with django_capture_on_commit_callbacks(execute=True):
        services.check_create_trunk(actor=None, name="carrier-c", proxy="198.51.100.30")

    # then the next answer has it
    sofia = configuration(post_xml(recorded("configuration_sofia.txt")), "sofia.conf")
    assert "carrier-c" in {gateway.get("name") for gateway in sofia.iter("gateway")}


def test_acl_answers_block_list_trunks_and_nodes(db, node, post_xml, django_capture_on_commit_callbacks):
    # given a blocked address and trunks
    add_trunks(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.do_block_address(actor=None, address="203.0.113.66", failures=20, reason="REGISTER flood")

    # when the core loads acl.conf (the recorded bare module-load lookup, for acl.conf)
    acl = configuration(post_xml(with_fields("configuration_event_socket.txt", key_value="acl.conf")), "acl.conf")

    # then the lists are filled in
    lists = {item.get("name"): item for item in acl.findall("network-lists/list")}
    assert lists["centrex-blocked"].get("default") == "allow"
    assert [(n.get("type"), n.get("cidr")) for n in lists["centrex-blocked"]] == [("deny", "203.0.113.66/32")]
    assert lists["centrex-trunks"].get("default") == "deny"
    assert [n.get("cidr") for n in lists["centrex-trunks"]] == ["198.51.100.10/32"]
    assert lists["centrex-esl"].find("node").get("cidr") == "$${centrex_esl_allow}"
    assert {n.get("cidr") for n in lists["centrex-nodes"]} == {"10.20.0.5/32", "192.0.2.0/24"}


def test_block_list_change_is_served_after_sync(db, node, post_xml, django_capture_on_commit_callbacks):
    body = with_fields("configuration_event_socket.txt", key_value="acl.conf")
    before = configuration(post_xml(body), "acl.conf")
    assert before.find("network-lists/list[@name='centrex-blocked']/node") is None

    with django_capture_on_commit_callbacks(execute=True):
        services.do_block_address(actor=None, address="2001:db8::7")

    after = configuration(post_xml(body), "acl.conf")
    assert after.find("network-lists/list[@name='centrex-blocked']/node").get("cidr") == "2001:db8::7/128"


@pytest.mark.parametrize("body", NOT_SERVED)
def test_other_configurations_recorded_answer_not_found(db, node, post_xml, body):
    # when a module asks for a configuration the control plane does not serve (yet)
    response = post_xml(recorded(body))

    # then "not found": the node reads its own file
    assert is_not_found(document(response))

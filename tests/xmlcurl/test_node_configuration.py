"""The node configuration shipped in deploy/freeswitch/: well-formed, and the settings that matter are set."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "deploy" / "freeswitch" / "conf"
FILES = sorted(CONF.rglob("*.xml"))


def params(path: str, parent: str = ".//settings") -> dict[str, str]:
    root = ET.parse(CONF / path).getroot()
    node = root.find(parent) if parent else root
    return {p.get("name"): p.get("value") for p in node.findall("param")}


def test_configuration_files_are_shipped():
    names = {str(path.relative_to(CONF)) for path in FILES}
    assert {
        "freeswitch.xml",
        "vars.xml",
        "autoload_configs/modules.conf.xml",
        "autoload_configs/xml_curl.conf.xml",
        "autoload_configs/event_socket.conf.xml",
        "autoload_configs/json_cdr.conf.xml",
        "autoload_configs/acl.conf.xml",
        "autoload_configs/sofia.conf.xml",
        "autoload_configs/switch.conf.xml",
        "sip_profiles/internal.xml",
        "sip_profiles/external.xml",
    } <= names


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(CONF)))
def test_every_file_is_well_formed(path):
    ET.parse(path)


def test_no_static_users_or_dialplan():
    root = ET.parse(CONF / "freeswitch.xml").getroot()
    for section in ("directory", "dialplan"):
        element = root.find(f"section[@name='{section}']")
        assert element is not None and len(element) == 0


def test_modules_load_control_plane_modules_first():
    modules = [m.get("module") for m in ET.parse(CONF / "autoload_configs/modules.conf.xml").getroot().iter("load")]
    for needed in ("mod_xml_curl", "mod_event_socket", "mod_json_cdr", "mod_sofia", "mod_dialplan_xml", "mod_loopback"):
        assert needed in modules
    assert modules.index("mod_xml_curl") < modules.index("mod_sofia")


def test_xml_curl_binds_every_section_with_basic_auth_and_timeouts():
    root = ET.parse(CONF / "autoload_configs/xml_curl.conf.xml").getroot()
    sections = set()
    for binding in root.iter("binding"):
        values = {p.get("name"): p for p in binding.findall("param")}
        url = values["gateway-url"]
        assert url.get("value") == "$${centrex_url}/freeswitch/xml/"
        sections.add(url.get("bindings"))
        assert values["gateway-credentials"].get("value") == "$${centrex_node_user}:$${centrex_node_secret}"
        assert values["auth-scheme"].get("value") == "basic"
        assert 0 < int(values["timeout"].get("value")) <= 10
    assert sections == {"directory", "dialplan", "configuration"}


def test_event_socket_private_address_and_password_from_variables():
    settings = params("autoload_configs/event_socket.conf.xml")
    assert settings["listen-ip"] == "$${centrex_esl_listen_ip}"
    assert settings["password"] == "$${centrex_esl_password}"
    assert settings["password"] != "ClueCon"
    assert settings["apply-inbound-acl"] == "centrex-esl"


def test_json_cdr_posts_raw_json_of_both_legs_to_the_control_plane():
    settings = params("autoload_configs/json_cdr.conf.xml")
    assert settings["url"] == "$${centrex_url}/freeswitch/cdr/"
    assert settings["cred"] == "$${centrex_node_user}:$${centrex_node_secret}"
    assert settings["encode"] == "false"
    assert settings["log-b-leg"] == "true"
    assert int(settings["retries"]) > 0


def test_acl_fallback_lists_exist():
    root = ET.parse(CONF / "autoload_configs/acl.conf.xml").getroot()
    lists = {item.get("name"): item.get("default") for item in root.iter("list")}
    assert lists == {"centrex-blocked": "allow", "centrex-trunks": "deny", "centrex-esl": "deny"}


def test_internal_profile_transports_and_registration_settings():
    settings = params("sip_profiles/internal.xml")
    assert settings["sip-port"] == "$${internal_sip_port}"
    assert settings["tls"] == "true"
    assert settings["tls-sip-port"] == "$${internal_tls_port}"
    assert settings["wss-binding"] == ":$${internal_wss_port}"
    assert settings["inbound-reg-in-new-thread"] == "true"
    assert settings["challenge-realm"] == "auto_from"
    assert settings["auth-calls"] == "true"
    assert settings["accept-blind-reg"] == "false"
    assert "force-register-domain" not in settings
    assert "force-register-db-domain" not in settings
    variables = {}
    for element in ET.parse(CONF / "vars.xml").getroot().iter("X-PRE-PROCESS"):
        if element.get("cmd") == "set":
            name, _, value = element.get("data").partition("=")
            variables[name] = value
    assert (variables["internal_sip_port"], variables["internal_tls_port"], variables["internal_wss_port"]) == (
        "5060",
        "5061",
        "7443",
    )


def test_external_profile_trusts_only_trunk_addresses():
    settings = params("sip_profiles/external.xml")
    assert settings["apply-inbound-acl"] == "centrex-trunks"
    assert settings["context"] == "public"


def test_sofia_sets_registration_threads():
    assert int(params("autoload_configs/sofia.conf.xml", ".//global_settings")["max-reg-threads"]) >= 4


def test_switch_raises_session_limits():
    settings = params("autoload_configs/switch.conf.xml")
    assert int(settings["max-sessions"]) > 1000
    assert int(settings["sessions-per-second"]) > 30

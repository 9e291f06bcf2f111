"""The ``configuration`` section of xml_curl: ``sofia.conf`` with the trunks, and ``acl.conf``.

- ``sofia.conf``: the node's SIP profiles exactly as shipped in ``deploy/freeswitch/conf``
  (read from there, so the static fallback and the served document cannot drift apart), with
  one gateway per active trunk on the ``external`` profile. Trunk passwords appear only here,
  in the document sent to an authenticated node.
- ``acl.conf``: ``centrex-blocked`` (allow all but the block list; every device is checked
  against it through its ``auth-acl``), ``centrex-trunks`` (the trunks' addresses, trusted on
  the external profile), ``centrex-esl`` (who may use the event socket) and ``centrex-nodes``
  (the nodes themselves).

Every other configuration is "not found", on which the node reads its own file. Rendered
documents are cached and dropped by ``sync.schedule_sync(gateways=True / acl=True)``.
"""

from __future__ import annotations

import functools
import ipaddress
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from telephony.freeswitch import cache
from telephony.freeswitch.xmlcurl import NOT_FOUND_DOCUMENT

if TYPE_CHECKING:
    from telephony.freeswitch.models import Trunk

EXTERNAL_PROFILE = "external"
BLOCK_LIST_ACL = "centrex-blocked"
TRUNKS_ACL = "centrex-trunks"
ESL_ACL = "centrex-esl"
NODES_ACL = "centrex-nodes"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'


def conf_dir() -> Path:
    return Path(getattr(settings, "FREESWITCH_CONF_DIR", settings.BASE_DIR / "deploy" / "freeswitch" / "conf"))


def answer_configuration(params: Mapping[str, str]) -> str:
    """The configuration document asked for, or ``not found`` for the ones the node keeps in files."""
    if params.get("key_name") != "name":
        return NOT_FOUND_DOCUMENT
    name = params.get("key_value", "")
    renderer = RENDERERS.get(name)
    if renderer is None:
        return NOT_FOUND_DOCUMENT
    document = cache.get_configuration(name)
    if document is None:
        document = renderer()
        cache.set_configuration(name, document)
    return document


def _document(configuration: ET.Element) -> str:
    document = ET.Element("document", type="freeswitch/xml")
    section = ET.SubElement(document, "section", name="configuration")
    section.append(configuration)
    ET.indent(document)
    return _HEAD + ET.tostring(document, encoding="unicode") + "\n"


def _param(parent: ET.Element, name: str, value: object) -> None:
    ET.SubElement(parent, "param", name=name, value=str(value))


# --- sofia.conf -----------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _sofia_template() -> bytes:
    """sofia.conf.xml with its profile includes resolved, as shipped for the nodes."""
    base = conf_dir()
    root = ET.parse(base / "autoload_configs" / "sofia.conf.xml").getroot()  # noqa: S314 - our own shipped file
    profiles = root.find("profiles")
    if profiles is None:
        raise ValueError("sofia.conf.xml has no <profiles>")
    for include in list(profiles):
        profiles.remove(include)
    for path in sorted((base / "sip_profiles").glob("*.xml")):
        profiles.append(ET.parse(path).getroot())  # noqa: S314 - our own shipped files
    return ET.tostring(root)


def _gateway(trunk: Trunk) -> ET.Element:
    gateway = ET.Element("gateway", name=trunk.name)
    _param(gateway, "proxy", f"{trunk.proxy}:{trunk.port}")
    _param(gateway, "realm", trunk.realm or trunk.proxy)
    # sofia requires a user name even for trunks that authenticate by address.
    _param(gateway, "username", trunk.username or "centrex")
    if trunk.password:
        _param(gateway, "password", trunk.password)
    _param(gateway, "register", "true" if trunk.register else "false")
    _param(gateway, "register-transport", trunk.transport)
    _param(gateway, "caller-id-in-from", "true")
    _param(gateway, "expire-seconds", 600)
    _param(gateway, "retry-seconds", 30)
    # OPTIONS pings mark a dead carrier down, so calls move on to the next trunk.
    _param(gateway, "ping", 30)
    return gateway


def render_sofia() -> str:
    from telephony.freeswitch.models import Trunk

    root = ET.fromstring(_sofia_template())  # noqa: S314 - parsed from our own files above
    root.set("description", "SIP profiles and trunks (served by Centrex)")
    external = root.find(f"profiles/profile[@name='{EXTERNAL_PROFILE}']")
    if external is None:
        raise ValueError("the shipped sofia profiles have no external profile")
    gateways = external.find("gateways")
    if gateways is None:
        gateways = ET.SubElement(external, "gateways")
    for trunk in Trunk.objects.filter(is_active=True).order_by("priority", "name"):
        gateways.append(_gateway(trunk))
    return _document(root)


# --- acl.conf -------------------------------------------------------------------------
def _cidr(address: str) -> str | None:
    try:
        return str(ipaddress.ip_network(address, strict=False))
    except ValueError:
        return None


def _network_list(parent: ET.Element, name: str, default: str, entries: Sequence[tuple[str, str]]) -> None:
    network_list = ET.SubElement(parent, "list", name=name, default=default)
    for kind, cidr in entries:
        ET.SubElement(network_list, "node", type=kind, cidr=cidr)


def render_acl() -> str:
    from telephony.freeswitch.models import BlockedAddress, SwitchNode, Trunk

    blocked = [cidr for cidr in map(_cidr, BlockedAddress.objects.values_list("address", flat=True)) if cidr]
    # A trunk given by host name cannot be listed by address; its calls are then challenged.
    trunks = [cidr for cidr in map(_cidr, Trunk.objects.filter(is_active=True).values_list("proxy", flat=True)) if cidr]
    nodes: list[str] = []
    for host, allowed in SwitchNode.objects.filter(is_active=True).values_list("esl_host", "allowed_addresses"):
        nodes.extend(cidr for cidr in map(_cidr, [host, *(allowed or [])]) if cidr)

    configuration = ET.Element("configuration", name="acl.conf", description="Network lists (served by Centrex)")
    lists = ET.SubElement(configuration, "network-lists")
    _network_list(lists, BLOCK_LIST_ACL, "allow", [("deny", cidr) for cidr in sorted(set(blocked))])
    _network_list(lists, TRUNKS_ACL, "deny", [("allow", cidr) for cidr in sorted(set(trunks))])
    # The event socket's allowed network is the node's own setting (vars.xml), expanded on the node.
    _network_list(lists, ESL_ACL, "deny", [("allow", "$${centrex_esl_allow}")])
    _network_list(lists, NODES_ACL, "deny", [("allow", cidr) for cidr in sorted(set(nodes))])
    return _document(configuration)


RENDERERS: dict[str, Callable[[], str]] = {"sofia.conf": render_sofia, "acl.conf": render_acl}

"""Writes of the platform's switch registry: nodes, SIP trunks and the SIP block list (operators).

Platform-wide data: no tenant, audit entries carry ``tenant=None``. Each function validates,
writes in a transaction, audits, and schedules its side effects after commit (trunk changes
rescan the nodes' gateways, block-list changes reload their ACL, node changes drop the node's
cached credentials).

Secrets: a node's xml_curl secret is generated, shown once and stored as SHA-256; the ESL
password is needed in clear to reach the node, so it must be strong and never "ClueCon"
(FreeSWITCH's default); trunk passwords are write-only (never rendered back).
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from telephony.freeswitch import cache
from telephony.freeswitch.auth import drop_node, hash_secret
from telephony.freeswitch.choices import Transport
from telephony.freeswitch.models import BlockedAddress, SwitchNode, Trunk
from telephony.freeswitch.sync import schedule_sync
from tenants import audit
from tenants.models import User

NODE_FIELDS = ["name", "description", "esl_host", "esl_port", "xml_curl_username", "allowed_addresses", "is_active"]
TRUNK_FIELDS = ["name", "proxy", "port", "transport", "realm", "username", "register", "priority", "is_active"]
MIN_ESL_PASSWORD_LENGTH = 16
DEFAULT_ESL_PASSWORD = "clueCon"
hostname_re = re.compile(r"^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$")


@dataclass(frozen=True)
class NodeCredentials:
    """What the operator must put into the node's configuration: shown once, then only hashes remain."""

    xml_curl_username: str
    xml_curl_secret: str
    esl_password: str | None  # only when it was generated


# --- validation -----------------------------------------------------------------------
def normalise_networks(values: Iterable[str] | str, *, field: str = "allowed_addresses") -> list[str]:
    """Addresses and networks (``10.0.0.5``, ``10.0.0.0/24``, IPv6 alike) in canonical CIDR form.

    A string is split at commas, spaces and line breaks (the portal's text area).
    """
    if isinstance(values, str):
        values = re.split(r"[\s,;]+", values)
    networks: list[str] = []
    errors: list[str] = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            network = ipaddress.ip_network(text, strict=True)
        except ValueError:
            errors.append(_("%(value)s is not an IP address or network (CIDR, e.g. 10.0.0.0/24).") % {"value": text})
            continue
        if str(network) not in networks:
            networks.append(str(network))
    if errors:
        raise ValidationError({field: errors})
    return networks


def _check_esl_host(value: str) -> str:
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError as exc:
        raise ValidationError({"esl_host": _("Enter an IP address.")}) from exc
    if not address.is_private:
        # The event socket controls the whole switch: it must never face the internet.
        raise ValidationError({"esl_host": _("The event socket must listen on a private address (e.g. 10.0.0.5).")})
    return str(address)


def _check_esl_password(value: str) -> None:
    if value.lower() == DEFAULT_ESL_PASSWORD.lower():
        raise ValidationError({"esl_password": _("ClueCon is FreeSWITCH's well-known default: choose another password.")})
    if len(value) < MIN_ESL_PASSWORD_LENGTH:
        raise ValidationError(
            {"esl_password": _("The ESL password needs at least %(count)s characters.") % {"count": MIN_ESL_PASSWORD_LENGTH}}
        )
    if any(ord(char) < 33 or ord(char) > 126 for char in value):
        raise ValidationError({"esl_password": _("Use printable characters without spaces.")})


def _check_port(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValidationError({field: _("Enter a port from 1 to 65535.")})
    return value


def _node_snapshot(node: SwitchNode) -> dict[str, Any]:
    values = audit.snapshot(node, [field for field in NODE_FIELDS if field != "allowed_addresses"])
    return {**values, "allowed_addresses": list(node.allowed_addresses)}


def _after_commit_drop(username: str) -> None:
    transaction.on_commit(lambda: drop_node(username))


def _after_commit_drop_acl() -> None:
    """The nodes' addresses are a list in acl.conf (``centrex-nodes``): serve it afresh on the next load.

    No profile applies that list yet, so the nodes are not told to ``reloadacl`` now; they pick the
    new list up with the next block-list or trunk change.
    """
    transaction.on_commit(lambda: cache.drop_configuration(["acl.conf"]))


# --- nodes ----------------------------------------------------------------------------
@transaction.atomic
def check_create_node(
    *,
    actor: User | None,
    name: str,
    esl_host: str,
    esl_port: int = 8021,
    esl_password: str | None = None,
    allowed_addresses: Iterable[str] | str = (),
    description: str = "",
) -> tuple[SwitchNode, NodeCredentials]:
    """Register a FreeSWITCH node and generate its xml_curl credentials (and ESL password unless given).

    Without ``allowed_addresses`` the node may call from its ESL address only.
    """
    esl_host = _check_esl_host(esl_host)
    esl_port = _check_port(esl_port, "esl_port")
    generated_password = None
    if esl_password is None or esl_password == "":
        generated_password = esl_password = secrets.token_urlsafe(24)
    _check_esl_password(esl_password)
    networks = normalise_networks(allowed_addresses) or [str(ipaddress.ip_network(esl_host))]
    name = name.strip().lower()
    if SwitchNode.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A node with this name already exists.")})
    secret = secrets.token_urlsafe(32)
    node = SwitchNode(
        name=name,
        description=description.strip(),
        esl_host=esl_host,
        esl_port=esl_port,
        esl_password=esl_password,
        xml_curl_username=f"{name}-{secrets.token_hex(4)}",
        xml_curl_secret_hash=hash_secret(secret),
        allowed_addresses=networks,
    )
    node.full_clean(exclude=["xml_curl_secret_hash"])
    node.save()
    audit.record(tenant=None, actor=actor, action="switch_node.create", obj=node, after=_node_snapshot(node))
    _after_commit_drop(node.xml_curl_username)
    _after_commit_drop_acl()
    return node, NodeCredentials(node.xml_curl_username, secret, generated_password)


@transaction.atomic
def check_update_node(*, actor: User | None, node: SwitchNode, **changes: Any) -> SwitchNode:
    """Change a node's description, ESL address/port/password, allowed addresses or active state."""
    allowed = {"description", "esl_host", "esl_port", "esl_password", "allowed_addresses", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    node = SwitchNode.objects.select_for_update().get(pk=node.pk)
    before = _node_snapshot(node)
    if "esl_host" in changes:
        node.esl_host = _check_esl_host(changes["esl_host"])
    if "esl_port" in changes:
        node.esl_port = _check_port(changes["esl_port"], "esl_port")
    if changes.get("esl_password"):
        _check_esl_password(changes["esl_password"])
        node.esl_password = changes["esl_password"]
    if "allowed_addresses" in changes:
        networks = normalise_networks(changes["allowed_addresses"])
        if not networks:
            raise ValidationError({"allowed_addresses": _("Enter at least one address or network the node calls from.")})
        node.allowed_addresses = networks
    if "description" in changes:
        node.description = str(changes["description"]).strip()
    if "is_active" in changes:
        node.is_active = bool(changes["is_active"])
    node.full_clean(exclude=["xml_curl_secret_hash"])
    node.save()
    after = _node_snapshot(node)
    if changes.get("esl_password"):
        after["esl_password_changed"] = True
    audit.record(tenant=None, actor=actor, action="switch_node.update", obj=node, before=before, after=after)
    _after_commit_drop(node.xml_curl_username)
    if {"esl_host", "allowed_addresses", "is_active"} & set(changes):
        _after_commit_drop_acl()
    return node


@transaction.atomic
def do_rotate_node_secret(*, actor: User | None, node: SwitchNode) -> str:
    """Give the node a new xml_curl secret and return it (shown once); the old one stops working."""
    node = SwitchNode.objects.select_for_update().get(pk=node.pk)
    secret = secrets.token_urlsafe(32)
    node.xml_curl_secret_hash = hash_secret(secret)
    node.save(update_fields=["xml_curl_secret_hash", "updated_at"])
    audit.record(tenant=None, actor=actor, action="switch_node.rotate_secret", obj=node, after={"secret_changed": True})
    _after_commit_drop(node.xml_curl_username)
    return secret


@transaction.atomic
def do_delete_node(*, actor: User | None, node: SwitchNode) -> None:
    node = SwitchNode.objects.select_for_update().get(pk=node.pk)
    audit.record(tenant=None, actor=actor, action="switch_node.delete", obj=node, before=_node_snapshot(node))
    _after_commit_drop(node.xml_curl_username)
    _after_commit_drop_acl()
    node.delete()


# --- trunks ---------------------------------------------------------------------------
def _apply_trunk_changes(trunk: Trunk, changes: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    for field in ("name", "proxy", "realm", "username"):
        if field in changes:
            setattr(trunk, field, str(changes[field] or "").strip())
    trunk.name = trunk.name.lower()
    if "proxy" in changes and not hostname_re.match(trunk.proxy):
        try:
            ipaddress.ip_address(trunk.proxy)
        except ValueError:
            errors["proxy"] = _("Enter a host name or an IP address.")
    if trunk.realm and not hostname_re.match(trunk.realm):
        errors["realm"] = _("Enter a host name or leave the realm empty.")
    if "port" in changes:
        try:
            trunk.port = _check_port(changes["port"], "port")
        except ValidationError:
            errors["port"] = _("Enter a port from 1 to 65535.")
    if "transport" in changes:
        if changes["transport"] not in Transport.values:
            errors["transport"] = _("Unknown transport.")
        trunk.transport = changes["transport"]
    # An empty password keeps the stored one: the form never shows it back, so empty means "unchanged".
    if changes.get("password"):
        trunk.password = str(changes["password"])
    for field in ("register", "is_active"):
        if field in changes:
            setattr(trunk, field, bool(changes[field]))
    if "priority" in changes:
        trunk.priority = changes["priority"]
    if trunk.register and not (trunk.username and trunk.password):
        errors["register"] = _("A trunk that registers needs a user name and a password.")
    if errors:
        raise ValidationError(errors)
    trunk.full_clean()


@transaction.atomic
def check_create_trunk(*, actor: User | None, name: str, proxy: str, **fields: Any) -> Trunk:
    """Add a SIP trunk (served to every node as a sofia gateway)."""
    allowed = {"port", "transport", "realm", "username", "password", "register", "priority", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if Trunk.objects.filter(name=name.strip().lower()).exists():
        raise ValidationError({"name": _("A trunk with this name already exists.")})
    trunk = Trunk()
    _apply_trunk_changes(trunk, {"name": name, "proxy": proxy, **fields})
    trunk.save()
    audit.record(tenant=None, actor=actor, action="trunk.create", obj=trunk, after=audit.snapshot(trunk, TRUNK_FIELDS))
    schedule_sync(None, gateways=True, dialplan=True)
    return trunk


@transaction.atomic
def check_update_trunk(*, actor: User | None, trunk: Trunk, **changes: Any) -> Trunk:
    """Change a trunk; a missing or empty ``password`` keeps the stored one. The name cannot change (it names the gateway)."""
    allowed = {"proxy", "port", "transport", "realm", "username", "password", "register", "priority", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    trunk = Trunk.objects.select_for_update().get(pk=trunk.pk)
    before = audit.snapshot(trunk, TRUNK_FIELDS)
    _apply_trunk_changes(trunk, changes)
    trunk.save()
    after = audit.snapshot(trunk, TRUNK_FIELDS)
    if changes.get("password"):
        after["password_changed"] = True
    audit.record(tenant=None, actor=actor, action="trunk.update", obj=trunk, before=before, after=after)
    schedule_sync(None, gateways=True, dialplan=True)
    return trunk


@transaction.atomic
def do_delete_trunk(*, actor: User | None, trunk: Trunk) -> None:
    trunk = Trunk.objects.select_for_update().get(pk=trunk.pk)
    audit.record(tenant=None, actor=actor, action="trunk.delete", obj=trunk, before=audit.snapshot(trunk, TRUNK_FIELDS))
    trunk.delete()
    schedule_sync(None, gateways=True, dialplan=True)


# --- block list -----------------------------------------------------------------------
@transaction.atomic
def do_block_address(
    *, actor: User | None, address: str, failures: int = 0, reason: str = "", node: SwitchNode | None = None
) -> BlockedAddress:
    """Put an address on the block list (or update its count); the nodes reload their ACL after commit."""
    address = str(ipaddress.ip_address(address))
    blocked, created = BlockedAddress.objects.select_for_update().get_or_create(
        address=address, defaults={"failures": failures, "reason": reason[:200], "node": node}
    )
    if not created:
        blocked.failures = max(blocked.failures, failures)
        blocked.reason = reason[:200] or blocked.reason
        blocked.save(update_fields=["failures", "reason", "updated_at"])
        return blocked
    audit.record(
        tenant=None, actor=actor, action="blocked_address.add", obj=blocked, after={"address": address, "failures": failures}
    )
    schedule_sync(None, acl=True)
    return blocked


@transaction.atomic
def do_clear_blocked_address(*, actor: User | None, blocked: BlockedAddress) -> None:
    """Take an address off the block list; the nodes reload their ACL after commit."""
    blocked = BlockedAddress.objects.select_for_update().get(pk=blocked.pk)
    audit.record(
        tenant=None,
        actor=actor,
        action="blocked_address.clear",
        obj=blocked,
        before={"address": blocked.address, "failures": blocked.failures, "reason": blocked.reason},
    )
    blocked.delete()
    schedule_sync(None, acl=True)

"""Authentication of FreeSWITCH nodes calling the control plane (xml_curl and CDR posts).

A node proves itself with HTTP basic authentication (its ``xml_curl_username`` and the secret
whose SHA-256 is stored) *and* by calling from one of its ``allowed_addresses``. The node's
credentials are cached (``fs:node:<user name>``) so that the hot path does not query the
database; ``drop_node`` removes them when a node changes.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import ipaddress
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from telephony.freeswitch.cache import Prefetched

logger = logging.getLogger(__name__)

NODE_TTL = getattr(settings, "FREESWITCH_NODE_CACHE_SECONDS", 60)
# Unknown node names are remembered briefly so a stranger guessing names does not reach the database each time.
UNKNOWN_NODE_TTL = 10
_UNKNOWN = "-"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class AuthenticatedNode:
    """The node a request came from. ``pk``/``id`` are the SwitchNode's primary key (a string)."""

    id: str
    name: str

    @property
    def pk(self) -> str:
        return self.id


def node_key(username: str) -> str:
    return f"fs:node:{username}"


def drop_node(username: str) -> None:
    """Forget a node's cached credentials (call after creating, changing or deleting a node)."""
    cache.delete(node_key(username))


def hash_secret(secret: str) -> str:
    """The stored form of an xml_curl secret (``SwitchNode.xml_curl_secret_hash``)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@functools.lru_cache(maxsize=256)
def _networks(addresses: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for address in addresses:
        try:
            networks.append(ipaddress.ip_network(address, strict=False))
        except ValueError:
            logger.error("switch node has an invalid allowed address", extra={"address": address})
    return tuple(networks)


def address_allowed(address: str, allowed: Sequence[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in _networks(tuple(allowed)))


NodeRecord = tuple[str, str, str, tuple[str, ...]]  # id, name, secret hash, allowed addresses


def _load_node(username: str, prefetched: Prefetched | None) -> NodeRecord | None:
    cached = prefetched.get(node_key(username)) if prefetched is not None else cache.get(node_key(username))
    if cached == _UNKNOWN:
        return None
    if isinstance(cached, tuple) and len(cached) == 4:
        return cached
    from telephony.freeswitch.models import SwitchNode

    row = (
        SwitchNode.objects.filter(xml_curl_username=username, is_active=True)
        .values_list("id", "name", "xml_curl_secret_hash", "allowed_addresses")
        .first()
    )
    if row is None:
        cache.set(node_key(username), _UNKNOWN, UNKNOWN_NODE_TTL)
        return None
    node_id, name, secret_hash, allowed = row
    record: NodeRecord = (str(node_id), name, secret_hash, tuple(str(a) for a in (allowed or ())))
    cache.set(node_key(username), record, NODE_TTL)
    return record


def parse_basic(authorization: str | None) -> tuple[str, str] | None:
    """User name and secret from an ``Authorization: Basic ...`` header, or ``None``."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, secret = decoded.partition(":")
    if not sep or not username:
        return None
    return username, secret


def authenticate_node(
    authorization: str | None, remote_addr: str, *, endpoint: str, prefetched: Prefetched | None = None
) -> AuthenticatedNode | None:
    """The node identified by the request's credentials and source address, or ``None`` (logged).

    ``prefetched`` may already hold the node's cached credentials (read with the lookup's own keys).
    """
    credentials = parse_basic(authorization)
    if credentials is None:
        logger.warning("freeswitch request refused: no credentials", extra={"endpoint": endpoint, "remote": remote_addr})
        return None
    username, secret = credentials
    record = _load_node(username, prefetched)
    # Hash even for unknown names, so the answer time does not tell which node names exist.
    offered = hash_secret(secret)
    if record is None or not hmac.compare_digest(offered, record[2]):
        logger.warning(
            "freeswitch request refused: bad credentials",
            extra={"endpoint": endpoint, "remote": remote_addr, "node_user": username},
        )
        return None
    node_id, name, _, allowed = record
    if not address_allowed(remote_addr, allowed):
        logger.warning(
            "freeswitch request refused: address not allowed",
            extra={"endpoint": endpoint, "remote": remote_addr, "node": name},
        )
        return None
    return AuthenticatedNode(node_id, name)


@functools.lru_cache(maxsize=1)
def _trusted_proxies() -> tuple[IPNetwork, ...]:
    return _networks(tuple(getattr(settings, "FREESWITCH_TRUSTED_PROXIES", ())))


def client_address(remote_addr: str, forwarded_for: str | None) -> str:
    """The node's address: the peer, or the last hop a trusted reverse proxy recorded."""
    proxies = _trusted_proxies()
    if forwarded_for and proxies and address_allowed(remote_addr, [str(n) for n in proxies]):
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return remote_addr

"""Where webhooks may be sent: URL rules, and the address check that keeps deliveries off private networks.

In production an endpoint must be an ``https`` URL whose host resolves only to public addresses
(no loopback, private, link-local, shared, reserved or multicast ranges), so a tenant cannot make
the platform call into its own network (SSRF). The check runs when the endpoint is saved and again
before every delivery, against the addresses the delivery then connects to (DNS rebinding).
In development and tests any ``http``/``https`` URL is allowed, so a local receiver can be used.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

MAX_URL_LENGTH = 2000


class BlockedTarget(Exception):
    """The host resolves to an address deliveries must not go to, or does not resolve at all."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast and not ip.is_unspecified


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IP literals resolve to themselves)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BlockedTarget(_("The host %(host)s cannot be resolved.") % {"host": host}) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise BlockedTarget(_("The host %(host)s cannot be resolved.") % {"host": host})
    return addresses


def deliverable_addresses(host: str, port: int) -> list[str]:
    """The addresses a delivery may connect to; in production only if every one of them is public."""
    addresses = resolve(host, port)
    if settings.PRODUCTION:
        blocked = [address for address in addresses if not _is_public(address)]
        if blocked:
            raise BlockedTarget(
                _("%(host)s resolves to a private, loopback or otherwise non-public address (%(address)s).")
                % {"host": host, "address": blocked[0]}
            )
    return addresses


def default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def validate_endpoint_url(url: str) -> str:
    """Return the cleaned URL or raise ``ValidationError`` with a message for the ``url`` field."""
    url = (url or "").strip()
    if not url:
        raise ValidationError(_("Enter the URL the events should be sent to."))
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(_("The URL can have at most %(max)s characters.") % {"max": MAX_URL_LENGTH})
    schemes = ["https"] if settings.PRODUCTION else ["http", "https"]
    parts = urlsplit(url)
    example = _("Enter a valid URL, such as https://crm.example.com/centrex/events.")
    if not parts.scheme or not parts.netloc:
        raise ValidationError(example)
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValidationError(_("Enter a valid http or https URL."))
    if parts.scheme.lower() not in schemes:
        raise ValidationError(_("The URL must start with https://."))
    try:
        URLValidator(schemes=schemes)(url)
    except ValidationError as exc:
        raise ValidationError(example) from exc
    if parts.username is not None or parts.password is not None:
        raise ValidationError(_("The URL must not contain a user name or password; the signature authenticates deliveries."))
    if parts.fragment:
        raise ValidationError(_("The URL must not contain a fragment (#...)."))
    try:
        port = parts.port or default_port(parts.scheme.lower())
    except ValueError as exc:
        raise ValidationError(_("The port of the URL is not valid.")) from exc
    if settings.PRODUCTION:
        try:
            deliverable_addresses(parts.hostname or "", port)
        except BlockedTarget as exc:
            raise ValidationError(str(exc)) from exc
    return url

"""The ``directory`` section of xml_curl: SIP users (devices) and domains (tenants).

FreeSWITCH asks for ``user@domain`` on every REGISTER and INVITE challenge, for ``user/...``
bridges, voicemail and ``user_exists``. The domain picks the tenant; the user is a device's SIP
user name in that tenant. The answer carries the digest ``a1-hash`` (never a password) and
the channel variables the dialplan and CDRs rely on, and is marked ``cacheable`` for the node's
own XML cache. Answers (and "not found") are cached in Redis per tenant and user; a change
drops them through ``sync.schedule_sync``.

Hot path: a cached answer costs no query; a miss costs at most two indexed queries (the
domain, then the device with everything it needs in one statement).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

from django.conf import settings
from django.db.models import OuterRef, Subquery

from telephony.freeswitch import cache
from telephony.freeswitch.xmlcurl import NOT_FOUND_DOCUMENT

if TYPE_CHECKING:
    from telephony.directory.models import Device

# How long a node keeps a directory user in its own XML cache (milliseconds). Changes flush it
# at once (``xml_flush_cache``); the expiry only bounds the damage of a flush that never arrived.
NODE_CACHE_MS = getattr(settings, "FREESWITCH_NODE_DIRECTORY_CACHE_MS", 900_000)
# The ACL every device's registration is checked against (acl.conf, see configuration.py).
BLOCK_LIST_ACL = "centrex-blocked"

# Accepting only names that can exist keeps junk away from the cache and the database.
_SIP_USER = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$")

# Dial string for ``user/<id>@<domain>``: every registered contact of the device, on any profile.
DIAL_STRING = (
    "{^^:sip_invite_domain=${dialed_domain}:presence_id=${dialed_user}@${dialed_domain}}"
    "${sofia_contact(*/${dialed_user}@${dialed_domain})}"
)
# Lookups that never concern a tenant's users: sofia asking for directory gateways at profile
# start, and the core building ACLs from the directory at start and on reloadacl.
_IGNORED_PURPOSES = frozenset({"gateways", "network-list"})


def answer_directory(params: Mapping[str, str], prefetched: cache.Prefetched | None = None) -> str:
    """The directory document for one xml_curl directory request (``not found`` when nothing matches).

    ``prefetched`` holds the cache entries of ``lookup_keys(params)``, fetched together with the
    node's credentials in one round trip.
    """
    if params.get("purpose") in _IGNORED_PURPOSES:
        return NOT_FOUND_DOCUMENT
    domain = _requested_domain(params)
    if domain is None:
        return NOT_FOUND_DOCUMENT
    entry = resolve_domain(domain, prefetched)
    if entry is None:
        return NOT_FOUND_DOCUMENT
    user = params.get("user", "")
    if not user:
        return render_domain(entry)
    if params.get("key", "id") != "id" or not _SIP_USER.match(user):
        return NOT_FOUND_DOCUMENT
    return user_document(entry, user, prefetched)


def lookup_keys(params: Mapping[str, str]) -> list[str]:
    """The cache keys a directory request will read, so they can be fetched in one round trip."""
    if params.get("section") != "directory" or params.get("purpose") in _IGNORED_PURPOSES:
        return []
    domain = _requested_domain(params)
    if domain is None:
        return []
    keys = [cache.domain_key(domain)]
    guess = cache.local_domain(domain)
    user = params.get("user", "")
    if guess is not None and user and _SIP_USER.match(user):
        keys += [cache.directory_key(guess.tenant_id, user), cache.generation_key(guess.tenant_id)]
    return keys


def _requested_domain(params: Mapping[str, str]) -> str | None:
    domain = params.get("domain", "")
    if not domain and params.get("tag_name") == "domain" and params.get("key_name") == "name":
        domain = params.get("key_value", "")
    domain = domain.strip().lower()
    return domain if _DOMAIN.match(domain) else None


def resolve_domain(sip_domain: str, prefetched: cache.Prefetched | None = None) -> cache.DomainEntry | None:
    """The tenant owning a SIP domain, from the cache or one indexed query."""
    cached = cache.get_domain(sip_domain, prefetched)
    if cached == cache.NOT_FOUND:
        return None
    if isinstance(cached, cache.DomainEntry):
        return cached
    from tenants.models import Tenant

    row = Tenant.objects.filter(sip_domain=sip_domain).values_list("id", "sip_domain").first()
    entry = cache.DomainEntry(str(row[0]), row[1]) if row else None
    cache.set_domain(sip_domain, entry)
    return entry


def user_document(entry: cache.DomainEntry, sip_user: str, prefetched: cache.Prefetched | None = None) -> str:
    # Read before the database, so a change committing meanwhile makes this answer void (see cache).
    current = cache.generation(entry.tenant_id, prefetched)
    cached = cache.get_directory_for(entry, sip_user, current, prefetched)
    if cached == cache.NOT_FOUND:
        return NOT_FOUND_DOCUMENT
    if cached is not None:
        return cached
    device = _load_device(entry.tenant_id, sip_user)
    document = render_user(entry, device) if device is not None else None
    cache.set_directory(entry.tenant_id, sip_user, document, sip_domain=entry.sip_domain, generation=current)
    return document or NOT_FOUND_DOCUMENT


def _load_device(tenant_id: str, sip_user: str) -> Device | None:
    """The active device with its extension and tenant, annotated with ``own_number`` and ``main_number``."""
    from telephony.directory.models import Device, PhoneNumber, TelephonySettings

    own_number = (
        PhoneNumber.objects.filter(tenant_id=OuterRef("tenant_id"), destination_extension_id=OuterRef("extension_id"))
        .order_by("number")
        .values("number")[:1]
    )
    main_number = TelephonySettings.objects.filter(tenant_id=OuterRef("tenant_id")).values("main_number__number")[:1]
    return (
        Device.objects.filter(tenant_id=tenant_id, sip_username=sip_user, is_active=True)
        .select_related("extension", "extension__outbound_number", "tenant")
        .annotate(own_number=Subquery(own_number), main_number=Subquery(main_number))
        .first()
    )


def outbound_caller_id(device: Device) -> str:
    """The number shown to people called outside (E.164), empty when withheld or none is set."""
    from telephony.directory.choices import CallerIdMode

    extension = device.extension
    outbound = extension.outbound_number
    # Annotations of _load_device: the extension's own DID and the tenant's main number.
    own_number = getattr(device, "own_number", None)
    tenant_main = getattr(device, "main_number", None)
    main = str(outbound.number) if outbound is not None else (str(tenant_main) if tenant_main else "")
    if extension.caller_id_mode == CallerIdMode.WITHHELD:
        return ""
    if extension.caller_id_mode == CallerIdMode.MAIN:
        return main
    return str(own_number) if own_number else main


def _element(tag: str, name: str, value: object) -> str:
    return f"<{tag} name={quoteattr(name)} value={quoteattr(str(value))}/>"


def _domain_head(entry: cache.DomainEntry) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<document type="freeswitch/xml"><section name="directory">'
        f"<domain name={quoteattr(entry.sip_domain)}>"
        f"<params>{_element('param', 'dial-string', DIAL_STRING)}</params>"
        f"<variables>{_element('variable', 'tenant_id', entry.tenant_id)}</variables>"
    )


def render_domain(entry: cache.DomainEntry) -> str:
    """A domain without users: answers ``domain`` lookups (the domain exists, with its dial string)."""
    return _domain_head(entry) + "</domain></section></document>\n"


def render_user(entry: cache.DomainEntry, device: Device) -> str:
    extension = device.extension
    tenant = device.tenant
    caller_id = outbound_caller_id(device)
    params = [
        ("a1-hash", device.sip_ha1),
        ("max-registrations-per-extension", device.max_registrations),
        ("auth-acl", BLOCK_LIST_ACL),
    ]
    variables = [
        ("user_context", entry.sip_domain),
        ("tenant_id", entry.tenant_id),
        ("accountcode", entry.tenant_id),
        ("extension_id", extension.pk),
        ("extension_number", extension.number),
        ("device_id", device.pk),
        ("effective_caller_id_name", extension.display_name),
        ("effective_caller_id_number", extension.number),
        ("outbound_caller_id_name", extension.display_name if caller_id else ""),
        ("outbound_caller_id_number", caller_id),
        ("caller_id_mode", extension.caller_id_mode),
        ("class_of_service", extension.class_of_service),
        ("allow_premium", "true" if extension.allow_premium else "false"),
        ("voicemail_box", extension.number),
        ("default_language", extension.language or tenant.language),
    ]
    user = (
        f"<user id={quoteattr(device.sip_username)} cacheable={quoteattr(str(NODE_CACHE_MS))}>"
        f"<params>{''.join(_element('param', n, v) for n, v in params)}</params>"
        f"<variables>{''.join(_element('variable', n, v) for n, v in variables)}</variables>"
        "</user>"
    )
    return (
        _domain_head(entry)
        + f'<groups><group name="default"><users>{user}</users></group></groups></domain></section></document>\n'
    )

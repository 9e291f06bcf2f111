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

import hashlib
import hmac
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from django.conf import settings
from django.db import connection, models

from telephony.freeswitch import cache
from telephony.freeswitch.xmlcurl import NOT_FOUND_DOCUMENT

# How long a node keeps a directory user in its own XML cache (milliseconds). Changes flush it
# at once (``xml_flush_cache``); the expiry only bounds the damage of a flush that never arrived.
NODE_CACHE_MS = getattr(settings, "FREESWITCH_NODE_DIRECTORY_CACHE_MS", 900_000)
# The ACL every device's registration is checked against (acl.conf, see configuration.py).
BLOCK_LIST_ACL = "centrex-blocked"
# A voicemail password / PIN hash that nothing keyed in on a phone can match (see voicemail_params).
MAILBOX_LOCKED = "locked"

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
    if COMPANY_MAILBOX.match(sip_user):
        document = company_mailbox_document(entry, sip_user)
    else:
        user = load_user(entry.tenant_id, sip_user)
        document = render_user(entry, user) if user is not None else None
    cache.set_directory(entry.tenant_id, sip_user, document, sip_domain=entry.sip_domain, generation=current)
    return document or NOT_FOUND_DOCUMENT


@dataclass(frozen=True)
class DirectoryUser:
    """What a user's directory answer is made of: an active device with its extension."""

    device_id: str
    sip_username: str
    sip_ha1: str
    max_registrations: int
    extension_id: str
    extension_number: str
    display_name: str
    caller_id_mode: str
    class_of_service: str
    allow_premium: bool
    language: str  # the extension's, else the tenant's
    outbound_number: str  # the extension's chosen outbound number, "" when none
    own_number: str  # the first phone number routed to the extension, "" when none
    main_number: str  # the tenant's main number, "" when none
    voicemail_pin_ha1: str = ""  # the extension's voicemail PIN hash ("" when no PIN is set)
    voicemail_pin_realm: str = ""  # "<extension number>@<domain>" the hash was made for


# The miss path of every REGISTER: one indexed statement, written out because building it with the
# ORM costs more CPU than running it (the device by (tenant, SIP user), its extension, the numbers).
_USER_SQL = """
SELECT d.id, d.sip_username, d.sip_ha1, d.max_registrations,
       e.id, e.number, e.display_name, e.caller_id_mode, e.class_of_service, e.allow_premium,
       COALESCE(NULLIF(e.language, ''), t.language),
       COALESCE(outbound.number, ''),
       COALESCE((SELECT p.number FROM directory_phonenumber p
                 WHERE p.tenant_id = d.tenant_id AND p.destination_extension_id = d.extension_id
                 ORDER BY p.number LIMIT 1), ''),
       COALESCE((SELECT m.number FROM directory_telephonysettings s
                 JOIN directory_phonenumber m ON m.id = s.main_number_id
                 WHERE s.tenant_id = d.tenant_id LIMIT 1), ''),
       e.voicemail_pin_ha1, e.voicemail_pin_realm
FROM directory_device d
JOIN directory_extension e ON e.id = d.extension_id
JOIN tenants_tenant t ON t.id = d.tenant_id
LEFT JOIN directory_phonenumber outbound ON outbound.id = e.outbound_number_id
WHERE d.tenant_id = %s AND d.sip_username = %s AND d.is_active
"""


_UUID_FIELD = models.UUIDField()


def load_user(tenant_id: str, sip_user: str) -> DirectoryUser | None:
    """The active device ``sip_user`` of the tenant with everything its answer needs, or None."""
    # A UUIDField's database form: a uuid on PostgreSQL, 32 hex digits on SQLite (the embedded default).
    tenant = _UUID_FIELD.get_db_prep_value(uuid.UUID(tenant_id), connection)
    with connection.cursor() as cursor:
        cursor.execute(_USER_SQL, [tenant, sip_user])
        row = cursor.fetchone()
    if row is None:
        return None
    device_id, username, ha1, max_registrations, extension_id, *rest = row
    return DirectoryUser(
        str(uuid.UUID(str(device_id))), username, ha1, int(max_registrations), str(uuid.UUID(str(extension_id))), *rest
    )


def outbound_caller_id(user: DirectoryUser) -> str:
    """The number shown to people called outside (E.164), empty when withheld or none is set."""
    from telephony.directory.choices import CallerIdMode

    main = user.outbound_number or user.main_number
    if user.caller_id_mode == CallerIdMode.WITHHELD:
        return ""
    if user.caller_id_mode == CallerIdMode.MAIN:
        return main
    return user.own_number or main


def voicemail_params(entry: cache.DomainEntry, user: DirectoryUser) -> list[tuple[str, object]]:
    """mod_voicemail's parameters of the extension's mailbox (mailbox id = extension number).

    Every extension has a mailbox (``vm-enabled``); messages are not e-mailed (``vm-mailto`` empty).
    The PIN is checked by mod_voicemail against ``vm-a1-hash`` = md5("<mailbox>:<domain>:<PIN>"),
    so the PIN itself is neither stored nor served. Without a valid PIN (none set, or set before the
    number or the domain changed) the hash is one no PIN can produce and the mailbox cannot be opened.
    ``vm-password`` is always served, with a value no keypad can enter: without it mod_voicemail
    would fall back to the SIP ``a1-hash`` or, with ``allow-empty-password-auth``, let anybody in.
    """
    pin_valid = bool(user.voicemail_pin_ha1) and user.voicemail_pin_realm == f"{user.extension_number}@{entry.sip_domain}"
    return [
        ("vm-enabled", "true"),
        ("vm-password", MAILBOX_LOCKED),
        ("vm-a1-hash", user.voicemail_pin_ha1 if pin_valid else MAILBOX_LOCKED),
        ("vm-mailto", ""),
    ]


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


def render_user(entry: cache.DomainEntry, user: DirectoryUser) -> str:
    caller_id = outbound_caller_id(user)
    params = [
        ("a1-hash", user.sip_ha1),
        ("max-registrations-per-extension", user.max_registrations),
        ("auth-acl", BLOCK_LIST_ACL),
        *voicemail_params(entry, user),
    ]
    variables = [
        ("user_context", entry.sip_domain),
        ("tenant_id", entry.tenant_id),
        ("accountcode", entry.tenant_id),
        ("extension_id", user.extension_id),
        ("extension_number", user.extension_number),
        ("device_id", user.device_id),
        ("effective_caller_id_name", user.display_name),
        ("effective_caller_id_number", user.extension_number),
        ("outbound_caller_id_name", user.display_name if caller_id else ""),
        ("outbound_caller_id_number", caller_id),
        ("caller_id_mode", user.caller_id_mode),
        ("class_of_service", user.class_of_service),
        ("allow_premium", "true" if user.allow_premium else "false"),
        ("voicemail_box", user.extension_number),
        ("default_language", user.language),
    ]
    element = (
        f"<user id={quoteattr(user.sip_username)} cacheable={quoteattr(str(NODE_CACHE_MS))}>"
        f"<params>{''.join(_element('param', n, v) for n, v in params)}</params>"
        f"<variables>{''.join(_element('variable', n, v) for n, v in variables)}</variables>"
        "</user>"
    )
    return (
        _domain_head(entry)
        + f'<groups><group name="default"><users>{element}</users></group></groups></domain></section></document>\n'
    )


# --- company voicemail ([VTX] §2.8) ----------------------------------------------------------
# A company mailbox's user id: "vm" + the E.164 digits of its number (telephony.voicemail.models.switch_id).
# No device user name starts with letters (they are extension numbers), so the two never collide.
COMPANY_MAILBOX = re.compile(r"^vm[0-9]{6,15}$")


def company_mailbox_document(entry: cache.DomainEntry, switch_id: str) -> str | None:
    """The directory user mod_voicemail looks up for a company mailbox, in its tenant's domain only.

    It is no SIP account, and must not become one: a directory user with neither ``password`` nor
    ``a1-hash`` is let in by sofia without any digest check. So it gets an ``a1-hash`` nobody can
    know (an HMAC under the secret key), REGISTER is forbidden and the block list applies. It
    carries the mailbox's 4-digit password as ``vm-password`` and ``vm-a1-hash``, ``vm-mailto``
    with every message attached when an address is set, and the prompts' language. A mailbox of
    another tenant's number is not found.
    """
    from telephony.voicemail.models import CompanyMailbox

    row = (
        CompanyMailbox.objects.filter(
            tenant_id=entry.tenant_id, phone_number__tenant_id=entry.tenant_id, phone_number__number="+" + switch_id[2:]
        )
        .values_list("password", "email", "language")
        .first()
    )
    if row is None:
        return None
    password, email, language = row
    unknowable = hmac.new(settings.SECRET_KEY.encode(), f"mailbox-sip:{switch_id}".encode(), hashlib.sha256).hexdigest()[:32]
    pin_hash = hashlib.md5(f"{switch_id}:{entry.sip_domain}:{password}".encode(), usedforsecurity=False).hexdigest()
    params = [
        ("a1-hash", unknowable),
        ("sip-forbid-register", "true"),
        ("auth-acl", BLOCK_LIST_ACL),
        ("vm-enabled", "true"),
        ("vm-password", password),
        ("vm-a1-hash", pin_hash),
        ("vm-mailto", email),
    ]
    if email:
        params += [("vm-email-all-messages", "true"), ("vm-attach-file", "true"), ("vm-keep-local-after-email", "true")]
    variables = [("tenant_id", entry.tenant_id), ("default_language", language)]
    element = (
        f"<user id={quoteattr(switch_id)} cacheable={quoteattr(str(NODE_CACHE_MS))}>"
        f"<params>{''.join(_element('param', n, v) for n, v in params)}</params>"
        f"<variables>{''.join(_element('variable', n, v) for n, v in variables)}</variables>"
        "</user>"
    )
    return (
        _domain_head(entry)
        + f'<groups><group name="default"><users>{element}</users></group></groups></domain></section></document>\n'
    )

"""Build a tenant's ``TenantSnapshot`` from the database and keep it cached in Redis.

Routing a call must cost a cache hit, not queries (ARCHITECTURE.md rule 4). A snapshot is
built in at most fourteen indexed queries (tenant with its telephony settings, extensions with their
DND flag, active devices, phone numbers, the rules of the active forwarding profiles, the platform's
trunks; hunt groups, number routes, schedule, company directory,
caller-ID rules; one more when some active profile has selective rules) and cached under a key
that carries two version tokens:

- the tenant's token, stored at ``cache.dialplan_key(tenant_id)``. ``sync.schedule_sync(tenant,
  dialplan=True)`` (and ``schedule_tenant_sync``) delete that key after commit, so the next call
  draws a new token and builds a fresh snapshot;
- the platform's token, for the trunks every snapshot lists; ``invalidate_snapshot(None)``
  drops it after trunk changes, and it expires after ``PLATFORM_TOKEN_TTL`` in any case.

Tokens instead of deleting the snapshot itself: a call that read the database just before a
change commits would otherwise write its stale snapshot back after the change dropped it.

When Redis is unreachable, calls are still routed (emergency calls above all): the snapshot is
then read from the database for each call, and the outside-call limit cannot be checked.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from typing import Any

from django.core.cache import cache as django_cache
from redis.exceptions import RedisError

from telephony.calls.routing import (
    ALWAYS,
    RING_TIMEOUT_S,
    CallerIdMode,
    ClassOfService,
    ExtensionInfo,
    ForwardCondition,
    ForwardRule,
    ForwardTarget,
    GroupInfo,
    GroupMemberInfo,
    LiveState,
    MailboxInfo,
    MailboxState,
    MediaKind,
    MediaRef,
    NoAnswer,
    SelectiveMatch,
    SelectiveRule,
    Target,
    TargetKind,
    TenantSnapshot,
    TenantState,
)
from telephony.freeswitch import cache

# Snapshots are exact until a change drops their token; the TTL only bounds memory.
SNAPSHOT_TTL = 3600
# Trunk changes drop the platform token (``schedule_sync(None, gateways=True)``); the TTL only
# bounds its life, as for tenant tokens. A short one would rebuild every tenant's snapshot each time.
PLATFORM_TOKEN_TTL = SNAPSHOT_TTL
PLATFORM_TOKEN_KEY = cache.dialplan_key("platform")
# What each web process keeps of the snapshots it used (see _LocalSnapshots), counted in extensions:
# a snapshot takes roughly 1 KB per extension in memory, so about 80 MB however big the tenants are.
LOCAL_SNAPSHOT_EXTENSIONS = 80_000
# Part of every snapshot key: a deploy that changes the snapshot's shape never reads an old pickle.
SNAPSHOT_FORMAT = 4
# Destination kinds of a phone number whose calls go by ``NumberRoute`` rows (telephony.forwarding).
ROUTED_KINDS = ("group", "announcement", "schedule")
# What a cache or live-state read raises when Redis is down or unreachable.
REDIS_ERRORS = (RedisError, OSError)

logger = logging.getLogger(__name__)


def did_key(e164: str) -> str:
    """Which tenant a phone number (DID) belongs to; checked against the tenant's snapshot on use."""
    return f"calls:did:{e164}"


def invalidate_snapshot(tenant_id: str | None) -> None:
    """Make the next call rebuild the snapshot of ``tenant_id`` (of every tenant when ``None``)."""
    django_cache.delete(PLATFORM_TOKEN_KEY if tenant_id is None else cache.dialplan_key(str(tenant_id)))


def load_snapshot(tenant_id: str) -> TenantSnapshot | None:
    """The tenant's snapshot from the cache, built and cached on a miss; ``None`` for an unknown tenant."""
    try:
        return _load_cached(str(tenant_id))
    except REDIS_ERRORS:
        logger.warning("routing snapshot cache unavailable; reading the database", extra={"tenant": str(tenant_id)})
        return build_snapshot(str(tenant_id))


def _load_cached(tenant_id: str) -> TenantSnapshot | None:
    tenant_key = cache.dialplan_key(tenant_id)
    tokens = django_cache.get_many([tenant_key, PLATFORM_TOKEN_KEY])
    tenant_token = tokens.get(tenant_key) or _new_token(tenant_key, SNAPSHOT_TTL)
    platform_token = tokens.get(PLATFORM_TOKEN_KEY) or _new_token(PLATFORM_TOKEN_KEY, PLATFORM_TOKEN_TTL)
    key = f"{tenant_key}:v{SNAPSHOT_FORMAT}:{tenant_token}:{platform_token}"
    snapshot = _local.get(key)
    if snapshot is not None:
        return snapshot
    snapshot = django_cache.get(key)
    if snapshot is None:
        snapshot = build_snapshot(tenant_id)
        if snapshot is None:
            return None
        django_cache.set(key, snapshot, SNAPSHOT_TTL)
    _local.put(key, snapshot)
    return snapshot


class _LocalSnapshots:
    """The last snapshots this process used, by versioned key.

    A versioned key never changes meaning (a change draws a new token), so keeping the object
    saves a round trip and unpickling on every call without ever serving a stale snapshot.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity  # in extensions, the bulk of a snapshot's size
        self.used = 0
        self.entries: OrderedDict[str, tuple[TenantSnapshot, int]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> TenantSnapshot | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            self.entries.move_to_end(key)
            return entry[0]

    def put(self, key: str, snapshot: TenantSnapshot) -> None:
        weight = 1 + len(snapshot.extensions)
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.used -= old[1]
            self.entries[key] = (snapshot, weight)
            self.used += weight
            while self.used > self.capacity and len(self.entries) > 1:
                _key, (_snapshot, dropped) = self.entries.popitem(last=False)
                self.used -= dropped


_local = _LocalSnapshots(LOCAL_SNAPSHOT_EXTENSIONS)


def _new_token(key: str, ttl: int) -> str:
    token = uuid.uuid4().hex[:16]
    if django_cache.add(key, token, ttl):
        return token
    # Another process drew one first: use theirs so both share one snapshot.
    return django_cache.get(key) or token


def snapshot_for_domain(sip_domain: str) -> TenantSnapshot | None:
    """The snapshot of the tenant owning ``sip_domain`` (the dialplan context of its devices)."""
    try:
        return _snapshot_for_domain_cached(sip_domain)
    except REDIS_ERRORS:
        from tenants.models import Tenant

        logger.warning("routing snapshot cache unavailable; reading the database", extra={"domain": sip_domain})
        tenant_id = Tenant.objects.filter(sip_domain=sip_domain).values_list("id", flat=True).first()
        return build_snapshot(str(tenant_id)) if tenant_id is not None else None


def _snapshot_for_domain_cached(sip_domain: str) -> TenantSnapshot | None:
    from telephony.freeswitch.directory import resolve_domain

    entry = resolve_domain(sip_domain)
    snapshot = load_snapshot(entry.tenant_id) if entry is not None else None
    if entry is not None and (snapshot is None or snapshot.sip_domain != sip_domain):
        # The cached domain is stale (the domain moved, or its tenant is gone): ask the database again.
        cache.drop_domains([sip_domain])
        entry = resolve_domain(sip_domain)
        snapshot = load_snapshot(entry.tenant_id) if entry is not None else None
    return snapshot if snapshot is not None and snapshot.sip_domain == sip_domain else None


def snapshot_for_number(e164: str) -> TenantSnapshot | None:
    """The snapshot of the tenant a phone number belongs to, or ``None`` when no tenant has it."""
    from telephony.directory.models import PhoneNumber

    try:
        tenant_id = django_cache.get(did_key(e164))
    except REDIS_ERRORS:
        tenant_id = None
    if tenant_id is not None:
        snapshot = load_snapshot(tenant_id)
        if snapshot is not None and e164 in snapshot.numbers:
            return snapshot
    tenant_id = PhoneNumber.objects.filter(number=e164, tenant__isnull=False).values_list("tenant_id", flat=True).first()
    if tenant_id is None:
        return None
    try:
        django_cache.set(did_key(e164), str(tenant_id), SNAPSHOT_TTL)
    except REDIS_ERRORS:
        logger.warning("routing snapshot cache unavailable", extra={"tenant": str(tenant_id)})
    snapshot = load_snapshot(str(tenant_id))
    return snapshot if snapshot is not None and e164 in snapshot.numbers else None


def registered_devices(tenant_id: str) -> frozenset[str] | None:
    """The tenant's registered SIP user names for hunt groups, or ``None`` when unknown.

    Nobody registered reads as unknown: the live state answers the same when Redis is down,
    and ringing every member then costs nothing, since the switch fails a leg to an
    unregistered user at once (USER_NOT_REGISTERED) and moves on to the next.
    """
    from telephony.freeswitch import livestate

    try:
        return frozenset(livestate.registered_usernames(tenant_id)) or None
    except REDIS_ERRORS:
        return None


def live_state(tenant_id: str, *, call_on_trunk: bool = False, registered: bool = False) -> LiveState:
    """What the switch gateway last reported for the tenant (one Redis round trip, two with ``registered``).

    ``call_on_trunk``: the call being routed arrived on a trunk, so the gateway already counts its
    channel among the outside calls; it is taken off so that the limit compares the others.
    ``registered``: also read which devices are registered (hunt groups skip the others).
    """
    from telephony.freeswitch import livestate

    try:
        outside = livestate.outside_call_count(tenant_id)
        devices = registered_devices(tenant_id) if registered else None
    except REDIS_ERRORS:
        # Calls must not fail because the live state is unreachable; the limit waits for Redis.
        logger.warning("live state unavailable; outside-call limit not checked", extra={"tenant": str(tenant_id)})
        return LiveState()
    return LiveState(outside_calls=max(0, outside - 1) if call_on_trunk else outside, registered=devices)


def line_state(tenant_id: str) -> tuple[frozenset[str] | None, frozenset[str] | None]:
    """Which of the tenant's devices are registered and which are in a call (forwarding on busy / not registered).

    Read only for calls whose plan says so (one Redis round trip). Here nobody registered means
    nobody, not "unknown": the rule is about exactly that. ``(None, None)`` when the live state
    cannot be read.
    """
    from telephony.freeswitch import livestate

    try:
        users, presence = livestate.line_facts(tenant_id)
        registered = frozenset(users)
    except REDIS_ERRORS:
        logger.warning("live state unavailable; busy / not-registered forwarding not checked", extra={"tenant": tenant_id})
        return None, None
    return registered, frozenset(user for user, state in presence.items() if state == "busy")


def _forwarding_rules(tenant: Any) -> dict[str, tuple[ForwardRule, ...]]:
    """The rules of every extension's active forwarding profile, by extension number (one query)."""
    from telephony.forwarding.models import ForwardingRule

    rules: dict[str, list[ForwardRule]] = {}
    rows = (
        ForwardingRule.objects.for_tenant(tenant)
        .filter(profile__is_active=True)
        .order_by("profile__extension__number", "condition")
        .values_list("profile__extension__number", "condition", "target", "number", "no_answer_seconds")
    )
    for extension_number, condition, target, number, seconds in rows:
        rule = ForwardRule(ForwardCondition(condition), ForwardTarget(target), number, seconds or RING_TIMEOUT_S)
        rules.setdefault(extension_number, []).append(rule)
    return {number: tuple(found) for number, found in rules.items()}


def _has_selective_rules() -> Any:
    """Whether an extension's active profile has selective rules (a subquery of the extensions query)."""
    from django.db.models import Exists, OuterRef

    from telephony.forwarding.models import SelectiveRule

    return Exists(SelectiveRule.objects.filter(profile__extension=OuterRef("pk"), profile__is_active=True))


def _selective_rules(tenant: Any) -> dict[str, tuple[SelectiveRule, ...]]:
    """The selective rules of every extension's active profile, by extension number (one query).

    Rows of one caller selection (one per condition, or one "allow") become one ``SelectiveRule``;
    a contact's numbers come in the same query (one row per number).
    """
    from telephony.forwarding.models import SelectiveRule as SelectiveRow

    rows = (
        SelectiveRow.objects.for_tenant(tenant)
        .filter(profile__is_active=True)
        .order_by("profile__extension__number", "id")
        .values_list(
            "profile__extension__number",
            "match",
            "match_key",
            "match_extension__number",
            "match_prefix",
            "match_contact__numbers__number",
            "allow",
            "condition",
            "target",
            "number",
            "no_answer_seconds",
            "id",
        )
    )
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        extension, match, key, extension_number, prefix, contact_number, allow, condition, target, number, seconds, row_id = row
        entry = found.setdefault(extension, {}).setdefault(
            key, {"match": match, "value": extension_number or prefix or "", "numbers": set(), "allow": False, "rules": {}}
        )
        if contact_number:
            entry["numbers"].add(_e164(contact_number))
        if allow:
            entry["allow"] = True
        elif condition:
            seconds = seconds or RING_TIMEOUT_S
            entry["rules"][row_id] = ForwardRule(ForwardCondition(condition), ForwardTarget(target), number, seconds)
    return {
        extension: tuple(
            SelectiveRule(
                match=SelectiveMatch(entry["match"]),
                value=entry["value"],
                numbers=frozenset(entry["numbers"]),
                allow=entry["allow"],
                forwarding=() if entry["allow"] else tuple(entry["rules"].values()),
            )
            for entry in selections.values()
        )
        for extension, selections in found.items()
    }


def _e164(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return getattr(value, "as_e164", None) or str(value)


def build_snapshot(tenant_id: str) -> TenantSnapshot | None:
    """Read the tenant's routing configuration from the database (9 to 14 indexed queries, whatever the size)."""
    from telephony.directory.choices import DestinationKind
    from telephony.directory.models import Device, Extension, PhoneNumber, TelephonySettings
    from telephony.freeswitch.models import Trunk
    from tenants.models import Tenant

    tenant = Tenant.objects.select_related("telephony__main_number").filter(pk=tenant_id).first()
    if tenant is None:
        return None
    settings_row = getattr(tenant, "telephony", None)

    numbers: dict[str, str | None] = {}
    own_numbers: dict[str, str] = {}
    routed_by_table: set[str] = set()
    mailboxes: dict[str, MailboxInfo] = {}
    mailbox_numbers: dict[str, str] = {}  # company mailbox id -> its number's E.164 (hunt groups divert by mailbox)
    rows = PhoneNumber.objects.for_tenant(tenant).order_by("number")
    # The company mailbox comes in the same query (a LEFT JOIN on its one-to-one key).
    mailbox_fields = (
        "company_mailbox__id",
        "company_mailbox__state",
        "company_mailbox__language",
        "company_mailbox__greeting_id",
    )
    for number, kind, extension_number, mailbox_id, state, language, greeting in rows.values_list(
        "number", "destination_kind", "destination_extension__number", *mailbox_fields
    ):
        e164 = _e164(number)
        if e164 is None:
            continue
        if mailbox_id is not None:
            mailbox_numbers[str(mailbox_id)] = e164
            mailboxes[e164] = _mailbox_info(number, e164, state, language, greeting)
        routed = extension_number if kind == DestinationKind.EXTENSION else None
        numbers[e164] = routed
        if routed is not None:
            own_numbers.setdefault(routed, e164)
        if kind in ROUTED_KINDS:
            routed_by_table.add(e164)

    devices: dict[str, str] = {}
    by_extension: dict[str, list[str]] = {}
    active = Device.objects.for_tenant(tenant).filter(is_active=True).order_by("sip_username")
    # Per extension: its primary device, intercom-flagged devices and devices with their own DND on.
    primary: dict[str, str] = {}
    intercom_devices: dict[str, set[str]] = {}
    dnd_devices: dict[str, set[str]] = {}
    device_rows = active.values_list("sip_username", "extension__number", "is_primary", "intercom", "dnd")
    for username, extension_number, is_primary, intercom, device_dnd in device_rows:
        devices[username] = extension_number
        by_extension.setdefault(extension_number, []).append(username)
        if is_primary:
            primary[extension_number] = username
        if intercom:
            intercom_devices.setdefault(extension_number, set()).add(username)
        if device_dnd:
            dnd_devices.setdefault(extension_number, set()).add(username)

    extensions: dict[str, ExtensionInfo] = {}
    fields = (
        "number",
        "display_name",
        "class_of_service",
        "allow_premium",
        "caller_id_mode",
        "outbound_number__number",
        "language",
        "personal_settings__dnd",
        "call_waiting",
        "intercom",
        "parallel_ring_extension__number",
        "parallel_ring_number",
    )
    forwarding = _forwarding_rules(tenant)
    selective_flag = _has_selective_rules()
    extension_rows = list(
        Extension.objects.for_tenant(tenant).annotate(has_selective=selective_flag).values("id", *fields, "has_selective")
    )
    # One more query only when some active profile has selective rules.
    selective = _selective_rules(tenant) if any(row["has_selective"] for row in extension_rows) else {}
    for row in extension_rows:
        extensions[row["number"]] = ExtensionInfo(
            id=str(row["id"]),
            number=row["number"],
            display_name=row["display_name"],
            devices=tuple(by_extension.get(row["number"], ())),
            class_of_service=ClassOfService(row["class_of_service"]),
            allow_premium=row["allow_premium"],
            caller_id_mode=CallerIdMode(row["caller_id_mode"]),
            own_number=own_numbers.get(row["number"]),
            presented_number=_e164(row["outbound_number__number"]),
            language=row["language"] or tenant.language,
            forwarding=forwarding.get(row["number"], ()),
            selective=selective.get(row["number"], ()),
            dnd=bool(row["personal_settings__dnd"]),
            call_waiting=row["call_waiting"],
            intercom=row["intercom"],
            primary_device=primary.get(row["number"]),
            intercom_devices=frozenset(intercom_devices.get(row["number"], ())),
            dnd_devices=frozenset(dnd_devices.get(row["number"], ())),
            parallel_ring=row["parallel_ring_extension__number"] or row["parallel_ring_number"] or "",
        )

    trunks = tuple(Trunk.objects.filter(is_active=True).order_by("priority", "name").values_list("name", flat=True))
    return TenantSnapshot(
        tenant_id=str(tenant.pk),
        sip_domain=tenant.sip_domain,
        country=tenant.country,
        status=TenantState(tenant.status),
        tryout_ends_at=tenant.tryout_ends_at,
        language=tenant.language,
        access_code_required=settings_row.access_code_required if settings_row else False,
        max_outside_calls=(
            settings_row.max_outside_calls if settings_row else TelephonySettings._meta.get_field("max_outside_calls").default
        ),
        main_number=_e164(settings_row.main_number.number) if settings_row and settings_row.main_number else None,
        extensions=extensions,
        devices=devices,
        numbers=numbers,
        trunks=trunks,
        mailboxes=mailboxes,
        **_company_routing(tenant, routed_by_table, mailbox_numbers),
    )


def _mailbox_info(number: Any, e164: str, state: str, language: str, greeting: Any) -> MailboxInfo:
    import phonenumbers

    from telephony.voicemail.models import switch_id

    parsed = number if isinstance(number, phonenumbers.PhoneNumber) else phonenumbers.parse(e164)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return MailboxInfo(
        switch_id=switch_id(e164),
        state=MailboxState(state),
        language=language,
        greeting=str(greeting) if greeting else None,
        spoken_number="".join(ch for ch in national if ch.isdigit()),
    )


def _media(kind: MediaKind, media_id: Any) -> MediaRef:
    return MediaRef(kind, str(media_id) if media_id else None)


def _company_routing(tenant: Any, routed_numbers: set[str], mailbox_numbers: dict[str, str] | None = None) -> dict[str, Any]:
    """Hunt groups, number routes, schedule, company directory, caller-ID rules (three to eight indexed queries)."""
    from telephony.contacts.models import ContactNumber
    from telephony.forwarding.models import CallerIdRule, NumberRoute, Slot
    from telephony.forwarding.selectors import tenant_schedule
    from telephony.groups.models import GroupMember, HuntGroup

    hunt_groups = list(HuntGroup.objects.for_tenant(tenant))
    members: dict[str, list[GroupMemberInfo]] = {}
    member_rows = (
        GroupMember.objects.filter(group__tenant=tenant)
        .order_by("group_id", "position")
        .values_list("group_id", "extension_id", "extension__number")
    )
    for group_id, extension_id, number in member_rows if hunt_groups else ():
        members.setdefault(str(group_id), []).append(GroupMemberInfo(str(extension_id), number))
    groups: dict[str, GroupInfo] = {}
    for group in hunt_groups:
        group_id = str(group.pk)
        groups[group_id] = GroupInfo(
            id=group_id,
            short_number=group.short_number,
            name=group.name,
            strategy=group.strategy,
            ring_count=group.ring_count,
            cycles=group.cycles,
            members=tuple(members.get(group_id, ())),
            ring_tone=_media(MediaKind.RING_TONE, group.ring_tone_id),
            no_answer=NoAnswer(group.no_answer_action),
            no_answer_group=str(group.no_answer_group_id) if group.no_answer_group_id else None,
            no_answer_number=group.no_answer_number,
            no_answer_announcement=_media(MediaKind.ANNOUNCEMENT, group.no_answer_announcement_id),
            no_answer_mailbox=(mailbox_numbers or {}).get(str(group.no_answer_mailbox_id), ""),
        )

    number_routes: dict[str, dict[str, Target]] = {}
    # Most tenants route numbers to extensions only: then neither routes nor schedule are read (querysets are lazy).
    route_rows = NumberRoute.objects.for_tenant(tenant).values_list(
        "phone_number__number",
        "slot",
        "time_range_id",
        "target_kind",
        "target_extension__number",
        "target_group_id",
        "target_announcement_id",
    )
    for number, slot, range_id, kind, extension_number, group_id, media_id in route_rows if routed_numbers else ():
        e164 = _e164(number)
        if e164 not in routed_numbers:
            continue  # rows kept from an earlier "by time range" setting while the number points elsewhere
        ref = {
            TargetKind.EXTENSION: extension_number,
            TargetKind.GROUP: str(group_id) if group_id else "",
            TargetKind.ANNOUNCEMENT: str(media_id) if media_id else "",
            TargetKind.VOICEMAIL: e164 or "",  # the number's own company voicemail
        }.get(TargetKind(kind), "")
        key = str(range_id) if slot == Slot.RANGE else (ALWAYS if slot == Slot.ALWAYS else slot)
        number_routes.setdefault(e164, {})[key] = Target(TargetKind(kind), ref or "")

    contacts: dict[str, str] = {}
    contact_rows = (
        ContactNumber.objects.filter(contact__tenant=tenant, contact__owner__isnull=True)
        .exclude(contact__short_number="")
        .order_by("contact__short_number", "id")
        .values_list("contact__short_number", "number")
    )
    for short_number, number in contact_rows:
        contacts.setdefault(short_number, str(number))

    caller_id_rules: dict[str, str] = {}
    rule_rows = (
        CallerIdRule.objects.for_tenant(tenant).order_by("created_at").values_list("presented_number__number", "numbers__number")
    )
    for presented, number in rule_rows:
        if number is not None:
            caller_id_rules.setdefault(_e164(number) or "", _e164(presented) or "")

    return {
        "groups": groups,
        "group_numbers": {group.short_number: group.id for group in groups.values()},
        "number_routes": number_routes,
        "schedule": tenant_schedule(tenant) if number_routes else None,
        "contacts": contacts,
        "caller_id_rules": caller_id_rules,
    }

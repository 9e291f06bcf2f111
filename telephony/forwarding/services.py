"""Writes of time ranges, holidays, number routes, caller-ID rules, forwarding profiles and DND.

Every change reaches the nodes' dialplan on commit."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import translation
from django.utils.translation import gettext as _

from centrex.events import DomainEvent, publish
from telephony.directory.choices import DestinationKind
from telephony.directory.models import Device, Extension, PhoneNumber
from telephony.forwarding import schedule
from telephony.forwarding.choices import (
    DEFAULT_NO_ANSWER_SECONDS,
    DEFAULT_SLOT,
    MAX_PROFILES,
    NO_ANSWER_SECONDS,
    PROFILE_SLOTS,
    ForwardCondition,
    ForwardTarget,
    SelectiveMatch,
)
from telephony.forwarding.models import (
    CallerIdRule,
    ForwardingProfile,
    ForwardingRule,
    Holiday,
    NumberRoute,
    PersonalSettings,
    SelectiveRule,
    Slot,
    TargetKind,
    TimePeriod,
    TimeRange,
)
from tenants import audit
from tenants.models import Tenant, User

Id = uuid.UUID | str

# Destination kinds of a phone number routed by ``NumberRoute`` rows.
NUMBER_GROUP, NUMBER_ANNOUNCEMENT, NUMBER_SCHEDULE = DestinationKind.GROUP, DestinationKind.ANNOUNCEMENT, DestinationKind.SCHEDULE

OFFICE_HOURS_DAYS = [0, 1, 2, 3, 4]
OFFICE_HOURS_PERIODS = [(8 * 60, 12 * 60), (14 * 60, 18 * 60)]


def _range_state(time_range: TimeRange) -> dict[str, object]:
    return {
        "name": time_range.name,
        "weekdays": sorted(time_range.weekdays),
        "periods": [[p.start_minute, p.end_minute] for p in time_range.periods.all()],
    }


def _changed(tenant: Tenant, kind: str, op: str, data: dict[str, object]) -> None:
    """Dialplan answers depend on the schedule: drop them on commit, then tell the browsers."""
    from telephony.freeswitch.sync import schedule_sync

    schedule_sync(str(tenant.pk), dialplan=True)
    publish(DomainEvent(type=kind, op=op, tenant=str(tenant.pk), data=data))


def _clean_range(
    tenant: Tenant, name: str, weekdays: Sequence[int], periods: Sequence[tuple[int, int]], exclude: TimeRange | None
) -> tuple[str, list[int], list[schedule.Period]]:
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Give the time range a name.")]
    else:
        others = TimeRange.objects.for_tenant(tenant).filter(name__iexact=name)
        if exclude is not None:
            others = others.exclude(pk=exclude.pk)
        if others.exists():
            errors["name"] = [_("A time range with this name exists already.")]
    days = sorted(set(weekdays))
    if not days:
        errors["weekdays"] = [_("Choose at least one day.")]
    elif any(not isinstance(day, int) or not 0 <= day <= 6 for day in days):
        errors["weekdays"] = [_("Days are numbered 0 (Monday) to 6 (Sunday).")]
    specs = [schedule.Period(int(start), int(end)) for start, end in periods]
    messages = {
        "count": _("A time range has one to three periods."),
        "order": _("Each period must end after it starts, within the day (00:00 to 24:00)."),
        "overlap": _("The periods must not overlap."),
    }
    problems = schedule.period_errors(specs)
    if problems:
        errors["periods"] = [str(messages[code]) for code in dict.fromkeys(problems)]
    if errors:
        raise ValidationError(errors)
    return name, days, sorted(specs, key=lambda period: period.start)


def _write_periods(time_range: TimeRange, periods: Sequence[schedule.Period]) -> None:
    time_range.periods.all().delete()
    TimePeriod.objects.bulk_create(TimePeriod(time_range=time_range, start_minute=p.start, end_minute=p.end) for p in periods)


def create_default_range(tenant: Tenant) -> TimeRange:
    """The "Office hours" range every tenant has (Mon-Fri 08:00-12:00 and 14:00-18:00)."""
    with translation.override(tenant.language):
        name = _("Office hours")
    time_range = TimeRange.objects.create(tenant=tenant, name=name, is_default=True, weekdays=OFFICE_HOURS_DAYS)
    _write_periods(time_range, [schedule.Period(start, end) for start, end in OFFICE_HOURS_PERIODS])
    return time_range


@transaction.atomic
def check_create_time_range(
    tenant: Tenant, *, actor: User | None, name: str, weekdays: Sequence[int], periods: Sequence[tuple[int, int]]
) -> TimeRange:
    name, days, specs = _clean_range(tenant, name, weekdays, periods, exclude=None)
    position = TimeRange.objects.for_tenant(tenant).count()
    time_range = TimeRange.objects.create(tenant=tenant, name=name, weekdays=days, position=position)
    _write_periods(time_range, specs)
    audit.record(tenant=tenant, actor=actor, action="timerange.create", obj=time_range, after=_range_state(time_range))
    _changed(tenant, "timerange", "created", {"id": str(time_range.pk), **_range_state(time_range)})
    return time_range


@transaction.atomic
def check_update_time_range(
    tenant: Tenant,
    *,
    actor: User | None,
    time_range: TimeRange,
    name: str,
    weekdays: Sequence[int],
    periods: Sequence[tuple[int, int]],
) -> TimeRange:
    time_range = TimeRange.objects.for_tenant(tenant).select_for_update().get(pk=time_range.pk)
    before = _range_state(time_range)
    name, days, specs = _clean_range(tenant, name, weekdays, periods, exclude=time_range)
    time_range.name, time_range.weekdays = name, days
    time_range.save(update_fields=["name", "weekdays", "updated_at"])
    _write_periods(time_range, specs)
    audit.record(
        tenant=tenant, actor=actor, action="timerange.update", obj=time_range, before=before, after=_range_state(time_range)
    )
    _changed(tenant, "timerange", "updated", {"id": str(time_range.pk), **_range_state(time_range)})
    return time_range


@transaction.atomic
def check_delete_time_range(tenant: Tenant, *, actor: User | None, time_range: TimeRange) -> None:
    time_range = TimeRange.objects.for_tenant(tenant).select_for_update().get(pk=time_range.pk)
    if time_range.is_default:
        raise ValidationError(_("The office-hours range cannot be deleted; you can change it."))
    before = _range_state(time_range)
    range_id = str(time_range.pk)
    # Rows kept from numbers that no longer route by time range do not hold the range.
    NumberRoute.objects.filter(time_range=time_range).exclude(phone_number__destination_kind=NUMBER_SCHEDULE).delete()
    try:
        with transaction.atomic():
            time_range.delete()
    except ProtectedError as exc:
        numbers = ", ".join(sorted({str(route.phone_number.number) for route in exc.protected_objects}))
        raise ValidationError(
            _("Numbers route calls by this time range (%(numbers)s); route them otherwise first.") % {"numbers": numbers}
        ) from exc
    audit.record(tenant=tenant, actor=actor, action="timerange.delete", obj=time_range, before=before)
    _changed(tenant, "timerange", "deleted", {"id": range_id})


@transaction.atomic
def check_add_holiday(
    tenant: Tenant, *, actor: User | None, label: str, start_date: date, end_date: date | None = None
) -> Holiday:
    """A single day (no ``end_date``) or a period of days, closed all day."""
    label = label.strip()
    end_date = end_date or start_date
    errors: dict[str, list[str]] = {}
    if not label:
        errors["label"] = [_("Give the holiday a label.")]
    if end_date < start_date:
        errors["end_date"] = [_("The last day cannot be before the first day.")]
    if errors:
        raise ValidationError(errors)
    holiday = Holiday.objects.create(tenant=tenant, label=label, start_date=start_date, end_date=end_date)
    after = {"label": label, "start_date": start_date.isoformat(), "end_date": end_date.isoformat()}
    audit.record(tenant=tenant, actor=actor, action="holiday.create", obj=holiday, after=after)
    _changed(tenant, "holiday", "created", {"id": str(holiday.pk), **after})
    return holiday


@transaction.atomic
def do_delete_holiday(tenant: Tenant, *, actor: User | None, holiday: Holiday) -> None:
    holiday = Holiday.objects.for_tenant(tenant).get(pk=holiday.pk)
    before = {"label": holiday.label, "start_date": holiday.start_date.isoformat(), "end_date": holiday.end_date.isoformat()}
    holiday_id = str(holiday.pk)
    holiday.delete()
    audit.record(tenant=tenant, actor=actor, action="holiday.delete", obj=holiday, before=before)
    _changed(tenant, "holiday", "deleted", {"id": holiday_id})


# --- number routing ([VTX] §2.3) -----------------------------------------------------------
@dataclass(frozen=True)
class RouteTarget:
    """Where calls go in one case: a target kind and, for it, the extension, group or announcement."""

    kind: str  # TargetKind
    extension: Id | None = None
    group: Id | None = None
    announcement: Id | None = None  # empty: the built-in announcement


def _is_uuid(value: Id | None) -> bool:
    try:
        uuid.UUID(str(value))
    except (ValueError, TypeError):
        return False
    return True


def _clean_target(
    tenant: Tenant,
    target: RouteTarget | None,
    field: str,
    errors: dict[str, list[str]],
    phone_number: PhoneNumber | None = None,
) -> dict | None:
    """The route row's target fields, with every reference checked against ``tenant``."""
    from telephony.directory.models import Extension
    from telephony.groups.models import HuntGroup
    from telephony.media.choices import MediaKind
    from telephony.media.models import MediaFile

    if target is None or not target.kind:
        errors[field] = [_("Choose where the calls go.")]
        return None
    if target.kind == TargetKind.EXTENSION:
        extension = (
            Extension.objects.for_tenant(tenant).filter(pk=target.extension).first() if _is_uuid(target.extension) else None
        )
        if extension is None:
            errors[field] = [_("Choose an extension of this company.")]
        return {"target_kind": target.kind, "target_extension": extension}
    if target.kind == TargetKind.GROUP:
        group = HuntGroup.objects.for_tenant(tenant).filter(pk=target.group).first() if _is_uuid(target.group) else None
        if group is None:
            errors[field] = [_("Choose a group of this company.")]
        return {"target_kind": target.kind, "target_group": group}
    if target.kind == TargetKind.ANNOUNCEMENT:
        media = None
        if target.announcement:
            files = MediaFile.objects.for_tenant(tenant).filter(kind=MediaKind.ANNOUNCEMENT)
            media = files.filter(pk=target.announcement).first() if _is_uuid(target.announcement) else None
            if media is None:
                errors[field] = [_("Choose one of your own announcements.")]
        return {"target_kind": target.kind, "target_announcement": media}
    if target.kind == TargetKind.HANGUP:
        return {"target_kind": target.kind}
    if target.kind == TargetKind.VOICEMAIL:
        _check_voicemail_target(tenant, phone_number, field, errors)
        return {"target_kind": target.kind}
    errors[field] = [_("Unknown target.")]
    return None


def _check_voicemail_target(tenant: Tenant, phone_number: PhoneNumber | None, field: str, errors: dict[str, list[str]]) -> None:
    """The routed number's own company voicemail must take calls (on, or greeting only) ([VTX] §2.3, §2.8)."""
    from telephony.voicemail.choices import MailboxState
    from telephony.voicemail.selectors import mailbox_for_number

    mailbox = mailbox_for_number(tenant, phone_number.pk) if phone_number is not None else None
    if mailbox is None or mailbox.state == MailboxState.OFF:
        errors[field] = [_("The voicemail of this number is switched off. Switch it on first.")]


def _number_routes_state(phone_number: PhoneNumber) -> dict[str, object]:
    return {
        "destination_kind": phone_number.destination_kind,
        "routes": [
            {
                "slot": route.slot,
                "time_range": str(route.time_range_id) if route.time_range_id else None,
                "target_kind": route.target_kind,
                "target": str(route.target_extension_id or route.target_group_id or route.target_announcement_id or ""),
            }
            for route in NumberRoute.objects.filter(phone_number=phone_number).order_by("id")
        ],
    }


@transaction.atomic
def check_route_number(
    tenant: Tenant,
    *,
    actor: User | None,
    phone_number: PhoneNumber,
    destination: str,
    always: RouteTarget | None = None,
    ranges: Mapping[str, RouteTarget] | None = None,
    holiday: RouteTarget | None = None,
    outside: RouteTarget | None = None,
) -> PhoneNumber:
    """Send a number's calls to a group or an announcement, or by time range.

    ``destination`` is ``group`` or ``announcement`` (with ``always``), or ``schedule``: then
    ``ranges`` gives a target for every one of the tenant's time ranges (by id), and ``holiday``
    and ``outside`` the targets on holidays and outside the ranges. Extensions and "not routed"
    stay with ``telephony.directory.services.check_route_phone_number``.
    """
    number = PhoneNumber.objects.for_tenant(tenant).select_for_update().filter(pk=phone_number.pk).first()
    if number is None:
        raise ValidationError({"phone_number": [_("Choose a number of this company.")]})
    before = _number_routes_state(number)
    errors: dict[str, list[str]] = {}
    rows: list[dict] = []
    if destination in (NUMBER_GROUP, NUMBER_ANNOUNCEMENT):
        if always is not None and always.kind != destination:
            errors["always"] = [_("Choose where the calls go.")]
        cleaned = _clean_target(tenant, always, "always", errors, number)
        if cleaned is not None:
            rows.append({"slot": Slot.ALWAYS, **cleaned})
    elif destination == NUMBER_SCHEDULE:
        given = {str(key): value for key, value in (ranges or {}).items()}
        tenant_ranges = list(TimeRange.objects.for_tenant(tenant).order_by("position", "name"))
        unknown = set(given) - {str(time_range.pk) for time_range in tenant_ranges}
        if unknown:
            errors["ranges"] = [_("Choose time ranges of this company.")]
        for time_range in tenant_ranges:
            cleaned = _clean_target(tenant, given.get(str(time_range.pk)), f"range_{time_range.pk}", errors, number)
            if cleaned is not None:
                rows.append({"slot": Slot.RANGE, "time_range": time_range, **cleaned})
        for slot, target in ((Slot.HOLIDAY, holiday), (Slot.OUTSIDE, outside)):
            cleaned = _clean_target(tenant, target, slot, errors, number)
            if cleaned is not None:
                rows.append({"slot": slot, **cleaned})
    else:
        errors["destination"] = [_("Unknown destination.")]
    if errors:
        raise ValidationError(errors)
    NumberRoute.objects.filter(phone_number=number).delete()
    NumberRoute.objects.bulk_create(NumberRoute(tenant=tenant, phone_number=number, **row) for row in rows)
    previous_extension_id = number.destination_extension_id
    number.destination_kind = destination
    number.destination_extension = None
    number.save(update_fields=["destination_kind", "destination_extension", "updated_at"])
    audit.record(
        tenant=tenant, actor=actor, action="phone_number.route", obj=number, before=before, after=_number_routes_state(number)
    )
    from telephony.freeswitch.sync import schedule_sync

    # The extension the number pointed at loses it as its own caller id (served in its devices' directory entries).
    users = Device.objects.for_tenant(tenant).filter(extension_id=previous_extension_id).values_list("sip_username", flat=True)
    schedule_sync(str(tenant.pk), directory_users=list(users) if previous_extension_id else (), dialplan=True)
    publish(DomainEvent(type="phone_number", op="updated", tenant=str(tenant.pk), data={"id": str(number.pk)}))
    return number


# --- caller-ID rules ([VTX] §2.10) -------------------------------------------------------------
def _rule_state(rule: CallerIdRule) -> dict[str, object]:
    return {
        "presented_number": str(rule.presented_number.number),
        "numbers": sorted(str(number) for number in rule.numbers.values_list("number", flat=True)),
    }


@transaction.atomic
def check_save_caller_id_rule(
    tenant: Tenant,
    *,
    actor: User | None,
    presented_number: Id,
    numbers: Sequence[Id],
    rule: CallerIdRule | None = None,
) -> CallerIdRule:
    """Extensions whose own number is one of ``numbers`` present ``presented_number`` outside (create or change)."""
    own = PhoneNumber.objects.for_tenant(tenant)
    errors: dict[str, list[str]] = {}
    presented = own.filter(pk=presented_number).first() if _is_uuid(presented_number) else None
    if presented is None:
        errors["presented_number"] = [_("Choose a number of this company.")]
    chosen = list(own.filter(pk__in=[n for n in numbers if _is_uuid(n)]))
    if not numbers or len(chosen) != len(set(map(str, numbers))):
        errors["numbers"] = [_("Choose one or more numbers of this company.")]
    taken = CallerIdRule.numbers.through.objects.filter(phonenumber__in=chosen, calleridrule__tenant=tenant).exclude(
        calleridrule=rule
    )
    if taken.exists():
        errors["numbers"] = [_("A number can be in one rule only.")]
    if errors:
        raise ValidationError(errors)
    before = _rule_state(rule) if rule is not None else None
    if rule is None:
        rule = CallerIdRule.objects.create(tenant=tenant, presented_number=presented)
    else:
        rule = CallerIdRule.objects.for_tenant(tenant).select_for_update().get(pk=rule.pk)
        rule.presented_number = presented
        rule.save(update_fields=["presented_number", "updated_at"])
    rule.numbers.set(chosen)
    audit.record(tenant=tenant, actor=actor, action="caller_id_rule.save", obj=rule, before=before, after=_rule_state(rule))
    _changed(tenant, "caller_id_rule", "updated", {"id": str(rule.pk)})
    return rule


@transaction.atomic
def do_delete_caller_id_rule(tenant: Tenant, *, actor: User | None, rule: CallerIdRule) -> None:
    rule = CallerIdRule.objects.for_tenant(tenant).get(pk=rule.pk)
    before = _rule_state(rule)
    rule_id = str(rule.pk)
    rule.delete()
    audit.record(tenant=tenant, actor=actor, action="caller_id_rule.delete", obj=rule, before=before)
    _changed(tenant, "caller_id_rule", "deleted", {"id": rule_id})


# --- forwarding profiles, rules and do-not-disturb ([DFN] §1.9, §1.10, §3.1) -------------------
# The portal, the REST API and the star codes (``telephony.featurecodes``) all call these.
_SEPARATORS = re.compile(r"[\s\-/().]")
_EXTENSION_NUMBER = re.compile(r"^[1-9][0-9]{1,5}$")
_COLOUR = re.compile(r"^#?([0-9a-fA-F]{6})$")
PROFILE_NAME_MAX_LENGTH = 50  # ForwardingProfile.name


def _profile_state(profile: ForwardingProfile) -> dict[str, object]:
    return {
        "extension": profile.extension.number,
        "slot": profile.slot,
        "name": profile.name,
        "colour": profile.colour,
        "is_default": profile.is_default,
        "is_active": profile.is_active,
        "rules": {
            rule.condition: {"target": rule.target, "number": rule.number, "no_answer_seconds": rule.no_answer_seconds}
            for rule in ForwardingRule.objects.filter(profile=profile).order_by("condition")
        },
    }


def _forwarding_changed(tenant: Tenant, profile: ForwardingProfile, op: str) -> None:
    """The next call to the extension must see the change: drop the dialplan answers on commit, then tell the browsers."""
    _changed(
        tenant,
        "forwarding_profile",
        op,
        {"id": str(profile.pk), "extension": profile.extension.number, "slot": profile.slot, "is_active": profile.is_active},
    )


def _own_extension(tenant: Tenant, extension: Extension) -> Extension:
    found = Extension.objects.for_tenant(tenant).filter(pk=getattr(extension, "pk", None)).first()
    if found is None:
        raise ValidationError({"extension": [_("Choose an extension of this company.")]})
    return found


def _locked_profiles(tenant: Tenant, extension: Extension) -> list[ForwardingProfile]:
    """The extension's profiles, locked in slot order (the one lock order of these services)."""
    profiles = ForwardingProfile.objects.for_tenant(tenant).filter(extension=extension).order_by("slot")
    return list(profiles.select_for_update().select_related("extension"))


def _locked_profile(tenant: Tenant, profile: ForwardingProfile) -> ForwardingProfile:
    found = ForwardingProfile.objects.for_tenant(tenant).filter(pk=getattr(profile, "pk", None)).first()
    if found is None:
        raise ValidationError({"profile": [_("Choose a forwarding profile of this company.")]})
    profiles = _locked_profiles(tenant, found.extension)
    return next(p for p in profiles if p.pk == found.pk)


def ensure_default_profile(tenant: Tenant, extension: Extension) -> ForwardingProfile:
    """The extension's default profile (number 0), made active when the extension has none yet."""
    default = ForwardingProfile.objects.for_tenant(tenant).filter(extension=extension, is_default=True).first()
    if default is not None:
        return default
    with translation.override(tenant.language):
        name = _("Default profile")
    has_active = ForwardingProfile.objects.for_tenant(tenant).filter(extension=extension, is_active=True).exists()
    return ForwardingProfile.objects.create(
        tenant=tenant,
        extension=extension,
        slot=DEFAULT_SLOT,
        name=str(name),
        is_default=True,
        is_active=not has_active,
    )


def _clean_name(name: str | None, errors: dict[str, list[str]]) -> str:
    text = (name or "").strip()
    if not text:
        errors["name"] = [_("Give the profile a name.")]
    elif len(text) > PROFILE_NAME_MAX_LENGTH:
        errors["name"] = [_("A profile name has at most %(count)d characters.") % {"count": PROFILE_NAME_MAX_LENGTH}]
    return text


def _clean_colour(colour: str | None, errors: dict[str, list[str]]) -> str:
    text = (colour or "").strip()
    if not text:
        return ""
    match = _COLOUR.match(text)
    if match is None:
        errors["colour"] = [_("Give the colour as #rrggbb, e.g. #1e88e5.")]
        return ""
    return "#" + match.group(1).lower()


def _clean_slot(slot: object, taken: set[int], errors: dict[str, list[str]]) -> int:
    if isinstance(slot, bool) or not isinstance(slot, int) or slot not in PROFILE_SLOTS:
        errors["slot"] = [_("Profiles are numbered 0 to 9.")]
        return -1
    if slot in taken:
        errors["slot"] = [_("The extension already has a profile number %(slot)d.") % {"slot": slot}]
    return slot


def _check_room(profiles: list[ForwardingProfile], errors: dict[str, list[str]]) -> None:
    if len(profiles) >= MAX_PROFILES:
        errors["slot"] = [_("An extension has at most %(count)d forwarding profiles.") % {"count": MAX_PROFILES}]


@transaction.atomic
def check_create_profile(
    tenant: Tenant, *, actor: User | None, extension: Extension, slot: int, name: str, colour: str = ""
) -> ForwardingProfile:
    """A new, inactive profile of ``extension`` with number ``slot`` (0-9, free); at most ten per extension."""
    extension = _own_extension(tenant, extension)
    ensure_default_profile(tenant, extension)
    profiles = _locked_profiles(tenant, extension)
    errors: dict[str, list[str]] = {}
    name = _clean_name(name, errors)
    colour = _clean_colour(colour, errors)
    slot = _clean_slot(slot, {p.slot for p in profiles}, errors)
    _check_room(profiles, errors)
    if errors:
        raise ValidationError(errors)
    profile = ForwardingProfile.objects.create(tenant=tenant, extension=extension, slot=slot, name=name, colour=colour)
    audit.record(tenant=tenant, actor=actor, action="forwarding_profile.create", obj=profile, after=_profile_state(profile))
    _forwarding_changed(tenant, profile, "created")
    return profile


@transaction.atomic
def check_update_profile(
    tenant: Tenant, *, actor: User | None, profile: ForwardingProfile, name: str | None = None, colour: str | None = None
) -> ForwardingProfile:
    """Rename a profile or change its colour (``None`` keeps the value)."""
    profile = _locked_profile(tenant, profile)
    before = _profile_state(profile)
    errors: dict[str, list[str]] = {}
    new_name = _clean_name(name, errors) if name is not None else profile.name
    new_colour = _clean_colour(colour, errors) if colour is not None else profile.colour
    if errors:
        raise ValidationError(errors)
    profile.name, profile.colour = new_name, new_colour
    profile.save(update_fields=["name", "colour", "updated_at"])
    audit.record(
        tenant=tenant, actor=actor, action="forwarding_profile.update", obj=profile, before=before, after=_profile_state(profile)
    )
    _forwarding_changed(tenant, profile, "updated")
    return profile


@transaction.atomic
def check_duplicate_profile(
    tenant: Tenant, *, actor: User | None, profile: ForwardingProfile, slot: int, name: str
) -> ForwardingProfile:
    """A copy of ``profile`` with its rules, under a new number and name; inactive."""
    source = _locked_profile(tenant, profile)
    profiles = _locked_profiles(tenant, source.extension)
    errors: dict[str, list[str]] = {}
    name = _clean_name(name, errors)
    slot = _clean_slot(slot, {p.slot for p in profiles}, errors)
    _check_room(profiles, errors)
    if errors:
        raise ValidationError(errors)
    copy = ForwardingProfile.objects.create(tenant=tenant, extension=source.extension, slot=slot, name=name, colour=source.colour)
    ForwardingRule.objects.bulk_create(
        ForwardingRule(
            tenant=tenant,
            profile=copy,
            condition=rule.condition,
            target=rule.target,
            number=rule.number,
            no_answer_seconds=rule.no_answer_seconds,
        )
        for rule in ForwardingRule.objects.filter(profile=source).order_by("condition")
    )
    SelectiveRule.objects.bulk_create(
        SelectiveRule(
            tenant=tenant,
            profile=copy,
            **{field: getattr(rule, field) for field in _SELECTIVE_FIELDS},
        )
        for rule in SelectiveRule.objects.filter(profile=source).order_by("id")
    )
    after = {**_profile_state(copy), "copied_from": source.slot}
    audit.record(tenant=tenant, actor=actor, action="forwarding_profile.duplicate", obj=copy, after=after)
    _forwarding_changed(tenant, copy, "created")
    return copy


def _activate(tenant: Tenant, actor: User | None, profiles: list[ForwardingProfile], profile: ForwardingProfile) -> None:
    """Make ``profile`` the active one of its extension (``profiles``: all of them, locked)."""
    previous = next((p for p in profiles if p.is_active), None)
    if previous is not None and previous.pk == profile.pk:
        return
    # Off first: the database allows one active profile per extension at any moment.
    ForwardingProfile.objects.filter(pk__in=[p.pk for p in profiles if p.pk != profile.pk], is_active=True).update(
        is_active=False
    )
    ForwardingProfile.objects.filter(pk=profile.pk).update(is_active=True)
    for each in profiles:
        each.is_active = each.pk == profile.pk
    profile.is_active = True
    audit.record(
        tenant=tenant,
        actor=actor,
        action="forwarding_profile.activate",
        obj=profile,
        before={"active_slot": previous.slot if previous else None},
        after={"active_slot": profile.slot},
    )


@transaction.atomic
def check_activate_profile(tenant: Tenant, *, actor: User | None, extension: Extension, slot: int) -> ForwardingProfile:
    """Activate the extension's profile number ``slot`` (``*10`` + n); the others become inactive."""
    extension = _own_extension(tenant, extension)
    ensure_default_profile(tenant, extension)
    profiles = _locked_profiles(tenant, extension)
    profile = next((p for p in profiles if p.slot == slot and not isinstance(slot, bool)), None)
    if profile is None:
        raise ValidationError({"slot": [_("The extension has no profile number %(slot)s.") % {"slot": slot}]})
    _activate(tenant, actor, profiles, profile)
    _forwarding_changed(tenant, profile, "activated")
    return profile


@transaction.atomic
def check_delete_profile(tenant: Tenant, *, actor: User | None, profile: ForwardingProfile) -> None:
    """Delete a profile with its rules; the default profile stays. Deleting the active one activates the default."""
    profile = _locked_profile(tenant, profile)
    if profile.is_default:
        raise ValidationError({"profile": [_("The default profile cannot be deleted; you can change its rules.")]})
    profiles = _locked_profiles(tenant, profile.extension)
    before = _profile_state(profile)
    default = next(p for p in profiles if p.is_default)
    if profile.is_active:
        ForwardingProfile.objects.filter(pk=profile.pk).update(is_active=False)
        profiles = [p for p in profiles if p.pk != profile.pk]
        _activate(tenant, actor, profiles, default)
    profile_id = str(profile.pk)
    audit.record(tenant=tenant, actor=actor, action="forwarding_profile.delete", obj=profile, before=before)
    profile.delete()
    _changed(
        tenant,
        "forwarding_profile",
        "deleted",
        {"id": profile_id, "extension": default.extension.number, "slot": before["slot"], "active_slot": default.slot},
    )


def _clean_number(tenant: Tenant, extension: Extension, raw: str, errors: dict[str, list[str]]) -> str:
    """An extension number of the tenant, or an outside number the extension may call, in E.164."""
    from telephony.calls import numbering
    from telephony.directory.choices import ClassOfService, DestinationKind
    from telephony.directory.validators import normalise_e164

    text = _SEPARATORS.sub("", raw or "")
    if not text:
        errors["number"] = [_("Give the number to forward to.")]
        return ""
    if _EXTENSION_NUMBER.match(text):
        if text == extension.number:
            errors["number"] = [_("An extension cannot forward to itself.")]
        elif not Extension.objects.for_tenant(tenant).filter(number=text).exists():
            errors["number"] = [_("There is no extension %(number)s.") % {"number": text}]
        return text
    try:
        e164 = normalise_e164(text, tenant.country)
    except ValidationError:
        errors["number"] = [_("%(value)s is not a valid phone number.") % {"value": raw}]
        return ""
    own = PhoneNumber.objects.for_tenant(tenant).filter(number=e164).first()
    if own is not None:
        # One of the company's own numbers: forward to its extension directly, never through the carrier.
        if own.destination_kind == DestinationKind.EXTENSION and own.destination_extension_id is not None:
            target = Extension.objects.for_tenant(tenant).filter(pk=own.destination_extension_id).first()
            if target is not None and target.pk != extension.pk:
                return target.number
        errors["number"] = [_("This is one of the company's own numbers; forward to an extension instead.")]
        return ""
    outside = numbering.outside_number(e164, tenant.country)
    if outside is None:
        errors["number"] = [_("%(value)s is not a valid phone number.") % {"value": raw}]
    elif extension.class_of_service == ClassOfService.INTERNAL:
        errors["number"] = [_("This extension may not call outside numbers, so it cannot forward to them.")]
    elif outside.international and extension.class_of_service != ClassOfService.INTERNATIONAL:
        errors["number"] = [_("This extension may not call international numbers.")]
    elif outside.premium and not extension.allow_premium:
        errors["number"] = [_("This extension may not call premium-rate numbers.")]
    return e164


def _clean_rule(
    tenant: Tenant, extension: Extension, condition: str, target: str, number: str, no_answer_seconds: int | None
) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    if condition not in ForwardCondition.values:
        errors["condition"] = [_("Choose always, busy, no answer or not registered.")]
    if target not in ForwardTarget.values:
        errors["target"] = [_("Choose voicemail, busy or a phone number.")]
    cleaned_number = ""
    if target == ForwardTarget.NUMBER:
        cleaned_number = _clean_number(tenant, extension, number, errors)
    seconds = None
    if condition == ForwardCondition.NO_ANSWER:
        seconds = DEFAULT_NO_ANSWER_SECONDS if no_answer_seconds is None else no_answer_seconds
        if isinstance(seconds, bool) or seconds not in NO_ANSWER_SECONDS:
            choices = ", ".join(str(s) for s in NO_ANSWER_SECONDS)
            errors["no_answer_seconds"] = [_("Choose %(choices)s seconds.") % {"choices": choices}]
    if errors:
        raise ValidationError(errors)
    return {"target": target, "number": cleaned_number, "no_answer_seconds": seconds}


def _write_rule(
    tenant: Tenant, actor: User | None, profile: ForwardingProfile, condition: str, values: dict[str, object]
) -> ForwardingRule:
    before = _profile_state(profile)
    rule, _created = ForwardingRule.objects.update_or_create(tenant=tenant, profile=profile, condition=condition, defaults=values)
    audit.record(
        tenant=tenant, actor=actor, action="forwarding_rule.set", obj=profile, before=before, after=_profile_state(profile)
    )
    return rule


@transaction.atomic
def check_set_rule(
    tenant: Tenant,
    *,
    actor: User | None,
    profile: ForwardingProfile,
    condition: str,
    target: str,
    number: str = "",
    no_answer_seconds: int | None = None,
) -> ForwardingRule:
    """Set (or replace) the profile's rule for ``condition``.

    ``number`` (target "number") is an extension of the tenant or an outside number in any form
    people type (``089 2343123``, ``0049 89 2343123``, ``+49892343123``), kept in E.164; the
    extension must be allowed to call it. The no-answer timer is 5, 10, 15 or 20 seconds
    (20 when not given); other conditions have none.
    """
    profile = _locked_profile(tenant, profile)
    values = _clean_rule(tenant, profile.extension, condition, target, number, no_answer_seconds)
    rule = _write_rule(tenant, actor, profile, condition, values)
    _forwarding_changed(tenant, profile, "updated")
    return rule


@transaction.atomic
def check_clear_rule(tenant: Tenant, *, actor: User | None, profile: ForwardingProfile, condition: str) -> None:
    """Remove the profile's rule for ``condition``; nothing happens when there is none."""
    profile = _locked_profile(tenant, profile)
    if condition not in ForwardCondition.values:
        raise ValidationError({"condition": [_("Choose always, busy, no answer or not registered.")]})
    _clear(tenant, actor, profile, condition)
    _forwarding_changed(tenant, profile, "updated")


def _clear(tenant: Tenant, actor: User | None, profile: ForwardingProfile, condition: str) -> None:
    before = _profile_state(profile)
    deleted, _rows = ForwardingRule.objects.filter(profile=profile, condition=condition).delete()
    if deleted:
        audit.record(
            tenant=tenant, actor=actor, action="forwarding_rule.clear", obj=profile, before=before, after=_profile_state(profile)
        )


# --- selective (source-based) rules ([DFN] §1.9) -------------------------------------------------
# A profile's rules for some callers only; ``telephony.calls.routing.selective_rule`` picks the one that applies.
MAX_SELECTIVE_RULES = 100  # per profile
_PREFIX = re.compile(r"^\+[1-9][0-9]{0,14}$")
_SELECTIVE_FIELDS = (
    "match",
    "match_key",
    "match_extension_id",
    "match_contact_id",
    "match_prefix",
    "allow",
    "condition",
    "target",
    "number",
    "no_answer_seconds",
)


@dataclass(frozen=True)
class CallerSelection:
    """Which callers a selective rule is about: ``match`` (a ``SelectiveMatch``) and, for it, the extension, contact or prefix."""

    match: str
    extension: Id | None = None
    contact: Id | None = None
    prefix: str = ""


def clean_prefix(raw: str, country: str) -> str:
    """A number prefix in E.164 form: ``+4989``, ``0049 89`` and (national) ``089`` all give ``+4989``.

    Raises a ``ValidationError`` on the field ``prefix`` for anything else.
    """
    import phonenumbers

    text = _SEPARATORS.sub("", raw or "")
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("0") and len(text) > 1:
        code = phonenumbers.country_code_for_region((country or "DE").upper())
        text = f"+{code}{text[1:]}" if code else text
    if not _PREFIX.match(text):
        raise ValidationError(
            {"prefix": [_("Give a number or prefix in international form, e.g. +49, +4989 or +4989999998101.")]}
        )
    return text


def _clean_selection(
    tenant: Tenant,
    profile: ForwardingProfile,
    selection: CallerSelection,
    errors: dict[str, list[str]],
    actor: User | None = None,
) -> dict[str, object]:
    """The caller-selection fields of a selective rule, every reference checked against ``tenant``.

    A private contact can be named only by its owner, the extension's user: an admin editing the
    extension sees the company directory, not the user's private one.
    """
    from telephony.contacts.models import Contact

    match = selection.match
    if match == SelectiveMatch.ANONYMOUS or match == SelectiveMatch.INTERNAL:
        return {"match": match, "match_key": str(match)}
    if match == SelectiveMatch.EXTENSION:
        extension = (
            Extension.objects.for_tenant(tenant).filter(pk=selection.extension).first() if _is_uuid(selection.extension) else None
        )
        if extension is None:
            errors["extension"] = [_("Choose an extension of this company.")]
            return {}
        if extension.pk == profile.extension_id:
            errors["extension"] = [_("Calls of an extension to itself are never forwarded; choose another extension.")]
            return {}
        return {"match": match, "match_key": f"extension:{extension.pk}", "match_extension": extension}
    if match == SelectiveMatch.CONTACT:
        contacts = Contact.objects.for_tenant(tenant)
        contact = contacts.filter(pk=selection.contact).first() if _is_uuid(selection.contact) else None
        owner = profile.extension.user_id
        own_private = owner is not None and contact is not None and contact.owner_id == owner == getattr(actor, "pk", None)
        if contact is None or not (contact.owner_id is None or own_private):
            errors["contact"] = [_("Choose a contact of the company directory or of the extension's user.")]
            return {}
        return {"match": match, "match_key": f"contact:{contact.pk}", "match_contact": contact}
    if match == SelectiveMatch.PREFIX:
        try:
            prefix = clean_prefix(selection.prefix, tenant.country)
        except ValidationError as error:
            errors.update(error.message_dict)
            return {}
        return {"match": match, "match_key": f"prefix:{prefix}", "match_prefix": prefix}
    errors["match"] = [_("Choose anonymous callers, all internal calls, an extension, a contact or a number prefix.")]
    return {}


def _selective_state(profile: ForwardingProfile) -> dict[str, object]:
    rules = SelectiveRule.objects.filter(profile=profile).order_by("match_key", "condition")
    return {
        "extension": profile.extension.number,
        "slot": profile.slot,
        "selective_rules": [
            {
                "callers": rule.match_key,
                "allow": rule.allow,
                "condition": rule.condition,
                "target": rule.target,
                "number": rule.number,
                "no_answer_seconds": rule.no_answer_seconds,
            }
            for rule in rules
        ],
    }


def _selective_profile(tenant: Tenant, profile: ForwardingProfile) -> ForwardingProfile:
    profile = _locked_profile(tenant, profile)
    if profile.is_default:
        raise ValidationError(
            {"profile": [_("The default profile cannot have selective rules; create another profile for them.")]}
        )
    return profile


@transaction.atomic
def check_set_selective_rule(
    tenant: Tenant,
    *,
    actor: User | None,
    profile: ForwardingProfile,
    selection: CallerSelection,
    allow: bool = False,
    condition: str = "",
    target: str = "",
    number: str = "",
    no_answer_seconds: int | None = None,
) -> SelectiveRule:
    """Set a profile's rule for some callers ([DFN] §1.9): let them through (``allow``) or forward them.

    A forwarding rule has a condition and a target as ordinary rules do (same choices and
    checks) and replaces the rule of the same callers and condition. ``allow`` replaces every
    rule of these callers, and a forwarding rule replaces their "allow". Not on the default profile.
    """
    profile = _selective_profile(tenant, profile)
    errors: dict[str, list[str]] = {}
    selection_fields = _clean_selection(tenant, profile, selection, errors, actor)
    values: dict[str, object] = {"allow": False, "condition": "", "target": "", "number": "", "no_answer_seconds": None}
    if isinstance(allow, bool) and allow:
        values["allow"] = True
    elif not isinstance(allow, bool):
        errors["allow"] = [_("Choose on or off.")]
    else:
        try:
            values.update(_clean_rule(tenant, profile.extension, condition, target, number, no_answer_seconds))
            values["condition"] = condition
        except ValidationError as error:
            errors.update(error.message_dict)
    key = selection_fields.get("match_key")
    existing = SelectiveRule.objects.filter(profile=profile)
    replaced = existing.filter(match_key=key) if values["allow"] else existing.filter(match_key=key, condition=condition)
    if not errors and existing.count() - replaced.count() >= MAX_SELECTIVE_RULES:
        errors["profile"] = [_("A profile has at most %(count)d selective rules.") % {"count": MAX_SELECTIVE_RULES}]
    if errors:
        raise ValidationError(errors)
    before = _selective_state(profile)
    same_callers = existing.filter(match_key=key)
    (same_callers if values["allow"] else same_callers.filter(allow=True)).delete()
    rule, _created = SelectiveRule.objects.update_or_create(
        tenant=tenant,
        profile=profile,
        match_key=key,
        condition=values["condition"],
        defaults={**selection_fields, **values},
    )
    audit.record(
        tenant=tenant,
        actor=actor,
        action="forwarding_selective_rule.set",
        obj=profile,
        before=before,
        after=_selective_state(profile),
    )
    _forwarding_changed(tenant, profile, "updated")
    return rule


@transaction.atomic
def check_delete_selective_rule(tenant: Tenant, *, actor: User | None, rule: SelectiveRule) -> None:
    """Remove one selective rule (one condition, or the "allow", of one selection of callers)."""
    found = SelectiveRule.objects.for_tenant(tenant).filter(pk=getattr(rule, "pk", None)).first()
    if found is None:
        raise ValidationError({"rule": [_("Choose a selective rule of this company.")]})
    profile = _locked_profile(tenant, found.profile)
    before = _selective_state(profile)
    SelectiveRule.objects.filter(pk=found.pk).delete()
    audit.record(
        tenant=tenant,
        actor=actor,
        action="forwarding_selective_rule.delete",
        obj=profile,
        before=before,
        after=_selective_state(profile),
    )
    _forwarding_changed(tenant, profile, "updated")


@transaction.atomic
def check_set_default_forward(
    tenant: Tenant,
    *,
    actor: User | None,
    extension: Extension,
    condition: str,
    target: str,
    number: str = "",
    no_answer_seconds: int | None = None,
) -> ForwardingProfile:
    """Set a rule on the extension's default profile and activate that profile ([DFN] §3.1, the star codes)."""
    extension = _own_extension(tenant, extension)
    ensure_default_profile(tenant, extension)
    profiles = _locked_profiles(tenant, extension)
    default = next(p for p in profiles if p.is_default)
    values = _clean_rule(tenant, extension, condition, target, number, no_answer_seconds)
    _write_rule(tenant, actor, default, condition, values)
    _activate(tenant, actor, profiles, default)
    _forwarding_changed(tenant, default, "updated")
    return default


@transaction.atomic
def check_clear_default_forward(tenant: Tenant, *, actor: User | None, extension: Extension, condition: str) -> ForwardingProfile:
    """Remove a rule of the default profile and activate that profile ([DFN] §3.1, ``**11`` ...)."""
    extension = _own_extension(tenant, extension)
    if condition not in ForwardCondition.values:
        raise ValidationError({"condition": [_("Choose always, busy, no answer or not registered.")]})
    ensure_default_profile(tenant, extension)
    profiles = _locked_profiles(tenant, extension)
    default = next(p for p in profiles if p.is_default)
    _clear(tenant, actor, default, condition)
    _activate(tenant, actor, profiles, default)
    _forwarding_changed(tenant, default, "updated")
    return default


def personal_settings(tenant: Tenant, extension: Extension) -> PersonalSettings:
    settings_row, _created = PersonalSettings.objects.get_or_create(tenant=tenant, extension=extension)
    return settings_row


@transaction.atomic
def check_set_dnd(tenant: Tenant, *, actor: User | None, extension: Extension, on: bool) -> None:
    """Global do-not-disturb on or off: no device rings, calls follow the forwarding settings ([DFN] §1.10)."""
    extension = _own_extension(tenant, extension)
    if not isinstance(on, bool):
        raise ValidationError({"dnd": [_("Choose on or off.")]})
    settings_row = personal_settings(tenant, extension)
    settings_row = PersonalSettings.objects.select_for_update().get(pk=settings_row.pk)
    if settings_row.dnd == on:
        return
    settings_row.dnd = on
    settings_row.save(update_fields=["dnd", "updated_at"])
    audit.record(tenant=tenant, actor=actor, action="extension.dnd", obj=extension, before={"dnd": not on}, after={"dnd": on})
    # Visible company-wide ([DFN] §1.10): a tenant event, not a personal one.
    _changed(tenant, "dnd", "updated", {"extension": extension.number, "extension_id": str(extension.pk), "dnd": on})

"""Writes of time ranges and holidays. Every change reaches the nodes' dialplan on commit."""

from __future__ import annotations

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
from telephony.directory.models import Device, PhoneNumber
from telephony.forwarding import schedule
from telephony.forwarding.models import CallerIdRule, Holiday, NumberRoute, Slot, TargetKind, TimePeriod, TimeRange
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


def _clean_target(tenant: Tenant, target: RouteTarget | None, field: str, errors: dict[str, list[str]]) -> dict | None:
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
    errors[field] = [_("Unknown target.")]
    return None


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
        cleaned = _clean_target(tenant, always, "always", errors)
        if cleaned is not None:
            rows.append({"slot": Slot.ALWAYS, **cleaned})
    elif destination == NUMBER_SCHEDULE:
        given = {str(key): value for key, value in (ranges or {}).items()}
        tenant_ranges = list(TimeRange.objects.for_tenant(tenant).order_by("position", "name"))
        unknown = set(given) - {str(time_range.pk) for time_range in tenant_ranges}
        if unknown:
            errors["ranges"] = [_("Choose time ranges of this company.")]
        for time_range in tenant_ranges:
            cleaned = _clean_target(tenant, given.get(str(time_range.pk)), f"range_{time_range.pk}", errors)
            if cleaned is not None:
                rows.append({"slot": Slot.RANGE, "time_range": time_range, **cleaned})
        for slot, target in ((Slot.HOLIDAY, holiday), (Slot.OUTSIDE, outside)):
            cleaned = _clean_target(tenant, target, slot, errors)
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

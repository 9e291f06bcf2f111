"""Tenant-scoped reads of time ranges, holidays, number routes, caller-ID rules, forwarding profiles and DND."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from telephony.directory.models import Extension, PhoneNumber
from telephony.forwarding import schedule
from telephony.forwarding.models import (
    CallerIdRule,
    ForwardingProfile,
    ForwardingRule,
    Holiday,
    NumberRoute,
    PersonalSettings,
    SelectiveRule,
    TimeRange,
)
from tenants.models import Tenant


def time_ranges(tenant: Tenant) -> QuerySet[TimeRange]:
    return TimeRange.objects.for_tenant(tenant).prefetch_related("periods")


def holidays(tenant: Tenant) -> QuerySet[Holiday]:
    return Holiday.objects.for_tenant(tenant)


def get_time_range(tenant: Tenant, range_id: uuid.UUID | str) -> TimeRange:
    try:
        return time_ranges(tenant).get(pk=range_id)
    except (TimeRange.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_holiday(tenant: Tenant, holiday_id: uuid.UUID | str) -> Holiday:
    try:
        return holidays(tenant).get(pk=holiday_id)
    except (Holiday.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def tenant_schedule(tenant: Tenant) -> schedule.Schedule:
    """The tenant's whole schedule as pure data (two queries)."""
    return schedule.Schedule(
        time_zone=tenant.time_zone,
        ranges=tuple(time_range.as_spec() for time_range in time_ranges(tenant)),
        holidays=tuple(holiday.as_spec() for holiday in holidays(tenant)),
    )


def current_state(tenant: Tenant, now: datetime | None = None) -> schedule.ScheduleState:
    return tenant_schedule(tenant).state_at(now or timezone.now())


# --- number routing and caller-ID rules --------------------------------------------------------
def number_routes(tenant: Tenant, phone_number: PhoneNumber) -> list[NumberRoute]:
    return list(
        NumberRoute.objects.for_tenant(tenant)
        .filter(phone_number=phone_number)
        .select_related("time_range", "target_extension", "target_group", "target_announcement", "phone_number")
        .order_by("slot", "time_range__position", "time_range__name")
    )


def tenant_numbers(tenant: Tenant) -> QuerySet[PhoneNumber]:
    return PhoneNumber.objects.for_tenant(tenant).select_related("destination_extension").order_by("number")


def get_number(tenant: Tenant, number_id: uuid.UUID | str) -> PhoneNumber:
    try:
        return tenant_numbers(tenant).get(pk=number_id)
    except (PhoneNumber.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def caller_id_rules(tenant: Tenant) -> QuerySet[CallerIdRule]:
    return (
        CallerIdRule.objects.for_tenant(tenant)
        .select_related("presented_number")
        .prefetch_related(Prefetch("numbers", queryset=PhoneNumber.objects.order_by("number")))
    )


def get_caller_id_rule(tenant: Tenant, rule_id: uuid.UUID | str) -> CallerIdRule:
    try:
        return caller_id_rules(tenant).get(pk=rule_id)
    except (CallerIdRule.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class PresentedNumber:
    """What one extension presents on outside calls, and why (the caller-ID summary, [VTX] §2.10)."""

    extension: str
    display_name: str
    own_number: str | None
    presented: str | None
    reason: str  # "rule", "own", "main", "withheld", "none"


def caller_id_summary(tenant: Tenant) -> list[PresentedNumber]:
    """Every extension with the number it presents outside, computed by the routing engine's own rule."""
    from telephony.calls.routing import CallerIdMode, outside_caller_id
    from telephony.calls.snapshot import build_snapshot

    snapshot = build_snapshot(str(tenant.pk))
    rows = []
    for info in sorted(snapshot.extensions.values(), key=lambda e: e.number):
        presented = outside_caller_id(info, snapshot)
        own = info.own_number if info.own_number in snapshot.numbers else None
        if info.caller_id_mode == CallerIdMode.WITHHELD:
            reason = "withheld"
        elif (
            own is not None and info.caller_id_mode == CallerIdMode.OWN and snapshot.caller_id_rules.get(own) == presented.number
        ):
            reason = "rule"
        elif presented.number is None:
            reason = "none"
        else:
            reason = "own" if presented.number == own else "main"
        rows.append(PresentedNumber(info.number, info.display_name, own, presented.number, reason))
    return rows


# --- forwarding profiles and DND ----------------------------------------------------------------
def forwarding_profiles(tenant: Tenant) -> QuerySet[ForwardingProfile]:
    """The tenant's forwarding profiles with their extension and rules (two queries for any number)."""
    return (
        ForwardingProfile.objects.for_tenant(tenant)
        .select_related("extension")
        .prefetch_related(Prefetch("rules", queryset=ForwardingRule.objects.order_by("condition")))
        .order_by("extension__number", "slot")
    )


def extension_profiles(tenant: Tenant, extension: Extension) -> list[ForwardingProfile]:
    return list(forwarding_profiles(tenant).filter(extension=extension))


def get_profile(tenant: Tenant, profile_id: uuid.UUID | str, *, extension: Extension | None = None) -> ForwardingProfile:
    profiles = forwarding_profiles(tenant)
    if extension is not None:
        profiles = profiles.filter(extension=extension)
    try:
        return profiles.get(pk=profile_id)
    except (ForwardingProfile.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


def dnd_enabled(tenant: Tenant, extension: Extension) -> bool:
    """Whether global do-not-disturb is on for ``extension`` (off when never set)."""
    return PersonalSettings.objects.for_tenant(tenant).filter(extension=extension, dnd=True).exists()


# --- selective rules ----------------------------------------------------------------------------
def selective_rules(tenant: Tenant, extension: Extension) -> list[SelectiveRule]:
    """The selective rules of the extension's profiles, by profile number (one query)."""
    return list(
        SelectiveRule.objects.for_tenant(tenant)
        .filter(profile__extension=extension)
        .select_related("profile", "match_extension", "match_contact")
        .order_by("profile__slot", "match", "match_key", "condition")
    )


def get_selective_rule(tenant: Tenant, rule_id: object, *, extension: Extension) -> SelectiveRule:
    try:
        return SelectiveRule.objects.for_tenant(tenant).select_related("profile").get(pk=rule_id, profile__extension=extension)
    except (SelectiveRule.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


def selectable_contacts(tenant: Tenant, extension: Extension, *, viewer: object = None) -> QuerySet:
    """Contacts a selective rule of ``extension`` may name: the company directory, and its user's own
    when that user is the one choosing (``viewer``); private contacts are not shown to others."""
    from django.db.models import Q

    from telephony.contacts.models import Contact

    owner = extension.user_id
    own = owner is not None and getattr(viewer, "pk", None) == owner
    mine = Q(owner__isnull=True) | (Q(owner_id=owner) if own else Q(pk__in=[]))
    return Contact.objects.for_tenant(tenant).filter(mine).order_by("name")

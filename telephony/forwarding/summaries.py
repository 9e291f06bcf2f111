"""Sentences describing time ranges and number routing, in the active language (portal, printouts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from telephony.forwarding import schedule
from telephony.forwarding.models import Slot, TargetKind


def days_text(weekdays: frozenset[int] | list[int]) -> str:
    parts = []
    for first, last in schedule.weekday_runs(weekdays):
        if first == last:
            parts.append(str(WEEKDAYS[first]))
        elif last == first + 1:
            parts.append(f"{WEEKDAYS_ABBR[first]}, {WEEKDAYS_ABBR[last]}")
        else:
            parts.append(f"{WEEKDAYS_ABBR[first]}–{WEEKDAYS_ABBR[last]}")
    return ", ".join(parts)


def periods_text(periods: tuple[schedule.Period, ...]) -> str:
    return ", ".join(f"{schedule.format_minute(p.start)}–{schedule.format_minute(p.end)}" for p in periods)


def range_summary(time_range: schedule.Range) -> str:
    return str(format_lazy(_("{days}, {periods}"), days=days_text(time_range.weekdays), periods=periods_text(time_range.periods)))


# --- number routing ([VTX] §2.3) -----------------------------------------------------------------
@dataclass
class RouteRow:
    """One case of a number's routing, as the portal and the printout show it."""

    case: str  # "Always", "Office hours", "On holidays" ...
    when: str  # days and periods of the range, or ""
    target: str
    group: Any = None  # the HuntGroup when the target is a group
    members: list[Any] = field(default_factory=list)
    group_type: str = ""
    group_summary: str = ""
    no_answer: str = ""


def target_text(route: Any) -> str:
    if route.target_kind == TargetKind.EXTENSION and route.target_extension is not None:
        return _("Extension %(number)s %(name)s") % {
            "number": route.target_extension.number,
            "name": route.target_extension.display_name,
        }
    if route.target_kind == TargetKind.GROUP and route.target_group is not None:
        return _("Group %(number)s %(name)s") % {"number": route.target_group.short_number, "name": route.target_group.name}
    if route.target_kind == TargetKind.ANNOUNCEMENT:
        name = route.target_announcement.name if route.target_announcement is not None else _("Default announcement (tones)")
        return _("Announcement %(name)s") % {"name": name}
    if route.target_kind == TargetKind.VOICEMAIL:
        return _("Voicemail of %(number)s") % {"number": route.phone_number.number}
    return _("End the call")


def number_routing_rows(tenant: Any, phone_number: Any) -> list[RouteRow]:
    """Every case of ``phone_number``: for a group target also its members, distribution, ring count and no-answer rule."""
    from telephony.forwarding import selectors
    from telephony.groups import summaries as group_summaries
    from telephony.groups.models import GroupMember

    rows = []
    order = {Slot.ALWAYS: 0, Slot.RANGE: 1, Slot.HOLIDAY: 2, Slot.OUTSIDE: 3}
    routes = sorted(
        selectors.number_routes(tenant, phone_number),
        key=lambda r: (order[r.slot], r.time_range.position if r.time_range else 0, r.time_range.name if r.time_range else ""),
    )
    for route in routes:
        if route.slot == Slot.RANGE:
            spec = route.time_range.as_spec()
            case, when = route.time_range.name, range_summary(spec)
        else:
            case, when = str(Slot(route.slot).label), ""
        row = RouteRow(case=case, when=when, target=target_text(route))
        group = route.target_group
        if route.target_kind == TargetKind.GROUP and group is not None:
            row.group = group
            row.members = list(GroupMember.objects.filter(group=group).select_related("extension").order_by("position"))
            row.group_type = group_summaries.type_text(group)
            row.group_summary = group_summaries.group_summary(group, len(row.members))
            row.no_answer = group_summaries.no_answer_text(group)
        rows.append(row)
    return rows


def destination_text(phone_number: Any) -> str:
    """One line for a number's routing in lists."""
    kind = phone_number.destination_kind
    if kind == "extension" and phone_number.destination_extension is not None:
        return _("Extension %(number)s %(name)s") % {
            "number": phone_number.destination_extension.number,
            "name": phone_number.destination_extension.display_name,
        }
    return {
        "group": _("A group"),
        "announcement": _("An announcement"),
        "schedule": _("By time range"),
    }.get(kind, _("Not routed"))

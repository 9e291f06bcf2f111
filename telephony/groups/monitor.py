"""The tenant admin's activity monitor ([VTX] §2.1, §9 items 17-18): the company's telephony right now.

``activity_monitor(tenant)`` reads the database and the switch's live state (Redis) once and
returns what the monitor page shows:

- the date and time in the tenant's time zone and the schedule's current state (time range,
  holiday or outside the ranges), with the instant it next changes;
- for each of the tenant's numbers, the case of its routing that applies now and its target;
- each hunt group's members with their connection state;
- the counts of absent users and unavailable phones.

Definitions (the page's help text says the same):

- a phone (a ``Device``, one SIP account) is **unavailable** when it has no current registration;
- a user is **absent** when none of the devices of their extensions is registered (a user without
  any device counts as absent: nobody can reach them). There is no DND or absence state yet;
- a group member (an extension) is **busy** when one of its devices has a live answered call,
  **ringing** when one rings, else **registered** when one of its devices is registered, else
  **not registered**.

Reads only: nothing here writes. The page stays live through the event pipeline (the browser
re-fetches the monitor on registration, call and presence events), never by polling.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from telephony.directory.choices import DestinationKind
from telephony.directory.models import Device, Extension, PhoneNumber
from telephony.forwarding import schedule
from telephony.forwarding.models import NumberRoute, Slot
from telephony.forwarding.selectors import tenant_numbers, tenant_schedule
from telephony.forwarding.summaries import destination_text, target_text
from telephony.groups import selectors
from telephony.groups.models import HuntGroup
from tenants.models import Tenant

# How far ahead the next change of the schedule is looked for: a week and a day covers every
# weekly range; only a long holiday (or no range at all) has no change inside it.
HORIZON_DAYS = 8

# Member states, from the most to the least engaged.
BUSY, RINGING, REGISTERED, NOT_REGISTERED = "busy", "ringing", "registered", "not_registered"
# Channel states of livestate's live calls (``telephony.freeswitch.gateway``) that make a device busy.
_IN_CALL_STATES = {"answered", "bridged"}


@dataclass(frozen=True)
class MemberState:
    """One member of a group (an extension) and how reachable it is now."""

    extension: Extension
    state: str  # BUSY, RINGING, REGISTERED or NOT_REGISTERED
    devices: int
    registered_devices: int

    @property
    def label(self) -> str:
        return state_label(self.state)


@dataclass(frozen=True)
class GroupState:
    group: HuntGroup
    members: list[MemberState]

    @property
    def reachable(self) -> int:
        """Members with at least one registered device (busy ones included)."""
        return sum(1 for member in self.members if member.state != NOT_REGISTERED)


@dataclass(frozen=True)
class NumberState:
    """A phone number and where its calls go right now."""

    phone_number: PhoneNumber
    case: str  # "Office hours", "On holidays", "Always", ...; "" when the number is not routed
    target: str


@dataclass(frozen=True)
class Monitor:
    now: datetime  # in the tenant's time zone
    time_zone: str
    schedule_state: schedule.ScheduleState
    current_range: str  # the name of the current range, or "On holidays (label)" / "Outside the time ranges"
    next_change_at: datetime | None  # when the schedule's state changes next (None: not within HORIZON_DAYS)
    refresh_at: datetime | None  # when the page should look again without any event
    numbers: list[NumberState]
    groups: list[GroupState]
    phones: int
    unavailable_phones: list[Device] = field(default_factory=list)
    users: int = 0
    absent_users: list[Any] = field(default_factory=list)  # User objects

    @property
    def unavailable_phone_count(self) -> int:
        return len(self.unavailable_phones)

    @property
    def absent_user_count(self) -> int:
        return len(self.absent_users)


def state_label(state: str) -> str:
    return {
        BUSY: _("Busy"),
        RINGING: _("Ringing"),
        REGISTERED: _("Registered"),
        NOT_REGISTERED: _("Not registered"),
    }[state]


# --- the schedule ------------------------------------------------------------------------------
def state_text(state: schedule.ScheduleState) -> str:
    if state.range is not None:
        return state.range.name
    if state.holiday is not None:
        return _("On holidays (%(label)s)") % {"label": state.holiday.label}
    return str(Slot.OUTSIDE.label)


def _candidates(plan: schedule.Schedule, first_day: date, days: int) -> Iterable[datetime]:
    """Every instant at which the state may change: local midnights and each period's start and end."""
    zone = ZoneInfo(plan.time_zone)
    minutes = {0} | {minute for r in plan.ranges for period in r.periods for minute in (period.start, period.end)}
    for offset in range(days + 1):
        midnight = datetime.combine(first_day + timedelta(days=offset), time())
        for minute in sorted(minutes):
            # Wall-clock time in the tenant's zone; zoneinfo resolves the days daylight saving starts or ends.
            yield (midnight + timedelta(minutes=minute)).replace(tzinfo=zone).astimezone(UTC)


def next_change(plan: schedule.Schedule, now: datetime, *, horizon_days: int = HORIZON_DAYS) -> datetime | None:
    """The first instant after ``now`` at which ``plan`` is in another state; None if none within the horizon.

    Pure, like ``telephony.forwarding.schedule``: periods start and end on whole minutes and
    holidays on local midnights, so only those instants need to be tried.
    """
    current = plan.state_at(now)
    local_today = now.astimezone(ZoneInfo(plan.time_zone)).date()
    for candidate in sorted(_candidates(plan, local_today, horizon_days)):
        if candidate > now and plan.state_at(candidate) != current:
            return candidate
    return None


# --- numbers ---------------------------------------------------------------------------------------
def _number_state(phone_number: PhoneNumber, routes: list[NumberRoute], state: schedule.ScheduleState) -> NumberState:
    """The case of the number's routing that applies in ``state`` (the rule of ``calls.routing.number_target``)."""
    kind = phone_number.destination_kind
    if kind == DestinationKind.EXTENSION or kind == DestinationKind.NONE:
        case = str(Slot.ALWAYS.label) if kind == DestinationKind.EXTENSION else ""
        return NumberState(phone_number, case, destination_text(phone_number))
    by_key = {str(route.time_range_id) if route.slot == Slot.RANGE else route.slot: route for route in routes}
    if Slot.ALWAYS in by_key:
        return NumberState(phone_number, str(Slot.ALWAYS.label), target_text(by_key[Slot.ALWAYS]))
    route = by_key.get(state.key)
    if route is None and state.kind == "holiday":
        route = by_key.get(Slot.OUTSIDE)  # a holiday without its own target: the company is closed
    return NumberState(phone_number, state_text(state), target_text(route) if route is not None else _("Not routed"))


def _numbers(tenant: Tenant, state: schedule.ScheduleState) -> list[NumberState]:
    routes: dict[Any, list[NumberRoute]] = defaultdict(list)
    queryset = NumberRoute.objects.for_tenant(tenant).select_related("target_extension", "target_group", "target_announcement")
    for route in queryset:
        routes[route.phone_number_id].append(route)
    return [_number_state(number, routes[number.pk], state) for number in tenant_numbers(tenant)]


# --- live state --------------------------------------------------------------------------------
def _live(tenant: Tenant) -> tuple[set[str], dict[str, str]]:
    """Registered SIP user names, and the call state of each SIP user in a call (busy over ringing).

    A Redis outage shows everything as not registered rather than failing the page
    (``livestate``'s readers log it and answer "nothing live").
    """
    from telephony.freeswitch import livestate

    tenant_id = str(tenant.pk)
    registered = livestate.registered_usernames(tenant_id)
    calls: dict[str, str] = {}
    for channel in livestate.active_calls(tenant_id):
        username = channel.get("sip_username")
        if not username:
            continue
        state = BUSY if channel.get("state") in _IN_CALL_STATES else RINGING
        if calls.get(username) != BUSY:
            calls[username] = state
    return registered, calls


def _member_state(usernames: list[str], registered: set[str], calls: dict[str, str]) -> tuple[str, int]:
    online = sum(1 for name in usernames if name in registered)
    in_call = {calls[name] for name in usernames if name in calls}
    if BUSY in in_call:
        return BUSY, online
    if RINGING in in_call:
        return RINGING, online
    return (REGISTERED if online else NOT_REGISTERED), online


# --- the monitor -------------------------------------------------------------------------------
def activity_monitor(tenant: Tenant, *, now: datetime | None = None) -> Monitor:
    """Everything the monitor shows for ``tenant`` at ``now`` (default: the current time).

    About ten queries whatever the number of groups, members and devices, and two Redis reads.
    """
    now = now or timezone.now()
    plan = tenant_schedule(tenant)
    current = plan.state_at(now)
    upcoming = next_change(plan, now)
    refresh_at = upcoming
    if upcoming is None and (plan.ranges or plan.holidays):
        refresh_at = now + timedelta(days=HORIZON_DAYS)  # e.g. a long holiday: look again then

    registered, calls = _live(tenant)
    devices = list(Device.objects.for_tenant(tenant).select_related("extension").order_by("extension__number", "sip_username"))
    usernames_by_extension: dict[Any, list[str]] = defaultdict(list)
    for device in devices:
        usernames_by_extension[device.extension_id].append(device.sip_username)

    groups = []
    for group in selectors.groups(tenant):
        members = []
        for member in group.members.all():
            usernames = usernames_by_extension[member.extension_id]
            state, online = _member_state(usernames, registered, calls)
            members.append(MemberState(member.extension, state, len(usernames), online))
        groups.append(GroupState(group, members))

    people: dict[Any, Any] = {}
    reachable_people: set[Any] = set()
    for extension in Extension.objects.for_tenant(tenant).filter(user__isnull=False).select_related("user"):
        people[extension.user_id] = extension.user
        if any(name in registered for name in usernames_by_extension[extension.pk]):
            reachable_people.add(extension.user_id)
    absent = sorted((user for pk, user in people.items() if pk not in reachable_people), key=lambda user: str(user).lower())

    zone = ZoneInfo(tenant.time_zone)
    return Monitor(
        now=now.astimezone(zone),
        time_zone=tenant.time_zone,
        schedule_state=current,
        current_range=state_text(current),
        next_change_at=upcoming.astimezone(zone) if upcoming is not None else None,
        refresh_at=refresh_at,
        numbers=_numbers(tenant, current),
        groups=groups,
        phones=len(devices),
        unavailable_phones=[device for device in devices if device.sip_username not in registered],
        users=len(people),
        absent_users=absent,
    )

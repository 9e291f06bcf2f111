"""The call-routing engine: what a call does, decided in pure Python (ARCHITECTURE.md rule 2).

``route(call, snapshot, live) -> CallPlan`` looks at

- the call (``CallRequest``): who calls (a device of the tenant, the control plane on behalf of
  an extension, or a carrier on one of the platform's trunks), what was dialled, and when;
- the tenant's configuration (``TenantSnapshot``): extensions and their devices, phone numbers,
  the access-code rule, the class of service, the outside-call limit, the platform's trunks;
- what is happening right now (``LiveState``): the outside calls in progress;

and returns a ``CallPlan``: the steps to run in order, in domain terms (ring these devices for
so long, bridge to an outside number over these trunks, play this announcement, refuse with
this SIP code). It knows nothing of FreeSWITCH, reads no clock and does no I/O: the time comes
in the request, the rest in the snapshot and the live state. ``telephony.freeswitch.dialplan``
renders a plan as dialplan XML.

Extending it (forwarding profiles, hunt groups, time ranges, voicemail): add a step dataclass
here (a frozen dataclass; terminal steps also go into ``TERMINAL_STEPS``), teach the renderer
to render it, and insert it where the plan is built. A plan always ends with exactly one
terminal step, so every call has a definite outcome; ``CallPlan`` checks this when built.

Rules, in the order they apply to a call from an extension:

1. Emergency numbers of the tenant's location (``numbering.is_emergency_number``) always go out,
   also with the access digit in front, whatever the class of service, the tenant's status or
   the outside-call limit. They present the extension's own number, else the main number.
2. A tenant that is expired or suspended places no other call.
3. Numbers of the internal plan win ([AW] §3.3): an extension number rings that extension.
4. With the access-code rule on ([VTX] §2.10), outside numbers must start with 0; without the 0
   they are not routed outside. A trailing ``#`` is never part of the number.
5. Outside numbers are normalised to E.164 for the tenant's country; a number of the tenant
   itself is routed directly (its extension, or its number routes). Otherwise the class of
   service is checked (internal only / national / international; premium-rate numbers need
   their own permission), then the outside-call limit, then the call goes out over the trunks
   in priority order, presenting the caller-ID the extension's mode and the company's
   caller-ID rules give ([VTX] §2.10).
6. A hunt group's short number (after extensions) rings the group ([VTX] §2.4, §3.2);
   ``##`` + a short number dials the company-directory contact's first number under rule 5,
   without the access digit ([VTX] §2.9).
7. ``086`` + one of the company's numbers (national or international form) opens that number's
   company voicemail for listening (``Voicemail(check=True)``; mod_voicemail asks the password);
   it is checked before the access code. ``086`` + another number in that form is invalid.

A call from a trunk rings the extension its number (DID) points to, or follows the number's
routes ([VTX] §2.3): one target always (a group or an announcement), or one per state of the
tenant's schedule at ``call.now`` (each time range, holidays, outside hours; a holiday without
its own target takes the outside-hours one). Unknown or unrouted numbers are refused (404), a
blocked tenant with 480, full outside lines with busy. It never goes out again, except by a
hunt group's "divert to a number" rule.

Forwarding ([DFN] §1.9, §1.10): a call that reaches an extension (dialled, by its number, or a
number route's extension; not as a hunt-group member) follows the rules of the extension's active
forwarding profile, unless the extension calls itself. Global DND forwards every call to the
"always" target, else the "busy" target, else ends it busy. Then "always" forwards at once; "busy"
when one of its devices is in a call and "not registered" when none of them is registered (both
read from the live state: a plan that depended on it says ``needs_line_state``, and the caller reads
it and routes again); "no answer" rings for the rule's timer, then forwards. A target is the
extension's voicemail, busy, another extension (rung without its own forwarding: one hop, no loops)
or an outside number, called under the forwarding extension's class of service and caller ID and
the tenant's outside-call limit. Selective rules of the active profile come first: the most specific
one matching the caller (``selective_rule``: an extension, else all internal calls; an exact
number, else a contact, else the longest prefix; anonymous callers, whose number is withheld or
unknown) either lets the caller through (the extension rings, the ordinary rules are skipped) or
replaces the ordinary rules by its own; global DND still applies.

Call options ([DFN] §1.8, §1.10), for a call that reaches an extension as above: devices with
their own DND on (mobility option) do not ring, and when that leaves none of its devices, the call
is handled as under global DND. Without call waiting (the default) a call while one of its devices
is in a call is busy: the "busy" rule forwards it, else it ends busy (live state, as above); with
call waiting it rings and the busy rule does not apply. Parallel ringing adds another extension's
devices, or an outside number (the extension's class of service and caller ID, the outside-call
limit, the first trunk; left out when not allowed), to the ring step. Intercom (``*80`` +
extension, ``CallRequest.intercom``) rings only the target's primary device, asking it to answer
at once, when the target turned intercom on and that device is active and intercom-flagged; else
the call is refused (484). Forwarding does not apply to it; DND or a primary device in a call
answer busy.

Hunt groups: ``telephony.groups.strategies.ring_plan`` orders the members (skipping those with
no registered device, and the calling device) into ring steps of ``ring_count`` x 5 s, after a
``GroupCall`` marker and the group's ``RingTone``; then the no-answer rule: divert to another
group (followed; a group already rung ends the chain), to an outside number (the company's
rule: no class of service, but never premium-rate or the company's own numbers, the
outside-call limit counting an inbound call's own line, the main number presented), to an
announcement (``PlayMedia``), to a number's company voicemail (``company_voicemail_steps``: on, the
greeting and a message; greeting only, the greeting; off, an announcement), or end the call. A
number route can send calls to the number's own voicemail the same way. The state the strategies remember (cyclic start,
idle times) and the random seed come in ``LiveState``; ``CallPlan.groups`` lists the groups a
call reaches, so that the caller can claim their state and route again
(``telephony.freeswitch.dialplan.route_with_groups``).
"""

from __future__ import annotations

import enum
import random
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from telephony.calls import numbering
from telephony.forwarding.schedule import Schedule
from telephony.groups import strategies
from telephony.groups.strategies import GroupState

# How long devices ring before the call gives up (a no-answer forwarding rule rings for its own timer).
RING_TIMEOUT_S = 30
# How long an outside number may ring.
OUTSIDE_TIMEOUT_S = 60
# An intercom call rings the primary device this long (it should answer by itself at once).
INTERCOM_TIMEOUT_S = 10
# An emergency call waits longer for the emergency centre to answer.
EMERGENCY_TIMEOUT_S = 120
# "##" + short number dials a contact of the company directory.
DIRECTORY_PREFIX = "##"
# "086" + one of the company's numbers (national or international form) opens that number's voicemail ([VTX] §2.8, §3.2).
VOICEMAIL_ACCESS_PREFIX = "086"


# --- the call ------------------------------------------------------------------------
class CallSource(enum.StrEnum):
    """Where a call comes from, which decides who the caller is and what they may do."""

    # A SIP device of the tenant, authenticated by the switch (digest); ``caller`` is its SIP user name.
    DEVICE = "device"
    # A call the control plane placed for an extension (click-to-call); ``caller`` is the extension number.
    ORIGINATE = "originate"
    # An outside call arriving on one of the platform's trunks; ``caller`` is the number the carrier sent.
    TRUNK = "trunk"


@dataclass(frozen=True)
class CallRequest:
    """One call to route, as the switch reported it (already checked to belong to ``tenant_id``)."""

    tenant_id: str
    source: CallSource
    destination: str  # as dialled; for TRUNK calls the called number (DID) as the carrier sent it
    caller: str  # see CallSource
    now: datetime  # timezone-aware
    caller_name: str = ""
    trunk: str = ""  # the trunk a TRUNK call came in on
    # A TRUNK call whose caller withheld the number (privacy): the caller counts as anonymous.
    caller_withheld: bool = False
    # ``*80`` + extension ([DFN] §1.8): put straight through to the extension's primary device, answered at once.
    intercom: bool = False


# --- the tenant's configuration ------------------------------------------------------
class ForwardCondition(enum.StrEnum):
    """When a forwarding rule applies (the values of ``forwarding.choices.ForwardCondition``)."""

    ALWAYS = "always"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    NOT_REGISTERED = "not_registered"


class ForwardTarget(enum.StrEnum):
    """Where a forwarded call goes (the values of ``forwarding.choices.ForwardTarget``)."""

    VOICEMAIL = "voicemail"
    BUSY = "busy"
    NUMBER = "number"


@dataclass(frozen=True)
class ForwardRule:
    """One rule of an extension's active forwarding profile."""

    condition: ForwardCondition
    target: ForwardTarget
    number: str = ""  # target NUMBER: an extension number of the tenant, or an outside number in E.164
    no_answer_s: int = RING_TIMEOUT_S  # condition NO_ANSWER: how long the extension rings first


class SelectiveMatch(enum.StrEnum):
    """Which callers a selective rule is about (the values of ``forwarding.choices.SelectiveMatch``)."""

    ANONYMOUS = "anonymous"
    INTERNAL = "internal"
    EXTENSION = "extension"
    CONTACT = "contact"
    PREFIX = "prefix"


@dataclass(frozen=True)
class SelectiveRule:
    """The selective rules of the active profile for one selection of callers ([DFN] §1.9).

    ``allow``: the caller gets through (the extension rings as if the profile had no rules);
    otherwise ``forwarding`` replaces the profile's ordinary rules for these callers.
    """

    match: SelectiveMatch
    value: str = ""  # EXTENSION: the extension number; PREFIX: "+" and digits, a prefix or a whole number
    numbers: frozenset[str] = frozenset()  # CONTACT: the contact's numbers in E.164
    allow: bool = False
    forwarding: tuple[ForwardRule, ...] = ()


def selective_rule(
    rules: tuple[SelectiveRule, ...], *, internal: str | None = None, outside: str | None = None
) -> SelectiveRule | None:
    """The rule for a caller: extension ``internal``, outside number ``outside`` (E.164), else anonymous.

    The most specific rule wins. An internal caller: its extension's rule, else "all internal
    calls". An outside caller: the rule for exactly its number, else a contact with that number,
    else the longest matching prefix (``+4989999998101`` > ``+4989999998`` > ``+4989`` > ``+49``).
    A caller without a number (withheld or unknown): the "anonymous" rule. Each caller falls in
    exactly one of the three groups, so rules of different groups never compete; among equally
    specific rules the first (in the snapshot's order) wins.
    """
    best: SelectiveRule | None = None
    best_score: tuple[int, int] = (0, 0)
    for rule in rules:
        score = (0, 0)
        if internal is not None:
            if rule.match == SelectiveMatch.EXTENSION and rule.value == internal:
                score = (3, 0)
            elif rule.match == SelectiveMatch.INTERNAL:
                score = (1, 0)
        elif outside is not None:
            if rule.match == SelectiveMatch.PREFIX and outside.startswith(rule.value):
                score = (3, 1) if rule.value == outside else (2, len(rule.value))
            elif rule.match == SelectiveMatch.CONTACT and outside in rule.numbers:
                score = (3, 0)
        elif rule.match == SelectiveMatch.ANONYMOUS:
            score = (1, 0)
        if score > best_score:
            best, best_score = rule, score
    return best


class TenantState(enum.StrEnum):
    ACTIVE = "active"
    TRYOUT = "tryout"
    EXPIRED = "expired"
    SUSPENDED = "suspended"


class ClassOfService(enum.StrEnum):
    """What an extension may dial outside (the values of ``directory.choices.ClassOfService``)."""

    INTERNAL = "internal"
    NATIONAL = "national"
    INTERNATIONAL = "international"


class CallerIdMode(enum.StrEnum):
    """The number outside parties see (the values of ``directory.choices.CallerIdMode``)."""

    OWN = "own"
    MAIN = "main"
    WITHHELD = "withheld"


@dataclass(frozen=True)
class ExtensionInfo:
    """What routing needs to know about one extension."""

    number: str
    display_name: str
    devices: tuple[str, ...]  # SIP user names of its active devices, in a stable order
    class_of_service: ClassOfService = ClassOfService.NATIONAL
    allow_premium: bool = False
    caller_id_mode: CallerIdMode = CallerIdMode.OWN
    own_number: str | None = None  # E.164 of a phone number routed to this extension
    presented_number: str | None = None  # E.164 of the main number chosen for this extension
    language: str = ""
    id: str = ""  # the extension's primary key (hunt-group state is kept per extension id)
    forwarding: tuple[ForwardRule, ...] = ()  # the rules of its active forwarding profile
    dnd: bool = False  # global do-not-disturb: no device rings, calls follow the forwarding rules
    # Call options ([DFN] §1.8, §1.10): the snapshot sets them from the extension and its devices.
    call_waiting: bool = False  # off: a call while one of its devices is in a call is busy
    intercom: bool = False  # accepts intercom calls (*80), on its primary device when that is intercom-flagged
    primary_device: str | None = None  # SIP user name of its primary device, when active
    intercom_devices: frozenset[str] = frozenset()  # its intercom-flagged devices
    dnd_devices: frozenset[str] = frozenset()  # its devices with DND on (mobility option): they do not ring
    parallel_ring: str = ""  # rings together with its devices: an extension number or an outside number (E.164)
    selective: tuple[SelectiveRule, ...] = ()  # the selective rules of its active profile, by caller selection

    def forward_rule(self, condition: ForwardCondition) -> ForwardRule | None:
        return next((rule for rule in self.forwarding if rule.condition == condition), None)


class MediaKind(enum.StrEnum):
    """The values of ``media.choices.MediaKind`` routing plays."""

    RING_TONE = "ringtone"
    ANNOUNCEMENT = "announcement"


@dataclass(frozen=True)
class MediaRef:
    """Audio the switch plays: one of the tenant's converted files, or the built-in default of ``kind``."""

    kind: MediaKind
    media_id: str | None = None  # None: the built-in default


class NoAnswer(enum.StrEnum):
    """What a hunt group does when nobody answers (the values of ``groups.choices.NoAnswerAction``)."""

    GROUP = "group"
    NUMBER = "number"
    ANNOUNCEMENT = "announcement"
    VOICEMAIL = "voicemail"
    HANGUP = "hangup"


class MailboxState(enum.StrEnum):
    """A company mailbox's state ([VTX] §2.8; the values of ``voicemail.choices.MailboxState``)."""

    ON = "on"
    GREETING_ONLY = "greeting_only"
    OFF = "off"


@dataclass(frozen=True)
class MailboxInfo:
    """The company voicemail of one of the tenant's numbers."""

    switch_id: str  # the mailbox's user id at the switch ("vm" + E.164 digits)
    state: MailboxState
    language: str = ""
    greeting: str | None = None  # id of the uploaded greeting (its converted file); None: the default spoken one
    spoken_number: str = ""  # the number's national digits, read out by the default greeting


@dataclass(frozen=True)
class GroupMemberInfo:
    extension_id: str
    number: str  # the extension number (its devices are in ``TenantSnapshot.extensions``)


@dataclass(frozen=True)
class GroupInfo:
    """A hunt group as routing needs it ([VTX] §2.4)."""

    id: str
    short_number: str
    name: str
    strategy: str  # groups.choices.Strategy
    ring_count: int
    cycles: int
    members: tuple[GroupMemberInfo, ...]
    ring_tone: MediaRef = MediaRef(MediaKind.RING_TONE)
    no_answer: NoAnswer = NoAnswer.HANGUP
    no_answer_group: str | None = None  # group id
    no_answer_number: str = ""  # an outside number as dialled after the access digit, e.g. 0217211112
    no_answer_announcement: MediaRef | None = None
    no_answer_mailbox: str = ""  # NoAnswer.VOICEMAIL: the E.164 number whose company voicemail takes the call


class TargetKind(enum.StrEnum):
    """Where a phone number sends a call, directly or for one state of the schedule."""

    EXTENSION = "extension"
    GROUP = "group"
    ANNOUNCEMENT = "announcement"
    VOICEMAIL = "voicemail"  # the company voicemail of the number (``ref``: its E.164)
    HANGUP = "hangup"


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    ref: str = ""  # extension number, group id, media id ("" = the default announcement) or E.164 (voicemail)


# Keys of a number's routing table besides the time-range ids (``ScheduleState.key``).
ALWAYS, HOLIDAY, OUTSIDE = "always", "holiday", "outside"


@dataclass(frozen=True)
class TenantSnapshot:
    """A tenant's routing configuration at one moment (built by ``telephony.calls.snapshot``)."""

    tenant_id: str
    sip_domain: str
    country: str  # ISO 3166 code of the location: emergency numbers and national numbers depend on it
    status: TenantState
    tryout_ends_at: datetime | None = None
    language: str = "en"
    access_code_required: bool = False
    max_outside_calls: int = 10
    main_number: str | None = None  # E.164
    extensions: Mapping[str, ExtensionInfo] = field(default_factory=dict)  # by extension number
    devices: Mapping[str, str] = field(default_factory=dict)  # active device SIP user name -> extension number
    numbers: Mapping[str, str | None] = field(default_factory=dict)  # the tenant's E.164 numbers -> extension or None
    trunks: tuple[str, ...] = ()  # names of the platform's active trunks, by priority
    groups: Mapping[str, GroupInfo] = field(default_factory=dict)  # by group id
    group_numbers: Mapping[str, str] = field(default_factory=dict)  # short number -> group id
    # Numbers routed elsewhere than to one extension: E.164 -> {ALWAYS | range id | HOLIDAY | OUTSIDE: Target}.
    number_routes: Mapping[str, Mapping[str, Target]] = field(default_factory=dict)
    schedule: Schedule | None = None  # time ranges and holidays in the tenant's time zone
    contacts: Mapping[str, str] = field(default_factory=dict)  # company directory: short number -> first number (E.164)
    caller_id_rules: Mapping[str, str] = field(default_factory=dict)  # the tenant's E.164 -> the main number it presents
    mailboxes: Mapping[str, MailboxInfo] = field(default_factory=dict)  # company voicemail by the number's E.164

    def can_place_calls(self, now: datetime) -> bool:
        """Active, or in a tryout that has not run out at ``now``."""
        if self.status == TenantState.TRYOUT:
            return self.tryout_ends_at is None or now < self.tryout_ends_at
        return self.status == TenantState.ACTIVE


@dataclass(frozen=True)
class LiveState:
    """What is going on at the switch when the call is routed (kept in Redis by the switch gateway).

    Only what a rule reads is fetched on the hot path: a rule that needs more (the registered
    devices for "forward if not registered", idle times for least-active hunt groups) adds the
    field here and fills it in ``telephony.calls.snapshot.live_state``.
    """

    outside_calls: int = 0  # the tenant's outside calls in progress, this one not counted
    # SIP user names of the tenant's registered devices; None when unknown (then every device counts as available).
    registered: frozenset[str] | None = None
    # SIP user names of the tenant's devices in a call; None when not read (then nobody counts as busy).
    busy: frozenset[str] | None = None
    # The claimed state of the hunt groups the call reaches (cyclic start, idle times), by group id.
    group_states: Mapping[str, GroupState] = field(default_factory=dict)
    seed: int = 0  # the random strategy's seed for this call (route itself draws nothing)


# --- the plan ------------------------------------------------------------------------
class CallKind(enum.StrEnum):
    INTERNAL = "internal"
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    EMERGENCY = "emergency"
    REFUSED = "refused"


class Refusal(enum.StrEnum):
    """Why a call is not put through; each has an announcement and a SIP answer."""

    INVALID_NUMBER = "invalid_number"
    UNKNOWN_NUMBER = "unknown_number"
    NUMBER_NOT_ROUTED = "number_not_routed"
    ACCESS_CODE_REQUIRED = "access_code_required"
    OUTSIDE_CALLS_NOT_ALLOWED = "outside_calls_not_allowed"
    INTERNATIONAL_NOT_ALLOWED = "international_not_allowed"
    PREMIUM_NOT_ALLOWED = "premium_not_allowed"
    SERVICE_SUSPENDED = "service_suspended"
    ALL_LINES_BUSY = "all_lines_busy"
    NO_ROUTE_OUT = "no_route_out"
    NOT_REACHABLE = "not_reachable"
    CALLER_UNKNOWN = "caller_unknown"
    VOICEMAIL_OFF = "voicemail_off"


class HangupCause(enum.StrEnum):
    NORMAL_CLEARING = "normal_clearing"
    # End with the reason the last ring or bridge attempt failed (busy, no answer, not registered ...).
    LAST_ATTEMPT = "last_attempt"


@dataclass(frozen=True)
class Endpoint:
    """A device to ring: a SIP user of the tenant's domain."""

    sip_username: str
    domain: str


@dataclass(frozen=True)
class CallerId:
    """What the called party is shown. ``number`` is an extension number inside, E.164 outside."""

    number: str | None
    name: str = ""
    # Hidden from the called party; the number still goes to the carrier (network-asserted identity).
    withheld: bool = False


@dataclass(frozen=True)
class OutsideLeg:
    """An outside number rung together with devices (parallel ringing), over one trunk."""

    number: str  # E.164
    trunk: str
    caller_id: CallerId  # what the outside party is shown: the ringing extension's outside caller ID


@dataclass(frozen=True)
class RingTargets:
    """Ring all ``endpoints`` (and ``outside`` legs) at once for ``timeout_s``; the first to answer takes the call."""

    endpoints: tuple[Endpoint, ...]
    timeout_s: int
    caller_id: CallerId
    auto_answer: bool = False  # intercom: the phones are asked to answer at once (no ringing)
    outside: tuple[OutsideLeg, ...] = ()


@dataclass(frozen=True)
class BridgeExternal:
    """Call ``number`` outside over ``trunks`` in order; the next trunk is tried only when one fails itself."""

    number: str  # E.164, or the bare emergency number (emergency numbers have no E.164 form)
    trunks: tuple[str, ...]
    caller_id: CallerId
    timeout_s: int
    emergency: bool = False


@dataclass(frozen=True)
class PlayAnnouncement:
    """Tell the caller, in band and before answering, why the call does not go through."""

    kind: Refusal


@dataclass(frozen=True)
class GroupCall:
    """The following ring steps are a call to hunt group ``group_id``, so the switch reports who answered."""

    group_id: str
    member_extension_ids: tuple[str, ...]


@dataclass(frozen=True)
class RingTone:
    """What the caller hears while the following ring steps ring (instead of the phones' own ring-back)."""

    media: MediaRef


@dataclass(frozen=True)
class PlayMedia:
    """Answer the call and play ``media`` to the caller."""

    media: MediaRef


@dataclass(frozen=True)
class Voicemail:
    """Answer and let the caller leave a message in the mailbox of extension ``mailbox``.

    A company mailbox ([VTX] §2.8) is named by its switch id and may carry its own greeting and
    language; ``record=False`` plays the greeting only ("greeting only" state), ``check=True`` lets
    the caller listen to the mailbox's messages after its password (``086`` access).
    """

    mailbox: str  # the extension number, or a company mailbox's switch id
    domain: str  # the tenant's SIP domain (mailboxes are kept per domain)
    check: bool = False
    record: bool = True
    greeting: str | None = None  # a company mailbox's uploaded greeting (id); None: the stock greeting
    spoken_number: str = ""  # what the stock greeting of a company mailbox reads out
    language: str = ""


@dataclass(frozen=True)
class Reject:
    """End the call unanswered with ``sip_code``."""

    sip_code: int
    reason: Refusal


@dataclass(frozen=True)
class Busy:
    """End the call with a busy signal (SIP 486)."""


@dataclass(frozen=True)
class Hangup:
    """End the call."""

    cause: HangupCause = HangupCause.NORMAL_CLEARING


Step = RingTargets | BridgeExternal | PlayAnnouncement | GroupCall | RingTone | PlayMedia | Voicemail | Reject | Busy | Hangup
TERMINAL_STEPS: tuple[type, ...] = (Reject, Busy, Hangup)


@dataclass(frozen=True)
class CallPlan:
    """What one call does: ``steps`` run in order until one connects the call or a terminal step ends it."""

    tenant_id: str
    kind: CallKind
    steps: tuple[Step, ...]
    caller_extension: str | None = None  # the calling extension's number
    destination: str = ""  # the normalised destination: extension number, E.164 or emergency number
    groups: tuple[str, ...] = ()  # ids of the hunt groups the call reaches, in order (their state is claimed)
    # The plan depends on which devices are registered or in a call (forwarding on busy / not
    # registered): route again with ``LiveState.registered`` and ``LiveState.busy`` read.
    needs_line_state: bool = False

    def __post_init__(self) -> None:
        if not self.steps or not isinstance(self.steps[-1], TERMINAL_STEPS):
            raise ValueError("a call plan must end with a terminal step")
        if any(isinstance(step, TERMINAL_STEPS) for step in self.steps[:-1]):
            raise ValueError("only the last step of a call plan may end the call")

    @property
    def outcome(self) -> Step:
        return self.steps[-1]

    @property
    def goes_outside(self) -> bool:
        return any(isinstance(step, BridgeExternal) for step in self.steps)


# SIP answers of the refusals (the switch maps them to the matching hangup cause).
REFUSAL_SIP_CODES: dict[Refusal, int] = {
    Refusal.INVALID_NUMBER: 484,
    Refusal.UNKNOWN_NUMBER: 404,
    Refusal.NUMBER_NOT_ROUTED: 404,
    Refusal.ACCESS_CODE_REQUIRED: 404,
    Refusal.OUTSIDE_CALLS_NOT_ALLOWED: 403,
    Refusal.INTERNATIONAL_NOT_ALLOWED: 403,
    Refusal.PREMIUM_NOT_ALLOWED: 403,
    Refusal.SERVICE_SUSPENDED: 403,
    Refusal.ALL_LINES_BUSY: 503,
    Refusal.NO_ROUTE_OUT: 503,
    Refusal.NOT_REACHABLE: 480,
    Refusal.CALLER_UNKNOWN: 403,
    Refusal.VOICEMAIL_OFF: 480,
}


# --- the engine ----------------------------------------------------------------------
def route(call: CallRequest, snapshot: TenantSnapshot, live: LiveState) -> CallPlan:
    """Decide what ``call`` does, from the tenant's ``snapshot`` and the ``live`` state at the switch."""
    if call.tenant_id != snapshot.tenant_id:
        raise ValueError("the snapshot belongs to another tenant than the call")
    if call.source == CallSource.TRUNK:
        return _route_inbound(call, snapshot, live)
    return _route_from_extension(call, snapshot, live)


def _route_from_extension(call: CallRequest, snapshot: TenantSnapshot, live: LiveState) -> CallPlan:
    caller = _calling_extension(call, snapshot)
    caller_number = caller.number if caller else None
    dialled = numbering.clean_dialled(call.destination)
    if dialled is None:
        return _refuse(snapshot, Refusal.INVALID_NUMBER, caller_number)

    emergency = _emergency_number(dialled, snapshot)
    if emergency is not None:
        return _emergency(snapshot, caller, emergency)
    if caller is None:
        return _refuse(snapshot, Refusal.CALLER_UNKNOWN, None, dialled)
    if not snapshot.can_place_calls(call.now):
        return _refuse(snapshot, Refusal.SERVICE_SUSPENDED, caller.number, dialled)

    if call.intercom:
        return _intercom(call, snapshot, live, caller, dialled)
    target = snapshot.extensions.get(dialled)
    if target is not None:
        return _ring_extension(call, snapshot, live, caller, target)
    group_id = snapshot.group_numbers.get(dialled)
    if group_id is not None:
        return _call_group(call, snapshot, live, group_id, CallerId(caller.number, caller.display_name), caller.number, dialled)
    if dialled.startswith(DIRECTORY_PREFIX) and len(dialled) > len(DIRECTORY_PREFIX):
        # "##" + short number: the company directory's contact, under the usual outside-call rules ([VTX] §9 item 30).
        contact_number = snapshot.contacts.get(dialled[len(DIRECTORY_PREFIX) :])
        if contact_number is None:
            return _refuse(snapshot, Refusal.UNKNOWN_NUMBER, caller.number, dialled)
        return _outside_call(call, snapshot, live, caller, contact_number)
    if dialled.startswith(VOICEMAIL_ACCESS_PREFIX):
        # Before the access code: "086 021 566 77 07" is the voicemail, not an outside number.
        access = _voicemail_access(snapshot, caller, dialled)
        if access is not None:
            return access

    if snapshot.access_code_required:
        if dialled.startswith(numbering.ACCESS_DIGIT):
            dialled = dialled[len(numbering.ACCESS_DIGIT) :]
        elif not (call.source == CallSource.ORIGINATE and dialled.startswith("+")):
            # Only the control plane's own click-to-call may pass an explicit "+" number without the 0:
            # it is unambiguous, and a person typing on a phone follows the company's rule.
            return _refuse(snapshot, Refusal.ACCESS_CODE_REQUIRED, caller.number, dialled)
    return _outside_call(call, snapshot, live, caller, dialled)


def _outside_call(call: CallRequest, snapshot: TenantSnapshot, live: LiveState, caller: ExtensionInfo, dialled: str) -> CallPlan:
    """An extension calls ``dialled`` (without the access digit) outside the company."""
    number = numbering.outside_number(dialled, snapshot.country)
    if number is None:
        return _refuse(snapshot, Refusal.UNKNOWN_NUMBER, caller.number, dialled)

    if number.e164 in snapshot.number_routes:
        # One of the company's own numbers routed to a group or by time range: route it here, not via the carrier.
        return _route_number(call, snapshot, live, number.e164, CallerId(caller.number, caller.display_name), caller.number)
    own_target = snapshot.extensions.get(snapshot.numbers.get(number.e164) or "")
    if own_target is not None:
        # One of the company's own numbers: ring the extension directly instead of via the carrier.
        return _ring_extension(call, snapshot, live, caller, own_target)

    refusal = _class_of_service_refusal(caller, number)
    if refusal is not None:
        return _refuse(snapshot, refusal, caller.number, number.e164)
    if live.outside_calls >= snapshot.max_outside_calls:
        return _refuse(snapshot, Refusal.ALL_LINES_BUSY, caller.number, number.e164)
    if not snapshot.trunks:
        return _refuse(snapshot, Refusal.NO_ROUTE_OUT, caller.number, number.e164)
    bridge = BridgeExternal(
        number=number.e164,
        trunks=snapshot.trunks,
        caller_id=outside_caller_id(caller, snapshot),
        timeout_s=OUTSIDE_TIMEOUT_S,
    )
    return CallPlan(
        snapshot.tenant_id,
        CallKind.OUTBOUND,
        (bridge, Hangup(HangupCause.LAST_ATTEMPT)),
        caller_extension=caller.number,
        destination=number.e164,
    )


def _calling_extension(call: CallRequest, snapshot: TenantSnapshot) -> ExtensionInfo | None:
    if call.source == CallSource.DEVICE:
        return snapshot.extensions.get(snapshot.devices.get(call.caller, ""))
    return snapshot.extensions.get(call.caller)


def _emergency_number(dialled: str, snapshot: TenantSnapshot) -> str | None:
    """The emergency number dialled, with or without the access digit in front, else ``None``."""
    if numbering.is_emergency_number(dialled, snapshot.country):
        return dialled
    # People used to "0 to get out" also dial 0 before the emergency number; it must still connect.
    bare = dialled.removeprefix(numbering.ACCESS_DIGIT)
    if snapshot.access_code_required and bare != dialled and numbering.is_emergency_number(bare, snapshot.country):
        return bare
    return None


def _emergency(snapshot: TenantSnapshot, caller: ExtensionInfo | None, number: str) -> CallPlan:
    caller_number = caller.number if caller else None
    if not snapshot.trunks:
        return _refuse(snapshot, Refusal.NO_ROUTE_OUT, caller_number, number)
    own = caller.own_number if caller and caller.own_number in snapshot.numbers else None
    main = snapshot.main_number if snapshot.main_number in snapshot.numbers else None
    # Never withheld: the emergency centre must be able to call back.
    caller_id = CallerId(number=own or main, name=caller.display_name if caller else "")
    bridge = BridgeExternal(
        number=number, trunks=snapshot.trunks, caller_id=caller_id, timeout_s=EMERGENCY_TIMEOUT_S, emergency=True
    )
    return CallPlan(
        snapshot.tenant_id,
        CallKind.EMERGENCY,
        (bridge, Hangup(HangupCause.LAST_ATTEMPT)),
        caller_extension=caller_number,
        destination=number,
    )


def _ring_extension(
    call: CallRequest, snapshot: TenantSnapshot, live: LiveState, caller: ExtensionInfo, target: ExtensionInfo
) -> CallPlan:
    if target.number == caller.number and not _endpoints(call, snapshot, target.devices):
        # A device never rings itself; calling one's own extension without another device is busy.
        return CallPlan(snapshot.tenant_id, CallKind.INTERNAL, (Busy(),), caller.number, target.number)
    caller_id = CallerId(caller.number, caller.display_name)
    return _reach_extension(call, snapshot, live, target, caller_id, caller.number, target.number)


def _reach_extension(
    call: CallRequest,
    snapshot: TenantSnapshot,
    live: LiveState,
    target: ExtensionInfo,
    caller_id: CallerId,
    caller_extension: str | None,
    destination: str,
) -> CallPlan:
    """A call reaches extension ``target``: its forwarding rules and DND apply, then its devices ring."""
    kind = CallKind.INBOUND if call.source == CallSource.TRUNK else CallKind.INTERNAL
    ringable = _ringable(target)
    endpoints = _endpoints(call, snapshot, ringable)
    # An extension calling itself (desk phone to softphone) is never forwarded.
    forwarding = _forwarding_for(call, target, caller_id, caller_extension) if caller_extension != target.number else ()
    rules = {rule.condition: rule for rule in forwarding}
    # DND on every device (per-device DND) counts as global DND: the call follows the forwarding settings.
    dnd = (target.dnd or bool(target.devices and not ringable)) and caller_extension != target.number
    needs_line_state = False
    forward: ForwardRule | None = None
    if dnd:
        forward = (
            rules.get(ForwardCondition.ALWAYS)
            or rules.get(ForwardCondition.BUSY)
            or ForwardRule(ForwardCondition.ALWAYS, ForwardTarget.BUSY)
        )
    elif ForwardCondition.ALWAYS in rules:
        forward = rules[ForwardCondition.ALWAYS]
    else:
        # Without call waiting a call while the extension is in a call is busy: busy forwarding, else busy.
        # With call waiting it rings (the phone plays the call-waiting tone), so the busy rule does not apply.
        if not target.call_waiting and caller_extension != target.number:
            needs_line_state = True
            if _in_a_call(call, live, target):
                forward = rules.get(ForwardCondition.BUSY) or ForwardRule(ForwardCondition.BUSY, ForwardTarget.BUSY)
        if forward is None and ForwardCondition.NOT_REGISTERED in rules:
            needs_line_state = True
            registered = live.registered
            if not target.devices or (registered is not None and not any(device in registered for device in target.devices)):
                forward = rules[ForwardCondition.NOT_REGISTERED]
    if forward is not None:
        steps = _forward_steps(call, snapshot, live, target, forward, caller_id)
        return CallPlan(snapshot.tenant_id, kind, steps, caller_extension, destination, needs_line_state=needs_line_state)
    extra, outside = _parallel_targets(call, snapshot, live, target, caller_extension)
    endpoints = (*endpoints, *(endpoint for endpoint in extra if endpoint not in endpoints))
    if not endpoints and not outside:
        refused = _refuse(snapshot, Refusal.NOT_REACHABLE, caller_extension, destination)
        return replace(refused, needs_line_state=needs_line_state)
    no_answer = rules.get(ForwardCondition.NO_ANSWER)
    if no_answer is None:
        then: tuple[Step, ...] = (Hangup(HangupCause.LAST_ATTEMPT),)
        ring = RingTargets(endpoints, RING_TIMEOUT_S, caller_id, outside=outside)
    else:
        then = _forward_steps(call, snapshot, live, target, no_answer, caller_id)
        ring = RingTargets(endpoints, no_answer.no_answer_s, caller_id, outside=outside)
    return CallPlan(snapshot.tenant_id, kind, (ring, *then), caller_extension, destination, needs_line_state=needs_line_state)


def _forwarding_for(
    call: CallRequest, target: ExtensionInfo, caller_id: CallerId, caller_extension: str | None
) -> tuple[ForwardRule, ...]:
    """The rules that apply to this caller: the winning selective rule's, else the active profile's ordinary rules."""
    if not target.selective:
        return target.forwarding
    # Only a trunk call comes from outside; its number is None when withheld or unknown (anonymous).
    outside = caller_id.number if call.source == CallSource.TRUNK and caller_extension is None else None
    chosen = selective_rule(target.selective, internal=caller_extension, outside=outside)
    if chosen is None:
        return target.forwarding
    return () if chosen.allow else chosen.forwarding


def _forward_steps(
    call: CallRequest,
    snapshot: TenantSnapshot,
    live: LiveState,
    forwarding: ExtensionInfo,
    rule: ForwardRule,
    caller_id: CallerId,
) -> tuple[Step, ...]:
    """The steps that take a call to ``rule``'s target, ending with a terminal step."""
    if rule.target == ForwardTarget.BUSY:
        return (Busy(),)
    if rule.target == ForwardTarget.VOICEMAIL:
        return (Voicemail(forwarding.number, snapshot.sip_domain), Hangup())
    other = snapshot.extensions.get(rule.number)
    if other is not None:
        # One hop only: the other extension rings as it is, its own forwarding is not followed (no loops).
        endpoints = _endpoints(call, snapshot, _ringable(other))
        if not endpoints:
            return _refusal_steps(Refusal.NOT_REACHABLE)
        return (RingTargets(endpoints, RING_TIMEOUT_S, caller_id), Hangup(HangupCause.LAST_ATTEMPT))
    number = numbering.outside_number(rule.number, snapshot.country) if rule.number.startswith("+") else None
    if number is None or number.e164 in snapshot.numbers:
        return _refusal_steps(Refusal.NOT_REACHABLE)
    # The forwarding extension calls out: its class of service and caller ID, the company's line limit
    # (a call from a trunk holds a line itself).
    refusal = _class_of_service_refusal(forwarding, number)
    if refusal is not None:
        return _refusal_steps(refusal)
    if live.outside_calls + (1 if call.source == CallSource.TRUNK else 0) >= snapshot.max_outside_calls:
        return _refusal_steps(Refusal.ALL_LINES_BUSY)
    if not snapshot.trunks:
        return _refusal_steps(Refusal.NO_ROUTE_OUT)
    bridge = BridgeExternal(number.e164, snapshot.trunks, outside_caller_id(forwarding, snapshot), OUTSIDE_TIMEOUT_S)
    return (bridge, Hangup(HangupCause.LAST_ATTEMPT))


def _ringable(extension: ExtensionInfo) -> tuple[str, ...]:
    """The extension's devices that may ring: not those with DND on."""
    return tuple(device for device in extension.devices if device not in extension.dnd_devices)


def _member_devices(extension: ExtensionInfo | None) -> tuple[str, ...]:
    """What a group call rings of a member: nothing with global DND on, else its devices without their own DND."""
    if extension is None or extension.dnd:
        return ()
    return _ringable(extension)


def _in_a_call(call: CallRequest, live: LiveState, target: ExtensionInfo) -> bool:
    """One of the extension's devices is in a call (not counting the device placing this call)."""
    if live.busy is None:
        return False
    calling = call.caller if call.source == CallSource.DEVICE else None
    return any(device in live.busy for device in target.devices if device != calling)


def _parallel_targets(
    call: CallRequest, snapshot: TenantSnapshot, live: LiveState, target: ExtensionInfo, caller_extension: str | None
) -> tuple[tuple[Endpoint, ...], tuple[OutsideLeg, ...]]:
    """What rings together with the extension's devices ([DFN] §1.8 "Parallelanruf").

    Another extension: its devices (not those with DND on), never the caller's own extension.
    An outside number: called as the ringing extension would call it (its class of service and
    outside caller ID, the outside-call limit, the first trunk); when it may not be called, only
    the devices ring.
    """
    parallel = target.parallel_ring
    if not parallel or parallel in (target.number, caller_extension):
        return (), ()
    other = snapshot.extensions.get(parallel)
    if other is not None:
        return _endpoints(call, snapshot, _ringable(other)), ()
    number = numbering.outside_number(parallel, snapshot.country) if parallel.startswith("+") else None
    if number is None or number.e164 in snapshot.numbers or not snapshot.trunks:
        return (), ()
    if _class_of_service_refusal(target, number) is not None:
        return (), ()
    if live.outside_calls + (1 if call.source == CallSource.TRUNK else 0) >= snapshot.max_outside_calls:
        return (), ()
    return (), (OutsideLeg(number.e164, snapshot.trunks[0], outside_caller_id(target, snapshot)),)


def _intercom(call: CallRequest, snapshot: TenantSnapshot, live: LiveState, caller: ExtensionInfo, dialled: str) -> CallPlan:
    """``*80`` + extension: straight through to the target's primary device, which answers by itself ([DFN] §1.8).

    Only when the target turned intercom on and its primary device is active and intercom-flagged;
    otherwise the call is refused like an unreadable star code. Forwarding does not apply; DND
    (global or on the primary device) and a primary device already in a call answer busy.
    """
    target = snapshot.extensions.get(dialled)
    primary = target.primary_device if target is not None else None
    if (
        target is None
        or target.number == caller.number
        or not target.intercom
        or primary is None
        or primary not in target.devices
        or primary not in target.intercom_devices
    ):
        return _refuse(snapshot, Refusal.INVALID_NUMBER, caller.number, dialled)
    busy = target.dnd or primary in target.dnd_devices or (live.busy is not None and primary in live.busy)
    steps: tuple[Step, ...]
    if busy:
        steps = (Busy(),)
    else:
        ring = RingTargets(
            (Endpoint(primary, snapshot.sip_domain),), INTERCOM_TIMEOUT_S, CallerId(caller.number, caller.display_name), True
        )
        steps = (ring, Hangup(HangupCause.LAST_ATTEMPT))
    return CallPlan(snapshot.tenant_id, CallKind.INTERNAL, steps, caller.number, target.number, needs_line_state=True)


def _refusal_steps(reason: Refusal) -> tuple[Step, ...]:
    return (PlayAnnouncement(reason), Reject(REFUSAL_SIP_CODES[reason], reason))


def _class_of_service_refusal(caller: ExtensionInfo, number: numbering.OutsideNumber) -> Refusal | None:
    if caller.class_of_service == ClassOfService.INTERNAL:
        return Refusal.OUTSIDE_CALLS_NOT_ALLOWED
    if number.international and caller.class_of_service != ClassOfService.INTERNATIONAL:
        return Refusal.INTERNATIONAL_NOT_ALLOWED
    if number.premium and not caller.allow_premium:
        return Refusal.PREMIUM_NOT_ALLOWED
    return None


def outside_caller_id(caller: ExtensionInfo, snapshot: TenantSnapshot) -> CallerId:
    """The extension's own number, the chosen main number, or withheld; only the tenant's own numbers.

    A caller-ID rule of the company ([VTX] §2.10) replaces the own number by the rule's main number.
    """
    own = caller.own_number if caller.own_number in snapshot.numbers else None
    if own is not None and snapshot.caller_id_rules.get(own) in snapshot.numbers:
        own = snapshot.caller_id_rules[own]
    chosen = caller.presented_number if caller.presented_number in snapshot.numbers else None
    main = chosen or (snapshot.main_number if snapshot.main_number in snapshot.numbers else None)
    if caller.caller_id_mode == CallerIdMode.MAIN:
        return CallerId(main or own, caller.display_name)
    if caller.caller_id_mode == CallerIdMode.WITHHELD:
        return CallerId(own or main, caller.display_name, withheld=True)
    return CallerId(own or main, caller.display_name)


def _route_inbound(call: CallRequest, snapshot: TenantSnapshot, live: LiveState) -> CallPlan:
    did = numbering.inbound_e164(call.destination, snapshot.country)
    if did is None or did not in snapshot.numbers:
        return _refuse(snapshot, Refusal.UNKNOWN_NUMBER, None, did or "")
    if not snapshot.can_place_calls(call.now):
        return _refuse(snapshot, Refusal.SERVICE_SUSPENDED, None, did, sip_code=480)
    routed = did in snapshot.number_routes
    target = snapshot.extensions.get(snapshot.numbers[did] or "")
    if target is None and not routed:
        return _refuse(snapshot, Refusal.NUMBER_NOT_ROUTED, None, did)
    if live.outside_calls >= snapshot.max_outside_calls:
        return CallPlan(snapshot.tenant_id, CallKind.INBOUND, (Busy(),), destination=did)
    # A withheld number is shown to nobody (the extension sees "anonymous") and matches no number rule.
    caller = CallerId(None if call.caller_withheld else numbering.inbound_e164(call.caller, snapshot.country), call.caller_name)
    if routed:
        return _route_number(call, snapshot, live, did, caller, None)
    assert target is not None
    return _reach_extension(call, snapshot, live, target, caller, None, did)


# --- numbers routed by time range, hunt groups ----------------------------------------
def number_target(snapshot: TenantSnapshot, e164: str, now: datetime) -> Target | None:
    """Where a call to ``e164`` goes at ``now``: its direct target, else the target of the schedule's state.

    A holiday without a target of its own takes the outside-hours target (the company is closed).
    """
    routes = snapshot.number_routes.get(e164, {})
    if ALWAYS in routes:
        return routes[ALWAYS]
    state = snapshot.schedule.state_at(now) if snapshot.schedule is not None else None
    if state is None:
        return routes.get(OUTSIDE)
    return routes.get(state.key) or (routes.get(OUTSIDE) if state.kind == HOLIDAY else None)


def _route_number(
    call: CallRequest, snapshot: TenantSnapshot, live: LiveState, e164: str, caller_id: CallerId, caller_extension: str | None
) -> CallPlan:
    kind = CallKind.INBOUND if call.source == CallSource.TRUNK else CallKind.INTERNAL
    target = number_target(snapshot, e164, call.now)
    if target is None:
        return _refuse(snapshot, Refusal.NUMBER_NOT_ROUTED, caller_extension, e164)
    if target.kind == TargetKind.GROUP and target.ref in snapshot.groups:
        return _call_group(call, snapshot, live, target.ref, caller_id, caller_extension, e164)
    if target.kind == TargetKind.ANNOUNCEMENT:
        steps = (PlayMedia(MediaRef(MediaKind.ANNOUNCEMENT, target.ref or None)), Hangup())
        return CallPlan(snapshot.tenant_id, kind, steps, caller_extension, e164)
    if target.kind == TargetKind.EXTENSION and target.ref in snapshot.extensions:
        return _reach_extension(call, snapshot, live, snapshot.extensions[target.ref], caller_id, caller_extension, e164)
    if target.kind == TargetKind.HANGUP:
        return CallPlan(snapshot.tenant_id, kind, (Hangup(),), caller_extension, e164)
    if target.kind == TargetKind.VOICEMAIL:
        steps = company_voicemail_steps(snapshot, target.ref or e164)
        if isinstance(steps[-1], Reject):
            return _refuse(snapshot, Refusal.VOICEMAIL_OFF, caller_extension, e164)
        return CallPlan(snapshot.tenant_id, kind, steps, caller_extension, e164)
    return _refuse(snapshot, Refusal.NUMBER_NOT_ROUTED, caller_extension, e164)


def company_voicemail_steps(snapshot: TenantSnapshot, e164: str) -> tuple[Step, ...]:
    """The company voicemail of number ``e164`` takes the call ([VTX] §2.8).

    On: its greeting, then the caller leaves a message. Greeting only: the greeting, then the
    call ends. Off, or no mailbox: the voicemail cannot take calls; the caller hears why
    (``Refusal.VOICEMAIL_OFF``) instead of silence. Services refuse an off mailbox as a target,
    so this happens only when a mailbox in use is switched off later.
    """
    mailbox = snapshot.mailboxes.get(e164)
    if mailbox is None or mailbox.state == MailboxState.OFF:
        return _refusal_steps(Refusal.VOICEMAIL_OFF)
    step = Voicemail(
        mailbox.switch_id,
        snapshot.sip_domain,
        record=mailbox.state == MailboxState.ON,
        greeting=mailbox.greeting,
        spoken_number=mailbox.spoken_number,
        language=mailbox.language,
    )
    return (step, Hangup())


def _voicemail_access(snapshot: TenantSnapshot, caller: ExtensionInfo, dialled: str) -> CallPlan | None:
    """``086`` + one of the company's numbers: listen to its voicemail after the mailbox password.

    The number follows in national (``0215667707``) or international (``0041215667707``) form.
    Digits after ``086`` that do not start so are not this code (a German area code 086xx dialled
    without the access digit stays an ordinary number): ``None``, routing goes on. A number in that
    form that is not the company's is refused as invalid; one of the company's without a mailbox
    is announced as voicemail off.
    """
    rest = dialled[len(VOICEMAIL_ACCESS_PREFIX) :]
    if not rest.startswith("0"):
        return None
    number = numbering.outside_number(rest, snapshot.country)
    if number is None or number.e164 not in snapshot.numbers:
        return _refuse(snapshot, Refusal.INVALID_NUMBER, caller.number, dialled)
    mailbox = snapshot.mailboxes.get(number.e164)
    if mailbox is None:
        return _refuse(snapshot, Refusal.VOICEMAIL_OFF, caller.number, number.e164)
    step = Voicemail(mailbox.switch_id, snapshot.sip_domain, check=True, language=mailbox.language)
    return CallPlan(snapshot.tenant_id, CallKind.INTERNAL, (step, Hangup()), caller.number, number.e164)


def _endpoints(
    call: CallRequest, snapshot: TenantSnapshot, devices: tuple[str, ...], live: LiveState | None = None
) -> tuple[Endpoint, ...]:
    """The devices to ring: never the calling device itself; with ``live``, only registered ones (when known)."""
    registered = live.registered if live is not None else None
    return tuple(
        Endpoint(username, snapshot.sip_domain)
        for username in devices
        if not (call.source == CallSource.DEVICE and username == call.caller) and (registered is None or username in registered)
    )


def _call_group(
    call: CallRequest,
    snapshot: TenantSnapshot,
    live: LiveState,
    group_id: str,
    caller_id: CallerId,
    caller_extension: str | None,
    destination: str,
) -> CallPlan:
    """Ring a hunt group by its strategy, then apply its no-answer rule, following diversions to other groups."""
    kind = CallKind.INBOUND if call.source == CallSource.TRUNK else CallKind.INTERNAL
    steps: list[Step] = []
    reached: list[str] = []
    current: str | None = group_id
    while current is not None and current in snapshot.groups and current not in reached:
        group = snapshot.groups[current]
        reached.append(current)
        steps += _group_ring_steps(call, snapshot, live, group, caller_id)
        current = None
        if group.no_answer == NoAnswer.GROUP:
            current = group.no_answer_group
        elif group.no_answer == NoAnswer.ANNOUNCEMENT:
            media = group.no_answer_announcement or MediaRef(MediaKind.ANNOUNCEMENT)
            return CallPlan(
                snapshot.tenant_id, kind, (*steps, PlayMedia(media), Hangup()), caller_extension, destination, tuple(reached)
            )
        elif group.no_answer == NoAnswer.VOICEMAIL:
            # The main number's voicemail "counts as a group" ([VTX] §2.4): it takes the call, even when no member could ring.
            then = company_voicemail_steps(snapshot, group.no_answer_mailbox)
            return CallPlan(snapshot.tenant_id, kind, (*steps, *then), caller_extension, destination, tuple(reached))
        elif group.no_answer == NoAnswer.NUMBER:
            bridge = _divert_outside(call, snapshot, live, group.no_answer_number)
            if bridge is not None:
                steps.append(bridge)
    # Nobody answered, the rule ends the call, or a diversion loops back to a group already rung.
    if not steps:
        # Not one member could ring (none registered): say so instead of ending without a reason.
        refused = _refuse(snapshot, Refusal.NOT_REACHABLE, caller_extension, destination)
        return replace(refused, groups=tuple(reached))
    return CallPlan(
        snapshot.tenant_id, kind, (*steps, Hangup(HangupCause.LAST_ATTEMPT)), caller_extension, destination, tuple(reached)
    )


def available_members(call: CallRequest, snapshot: TenantSnapshot, live: LiveState, group: GroupInfo) -> list[str]:
    """Extension ids of the group's members that would ring for this call (some device registered, not the caller's)."""
    available = []
    for member in group.members:
        extension = snapshot.extensions.get(member.number)
        if _endpoints(call, snapshot, _member_devices(extension), live):
            available.append(member.extension_id)
    return available


def _group_ring_steps(
    call: CallRequest, snapshot: TenantSnapshot, live: LiveState, group: GroupInfo, caller_id: CallerId
) -> list[Step]:
    devices: dict[str, tuple[Endpoint, ...]] = {}
    members = []
    for member in group.members:
        extension = snapshot.extensions.get(member.number)
        endpoints = _endpoints(call, snapshot, _member_devices(extension), live)
        devices[member.extension_id] = endpoints
        members.append(strategies.Member(member.extension_id, member.number, available=bool(endpoints)))
    state = live.group_states.get(group.id, GroupState())
    rng = random.Random(live.seed ^ zlib.crc32(group.id.encode()))
    plan = strategies.ring_plan(group.strategy, members, ring_count=group.ring_count, cycles=group.cycles, state=state, rng=rng)
    if not plan:
        return []
    steps: list[Step] = [
        GroupCall(group.id, tuple(member.extension_id for member in group.members)),
        RingTone(group.ring_tone),
    ]
    for ring in plan:
        endpoints = tuple(endpoint for extension_id in ring.extension_ids for endpoint in devices[extension_id])
        steps.append(RingTargets(endpoints, ring.seconds, caller_id))
    return steps


def _divert_outside(call: CallRequest, snapshot: TenantSnapshot, live: LiveState, dialled: str) -> BridgeExternal | None:
    """A group's "divert to a number": the company's own rule, so the group calls out as the company.

    The number is what a person would dial after the access digit (national or international
    form). Premium-rate numbers, the company's own numbers (a loop through the carrier) and
    unknown numbers are not called; the outside-call limit counts a trunk call's own line too.
    The main number is presented.
    """
    number = numbering.outside_number(dialled, snapshot.country) if dialled else None
    if number is None or number.premium or number.e164 in snapshot.numbers or not snapshot.trunks:
        return None
    lines_in_use = live.outside_calls + (1 if call.source == CallSource.TRUNK else 0)
    if lines_in_use >= snapshot.max_outside_calls:
        return None
    main = snapshot.main_number if snapshot.main_number in snapshot.numbers else None
    return BridgeExternal(number.e164, snapshot.trunks, CallerId(main), OUTSIDE_TIMEOUT_S)


def _refuse(
    snapshot: TenantSnapshot, reason: Refusal, caller_extension: str | None, destination: str = "", *, sip_code: int | None = None
) -> CallPlan:
    steps = (PlayAnnouncement(reason), Reject(sip_code or REFUSAL_SIP_CODES[reason], reason))
    return CallPlan(snapshot.tenant_id, CallKind.REFUSED, steps, caller_extension, destination)

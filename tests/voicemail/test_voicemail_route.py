"""The pure engine and the company voicemail ([VTX] §2.3, §2.4, §2.8): number routes, group no-answer, 086 access."""

from __future__ import annotations

from dataclasses import replace

import pytest

from telephony.calls.routing import (
    OUTSIDE,
    REFUSAL_SIP_CODES,
    BridgeExternal,
    CallKind,
    Hangup,
    HangupCause,
    LiveState,
    MailboxInfo,
    MailboxState,
    NoAnswer,
    PlayAnnouncement,
    Refusal,
    Reject,
    Target,
    TargetKind,
    Voicemail,
    route,
)
from tests.routing.builders import DOMAIN, MAIN_NUMBER, from_device, from_trunk
from tests.routing.test_company_route import SALES, company, group, rings

ROUTED = "+49891234569"
MAIN_BOX = "vm49891234560"
ROUTED_BOX = "vm49891234569"
GREETING = "44444444-4444-4444-8444-444444444444"


def mailbox(switch_id: str = ROUTED_BOX, state: MailboxState = MailboxState.ON, **fields) -> MailboxInfo:
    fields.setdefault("language", "fr")
    fields.setdefault("spoken_number", "089" + switch_id[-7:])
    return MailboxInfo(switch_id=switch_id, state=state, **fields)


def routed_to_voicemail(state: MailboxState | None, **fields):
    """+49891234569 sends calls outside office hours to its own voicemail (no schedule: always outside)."""
    boxes = {ROUTED: mailbox(state=state, **fields)} if state is not None else {}
    return company(number_routes={ROUTED: {OUTSIDE: Target(TargetKind.VOICEMAIL, ROUTED)}}, mailboxes=boxes)


# --- a number routed to its voicemail ---------------------------------------------------------
def test_route_number_to_voicemail_on_leaves_a_message_after_the_greeting() -> None:
    plan = route(from_trunk(ROUTED), routed_to_voicemail(MailboxState.ON, greeting=GREETING), LiveState())
    assert plan.kind == CallKind.INBOUND and plan.destination == ROUTED
    assert plan.steps == (
        Voicemail(ROUTED_BOX, DOMAIN, record=True, greeting=GREETING, spoken_number="0891234569", language="fr"),
        Hangup(),
    )


def test_route_number_to_voicemail_greeting_only_plays_the_greeting_and_ends() -> None:
    plan = route(from_trunk(ROUTED), routed_to_voicemail(MailboxState.GREETING_ONLY), LiveState())
    (step, end) = plan.steps
    assert isinstance(step, Voicemail) and step.record is False and step.check is False and step.greeting is None
    assert step.spoken_number == "0891234569"
    assert end == Hangup()


@pytest.mark.parametrize("state", [MailboxState.OFF, None])
def test_route_number_to_voicemail_off_or_missing_ends_with_the_voicemail_off_announcement(state) -> None:
    plan = route(from_trunk(ROUTED), routed_to_voicemail(state), LiveState())
    assert plan.kind == CallKind.REFUSED
    assert plan.steps == (PlayAnnouncement(Refusal.VOICEMAIL_OFF), Reject(480, Refusal.VOICEMAIL_OFF))
    assert REFUSAL_SIP_CODES[Refusal.VOICEMAIL_OFF] == 480


def test_route_number_to_voicemail_from_an_extension_dialling_the_company_number() -> None:
    plan = route(from_device("0891234569"), routed_to_voicemail(MailboxState.ON), LiveState())
    assert plan.kind == CallKind.INTERNAL
    assert isinstance(plan.steps[0], Voicemail) and plan.steps[0].mailbox == ROUTED_BOX


# --- a hunt group's no-answer rule ---------------------------------------------------------------
def voicemail_group(state: MailboxState | None):
    sales = group(no_answer=NoAnswer.VOICEMAIL, no_answer_mailbox=MAIN_NUMBER)
    boxes = {MAIN_NUMBER: mailbox(MAIN_BOX, state)} if state is not None else {}
    return company(sales, mailboxes=boxes)


def test_route_group_no_answer_diverts_to_the_main_numbers_voicemail_after_ringing() -> None:
    plan = route(from_device("300"), voicemail_group(MailboxState.ON), LiveState())
    assert plan.groups == (SALES,)
    assert rings(plan) == [(("1002",), 10), (("1003",), 10), (("1005",), 10)]
    assert plan.steps[-2:] == (Voicemail(MAIN_BOX, DOMAIN, spoken_number="0891234560", language="fr"), Hangup())


def test_route_group_no_answer_voicemail_greeting_only_after_ringing() -> None:
    plan = route(
        from_trunk(MAIN_NUMBER),
        replace(
            voicemail_group(MailboxState.GREETING_ONLY),
            numbers={MAIN_NUMBER: None},
            number_routes={MAIN_NUMBER: {"always": Target(TargetKind.GROUP, SALES)}},
        ),
        LiveState(),
    )
    assert plan.kind == CallKind.INBOUND
    assert isinstance(plan.steps[-2], Voicemail) and plan.steps[-2].record is False
    assert plan.steps[-1] == Hangup()


def test_route_group_no_answer_voicemail_switched_off_later_rings_then_announces_it() -> None:
    plan = route(from_device("300"), voicemail_group(MailboxState.OFF), LiveState())
    assert len(rings(plan)) == 3
    assert plan.steps[-2:] == (PlayAnnouncement(Refusal.VOICEMAIL_OFF), Reject(480, Refusal.VOICEMAIL_OFF))


def test_route_group_no_answer_voicemail_takes_the_call_when_no_member_can_ring() -> None:
    plan = route(from_device("300"), voicemail_group(MailboxState.ON), LiveState(registered=frozenset()))
    assert rings(plan) == []
    assert plan.steps == (Voicemail(MAIN_BOX, DOMAIN, spoken_number="0891234560", language="fr"), Hangup())


# --- 086 + number: listening to the messages ----------------------------------------------------
def with_main_box(**overrides):
    return company(mailboxes={MAIN_NUMBER: mailbox(MAIN_BOX, MailboxState.ON)}, **overrides)


@pytest.mark.parametrize("dialled", ["0860891234560", "08600498912345 60".replace(" ", "")])
def test_route_086_and_a_company_number_checks_its_voicemail(dialled: str) -> None:
    plan = route(from_device(dialled), with_main_box(), LiveState())
    assert plan.kind == CallKind.INTERNAL and plan.destination == MAIN_NUMBER and plan.caller_extension == "1001"
    assert plan.steps == (Voicemail(MAIN_BOX, DOMAIN, check=True, language="fr"), Hangup())


def test_route_086_wins_over_the_access_code() -> None:
    plan = route(from_device("0860891234560"), with_main_box(access_code_required=True), LiveState())
    assert plan.steps[0] == Voicemail(MAIN_BOX, DOMAIN, check=True, language="fr")


def test_route_086_works_whatever_the_callers_class_of_service() -> None:
    plan = route(from_device("0860891234560", username="1003"), with_main_box(), LiveState())
    assert plan.steps[0].check is True


def test_route_086_and_a_number_that_is_not_the_companys_is_an_invalid_number() -> None:
    plan = route(from_device("086030123456"), with_main_box(), LiveState())
    assert plan.kind == CallKind.REFUSED
    assert plan.steps == (PlayAnnouncement(Refusal.INVALID_NUMBER), Reject(484, Refusal.INVALID_NUMBER))


def test_route_086_and_a_company_number_without_mailbox_announces_voicemail_off() -> None:
    plan = route(from_device("0860891234569"), with_main_box(), LiveState())
    assert plan.steps == (PlayAnnouncement(Refusal.VOICEMAIL_OFF), Reject(480, Refusal.VOICEMAIL_OFF))


def test_route_a_german_086xx_area_code_without_access_digit_stays_an_outside_number() -> None:
    plan = route(from_device("0862112345"), with_main_box(), LiveState())
    assert plan.kind == CallKind.OUTBOUND
    assert isinstance(plan.steps[0], BridgeExternal) and plan.steps[0].number == "+49862112345"
    assert plan.steps[-1] == Hangup(HangupCause.LAST_ATTEMPT)

"""The star-code grammar: pure, so every rule of [DFN] §3.1 is checked without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.featurecodes.choices import ARGUMENT_KINDS, DEFAULT_DIGITS, SUFFIX_KINDS, StarCodeKind, TargetKind
from telephony.featurecodes.grammar import FeatureRequest, Invalid, Problem, parse, usage
from telephony.featurecodes.validators import overlaps

CODES = dict(DEFAULT_DIGITS)


# --- the examples of the seed ---------------------------------------------------------
def test_parse_forward_always_to_international_number_gives_e164() -> None:
    assert parse("*110049892343123", CODES) == FeatureRequest(
        StarCodeKind.FORWARD_ALWAYS, target_kind=TargetKind.NUMBER, target="+49892343123"
    )


def test_parse_forward_always_to_extension_keeps_it_as_written() -> None:
    assert parse("*1133", CODES) == FeatureRequest(StarCodeKind.FORWARD_ALWAYS, target_kind=TargetKind.EXTENSION, target="33")


def test_parse_forward_always_voicemail_suffix_targets_voicemail() -> None:
    assert parse("*11*791", CODES) == FeatureRequest(StarCodeKind.FORWARD_ALWAYS, target_kind=TargetKind.VOICEMAIL)


def test_parse_activate_profile_3_gives_slot_3() -> None:
    assert parse("*103", CODES) == FeatureRequest(StarCodeKind.ACTIVATE_PROFILE, slot=3)


def test_parse_activate_profile_with_two_digits_is_invalid() -> None:
    assert parse("*1010", CODES) == Invalid(Problem.BAD_SLOT, StarCodeKind.ACTIVATE_PROFILE)


def test_parse_cancel_always_gives_cancel() -> None:
    assert parse("**11", CODES) == FeatureRequest(StarCodeKind.CANCEL_ALWAYS)


# --- every kind -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("dialled", "kind"),
    [
        ("*12*791", StarCodeKind.FORWARD_NO_ANSWER),
        ("*13*791", StarCodeKind.FORWARD_BUSY),
        ("*14*791", StarCodeKind.FORWARD_NOT_REGISTERED),
    ],
)
def test_parse_each_forward_condition_takes_the_voicemail_target(dialled: str, kind: StarCodeKind) -> None:
    assert parse(dialled, CODES) == FeatureRequest(kind, target_kind=TargetKind.VOICEMAIL)


@pytest.mark.parametrize(
    ("dialled", "kind"),
    [
        ("**11", StarCodeKind.CANCEL_ALWAYS),
        ("**12", StarCodeKind.CANCEL_NO_ANSWER),
        ("**13", StarCodeKind.CANCEL_BUSY),
        ("**14", StarCodeKind.CANCEL_NOT_REGISTERED),
        ("*78", StarCodeKind.DND_ON),
        ("*79", StarCodeKind.DND_OFF),
        ("*76", StarCodeKind.DND_TOGGLE),
        ("**12#", StarCodeKind.CANCEL_NO_ANSWER),
    ],
)
def test_parse_complete_codes_take_nothing_after_them(dialled: str, kind: StarCodeKind) -> None:
    assert parse(dialled, CODES) == FeatureRequest(kind)
    assert parse(dialled.removesuffix("#") + "1", CODES) == Invalid(Problem.TRAILING_DIGITS, kind)


@pytest.mark.parametrize("slot", range(10))
def test_parse_activate_profile_every_slot_0_to_9(slot: int) -> None:
    assert parse(f"*10{slot}", CODES) == FeatureRequest(StarCodeKind.ACTIVATE_PROFILE, slot=slot)


def test_parse_intercom_with_extension_is_read() -> None:
    assert parse("*8033", CODES) == FeatureRequest(StarCodeKind.INTERCOM, target_kind=TargetKind.EXTENSION, target="33")


def test_parse_end_of_dialling_hash_is_ignored() -> None:
    assert parse("*1133#", CODES) == parse("*1133", CODES)


# --- what is not a star code, and what cannot be read -----------------------------------
@pytest.mark.parametrize("dialled", ["1002", "", "0049892343123", "##3435", "+4989123"])
def test_parse_without_leading_star_is_not_a_star_code(dialled: str) -> None:
    assert parse(dialled, CODES) is None


@pytest.mark.parametrize(
    ("dialled", "problem", "kind"),
    [
        ("*109x", Problem.BAD_SLOT, StarCodeKind.ACTIVATE_PROFILE),
        ("*10", Problem.MISSING_ARGUMENT, StarCodeKind.ACTIVATE_PROFILE),
        ("*10#", Problem.MISSING_ARGUMENT, StarCodeKind.ACTIVATE_PROFILE),
        ("*11", Problem.MISSING_ARGUMENT, StarCodeKind.FORWARD_ALWAYS),
        ("*11089123456", Problem.BAD_TARGET, StarCodeKind.FORWARD_ALWAYS),  # national: not accepted
        ("*113", Problem.BAD_TARGET, StarCodeKind.FORWARD_ALWAYS),  # one digit is no extension
        ("*111234567", Problem.BAD_TARGET, StarCodeKind.FORWARD_ALWAYS),  # seven digits neither
        ("*11*792", Problem.BAD_TARGET, StarCodeKind.FORWARD_ALWAYS),
        ("*11000", Problem.BAD_TARGET, StarCodeKind.FORWARD_ALWAYS),
        ("*1100" + "1" * 16, Problem.BAD_TARGET, StarCodeKind.FORWARD_ALWAYS),  # longer than E.164
        ("*80", Problem.MISSING_ARGUMENT, StarCodeKind.INTERCOM),
        ("*80*791", Problem.BAD_TARGET, StarCodeKind.INTERCOM),
        ("*99", Problem.UNKNOWN_CODE, None),
        ("*791", Problem.TRAILING_DIGITS, StarCodeKind.DND_OFF),  # the voicemail code is only a target
        ("*", Problem.UNKNOWN_CODE, None),
    ],
)
def test_parse_unreadable_code_says_why(dialled: str, problem: Problem, kind: StarCodeKind | None) -> None:
    assert parse(dialled, CODES) == Invalid(problem, kind)


def test_parse_follows_the_tenants_own_digits() -> None:
    # given a tenant that moved "forward always" to *21 and the voicemail code to *9
    codes = {**CODES, StarCodeKind.FORWARD_ALWAYS: "*21", StarCodeKind.VOICEMAIL_TARGET: "*9"}
    # then the new digits are read and the old ones are not
    assert parse("*2133", codes) == FeatureRequest(StarCodeKind.FORWARD_ALWAYS, target_kind=TargetKind.EXTENSION, target="33")
    assert parse("*21*9", codes) == FeatureRequest(StarCodeKind.FORWARD_ALWAYS, target_kind=TargetKind.VOICEMAIL)
    assert parse("*1133", codes) == Invalid(Problem.UNKNOWN_CODE)


def test_usage_shows_examples_with_the_tenants_digits() -> None:
    assert usage(StarCodeKind.FORWARD_ALWAYS, CODES) == "*1133, *110049892343123, *11*791"
    assert usage(StarCodeKind.ACTIVATE_PROFILE, CODES) == "*100 … *109"
    assert usage(StarCodeKind.VOICEMAIL_TARGET, CODES) == "*11*791"
    assert usage(StarCodeKind.DND_ON, CODES) == "*78"


def test_default_codes_are_free_of_prefixes() -> None:
    dialled = [digits for kind, digits in DEFAULT_DIGITS.items() if kind not in SUFFIX_KINDS]
    assert not [(a, b) for i, a in enumerate(dialled) for b in dialled[i + 1 :] if overlaps(a, b)]
    assert set(DEFAULT_DIGITS) == set(StarCodeKind.values)


# --- properties ---------------------------------------------------------------------------
DIALLED_KINDS = [kind for kind in StarCodeKind.values if kind not in SUFFIX_KINDS]
extensions = st.from_regex(r"^[1-9][0-9]{1,5}$", fullmatch=True)
international = st.from_regex(r"^[1-9][0-9]{3,14}$", fullmatch=True)
anything = st.text(alphabet="0123456789*#", max_size=24)


@given(anything)
def test_parse_anything_starting_with_star_is_a_request_or_invalid(rest: str) -> None:
    result = parse("*" + rest, CODES)
    assert isinstance(result, FeatureRequest | Invalid)


@given(st.text(alphabet="0123456789#+", max_size=24))
def test_parse_without_star_is_never_a_star_code(dialled: str) -> None:
    assert parse(dialled, CODES) is None


@given(st.sampled_from(sorted(k for k in ARGUMENT_KINDS if k != StarCodeKind.ACTIVATE_PROFILE)), extensions)
def test_parse_code_plus_extension_targets_that_extension(kind: str, extension: str) -> None:
    result = parse(CODES[kind] + extension, CODES)
    assert result == FeatureRequest(StarCodeKind(kind), target_kind=TargetKind.EXTENSION, target=extension)


@given(st.sampled_from(["forward_always", "forward_no_answer", "forward_busy", "forward_not_registered"]), international)
def test_parse_forward_plus_00_number_targets_the_e164_number(kind: str, digits: str) -> None:
    result = parse(CODES[kind] + "00" + digits, CODES)
    assert result == FeatureRequest(StarCodeKind(kind), target_kind=TargetKind.NUMBER, target="+" + digits)


@given(st.sampled_from(DIALLED_KINDS), anything)
def test_parse_a_request_always_names_the_code_it_starts_with(kind: str, rest: str) -> None:
    result = parse(CODES[kind] + rest, CODES)
    if isinstance(result, FeatureRequest):
        assert (CODES[result.kind] + rest).startswith(CODES[result.kind])
        assert result.kind == kind  # the table is free of prefixes: only one code can match
        assert (result.slot is not None) == (kind == StarCodeKind.ACTIVATE_PROFILE)
        assert 0 <= (result.slot or 0) <= 9

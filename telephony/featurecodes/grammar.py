"""What a dialled star code means: pure parsing, no database, no switch ([DFN] §3.1).

``parse(dialled, codes)`` reads ``dialled`` against a tenant's table of codes (kind -> digits)
and answers

- ``None`` when ``dialled`` is not a star code at all (it does not start with ``*``);
- a ``FeatureRequest`` (kind, and the profile slot or the forwarding target it carries);
- an ``Invalid`` saying why a star code cannot be read (unknown code, missing or bad argument).

The rules:

- ``*10`` + n: activate forwarding profile n, exactly one digit 0-9 (``*103``; ``*1010`` is invalid);
- ``*11`` ... ``*14`` + target: set forwarding always / on no answer / on busy / if not
  registered. The target is an extension as written (``*1133`` -> 33), an international number
  with the ``00`` prefix (``*110049892343123`` -> +49892343123) or the voicemail code
  (``*11*791`` -> the user's voicemail). A national number (one leading 0) is not accepted:
  star codes take international numbers only;
- ``**11`` ... ``**14``, the DND codes: complete as they are, nothing may follow;
- ``*80`` + extension: intercom.

One ``#`` at the end (the phone's "dial now" key) is ignored. When several codes match, the
longest wins; the tenant's table is kept free of prefixes (see ``validators``), so in practice
at most one does.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from telephony.featurecodes.choices import ARGUMENT_KINDS, SUFFIX_KINDS, StarCodeKind, TargetKind

STAR = "*"
END_OF_DIALLING = "#"
INTERNATIONAL_PREFIX = "00"

_SLOT = re.compile(r"^[0-9]$")
_EXTENSION = re.compile(r"^[1-9][0-9]{1,5}$")  # as telephony.directory.models.extension_number_validator
_INTERNATIONAL = re.compile(r"^00[1-9][0-9]{3,14}$")  # E.164: up to 15 digits after the prefix

FORWARD_KINDS = frozenset(
    {
        StarCodeKind.FORWARD_ALWAYS,
        StarCodeKind.FORWARD_NO_ANSWER,
        StarCodeKind.FORWARD_BUSY,
        StarCodeKind.FORWARD_NOT_REGISTERED,
    }
)


class Problem(enum.StrEnum):
    """Why a star code cannot be read."""

    UNKNOWN_CODE = "unknown_code"  # starts with * but is none of the tenant's codes
    MISSING_ARGUMENT = "missing_argument"  # *10, *11 ... without the slot or target
    BAD_SLOT = "bad_slot"  # *10 + something other than one digit
    BAD_TARGET = "bad_target"  # neither an extension, nor 00 + number, nor the voicemail code
    TRAILING_DIGITS = "trailing_digits"  # something after a code that takes nothing (**11, DND)


@dataclass(frozen=True)
class FeatureRequest:
    """A readable star code: what to do, for the user who dialled it."""

    kind: StarCodeKind
    slot: int | None = None  # activate_profile: 0-9
    target_kind: TargetKind | None = None  # forward_*: number, extension or voicemail; intercom: extension
    target: str = ""  # E.164 for a number ("+49892343123"), the digits of an extension, "" for voicemail


@dataclass(frozen=True)
class Invalid:
    """A star code that cannot be read: nothing is to change."""

    problem: Problem
    kind: StarCodeKind | None = None  # the code recognised, when the argument is what is wrong


def parse(dialled: str, codes: Mapping[str, str]) -> FeatureRequest | Invalid | None:
    """``dialled`` read against ``codes`` (kind -> digits); ``None`` when it is not a star code."""
    text = (dialled or "").strip()
    if not text.startswith(STAR):
        return None
    text = text.removesuffix(END_OF_DIALLING)
    kind = _matching_kind(text, codes)
    if kind is None:
        return Invalid(Problem.UNKNOWN_CODE)
    rest = text[len(codes[kind]) :]
    if kind not in ARGUMENT_KINDS:
        return FeatureRequest(kind) if not rest else Invalid(Problem.TRAILING_DIGITS, kind)
    if not rest:
        return Invalid(Problem.MISSING_ARGUMENT, kind)
    if kind == StarCodeKind.ACTIVATE_PROFILE:
        return FeatureRequest(kind, slot=int(rest)) if _SLOT.match(rest) else Invalid(Problem.BAD_SLOT, kind)
    if kind == StarCodeKind.INTERCOM:
        if _EXTENSION.match(rest):
            return FeatureRequest(kind, target_kind=TargetKind.EXTENSION, target=rest)
        return Invalid(Problem.BAD_TARGET, kind)
    return _forward(kind, rest, codes.get(StarCodeKind.VOICEMAIL_TARGET, ""))


def _matching_kind(text: str, codes: Mapping[str, str]) -> StarCodeKind | None:
    best: tuple[int, StarCodeKind] | None = None
    for kind, digits in codes.items():
        if kind in SUFFIX_KINDS or kind not in StarCodeKind.values or not digits:
            continue
        if text.startswith(digits) and (best is None or len(digits) > best[0]):
            best = (len(digits), StarCodeKind(kind))
    return best[1] if best else None


def _forward(kind: StarCodeKind, target: str, voicemail_code: str) -> FeatureRequest | Invalid:
    if voicemail_code and target == voicemail_code:
        return FeatureRequest(kind, target_kind=TargetKind.VOICEMAIL)
    if _INTERNATIONAL.match(target):
        return FeatureRequest(kind, target_kind=TargetKind.NUMBER, target="+" + target[len(INTERNATIONAL_PREFIX) :])
    if _EXTENSION.match(target):
        return FeatureRequest(kind, target_kind=TargetKind.EXTENSION, target=target)
    return Invalid(Problem.BAD_TARGET, kind)


def usage(kind: str, codes: Mapping[str, str]) -> str:
    """How a code of the table ``codes`` is dialled, as examples: ``*103``, ``*1133`` ..."""
    digits = codes.get(kind, "")
    voicemail = codes.get(StarCodeKind.VOICEMAIL_TARGET, "")
    if kind == StarCodeKind.ACTIVATE_PROFILE:
        return f"{digits}0 … {digits}9"
    if kind in FORWARD_KINDS:
        examples = [f"{digits}33", f"{digits}0049892343123"] + ([f"{digits}{voicemail}"] if voicemail else [])
        return ", ".join(examples)
    if kind == StarCodeKind.INTERCOM:
        return f"{digits}33"
    if kind in SUFFIX_KINDS:
        return f"{codes.get(StarCodeKind.FORWARD_ALWAYS, '')}{digits}"
    return digits

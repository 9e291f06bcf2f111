"""What a dialled number is: emergency, internal candidate, or an outside number and its tariff class.

Pure functions over digits and a country (ISO 3166 code of the tenant's location); no database,
no I/O. The routing engine (``telephony.calls.routing``) uses them to decide what a call does;
the directory's numbering-plan validators use ``is_emergency_number`` so that no internal number
can shadow an emergency number.

Outside numbers are normalised to E.164 with ``phonenumbers``, reading the national form
(``089 1234567``), the international form with the country's international prefix
(``0049 89 1234567`` in Germany, ``011 ...`` in the US) and the ``+`` form.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import CountryCodeSource, PhoneMetadata, PhoneNumberType

# The digit that seizes an outside line when the tenant's "0 to get out" rule is on ([VTX] §2.10, [AW] §3.3).
ACCESS_DIGIT = "0"

# A trailing "#" means "dialling complete" ([AW] §3.3): it is not part of the number.
END_OF_DIALLING = "#"

# What a phone may send as a number. Anything else is refused before it reaches the engine.
DIALLED_PATTERN = re.compile(r"^\+?[0-9*#]{1,40}$")

DEFAULT_COUNTRY = "DE"

# Public emergency numbers of the locations the platform serves, as the regulators publish them.
# Other countries fall back to the emergency numbers in phonenumbers' short-number metadata, and
# 112 (the European and GSM emergency number) is an emergency number everywhere.
EMERGENCY_NUMBERS: dict[str, frozenset[str]] = {
    "DE": frozenset({"110", "112"}),
    # Fire 122, police 133, ambulance 144, mountain rescue 140.
    "AT": frozenset({"112", "122", "133", "144", "140"}),
    # Police 117, fire 118, ambulance 144, air rescue (Rega) 1414.
    "CH": frozenset({"112", "117", "118", "144", "1414"}),
    # SAMU 15, police 17, fire 18, deaf and hard of hearing 114, sea rescue 196, air 191.
    "FR": frozenset({"112", "15", "17", "18", "114", "191", "196"}),
    "GB": frozenset({"999", "112"}),
    "US": frozenset({"911", "112"}),
}
UNIVERSAL_EMERGENCY_NUMBER = "112"


@dataclass(frozen=True)
class OutsideNumber:
    """A valid outside number: its E.164 form and what the class of service is checked against."""

    e164: str
    international: bool
    premium: bool


def is_emergency_number(digits: str, country: str) -> bool:
    """True when ``digits`` (exactly, no prefix) is a public emergency number at ``country``."""
    if not digits.isdigit():
        return False
    region = (country or DEFAULT_COUNTRY).upper()
    if digits == UNIVERSAL_EMERGENCY_NUMBER or digits in EMERGENCY_NUMBERS.get(region, frozenset()):
        return True
    return region not in EMERGENCY_NUMBERS and phonenumbers.is_emergency_number(digits, region)


def emergency_numbers(country: str) -> frozenset[str]:
    """The emergency numbers listed for ``country`` (the explicit table; 112 always included)."""
    return EMERGENCY_NUMBERS.get((country or DEFAULT_COUNTRY).upper(), frozenset()) | {UNIVERSAL_EMERGENCY_NUMBER}


def clean_dialled(raw: str) -> str | None:
    """The dialled digits without the end-of-dialling ``#``, or ``None`` when they are not a number at all."""
    text = (raw or "").strip()
    if not DIALLED_PATTERN.match(text):
        return None
    text = text.removesuffix(END_OF_DIALLING)
    return text or None


# Parsing with phonenumbers costs about 0.1 ms; the same numbers come again and again (a DID, the
# caller, a routing pass repeated for hunt groups), and both functions are pure.
@functools.lru_cache(maxsize=8192)
def outside_number(digits: str, country: str) -> OutsideNumber | None:
    """``digits`` (national, international with the country's prefix, or ``+``) as a valid outside number.

    ``None`` when the digits are not a valid phone number from ``country`` (too short, unknown
    range, service codes): such a number is never sent to a trunk.
    """
    if not digits or "*" in digits or "#" in digits:
        return None
    region = (country or DEFAULT_COUNTRY).upper()
    try:
        parsed = phonenumbers.parse(digits, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    if parsed.country_code_source == CountryCodeSource.FROM_DEFAULT_COUNTRY and not _has_national_prefix(digits, region):
        # "8912345678" in Germany is a local number of an unknown area, not 089 12345678:
        # national numbers are dialled with the trunk prefix, as on any phone line.
        return None
    # Shared-cost numbers (0180, 0137 in Germany) are ordinary numbers with a capped price: only
    # PREMIUM_RATE (0900 in Germany, 09 in the UK, 089x in France) needs the extra permission.
    return OutsideNumber(
        e164=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        international=parsed.country_code != phonenumbers.country_code_for_region(region),
        premium=phonenumbers.number_type(parsed) == PhoneNumberType.PREMIUM_RATE,
    )


def _has_national_prefix(digits: str, region: str) -> bool:
    metadata = PhoneMetadata.metadata_for_region(region)
    prefix = metadata.national_prefix if metadata else None
    # North America dials ten digits without its trunk prefix "1"; some countries have none at all.
    if not prefix or (metadata is not None and metadata.country_code == 1):
        return True
    return digits.startswith(prefix)


@functools.lru_cache(maxsize=8192)
def inbound_e164(raw: str, country: str) -> str | None:
    """The E.164 form of a number a carrier sends (``+4989...``, ``4989...``, ``089...``), or ``None``."""
    text = (raw or "").strip()
    if not DIALLED_PATTERN.match(text) or "*" in text or "#" in text:
        return None
    region = (country or DEFAULT_COUNTRY).upper()
    candidates = [text] if text.startswith("+") or text.startswith("0") else ["+" + text, text]
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None

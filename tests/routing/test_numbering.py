"""Number classification: emergency numbers per location, outside numbers and their tariff class."""

from __future__ import annotations

import phonenumbers
import pytest

from telephony.calls import numbering

EMERGENCY_CASES = [
    ("DE", "110"),
    ("DE", "112"),
    ("AT", "122"),
    ("AT", "133"),
    ("AT", "144"),
    ("CH", "117"),
    ("CH", "1414"),
    ("FR", "15"),
    ("FR", "17"),
    ("FR", "18"),
    ("GB", "999"),
    ("US", "911"),
    ("US", "112"),
    ("JP", "112"),
    ("IT", "113"),
]


@pytest.mark.parametrize(("country", "number"), EMERGENCY_CASES)
def test_is_emergency_number_known_numbers_of_the_location_are_emergency(country: str, number: str) -> None:
    assert numbering.is_emergency_number(number, country)


@pytest.mark.parametrize(("country", "number"), [("DE", "911"), ("DE", "999"), ("US", "110"), ("DE", "1120"), ("DE", "+112")])
def test_is_emergency_number_other_numbers_are_not(country: str, number: str) -> None:
    assert not numbering.is_emergency_number(number, country)


def test_emergency_table_misses_none_of_the_numbers_phonenumbers_knows() -> None:
    # The table may list more (e.g. Rega 1414 in Switzerland), never fewer.
    for country, numbers in numbering.EMERGENCY_NUMBERS.items():
        known = {str(n) for n in range(10, 10000) if phonenumbers.is_emergency_number(str(n), country)}
        assert known <= numbers, country
        assert "112" in numbers


def test_emergency_numbers_default_location_is_germany() -> None:
    assert numbering.emergency_numbers("") == {"110", "112"}
    assert numbering.is_emergency_number("110", "")


@pytest.mark.parametrize(("raw", "clean"), [("1002#", "1002"), (" 1002 ", "1002"), ("*11", "*11"), ("+4989", "+4989")])
def test_clean_dialled_strips_end_of_dialling(raw: str, clean: str) -> None:
    assert numbering.clean_dialled(raw) == clean


@pytest.mark.parametrize("raw", ["", "#", "10a2", "1002;x", "${system(id)}", "1" * 41, "10 02"])
def test_clean_dialled_rejects_what_no_phone_dials(raw: str) -> None:
    assert numbering.clean_dialled(raw) is None


@pytest.mark.parametrize(
    ("digits", "country", "e164", "international", "premium"),
    [
        ("08912345678", "DE", "+498912345678", False, False),
        ("00498912345678", "DE", "+498912345678", False, False),
        ("+498912345678", "DE", "+498912345678", False, False),
        ("00442079460958", "DE", "+442079460958", True, False),
        ("09001234567", "DE", "+499001234567", False, True),
        ("01801234567", "DE", "+491801234567", False, False),
        ("0442079460958", "CH", None, None, None),
        ("0041441234567", "DE", "+41441234567", True, False),
        ("0441234567", "CH", "+41441234567", False, False),
        ("2125551234", "US", "+12125551234", False, False),
        ("01133123456789", "US", "+33123456789", True, False),
        ("8912345678", "DE", None, None, None),
        ("112", "DE", None, None, None),
        ("*11", "DE", None, None, None),
    ],
)
def test_outside_number_reads_national_and_international_forms(
    digits: str, country: str, e164: str | None, international: bool | None, premium: bool | None
) -> None:
    number = numbering.outside_number(digits, country)
    if e164 is None:
        assert number is None
    else:
        assert number == numbering.OutsideNumber(e164, international, premium)


@pytest.mark.parametrize("raw", ["+498912345678", "498912345678", "08912345678", "00498912345678"])
def test_inbound_e164_reads_what_carriers_send(raw: str) -> None:
    assert numbering.inbound_e164(raw, "DE") == "+498912345678"


@pytest.mark.parametrize("raw", ["", "anonymous", "1002", "+49", "49${x}"])
def test_inbound_e164_rejects_non_numbers(raw: str) -> None:
    assert numbering.inbound_e164(raw, "DE") is None

"""Parsing contact files: CSV (with a header row) and vCard 3.0/4.0 (vobject)."""

from __future__ import annotations

import csv
import io

import vobject
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from telephony.contacts.choices import NumberKind
from telephony.contacts.services import ContactInput

MAX_BYTES = 2 * 1024 * 1024
CSV_COLUMNS = {
    "name": "name",
    "company": "company",
    "email": "email",
    "short_number": "short_number",
    "work": NumberKind.WORK,
    "mobile": NumberKind.MOBILE,
    "home": NumberKind.HOME,
    "fax": NumberKind.FAX,
    "other": NumberKind.OTHER,
}
VCARD_KINDS = {"CELL": NumberKind.MOBILE, "HOME": NumberKind.HOME, "FAX": NumberKind.FAX, "WORK": NumberKind.WORK}


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 2 MB."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_csv(data: bytes) -> list[ContactInput]:
    """Columns (header names, any order): name, company, email, short_number, work, mobile, home, fax, other."""
    text = _text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = {(name or "").strip().lower() for name in reader.fieldnames or []}
    if "name" not in header:
        raise ValidationError(_("The CSV file needs a header row with at least a 'name' column."))
    rows = []
    for record in reader:
        clean = {(key or "").strip().lower(): (value or "").strip() for key, value in record.items() if key}
        numbers = [
            (kind, clean[column]) for column, kind in CSV_COLUMNS.items() if column in NumberKind.values and clean.get(column)
        ]
        rows.append(
            ContactInput(
                name=clean.get("name", ""),
                company=clean.get("company", ""),
                email=clean.get("email", ""),
                short_number=clean.get("short_number", ""),
                numbers=numbers,
            )
        )
    return rows


def parse_vcard(data: bytes) -> list[ContactInput]:
    text = _text(data)
    try:
        cards = list(vobject.readComponents(text))
    except Exception as exc:
        raise ValidationError(_("The file is not a valid vCard file.")) from exc
    rows = []
    for card in cards:
        if card.name != "VCARD":
            continue
        name = card.fn.value if hasattr(card, "fn") else ""
        company = ""
        if hasattr(card, "org"):
            org = card.org.value
            company = org[0] if isinstance(org, list) and org else str(org)
        email = card.email.value if hasattr(card, "email") else ""
        numbers = []
        for tel in card.contents.get("tel", []):
            types = {t.upper() for t in tel.params.get("TYPE", [])}
            kind = next((kind for key, kind in VCARD_KINDS.items() if key in types), NumberKind.WORK)
            numbers.append((kind, tel.value))
        rows.append(ContactInput(name=name, company=company, email=email, numbers=numbers))
    if not rows:
        raise ValidationError(_("The file contains no contacts."))
    return rows

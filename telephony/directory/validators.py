"""Rules of the tenant's numbering plan and of phone numbers.

One internal number can mean only one thing in a tenant: an extension, a group short number, a
feature code, a park slot ... ``check_number_free()`` asks every registered *claimer* whether
it already uses a number. This module registers the extension claimer and the fixed rules
(emergency numbers of the tenant's location, the access digit); later apps register theirs
with ``@number_claimer``::

    @number_claimer
    def _group_short_numbers(tenant, number, ignore):
        if HuntGroup.objects.for_tenant(tenant).filter(short_number=number).exclude(pk=...).exists():
            return _("Hunt group %(number)s already uses this number.") % {"number": number}
        return None
"""

from __future__ import annotations

from collections.abc import Callable

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from telephony.calls.numbering import is_emergency_number
from tenants.models import Tenant

# The digit that seizes an outside line when the tenant's "0 to get out" rule is on ([VTX] §2.10).
ACCESS_DIGIT = "0"

# (tenant, number, ignore) -> a message saying who uses the number, or None when free.
# ``ignore`` is the object being changed, so that it does not collide with itself.
NumberClaimer = Callable[[Tenant, str, models.Model | None], str | None]
_claimers: list[NumberClaimer] = []


def number_claimer(func: NumberClaimer) -> NumberClaimer:
    """Register a check that says whether ``number`` is already used in a tenant's numbering plan."""
    if func not in _claimers:
        _claimers.append(func)
    return func


def check_number_free(tenant: Tenant, number: str, *, ignore: models.Model | None = None, field: str = "number") -> None:
    """Raise ``ValidationError`` on ``field`` when ``number`` cannot be used in ``tenant``'s internal plan."""
    if number.startswith(ACCESS_DIGIT):
        raise ValidationError({field: _("Internal numbers cannot start with 0: 0 is the access code for outside calls.")})
    if is_emergency_number(number, tenant.country):
        raise ValidationError({field: _("%(number)s is an emergency number and cannot be used internally.") % {"number": number}})
    for claimer in _claimers:
        message = claimer(tenant, number, ignore)
        if message:
            raise ValidationError({field: message})


@number_claimer
def _extensions(tenant: Tenant, number: str, ignore: models.Model | None) -> str | None:
    from telephony.directory.models import Extension

    taken = Extension.objects.for_tenant(tenant).filter(number=number)
    if isinstance(ignore, Extension):
        taken = taken.exclude(pk=ignore.pk)
    if taken.exists():
        return _("Extension %(number)s already exists.") % {"number": number}
    return None


def normalise_e164(raw: str, country: str, *, field: str = "number") -> str:
    """``raw`` (international, or national for ``country``) as E.164, or a ``ValidationError``."""
    text = (raw or "").strip()
    if text.startswith("00"):
        # The international prefix written as digits, as people in Europe do.
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, country or "DE")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError({field: _("%(value)s is not a phone number.") % {"value": raw}}) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError({field: _("%(value)s is not a valid phone number.") % {"value": raw}})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

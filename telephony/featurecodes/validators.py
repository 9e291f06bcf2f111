"""Star codes take part in the tenant's numbering plan, and must be readable one way only.

Dialled codes (everything but the voicemail suffix) must be free of prefixes among themselves:
no code may equal, start or be the start of another. ``*1`` next to ``*10`` would make ``*103``
mean two things, and phones that dial as soon as the digits match a code (overlap dialling)
would never reach the longer one. The same rule, registered as a numbering-plan claimer, keeps
anything else (a future park slot, a pickup code) from taking digits a star code reads.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from telephony.directory.validators import number_claimer
from telephony.featurecodes.choices import SUFFIX_KINDS, StarCodeKind
from tenants.models import Tenant


def overlaps(one: str, other: str) -> bool:
    """Two dialled codes that cannot both be in a table: equal, or one starts the other."""
    return one.startswith(other) or other.startswith(one)


@number_claimer
def _star_codes(tenant: Tenant, number: str, ignore: models.Model | None) -> str | None:
    from telephony.featurecodes.models import StarCode

    if not number.startswith("*"):
        return None  # extensions, group short numbers ... are digits only: no star code can start them
    codes = StarCode.objects.for_tenant(tenant).exclude(kind__in=SUFFIX_KINDS)
    if isinstance(ignore, StarCode):
        codes = codes.exclude(pk=ignore.pk)
    for code in codes:
        if overlaps(number, code.digits):
            return _("The star code %(code)s (%(function)s) already uses %(number)s or the start of it.") % {
                "code": code.digits,
                "function": StarCodeKind(code.kind).label,
                "number": number,
            }
    return None

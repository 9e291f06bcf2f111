"""Writes of star codes: every tenant's default table, and the tenant admin's changes to it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from telephony.directory.validators import check_number_free
from telephony.featurecodes.choices import DEFAULT_DIGITS, SUFFIX_KINDS
from telephony.featurecodes.models import StarCode, star_code_validator
from telephony.featurecodes.selectors import star_codes
from tenants import audit
from tenants.models import Tenant, User


def create_default_codes(tenant: Tenant) -> list[StarCode]:
    """Give ``tenant`` the default code of every kind it does not have yet (a new tenant: all of them)."""
    present = set(StarCode.objects.for_tenant(tenant).values_list("kind", flat=True))
    missing = [kind for kind in DEFAULT_DIGITS if kind not in present]
    return StarCode.objects.bulk_create(StarCode(tenant=tenant, kind=kind, digits=DEFAULT_DIGITS[kind]) for kind in missing)


def _state(code: StarCode) -> dict[str, object]:
    return {"kind": code.kind, "digits": code.digits}


def _validate_digits(tenant: Tenant, code: StarCode, raw: str) -> str:
    digits = "".join(str(raw or "").split())
    try:
        star_code_validator(digits)
    except ValidationError as error:
        raise ValidationError({"digits": error.messages}) from error
    same = StarCode.objects.for_tenant(tenant).filter(digits=digits).exclude(pk=code.pk).first()
    if same is not None:
        message = _("%(code)s is already the code for %(function)s.") % {"code": digits, "function": same.get_kind_display()}
        raise ValidationError({"digits": message})
    if code.kind not in SUFFIX_KINDS:
        # A dialled code must be free in the numbering plan: no other code starts it or is started by it.
        check_number_free(tenant, digits, ignore=code, field="digits")
    return digits


@transaction.atomic
def check_update_star_code(tenant: Tenant, *, actor: User | None, code: StarCode, digits: str) -> StarCode:
    """Give one of the tenant's star codes new digits; a collision raises ``ValidationError`` and changes nothing."""
    Tenant.objects.select_for_update().get(pk=tenant.pk)  # serialises numbering-plan checks
    code = StarCode.objects.for_tenant(tenant).select_for_update().get(pk=code.pk)
    new_digits = _validate_digits(tenant, code, digits)
    if new_digits == code.digits:
        return code
    before = _state(code)
    code.digits = new_digits
    code.save(update_fields=["digits", "updated_at"])
    audit.record(tenant=tenant, actor=actor, action="star_code.update", obj=code, before=before, after=_state(code))
    return code


@transaction.atomic
def check_reset_star_codes(tenant: Tenant, *, actor: User | None) -> list[StarCode]:
    """Put every star code of the tenant back to its default (the defaults never collide with each other)."""
    Tenant.objects.select_for_update().get(pk=tenant.pk)
    changed = [
        code for code in StarCode.objects.for_tenant(tenant).select_for_update() if code.digits != DEFAULT_DIGITS[code.kind]
    ]
    before = {code.pk: _state(code) for code in changed}
    # Out of the way first (placeholders no user can enter), since defaults may swap digits
    # between two codes and digits are unique per tenant.
    for position, code in enumerate(changed):
        code.digits = f"*#{position}"
    StarCode.objects.bulk_update(changed, ["digits"])
    for code in changed:
        code.digits = DEFAULT_DIGITS[code.kind]
        code.save(update_fields=["digits", "updated_at"])
        audit.record(tenant=tenant, actor=actor, action="star_code.update", obj=code, before=before[code.pk], after=_state(code))
    create_default_codes(tenant)
    return star_codes(tenant)

"""Writes of contacts. Global contacts are the admin's; private contacts belong to one user.

Who may change what is decided here, once, for the portal and the API alike: a global contact
only by a tenant admin, a private contact only by its owner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from telephony.contacts.choices import NumberKind
from telephony.contacts.models import Contact, ContactNumber, short_number_validator
from telephony.directory.validators import normalise_e164
from tenants import audit
from tenants.choices import Role
from tenants.models import Tenant, User

MAX_NUMBERS = 10


@dataclass
class ContactInput:
    name: str
    company: str = ""
    email: str = ""
    short_number: str = ""
    numbers: Sequence[tuple[str, str]] = field(default_factory=list)  # (kind, number as typed)


def _state(contact: Contact) -> dict[str, object]:
    return {
        "name": contact.name,
        "company": contact.company,
        "email": contact.email,
        "short_number": contact.short_number,
        "global": contact.is_global,
        "numbers": [[n.kind, n.number] for n in contact.numbers.all()],
    }


def is_admin(tenant: Tenant, user: User | None) -> bool:
    membership = getattr(user, "membership", None) if user is not None else None
    return membership is not None and membership.tenant_id == tenant.pk and membership.is_active and membership.role == Role.ADMIN


def can_change(tenant: Tenant, user: User | None, contact: Contact) -> bool:
    return is_admin(tenant, user) if contact.is_global else user is not None and contact.owner_id == user.pk


def _clean(
    tenant: Tenant, data: ContactInput, *, is_global: bool, contact: Contact | None
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    errors: dict[str, list[str]] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = [_("Give the contact a name.")]
    email = data.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    short_number = data.short_number.strip()
    if short_number:
        if not is_global:
            errors["short_number"] = [_("Only contacts of the company directory have short numbers.")]
        else:
            try:
                short_number_validator(short_number)
            except ValidationError as error:
                errors["short_number"] = error.messages
            taken = Contact.objects.for_tenant(tenant).filter(short_number=short_number)
            if contact is not None:
                taken = taken.exclude(pk=contact.pk)
            if "short_number" not in errors and taken.exists():
                errors["short_number"] = [_("The short number %(number)s is already used.") % {"number": short_number}]
    numbers: list[tuple[str, str]] = []
    problems: list[str] = []
    for kind, raw in data.numbers:
        if not str(raw).strip():
            continue
        if kind not in NumberKind.values:
            problems.append(_("Unknown kind of number: %(kind)s") % {"kind": kind})
            continue
        try:
            numbers.append((kind, normalise_e164(str(raw), tenant.country)))
        except ValidationError as error:
            problems.extend(error.messages)
    if len(numbers) > MAX_NUMBERS:
        problems.append(_("A contact has at most %(count)s numbers.") % {"count": MAX_NUMBERS})
    if not numbers and not problems:
        problems.append(_("Give at least one phone number."))
    if problems:
        errors["numbers"] = problems
    if errors:
        raise ValidationError(errors)
    return {"name": name[:200], "company": data.company.strip()[:200], "email": email, "short_number": short_number}, numbers


def _write_numbers(contact: Contact, numbers: list[tuple[str, str]]) -> None:
    contact.numbers.all().delete()
    ContactNumber.objects.bulk_create(ContactNumber(contact=contact, kind=kind, number=number) for kind, number in numbers)


@transaction.atomic
def check_create_contact(tenant: Tenant, *, actor: User | None, data: ContactInput, is_global: bool) -> Contact:
    """A global contact (admins only) or a private contact of ``actor``."""
    if is_global and not is_admin(tenant, actor) and actor is not None:
        raise PermissionDenied(_("Only admins change the company directory."))
    if not is_global and actor is None:
        raise ValidationError(_("A private contact needs an owner."))
    fields, numbers = _clean(tenant, data, is_global=is_global, contact=None)
    contact = Contact.objects.create(tenant=tenant, owner=None if is_global else actor, **fields)
    _write_numbers(contact, numbers)
    audit.record(tenant=tenant, actor=actor, action="contact.create", obj=contact, after=_state(contact))
    return contact


@transaction.atomic
def check_update_contact(tenant: Tenant, *, actor: User | None, contact: Contact, data: ContactInput) -> Contact:
    contact = Contact.objects.for_tenant(tenant).select_for_update().get(pk=contact.pk)
    if not can_change(tenant, actor, contact):
        raise PermissionDenied(_("You cannot change this contact."))
    before = _state(contact)
    fields, numbers = _clean(tenant, data, is_global=contact.is_global, contact=contact)
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.save()
    _write_numbers(contact, numbers)
    audit.record(tenant=tenant, actor=actor, action="contact.update", obj=contact, before=before, after=_state(contact))
    return contact


@transaction.atomic
def check_delete_contact(tenant: Tenant, *, actor: User | None, contact: Contact) -> None:
    contact = Contact.objects.for_tenant(tenant).select_for_update().get(pk=contact.pk)
    if not can_change(tenant, actor, contact):
        raise PermissionDenied(_("Global contacts can be deleted only by an admin."))
    before = _state(contact)
    contact.delete()
    audit.record(tenant=tenant, actor=actor, action="contact.delete", obj=contact, before=before)


@dataclass
class ImportResult:
    created: int = 0
    errors: list[str] = field(default_factory=list)  # "line/card N: message"


def import_contacts(tenant: Tenant, *, actor: User | None, rows: Sequence[ContactInput], label: str = "row") -> ImportResult:
    """Create global contacts from parsed rows; each bad row is reported and skipped.

    The good rows are created in one transaction, so a failure half-way leaves nothing behind.
    """
    if not is_admin(tenant, actor):
        raise PermissionDenied(_("Only admins change the company directory."))
    result = ImportResult()
    with transaction.atomic():
        for index, row in enumerate(rows, start=1):
            try:
                with transaction.atomic():
                    check_create_contact(tenant, actor=actor, data=row, is_global=True)
            except ValidationError as error:
                result.errors.append(f"{label} {index}: {'; '.join(error.messages)}")
            else:
                result.created += 1
    return result

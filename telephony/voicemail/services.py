"""Writes of the company voicemail ([VTX] §2.8): create, change state/password/language/e-mail, greeting.

Every change reaches the switch on commit: the routing snapshot (number routes and hunt groups
that divert to a mailbox, ``086`` access) and the mailbox's directory entry (``vm-password``,
``vm-mailto``), which mod_voicemail reads.
"""

from __future__ import annotations

import secrets
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from centrex.events import DomainEvent, publish
from telephony.directory.models import PhoneNumber
from telephony.media import audio
from telephony.media.services import ALLOWED_SUFFIXES
from telephony.voicemail.choices import MailboxLanguage, MailboxState
from telephony.voicemail.models import CompanyMailbox, password_validator
from tenants import audit
from tenants.models import Tenant, User

# The password never goes into the audit log; that it changed does.
FIELDS = ["phone_number", "state", "language", "email", "greeting_name", "greeting_duration_ms"]


def generate_password() -> str:
    """A random 4-digit access code."""
    return f"{secrets.randbelow(10_000):04d}"


def _state(mailbox: CompanyMailbox) -> dict[str, object]:
    return audit.snapshot(mailbox, FIELDS)


def _changed(tenant: Tenant, mailbox: CompanyMailbox, op: str) -> None:
    from telephony.freeswitch.sync import schedule_sync

    schedule_sync(str(tenant.pk), directory_users=[mailbox.switch_id], dialplan=True)
    publish(
        DomainEvent(
            type="company_mailbox",
            op=op,
            tenant=str(tenant.pk),
            data={"id": str(mailbox.pk), "phone_number": str(mailbox.phone_number_id), "state": mailbox.state},
        )
    )


def _tenant_number(tenant: Tenant, phone_number_id: object) -> PhoneNumber | None:
    try:
        uuid.UUID(str(phone_number_id))
    except (ValueError, TypeError):
        return None
    return PhoneNumber.objects.for_tenant(tenant).select_for_update().filter(pk=phone_number_id).first()


def _default_language(tenant: Tenant) -> str:
    return tenant.language if tenant.language in MailboxLanguage.values else MailboxLanguage.EN


def _clean(
    errors: dict[str, list[str]],
    *,
    state: str | None,
    password: str | None,
    password_confirmation: str | None,
    language: str | None,
    email: str | None,
) -> dict[str, object]:
    """The changed fields, checked; problems go into ``errors`` by field."""
    fields: dict[str, object] = {}
    if state is not None:
        if state not in MailboxState.values:
            errors["state"] = [_("Choose on, greeting only or off.")]
        fields["state"] = state
    if password is not None:
        password = str(password).strip()
        try:
            password_validator(password)
        except ValidationError as error:
            errors["password"] = error.messages
        if password_confirmation is not None and str(password_confirmation).strip() != password:
            errors["password_confirmation"] = [_("The two passwords do not match.")]
        fields["password"] = password
    elif password_confirmation:
        errors["password"] = [_("Enter the new password.")]
    if language is not None:
        if language not in MailboxLanguage.values:
            errors["language"] = [_("Choose English, German or French.")]
        fields["language"] = language
    if email is not None:
        email = str(email).strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = [_("Enter a valid e-mail address.")]
        fields["email"] = email
    return fields


@transaction.atomic
def ensure_mailbox(tenant: Tenant, *, actor: User | None, phone_number: PhoneNumber) -> CompanyMailbox:
    """The number's mailbox, created switched off with a random password when it has none yet.

    Every number of a company includes its voicemail ([VTX] §1.16, §2.8). A mailbox left behind by a
    company that no longer holds the number is removed first: the new holder starts afresh.
    """
    number = PhoneNumber.objects.for_tenant(tenant).select_for_update().filter(pk=phone_number.pk).first()
    if number is None:
        raise ValidationError({"phone_number": [_("Choose a number of this company.")]})
    existing = CompanyMailbox.objects.filter(phone_number=number).first()
    if existing is not None and existing.tenant_id == tenant.pk:
        return existing
    if existing is not None:
        _drop_stale(existing)
    mailbox = CompanyMailbox.objects.create(
        tenant=tenant,
        phone_number=number,
        state=MailboxState.OFF,
        password=generate_password(),
        language=_default_language(tenant),
    )
    audit.record(tenant=tenant, actor=actor, action="company_mailbox.create", obj=mailbox, after=_state(mailbox))
    _changed(tenant, mailbox, "created")
    return mailbox


@transaction.atomic
def check_create_mailbox(
    tenant: Tenant,
    *,
    actor: User | None,
    phone_number_id: object,
    state: str = MailboxState.OFF,
    password: str | None = None,
    password_confirmation: str | None = None,
    language: str | None = None,
    email: str = "",
) -> CompanyMailbox:
    """Create the mailbox of one of the tenant's numbers (a random password when none is given)."""
    errors: dict[str, list[str]] = {}
    number = _tenant_number(tenant, phone_number_id)
    if number is None:
        errors["phone_number"] = [_("Choose a number of this company.")]
    elif CompanyMailbox.objects.filter(phone_number=number, tenant=tenant).exists():
        errors["phone_number"] = [_("This number has its mailbox already.")]
    fields = _clean(
        errors,
        state=state,
        password=password,
        password_confirmation=password_confirmation,
        language=language if language is not None else _default_language(tenant),
        email=email,
    )
    if errors:
        raise ValidationError(errors)
    assert number is not None
    for stale in CompanyMailbox.objects.filter(phone_number=number).exclude(tenant=tenant):
        _drop_stale(stale)
    fields.setdefault("password", generate_password())
    mailbox = CompanyMailbox.objects.create(tenant=tenant, phone_number=number, **fields)
    audit.record(tenant=tenant, actor=actor, action="company_mailbox.create", obj=mailbox, after=_state(mailbox))
    _changed(tenant, mailbox, "created")
    return mailbox


def drop_mailbox_of(phone_number: PhoneNumber) -> None:
    """The number leaves its tenant: its mailbox (greeting, password) goes, groups diverting to it end the call."""
    mailbox = CompanyMailbox.objects.filter(phone_number=phone_number).first()
    if mailbox is not None:
        _drop_stale(mailbox)


def _drop_stale(mailbox: CompanyMailbox) -> None:
    """Remove the mailbox a former holder of the number left behind (its groups stop diverting to it)."""
    from telephony.freeswitch.sync import schedule_sync
    from telephony.groups.choices import NoAnswerAction
    from telephony.groups.models import HuntGroup

    HuntGroup.objects.filter(no_answer_mailbox=mailbox).update(no_answer_action=NoAnswerAction.HANGUP, no_answer_mailbox=None)
    files = [mailbox.greeting_original.name, mailbox.greeting_converted.name]
    former_tenant = str(mailbox.tenant_id)
    mailbox.delete()
    transaction.on_commit(lambda: _delete_files(files))
    schedule_sync(former_tenant, dialplan=True)


def _locked(tenant: Tenant, mailbox: CompanyMailbox) -> CompanyMailbox:
    locked = (
        CompanyMailbox.objects.for_tenant(tenant)
        .filter(phone_number__tenant=tenant)
        .select_related("phone_number")
        .select_for_update(of=("self",))
        .filter(pk=mailbox.pk)
        .first()
    )
    if locked is None:
        raise ValidationError(_("This mailbox does not exist any more."))
    return locked


@transaction.atomic
def check_update_mailbox(
    tenant: Tenant,
    *,
    actor: User | None,
    mailbox: CompanyMailbox,
    state: str | None = None,
    password: str | None = None,
    password_confirmation: str | None = None,
    language: str | None = None,
    email: str | None = None,
) -> CompanyMailbox:
    """Change what is given (``None`` keeps a field). A new password must be 4 digits and, when given, confirmed.

    Switching a mailbox off that number routes or groups divert to is allowed: those calls then
    end with an announcement that the voicemail is off (``telephony.calls.routing``).
    """
    mailbox = _locked(tenant, mailbox)
    errors: dict[str, list[str]] = {}
    fields = _clean(
        errors, state=state, password=password, password_confirmation=password_confirmation, language=language, email=email
    )
    if errors:
        raise ValidationError(errors)
    before = _state(mailbox)
    password_changed = "password" in fields and fields["password"] != mailbox.password
    for name, value in fields.items():
        setattr(mailbox, name, value)
    mailbox.save(update_fields=[*fields, "updated_at"])
    after = _state(mailbox)
    if password_changed:
        after["password"] = "changed"
    audit.record(tenant=tenant, actor=actor, action="company_mailbox.update", obj=mailbox, before=before, after=after)
    _changed(tenant, mailbox, "updated")
    return mailbox


@transaction.atomic
def check_set_greeting(tenant: Tenant, *, actor: User | None, mailbox: CompanyMailbox, upload: UploadedFile) -> CompanyMailbox:
    """Store an uploaded WAV or MP3 greeting (at most 4 MB) after decoding it, as the media app does."""
    mailbox = _locked(tenant, mailbox)
    original_name = PurePath(upload.name or "upload").name[:200]
    if PurePath(original_name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise ValidationError({"greeting": [_("Only WAV and MP3 files are accepted.")]})
    if upload.size is None or upload.size > settings.MEDIA_MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"greeting": [_("The file is larger than %(size)s MB.") % {"size": settings.MEDIA_MAX_UPLOAD_BYTES // (1024 * 1024)}]}
        )
    data = upload.read()
    try:
        converted = audio.convert(data)
    except ValidationError as error:
        raise ValidationError({"greeting": error.messages}) from error
    before = _state(mailbox)
    old_files = [mailbox.greeting_original.name, mailbox.greeting_converted.name]
    mailbox.greeting_id = uuid.uuid4()
    mailbox.greeting_name = original_name
    mailbox.greeting_duration_ms = converted.duration_ms
    mailbox.greeting_original.save("original", ContentFile(data), save=False)
    mailbox.greeting_converted.save("converted.wav", ContentFile(converted.wav), save=False)
    # The old files go once the change committed (a node may still fetch them until then).
    transaction.on_commit(lambda: _delete_files(old_files))
    mailbox.save(
        update_fields=[
            "greeting_id",
            "greeting_name",
            "greeting_duration_ms",
            "greeting_original",
            "greeting_converted",
            "updated_at",
        ]
    )
    audit.record(tenant=tenant, actor=actor, action="company_mailbox.greeting", obj=mailbox, before=before, after=_state(mailbox))
    _changed(tenant, mailbox, "updated")
    return mailbox


@transaction.atomic
def check_delete_greeting(tenant: Tenant, *, actor: User | None, mailbox: CompanyMailbox) -> CompanyMailbox:
    """Back to the default spoken greeting."""
    mailbox = _locked(tenant, mailbox)
    if mailbox.greeting_id is None:
        raise ValidationError({"greeting": [_("This mailbox has no greeting of its own.")]})
    before = _state(mailbox)
    old_files = [mailbox.greeting_original.name, mailbox.greeting_converted.name]
    mailbox.greeting_id = None
    mailbox.greeting_name = ""
    mailbox.greeting_duration_ms = None
    mailbox.greeting_original = ""
    mailbox.greeting_converted = ""
    mailbox.save(
        update_fields=[
            "greeting_id",
            "greeting_name",
            "greeting_duration_ms",
            "greeting_original",
            "greeting_converted",
            "updated_at",
        ]
    )
    transaction.on_commit(lambda: _delete_files(old_files))
    audit.record(tenant=tenant, actor=actor, action="company_mailbox.greeting", obj=mailbox, before=before, after=_state(mailbox))
    _changed(tenant, mailbox, "updated")
    return mailbox


def _delete_files(names: list[str]) -> None:
    storage = CompanyMailbox.greeting_original.field.storage
    for name in names:
        if name:
            storage.delete(name)

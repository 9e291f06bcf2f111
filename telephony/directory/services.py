"""Writes of the directory: extensions, devices (SIP accounts), phone numbers, telephony settings.

Every function takes the tenant first (operators' number-pool functions take none) and the
acting user as ``actor``; it validates, writes in a transaction, records the audit entry and
schedules its side effects after commit: the switch sync (``telephony.freeswitch.sync``) first,
then the domain event.

SIP passwords are never stored: a device keeps HA1 = md5("user:domain:password"), which is
what digest authentication needs. HA1 contains the tenant's SIP domain, so when the domain
changes every device of the tenant needs a new password (``Device.needs_new_password`` says so
and the portal shows it); the directory must not serve a hash made for another domain.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from telephony.directory import events
from telephony.directory.choices import CallerIdMode, ClassOfService, DestinationKind
from telephony.directory.models import Device, Extension, PhoneNumber, TelephonySettings, sip_username_validator
from telephony.directory.selectors import telephony_settings
from telephony.directory.signals import extension_created
from telephony.directory.validators import check_number_free, normalise_e164
from telephony.freeswitch.sync import schedule_sync
from tenants import audit
from tenants.choices import Feature, Language
from tenants.models import Licence, Membership, Tenant, User

EXTENSION_FIELDS = [
    "number",
    "display_name",
    "user",
    "caller_id_mode",
    "outbound_number",
    "class_of_service",
    "allow_premium",
    "language",
]
DEVICE_FIELDS = ["extension", "name", "sip_username", "max_registrations", "is_active", "is_primary", "intercom", "dnd"]
CALL_OPTION_FIELDS = ["call_waiting", "intercom", "parallel_ring_extension", "parallel_ring_number"]
NUMBER_FIELDS = ["number", "tenant", "label", "destination_kind", "destination_extension"]
SETTINGS_FIELDS = ["access_code_required", "max_outside_calls", "main_number"]

# secrets.token_urlsafe(18) gives 24 characters (144 bits): strong, and still typeable into a phone.
GENERATED_PASSWORD_BYTES = 18
# Explicit passwords (provisioning, the recorded fixtures use "secret1001") need at least this many characters.
MIN_SIP_PASSWORD_LENGTH = 10
MAX_OUTSIDE_CALLS = 1000
LABEL_MAX_LENGTH = 100  # PhoneNumber.label
# The voicemail PIN: 4 to 10 digits ([VTX] uses 4; longer ones are allowed).
MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 10
BOOLEAN_DEVICE_FIELDS = frozenset({"is_active", "is_primary", "intercom", "dnd"})


# --- SIP credentials ------------------------------------------------------------------
def sip_ha1(sip_username: str, sip_domain: str, password: str) -> str:
    """HA1 of SIP digest authentication (RFC 2617): md5 of ``user:realm:password``, realm = SIP domain."""
    return hashlib.md5(f"{sip_username}:{sip_domain}:{password}".encode(), usedforsecurity=False).hexdigest()


def generate_sip_password() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def _check_sip_password(password: str) -> None:
    if len(password) < MIN_SIP_PASSWORD_LENGTH:
        raise ValidationError(
            {"password": _("A SIP password needs at least %(count)s characters.") % {"count": MIN_SIP_PASSWORD_LENGTH}}
        )
    if password.strip() != password or any(ord(char) < 33 or ord(char) > 126 for char in password):
        raise ValidationError({"password": _("Use printable characters without spaces: phones cannot enter others.")})


def _set_password(device: Device, tenant: Tenant, password: str) -> None:
    device.sip_ha1 = sip_ha1(device.sip_username, tenant.sip_domain, password)
    device.sip_ha1_domain = tenant.sip_domain


# --- extensions -----------------------------------------------------------------------
def _check_extension_relations(tenant: Tenant, extension: Extension) -> None:
    """User, presented number and choices of an extension, checked against its tenant."""
    errors: dict[str, str] = {}
    if extension.user_id is not None:
        member = Membership.objects.for_tenant(tenant).filter(user_id=extension.user_id, is_active=True, user__is_active=True)
        if not member.exists():
            errors["user"] = _("Choose an active user of this company.")
    if (
        extension.outbound_number_id is not None
        and not PhoneNumber.objects.for_tenant(tenant).filter(pk=extension.outbound_number_id).exists()
    ):
        errors["outbound_number"] = _("Choose one of this company's phone numbers.")
    if extension.caller_id_mode not in CallerIdMode.values:
        errors["caller_id_mode"] = _("Unknown caller ID mode.")
    if extension.class_of_service not in ClassOfService.values:
        errors["class_of_service"] = _("Unknown class of service.")
    if extension.language and extension.language not in Language.values:
        errors["language"] = _("Unknown language.")
    if errors:
        raise ValidationError(errors)


def _usernames(tenant: Tenant, extension_ids: list[Any] | None = None) -> list[str]:
    """SIP user names whose directory entry must be dropped: the devices of these extensions (or of all)."""
    devices = Device.objects.for_tenant(tenant)
    if extension_ids is not None:
        devices = devices.filter(extension_id__in=[pk for pk in extension_ids if pk is not None])
    return list(devices.values_list("sip_username", flat=True))


def _full_clean(obj: Any, exclude: list[str] | None = None) -> None:
    # Uniqueness is checked by the numbering plan (extensions) or the username allocator (devices).
    obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _id(value: Any) -> Any:
    return getattr(value, "pk", value)


@transaction.atomic
def check_create_extension(
    tenant: Tenant,
    *,
    actor: User | None,
    number: str,
    display_name: str,
    user: User | None = None,
    caller_id_mode: str = CallerIdMode.OWN,
    outbound_number: PhoneNumber | None = None,
    class_of_service: str = ClassOfService.NATIONAL,
    allow_premium: bool = False,
    language: str = "",
) -> Extension:
    """Create an extension; ``number`` must be free in the tenant's numbering plan."""
    number = str(number).strip()
    extension = Extension(
        tenant=tenant,
        number=number,
        display_name=display_name.strip(),
        user_id=_id(user),
        caller_id_mode=caller_id_mode,
        outbound_number_id=_id(outbound_number),
        class_of_service=class_of_service,
        allow_premium=allow_premium,
        language=language or "",
    )
    _full_clean(extension, exclude=["tenant", "user", "outbound_number"])
    _check_extension_relations(tenant, extension)
    # Serialise numbering-plan changes per tenant, so that two requests cannot take one number.
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
    check_number_free(tenant, number, ignore=None)
    extension.save()
    extension_created.send(sender=Extension, tenant=tenant, actor=actor, extension=extension)
    audit.record(
        tenant=tenant, actor=actor, action="extension.create", obj=extension, after=audit.snapshot(extension, EXTENSION_FIELDS)
    )
    schedule_sync(str(tenant.pk), dialplan=True)
    events.publish_extension("created", extension)
    return extension


@transaction.atomic
def check_update_extension(tenant: Tenant, *, actor: User | None, extension: Extension, **changes: Any) -> Extension:
    """Change an extension's number, name, user, caller ID, class of service or language.

    Its devices keep their SIP user names when the number changes: the phones are set up with them.
    """
    unknown = set(changes) - set(EXTENSION_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
    extension = Extension.objects.for_tenant(tenant).select_for_update().get(pk=extension.pk)
    before = audit.snapshot(extension, EXTENSION_FIELDS)
    for field, value in changes.items():
        if field in {"user", "outbound_number"}:
            setattr(extension, f"{field}_id", _id(value))
        elif field in {"number", "display_name"}:
            setattr(extension, field, str(value).strip())
        else:
            setattr(extension, field, "" if field == "language" and value is None else value)
    _full_clean(extension, exclude=["tenant", "user", "outbound_number"])
    _check_extension_relations(tenant, extension)
    if extension.number != before["number"]:
        check_number_free(tenant, extension.number, ignore=extension)
    extension.save()
    after = audit.snapshot(extension, EXTENSION_FIELDS)
    audit.record(tenant=tenant, actor=actor, action="extension.update", obj=extension, before=before, after=after)
    usernames = list(Device.objects.for_tenant(tenant).filter(extension=extension).values_list("sip_username", flat=True))
    # Caller ids, class of service and language are served in the directory entry of each device.
    schedule_sync(str(tenant.pk), directory_users=usernames, dialplan=True)
    extension = Extension.objects.for_tenant(tenant).select_related("user", "outbound_number").get(pk=extension.pk)
    events.publish_extension("updated", extension)
    return extension


@transaction.atomic
def do_delete_extension(tenant: Tenant, *, actor: User | None, extension: Extension) -> None:
    """Delete an extension with its devices; numbers pointing at it become unrouted."""
    extension = Extension.objects.for_tenant(tenant).select_for_update().get(pk=extension.pk)
    usernames = list(Device.objects.for_tenant(tenant).filter(extension=extension).values_list("sip_username", flat=True))
    PhoneNumber.objects.for_tenant(tenant).filter(destination_extension=extension).update(
        destination_kind=DestinationKind.NONE, destination_extension=None
    )
    data = events.extension_data(extension)
    before = audit.snapshot(extension, EXTENSION_FIELDS)
    audit.record(tenant=tenant, actor=actor, action="extension.delete", obj=extension, before=before)
    deleted = Extension(pk=extension.pk, tenant=tenant, number=extension.number)
    extension.delete()
    schedule_sync(str(tenant.pk), directory_users=usernames, dialplan=True)
    events.publish_extension("deleted", deleted, data=data)


# --- devices --------------------------------------------------------------------------
def _free_sip_username(tenant: Tenant, extension: Extension) -> str:
    """The extension number for its first device (``1001``), then ``1001-2``, ``1001-3`` ..."""
    taken = set(
        Device.objects.for_tenant(tenant).filter(sip_username__startswith=extension.number).values_list("sip_username", flat=True)
    )
    if extension.number not in taken:
        return extension.number
    counter = 2
    while f"{extension.number}-{counter}" in taken:
        counter += 1
    return f"{extension.number}-{counter}"


@transaction.atomic
def check_create_device(
    tenant: Tenant,
    *,
    actor: User | None,
    extension: Extension,
    name: str = "",
    max_registrations: int = 1,
    password: str | None = None,
) -> tuple[Device, str]:
    """Add a SIP account to an extension. Returns the device and its password, which is not stored.

    Without ``password`` a strong one is generated (the normal case); an explicit password is
    for provisioning systems and tests.
    """
    if password is not None:
        _check_sip_password(password)
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
    extension = Extension.objects.for_tenant(tenant).get(pk=extension.pk)
    device = Device(
        tenant=tenant,
        extension=extension,
        name=name.strip(),
        sip_username=_free_sip_username(tenant, extension),
        max_registrations=max_registrations,
        # The extension's first device is its primary device until another one is chosen ([DFN] §1.8).
        is_primary=not Device.objects.for_tenant(tenant).filter(extension=extension, is_primary=True).exists(),
    )
    password = password if password is not None else generate_sip_password()
    _set_password(device, tenant, password)
    _full_clean(device, exclude=["tenant", "extension"])
    sip_username_validator(device.sip_username)
    device.save()
    audit.record(tenant=tenant, actor=actor, action="device.create", obj=device, after=audit.snapshot(device, DEVICE_FIELDS))
    schedule_sync(str(tenant.pk), directory_users=[device.sip_username], dialplan=True)
    events.publish_extension("updated", Extension.objects.for_tenant(tenant).get(pk=extension.pk))
    return device, password


@transaction.atomic
def check_reset_sip_password(tenant: Tenant, *, actor: User | None, device: Device, password: str | None = None) -> str:
    """Give a device a new SIP password (generated unless given) and return it; the old one stops working."""
    if password is not None:
        _check_sip_password(password)
    device = Device.objects.for_tenant(tenant).select_for_update().get(pk=device.pk)
    password = password if password is not None else generate_sip_password()
    _set_password(device, tenant, password)
    device.save(update_fields=["sip_ha1", "sip_ha1_domain", "updated_at"])
    # Never the password or its hash in the audit log: only that it changed.
    audit.record(tenant=tenant, actor=actor, action="device.reset_password", obj=device, after={"password_changed": True})
    schedule_sync(str(tenant.pk), directory_users=[device.sip_username])
    return password


def _device_dnd_licence_error(tenant: Tenant, device: Device) -> str | None:
    """DND on a device is part of the mobility option, one licence per extension that uses it ([DFN] §1.10)."""

    # Serialise the check with other extensions taking a licence at the same moment.
    licence = Licence.objects.for_tenant(tenant).select_for_update().filter(feature=Feature.MOBILITY).first()
    quantity = licence.quantity if licence else 0
    if quantity <= 0:
        return _("Do not disturb on one device needs the mobility option. Ask your provider for it.")
    using = set(
        Device.objects.for_tenant(tenant).filter(dnd=True).exclude(pk=device.pk).values_list("extension_id", flat=True).distinct()
    )
    if device.extension_id not in using and len(using) >= quantity:
        return _(
            "All %(count)s mobility licences are in use by other extensions: ask your provider for more, "
            "or turn device DND off elsewhere."
        ) % {"count": quantity}
    return None


@transaction.atomic
def check_update_device(tenant: Tenant, *, actor: User | None, device: Device, **changes: Any) -> Device:
    """Change a device's name, maximum registrations, active state, primary and intercom flags, or its DND.

    Making a device primary makes the extension's other devices not primary; the primary flag
    cannot simply be taken away (choose another device instead). DND on one device needs the
    tenant's mobility option ([DFN] §1.10).
    """
    allowed = {"name", "max_registrations", "is_active", "is_primary", "intercom", "dnd"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    device = Device.objects.for_tenant(tenant).select_for_update().get(pk=device.pk)
    before = audit.snapshot(device, DEVICE_FIELDS)
    errors: dict[str, str] = {}
    if "is_primary" in changes and not changes["is_primary"] and device.is_primary:
        errors["is_primary"] = _("An extension always has a primary device: make another device primary instead.")
    if changes.get("dnd") and not device.dnd:
        error = _device_dnd_licence_error(tenant, device)
        if error:
            errors["dnd"] = error
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        setattr(device, field, value.strip() if field == "name" else bool(value) if field in BOOLEAN_DEVICE_FIELDS else value)
    _full_clean(device, exclude=["tenant", "extension", "sip_username"])
    if device.is_primary and not before["is_primary"]:
        Device.objects.for_tenant(tenant).filter(extension_id=device.extension_id, is_primary=True).exclude(pk=device.pk).update(
            is_primary=False
        )
    device.save(update_fields=[*changes, "updated_at"])
    audit.record(
        tenant=tenant, actor=actor, action="device.update", obj=device, before=before, after=audit.snapshot(device, DEVICE_FIELDS)
    )
    routing_fields = {"is_active", "is_primary", "intercom", "dnd"}
    schedule_sync(str(tenant.pk), directory_users=[device.sip_username], dialplan=bool(routing_fields & set(changes)))
    return device


@transaction.atomic
def do_delete_device(tenant: Tenant, *, actor: User | None, device: Device) -> None:
    device = Device.objects.for_tenant(tenant).select_for_update().get(pk=device.pk)
    extension_id = device.extension_id
    audit.record(tenant=tenant, actor=actor, action="device.delete", obj=device, before=audit.snapshot(device, DEVICE_FIELDS))
    username = device.sip_username
    was_primary = device.is_primary
    device.delete()
    if was_primary:
        # The extension's oldest remaining device takes over as primary device.
        successor = (
            Device.objects.for_tenant(tenant).filter(extension_id=extension_id).order_by("created_at", "sip_username").first()
        )
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary", "updated_at"])
    schedule_sync(str(tenant.pk), directory_users=[username], dialplan=True)
    events.publish_extension("updated", Extension.objects.for_tenant(tenant).get(pk=extension_id))


# --- call options and voicemail PIN ([DFN] §1.8) -------------------------------------
def _parallel_target(tenant: Tenant, extension: Extension, value: str) -> tuple[Extension | None, str]:
    """An extension number of the tenant, or an outside number (stored in E.164); ``(None, "")`` clears it."""
    value = str(value or "").strip()
    if not value:
        return None, ""
    other = Extension.objects.for_tenant(tenant).filter(number=value).first()
    if other is not None:
        if other.pk == extension.pk:
            raise ValidationError({"parallel_ring_target": _("Choose another extension than this one.")})
        return other, ""
    try:
        e164 = normalise_e164(value, tenant.country)
    except ValidationError:
        raise ValidationError(
            {"parallel_ring_target": _("Enter an extension of this company or an outside number, e.g. +49891234567.")}
        ) from None
    if PhoneNumber.objects.for_tenant(tenant).filter(number=e164).exists():
        raise ValidationError(
            {
                "parallel_ring_target": _("%(number)s is a number of this company: choose its extension instead.")
                % {"number": e164}
            }
        )
    return None, e164


@transaction.atomic
def check_update_call_options(tenant: Tenant, *, actor: User | None, extension: Extension, **changes: Any) -> Extension:
    """Change an extension's call waiting, intercom, parallel ringing or primary device ([DFN] §1.8).

    ``parallel_ring_target``: an extension number of the tenant or an outside number (rung under
    the extension's class of service); empty turns parallel ringing off. ``primary_device``: one
    of the extension's devices (or its id).
    """
    unknown = set(changes) - {"call_waiting", "intercom", "parallel_ring_target", "primary_device"}
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    extension = Extension.objects.for_tenant(tenant).select_for_update().get(pk=extension.pk)
    before = {**audit.snapshot(extension, CALL_OPTION_FIELDS), "primary_device": _primary_device_id(tenant, extension)}
    primary = None
    if "primary_device" in changes:
        primary = (
            Device.objects.for_tenant(tenant).filter(pk=_id(changes["primary_device"]), extension=extension).first()
            if changes["primary_device"]
            else None
        )
        if primary is None:
            raise ValidationError({"primary_device": _("Choose one of this extension's devices.")})
    if "parallel_ring_target" in changes:
        other, number = _parallel_target(tenant, extension, changes["parallel_ring_target"])
        extension.parallel_ring_extension_id = other.pk if other is not None else None
        extension.parallel_ring_number = number
    for field in ("call_waiting", "intercom"):
        if field in changes:
            setattr(extension, field, bool(changes[field]))
    extension.save(update_fields=[*CALL_OPTION_FIELDS, "updated_at"])
    if primary is not None and not primary.is_primary:
        Device.objects.for_tenant(tenant).filter(extension=extension, is_primary=True).update(is_primary=False)
        Device.objects.for_tenant(tenant).filter(pk=primary.pk).update(is_primary=True)
    after = {**audit.snapshot(extension, CALL_OPTION_FIELDS), "primary_device": _primary_device_id(tenant, extension)}
    audit.record(tenant=tenant, actor=actor, action="extension.call_options", obj=extension, before=before, after=after)
    schedule_sync(str(tenant.pk), dialplan=True)
    extension = Extension.objects.for_tenant(tenant).select_related("user", "outbound_number").get(pk=extension.pk)
    events.publish_extension("updated", extension)
    return extension


def _primary_device_id(tenant: Tenant, extension: Extension) -> str | None:
    pk = Device.objects.for_tenant(tenant).filter(extension=extension, is_primary=True).values_list("pk", flat=True).first()
    return str(pk) if pk is not None else None


def voicemail_pin_ha1(mailbox: str, sip_domain: str, pin: str) -> str:
    """mod_voicemail's "vm-a1-hash": md5 of ``mailbox:domain:pin``, compared with what the caller keys in."""
    return hashlib.md5(f"{mailbox}:{sip_domain}:{pin}".encode(), usedforsecurity=False).hexdigest()


def _check_voicemail_pin(extension: Extension, pin: str) -> None:
    if not isinstance(pin, str) or not pin.isascii() or not pin.isdigit() or not MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH:
        raise ValidationError(
            {"voicemail_pin": _("A PIN has %(min)s to %(max)s digits.") % {"min": MIN_PIN_LENGTH, "max": MAX_PIN_LENGTH}}
        )
    if len(set(pin)) == 1:
        raise ValidationError({"voicemail_pin": _("A PIN must not repeat one digit only.")})
    if pin == extension.number:
        raise ValidationError({"voicemail_pin": _("A PIN must not be the extension number.")})


@transaction.atomic
def check_set_voicemail_pin(tenant: Tenant, *, actor: User | None, extension: Extension, pin: str | None) -> Extension:
    """Set the PIN of the extension's mailbox (``None`` or "" removes it: the mailbox then only takes messages).

    Only a hash is stored (see ``Extension.voicemail_pin_ha1``); the PIN is in no log and no audit entry.
    """
    extension = Extension.objects.for_tenant(tenant).select_related("tenant").select_for_update(of=("self",)).get(pk=extension.pk)
    if pin:
        _check_voicemail_pin(extension, pin)
        extension.voicemail_pin_ha1 = voicemail_pin_ha1(extension.number, tenant.sip_domain, pin)
        extension.voicemail_pin_realm = extension.voicemail_realm()
    else:
        extension.voicemail_pin_ha1 = ""
        extension.voicemail_pin_realm = ""
    extension.save(update_fields=["voicemail_pin_ha1", "voicemail_pin_realm", "updated_at"])
    audit.record(
        tenant=tenant, actor=actor, action="extension.voicemail_pin", obj=extension, after={"voicemail_pin_set": bool(pin)}
    )
    # The PIN hash is part of the directory entry of each of the extension's devices (mod_voicemail reads it there).
    schedule_sync(str(tenant.pk), directory_users=_usernames(tenant, [extension.pk]))
    return extension


# --- telephony settings ---------------------------------------------------------------
def create_telephony_settings(tenant: Tenant) -> TelephonySettings:
    """The defaults of a new tenant (called when the tenant is created)."""
    settings_row, _created = TelephonySettings.objects.get_or_create(tenant=tenant)
    return settings_row


@transaction.atomic
def check_update_telephony_settings(tenant: Tenant, *, actor: User | None, **changes: Any) -> TelephonySettings:
    """Change the access-code rule ("0 to get out"), the outside-call limit or the main number."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    telephony_settings(tenant)
    row = TelephonySettings.objects.select_for_update().get(tenant=tenant)
    before = audit.snapshot(row, SETTINGS_FIELDS)
    errors: dict[str, str] = {}
    if "max_outside_calls" in changes:
        limit = changes["max_outside_calls"]
        if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= MAX_OUTSIDE_CALLS:
            errors["max_outside_calls"] = _("Enter a number from 0 to %(max)s.") % {"max": MAX_OUTSIDE_CALLS}
        else:
            row.max_outside_calls = limit
    if "access_code_required" in changes:
        row.access_code_required = bool(changes["access_code_required"])
    if "main_number" in changes:
        main_number_id = _id(changes["main_number"])
        if main_number_id is not None and not PhoneNumber.objects.for_tenant(tenant).filter(pk=main_number_id).exists():
            errors["main_number"] = _("Choose one of this company's phone numbers.")
        row.main_number_id = main_number_id
    if errors:
        raise ValidationError(errors)
    row.save()
    audit.record(
        tenant=tenant,
        actor=actor,
        action="telephony_settings.update",
        obj=row,
        before=before,
        after=audit.snapshot(row, SETTINGS_FIELDS),
    )
    # The main number is part of every device's directory entry (caller id for outside calls).
    main_changed = before["main_number"] != row.main_number_id
    schedule_sync(str(tenant.pk), directory_users=_usernames(tenant) if main_changed else (), dialplan=True)
    return row


# --- phone numbers: the tenant's side -------------------------------------------------
def _number_snapshot(phone_number: PhoneNumber) -> dict[str, Any]:
    values = audit.snapshot(phone_number, [field for field in NUMBER_FIELDS if field != "number"])
    return {"number": str(phone_number.number), **values}


@transaction.atomic
def check_route_phone_number(
    tenant: Tenant,
    *,
    actor: User | None,
    phone_number: PhoneNumber,
    destination_kind: str,
    destination_extension: Extension | None = None,
    label: str | None = None,
) -> PhoneNumber:
    """Point one of the tenant's numbers at an extension of the tenant, or leave it unrouted."""
    phone_number = PhoneNumber.objects.for_tenant(tenant).select_for_update().get(pk=phone_number.pk)
    before = _number_snapshot(phone_number)
    previous_extension_id = phone_number.destination_extension_id
    errors: dict[str, str] = {}
    extension_id = _id(destination_extension)
    if destination_kind == DestinationKind.EXTENSION:
        if extension_id is None:
            errors["destination_extension"] = _("Choose the extension that takes the calls.")
        elif not Extension.objects.for_tenant(tenant).filter(pk=extension_id).exists():
            errors["destination_extension"] = _("Choose an extension of this company.")
    elif destination_kind == DestinationKind.NONE:
        extension_id = None
    elif destination_kind in DestinationKind.values:
        errors["destination_kind"] = _(
            "Groups, announcements and routing by time range are set in the number routing (number-routing resource)."
        )
    else:
        errors["destination_kind"] = _("Unknown destination.")
    if label is not None and len(label.strip()) > LABEL_MAX_LENGTH:
        errors["label"] = _("The label is too long.")
    if errors:
        raise ValidationError(errors)
    phone_number.destination_kind = destination_kind
    phone_number.destination_extension_id = extension_id
    if label is not None:
        phone_number.label = label.strip()
    phone_number.save()
    audit.record(
        tenant=tenant,
        actor=actor,
        action="phone_number.route",
        obj=phone_number,
        before=before,
        after=_number_snapshot(phone_number),
    )
    # A number routed to an extension is that extension's own caller id, served in its devices' directory entries.
    schedule_sync(str(tenant.pk), directory_users=_usernames(tenant, [previous_extension_id, extension_id]), dialplan=True)
    return phone_number


# --- phone numbers: the operator's pool -----------------------------------------------
def platform_country() -> str:
    return settings.PLATFORM_COUNTRY


@transaction.atomic
def check_add_phone_number(
    *, actor: User | None, number: str, label: str = "", tenant: Tenant | None = None, country: str | None = None
) -> PhoneNumber:
    """Add a number to the platform's pool (optionally assigned to ``tenant`` at once).

    National input is read for ``country``, else the tenant's country, else the platform's.
    """
    country = (country or (tenant.country if tenant is not None else "") or platform_country()).upper()
    e164 = normalise_e164(number, country)
    if PhoneNumber.objects.filter(number=e164).exists():
        raise ValidationError({"number": _("%(number)s is already in the pool.") % {"number": e164}})
    if len(label.strip()) > LABEL_MAX_LENGTH:
        raise ValidationError({"label": _("The label is too long.")})
    phone_number = PhoneNumber.objects.create(number=e164, label=label.strip(), tenant=tenant)
    audit.record(
        tenant=tenant,
        actor=actor,
        action="phone_number.add",
        obj=phone_number,
        after=_number_snapshot(phone_number),
    )
    if tenant is not None:
        schedule_sync(str(tenant.pk), dialplan=True)
    return phone_number


def _release_from_tenant(tenant: Tenant, phone_number: PhoneNumber) -> None:
    """Remove every use of the number in its tenant: main number, presented number, its company voicemail."""
    from telephony.voicemail.services import drop_mailbox_of

    TelephonySettings.objects.for_tenant(tenant).filter(main_number=phone_number).update(main_number=None)
    Extension.objects.for_tenant(tenant).filter(outbound_number=phone_number).update(outbound_number=None)
    drop_mailbox_of(phone_number)


@transaction.atomic
def check_assign_phone_number(*, actor: User | None, phone_number: PhoneNumber, tenant: Tenant | None) -> PhoneNumber:
    """Give a pool number to ``tenant``, or take it back (``None``); its routing starts empty either way."""
    phone_number = PhoneNumber.objects.select_for_update().get(pk=phone_number.pk)
    previous = phone_number.tenant
    if previous is not None and tenant is not None and previous.pk != tenant.pk:
        raise ValidationError(
            {"tenant": _("%(number)s belongs to %(tenant)s: unassign it first.") % {"number": phone_number, "tenant": previous}}
        )
    if (previous.pk if previous else None) == (tenant.pk if tenant else None):
        return phone_number
    before = _number_snapshot(phone_number)
    if previous is not None:
        _release_from_tenant(previous, phone_number)
    phone_number.tenant = tenant
    phone_number.destination_kind = DestinationKind.NONE
    phone_number.destination_extension = None
    phone_number.save()
    after = _number_snapshot(phone_number)
    for owner in (previous, tenant):
        if owner is not None:
            action = "phone_number.assign" if owner is tenant else "phone_number.unassign"
            audit.record(tenant=owner, actor=actor, action=action, obj=phone_number, before=before, after=after)
            schedule_sync(str(owner.pk), directory_users=_usernames(owner) if owner is previous else (), dialplan=True)
    return phone_number


@transaction.atomic
def do_delete_phone_number(*, actor: User | None, phone_number: PhoneNumber) -> None:
    """Remove a number from the platform; only unassigned numbers can be removed."""
    phone_number = PhoneNumber.objects.select_for_update().get(pk=phone_number.pk)
    if phone_number.tenant_id is not None:
        raise ValidationError(_("Unassign the number from its tenant before removing it."))
    audit.record(tenant=None, actor=actor, action="phone_number.delete", obj=phone_number, before=_number_snapshot(phone_number))
    phone_number.delete()

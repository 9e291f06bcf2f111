"""Extensions, devices (SIP accounts), phone numbers (DIDs) and the tenant's telephony settings."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from telephony.directory.choices import CallerIdMode, ClassOfService, DestinationKind
from tenants.choices import Language
from tenants.models import TenantOwned, TenantQuerySet, TimeStamped

extension_number_validator = RegexValidator(
    r"^[1-9][0-9]{1,5}$", _("An extension number has 2 to 6 digits and does not start with 0.")
)
sip_username_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_.-]{1,63}$", _("Use lower-case letters, digits, '.', '_' and '-' (2 to 64 characters).")
)


class Extension(TenantOwned):
    """A number in the tenant's internal numbering plan, usually belonging to one user."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("number"), max_length=6, validators=[extension_number_validator])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="extensions",
        verbose_name=_("user"),
    )
    display_name = models.CharField(_("display name"), max_length=100)
    caller_id_mode = models.CharField(
        _("caller ID for outside calls"), max_length=16, choices=CallerIdMode.choices, default=CallerIdMode.OWN
    )
    outbound_number = models.ForeignKey(
        "directory.PhoneNumber",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("presented main number"),
        help_text=_("Shown to people called outside when the caller ID is a main number."),
    )
    class_of_service = models.CharField(
        _("outgoing calls"), max_length=16, choices=ClassOfService.choices, default=ClassOfService.NATIONAL
    )
    allow_premium = models.BooleanField(_("premium-rate numbers allowed"), default=False)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)
    # Call options of the user's settings ([DFN] §1.8), all off by default.
    call_waiting = models.BooleanField(
        _("call waiting"), default=False, help_text=_("A further call during a call rings (with a short tone) instead of busy.")
    )
    intercom = models.BooleanField(
        _("intercom"),
        default=False,
        help_text=_("Callers may dial *80 and this extension to be put straight through to its primary device."),
    )
    parallel_ring_extension = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("parallel ringing: extension"),
    )
    parallel_ring_number = models.CharField(_("parallel ringing: outside number"), max_length=16, blank=True)
    # The voicemail PIN as mod_voicemail's "vm-a1-hash": md5("<mailbox>:<domain>:<pin>"), the PIN itself is
    # never stored. ``voicemail_pin_realm`` ("<mailbox>@<domain>") tells whether the hash still fits: after
    # the number or the tenant's domain changed it cannot match, and the PIN must be set again.
    voicemail_pin_ha1 = models.CharField(_("voicemail PIN digest hash"), max_length=32, blank=True, editable=False)
    voicemail_pin_realm = models.CharField(_("voicemail PIN realm"), max_length=260, blank=True, editable=False)

    class Meta:
        ordering = ["number"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="extension_tenant_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.display_name}"

    def voicemail_realm(self) -> str:
        """What the voicemail PIN hash is made for: the mailbox (extension number) in the tenant's domain."""
        return f"{self.number}@{self.tenant.sip_domain}"

    @property
    def voicemail_pin_set(self) -> bool:
        """True when a PIN is set and still fits the extension's number and the tenant's domain."""
        return bool(self.voicemail_pin_ha1) and self.voicemail_pin_realm == self.voicemail_realm()


class Device(TenantOwned):
    """A SIP account of an extension: a desk phone, a softphone, the browser."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    extension = models.ForeignKey(Extension, on_delete=models.CASCADE, related_name="devices", verbose_name=_("extension"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    sip_username = models.CharField(_("SIP user name"), max_length=64, validators=[sip_username_validator])
    # HA1 = md5(user:domain:password): what digest authentication needs; the password itself is
    # shown once when generated and never stored.
    sip_ha1 = models.CharField(_("SIP digest hash"), max_length=32, editable=False)
    # The SIP domain the hash was made for: the domain is part of HA1, so after the tenant's
    # domain changes the stored hash can no longer match and the device needs a new password.
    sip_ha1_domain = models.CharField(_("SIP domain of the digest hash"), max_length=253, blank=True, editable=False)
    max_registrations = models.PositiveSmallIntegerField(
        _("maximum registrations"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The extension's primary device ([DFN] §1.8): exactly one per extension, its first device unless chosen.
    is_primary = models.BooleanField(_("primary device"), default=False)
    intercom = models.BooleanField(
        _("intercom device"), default=False, help_text=_("Answers intercom calls (*80) at once when it is the primary device.")
    )
    # Do not disturb on this device only ([DFN] §1.10; needs the tenant's mobility option).
    dnd = models.BooleanField(_("do not disturb on this device"), default=False)

    class Meta:
        ordering = ["extension__number", "sip_username"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sip_username"], name="device_tenant_username_unique"),
            models.UniqueConstraint(
                fields=["tenant", "extension"], condition=models.Q(is_primary=True), name="device_tenant_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.sip_username

    @property
    def needs_new_password(self) -> bool:
        """True when the tenant's SIP domain changed since the password was set (HA1 is stale)."""
        return self.sip_ha1_domain != self.tenant.sip_domain


class PhoneNumber(TimeStamped):
    """An E.164 number from the platform's trunks; the operator assigns it to a tenant."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="phone_numbers", verbose_name=_("tenant")
    )
    number = PhoneNumberField(_("number"), unique=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    destination_kind = models.CharField(
        _("destination"), max_length=16, choices=DestinationKind.choices, default=DestinationKind.NONE
    )
    destination_extension = models.ForeignKey(
        Extension, null=True, blank=True, on_delete=models.SET_NULL, related_name="phone_numbers", verbose_name=_("extension")
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")

    def __str__(self) -> str:
        return str(self.number)


class TelephonySettings(TenantOwned):
    """Tenant-wide call settings: line seizure, limits, presented main number."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="telephony", verbose_name=_("tenant"))
    access_code_required = models.BooleanField(
        _("dial 0 for outside calls"),
        default=False,
        help_text=_("Every call to a number outside the company must start with 0."),
    )
    max_outside_calls = models.PositiveIntegerField(_("concurrent outside calls"), default=10)
    main_number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("main number")
    )

    class Meta:
        ordering = ["tenant"]
        verbose_name = _("telephony settings")
        verbose_name_plural = _("telephony settings")

    def __str__(self) -> str:
        return f"{self.tenant}"

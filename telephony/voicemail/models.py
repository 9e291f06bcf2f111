"""The company voicemail of a phone number ([VTX] §2.8): one mailbox per number of the tenant."""

from __future__ import annotations

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from telephony.voicemail.choices import MailboxLanguage, MailboxState
from tenants.models import TenantOwned

password_validator = RegexValidator(r"^[0-9]{4}$", _("The password has exactly 4 digits."))

# The mailbox's user id at the switch (directory user and mod_voicemail box): "vm" + the number's
# E.164 digits. Extensions (2-6 digits, never starting with 0) and device user names (the extension
# number, "-2" ...) never start with a letter, so a company mailbox never collides with them.
SWITCH_ID_PREFIX = "vm"


def switch_id(e164: str) -> str:
    """The mailbox id mod_voicemail and the directory use for the number ``e164`` (``+41215667707`` -> ``vm41215667707``)."""
    return SWITCH_ID_PREFIX + str(e164).lstrip("+")


def _greeting_original_path(instance: CompanyMailbox, filename: str) -> str:
    return f"voicemail/{instance.tenant_id}/{instance.pk}/{instance.greeting_id}/original"


def _greeting_converted_path(instance: CompanyMailbox, filename: str) -> str:
    return f"voicemail/{instance.tenant_id}/{instance.pk}/{instance.greeting_id}.wav"


class CompanyMailbox(TenantOwned):
    """The voicemail of one of the tenant's phone numbers: state, access password, greeting, language, e-mail.

    The access password is shown to the company's admins ([VTX] §2.8 shows it in bold) and served
    to the switch as the mailbox's ``vm-password``; it is a 4-digit code, not an account password.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    phone_number = models.OneToOneField(
        "directory.PhoneNumber", on_delete=models.CASCADE, related_name="company_mailbox", verbose_name=_("number")
    )
    state = models.CharField(_("state"), max_length=16, choices=MailboxState.choices, default=MailboxState.OFF)
    password = models.CharField(_("access password"), max_length=4, validators=[password_validator])
    language = models.CharField(_("language"), max_length=2, choices=MailboxLanguage.choices, default=MailboxLanguage.EN)
    email = models.EmailField(_("e-mail address"), blank=True, help_text=_("Voice messages are also sent to this address."))
    # Renewed with every upload: it names the file the nodes fetch, so a node never plays an old greeting.
    greeting_id = models.UUIDField(_("greeting"), null=True, blank=True, editable=False)
    greeting_name = models.CharField(_("greeting file name"), max_length=200, blank=True)
    greeting_original = models.FileField(_("uploaded greeting"), upload_to=_greeting_original_path, max_length=300, blank=True)
    greeting_converted = models.FileField(_("converted greeting"), upload_to=_greeting_converted_path, max_length=300, blank=True)
    greeting_duration_ms = models.PositiveIntegerField(_("greeting length (ms)"), null=True, blank=True)

    class Meta:
        ordering = ["phone_number__number"]
        verbose_name = _("company mailbox")
        verbose_name_plural = _("company mailboxes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["on", "greeting_only", "off"]), name="companymailbox_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.phone_number)

    @property
    def switch_id(self) -> str:
        return switch_id(str(self.phone_number.number))

    @property
    def has_greeting(self) -> bool:
        return self.greeting_id is not None and bool(self.greeting_converted)

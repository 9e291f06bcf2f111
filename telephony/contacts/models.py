"""Contacts: global ones (the company directory, kept by admins) and private ones of a user."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from telephony.contacts.choices import NumberKind
from tenants.models import TenantOwned, TimeStamped

short_number_validator = RegexValidator(r"^[0-9]{1,6}$", _("A short number has 1 to 6 digits."))


class Contact(TenantOwned):
    """A person or company outside the phone system. ``owner`` empty = global (company directory)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    short_number = models.CharField(
        _("short number"),
        max_length=6,
        blank=True,
        validators=[short_number_validator],
        help_text=_("Dialled as ## + short number."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "short_number"], condition=~Q(short_number=""), name="contact_tenant_short_number_unique"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "owner", "name"], name="contact_tenant_owner_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_global(self) -> bool:
        return self.owner_id is None


class ContactNumber(TimeStamped):
    id = models.BigAutoField(primary_key=True)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="numbers", verbose_name=_("contact"))
    kind = models.CharField(_("kind"), max_length=8, choices=NumberKind.choices, default=NumberKind.WORK)
    number = models.CharField(_("number"), max_length=20, help_text=_("E.164, e.g. +4989123456"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("contact number")
        verbose_name_plural = _("contact numbers")
        indexes = [models.Index(fields=["number"], name="contactnumber_number")]

    def __str__(self) -> str:
        return self.number

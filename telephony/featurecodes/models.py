"""A tenant's star codes: one row per kind, with the digits the tenant's phones dial ([DFN] §3.1)."""

from __future__ import annotations

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from telephony.featurecodes.choices import StarCodeKind
from tenants.models import TenantOwned

MAX_DIGITS = 8

star_code_validator = RegexValidator(
    r"^\*[0-9*]{1,7}$",
    _("A star code starts with * and has 2 to 8 characters: digits and *."),
)


class StarCode(TenantOwned):
    """The digits that start one kind of star code in a tenant, e.g. ``*11`` for "forward always"."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("function"), max_length=32, choices=StarCodeKind.choices, editable=False)
    digits = models.CharField(_("code"), max_length=MAX_DIGITS, validators=[star_code_validator])

    class Meta:
        ordering = ["kind"]
        verbose_name = _("star code")
        verbose_name_plural = _("star codes")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind"], name="starcode_tenant_kind_unique"),
            models.UniqueConstraint(fields=["tenant", "digits"], name="starcode_tenant_digits_unique"),
            models.CheckConstraint(condition=Q(digits__startswith="*"), name="starcode_digits_start_with_star"),
        ]

    def __str__(self) -> str:
        return f"{self.digits} {self.get_kind_display()}"

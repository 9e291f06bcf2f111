"""Hunt groups and their ordered members."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from telephony.groups.choices import NoAnswerAction, Strategy
from tenants.models import TenantOwned, TimeStamped

MIN_SHORT_NUMBER, MAX_SHORT_NUMBER = 200, 999
MAX_RING_COUNT, MAX_CYCLES = 20, 10

short_number_validator = RegexValidator(r"^[2-9][0-9]{2}$", _("The short number must be between 200 and 999."))
trunk_number_validator = RegexValidator(r"^0[0-9]{2,20}$", _("The number must start with 0, e.g. 0217211112 or 0041217211112."))


class HuntGroup(TenantOwned):
    """A group of extensions that share calls by one of five strategies ([VTX] §2.4)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100)
    short_number = models.CharField(_("short number"), max_length=3, validators=[short_number_validator])
    strategy = models.CharField(_("distribution"), max_length=16, choices=Strategy.choices, default=Strategy.SIMULTANEOUS)
    ring_count = models.PositiveSmallIntegerField(
        _("ring count"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RING_COUNT)],
        help_text=_("1 ring = 5 seconds"),
    )
    cycles = models.PositiveSmallIntegerField(
        _("cycles"), default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_CYCLES)]
    )
    ring_tone = models.ForeignKey(
        "media.MediaFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("ring tone")
    )
    no_answer_action = models.CharField(
        _("if nobody answers"), max_length=16, choices=NoAnswerAction.choices, default=NoAnswerAction.HANGUP
    )
    no_answer_group = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("divert to group")
    )
    no_answer_number = models.CharField(_("divert to number"), max_length=21, blank=True, validators=[trunk_number_validator])
    no_answer_announcement = models.ForeignKey(
        "media.MediaFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("announcement")
    )
    no_answer_mailbox = models.ForeignKey(
        "voicemail.CompanyMailbox",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("divert to the voicemail of"),
    )

    class Meta:
        ordering = ["short_number"]
        verbose_name = _("hunt group")
        verbose_name_plural = _("hunt groups")
        constraints = [models.UniqueConstraint(fields=["tenant", "short_number"], name="huntgroup_tenant_short_number_unique")]

    def __str__(self) -> str:
        return f"{self.short_number} {self.name}"


class GroupMember(TimeStamped):
    id = models.BigAutoField(primary_key=True)
    group = models.ForeignKey(HuntGroup, on_delete=models.CASCADE, related_name="members", verbose_name=_("group"))
    extension = models.ForeignKey(
        "directory.Extension", on_delete=models.CASCADE, related_name="group_memberships", verbose_name=_("extension")
    )
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["position"]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [models.UniqueConstraint(fields=["group", "extension"], name="groupmember_group_extension_unique")]

    def __str__(self) -> str:
        return f"{self.group}: {self.extension}"

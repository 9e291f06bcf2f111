"""Call records (CDRs): one record per call, with the legs the switch reported for it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from telephony.calls.choices import CallDirection
from tenants.models import TenantOwned


class CallRecord(TenantOwned):
    """A finished call of a tenant, keyed by the uuid of its first (A) leg."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    call_uuid = models.UUIDField(_("call ID"), unique=True)
    direction = models.CharField(_("direction"), max_length=16, choices=CallDirection.choices)
    caller_number = models.CharField(_("caller number"), max_length=64, blank=True)
    caller_name = models.CharField(_("caller name"), max_length=128, blank=True)
    destination = models.CharField(_("destination"), max_length=64, blank=True)
    extension = models.ForeignKey(
        "directory.Extension",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call_records",
        verbose_name=_("extension"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call_records",
        verbose_name=_("user"),
    )
    started_at = models.DateTimeField(_("started"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"))
    duration = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    billsec = models.PositiveIntegerField(_("talk time (seconds)"), default=0)
    hangup_cause = models.CharField(_("hangup cause"), max_length=64, blank=True)
    node = models.ForeignKey(
        "freeswitch.SwitchNode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("node")
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        indexes = [
            models.Index(fields=["tenant", "-started_at"], name="callrecord_tenant_started"),
            models.Index(fields=["tenant", "extension", "-started_at"], name="callrecord_tenant_ext_started"),
        ]

    def __str__(self) -> str:
        return f"{self.caller_number} → {self.destination}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


class CallLeg(TenantOwned):
    """One channel of a call as the switch reported it (caller side, each side called)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    record = models.ForeignKey(CallRecord, on_delete=models.CASCADE, related_name="legs", verbose_name=_("call record"))
    leg_uuid = models.UUIDField(_("leg ID"), unique=True)
    is_a_leg = models.BooleanField(_("first leg"), default=False)
    channel_name = models.CharField(_("channel"), max_length=255, blank=True)
    caller_number = models.CharField(_("caller number"), max_length=64, blank=True)
    caller_name = models.CharField(_("caller name"), max_length=128, blank=True)
    destination = models.CharField(_("destination"), max_length=64, blank=True)
    extension = models.ForeignKey(
        "directory.Extension", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("extension")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("user")
    )
    started_at = models.DateTimeField(_("started"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"))
    duration = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    billsec = models.PositiveIntegerField(_("talk time (seconds)"), default=0)
    hangup_cause = models.CharField(_("hangup cause"), max_length=64, blank=True)
    # The few switch variables worth keeping (SIP call id, codecs, user agent, ...), not the whole CDR.
    variables = models.JSONField(_("switch variables"), default=dict, blank=True)

    class Meta:
        ordering = ["started_at"]
        verbose_name = _("call leg")
        verbose_name_plural = _("call legs")

    def __str__(self) -> str:
        return self.channel_name or str(self.leg_uuid)

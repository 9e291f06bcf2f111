"""Webhook endpoints of a tenant and the deliveries sent to them."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from centrex.webhooks import vault
from centrex.webhooks.choices import DeliveryStatus, DisabledReason
from tenants.models import TenantOwned


class WebhookEndpoint(TenantOwned):
    """A URL of the tenant's that receives the events it subscribed to, signed with its secret."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("event types"), default=list)
    # Fernet token of the signing secret (see vault.py); read it through .secret.
    secret_encrypted = models.TextField(_("secret (encrypted)"))
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(_("disabled because"), max_length=16, choices=DisabledReason.choices, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failed deliveries in a row"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        indexes = [models.Index(fields=["tenant", "is_active"], name="webhookendpoint_active")]

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def secret(self) -> str:
        return vault.decrypt(self.secret_encrypted)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = vault.encrypt(value)

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in self.event_types


class WebhookDelivery(TenantOwned):
    """One event sent (or being sent) to one endpoint, with the outcome of its attempts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint"))
    event_id = models.UUIDField(_("event id"))
    event_type = models.CharField(_("event type"), max_length=64)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    response_status_code = models.PositiveIntegerField(_("last response status"), null=True, blank=True)
    response_time_ms = models.PositiveIntegerField(_("response time (ms)"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # One entry per attempt: time, status code, response time, error and the wait before the next one.
    attempt_log = models.JSONField(_("attempts"), default=list)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["tenant", "endpoint", "-created_at"], name="webhookdelivery_endpoint"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "endpoint", "event_id"], name="webhookdelivery_tenant_endpoint_event_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"

    @property
    def is_test(self) -> bool:
        from centrex.webhooks.event_types import TEST_EVENT

        return self.event_type == TEST_EVENT

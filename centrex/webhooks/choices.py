"""Choice lists of the webhooks app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class DisabledReason(models.TextChoices):
    """Why an endpoint is not active; empty while it is."""

    NONE = "", pgettext_lazy("webhook endpoint", "Active")
    FAILURES = "failures", _("Disabled automatically after too many failed deliveries in a row")
    ADMIN = "admin", _("Disabled by an admin")

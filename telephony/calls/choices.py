"""Choice lists of the calls app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CallDirection(models.TextChoices):
    """Seen from the tenant: from outside in, from inside out, or within the company."""

    INBOUND = "inbound", _("Incoming")
    OUTBOUND = "outbound", _("Outgoing")
    INTERNAL = "internal", _("Internal")

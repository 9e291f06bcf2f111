"""Choice lists of the FreeSWITCH adapter."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NodeStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    UP = "up", _("Connected")
    DOWN = "down", _("Disconnected")


class Transport(models.TextChoices):
    UDP = "udp", "UDP"
    TCP = "tcp", "TCP"
    TLS = "tls", "TLS"

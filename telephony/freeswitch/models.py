"""Switch nodes, the platform's SIP trunks and the SIP brute-force block list."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from telephony.freeswitch.choices import NodeStatus, Transport
from tenants.models import TimeStamped

name_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]{0,62}$", _("Use lower-case letters, digits and '-'."))


class SwitchNode(TimeStamped):
    """A FreeSWITCH node configured by the control plane (xml_curl) and driven over ESL."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=63, unique=True, validators=[name_validator])
    description = models.CharField(_("description"), max_length=200, blank=True)
    esl_host = models.GenericIPAddressField(_("ESL address"))
    esl_port = models.PositiveIntegerField(
        _("ESL port"), default=8021, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    # The node's event-socket password: needed in clear to authenticate to the node.
    esl_password = models.CharField(_("ESL password"), max_length=128)
    xml_curl_username = models.CharField(_("xml_curl user name"), max_length=64, unique=True)
    # SHA-256 of a high-entropy generated secret: cheap to check on the hot path, useless if leaked.
    xml_curl_secret_hash = models.CharField(_("xml_curl secret hash"), max_length=64, editable=False)
    allowed_addresses = models.JSONField(
        _("allowed source addresses"), default=list, blank=True, help_text=_("Addresses or networks (CIDR) the node calls from.")
    )
    status = models.CharField(_("status"), max_length=16, choices=NodeStatus.choices, default=NodeStatus.UNKNOWN)
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("switch node")
        verbose_name_plural = _("switch nodes")

    def __str__(self) -> str:
        return self.name


class Trunk(TimeStamped):
    """A SIP trunk of the platform to a carrier, served to the nodes as a sofia gateway."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=63, unique=True, validators=[name_validator])
    proxy = models.CharField(_("proxy host"), max_length=253)
    port = models.PositiveIntegerField(_("port"), default=5060, validators=[MinValueValidator(1), MaxValueValidator(65535)])
    transport = models.CharField(_("transport"), max_length=3, choices=Transport.choices, default=Transport.UDP)
    realm = models.CharField(_("realm"), max_length=253, blank=True)
    username = models.CharField(_("user name"), max_length=128, blank=True)
    # Needed in clear for the sofia gateway; never shown back in the portal or the API.
    password = models.CharField(_("password"), max_length=128, blank=True)
    register = models.BooleanField(_("register"), default=False)
    priority = models.PositiveSmallIntegerField(_("priority"), default=10, help_text=_("Lower numbers are tried first."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "name"]
        verbose_name = _("SIP trunk")
        verbose_name_plural = _("SIP trunks")

    def __str__(self) -> str:
        return self.name


class BlockedAddress(TimeStamped):
    """An address blocked for repeated failed SIP registrations; served in acl.conf."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    address = models.GenericIPAddressField(_("address"), unique=True)
    failures = models.PositiveIntegerField(_("failed attempts"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    node = models.ForeignKey(SwitchNode, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("seen on node"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("blocked address")
        verbose_name_plural = _("blocked addresses")

    def __str__(self) -> str:
        return self.address

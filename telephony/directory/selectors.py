"""Tenant-scoped reads of the directory: extensions, devices, phone numbers, telephony settings.

Every ``get_*`` takes the tenant and raises ``Http404`` for an id of another tenant (or no id at
all), so that views, the API and other services cannot leak another tenant's object.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from telephony.directory.models import Device, Extension, PhoneNumber, TelephonySettings
from telephony.directory.presence import ExtensionPresence, derive, facts_for
from tenants.models import Tenant

logger = logging.getLogger(__name__)


def _get(queryset: QuerySet, object_id: uuid.UUID | str | None) -> Any:
    try:
        return queryset.get(pk=object_id)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError) as exc:
        # A malformed id is as unknown as another tenant's id.
        raise Http404 from exc


def extensions(tenant: Tenant) -> QuerySet[Extension]:
    return Extension.objects.for_tenant(tenant).select_related("user", "outbound_number")


def get_extension(tenant: Tenant, extension_id: uuid.UUID | str | None) -> Extension:
    """One extension of ``tenant``; another tenant's id is not found."""
    return _get(extensions(tenant), extension_id)


def devices(tenant: Tenant, extension: Extension | None = None) -> QuerySet[Device]:
    queryset = Device.objects.for_tenant(tenant).select_related("extension", "tenant")
    return queryset.filter(extension=extension) if extension is not None else queryset


def get_device(tenant: Tenant, device_id: uuid.UUID | str | None) -> Device:
    return _get(devices(tenant), device_id)


def phone_numbers(tenant: Tenant) -> QuerySet[PhoneNumber]:
    """The numbers the operator assigned to ``tenant``."""
    return PhoneNumber.objects.for_tenant(tenant).select_related("destination_extension")


def get_phone_number(tenant: Tenant, number_id: uuid.UUID | str | None) -> PhoneNumber:
    return _get(phone_numbers(tenant), number_id)


def number_pool(*, unassigned_only: bool = False) -> QuerySet[PhoneNumber]:
    """Every number of the platform (operators), with its tenant."""
    queryset = PhoneNumber.objects.select_related("tenant", "destination_extension")
    return queryset.filter(tenant__isnull=True) if unassigned_only else queryset


def get_pool_number(number_id: uuid.UUID | str | None) -> PhoneNumber:
    return _get(number_pool(), number_id)


def telephony_settings(tenant: Tenant) -> TelephonySettings:
    """The tenant's settings, created with the defaults for tenants made before they existed."""
    settings, _created = TelephonySettings.objects.select_related("main_number").get_or_create(tenant=tenant)
    return settings


@dataclass
class ExtensionRow:
    """An extension with its devices, where they are registered from, and its line state and presence (live state)."""

    extension: Extension
    devices: list[Device]
    registrations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    channels: list[dict[str, Any]] = field(default_factory=list)
    dnd: bool = False

    @property
    def state(self) -> ExtensionPresence:
        """Line state and presence icon ([DFN] §1.10), as the switch gateway derives them."""
        facts = facts_for(
            (device.sip_username for device in self.devices), self.registrations, self.channels, dnd=self.dnd, now=time.time()
        )
        return derive(facts)

    @property
    def registered(self) -> bool:
        return any(self.registrations.get(device.sip_username) for device in self.devices)

    @property
    def device_rows(self) -> list[tuple[Device, list[dict[str, Any]]]]:
        return [(device, self.registrations.get(device.sip_username, [])) for device in self.devices]


def extension_rows(tenant: Tenant, queryset: QuerySet[Extension] | None = None) -> list[ExtensionRow]:
    """Extensions (all, or the page given) with devices, live registrations and calls, and global DND:
    three queries and two Redis reads."""
    from telephony.forwarding.models import PersonalSettings

    queryset = extensions(tenant) if queryset is None else queryset
    dnd = PersonalSettings.objects.filter(extension=OuterRef("pk"), dnd=True)
    items = list(
        queryset.annotate(dnd_on=Exists(dnd)).prefetch_related(
            Prefetch("devices", queryset=Device.objects.select_related("tenant").order_by("sip_username"))
        )
    )
    live = live_registrations(tenant)
    channels = live_calls(tenant) if items else []
    return [ExtensionRow(extension, list(extension.devices.all()), live, channels, extension.dnd_on) for extension in items]


def live_calls(tenant: Tenant) -> list[dict[str, Any]]:
    """The tenant's live call legs (live state); none when Redis is unreachable."""
    from telephony.freeswitch import livestate

    try:
        return livestate.active_calls(str(tenant.pk))
    except Exception:
        logger.warning("live calls unavailable", extra={"tenant": str(tenant.pk)}, exc_info=True)
        return []


def live_registrations(tenant: Tenant) -> dict[str, list[dict[str, Any]]]:
    """Current registrations by SIP user name, as the switch gateway keeps them in Redis.

    An unreachable Redis must not take the portal down: the page then shows no registrations.
    """
    from telephony.freeswitch import livestate

    try:
        return livestate.registrations(str(tenant.pk))
    except Exception:
        logger.warning("live registrations unavailable", extra={"tenant": str(tenant.pk)}, exc_info=True)
        return {}

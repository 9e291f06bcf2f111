"""Receivers of the directory: per-tenant defaults when a tenant is created; an extension's presence after DND changes."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.dispatch import receiver

from centrex.events import DomainEvent, deliver, subscriber
from tenants.models import Tenant
from tenants.signals import tenant_created

logger = logging.getLogger(__name__)


@receiver(tenant_created, dispatch_uid="directory.create_telephony_settings")
def create_telephony_settings(sender: type[Tenant], tenant: Tenant, **kwargs: Any) -> None:
    from telephony.directory.services import create_telephony_settings

    create_telephony_settings(tenant)


@subscriber
def presence_after_dnd(event: DomainEvent) -> None:
    """Global DND on or off (``dnd.updated`` from ``forwarding.services.check_set_dnd``): the extension's
    presence becomes, or stops being, "do not disturb" ([DFN] §1.10)."""
    if event.name != "dnd.updated":
        return
    publish_extension_presence(event.tenant, event.data["extension_id"], dnd=bool(event.data["dnd"]))


def publish_extension_presence(tenant_id: str, extension_id: str, *, dnd: bool) -> None:
    """Store the extension's DND flag in live state and deliver ``presence.changed`` when the derived value changed.

    Runs after commit (a subscriber). Without Redis (the embedded default: no switch, nothing live) the
    value is derived from the DND flag alone and always delivered; with Redis unreachable nothing is sent.
    """
    import redis

    from telephony.directory.models import Device, Extension
    from telephony.directory.presence import ExtensionPresence, PresenceFacts, derive
    from telephony.freeswitch import livestate

    extension = Extension.objects.filter(tenant_id=tenant_id, pk=extension_id).values("number", "user_id").first()
    if extension is None:
        return
    devices = sorted(Device.objects.filter(tenant_id=tenant_id, extension_id=extension_id).values_list("sip_username", flat=True))
    if settings.REDIS_URL:
        try:
            changed = livestate.update_extension_presence(tenant_id, extension_id, devices, dnd=dnd)
        except redis.RedisError:
            logger.warning("live state unavailable: presence not updated", extra={"tenant": tenant_id}, exc_info=True)
            return
        if changed is None:
            return
        state, sequence = ExtensionPresence.decode(changed[0]), changed[1]
    else:
        state, sequence = derive(PresenceFacts(dnd=dnd)), 0
    data = {
        "extension": extension["number"],
        "extension_id": str(extension_id),
        "user_id": str(extension["user_id"]) if extension["user_id"] else None,
        "line_state": state.line_state.value,
        "presence": state.presence.value,
        "seq": sequence,
    }
    deliver(DomainEvent("presence", "changed", str(tenant_id), data))

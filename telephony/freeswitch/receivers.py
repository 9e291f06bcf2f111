"""Signal receivers of the switch side: a tenant created or changed drops what the nodes cached of it."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from telephony.freeswitch.sync import schedule_tenant_sync
from tenants.models import Tenant
from tenants.signals import tenant_changed, tenant_created


@receiver(tenant_created, dispatch_uid="freeswitch.tenant_created")
def tenant_created_sync(sender: type[Tenant], tenant: Tenant, **kwargs: Any) -> None:
    # A "not found" for the new domain may sit in a node's cache or ours.
    schedule_tenant_sync(str(tenant.pk))


@receiver(tenant_changed, dispatch_uid="freeswitch.tenant_changed")
def tenant_changed_sync(sender: type[Tenant], tenant: Tenant, previous: dict[str, Any], **kwargs: Any) -> None:
    # Status, domain, time zone, language and country all reach routing and the directory answers.
    old_domain = previous.get("sip_domain")
    schedule_tenant_sync(str(tenant.pk), sip_domains=[old_domain] if old_domain else [])

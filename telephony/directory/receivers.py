"""Signal receivers of the directory: per-tenant defaults when a tenant is created."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from tenants.models import Tenant
from tenants.signals import tenant_created


@receiver(tenant_created, dispatch_uid="directory.create_telephony_settings")
def create_telephony_settings(sender: type[Tenant], tenant: Tenant, **kwargs: Any) -> None:
    from telephony.directory.services import create_telephony_settings

    create_telephony_settings(tenant)

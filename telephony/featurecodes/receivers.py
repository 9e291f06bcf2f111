"""Every tenant gets the default star codes when it is created."""

from typing import Any

from django.dispatch import receiver

from tenants.signals import tenant_created


@receiver(tenant_created, dispatch_uid="featurecodes.default_star_codes")
def create_star_codes(sender: Any, tenant: Any, **kwargs: Any) -> None:
    from telephony.featurecodes.services import create_default_codes

    create_default_codes(tenant)

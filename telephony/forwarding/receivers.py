"""Every tenant gets its office-hours range, every extension its default forwarding profile; directory changes reach routing."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from telephony.directory.signals import extension_created
from tenants.signals import tenant_created


@receiver(tenant_created, dispatch_uid="forwarding.default_time_range")
def create_office_hours(sender: Any, tenant: Any, **kwargs: Any) -> None:
    from telephony.forwarding.services import create_default_range

    create_default_range(tenant)


@receiver([post_save, post_delete], sender="contacts.Contact", dispatch_uid="forwarding.contact_snapshot")
@receiver([post_save, post_delete], sender="contacts.ContactNumber", dispatch_uid="forwarding.contact_number_snapshot")
def drop_snapshot_on_directory_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    """ "##" + short number dials the company directory, which routing reads from the tenant's snapshot."""
    from telephony.freeswitch.sync import schedule_sync

    contact = instance if hasattr(instance, "short_number") else getattr(instance, "contact", None)
    tenant_id = getattr(contact, "tenant_id", None)
    if tenant_id is not None and getattr(contact, "owner_id", None) is None:
        schedule_sync(str(tenant_id), dialplan=True)


@receiver(extension_created, dispatch_uid="forwarding.default_profile")
def create_default_profile(sender: Any, tenant: Any, extension: Any, **kwargs: Any) -> None:
    """Every extension has its default forwarding profile, active from the start ([DFN] §1.9)."""
    from telephony.forwarding.services import ensure_default_profile

    ensure_default_profile(tenant, extension)

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
    from telephony.forwarding.models import SelectiveRule
    from telephony.freeswitch.sync import schedule_sync

    contact = instance if hasattr(instance, "short_number") else getattr(instance, "contact", None)
    tenant_id = getattr(contact, "tenant_id", None)
    if tenant_id is None:
        return
    # A private contact matters to routing only when a selective forwarding rule names it.
    if getattr(contact, "owner_id", None) is None or SelectiveRule.objects.filter(match_contact_id=contact.pk).exists():
        schedule_sync(str(tenant_id), dialplan=True)


@receiver(post_delete, sender="forwarding.SelectiveRule", dispatch_uid="forwarding.selective_rule_snapshot")
def drop_snapshot_on_selective_rule_cascade(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Selective rules also go with the extension or contact they name; routing must not keep them."""
    from telephony.freeswitch.sync import schedule_sync

    schedule_sync(str(instance.tenant_id), dialplan=True)


@receiver(extension_created, dispatch_uid="forwarding.default_profile")
def create_default_profile(sender: Any, tenant: Any, extension: Any, **kwargs: Any) -> None:
    """Every extension has its default forwarding profile, active from the start ([DFN] §1.9)."""
    from telephony.forwarding.services import ensure_default_profile

    ensure_default_profile(tenant, extension)

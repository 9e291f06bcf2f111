"""Tenant-scoped reads of company mailboxes."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from telephony.voicemail.models import CompanyMailbox
from tenants.models import Tenant


def mailboxes(tenant: Tenant) -> QuerySet[CompanyMailbox]:
    """The mailboxes of numbers the tenant still holds (a number the operator took back keeps none)."""
    return CompanyMailbox.objects.for_tenant(tenant).filter(phone_number__tenant=tenant).select_related("phone_number")


def get_mailbox(tenant: Tenant, mailbox_id: uuid.UUID | str) -> CompanyMailbox:
    """One mailbox of ``tenant``; another tenant's id is not found."""
    try:
        return mailboxes(tenant).get(pk=mailbox_id)
    except (CompanyMailbox.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def mailbox_for_number(tenant: Tenant, phone_number_id: uuid.UUID | str) -> CompanyMailbox | None:
    return mailboxes(tenant).filter(phone_number_id=phone_number_id).first()

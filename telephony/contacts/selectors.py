"""Reads of contacts: what one user sees (global + own), the directory, internal contacts."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from telephony.contacts.models import Contact, ContactNumber
from telephony.directory.models import Extension
from tenants.models import Tenant, User


def _with_numbers(queryset: QuerySet[Contact]) -> QuerySet[Contact]:
    return queryset.prefetch_related(Prefetch("numbers", queryset=ContactNumber.objects.order_by("id")))


def visible_contacts(tenant: Tenant, user: User | None) -> QuerySet[Contact]:
    """The company directory plus the user's own private contacts."""
    contacts = Contact.objects.for_tenant(tenant)
    mine = Q(owner=user) if user is not None else Q(pk__in=[])
    return _with_numbers(contacts.filter(Q(owner__isnull=True) | mine))


def directory(tenant: Tenant) -> QuerySet[Contact]:
    return _with_numbers(Contact.objects.for_tenant(tenant).filter(owner__isnull=True))


def get_visible_contact(tenant: Tenant, user: User | None, contact_id: uuid.UUID | str) -> Contact:
    """A contact the user may see; someone else's private contact is not found."""
    try:
        return visible_contacts(tenant, user).get(pk=contact_id)
    except (Contact.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def internal_contacts(tenant: Tenant) -> QuerySet[Extension]:
    return Extension.objects.for_tenant(tenant).order_by("display_name")


def by_short_number(tenant: Tenant, short_number: str) -> Contact | None:
    """The global contact dialled as ``##`` + short number."""
    return directory(tenant).filter(short_number=short_number).first()

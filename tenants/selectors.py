"""Tenant-scoped reads of the tenants app."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tenants.choices import Feature
from tenants.models import AuditEntry, Licence, Membership, Tenant, User


def get_membership(tenant: Tenant, membership_id: uuid.UUID | str) -> Membership:
    """One membership of ``tenant``; another tenant's id is not found."""
    try:
        return Membership.objects.for_tenant(tenant).select_related("user").get(pk=membership_id)
    except (Membership.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def memberships(tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.for_tenant(tenant).select_related("user")


def audit_entries(tenant: Tenant | None) -> QuerySet[AuditEntry]:
    """The tenant's audit log, or every entry for ``None`` (operators)."""
    entries = AuditEntry.objects.select_related("tenant")
    return entries if tenant is None else entries.for_tenant(tenant)


def tenant_of(user: User) -> Tenant | None:
    membership = getattr(user, "membership", None)
    return membership.tenant if membership is not None else None


def licence_quantity(tenant: Tenant, feature: str) -> int:
    licence = Licence.objects.for_tenant(tenant).filter(feature=feature).first()
    return licence.quantity if licence else 0


def user_licence_capacity(tenant: Tenant, now: datetime | None = None) -> int:
    """Floating user licences available: bought ones, else the running tryout's test licences.

    Once licences were bought the tryout's test licences are gone for good, even at quantity 0.
    """
    bought = licence_quantity(tenant, Feature.USERS)
    if bought or tenant.licences_purchased_at is not None:
        return bought
    if tenant.tryout_ends_at is not None and tenant.tryout_ends_at > (now or timezone.now()):
        return settings.TRYOUT_USER_LICENCES
    return 0


def active_user_count(tenant: Tenant) -> int:
    return Membership.objects.for_tenant(tenant).filter(is_active=True, user__is_active=True).count()


def has_feature(tenant: Tenant, feature: str) -> bool:
    return licence_quantity(tenant, feature) > 0


def licence_summary(tenant: Tenant) -> dict[str, object]:
    quantities = dict(Licence.objects.for_tenant(tenant).values_list("feature", "quantity"))
    return {
        "status": tenant.effective_status(),
        "tryout_ends_at": tenant.tryout_ends_at,
        "user_licences": user_licence_capacity(tenant),
        "user_licences_bought": quantities.get(Feature.USERS, 0),
        "active_users": active_user_count(tenant),
        "addons": [
            {"feature": feature.value, "label": feature.label, "quantity": quantities.get(feature.value, 0)}
            for feature in Feature.addons()
        ],
    }

"""Filters of the tenants app's API lists."""

from __future__ import annotations

import django_filters

from tenants.choices import TenantStatus
from tenants.models import AuditEntry, Tenant


class AuditEntryFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(help_text="Exact action, e.g. user.invite.")
    action_prefix = django_filters.CharFilter(field_name="action", lookup_expr="startswith", help_text="e.g. user.")
    object_type = django_filters.CharFilter(help_text="e.g. tenants.membership.")
    object_id = django_filters.CharFilter()
    actor = django_filters.UUIDFilter(field_name="actor_id")
    api_key_id = django_filters.UUIDFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields: list[str] = []


class OperatorAuditEntryFilter(AuditEntryFilter):
    tenant = django_filters.UUIDFilter(field_name="tenant_id")


class TenantFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TenantStatus.choices)
    slug = django_filters.CharFilter()
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Tenant
        fields: list[str] = []

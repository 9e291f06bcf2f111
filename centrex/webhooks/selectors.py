"""Tenant-scoped reads of the webhooks app."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404

from centrex.webhooks.models import WebhookDelivery, WebhookEndpoint
from tenants.models import Tenant

SUBSCRIPTIONS_TTL = 300


def endpoints(tenant: Tenant) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_tenant(tenant)


def get_endpoint(tenant: Tenant, endpoint_id: uuid.UUID | str) -> WebhookEndpoint:
    """One endpoint of ``tenant``; another tenant's id is not found."""
    try:
        return endpoints(tenant).get(pk=endpoint_id)
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def deliveries(tenant: Tenant, endpoint: WebhookEndpoint | None = None) -> QuerySet[WebhookDelivery]:
    queryset = WebhookDelivery.objects.for_tenant(tenant).select_related("endpoint")
    return queryset if endpoint is None else queryset.filter(endpoint=endpoint)


def get_delivery(tenant: Tenant, delivery_id: uuid.UUID | str) -> WebhookDelivery:
    try:
        return deliveries(tenant).get(pk=delivery_id)
    except (WebhookDelivery.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def subscriptions_cache_key(tenant_id: str) -> str:
    return f"webhooks:tenant:{tenant_id}:subscriptions"


def active_subscriptions(tenant_id: str) -> list[tuple[str, list[str]]]:
    """``(endpoint id, event types)`` of the tenant's active endpoints, cached: every domain event asks."""
    key = subscriptions_cache_key(tenant_id)
    cached = cache.get(key)
    if cached is None:
        rows = WebhookEndpoint.objects.filter(tenant_id=tenant_id, is_active=True).values_list("pk", "event_types")
        cached = [(str(pk), list(types)) for pk, types in rows]
        cache.set(key, cached, SUBSCRIPTIONS_TTL)
    return cached


def tenants_with_subscriptions(tenant_ids: Iterable[str]) -> set[str]:
    """Those of ``tenant_ids`` with at least one active endpoint: one cache read for all, the database for the rest."""
    ids = [str(tenant_id) for tenant_id in tenant_ids]
    found = cache.get_many([subscriptions_cache_key(tenant_id) for tenant_id in ids])
    result = set()
    for tenant_id in ids:
        cached = found.get(subscriptions_cache_key(tenant_id))
        if cached is None:
            cached = active_subscriptions(tenant_id)
        if cached:
            result.add(tenant_id)
    return result


def forget_subscriptions(tenant_id: str) -> None:
    cache.delete(subscriptions_cache_key(tenant_id))

"""Scoped reads of the API app."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from centrex.api.models import ApiKey
from tenants.models import Tenant


def api_keys(tenant: Tenant | None) -> QuerySet[ApiKey]:
    """The tenant's keys, or the operator keys for ``None``."""
    keys = ApiKey.objects.select_related("created_by")
    return keys.filter(tenant__isnull=True) if tenant is None else keys.for_tenant(tenant)


def get_api_key(tenant: Tenant | None, key_id: uuid.UUID | str) -> ApiKey:
    try:
        return api_keys(tenant).get(pk=key_id)
    except (ApiKey.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc

"""Tenant-scoped reads of star codes."""

from __future__ import annotations

import uuid

from django.http import Http404

from telephony.featurecodes.choices import StarCodeKind
from telephony.featurecodes.models import StarCode
from tenants.models import Tenant

_ORDER = {kind: position for position, kind in enumerate(StarCodeKind.values)}


def star_codes(tenant: Tenant) -> list[StarCode]:
    """The tenant's codes in the order of the star-code table ([DFN] §3.1), DND last."""
    return sorted(StarCode.objects.for_tenant(tenant), key=lambda code: _ORDER.get(code.kind, len(_ORDER)))


def get_star_code(tenant: Tenant, code_id: uuid.UUID | str) -> StarCode:
    try:
        return StarCode.objects.for_tenant(tenant).get(pk=code_id)
    except (StarCode.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def code_table(tenant: Tenant | uuid.UUID | str) -> dict[str, str]:
    """kind -> digits, what ``grammar.parse`` reads a dialled code against (``tenant`` or its id)."""
    tenant_id = tenant.pk if isinstance(tenant, Tenant) else tenant
    return dict(StarCode.objects.filter(tenant_id=tenant_id).values_list("kind", "digits"))

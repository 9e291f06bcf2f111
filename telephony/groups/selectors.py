"""Tenant-scoped reads of hunt groups."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from telephony.groups.models import GroupMember, HuntGroup
from tenants.models import Tenant


def groups(tenant: Tenant) -> QuerySet[HuntGroup]:
    return (
        HuntGroup.objects.for_tenant(tenant)
        .select_related("ring_tone", "no_answer_group", "no_answer_announcement", "no_answer_mailbox__phone_number")
        .prefetch_related(Prefetch("members", queryset=GroupMember.objects.select_related("extension")))
    )


def get_group(tenant: Tenant, group_id: uuid.UUID | str) -> HuntGroup:
    try:
        return groups(tenant).get(pk=group_id)
    except (HuntGroup.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc

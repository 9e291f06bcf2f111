"""Tenant-scoped reads of call records: the tenant's, a user's own, filtered by date, extension, direction."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from telephony.calls.models import CallLeg, CallRecord
from tenants.models import Tenant, User


def call_records(tenant: Tenant) -> QuerySet[CallRecord]:
    return CallRecord.objects.for_tenant(tenant).select_related("extension", "user")


def own_call_records(tenant: Tenant, user: User) -> QuerySet[CallRecord]:
    """Calls the user took part in: as the record's user or on any of its legs."""
    on_a_leg = CallLeg.objects.for_tenant(tenant).filter(record=OuterRef("pk"), user=user)
    return call_records(tenant).filter(Q(user=user) | Exists(on_a_leg))


def get_call_record(tenant: Tenant, record_id: uuid.UUID | str) -> CallRecord:
    record = call_records(tenant).prefetch_related("legs").filter(pk=record_id).first()
    if record is None:
        raise Http404
    return record


def filter_call_records(
    records: QuerySet[CallRecord],
    tenant: Tenant,
    *,
    since: date | None = None,
    until: date | None = None,
    extension_id: uuid.UUID | str | None = None,
    direction: str = "",
) -> QuerySet[CallRecord]:
    """Narrow by calendar days in the tenant's time zone (both inclusive), extension and direction."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    if since is not None:
        records = records.filter(started_at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until is not None:
        records = records.filter(started_at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone))
    if extension_id:
        records = records.filter(
            Q(extension_id=extension_id) | Exists(CallLeg.objects.filter(record=OuterRef("pk"), extension_id=extension_id))
        )
    if direction:
        records = records.filter(direction=direction)
    return records

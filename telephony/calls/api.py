"""REST API of call records (read-only, scope ``calls:read``).

An API key sees every call of its tenant; a browser session of a plain member only the calls
that member took part in, as on the portal.
"""

from __future__ import annotations

import uuid

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework.routers import BaseRouter

from centrex.api.scopes import Scope
from centrex.api.serializers import CentrexModelSerializer
from centrex.api.viewsets import TenantReadOnlyViewSet
from telephony.calls import selectors
from telephony.calls.choices import CallDirection
from telephony.calls.models import CallLeg, CallRecord
from tenants.choices import Role

RECORD_EXAMPLE = {
    "id": "0b7f6a2e-3c4d-4e5f-8a9b-1c2d3e4f5a6b",
    "call_uuid": "9e5b2137-071e-4932-a2c5-49c420da2d2e",
    "direction": "internal",
    "caller_number": "1001",
    "caller_name": "Ext 1001",
    "destination": "1002",
    "extension": "4f7c1f7e-2f6c-4b53-9d1e-3a1c2b4d5e6f",
    "user": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
    "started_at": "2026-11-22T01:39:02.772088Z",
    "answered_at": "2026-11-22T01:39:03.792091Z",
    "ended_at": "2026-11-22T01:39:09.332090Z",
    "duration": 7,
    "billsec": 6,
    "hangup_cause": "NORMAL_CLEARING",
    "legs": [],
}


class CallLegSerializer(CentrexModelSerializer):
    class Meta:
        model = CallLeg
        fields = [
            "leg_uuid",
            "is_a_leg",
            "channel_name",
            "caller_number",
            "caller_name",
            "destination",
            "extension",
            "started_at",
            "answered_at",
            "ended_at",
            "duration",
            "billsec",
            "hangup_cause",
        ]
        read_only_fields = fields


class CallRecordSerializer(CentrexModelSerializer):
    legs = CallLegSerializer(many=True, read_only=True)

    class Meta:
        model = CallRecord
        fields = [
            "id",
            "call_uuid",
            "direction",
            "caller_number",
            "caller_name",
            "destination",
            "extension",
            "user",
            "started_at",
            "answered_at",
            "ended_at",
            "duration",
            "billsec",
            "hangup_cause",
            "legs",
        ]
        read_only_fields = fields


class CallRecordFilter(django_filters.FilterSet):
    started_after = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")
    extension = django_filters.UUIDFilter(method="filter_extension")
    direction = django_filters.ChoiceFilter(choices=CallDirection.choices)

    class Meta:
        model = CallRecord
        fields = ["started_after", "started_before", "extension", "direction"]

    def filter_extension(self, queryset: QuerySet[CallRecord], name: str, value: uuid.UUID) -> QuerySet[CallRecord]:
        on_a_leg = CallLeg.objects.filter(record=OuterRef("pk"), extension_id=value)
        return queryset.filter(Q(extension_id=value) | Exists(on_a_leg))


@extend_schema_view(
    list=extend_schema(
        summary="List call records",
        examples=[OpenApiExample("A call record", value=RECORD_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(summary="Show a call record with its legs"),
)
@extend_schema(tags=["Call records"])
class CallRecordViewSet(TenantReadOnlyViewSet):
    queryset = CallRecord.objects.select_related("extension", "user").prefetch_related("legs")
    serializer_class = CallRecordSerializer
    required_scopes = {"read": Scope.CALLS_READ}
    filterset_class = CallRecordFilter
    ordering_fields = ["started_at", "duration", "billsec"]

    def scope_queryset(self, queryset: QuerySet[CallRecord]) -> QuerySet[CallRecord]:
        caller = self.caller
        membership = getattr(caller.user, "membership", None)
        if caller.api_key is None and membership is not None and membership.role != Role.ADMIN:
            own = selectors.own_call_records(self.tenant, membership.user).values("pk")
            queryset = queryset.filter(pk__in=own)
        return queryset


def register(router: BaseRouter) -> None:
    router.register("call-records", CallRecordViewSet, basename="call-record")

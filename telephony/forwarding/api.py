"""REST resources: time ranges (with periods), holidays, the schedule's current state, number routing, caller-ID rules,
forwarding profiles and rules, personal settings (DND)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from centrex.api.scopes import Scope
from centrex.api.serializers import CentrexModelSerializer, CentrexSerializer, DetailSerializer
from centrex.api.viewsets import TenantGenericViewSet
from telephony.directory.models import Extension, PhoneNumber
from telephony.forwarding import schedule, selectors, services
from telephony.forwarding.choices import ForwardCondition, ForwardTarget, SelectiveMatch
from telephony.forwarding.models import (
    CallerIdRule,
    ForwardingProfile,
    ForwardingRule,
    Holiday,
    NumberRoute,
    SelectiveRule,
    Slot,
    TargetKind,
    TimeRange,
)

TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
RANGE_EXAMPLE = {
    "id": "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    "name": "Office hours",
    "is_default": True,
    "weekdays": [0, 1, 2, 3, 4],
    "periods": [{"start": "08:00", "end": "12:00"}, {"start": "14:00", "end": "18:00"}],
}
HOLIDAY_EXAMPLE = {
    "id": "0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a",
    "label": "Easter",
    "start_date": "2027-03-26",
    "end_date": "2027-03-29",
}


@extend_schema_field({"type": "string", "pattern": TIME.pattern, "example": "08:00"})
class ClockField(serializers.Field):
    """A time of day as "HH:MM", 00:00 to 24:00, stored as minutes of the day."""

    def to_internal_value(self, data: Any) -> int:
        text = data if isinstance(data, str) else ""
        if not TIME.match(text):
            raise serializers.ValidationError("Use HH:MM between 00:00 and 24:00.")
        hours, minutes = text.split(":")
        return int(hours) * 60 + int(minutes)

    def to_representation(self, value: int) -> str:
        return schedule.format_minute(value)


class PeriodSerializer(CentrexSerializer):
    start = ClockField(source="start_minute")
    end = ClockField(source="end_minute")


class TimeRangeSerializer(CentrexModelSerializer):
    clean_model = False
    periods = PeriodSerializer(many=True, help_text="One to three periods that do not overlap.")
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), help_text="0 = Monday ... 6 = Sunday"
    )

    class Meta:
        model = TimeRange
        fields = ["id", "name", "is_default", "weekdays", "periods"]
        read_only_fields = ["id", "is_default"]


class HolidaySerializer(CentrexModelSerializer):
    end_date = serializers.DateField(required=False, help_text="The last day; leave out for a single day.")

    class Meta:
        model = Holiday
        fields = ["id", "label", "start_date", "end_date"]
        read_only_fields = ["id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("end_date", attrs.get("start_date"))
        return super().validate(attrs)


class ScheduleStateSerializer(CentrexSerializer):
    kind = serializers.ChoiceField(choices=["range", "holiday", "outside"])
    range = serializers.UUIDField(allow_null=True)
    range_name = serializers.CharField(allow_null=True)
    holiday = serializers.CharField(allow_null=True)


def _periods(data: dict[str, Any]) -> list[tuple[int, int]]:
    return [(period["start_minute"], period["end_minute"]) for period in data["periods"]]


@extend_schema_view(
    list=extend_schema(
        summary="List time ranges", examples=[OpenApiExample("Office hours", value=RANGE_EXAMPLE, response_only=True)]
    ),
    retrieve=extend_schema(summary="Show a time range"),
    create=extend_schema(summary="Add a time range", examples=[OpenApiExample("Office hours", value=RANGE_EXAMPLE)]),
    partial_update=extend_schema(summary="Change a time range"),
    destroy=extend_schema(summary="Delete a time range (not the default office-hours range)"),
)
class TimeRangeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TenantGenericViewSet,
):
    queryset = TimeRange.objects.prefetch_related("periods")
    serializer_class = TimeRangeSerializer
    required_scopes = {"read": Scope.ADMIN_READ, "write": Scope.ADMIN_WRITE}
    ordering_fields = ["position", "name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer: TimeRangeSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.check_create_time_range(
            self.tenant, actor=self.actor, name=data["name"], weekdays=data["weekdays"], periods=_periods(data)
        )

    def perform_update(self, serializer: TimeRangeSerializer) -> None:
        current = serializer.instance
        data = serializer.validated_data
        periods = _periods(data) if "periods" in data else [(p.start_minute, p.end_minute) for p in current.periods.all()]
        serializer.instance = services.check_update_time_range(
            self.tenant,
            actor=self.actor,
            time_range=current,
            name=data.get("name", current.name),
            weekdays=data.get("weekdays", current.weekdays),
            periods=periods,
        )

    def perform_destroy(self, instance: TimeRange) -> None:
        services.check_delete_time_range(self.tenant, actor=self.actor, time_range=instance)

    @extend_schema(summary="The schedule's state now", responses={200: ScheduleStateSerializer})
    @action(detail=False, methods=["get"])
    def current(self, request: Request) -> Response:
        state = selectors.current_state(self.tenant)
        return Response(
            {
                "kind": state.kind,
                "range": state.range.id if state.range else None,
                "range_name": state.range.name if state.range else None,
                "holiday": state.holiday.label if state.holiday else None,
            }
        )


@extend_schema_view(
    list=extend_schema(
        summary="List holidays and vacations", examples=[OpenApiExample("Easter", value=HOLIDAY_EXAMPLE, response_only=True)]
    ),
    retrieve=extend_schema(summary="Show a holiday"),
    create=extend_schema(summary="Add a holiday or a vacation", examples=[OpenApiExample("Easter", value=HOLIDAY_EXAMPLE)]),
    destroy=extend_schema(summary="Remove a holiday"),
)
class HolidayViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, TenantGenericViewSet
):
    queryset = Holiday.objects.all()
    serializer_class = HolidaySerializer
    required_scopes = {"read": Scope.ADMIN_READ, "write": Scope.ADMIN_WRITE}
    ordering_fields = ["start_date"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        holiday = services.check_add_holiday(self.tenant, actor=self.actor, **serializer.validated_data)
        return Response(HolidaySerializer(holiday).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Holiday) -> None:
        services.do_delete_holiday(self.tenant, actor=self.actor, holiday=instance)


# --- number routing ([VTX] §2.3) and caller-ID rules ([VTX] §2.10) -------------------------------
class RouteTargetSerializer(CentrexSerializer):
    kind = serializers.ChoiceField(choices=TargetKind.choices)
    extension = serializers.UUIDField(required=False, allow_null=True)
    group = serializers.UUIDField(required=False, allow_null=True)
    announcement = serializers.UUIDField(required=False, allow_null=True, help_text="Empty: the built-in announcement.")


def _target_out(route: NumberRoute) -> dict[str, Any]:
    return {
        "kind": route.target_kind,
        "extension": str(route.target_extension_id) if route.target_extension_id else None,
        "group": str(route.target_group_id) if route.target_group_id else None,
        "announcement": str(route.target_announcement_id) if route.target_announcement_id else None,
    }


class NumberRoutingSerializer(CentrexSerializer):
    """How one of the tenant's numbers is routed. ``ranges`` maps time-range ids to targets."""

    id = serializers.UUIDField(read_only=True)
    number = serializers.CharField(read_only=True)
    destination = serializers.ChoiceField(choices=[services.NUMBER_GROUP, services.NUMBER_ANNOUNCEMENT, services.NUMBER_SCHEDULE])
    always = RouteTargetSerializer(required=False, allow_null=True)
    ranges = serializers.DictField(child=RouteTargetSerializer(), required=False)
    holiday = RouteTargetSerializer(required=False, allow_null=True)
    outside = RouteTargetSerializer(required=False, allow_null=True)

    def to_representation(self, instance: PhoneNumber) -> dict[str, Any]:
        routes = selectors.number_routes(instance.tenant, instance)
        by_slot = {route.slot: route for route in routes if route.slot != Slot.RANGE}
        return {
            "id": str(instance.pk),
            "number": str(instance.number),
            "destination": instance.destination_kind,
            "always": _target_out(by_slot[Slot.ALWAYS]) if Slot.ALWAYS in by_slot else None,
            "ranges": {str(r.time_range_id): _target_out(r) for r in routes if r.slot == Slot.RANGE},
            "holiday": _target_out(by_slot[Slot.HOLIDAY]) if Slot.HOLIDAY in by_slot else None,
            "outside": _target_out(by_slot[Slot.OUTSIDE]) if Slot.OUTSIDE in by_slot else None,
        }


def _route_target(data: dict[str, Any] | None) -> services.RouteTarget | None:
    return services.RouteTarget(**data) if data else None


@extend_schema_view(
    list=extend_schema(summary="List the company's numbers with their routing"),
    retrieve=extend_schema(summary="Show how a number is routed"),
    update=extend_schema(summary="Route a number to a group, an announcement, or by time range"),
)
class NumberRoutingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = PhoneNumber.objects.select_related("tenant")
    serializer_class = NumberRoutingSerializer
    required_scopes = {"read": Scope.ADMIN_READ, "write": Scope.ADMIN_WRITE}
    ordering_fields = ["number"]
    http_method_names = ["get", "put", "head", "options"]

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        number = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        number = services.check_route_number(
            self.tenant,
            actor=self.actor,
            phone_number=number,
            destination=data["destination"],
            always=_route_target(data.get("always")),
            ranges={key: services.RouteTarget(**value) for key, value in data.get("ranges", {}).items()},
            holiday=_route_target(data.get("holiday")),
            outside=_route_target(data.get("outside")),
        )
        return Response(NumberRoutingSerializer(number).data)


class CallerIdRuleSerializer(CentrexModelSerializer):
    presented_number = serializers.UUIDField(source="presented_number_id")
    numbers = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)

    class Meta:
        model = CallerIdRule
        fields = ["id", "presented_number", "numbers"]

    def to_representation(self, instance: CallerIdRule) -> dict[str, Any]:
        return {
            "id": str(instance.pk),
            "presented_number": str(instance.presented_number_id),
            "numbers": [str(pk) for pk in instance.numbers.values_list("pk", flat=True)],
        }


@extend_schema_view(
    list=extend_schema(summary="List caller-ID rules"),
    retrieve=extend_schema(summary="Show a caller-ID rule"),
    create=extend_schema(summary="Present a main number for a set of the company's numbers"),
    update=extend_schema(summary="Change a caller-ID rule"),
    destroy=extend_schema(summary="Delete a caller-ID rule"),
)
class CallerIdRuleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, TenantGenericViewSet
):
    queryset = CallerIdRule.objects.select_related("presented_number")
    serializer_class = CallerIdRuleSerializer
    required_scopes = {"read": Scope.ADMIN_READ, "write": Scope.ADMIN_WRITE}
    ordering_fields = ["created_at"]
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def _save(self, request: Request, rule: CallerIdRule | None) -> CallerIdRule:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return services.check_save_caller_id_rule(
            self.tenant, actor=self.actor, presented_number=data["presented_number_id"], numbers=data["numbers"], rule=rule
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(CallerIdRuleSerializer(self._save(request, None)).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(CallerIdRuleSerializer(self._save(request, self.get_object())).data)

    def perform_destroy(self, instance: CallerIdRule) -> None:
        services.do_delete_caller_id_rule(self.tenant, actor=self.actor, rule=instance)


def register(router: Any) -> None:
    router.register("time-ranges", TimeRangeViewSet, basename="time-range")
    router.register("holidays", HolidayViewSet, basename="holiday")
    router.register("number-routing", NumberRoutingViewSet, basename="number-routing")
    router.register("caller-id-rules", CallerIdRuleViewSet, basename="caller-id-rule")
    router.register("forwarding-profiles", ForwardingProfileViewSet, basename="forwarding-profile")
    router.register("forwarding-rules", ForwardingRuleViewSet, basename="forwarding-rule")
    router.register("forwarding-selective-rules", SelectiveRuleViewSet, basename="forwarding-selective-rule")
    router.register("personal-settings", PersonalSettingsViewSet, basename="personal-settings")


# --- forwarding profiles, rules and DND ([DFN] §1.9, §1.10) ------------------------------------
PROFILE_EXAMPLE = {
    "id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d",
    "extension": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
    "extension_number": "1001",
    "slot": 2,
    "name": "Urlaub",
    "colour": "#1e88e5",
    "is_default": False,
    "is_active": True,
    "rules": [
        {"condition": "always", "target": "number", "number": "+49892343123", "no_answer_seconds": None},
    ],
}
RULE_EXAMPLE = {
    "id": 42,
    "profile": PROFILE_EXAMPLE["id"],
    "condition": "no_answer",
    "target": "voicemail",
    "number": "",
    "no_answer_seconds": 15,
}
SETTINGS_EXAMPLE = {"extension": PROFILE_EXAMPLE["extension"], "extension_number": "1001", "dnd": True}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class _PersonalScope:
    """Admins (``directory:write``) reach every extension's forwarding; everybody else only their own.

    Another user's extension is simply not there (404), as another tenant's is.
    """

    caller: Any
    actor: Any
    tenant: Any
    request: Any

    @property
    def manages_all(self) -> bool:
        return Scope.DIRECTORY_WRITE in self.caller.scopes

    def visible_extensions(self) -> Any:
        extensions = Extension.objects.for_tenant(self.tenant)
        return extensions if self.manages_all else extensions.filter(user=self.actor)

    def visible_profile(self, profile_id: Any) -> ForwardingProfile:
        """The caller's profile ``profile_id``, or a 400 on ``profile`` (another's is not there)."""
        profile = (
            ForwardingProfile.objects.for_tenant(self.tenant)
            .filter(pk=profile_id, extension__in=self.visible_extensions())
            .first()
        )
        if profile is None:
            raise serializers.ValidationError({"profile": [_("Choose a forwarding profile of this company.")]})
        return profile

    def rules_of_visible_profiles(self, queryset: QuerySet, order: str) -> QuerySet:
        """Rules of the profiles the caller sees, in ``order`` after extension and slot; ``?profile=`` narrows them."""
        queryset = queryset.filter(profile__extension__in=self.visible_extensions()).order_by(
            "profile__extension__number", "profile__slot", order
        )
        profile = self.request.query_params.get("profile")
        if profile:
            queryset = queryset.filter(profile_id=profile) if _is_uuid(profile) else queryset.none()
        return queryset


class RuleSummarySerializer(CentrexSerializer):
    condition = serializers.ChoiceField(choices=ForwardCondition.choices)
    target = serializers.ChoiceField(choices=ForwardTarget.choices)
    number = serializers.CharField(allow_blank=True)
    no_answer_seconds = serializers.IntegerField(allow_null=True)


class ForwardingProfileSerializer(CentrexSerializer):
    id = serializers.UUIDField(read_only=True)
    extension = serializers.UUIDField(source="extension_id", help_text="The extension the profile belongs to (on create).")
    extension_number = serializers.CharField(source="extension.number", read_only=True)
    slot = serializers.IntegerField(help_text="Profile number 0-9, dialled after *10 to activate it; 0 is the default profile.")
    name = serializers.CharField(max_length=50)
    colour = serializers.CharField(max_length=7, required=False, allow_blank=True, default="", help_text="#rrggbb")
    is_default = serializers.BooleanField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    rules = RuleSummarySerializer(many=True, read_only=True)


class ProfileChangeSerializer(CentrexSerializer):
    name = serializers.CharField(max_length=50, required=False)
    colour = serializers.CharField(max_length=7, required=False, allow_blank=True)


class DuplicateProfileSerializer(CentrexSerializer):
    slot = serializers.IntegerField(help_text="A free profile number 0-9.")
    name = serializers.CharField(max_length=50)


class ForwardingRuleSerializer(CentrexSerializer):
    id = serializers.IntegerField(read_only=True)
    profile = serializers.UUIDField(source="profile_id")
    condition = serializers.ChoiceField(choices=ForwardCondition.choices)
    target = serializers.ChoiceField(choices=ForwardTarget.choices)
    number = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="Target 'number': an extension, or an outside number (+49..., 0049..., 089...); stored in E.164.",
    )
    no_answer_seconds = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Condition 'no_answer': 5, 10, 15 or 20 (default 20)."
    )


class PersonalSettingsSerializer(CentrexSerializer):
    extension = serializers.UUIDField(source="pk", read_only=True)
    extension_number = serializers.CharField(source="number", read_only=True)
    dnd = serializers.BooleanField(source="dnd_on", help_text="Global do-not-disturb: no device rings, forwarding applies.")


@extend_schema_view(
    list=extend_schema(
        summary="List forwarding profiles",
        parameters=[OpenApiParameter("extension", OpenApiTypes.UUID, description="Only this extension's profiles.")],
        examples=[OpenApiExample("Profile", value=PROFILE_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Show a forwarding profile", examples=[OpenApiExample("Profile", value=PROFILE_EXAMPLE, response_only=True)]
    ),
    create=extend_schema(
        summary="Add a forwarding profile (at most 10 per extension)",
        examples=[
            OpenApiExample(
                "Holiday profile",
                value={"extension": PROFILE_EXAMPLE["extension"], "slot": 2, "name": "Urlaub", "colour": "#1e88e5"},
                request_only=True,
            ),
            OpenApiExample("Created", value={**PROFILE_EXAMPLE, "is_active": False, "rules": []}, response_only=True),
        ],
    ),
    partial_update=extend_schema(
        summary="Rename a forwarding profile or change its colour",
        request=ProfileChangeSerializer,
        examples=[
            OpenApiExample("Rename", value={"name": "Holiday"}, request_only=True),
            OpenApiExample("Profile", value=PROFILE_EXAMPLE, response_only=True),
        ],
    ),
    destroy=extend_schema(
        summary="Delete a forwarding profile (not the default one)",
        examples=[OpenApiExample("Refused", value={"profile": ["The default profile cannot be deleted."]}, status_codes=["400"])],
        responses={204: None, 400: DetailSerializer},
    ),
)
@extend_schema(tags=["Forwarding"])
class ForwardingProfileViewSet(
    _PersonalScope,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    TenantGenericViewSet,
):
    """An extension's forwarding profiles; users change their own with ``personal:write``."""

    queryset = ForwardingProfile.objects.select_related("extension").prefetch_related("rules")
    serializer_class = ForwardingProfileSerializer
    required_scopes = {"read": Scope.DIRECTORY_READ, "write": Scope.PERSONAL_WRITE}
    ordering_fields = ["slot"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = queryset.filter(extension__in=self.visible_extensions()).order_by("extension__number", "slot")
        extension = self.request.query_params.get("extension")
        if extension:
            queryset = queryset.filter(extension_id=extension) if _is_uuid(extension) else queryset.none()
        return queryset

    def _profile(self, profile: ForwardingProfile) -> ForwardingProfile:
        return selectors.get_profile(self.tenant, profile.pk)

    def perform_create(self, serializer: ForwardingProfileSerializer) -> None:
        data = serializer.validated_data
        extension = self.visible_extensions().filter(pk=data["extension_id"]).first()
        if extension is None:
            raise serializers.ValidationError({"extension": [_("Choose an extension of this company.")]})
        profile = services.check_create_profile(
            self.tenant, actor=self.actor, extension=extension, slot=data["slot"], name=data["name"], colour=data["colour"]
        )
        serializer.instance = self._profile(profile)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        profile = self.get_object()
        change = ProfileChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        data = change.validated_data
        services.check_update_profile(
            self.tenant, actor=self.actor, profile=profile, name=data.get("name"), colour=data.get("colour")
        )
        return Response(ForwardingProfileSerializer(self._profile(profile)).data)

    def perform_destroy(self, instance: ForwardingProfile) -> None:
        services.check_delete_profile(self.tenant, actor=self.actor, profile=instance)

    @extend_schema(
        summary="Activate a forwarding profile (the others become inactive)",
        request=None,
        responses={200: ForwardingProfileSerializer},
        examples=[OpenApiExample("Active", value=PROFILE_EXAMPLE, response_only=True)],
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        profile = self.get_object()
        services.check_activate_profile(self.tenant, actor=self.actor, extension=profile.extension, slot=profile.slot)
        return Response(ForwardingProfileSerializer(self._profile(profile)).data)

    @extend_schema(
        summary="Duplicate a forwarding profile with its rules",
        request=DuplicateProfileSerializer,
        responses={201: ForwardingProfileSerializer},
        examples=[
            OpenApiExample("Copy", value={"slot": 3, "name": "Urlaub 2"}, request_only=True),
            OpenApiExample("Created", value={**PROFILE_EXAMPLE, "slot": 3, "is_active": False}, response_only=True),
        ],
    )
    @action(detail=True, methods=["post"])
    def duplicate(self, request: Request, pk: str | None = None) -> Response:
        profile = self.get_object()
        body = DuplicateProfileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        copy = services.check_duplicate_profile(
            self.tenant, actor=self.actor, profile=profile, slot=body.validated_data["slot"], name=body.validated_data["name"]
        )
        return Response(ForwardingProfileSerializer(self._profile(copy)).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="List forwarding rules",
        parameters=[OpenApiParameter("profile", OpenApiTypes.UUID, description="Only this profile's rules.")],
        examples=[OpenApiExample("Rule", value=RULE_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Show a forwarding rule", examples=[OpenApiExample("Rule", value=RULE_EXAMPLE, response_only=True)]
    ),
    create=extend_schema(
        summary="Set a profile's rule for a condition (replaces the one there)",
        examples=[
            OpenApiExample(
                "Always to a number",
                value={"profile": PROFILE_EXAMPLE["id"], "condition": "always", "target": "number", "number": "0049892343123"},
                request_only=True,
            ),
            OpenApiExample("Rule", value=RULE_EXAMPLE, response_only=True),
        ],
    ),
    destroy=extend_schema(
        summary="Clear a forwarding rule",
        examples=[OpenApiExample("Not found", value={"detail": "Not found."}, status_codes=["404"])],
        responses={204: None, 404: DetailSerializer},
    ),
)
@extend_schema(tags=["Forwarding"])
class ForwardingRuleViewSet(
    _PersonalScope,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    TenantGenericViewSet,
):
    """The rules of forwarding profiles: one per condition (always, busy, no answer, not registered)."""

    queryset = ForwardingRule.objects.select_related("profile__extension")
    serializer_class = ForwardingRuleSerializer
    required_scopes = {"read": Scope.DIRECTORY_READ, "write": Scope.PERSONAL_WRITE}
    ordering_fields = ["condition"]

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return self.rules_of_visible_profiles(queryset, "condition")

    def perform_create(self, serializer: ForwardingRuleSerializer) -> None:
        data = serializer.validated_data
        profile = self.visible_profile(data["profile_id"])
        serializer.instance = services.check_set_rule(
            self.tenant,
            actor=self.actor,
            profile=profile,
            condition=data["condition"],
            target=data["target"],
            number=data.get("number", ""),
            no_answer_seconds=data.get("no_answer_seconds"),
        )

    def perform_destroy(self, instance: ForwardingRule) -> None:
        services.check_clear_rule(self.tenant, actor=self.actor, profile=instance.profile, condition=instance.condition)


@extend_schema_view(
    list=extend_schema(
        summary="List personal call settings (DND) of your extensions",
        examples=[OpenApiExample("Settings", value=SETTINGS_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Show an extension's personal call settings",
        examples=[OpenApiExample("Settings", value=SETTINGS_EXAMPLE, response_only=True)],
    ),
    partial_update=extend_schema(
        summary="Turn global do-not-disturb on or off",
        examples=[
            OpenApiExample("DND on", value={"dnd": True}, request_only=True),
            OpenApiExample("Settings", value=SETTINGS_EXAMPLE, response_only=True),
        ],
    ),
)
@extend_schema(tags=["Forwarding"])
class PersonalSettingsViewSet(
    _PersonalScope, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, TenantGenericViewSet
):
    """An extension's personal call settings, by extension id: for now global do-not-disturb."""

    queryset = Extension.objects.all()  # narrowed and annotated in get_queryset
    serializer_class = PersonalSettingsSerializer
    required_scopes = {"read": Scope.DIRECTORY_READ, "write": Scope.PERSONAL_WRITE}
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        from django.db.models import Exists, OuterRef

        from telephony.forwarding.models import PersonalSettings

        if getattr(self, "swagger_fake_view", False):
            return Extension.objects.none()
        dnd = PersonalSettings.objects.filter(extension=OuterRef("pk"), dnd=True)
        return self.visible_extensions().annotate(dnd_on=Exists(dnd)).order_by("number")

    def perform_update(self, serializer: PersonalSettingsSerializer) -> None:
        extension = serializer.instance
        assert extension is not None, "an update has its object"
        if "dnd_on" in serializer.validated_data:
            services.check_set_dnd(self.tenant, actor=self.actor, extension=extension, on=serializer.validated_data["dnd_on"])
        serializer.instance = self.get_queryset().get(pk=extension.pk)


# --- selective (source-based) rules ([DFN] §1.9) ---------------------------------------------------
SELECTIVE_EXAMPLE = {
    "id": 7,
    "profile": PROFILE_EXAMPLE["id"],
    "match": "prefix",
    "extension": None,
    "extension_number": None,
    "contact": None,
    "contact_name": None,
    "prefix": "+4989",
    "allow": False,
    "condition": "always",
    "target": "number",
    "number": "1002",
    "no_answer_seconds": None,
}


class SelectiveRuleSerializer(CentrexSerializer):
    id = serializers.IntegerField(read_only=True)
    profile = serializers.UUIDField(help_text="A profile other than the default one.")
    match = serializers.ChoiceField(
        choices=SelectiveMatch.choices,
        help_text="Which callers: anonymous, all internal calls, an extension, a contact (any of its numbers) or a prefix.",
    )
    extension = serializers.UUIDField(required=False, allow_null=True, default=None, help_text="match 'extension': the caller.")
    extension_number = serializers.CharField(read_only=True, allow_null=True)
    contact = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="match 'contact': a contact of the company directory or of the extension's user.",
    )
    contact_name = serializers.CharField(read_only=True, allow_null=True)
    prefix = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="match 'prefix': +49, +4989, 0049 89 or 089 ..., up to a whole number; stored in E.164.",
    )
    allow = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The caller always gets through: the extension rings, the profile's rules are skipped.",
    )
    condition = serializers.ChoiceField(
        choices=ForwardCondition.choices, required=False, allow_blank=True, default="", help_text="Empty for 'allow'."
    )
    target = serializers.ChoiceField(
        choices=ForwardTarget.choices, required=False, allow_blank=True, default="", help_text="Empty for 'allow'."
    )
    number = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="Target 'number': an extension, or an outside number; stored in E.164.",
    )
    no_answer_seconds = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Condition 'no_answer': 5, 10, 15 or 20 (default 20)."
    )

    def _contact_name(self, instance: SelectiveRule) -> str | None:
        """A private contact's name for its owner only (an admin sees that it is a contact, not whose)."""
        contact = instance.match_contact
        if contact is None:
            return None
        request = self.context.get("request")
        if contact.owner_id is not None and getattr(getattr(request, "user", None), "pk", None) != contact.owner_id:
            return None
        return contact.name

    def to_representation(self, instance: SelectiveRule) -> dict[str, Any]:
        return {
            "id": instance.pk,
            "profile": str(instance.profile_id),
            "match": instance.match,
            "extension": str(instance.match_extension_id) if instance.match_extension_id else None,
            "extension_number": instance.match_extension.number if instance.match_extension else None,
            "contact": str(instance.match_contact_id) if instance.match_contact_id else None,
            "contact_name": self._contact_name(instance),
            "prefix": instance.match_prefix,
            "allow": instance.allow,
            "condition": instance.condition,
            "target": instance.target,
            "number": instance.number,
            "no_answer_seconds": instance.no_answer_seconds,
        }


@extend_schema_view(
    list=extend_schema(
        summary="List selective forwarding rules",
        parameters=[OpenApiParameter("profile", OpenApiTypes.UUID, description="Only this profile's rules.")],
        examples=[OpenApiExample("Rule", value=SELECTIVE_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Show a selective forwarding rule", examples=[OpenApiExample("Rule", value=SELECTIVE_EXAMPLE, response_only=True)]
    ),
    create=extend_schema(
        summary="Set a rule for some callers (replaces the one for the same callers and condition)",
        examples=[
            OpenApiExample(
                "Munich to a colleague",
                value={
                    "profile": PROFILE_EXAMPLE["id"],
                    "match": "prefix",
                    "prefix": "+4989",
                    "condition": "always",
                    "target": "number",
                    "number": "1002",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Always let one number through",
                value={"profile": PROFILE_EXAMPLE["id"], "match": "prefix", "prefix": "+4989999998101", "allow": True},
                request_only=True,
            ),
            OpenApiExample(
                "Refused on the default profile",
                value={
                    "errors": {"profile": ["The default profile cannot have selective rules; create another profile for them."]}
                },
                status_codes=["400"],
                response_only=True,
            ),
            OpenApiExample("Rule", value=SELECTIVE_EXAMPLE, response_only=True),
        ],
    ),
    destroy=extend_schema(summary="Remove a selective forwarding rule"),
)
@extend_schema(tags=["Forwarding"])
class SelectiveRuleViewSet(
    _PersonalScope,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    TenantGenericViewSet,
):
    """Rules of a non-default profile for some callers: forward them otherwise, or always let them through."""

    queryset = SelectiveRule.objects.select_related("profile__extension", "match_extension", "match_contact")
    serializer_class = SelectiveRuleSerializer
    required_scopes = {"read": Scope.DIRECTORY_READ, "write": Scope.PERSONAL_WRITE}
    ordering_fields = ["id"]

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return self.rules_of_visible_profiles(queryset, "id")

    def perform_create(self, serializer: SelectiveRuleSerializer) -> None:
        data = serializer.validated_data
        profile = self.visible_profile(data["profile"])
        rule = services.check_set_selective_rule(
            self.tenant,
            actor=self.actor,
            profile=profile,
            selection=services.CallerSelection(
                match=data["match"], extension=data.get("extension"), contact=data.get("contact"), prefix=data.get("prefix", "")
            ),
            allow=data.get("allow", False),
            condition=data.get("condition", ""),
            target=data.get("target", ""),
            number=data.get("number", ""),
            no_answer_seconds=data.get("no_answer_seconds"),
        )
        serializer.instance = self.get_queryset().get(pk=rule.pk)

    def perform_destroy(self, instance: SelectiveRule) -> None:
        services.check_delete_selective_rule(self.tenant, actor=self.actor, rule=instance)

"""REST resource of hunt groups: members in ring order, strategy, no-answer rule, summary."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers

from centrex.api.scopes import Scope
from centrex.api.serializers import CentrexModelSerializer
from centrex.api.viewsets import TenantViewSet
from telephony.groups import services, summaries
from telephony.groups.choices import NoAnswerAction, Strategy
from telephony.groups.models import HuntGroup

EXAMPLE = {
    "id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d",
    "name": "Sales",
    "short_number": "273",
    "strategy": "cyclic",
    "ring_count": 3,
    "cycles": 3,
    "members": ["1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b", "2e3d4c5b-6a79-4887-9b8a-7d6c5e4f3a2b"],
    "ring_tone": None,
    "no_answer_action": "hangup",
    "no_answer_group": None,
    "no_answer_number": "",
    "no_answer_announcement": None,
    "no_answer_mailbox": None,
    "summary": "The members' phones ring 3 times in turn for 3 cycles before the no-answer rules apply. ...",
}


class HuntGroupSerializer(CentrexModelSerializer):
    clean_model = False  # the service validates everything against the tenant
    members = serializers.ListField(child=serializers.UUIDField(), help_text="Extension ids in ring order.")
    strategy = serializers.ChoiceField(choices=Strategy.choices)
    no_answer_action = serializers.ChoiceField(choices=NoAnswerAction.choices, default=NoAnswerAction.HANGUP)
    ring_tone = serializers.UUIDField(allow_null=True, required=False, help_text="A ring-tone media file; null for the default.")
    no_answer_group = serializers.UUIDField(allow_null=True, required=False)
    no_answer_announcement = serializers.UUIDField(allow_null=True, required=False)
    no_answer_mailbox = serializers.UUIDField(
        allow_null=True,
        required=False,
        help_text="With no_answer_action voicemail: a company mailbox (company-mailboxes) that is not off.",
    )
    summary = serializers.SerializerMethodField()

    class Meta:
        model = HuntGroup
        fields = [
            "id",
            "name",
            "short_number",
            "strategy",
            "ring_count",
            "cycles",
            "members",
            "ring_tone",
            "no_answer_action",
            "no_answer_group",
            "no_answer_number",
            "no_answer_announcement",
            "no_answer_mailbox",
            "summary",
        ]
        read_only_fields = ["id", "summary"]

    def to_representation(self, instance: HuntGroup) -> dict[str, Any]:
        return {
            "id": str(instance.pk),
            "name": instance.name,
            "short_number": instance.short_number,
            "strategy": instance.strategy,
            "ring_count": instance.ring_count,
            "cycles": instance.cycles,
            "members": [str(member.extension_id) for member in instance.members.all()],
            "ring_tone": str(instance.ring_tone_id) if instance.ring_tone_id else None,
            "no_answer_action": instance.no_answer_action,
            "no_answer_group": str(instance.no_answer_group_id) if instance.no_answer_group_id else None,
            "no_answer_number": instance.no_answer_number,
            "no_answer_announcement": str(instance.no_answer_announcement_id) if instance.no_answer_announcement_id else None,
            "no_answer_mailbox": str(instance.no_answer_mailbox_id) if instance.no_answer_mailbox_id else None,
            "summary": self.get_summary(instance),
        }

    def get_summary(self, instance: HuntGroup) -> str:
        return summaries.group_summary(instance, instance.members.count())


def _input(data: dict[str, Any], current: HuntGroup | None = None) -> services.GroupInput:
    if current is not None:
        base = {
            "name": current.name,
            "short_number": current.short_number,
            "strategy": current.strategy,
            "ring_count": current.ring_count,
            "cycles": current.cycles,
            "members": [member.extension_id for member in current.members.all()],
            "ring_tone": current.ring_tone_id,
            "no_answer_action": current.no_answer_action,
            "no_answer_group": current.no_answer_group_id,
            "no_answer_number": current.no_answer_number,
            "no_answer_announcement": current.no_answer_announcement_id,
            "no_answer_mailbox": current.no_answer_mailbox_id,
        }
        base.update(data)
        data = base
    return services.GroupInput(**data)


@extend_schema_view(
    list=extend_schema(summary="List hunt groups", examples=[OpenApiExample("Group", value=EXAMPLE, response_only=True)]),
    retrieve=extend_schema(summary="Show a hunt group"),
    create=extend_schema(
        summary="Create a hunt group",
        examples=[
            OpenApiExample(
                "Cyclic group", value={k: v for k, v in EXAMPLE.items() if k not in {"id", "summary"}}, request_only=True
            )
        ],
    ),
    partial_update=extend_schema(summary="Change a hunt group"),
    destroy=extend_schema(summary="Delete a hunt group"),
)
class HuntGroupViewSet(TenantViewSet):
    queryset = HuntGroup.objects.prefetch_related("members")
    serializer_class = HuntGroupSerializer
    required_scopes = {"read": Scope.DIRECTORY_READ, "write": Scope.ADMIN_WRITE}
    filterset_fields = ["strategy", "short_number"]
    ordering_fields = ["short_number", "name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer: HuntGroupSerializer) -> None:
        serializer.instance = services.check_create_group(self.tenant, actor=self.actor, data=_input(serializer.validated_data))

    def perform_update(self, serializer: HuntGroupSerializer) -> None:
        group = serializer.instance
        serializer.instance = services.check_update_group(
            self.tenant, actor=self.actor, group=group, data=_input(serializer.validated_data, group)
        )

    def perform_destroy(self, instance: HuntGroup) -> None:
        services.check_delete_group(self.tenant, actor=self.actor, group=instance)


def register(router: Any) -> None:
    router.register("groups", HuntGroupViewSet, basename="group")

"""REST resource ``company-mailboxes``: the company voicemail of each phone number ([VTX] §2.8).

Scopes as for the company's other routing: ``admin:read`` / ``admin:write``. The 4-digit access
password is write-only: it is set (or generated on creation) but never returned. Greetings are
uploaded in the portal.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers

from centrex.api.schema import validation_error_example
from centrex.api.scopes import Scope
from centrex.api.serializers import CentrexModelSerializer
from centrex.api.viewsets import TenantViewSet
from telephony.voicemail import services
from telephony.voicemail.choices import MailboxLanguage, MailboxState
from telephony.voicemail.models import CompanyMailbox

EXAMPLE = {
    "id": "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98",
    "phone_number": "7d6c5b4a-3928-4170-8e6d-5c4b3a291807",
    "number": "+41215667707",
    "state": "on",
    "language": "fr",
    "email": "reception@example.com",
    "has_greeting": False,
    "greeting_name": "",
}


class CompanyMailboxSerializer(CentrexModelSerializer):
    clean_model = False  # the service validates everything against the tenant
    phone_number = serializers.UUIDField(help_text="One of the company's phone numbers; only on creation.")
    state = serializers.ChoiceField(choices=MailboxState.choices, required=False)
    password = serializers.CharField(
        write_only=True, required=False, help_text="4 digits. Never returned; generated at random when omitted on creation."
    )
    password_confirmation = serializers.CharField(write_only=True, required=False, help_text="When given, must equal password.")
    language = serializers.ChoiceField(choices=MailboxLanguage.choices, required=False)
    email = serializers.CharField(required=False, allow_blank=True, help_text="Voice messages are also e-mailed here.")
    number = serializers.CharField(read_only=True, help_text="The number in E.164.")
    has_greeting = serializers.BooleanField(read_only=True, help_text="An uploaded greeting is played (else the default).")
    greeting_name = serializers.CharField(read_only=True)

    class Meta:
        model = CompanyMailbox
        fields = [
            "id",
            "phone_number",
            "number",
            "state",
            "password",
            "password_confirmation",
            "language",
            "email",
            "has_greeting",
            "greeting_name",
        ]
        read_only_fields = ["id", "number", "has_greeting", "greeting_name"]

    def to_representation(self, instance: CompanyMailbox) -> dict[str, Any]:
        return {
            "id": str(instance.pk),
            "phone_number": str(instance.phone_number_id),
            "number": str(instance.phone_number.number),
            "state": instance.state,
            "language": instance.language,
            "email": instance.email,
            "has_greeting": instance.has_greeting,
            "greeting_name": instance.greeting_name,
        }


@extend_schema_view(
    list=extend_schema(
        summary="List the company mailboxes", examples=[OpenApiExample("Mailbox", value=EXAMPLE, response_only=True)]
    ),
    retrieve=extend_schema(summary="Show a company mailbox"),
    create=extend_schema(
        summary="Create the mailbox of a phone number",
        examples=[
            OpenApiExample(
                "Voicemail on",
                value={"phone_number": EXAMPLE["phone_number"], "state": "on", "password": "1244", "language": "fr"},
                request_only=True,
            ),
            validation_error_example("password", "The password has exactly 4 digits."),
        ],
    ),
    partial_update=extend_schema(
        summary="Change a company mailbox",
        examples=[
            OpenApiExample("Greeting only", value={"state": "greeting_only"}, request_only=True),
            OpenApiExample("New password", value={"password": "4711", "password_confirmation": "4711"}, request_only=True),
            validation_error_example("password_confirmation", "The two passwords do not match."),
        ],
    ),
)
@extend_schema(tags=["Company voicemail"])
class CompanyMailboxViewSet(TenantViewSet):
    queryset = CompanyMailbox.objects.select_related("phone_number")
    serializer_class = CompanyMailboxSerializer
    required_scopes = {"read": Scope.ADMIN_READ, "write": Scope.ADMIN_WRITE}
    filterset_fields = ["state"]
    ordering_fields = ["phone_number__number"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        # A number the operator took back keeps no mailbox for the company.
        return queryset.filter(phone_number__tenant=self.tenant)

    def perform_create(self, serializer: CompanyMailboxSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.check_create_mailbox(
            self.tenant,
            actor=self.actor,
            phone_number_id=data["phone_number"],
            state=data.get("state", MailboxState.OFF),
            password=data.get("password"),
            password_confirmation=data.get("password_confirmation"),
            language=data.get("language"),
            email=data.get("email", ""),
        )

    def perform_update(self, serializer: CompanyMailboxSerializer) -> None:
        data = serializer.validated_data
        mailbox = serializer.instance
        if "phone_number" in data and str(data["phone_number"]) != str(mailbox.phone_number_id):
            raise ValidationError({"phone_number": [_("A mailbox stays with its number.")]})
        serializer.instance = services.check_update_mailbox(
            self.tenant,
            actor=self.actor,
            mailbox=mailbox,
            state=data.get("state"),
            password=data.get("password"),
            password_confirmation=data.get("password_confirmation"),
            language=data.get("language"),
            email=data.get("email"),
        )


def register(router: Any) -> None:
    router.register("company-mailboxes", CompanyMailboxViewSet, basename="company-mailbox")

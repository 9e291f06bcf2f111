"""REST resource of contacts: the caller sees the company directory and their own private contacts."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from centrex.api.scopes import Scope
from centrex.api.serializers import CentrexSerializer
from centrex.api.viewsets import TenantViewSet
from telephony.contacts import selectors, services
from telephony.contacts.choices import NumberKind
from telephony.contacts.models import Contact

EXAMPLE = {
    "id": "7c6b5a49-3828-4716-a5b4-c3d2e1f0a9b8",
    "is_global": True,
    "name": "Hotel Adler",
    "company": "Adler GmbH",
    "email": "info@adler.example",
    "short_number": "3435",
    "numbers": [{"kind": "work", "number": "+498912345678"}],
}


class NumberSerializer(CentrexSerializer):
    kind = serializers.ChoiceField(choices=NumberKind.choices, default=NumberKind.WORK)
    number = serializers.CharField(max_length=30, help_text="International (+49...) or national form.")


class ContactSerializer(CentrexSerializer):
    id = serializers.UUIDField(read_only=True)
    is_global = serializers.BooleanField(
        default=False, help_text="True for the company directory (admins only); false for a private contact."
    )
    name = serializers.CharField(max_length=200)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    short_number = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    numbers = NumberSerializer(many=True)

    def to_representation(self, contact: Contact) -> dict[str, Any]:
        return {
            "id": str(contact.pk),
            "is_global": contact.is_global,
            "name": contact.name,
            "company": contact.company,
            "email": contact.email,
            "short_number": contact.short_number,
            "numbers": [{"kind": n.kind, "number": n.number} for n in contact.numbers.all()],
        }


def _input(data: dict[str, Any]) -> services.ContactInput:
    return services.ContactInput(
        name=data["name"],
        company=data.get("company", ""),
        email=data.get("email", ""),
        short_number=data.get("short_number", ""),
        numbers=[(n["kind"], n["number"]) for n in data["numbers"]],
    )


@extend_schema_view(
    list=extend_schema(
        summary="List contacts (company directory and your private ones)",
        examples=[OpenApiExample("Contact", value=EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(summary="Show a contact"),
    create=extend_schema(
        summary="Add a contact",
        examples=[OpenApiExample("Directory entry", value={k: v for k, v in EXAMPLE.items() if k != "id"}, request_only=True)],
    ),
    partial_update=extend_schema(summary="Change a contact"),
    destroy=extend_schema(summary="Delete a contact"),
)
class ContactViewSet(TenantViewSet):
    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    # Private contacts need personal:write; the company directory also needs directory:write.
    required_scopes = {"read": Scope.DIRECTORY_READ, "write": Scope.PERSONAL_WRITE}
    ordering_fields = ["name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return selectors.visible_contacts(self.tenant, self.actor)

    def _check_directory_scope(self, is_global: bool) -> None:
        if is_global and Scope.DIRECTORY_WRITE not in self.caller.scopes:
            raise PermissionDenied(_("Changing the company directory needs the directory:write scope."))

    def perform_create(self, serializer: ContactSerializer) -> None:
        data = serializer.validated_data
        self._check_directory_scope(data.get("is_global", False))
        serializer.instance = services.check_create_contact(
            self.tenant, actor=self.actor, data=_input(data), is_global=data.get("is_global", False)
        )

    def perform_update(self, serializer: ContactSerializer) -> None:
        contact = serializer.instance
        self._check_directory_scope(contact.is_global)
        current = ContactSerializer(contact).data
        merged = {**current, **serializer.validated_data}
        if "numbers" not in serializer.validated_data:
            merged["numbers"] = current["numbers"]
        serializer.instance = services.check_update_contact(self.tenant, actor=self.actor, contact=contact, data=_input(merged))

    def perform_destroy(self, instance: Contact) -> None:
        self._check_directory_scope(instance.is_global)
        services.check_delete_contact(self.tenant, actor=self.actor, contact=instance)


def register(router: Any) -> None:
    router.register("contacts", ContactViewSet, basename="contact")

"""Serializers of the tenants app's API resources (read shapes and write inputs)."""

from __future__ import annotations

from rest_framework import serializers

from centrex.api.serializers import CentrexModelSerializer, CentrexSerializer
from tenants.choices import Feature, Language, Role
from tenants.models import AuditEntry, Licence, Membership, Tenant


class TenantSerializer(CentrexModelSerializer):
    class Meta:
        model = Tenant
        fields = [
            "id",
            "name",
            "slug",
            "sip_domain",
            "time_zone",
            "language",
            "country",
            "status",
            "tryout_ends_at",
            "licences_purchased_at",
            "created_at",
        ]
        read_only_fields = fields


class TenantCreateSerializer(CentrexModelSerializer):
    # The service derives the SIP domain from the slug when it is empty, then validates everything.
    clean_model = False
    sip_domain = serializers.CharField(max_length=253, required=False, allow_blank=True, default="")
    tryout = serializers.BooleanField(
        default=True, help_text="Start in the 14-day tryout (true) or as an active, licensed tenant (false)."
    )

    class Meta:
        model = Tenant
        fields = ["name", "slug", "sip_domain", "time_zone", "language", "country", "tryout"]


class TenantUpdateSerializer(CentrexModelSerializer):
    class Meta:
        model = Tenant
        fields = ["name", "sip_domain", "time_zone", "language", "country"]


class LicenceSerializer(CentrexModelSerializer):
    class Meta:
        model = Licence
        fields = ["feature", "quantity", "updated_at"]
        read_only_fields = fields


class LicenceSetSerializer(CentrexSerializer):
    feature = serializers.ChoiceField(choices=Feature.choices)
    quantity = serializers.IntegerField(min_value=0, max_value=1_000_000)


class AddonSerializer(serializers.Serializer):
    feature = serializers.ChoiceField(choices=Feature.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    quantity = serializers.IntegerField()


class LicenceSummarySerializer(serializers.Serializer):
    status = serializers.CharField(help_text="Effective status: active, suspended, tryout or expired.")
    tryout_ends_at = serializers.DateTimeField(allow_null=True)
    user_licences = serializers.IntegerField(help_text="Floating user licences available (bought, or the tryout's).")
    user_licences_bought = serializers.IntegerField()
    active_users = serializers.IntegerField()
    addons = AddonSerializer(many=True)


class UserSerializer(CentrexModelSerializer):
    """A member of the tenant: the membership with its user's details."""

    user_id = serializers.UUIDField(source="user.id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    language = serializers.CharField(source="user.language", read_only=True)
    has_password = serializers.SerializerMethodField(help_text="False until the invitation has been accepted.")

    class Meta:
        model = Membership
        fields = ["id", "user_id", "email", "full_name", "language", "role", "is_active", "has_password", "created_at"]
        read_only_fields = fields

    def get_has_password(self, membership: Membership) -> bool:
        return membership.user.has_usable_password()


class UserInviteSerializer(CentrexSerializer):
    email = serializers.EmailField(max_length=254)
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.USER)
    language = serializers.ChoiceField(choices=Language.choices, required=False, allow_blank=True, default="")


class UserUpdateSerializer(CentrexSerializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class AuditEntrySerializer(CentrexModelSerializer):
    before = serializers.JSONField(read_only=True, allow_null=True)
    after = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "tenant",
            "actor",
            "actor_label",
            "api_key_id",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "created_at",
        ]
        read_only_fields = fields

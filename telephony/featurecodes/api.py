"""REST resource of the tenant's star codes: read by every member, changed by the tenant admin.

There is one code of each kind per tenant, made with the tenant; the API reads them, changes
their digits (PATCH) and puts them all back to the defaults (``reset``). No create or delete.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from centrex.api.scopes import Scope
from centrex.api.serializers import CentrexModelSerializer, CentrexSerializer
from centrex.api.viewsets import TenantGenericViewSet
from telephony.featurecodes import grammar, selectors, services
from telephony.featurecodes.choices import DEFAULT_DIGITS, StarCodeKind
from telephony.featurecodes.models import StarCode

EXAMPLE = {
    "id": "3c2b1a09-8f7e-4d6c-9b5a-4a3b2c1d0e9f",
    "kind": "forward_always",
    "label": "Forward always",
    "digits": "*11",
    "default_digits": "*11",
    "usage": "*1133, *110049892343123, *11*791",
}
CHANGED_EXAMPLE = {
    **EXAMPLE,
    "kind": "dnd_on",
    "label": "Do not disturb on",
    "digits": "*71",
    "default_digits": "*78",
    "usage": "*71",
}


class StarCodeSerializer(CentrexModelSerializer):
    clean_model = False  # the service checks the digits against the tenant's numbering plan
    kind = serializers.ChoiceField(choices=StarCodeKind.choices, read_only=True)
    label = serializers.SerializerMethodField()
    default_digits = serializers.SerializerMethodField()
    usage = serializers.SerializerMethodField(help_text="How the code is dialled, as examples.")

    class Meta:
        model = StarCode
        fields = ["id", "kind", "label", "digits", "default_digits", "usage"]
        read_only_fields = ["id", "kind", "label", "default_digits", "usage"]

    def get_label(self, instance: StarCode) -> str:
        return str(StarCodeKind(instance.kind).label)

    def get_default_digits(self, instance: StarCode) -> str:
        return DEFAULT_DIGITS[instance.kind]

    def get_usage(self, instance: StarCode) -> str:
        return grammar.usage(instance.kind, self._code_table(instance))

    def _code_table(self, instance: StarCode) -> dict[str, str]:
        # Read once per response, not once per row of a list.
        if getattr(self, "_codes", None) is None:
            self._codes = selectors.code_table(instance.tenant_id)
        return self._codes


class StarCodeDigitsSerializer(CentrexSerializer):
    digits = serializers.CharField(max_length=20, help_text="Starts with *, e.g. *78.")


@extend_schema_view(
    list=extend_schema(
        summary="List the star codes",
        examples=[OpenApiExample("Forward always", value=EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Show a star code", examples=[OpenApiExample("Forward always", value=EXAMPLE, response_only=True)]
    ),
    partial_update=extend_schema(
        summary="Change the digits of a star code",
        request=StarCodeDigitsSerializer,
        responses={200: StarCodeSerializer},
        examples=[
            OpenApiExample("Do not disturb on *71", value={"digits": "*71"}, request_only=True),
            OpenApiExample(
                "Changed",
                value=CHANGED_EXAMPLE,
                response_only=True,
            ),
        ],
    ),
)
class StarCodeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantGenericViewSet):
    queryset = StarCode.objects.all()
    serializer_class = StarCodeSerializer
    required_scopes = {"read": Scope.DIRECTORY_READ, "write": Scope.ADMIN_WRITE}
    filterset_fields = ["kind"]
    ordering_fields = ["kind", "digits"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        code = self.get_object()  # another tenant's code answers 404 before the body is looked at
        data = StarCodeDigitsSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        code = services.check_update_star_code(self.tenant, actor=self.actor, code=code, digits=data.validated_data["digits"])
        return Response(self.get_serializer(code).data)

    @extend_schema(
        summary="Put every star code back to its default",
        request=None,
        responses={200: StarCodeSerializer(many=True)},
        examples=[OpenApiExample("Defaults", value=[EXAMPLE], response_only=True)],
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def reset(self, request: Request) -> Response:
        codes = services.check_reset_star_codes(self.tenant, actor=self.actor)
        return Response(self.get_serializer(codes, many=True).data)


def register(router: Any) -> None:
    router.register("star-codes", StarCodeViewSet, basename="star-code")

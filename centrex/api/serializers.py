"""Base serializers: reject unknown fields, run the model's ``full_clean()``, never save.

Writes go through services, so ``create()``/``update()`` refuse to run: a viewset calls the
service in ``perform_create``/``perform_update`` and sets ``serializer.instance`` to its result.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from centrex.api.errors import drf_validation_error


class RejectUnknownFieldsMixin:
    """A field the serializer does not know is an error, not silently dropped."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = set(self.fields)  # type: ignore[attr-defined]
            unknown = sorted(str(name) for name in data if name not in known)
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class CentrexSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Input of actions that are not a model (e.g. ``{"role": "admin"}``)."""

    def create(self, validated_data: Any) -> Any:
        raise AssertionError("Serializers do not write: call a service from the viewset.")

    def update(self, instance: Any, validated_data: Any) -> Any:
        raise AssertionError("Serializers do not write: call a service from the viewset.")


class CentrexModelSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    """Model serializer that validates with the model's own rules (``full_clean``), as forms do.

    ``clean_model = False`` skips the model check where the service derives fields the
    serializer does not have (the service still validates).
    """

    clean_model = True

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.clean_model:
            self._full_clean(attrs)
        return attrs

    def _full_clean(self, attrs: dict[str, Any]) -> None:
        model: Any = self.Meta.model
        concrete = {field.name for field in model._meta.concrete_fields}
        # A copy, so a failed validation leaves the instance the viewset holds untouched.
        candidate = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name in concrete:
                setattr(candidate, name, value)
        tenant = self.context.get("tenant")
        if tenant is not None and "tenant" in concrete and self.instance is None:
            candidate.tenant = tenant
        # Only judge what this serializer sets (plus the tenant, for per-tenant uniqueness);
        # the service fills in the rest.
        checked = set(attrs) | {"tenant"}
        exclude = [name for name in concrete if name not in checked]
        try:
            candidate.full_clean(exclude=exclude)
        except DjangoValidationError as exc:
            raise drf_validation_error(exc) from exc

    def create(self, validated_data: Any) -> Any:
        raise AssertionError("Serializers do not write: call a service from the viewset.")

    def update(self, instance: Any, validated_data: Any) -> Any:
        raise AssertionError("Serializers do not write: call a service from the viewset.")


class DetailSerializer(serializers.Serializer):
    """The ``{"detail": "..."}`` answer of actions that return no object (and of every error but 400)."""

    detail = serializers.CharField()

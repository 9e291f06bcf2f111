"""OpenAPI pieces drf-spectacular cannot infer: the bearer key security scheme, shared examples."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "centrex.api.authentication.ApiKeyAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key, sent as `Authorization: Bearer cxk_<prefix>_<secret>`.",
        }


def validation_error_example(field: str, message: str) -> OpenApiExample:
    return OpenApiExample("Invalid input", value={"errors": {field: [message]}}, response_only=True, status_codes=["400"])

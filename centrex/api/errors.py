"""The one error format of the API.

- ``400`` with field errors: ``{"errors": {"field": ["message", ...], ...}}``
  (errors not tied to a field are under ``non_field_errors``);
- everything else: ``{"detail": "message"}``.

Django ``ValidationError`` and ``Http404`` raised by services are answered the same way, so a
viewset can call a service without translating its exceptions.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def request_too_large() -> RequestTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return RequestTooLarge(gettext("The request body is larger than %(limit)s bytes.") % {"limit": limit})


def drf_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """The DRF form of a Django ``ValidationError``; ``__all__`` becomes ``non_field_errors``."""
    if hasattr(exc, "error_dict"):
        errors: dict[str, list[str]] = {}
        for field, messages in exc.message_dict.items():
            name = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
            errors.setdefault(name, []).extend(messages)
        return exceptions.ValidationError(errors)
    return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = drf_validation_error(exc)
    elif isinstance(exc, RequestDataTooBig):
        exc = request_too_large()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if not isinstance(detail, dict):
            detail = {api_settings.NON_FIELD_ERRORS_KEY: detail}
        response.data = {"errors": detail}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    else:
        response.data = {"detail": " ".join(_flatten(response.data))}
    return response

"""Request body parsing with a size limit.

DRF streams JSON bodies straight from the socket, so Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``
is not applied to them; this parser applies it (``413`` with a clear message).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.parsers import JSONParser

from centrex.api.errors import request_too_large


class LimitedJSONParser(JSONParser):
    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None:
            request = (parser_context or {}).get("request")
            declared = request.META.get("CONTENT_LENGTH") if request is not None else None
            try:
                too_large = declared is not None and int(declared) > limit
            except ValueError:
                too_large = False
            if too_large:
                raise request_too_large()
            # A body without a (truthful) Content-Length is cut off at the limit all the same.
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise request_too_large()
            stream = io.BytesIO(body)
        return super().parse(stream, media_type, parser_context)

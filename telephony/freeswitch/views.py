"""HTTP entry points of the FreeSWITCH-facing endpoints: POST /freeswitch/xml/ and /freeswitch/cdr/.

Two ways in, one core (``xmlcurl.handle_xml_request`` and ``cdr.handle_cdr_request``):

- Django views (``xml_endpoint``, ``cdr_endpoint``), CSRF-exempt, used by the test client, the
  embedded default and any server that does not mount the lean route;
- ``FreeswitchEndpoints``, an ASGI wrapper put in front of the Django application that answers
  these two paths itself, without Django's request/response machinery and middleware stack
  (sessions, authentication, CSRF, messages, locale ...), which cost more than the lookup itself
  (ARCHITECTURE.md rule 4). Every other request goes on to Django unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from telephony.freeswitch import cdr, xmlcurl

logger = logging.getLogger(__name__)

XML_PATH = "/freeswitch/xml/"
CDR_PATH = "/freeswitch/cdr/"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _response(answer: xmlcurl.Answer) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    for name, value in answer.headers:
        response[name] = value
    return response


@csrf_exempt
@require_POST
def xml_endpoint(request: HttpRequest) -> HttpResponse:
    return _response(
        xmlcurl.handle_xml_request(
            remote_addr=request.META.get("REMOTE_ADDR", ""),
            forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR"),
            authorization=request.META.get("HTTP_AUTHORIZATION"),
            body=request.body,
        )
    )


@csrf_exempt
@require_POST
def cdr_endpoint(request: HttpRequest) -> HttpResponse:
    return _response(
        cdr.handle_cdr_request(
            remote_addr=request.META.get("REMOTE_ADDR", ""),
            forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR"),
            authorization=request.META.get("HTTP_AUTHORIZATION"),
            body=request.body,
            query_uuid=request.GET.get("uuid"),
        )
    )


# --- lean ASGI route ------------------------------------------------------------------
def _run_with_connections(func: Callable[..., xmlcurl.Answer], **kwargs: Any) -> xmlcurl.Answer:
    """Run one request's work the way Django's request cycle would: stale connections closed around it."""
    close_old_connections()
    try:
        return func(**kwargs)
    finally:
        close_old_connections()


class FreeswitchEndpoints:
    """ASGI middleware answering POST /freeswitch/xml/ and /freeswitch/cdr/ directly.

    Mount it around the Django ASGI application (``centrex.asgi``):
    ``application = FreeswitchEndpoints(get_asgi_application())``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path") if scope.get("type") == "http" else None
        if path not in (XML_PATH, CDR_PATH) or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        limit = xmlcurl.MAX_BODY_BYTES if path == XML_PATH else cdr.MAX_CDR_BYTES
        body = await self._read_body(receive, limit)
        if body is None:
            await self._send(send, xmlcurl.BAD_REQUEST)
            return
        headers = {name.lower(): value for name, value in scope.get("headers", ())}
        client = scope.get("client") or ("", 0)
        common = {
            "remote_addr": client[0] or "",
            "forwarded_for": headers.get(b"x-forwarded-for", b"").decode("latin-1") or None,
            "authorization": headers.get(b"authorization", b"").decode("latin-1") or None,
            "body": body,
        }
        if path == XML_PATH:
            work: Callable[..., xmlcurl.Answer] = xmlcurl.handle_xml_request
        else:
            work = cdr.handle_cdr_request
            common["query_uuid"] = _query_uuid(scope.get("query_string", b""))
        # Not thread-sensitive: lookups run in parallel worker threads, each with its own connection.
        answer = await sync_to_async(_run_with_connections, thread_sensitive=False)(work, **common)
        await self._send(send, answer)

    @staticmethod
    async def _read_body(receive: Receive, limit: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    async def _send(send: Send, answer: xmlcurl.Answer) -> None:
        body = answer.body.encode()
        headers = [
            (b"content-type", answer.content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            *((name.lower().encode(), value.encode()) for name, value in answer.headers),
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _query_uuid(query_string: bytes) -> str | None:
    from urllib.parse import parse_qs

    values = parse_qs(query_string.decode("latin-1")).get("uuid")
    return values[0] if values else None

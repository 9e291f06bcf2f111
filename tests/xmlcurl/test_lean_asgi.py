"""The lean ASGI route answers the FreeSWITCH endpoints itself and passes everything else to Django."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

import pytest

from telephony.calls.models import CallLeg
from telephony.freeswitch.views import FreeswitchEndpoints
from tests.cdr.conftest import cdr_body, query_of
from tests.xmlcurl.conftest import NODE_ADDRESS, recorded


def call(app, *, path: str, body: bytes, authorization: str | None, method: str = "POST", query: str = "", chunks: int = 1):
    """Run one HTTP request through an ASGI app; returns (status, headers, body)."""
    size = max(1, len(body) // chunks + 1)
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    messages = [{"type": "http.request", "body": part, "more_body": i < len(parts) - 1} for i, part in enumerate(parts)]
    sent: list[dict] = []
    headers = [(b"content-type", b"application/x-www-form-urlencoded")]
    if authorization:
        headers.append((b"authorization", authorization.encode()))
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": headers,
        "client": (NODE_ADDRESS, 40000),
    }

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = sent[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


class Downstream:
    """Stands in for the Django application behind the route."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope, receive, send):
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.mark.django_db(transaction=True)
def test_directory_lookup_is_answered_without_django(tenant_a, node):
    downstream = Downstream()
    app = FreeswitchEndpoints(downstream)

    status, headers, body = call(
        app, path="/freeswitch/xml/", body=recorded("directory_register.txt"), authorization=node.authorization(), chunks=3
    )

    assert status == 200
    assert headers[b"content-type"].startswith(b"text/xml")
    user = ET.fromstring(body).find(".//user")
    assert user.get("id") == "1001"
    assert downstream.paths == []


@pytest.mark.django_db(transaction=True)
def test_unauthenticated_lookup_is_401(tenant_a, node):
    status, headers, _ = call(
        FreeswitchEndpoints(Downstream()), path="/freeswitch/xml/", body=recorded("directory_register.txt"), authorization=None
    )

    assert status == 401
    assert headers[b"www-authenticate"] == b'Basic realm="freeswitch"'


@pytest.mark.django_db(transaction=True)
def test_cdr_post_is_stored(tenant_a, node):
    name = "json_bridged_a_leg.json"

    status, _, _ = call(
        FreeswitchEndpoints(Downstream()),
        path="/freeswitch/cdr/",
        body=cdr_body(name),
        authorization=node.authorization(),
        query=query_of(name),
    )

    assert status == 200
    assert CallLeg.objects.filter(record__tenant=tenant_a.tenant).count() == 1


def test_other_paths_and_methods_go_to_django():
    downstream = Downstream()
    app = FreeswitchEndpoints(downstream)

    call(app, path="/portal/", body=b"", authorization=None, method="GET")
    call(app, path="/freeswitch/xml/", body=b"", authorization=None, method="GET")

    assert downstream.paths == ["/portal/", "/freeswitch/xml/"]


def test_oversized_body_is_400_without_django():
    downstream = Downstream()

    status, _, _ = call(
        FreeswitchEndpoints(downstream), path="/freeswitch/xml/", body=b"a" * (300 * 1024), authorization=None, chunks=5
    )

    assert status == 400
    assert downstream.paths == []

"""Fixtures of the webhook tests: a real HTTP receiver on 127.0.0.1 and endpoints made through the services."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from centrex.webhooks import services
from centrex.webhooks.models import WebhookEndpoint
from tests.conftest import PASSWORD, TenantSet


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server in a thread: answers with the scripted statuses in turn (then 200) and records requests."""

    server: ThreadingHTTPServer
    responses: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[ReceivedRequest] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/centrex"

    def answer(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        self.responses.extend((status, headers or {}) for status in statuses)


def _handler(receiver_box: list[Receiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = receiver_box[0]
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.requests.append(ReceivedRequest(self.path, dict(self.headers.items()), body))
            status, headers = receiver.responses.pop(0) if receiver.responses else (200, {})
            reply = b"ok" if status < 400 else b"receiver says no"
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
            pass

    return Handler


def start_receiver() -> Receiver:
    box: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))  # port 0: a free port
    receiver = Receiver(server)
    box.append(receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def other_receiver() -> Iterator[Receiver]:
    receiver = start_receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def make_endpoint(tenants: TenantSet, url: str, event_types: list[str] | None = None, **kwargs: Any) -> WebhookEndpoint:
    return services.check_create_endpoint(
        tenants.tenant, actor=tenants.admin, url=url, event_types=event_types or ["call.started"], **kwargs
    )


def reauthenticated_admin(tenants: TenantSet) -> Client:
    """The tenant's admin, logged in and re-authenticated through the real forms, as the admin pages demand."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": tenants.admin.email, "password": PASSWORD})
    assert response.status_code == 302
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def acme_admin_portal(acme: TenantSet) -> Client:
    return reauthenticated_admin(acme)

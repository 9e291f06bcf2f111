"""Fixtures for CDR posts: the recorded tenant, a node, and a poster for recorded bodies."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.xmlcurl.conftest import (  # noqa: F401 - node_commands is an autouse fixture
    CDR,
    NODE_ADDRESS,
    Node,
    RecordedTenant,
    make_node,
    make_recorded_tenant,
    node_commands,
)

REQUESTS = {entry["file"]: entry for entry in json.loads((CDR / "requests.json").read_text())}
JSON_CDRS = sorted(name for name in REQUESTS if name.startswith("json_"))


def cdr_body(name: str) -> bytes:
    """A CDR body exactly as mod_json_cdr posted it."""
    return (CDR / name).read_bytes()


def query_of(name: str) -> str:
    """The query string mod_json_cdr put on the URL for this body (``uuid=...``)."""
    return REQUESTS[name]["path"].partition("?")[2]


@pytest.fixture
def tenant_a(db: None, django_capture_on_commit_callbacks) -> RecordedTenant:
    with django_capture_on_commit_callbacks(execute=True):
        return make_recorded_tenant()


@pytest.fixture
def node(db: None) -> Node:
    return make_node()


@pytest.fixture
def post_cdr(node: Node):
    client = Client()

    def post(name: str | None = None, *, body: bytes | None = None, query: str | None = None, authorization: str | None = None):
        body = cdr_body(name) if body is None else body
        query = query_of(name) if query is None and name else (query or "")
        # As recorded: raw JSON labelled as a form.
        return client.post(
            f"/freeswitch/cdr/?{query}",
            data=body,
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR=NODE_ADDRESS,
            HTTP_AUTHORIZATION=node.authorization() if authorization is None else authorization,
        )

    return post

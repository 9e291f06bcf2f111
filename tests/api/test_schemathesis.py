"""Property-based run of the whole API against its own OpenAPI schema (schemathesis).

Every operation of ``/api/schema/`` is called with generated data, as a tenant admin's key
holding every tenant scope and as an operator key; no answer may be a 5xx and every
documented answer must match its schema. Requests go through Django's WSGI handler in this
process, inside the test's database transaction, so nothing outlives the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from centrex.api.models import ApiKey

CHECKS = [not_a_server_error, response_schema_conformance]
# Bounded so the two runs together stay well under two minutes.
EXAMPLES = hypothesis_settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)


# Loaded at collection: generating the schema touches no database (querysets are faked).
# (schemathesis.pytest.from_fixture would be the lazy way, but it breaks on pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Explicit examples plus bounded fuzzing; the coverage phase alone would take several minutes.
schema.config.phases.coverage.enabled = False


@pytest.fixture(autouse=True)
def _in_process_requests(db: None, settings: object) -> Iterator[None]:
    settings.API_THROTTLE_RATES = {"key": "100000/m", "user": "100000/m", "anon": "100000/m"}  # type: ignore[attr-defined]
    # As Django's test client does: keep the request cycle from closing the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@EXAMPLES
def test_api_as_tenant_admin_key(case: schemathesis.Case, acme_key: tuple[ApiKey, str]) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {acme_key[1]}"}, checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_api_as_operator_key(case: schemathesis.Case, operator_key: tuple[ApiKey, str], acme: object) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {operator_key[1]}"}, checks=CHECKS)

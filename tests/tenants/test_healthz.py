"""``/healthz``: database, Redis and Celery reachability as JSON."""

from __future__ import annotations

import socket

import pytest

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A local port nothing listens on: bind one, read its number, close it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_reports_database_redis_ok_and_eager_celery(client, settings):
    # given
    settings.CELERY_TASK_ALWAYS_EAGER = True

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok", "celery": "eager"}}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_with_unreachable_redis_answers_503(client, settings):
    # given
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "error: ConnectionError"


def test_healthz_without_worker_reports_celery_error(client, settings):
    # given: a reachable broker (this Redis) but no worker consuming from it
    settings.CELERY_TASK_ALWAYS_EAGER = False

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 503
    assert response.json()["checks"]["celery"] == "error: no worker answered"


def test_healthz_refuses_post(client):
    # when
    response = client.post("/healthz")

    # then
    assert response.status_code == 405

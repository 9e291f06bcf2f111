"""Deliveries against a real HTTP receiver on 127.0.0.1: signing, retries with backoff, auto-disable, test events.

Celery runs eagerly here (CELERY_TASK_ALWAYS_EAGER): ``self.retry(countdown=...)`` then runs the
next attempt at once, inline, ignoring the countdown. So the tests read the waits the task asked
for from the delivery's attempt log (the same numbers it passes as ``countdown``).
"""

import json
import socket
import uuid

import pytest
from django.test import override_settings

from centrex.events import DomainEvent, publish
from centrex.webhooks import services, signing
from centrex.webhooks.choices import DeliveryStatus, DisabledReason
from centrex.webhooks.models import WebhookDelivery, WebhookEndpoint
from centrex.webhooks.tasks import deliver_webhook
from tenants.models import AuditEntry
from tests.webhooks.conftest import make_endpoint

CALL = {"call": "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9", "from": "+4930123456", "to": "201"}


def call_started(tenant, data=None):
    return DomainEvent(type="call", op="started", tenant=str(tenant.pk), data=data or CALL)


@override_settings(WEBHOOK_RETRY_BASE_SECONDS=7, WEBHOOK_MAX_ATTEMPTS=5)
def test_delivery_failing_once_is_retried_with_backoff_and_then_succeeds(acme, receiver, django_capture_on_commit_callbacks):
    # given an endpoint whose receiver answers 500 once, then 200
    endpoint = make_endpoint(acme, receiver.url, ["call.started"])
    receiver.answer(500)
    # when a call.started event is published and committed
    with django_capture_on_commit_callbacks(execute=True):
        publish(call_started(acme.tenant))
    # then the receiver got the same delivery twice
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-Centrex-Delivery"] == second.headers["X-Centrex-Delivery"]
    # and the delivery is logged: 2 attempts, waiting the base backoff (7 s) after the first
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2
    assert delivery.response_status_code == 200
    assert delivery.response_time_ms is not None and delivery.response_time_ms >= 0
    assert [attempt["status_code"] for attempt in delivery.attempt_log] == [500, 200]
    assert [attempt["retry_in"] for attempt in delivery.attempt_log] == [7, None]
    assert "HTTP 500" in delivery.attempt_log[0]["error"]
    assert delivery.completed_at is not None and delivery.next_attempt_at is None
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_delivery_body_and_headers_are_signed_as_documented(acme, receiver, django_capture_on_commit_callbacks):
    # given
    endpoint = make_endpoint(acme, receiver.url, ["call.started"])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        publish(call_started(acme.tenant))
    # then the body is the documented envelope
    request = receiver.requests[0]
    body = request.json()
    assert set(body) == {"id", "type", "created_at", "tenant", "data"}
    assert body["type"] == "call.started"
    assert body["tenant"] == str(acme.tenant.pk)
    assert body["data"] == CALL
    uuid.UUID(body["id"])
    # and the headers carry event, delivery, timestamp and a valid signature over timestamp and raw body
    delivery = WebhookDelivery.objects.get()
    assert request.path == "/hooks/centrex"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Centrex-Event"] == "call.started"
    assert request.headers["X-Centrex-Delivery"] == str(delivery.pk)
    assert signing.verify(
        endpoint.secret,
        timestamp=request.headers["X-Centrex-Timestamp"],
        body=request.body,
        header=request.headers["X-Centrex-Signature"],
    )


@override_settings(WEBHOOK_RETRY_BASE_SECONDS=10, WEBHOOK_RETRY_MAX_SECONDS=30, WEBHOOK_MAX_ATTEMPTS=4)
def test_delivery_failing_every_attempt_backs_off_exponentially_up_to_the_cap_and_fails(
    acme, receiver, django_capture_on_commit_callbacks
):
    # given a receiver that always answers 503
    endpoint = make_endpoint(acme, receiver.url, ["call.started"])
    receiver.answer(503, 503, 503, 503)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        publish(call_started(acme.tenant))
    # then 4 attempts were made, waiting 10, 20, then 30 (capped) seconds, and the delivery failed
    delivery = WebhookDelivery.objects.get()
    assert len(receiver.requests) == 4
    assert delivery.attempts == 4
    assert delivery.status == DeliveryStatus.FAILED
    assert [attempt["retry_in"] for attempt in delivery.attempt_log] == [10, 20, 30, None]
    assert delivery.response_status_code == 503
    assert "receiver says no" in delivery.last_error
    # and it counts as one failed delivery of the endpoint
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1
    assert endpoint.is_active


@override_settings(WEBHOOK_RETRY_BASE_SECONDS=30, WEBHOOK_RETRY_MAX_SECONDS=3600)
def test_retry_delay_doubles_from_the_base_and_is_capped():
    assert [services.retry_delay(attempt) for attempt in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_task_run_again_after_success_does_not_send_twice(acme, receiver, django_capture_on_commit_callbacks):
    # given a delivery that succeeded
    make_endpoint(acme, receiver.url, ["call.started"])
    with django_capture_on_commit_callbacks(execute=True):
        publish(call_started(acme.tenant))
    delivery = WebhookDelivery.objects.get()
    # when the worker runs the task for it again (a redelivered message)
    deliver_webhook.delay(str(delivery.pk))
    # then nothing more is sent
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


@override_settings(WEBHOOK_MAX_ATTEMPTS=2, WEBHOOK_DISABLE_AFTER_FAILURES=3)
def test_endpoint_is_disabled_after_n_failed_deliveries_in_a_row(acme, receiver, django_capture_on_commit_callbacks):
    # given an endpoint whose receiver always answers 500
    endpoint = make_endpoint(acme, receiver.url, ["call.started"])
    receiver.answer(*[500] * 20)
    # when three events fail all their attempts
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            publish(call_started(acme.tenant))
    # then the endpoint is disabled with the reason the admin sees
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason == DisabledReason.FAILURES
    assert endpoint.consecutive_failures == 3
    assert "HTTP 500" in endpoint.last_error
    assert len(receiver.requests) == 6
    entry = AuditEntry.objects.for_tenant(acme.tenant).get(action="webhook.auto_disable")
    assert entry.actor is None and entry.actor_label == "system"
    # and a further event is not delivered to it any more
    with django_capture_on_commit_callbacks(execute=True):
        publish(call_started(acme.tenant))
    assert WebhookDelivery.objects.count() == 3
    assert len(receiver.requests) == 6


@override_settings(WEBHOOK_MAX_ATTEMPTS=1, WEBHOOK_DISABLE_AFTER_FAILURES=3)
def test_a_successful_delivery_resets_the_failure_count(acme, receiver, django_capture_on_commit_callbacks):
    # given two failed deliveries in a row
    endpoint = make_endpoint(acme, receiver.url, ["call.started"])
    receiver.answer(500, 500)
    with django_capture_on_commit_callbacks(execute=True):
        publish(call_started(acme.tenant))
        publish(call_started(acme.tenant))
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 2
    # when the next one succeeds
    with django_capture_on_commit_callbacks(execute=True):
        publish(call_started(acme.tenant))
    # then the count starts again and the endpoint stays active
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    assert endpoint.is_active


def test_send_test_event_delivers_once_to_that_endpoint(acme, receiver, django_capture_on_commit_callbacks):
    # given an endpoint not subscribed to anything but call.ended
    endpoint = make_endpoint(acme, receiver.url, ["call.ended"])
    # when the admin sends a test event
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.do_send_test_event(acme.tenant, actor=acme.admin, endpoint=endpoint)
    # then the receiver got a signed webhook.test event
    request = receiver.requests[0]
    assert request.headers["X-Centrex-Event"] == "webhook.test"
    assert request.json()["type"] == "webhook.test"
    assert request.json()["data"]["endpoint"] == str(endpoint.pk)
    assert signing.verify(
        endpoint.secret,
        timestamp=request.headers["X-Centrex-Timestamp"],
        body=request.body,
        header=request.headers["X-Centrex-Signature"],
    )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    assert AuditEntry.objects.filter(action="webhook.test", actor=acme.admin).exists()


@override_settings(WEBHOOK_DISABLE_AFTER_FAILURES=1)
def test_failed_test_event_is_not_retried_and_does_not_count_as_a_failure(acme, receiver, django_capture_on_commit_callbacks):
    # given
    endpoint = make_endpoint(acme, receiver.url, ["call.ended"])
    receiver.answer(500, 500)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.do_send_test_event(acme.tenant, actor=acme.admin, endpoint=endpoint)
    # then
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert len(receiver.requests) == 1
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0


def test_test_event_reaches_a_disabled_endpoint_so_the_admin_can_check_a_fix(acme, receiver, django_capture_on_commit_callbacks):
    # given a disabled endpoint
    endpoint = make_endpoint(acme, receiver.url, ["call.started"])
    services.check_update_endpoint(acme.tenant, actor=acme.admin, endpoint=endpoint, is_active=False)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.do_send_test_event(acme.tenant, actor=acme.admin, endpoint=endpoint)
        publish(call_started(acme.tenant))
    # then only the test event was sent
    assert [request.headers["X-Centrex-Event"] for request in receiver.requests] == ["webhook.test"]


def test_redirect_is_not_followed(acme, receiver, other_receiver, django_capture_on_commit_callbacks):
    # given an endpoint that redirects to another local server
    endpoint = make_endpoint(acme, receiver.url, ["call.ended"])
    receiver.answer(307, headers={"Location": other_receiver.url})
    # when
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.do_send_test_event(acme.tenant, actor=acme.admin, endpoint=endpoint)
    # then the redirect target got nothing and the delivery failed, saying why
    assert other_receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.response_status_code == 307
    assert "redirects are not followed" in delivery.last_error
    assert other_receiver.url in delivery.last_error
    assert endpoint.pk == delivery.endpoint_id


def test_unreachable_endpoint_is_a_failed_attempt_with_a_reason(acme, django_capture_on_commit_callbacks):
    # given an endpoint on a port where nothing listens
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = make_endpoint(acme, f"http://127.0.0.1:{port}/x", ["call.ended"])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.do_send_test_event(acme.tenant, actor=acme.admin, endpoint=endpoint)
    # then
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.response_status_code is None
    assert "could not be reached" in delivery.last_error


@override_settings(WEBHOOK_MAX_ATTEMPTS=1)
def test_delivery_in_production_is_blocked_when_dns_now_points_to_a_private_address(
    acme, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    # given an endpoint whose name resolved to a public address when it was saved
    port = receiver.server.server_address[1]
    answers = {"hooks.example.com": "93.184.216.34"}
    real = socket.getaddrinfo

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with override_settings(PRODUCTION=True):
        endpoint = make_endpoint(acme, f"https://hooks.example.com:{port}/hooks/centrex", ["call.started"])
        # when the name now resolves to loopback (DNS rebinding) and an event is delivered
        answers["hooks.example.com"] = "127.0.0.1"
        with django_capture_on_commit_callbacks(execute=True):
            publish(call_started(acme.tenant))
    # then nothing reached the local receiver and the delivery failed with the reason
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.FAILED
    assert "non-public address (127.0.0.1)" in delivery.last_error


def test_delivery_of_a_deleted_endpoint_finds_nothing_to_send(acme, receiver):
    # given a queued delivery whose endpoint is then deleted
    endpoint = make_endpoint(acme, receiver.url, ["call.ended"])
    delivery = services.do_send_test_event(acme.tenant, actor=acme.admin, endpoint=endpoint)  # on_commit not run: queued
    services.do_delete_endpoint(acme.tenant, actor=acme.admin, endpoint=endpoint)
    # when the worker gets to it
    deliver_webhook.delay(str(delivery.pk))
    # then nothing is sent
    assert receiver.requests == []
    assert not WebhookEndpoint.objects.exists()


def test_payload_is_stored_as_sent(acme, receiver, django_capture_on_commit_callbacks):
    # given
    make_endpoint(acme, receiver.url, ["call.started"])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        publish(call_started(acme.tenant, {"call": "x", "nested": {"n": 1}}))
    # then the stored payload is exactly the JSON the receiver got
    assert WebhookDelivery.objects.get().payload == json.loads(receiver.requests[0].body)


@pytest.mark.parametrize("event_name", ["call.answered", "registration.changed", "presence.changed"])
def test_each_built_in_event_type_is_delivered_to_subscribers(acme, receiver, event_name, django_capture_on_commit_callbacks):
    # given
    make_endpoint(acme, receiver.url, [event_name])
    kind, op = event_name.split(".")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        publish(DomainEvent(type=kind, op=op, tenant=str(acme.tenant.pk), data={"x": 1}))
    # then
    assert [request.headers["X-Centrex-Event"] for request in receiver.requests] == [event_name]


@override_settings(WEBHOOK_DELIVERY_RETENTION_DAYS=30)
def test_prune_deletes_finished_deliveries_past_retention_and_keeps_the_rest(acme, receiver):
    # given an old succeeded, an old pending and a recent failed delivery
    from datetime import timedelta

    from django.utils import timezone

    endpoint = make_endpoint(acme, receiver.url, ["call.ended"])
    old_done, old_pending, recent = (
        services.do_send_test_event(acme.tenant, actor=acme.admin, endpoint=endpoint) for _ in range(3)
    )
    WebhookDelivery.objects.filter(pk=old_done.pk).update(status=DeliveryStatus.SUCCEEDED)
    WebhookDelivery.objects.filter(pk=recent.pk).update(status=DeliveryStatus.FAILED)
    WebhookDelivery.objects.filter(pk__in=[old_done.pk, old_pending.pk]).update(created_at=timezone.now() - timedelta(days=31))
    # when
    deleted = services.prune_deliveries()
    # then
    assert deleted == 1
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {old_pending.pk, recent.pk}


def test_event_for_a_tenant_without_subscriptions_costs_no_query_once_cached(acme, django_assert_num_queries):
    # given the tenant's (empty) subscriptions were looked up once
    services.queue_event_deliveries(call_started(acme.tenant))
    # when the next event comes
    with django_assert_num_queries(0):
        created = services.queue_event_deliveries(call_started(acme.tenant))
    # then
    assert created == []

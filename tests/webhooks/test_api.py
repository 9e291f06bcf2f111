"""REST API of webhooks, called with tenant API keys."""

import pytest
from django.test import Client, override_settings

from centrex.api import services as api_services
from centrex.webhooks import services
from centrex.webhooks.choices import DeliveryStatus, DisabledReason
from centrex.webhooks.models import WebhookDelivery, WebhookEndpoint
from tenants.models import AuditEntry
from tests.webhooks.conftest import make_endpoint

BASE = "/api/v1/webhooks/"


def key_client(tenants, *scopes):
    key, token = api_services.check_create_api_key(tenants.tenant, actor=tenants.admin, name="test", scopes=list(scopes))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.key = key
    return client


@pytest.fixture
def writer(acme):
    return key_client(acme, "admin:read", "admin:write")


@pytest.fixture
def reader(acme):
    return key_client(acme, "admin:read")


def test_create_endpoint_returns_201_with_its_secret_and_audits_the_key(acme, writer):
    # when
    response = writer.post(
        BASE,
        {"url": "http://127.0.0.1:9/hook", "event_types": ["call.started", "call.ended"], "description": "CRM"},
        content_type="application/json",
    )
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body["id"] == str(endpoint.pk)
    assert body["secret"] == endpoint.secret
    assert body["event_types"] == ["call.ended", "call.started"]
    assert endpoint.tenant == acme.tenant
    assert AuditEntry.objects.get(action="webhook.create").api_key_id == writer.key.pk


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "nope", "event_types": ["call.started"]}, "url", "Enter a valid URL"),
        ({"url": "http://127.0.0.1:9/hook", "event_types": ["call.exploded"]}, "event_types", "not a valid choice"),
        ({"url": "http://127.0.0.1:9/hook", "event_types": []}, "event_types", "may not be empty"),
        ({"url": "http://127.0.0.1:9/hook", "event_types": "call.started"}, "event_types", "list"),
        ({"url": 5, "event_types": ["call.started"]}, "url", "Enter a valid URL"),
        ({"url": "http://127.0.0.1:9/hook", "event_types": ["call.started"], "secret": "mine"}, "secret", "Unknown field"),
        ({"event_types": ["call.started"]}, "url", "required"),
    ],
)
def test_create_endpoint_with_bad_input_answers_400_with_field_errors_and_creates_nothing(writer, data, field, message):
    # when
    response = writer.post(BASE, data, content_type="application/json")
    # then
    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"][field])
    assert not WebhookEndpoint.objects.exists()


@override_settings(PRODUCTION=True)
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.216.34/hook", "must start with https://"),
        ("https://127.0.0.1/hook", "non-public address"),
        ("https://10.0.0.8/hook", "non-public address"),
        ("https://169.254.169.254/hook", "non-public address"),
    ],
)
def test_create_endpoint_in_production_with_insecure_or_private_url_answers_400(writer, url, message):
    # when
    response = writer.post(BASE, {"url": url, "event_types": ["call.started"]}, content_type="application/json")
    # then
    assert response.status_code == 400
    assert message in response.json()["errors"]["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_list_shows_own_endpoints_without_secrets(acme, globex, reader):
    # given
    mine = make_endpoint(acme, "http://127.0.0.1:9/acme")
    make_endpoint(globex, "http://127.0.0.1:9/globex")
    # when
    response = reader.get(BASE)
    # then
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["id"] for item in results] == [str(mine.pk)]
    assert "secret" not in results[0]


def test_retrieve_shows_the_secret(acme, reader):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/acme")
    # when
    response = reader.get(f"{BASE}{endpoint.pk}/")
    # then
    assert response.status_code == 200
    assert response.json()["secret"] == endpoint.secret


def test_patch_changes_event_types_and_deactivates(acme, writer):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/acme")
    # when
    response = writer.patch(
        f"{BASE}{endpoint.pk}/", {"event_types": ["call.ended"], "is_active": False}, content_type="application/json"
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["event_types"] == ["call.ended"]
    assert response.json()["disabled_reason"] == DisabledReason.ADMIN
    endpoint.refresh_from_db()
    assert endpoint.event_types == ["call.ended"] and not endpoint.is_active


@override_settings(PRODUCTION=True)
def test_patch_to_a_loopback_url_in_production_answers_400_and_changes_nothing(acme, writer):
    # given
    endpoint = make_endpoint(acme, "https://93.184.216.34/hook")
    # when
    response = writer.patch(f"{BASE}{endpoint.pk}/", {"url": "https://[::1]/hook"}, content_type="application/json")
    # then
    assert response.status_code == 400
    assert "non-public address" in response.json()["errors"]["url"][0]
    endpoint.refresh_from_db()
    assert endpoint.url == "https://93.184.216.34/hook"


def test_put_is_not_offered(acme, writer):
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/acme")
    response = writer.put(f"{BASE}{endpoint.pk}/", {"url": "http://127.0.0.1:9/x"}, content_type="application/json")
    assert response.status_code == 405


def test_rotate_secret_returns_the_new_secret(acme, writer):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/acme")
    old = endpoint.secret
    # when
    response = writer.post(f"{BASE}{endpoint.pk}/rotate-secret/")
    # then
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert response.json()["secret"] == endpoint.secret != old


def test_test_action_delivers_and_answers_202_with_the_delivery(acme, writer, receiver):
    # given (inside the test's transaction the delivery is queued, not yet sent)
    endpoint = make_endpoint(acme, receiver.url)
    # when
    response = writer.post(f"{BASE}{endpoint.pk}/test/")
    # then
    assert response.status_code == 202
    body = response.json()
    assert body["event_type"] == "webhook.test"
    assert body["status"] == DeliveryStatus.PENDING and body["attempts"] == 0
    assert WebhookDelivery.objects.filter(pk=body["id"], endpoint=endpoint).exists()


def test_test_action_result_is_in_the_delivery_log(acme, writer, receiver, django_capture_on_commit_callbacks):
    # given
    endpoint = make_endpoint(acme, receiver.url)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        writer.post(f"{BASE}{endpoint.pk}/test/")
    response = writer.get("/api/v1/webhook-deliveries/", {"endpoint": str(endpoint.pk)})
    # then
    assert response.status_code == 200
    [delivery] = response.json()["results"]
    assert delivery["status"] == DeliveryStatus.SUCCEEDED
    assert delivery["attempts"] == 1
    assert delivery["response_status_code"] == 200
    assert delivery["response_time_ms"] is not None
    assert len(receiver.requests) == 1


def test_reenable_action_enables_a_disabled_endpoint(acme, writer):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/acme")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_reason=DisabledReason.FAILURES, consecutive_failures=10
    )
    # when
    response = writer.post(f"{BASE}{endpoint.pk}/reenable/")
    # then
    assert response.status_code == 200
    assert response.json()["is_active"] is True and response.json()["consecutive_failures"] == 0


def test_delete_removes_the_endpoint(acme, writer):
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/acme")
    response = writer.delete(f"{BASE}{endpoint.pk}/")
    assert response.status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_key_without_admin_write_gets_403_on_every_write_and_nothing_changes(acme, reader):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/acme")
    secret = endpoint.secret
    # when / then
    assert (
        reader.post(BASE, {"url": "http://127.0.0.1:9/x", "event_types": ["call.started"]}, "application/json").status_code == 403
    )
    assert reader.patch(f"{BASE}{endpoint.pk}/", {"description": "x"}, "application/json").status_code == 403
    assert reader.delete(f"{BASE}{endpoint.pk}/").status_code == 403
    for action in ("rotate-secret", "test", "reenable"):
        response = reader.post(f"{BASE}{endpoint.pk}/{action}/")
        assert response.status_code == 403
        assert "admin:write" in response.json()["detail"]
    endpoint.refresh_from_db()
    assert endpoint.secret == secret and endpoint.description == ""
    assert WebhookEndpoint.objects.count() == 1 and not WebhookDelivery.objects.exists()


def test_key_without_admin_read_gets_403_on_reads(acme):
    # given
    client = key_client(acme, "calls:read")
    # when / then
    assert client.get(BASE).status_code == 403
    assert client.get("/api/v1/webhook-deliveries/").status_code == 403


def test_other_tenants_endpoint_and_delivery_answer_404(acme, globex, writer):
    # given
    endpoint = make_endpoint(globex, "http://127.0.0.1:9/globex")
    delivery = services.do_send_test_event(globex.tenant, actor=globex.admin, endpoint=endpoint)
    # when / then
    assert writer.get(f"{BASE}{endpoint.pk}/").status_code == 404
    assert writer.patch(f"{BASE}{endpoint.pk}/", {"description": "x"}, "application/json").status_code == 404
    assert writer.delete(f"{BASE}{endpoint.pk}/").status_code == 404
    for action in ("rotate-secret", "test", "reenable"):
        assert writer.post(f"{BASE}{endpoint.pk}/{action}/").status_code == 404
    assert writer.get(f"/api/v1/webhook-deliveries/{delivery.pk}/").status_code == 404
    assert writer.get("/api/v1/webhook-deliveries/").json()["results"] == []
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk, description="").exists()


def test_create_endpoint_inactive_counts_as_disabled_by_an_admin(acme, writer):
    # when
    response = writer.post(
        BASE, {"url": "http://127.0.0.1:9/hook", "event_types": ["call.ended"], "is_active": False}, "application/json"
    )
    # then
    assert response.status_code == 201
    assert response.json()["is_active"] is False
    assert response.json()["disabled_reason"] == DisabledReason.ADMIN
    assert WebhookEndpoint.objects.get().disabled_at is not None

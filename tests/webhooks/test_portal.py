"""Portal pages of webhooks, driven through the real login and re-authentication."""

import pytest
from django.test import override_settings
from django.urls import reverse

from centrex.webhooks import services
from centrex.webhooks.choices import DeliveryStatus, DisabledReason
from centrex.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import logged_in
from tests.webhooks.conftest import make_endpoint, reauthenticated_admin


def test_admin_nav_shows_webhooks(acme_admin_portal):
    # when
    response = acme_admin_portal.get(reverse("webhooks:endpoint-list"))
    # then
    assert response.status_code == 200
    assert reverse("webhooks:endpoint-list") in response.content.decode()


def test_end_user_cannot_open_webhook_pages(acme):
    # given
    client = logged_in(acme.user)
    # when
    response = client.get(reverse("webhooks:endpoint-list"))
    # then
    assert response.status_code == 403


def test_list_shows_only_own_endpoints_with_state(acme, globex, acme_admin_portal):
    # given
    mine = make_endpoint(acme, "http://127.0.0.1:9/acme", description="Acme CRM")
    make_endpoint(globex, "http://127.0.0.1:9/globex", description="Globex CRM")
    WebhookEndpoint.objects.filter(pk=mine.pk).update(is_active=False, disabled_reason=DisabledReason.FAILURES)
    # when
    page = acme_admin_portal.get(reverse("webhooks:endpoint-list")).content.decode()
    # then
    assert "Acme CRM" in page and "Globex CRM" not in page
    assert "Disabled automatically after too many failed deliveries in a row" in page


def test_create_form_offers_event_type_checkboxes(acme_admin_portal):
    # when
    page = acme_admin_portal.get(reverse("webhooks:endpoint-create")).content.decode()
    # then
    for name in ("call.started", "call.answered", "call.ended", "registration.changed", "presence.changed", "webhook.test"):
        assert f'type="checkbox" name="event_types" value="{name}"' in page


def test_create_endpoint_through_the_form_shows_its_secret(acme, acme_admin_portal):
    # when
    response = acme_admin_portal.post(
        reverse("webhooks:endpoint-create"),
        {"url": "http://127.0.0.1:9/hook", "description": "CRM", "event_types": ["call.started", "call.ended"]},
        follow=True,
    )
    # then
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.tenant == acme.tenant
    assert endpoint.event_types == ["call.ended", "call.started"]
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("webhooks:endpoint-detail", args=[endpoint.pk])
    assert endpoint.secret in page
    assert "Copy its secret" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "not a url", "event_types": ["call.started"]}, "Enter a valid URL"),
        ({"url": "http://127.0.0.1:9/hook", "event_types": ["call.exploded"]}, "Select a valid choice"),
        ({"url": "http://127.0.0.1:9/hook"}, "This field is required"),
    ],
)
def test_create_endpoint_with_bad_input_shows_form_errors_and_creates_nothing(acme_admin_portal, data, message):
    # when
    response = acme_admin_portal.post(reverse("webhooks:endpoint-create"), data)
    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@override_settings(PRODUCTION=True)
@pytest.mark.parametrize(
    ("url", "message"),
    [("http://93.184.216.34/hook", "must start with https://"), ("https://127.0.0.1/hook", "non-public address")],
)
def test_create_endpoint_in_production_with_insecure_or_private_url_shows_error(acme_admin_portal, url, message):
    # when
    response = acme_admin_portal.post(reverse("webhooks:endpoint-create"), {"url": url, "event_types": ["call.started"]})
    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_german_admin_sees_translated_page(acme):
    # given
    client = reauthenticated_admin(acme)
    # when
    page = client.get(reverse("webhooks:endpoint-create"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    # then
    assert "Endpunkt hinzufügen" in page


def test_detail_shows_secret_settings_and_deliveries(acme, acme_admin_portal):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/hook")
    services.do_send_test_event(acme.tenant, actor=acme.admin, endpoint=endpoint)  # queued, not run here
    # when
    page = acme_admin_portal.get(reverse("webhooks:endpoint-detail", args=[endpoint.pk])).content.decode()
    # then
    assert endpoint.secret in page
    assert 'value="rotate"' in page and 'value="test"' in page
    assert "webhook.test" in page


def test_update_through_the_form_changes_event_types(acme, acme_admin_portal):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/hook")
    # when
    response = acme_admin_portal.post(
        reverse("webhooks:endpoint-detail", args=[endpoint.pk]),
        {"action": "update", "url": "http://127.0.0.1:9/other", "event_types": ["presence.changed"], "is_active": "on"},
    )
    # then
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "http://127.0.0.1:9/other" and endpoint.event_types == ["presence.changed"]


@override_settings(PRODUCTION=True)
def test_update_through_the_form_to_a_private_url_in_production_shows_error_and_keeps_it(acme, acme_admin_portal):
    # given
    endpoint = make_endpoint(acme, "https://93.184.216.34/hook")
    # when
    response = acme_admin_portal.post(
        reverse("webhooks:endpoint-detail", args=[endpoint.pk]),
        {"action": "update", "url": "https://192.168.1.1/hook", "event_types": ["call.started"], "is_active": "on"},
    )
    # then
    assert response.status_code == 200
    assert "non-public address" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == "https://93.184.216.34/hook"


def test_rotate_button_gives_a_new_secret(acme, acme_admin_portal):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/hook")
    old = endpoint.secret
    # when
    response = acme_admin_portal.post(reverse("webhooks:endpoint-detail", args=[endpoint.pk]), {"action": "rotate"}, follow=True)
    # then
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.content.decode()


def test_send_test_event_button_delivers_and_the_log_shows_it(
    acme, acme_admin_portal, receiver, django_capture_on_commit_callbacks
):
    # given
    endpoint = make_endpoint(acme, receiver.url)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        acme_admin_portal.post(reverse("webhooks:endpoint-detail", args=[endpoint.pk]), {"action": "test"})
    # then the receiver got it and the delivery log shows status, response time and attempts
    assert [request.headers["X-Centrex-Event"] for request in receiver.requests] == ["webhook.test"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    page = acme_admin_portal.get(reverse("webhooks:delivery-list", args=[endpoint.pk])).content.decode()
    assert "Succeeded" in page
    assert f"{delivery.response_time_ms} ms" in page
    detail = acme_admin_portal.get(reverse("webhooks:delivery-detail", args=[endpoint.pk, delivery.pk])).content.decode()
    assert "This is a test event from Centrex." in detail


def test_disabled_endpoint_shows_why_and_can_be_enabled_again(acme, acme_admin_portal):
    # given an endpoint disabled after failures
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/hook")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_reason=DisabledReason.FAILURES, consecutive_failures=10, last_error="HTTP 500"
    )
    url = reverse("webhooks:endpoint-detail", args=[endpoint.pk])
    # when the admin opens it
    page = acme_admin_portal.get(url).content.decode()
    # then the reason and the last error are shown
    assert "This endpoint is disabled." in page
    assert "10 deliveries in a row failed." in page
    assert "HTTP 500" in page
    # when the admin enables it again
    acme_admin_portal.post(url, {"action": "reenable"})
    # then
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0


def test_delete_button_removes_the_endpoint(acme, acme_admin_portal):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/hook")
    # when
    response = acme_admin_portal.post(reverse("webhooks:endpoint-detail", args=[endpoint.pk]), {"action": "delete"})
    # then
    assert response.status_code == 302 and response.url == reverse("webhooks:endpoint-list")
    assert not WebhookEndpoint.objects.exists()


def test_other_tenants_endpoint_and_delivery_answer_404_and_stay_unchanged(acme, globex, acme_admin_portal):
    # given globex's endpoint and delivery
    endpoint = make_endpoint(globex, "http://127.0.0.1:9/globex")
    delivery = services.do_send_test_event(globex.tenant, actor=globex.admin, endpoint=endpoint)
    own = make_endpoint(acme, "http://127.0.0.1:9/acme")
    # when / then
    assert acme_admin_portal.get(reverse("webhooks:endpoint-detail", args=[endpoint.pk])).status_code == 404
    for action in ("rotate", "delete", "test", "reenable"):
        response = acme_admin_portal.post(reverse("webhooks:endpoint-detail", args=[endpoint.pk]), {"action": action})
        assert response.status_code == 404
    assert acme_admin_portal.get(reverse("webhooks:delivery-list", args=[endpoint.pk])).status_code == 404
    assert acme_admin_portal.get(reverse("webhooks:delivery-detail", args=[endpoint.pk, delivery.pk])).status_code == 404
    # and a delivery of globex under acme's own endpoint is not found either
    assert acme_admin_portal.get(reverse("webhooks:delivery-detail", args=[own.pk, delivery.pk])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1

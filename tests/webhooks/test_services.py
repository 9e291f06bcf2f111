import socket

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import override_settings

from centrex.webhooks import selectors, services
from centrex.webhooks.choices import DisabledReason
from centrex.webhooks.models import WebhookEndpoint
from tenants.models import AuditEntry
from tests.webhooks.conftest import make_endpoint

PUBLIC_URL = "https://93.184.216.34/hooks"  # an IP literal resolves without DNS


def test_create_endpoint_stores_it_encrypted_with_a_new_secret_and_audits(acme):
    # when
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/hook", ["call.ended", "call.started", "call.started"], description="CRM")
    # then
    endpoint.refresh_from_db()
    assert endpoint.tenant == acme.tenant
    assert endpoint.event_types == ["call.ended", "call.started"]
    assert endpoint.is_active and endpoint.consecutive_failures == 0
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret not in endpoint.secret_encrypted
    entry = AuditEntry.objects.for_tenant(acme.tenant).get(action="webhook.create")
    assert entry.actor == acme.admin
    assert entry.after["url"] == "http://127.0.0.1:9/hook"
    assert endpoint.secret not in str(entry.after)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"url": "not a url"}, "url", "Enter a valid"),
        ({"url": "ftp://files.example.com/x"}, "url", "http or https"),
        ({"url": ""}, "url", "Enter the URL"),
        ({"url": "https://user:pw@hooks.example.com/"}, "url", "user name or password"),
        ({"url": "https://hooks.example.com:99999/"}, "url", "port"),
        ({"event_types": ["call.exploded"]}, "event_types", "Unknown event type: call.exploded"),
        ({"event_types": []}, "event_types", "at least one"),
        ({"event_types": "call.started"}, "event_types", "at least one"),
        ({"description": "x" * 201}, "description", "at most 200"),
    ],
)
def test_create_endpoint_with_bad_input_names_the_field_and_changes_nothing(acme, changes, field, message):
    # given
    data = {"url": "http://127.0.0.1:9/hook", "event_types": ["call.started"], "description": "", **changes}
    # when
    with pytest.raises(ValidationError) as error:
        services.check_create_endpoint(acme.tenant, actor=acme.admin, **data)
    # then
    assert message in " ".join(error.value.message_dict[field])
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEntry.objects.filter(action="webhook.create").exists()


@override_settings(PRODUCTION=True)
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.216.34/hooks", "must start with https://"),
        ("https://127.0.0.1/hooks", "non-public address (127.0.0.1)"),
        ("https://localhost:8443/hooks", "non-public address"),
        ("https://10.1.2.3/hooks", "non-public address (10.1.2.3)"),
        ("https://192.168.0.10/hooks", "non-public address"),
        ("https://169.254.169.254/latest/meta-data", "non-public address (169.254.169.254)"),
        ("https://100.64.0.1/hooks", "non-public address"),
        ("https://[::1]/hooks", "non-public address"),
        ("https://[::ffff:127.0.0.1]/hooks", "non-public address"),
        ("https://0.0.0.0/hooks", "non-public address"),
        ("https://no-such-host.invalid/hooks", "cannot be resolved"),
    ],
)
def test_create_endpoint_in_production_rejects_plain_http_and_private_targets(acme, url, message):
    # when
    with pytest.raises(ValidationError) as error:
        services.check_create_endpoint(acme.tenant, actor=acme.admin, url=url, event_types=["call.started"])
    # then
    assert message in " ".join(error.value.message_dict["url"])
    assert not WebhookEndpoint.objects.exists()


@override_settings(PRODUCTION=True)
def test_create_endpoint_in_production_rejects_a_host_with_any_private_address(acme, monkeypatch):
    # given a name that resolves to a public and a private address
    real = socket.getaddrinfo

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host == "mixed.example.com":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    # when
    with pytest.raises(ValidationError) as error:
        services.check_create_endpoint(
            acme.tenant, actor=acme.admin, url="https://mixed.example.com/", event_types=["call.ended"]
        )
    # then
    assert "10.0.0.7" in error.value.message_dict["url"][0]
    assert not WebhookEndpoint.objects.exists()


@override_settings(PRODUCTION=True)
def test_create_endpoint_in_production_accepts_a_public_https_target(acme):
    # when
    endpoint = make_endpoint(acme, PUBLIC_URL)
    # then
    assert endpoint.url == PUBLIC_URL


def test_update_endpoint_changes_fields_and_audits_before_and_after(acme):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/a")
    # when
    services.check_update_endpoint(
        acme.tenant, actor=acme.admin, endpoint=endpoint, url="http://127.0.0.1:9/b", event_types=["call.ended"]
    )
    # then
    endpoint.refresh_from_db()
    assert endpoint.url == "http://127.0.0.1:9/b"
    assert endpoint.event_types == ["call.ended"]
    entry = AuditEntry.objects.get(action="webhook.update")
    assert entry.before["url"] == "http://127.0.0.1:9/a"
    assert entry.after["url"] == "http://127.0.0.1:9/b"


@override_settings(PRODUCTION=True)
def test_update_endpoint_to_a_private_target_in_production_changes_nothing(acme):
    # given
    endpoint = make_endpoint(acme, PUBLIC_URL)
    # when
    with pytest.raises(ValidationError) as error:
        services.check_update_endpoint(
            acme.tenant, actor=acme.admin, endpoint=endpoint, url="https://10.0.0.1/x", event_types=["bogus.type"]
        )
    # then both bad fields are named and nothing changed
    assert set(error.value.message_dict) == {"url", "event_types"}
    endpoint.refresh_from_db()
    assert endpoint.url == PUBLIC_URL
    assert endpoint.event_types == ["call.started"]
    assert not AuditEntry.objects.filter(action="webhook.update").exists()


def test_update_endpoint_with_unknown_field_is_refused(acme):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/a")
    # when / then
    with pytest.raises(ValidationError, match="cannot be changed: secret_encrypted"):
        services.check_update_endpoint(acme.tenant, actor=acme.admin, endpoint=endpoint, secret_encrypted="x")


def test_deactivating_and_activating_records_admin_reason_and_resets_failures(acme):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/a")
    # when
    services.check_update_endpoint(acme.tenant, actor=acme.admin, endpoint=endpoint, is_active=False)
    # then
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason == DisabledReason.ADMIN
    assert endpoint.disabled_at is not None
    # when
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=4)
    services.check_update_endpoint(acme.tenant, actor=acme.admin, endpoint=endpoint, is_active=True)
    # then
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == "" and endpoint.consecutive_failures == 0


def test_rotate_secret_replaces_the_secret_and_audits_without_it(acme):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/a")
    old = endpoint.secret
    # when
    services.do_rotate_secret(acme.tenant, actor=acme.admin, endpoint=endpoint)
    # then
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    entry = AuditEntry.objects.get(action="webhook.rotate_secret")
    assert entry.before is None and entry.after is None


def test_reenable_endpoint_disabled_by_failures_makes_it_active_with_zero_failures(acme):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/a")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_reason=DisabledReason.FAILURES, consecutive_failures=10
    )
    # when
    services.do_reenable_endpoint(acme.tenant, actor=acme.admin, endpoint=endpoint)
    # then
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == "" and endpoint.consecutive_failures == 0
    assert AuditEntry.objects.get(action="webhook.reenable").before["disabled_reason"] == "failures"


def test_delete_endpoint_removes_it_and_audits(acme):
    # given
    endpoint = make_endpoint(acme, "http://127.0.0.1:9/a")
    # when
    services.do_delete_endpoint(acme.tenant, actor=acme.admin, endpoint=endpoint)
    # then
    assert not WebhookEndpoint.objects.exists()
    assert AuditEntry.objects.get(action="webhook.delete").before["url"] == "http://127.0.0.1:9/a"


def test_services_on_another_tenants_endpoint_find_nothing(acme, globex):
    # given
    endpoint = make_endpoint(globex, "http://127.0.0.1:9/a")
    # when / then: every service reads through the acting tenant
    with pytest.raises(Http404):
        services.do_rotate_secret(acme.tenant, actor=acme.admin, endpoint=endpoint)
    with pytest.raises(Http404):
        services.do_delete_endpoint(acme.tenant, actor=acme.admin, endpoint=endpoint)
    with pytest.raises(Http404):
        selectors.get_endpoint(acme.tenant, endpoint.pk)
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()

"""The event subscriber: which events reach which endpoints, and only after a commit."""

import pytest
from django.db import transaction

from centrex import events
from centrex.events import DomainEvent, publish
from centrex.webhooks import event_types, services
from centrex.webhooks.events import queue_webhooks
from centrex.webhooks.models import WebhookDelivery
from tests.webhooks.conftest import make_endpoint


def event(tenant, name="call.started", data=None):
    kind, op = name.split(".")
    return DomainEvent(type=kind, op=op, tenant=str(tenant.pk), data=data or {"call": "c1"})


def test_subscriber_is_registered_with_the_event_pipeline():
    assert queue_webhooks in events._batch_subscribers


def test_event_is_delivered_only_to_its_own_tenants_endpoints(
    acme, globex, receiver, other_receiver, django_capture_on_commit_callbacks
):
    # given both tenants subscribed to call.started, each with its own receiver
    acme_endpoint = make_endpoint(acme, receiver.url, ["call.started"])
    globex_endpoint = make_endpoint(globex, other_receiver.url, ["call.started"])
    # when an acme call starts
    with django_capture_on_commit_callbacks(execute=True):
        publish(event(acme.tenant, data={"call": "acme-call"}))
    # then only acme's endpoint got it, and globex's got nothing
    assert [request.json()["data"]["call"] for request in receiver.requests] == ["acme-call"]
    assert other_receiver.requests == []
    assert WebhookDelivery.objects.filter(endpoint=acme_endpoint, tenant=acme.tenant).count() == 1
    assert not WebhookDelivery.objects.filter(endpoint=globex_endpoint).exists()
    assert receiver.requests[0].json()["tenant"] == str(acme.tenant.pk)


def test_event_goes_only_to_endpoints_subscribed_to_its_type_and_active(acme, receiver, django_capture_on_commit_callbacks):
    # given an endpoint for call.started, one for call.ended and an inactive one for call.started
    started = make_endpoint(acme, receiver.url, ["call.started"], description="started")
    make_endpoint(acme, receiver.url, ["call.ended"], description="ended")
    inactive = make_endpoint(acme, receiver.url, ["call.started"], description="inactive")
    with django_capture_on_commit_callbacks(execute=True):
        services.check_update_endpoint(acme.tenant, actor=acme.admin, endpoint=inactive, is_active=False)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        publish(event(acme.tenant, "call.started"))
    # then
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [started.pk]
    assert len(receiver.requests) == 1


def test_one_event_to_two_endpoints_has_one_event_id_and_two_deliveries(acme, receiver, django_capture_on_commit_callbacks):
    # given
    make_endpoint(acme, receiver.url, ["call.ended"], description="a")
    make_endpoint(acme, receiver.url, ["call.ended"], description="b")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        publish(event(acme.tenant, "call.ended"))
    # then
    ids = {request.json()["id"] for request in receiver.requests}
    deliveries = {request.headers["X-Centrex-Delivery"] for request in receiver.requests}
    assert len(ids) == 1 and len(deliveries) == 2


def test_endpoint_created_after_the_cache_was_filled_gets_the_next_event(acme, receiver, django_capture_on_commit_callbacks):
    # given the tenant's subscriptions were looked up (and cached) while it had no endpoint
    with django_capture_on_commit_callbacks(execute=True):
        publish(event(acme.tenant))
    # when an endpoint is added and another event follows
    with django_capture_on_commit_callbacks(execute=True):
        make_endpoint(acme, receiver.url, ["call.started"])
    with django_capture_on_commit_callbacks(execute=True):
        publish(event(acme.tenant))
    # then it is delivered
    assert len(receiver.requests) == 1


def test_published_test_event_type_is_never_fanned_out(acme, receiver, django_capture_on_commit_callbacks):
    # given an endpoint subscribed to webhook.test
    make_endpoint(acme, receiver.url, [event_types.TEST_EVENT])
    # when something publishes an event of that type
    with django_capture_on_commit_callbacks(execute=True):
        publish(event(acme.tenant, event_types.TEST_EVENT))
    # then nothing is sent: test events come only from the "send test event" action
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
def test_event_published_in_a_rolled_back_transaction_sends_nothing(receiver):
    # given (real transactions: nothing wraps this test in an atomic block)
    from tests.conftest import make_tenant

    acme = make_tenant("acme")
    make_endpoint(acme, receiver.url, ["call.started"])

    # when a change publishes an event and then fails
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        publish(event(acme.tenant))
        raise Boom
    # then no delivery was created and nothing was sent
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []
    # and the same change committed is delivered (the receiver is reachable)
    with transaction.atomic():
        publish(event(acme.tenant))
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


def test_event_type_registry_is_extensible_and_rejects_bad_names(acme, receiver, django_capture_on_commit_callbacks):
    # given another app registers its type
    event_types.register("voicemail.received", "A voicemail message was left")
    try:
        endpoint = make_endpoint(acme, receiver.url, ["voicemail.received"])
        # when such an event is published
        with django_capture_on_commit_callbacks(execute=True):
            publish(event(acme.tenant, "voicemail.received"))
        # then it is delivered
        assert endpoint.event_types == ["voicemail.received"]
        assert receiver.requests[0].headers["X-Centrex-Event"] == "voicemail.received"
    finally:
        event_types._registry.pop("voicemail.received")
    with pytest.raises(ValueError, match=r"call\.started"):
        event_types.register("Voicemail", "bad")


def test_batch_of_events_reads_subscriptions_once_and_reaches_only_subscribed_tenants(
    acme, globex, receiver, django_assert_max_num_queries
):
    # given acme subscribed to call.ended and globex without endpoints, both cached
    make_endpoint(acme, receiver.url, ["call.ended"])
    batch = [event(tenant, "call.ended", {"call": f"c{index}"}) for index in range(3) for tenant in (acme.tenant, globex.tenant)]
    events.deliver_many(batch[:2])
    WebhookDelivery.objects.all().delete()
    # when the switch gateway delivers six events of both tenants together
    with django_assert_max_num_queries(12):
        events.deliver_many(batch)
    # then acme's three are queued for sending in order, and globex's cost no database query of their own
    queued = WebhookDelivery.objects.filter(tenant=acme.tenant).order_by("created_at")
    assert [delivery.payload["data"]["call"] for delivery in queued] == ["c0", "c1", "c2"]
    assert not WebhookDelivery.objects.filter(tenant=globex.tenant).exists()

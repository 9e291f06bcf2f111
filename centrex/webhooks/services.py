"""Writes of the webhooks app: endpoints (create, change, delete, rotate, test, re-enable) and deliveries.

Endpoint services take the tenant first and the acting user as a keyword, validate, write in a
transaction, record the audit entry (never the secret) and send their side effects after commit.
Delivery services are called by the event subscriber and the delivery task: they fan a domain
event out to the tenant's subscribed endpoints and record each attempt, retry plan and
auto-disable.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from centrex.events import DomainEvent
from centrex.webhooks import event_types, selectors, signing, tasks, transport, vault
from centrex.webhooks.choices import DeliveryStatus, DisabledReason
from centrex.webhooks.models import WebhookDelivery, WebhookEndpoint
from centrex.webhooks.validators import validate_endpoint_url
from tenants import audit
from tenants.models import Tenant, User

logger = logging.getLogger(__name__)

ENDPOINT_FIELDS = ["url", "description", "is_active", "disabled_reason", "consecutive_failures"]
CHANGEABLE_FIELDS = {"url", "description", "event_types", "is_active"}
MAX_DESCRIPTION = 200


def _clean_event_types(values: Any) -> list[str]:
    if isinstance(values, str) or not isinstance(values, (list, tuple, set)) or not values:
        raise ValidationError(_("Choose at least one event type."))
    unknown = sorted({str(value) for value in values if not isinstance(value, str) or not event_types.is_known(value)})
    if unknown:
        raise ValidationError(
            _("Unknown event type: %(names)s. Known types: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(event_types.names())}
        )
    return sorted(set(values))


def _clean_description(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(_("Enter a text."))
    value = value.strip()
    if len(value) > MAX_DESCRIPTION:
        raise ValidationError(_("The description can have at most %(max)s characters.") % {"max": MAX_DESCRIPTION})
    return value


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    """Validate every given field and raise one ValidationError naming each bad field."""
    cleaners = {"url": validate_endpoint_url, "event_types": _clean_event_types, "description": _clean_description}
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, value in changes.items():
        if field == "is_active":
            if not isinstance(value, bool):
                errors[field] = [_("Enter true or false.")]
            else:
                cleaned[field] = value
            continue
        try:
            cleaned[field] = cleaners[field](value)
        except ValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _state(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The audited state of an endpoint; never the secret."""
    return {**audit.snapshot(endpoint, ENDPOINT_FIELDS), "event_types": list(endpoint.event_types)}


def _locked(tenant: Tenant, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """The endpoint's row, locked, read through the acting tenant: another tenant's endpoint is not found."""
    try:
        return selectors.endpoints(tenant).select_for_update().get(pk=endpoint.pk)
    except WebhookEndpoint.DoesNotExist as exc:
        raise Http404 from exc


def _forget_subscriptions_on_commit(tenant_id: Any) -> None:
    tenant_key = str(tenant_id)
    transaction.on_commit(lambda: selectors.forget_subscriptions(tenant_key))


@transaction.atomic
def check_create_endpoint(
    tenant: Tenant, *, actor: User | None, url: str, event_types: list[str], description: str = "", is_active: bool = True
) -> WebhookEndpoint:
    """Register a URL for the given event types; the endpoint gets a new secret (``endpoint.secret``).

    Created inactive (``is_active=False``) it counts as disabled by an admin until enabled.
    """
    cleaned = _clean({"url": url, "event_types": event_types, "description": description, "is_active": is_active})
    endpoint = WebhookEndpoint(tenant=tenant, **cleaned)
    if not endpoint.is_active:
        endpoint.disabled_reason = DisabledReason.ADMIN
        endpoint.disabled_at = timezone.now()
    endpoint.secret = vault.generate_secret()
    endpoint.save()
    audit.record(tenant=tenant, actor=actor, action="webhook.create", obj=endpoint, after=_state(endpoint))
    _forget_subscriptions_on_commit(tenant.pk)
    return endpoint


@transaction.atomic
def check_update_endpoint(tenant: Tenant, *, actor: User | None, endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    """Change URL, event types, description or active state (deactivating is a manual disable)."""
    unknown = set(changes) - CHANGEABLE_FIELDS
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    cleaned = _clean(changes)
    endpoint = _locked(tenant, endpoint)
    before = _state(endpoint)
    activate = cleaned.pop("is_active", None)
    for field, value in cleaned.items():
        setattr(endpoint, field, value)
    if activate is True and not endpoint.is_active:
        _enable(endpoint)
    elif activate is False and endpoint.is_active:
        endpoint.is_active = False
        endpoint.disabled_reason = DisabledReason.ADMIN
        endpoint.disabled_at = timezone.now()
    endpoint.save()
    audit.record(
        tenant=tenant,
        actor=actor,
        action="webhook.update",
        obj=endpoint,
        before=before,
        after=_state(endpoint),
    )
    _forget_subscriptions_on_commit(tenant.pk)
    return endpoint


@transaction.atomic
def do_delete_endpoint(tenant: Tenant, *, actor: User | None, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its delivery log; queued deliveries then find nothing to send."""
    endpoint = _locked(tenant, endpoint)
    audit.record(tenant=tenant, actor=actor, action="webhook.delete", obj=endpoint, before=_state(endpoint))
    endpoint.delete()
    _forget_subscriptions_on_commit(tenant.pk)


@transaction.atomic
def do_rotate_secret(tenant: Tenant, *, actor: User | None, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Give the endpoint a new secret; deliveries from now on are signed with it."""
    endpoint = _locked(tenant, endpoint)
    endpoint.secret = vault.generate_secret()
    endpoint.save(update_fields=["secret_encrypted", "updated_at"])
    audit.record(tenant=tenant, actor=actor, action="webhook.rotate_secret", obj=endpoint)
    return endpoint


def _enable(endpoint: WebhookEndpoint) -> None:
    endpoint.is_active = True
    endpoint.disabled_reason = DisabledReason.NONE
    endpoint.disabled_at = None
    endpoint.consecutive_failures = 0


@transaction.atomic
def do_reenable_endpoint(tenant: Tenant, *, actor: User | None, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Activate a disabled endpoint again with a fresh failure count."""
    endpoint = _locked(tenant, endpoint)
    if endpoint.is_active:
        return endpoint
    before = _state(endpoint)
    _enable(endpoint)
    endpoint.save(update_fields=["is_active", "disabled_reason", "disabled_at", "consecutive_failures", "updated_at"])
    audit.record(
        tenant=tenant,
        actor=actor,
        action="webhook.reenable",
        obj=endpoint,
        before=before,
        after=_state(endpoint),
    )
    _forget_subscriptions_on_commit(tenant.pk)
    return endpoint


def _payload(*, event_id: uuid.UUID, event_type: str, tenant_id: str, data: dict[str, Any]) -> dict[str, Any]:
    # Through JSON once, so what is stored is exactly what will be sent (dates as ISO strings).
    return json.loads(
        json.dumps(
            {"id": str(event_id), "type": event_type, "created_at": timezone.now(), "tenant": tenant_id, "data": data},
            cls=DjangoJSONEncoder,
        )
    )


ENVELOPE_KEYS = ("id", "type", "created_at", "tenant", "data")


def envelope(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with its keys in the documented order (the database keeps JSON keys in its own order)."""
    return {key: payload[key] for key in ENVELOPE_KEYS if key in payload}


def _queue(delivery: WebhookDelivery) -> None:
    delivery_id = str(delivery.pk)
    transaction.on_commit(lambda: tasks.deliver_webhook.delay(delivery_id))


@transaction.atomic
def do_send_test_event(tenant: Tenant, *, actor: User | None, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send a ``webhook.test`` event to this one endpoint now (also when disabled, to check a fix).

    A test is tried once and does not count towards the endpoint's failures.
    """
    endpoint = _locked(tenant, endpoint)
    event_id = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(
        tenant=tenant,
        endpoint=endpoint,
        event_id=event_id,
        event_type=event_types.TEST_EVENT,
        payload=_payload(
            event_id=event_id,
            event_type=event_types.TEST_EVENT,
            tenant_id=str(tenant.pk),
            data={"endpoint": str(endpoint.pk), "message": "This is a test event from Centrex."},
        ),
    )
    audit.record(tenant=tenant, actor=actor, action="webhook.test", obj=endpoint, after={"delivery": str(delivery.pk)})
    _queue(delivery)
    return delivery


def queue_event_deliveries(event: DomainEvent) -> list[WebhookDelivery]:
    """Create a delivery of ``event`` for each active endpoint of the event's own tenant subscribed to it."""
    if event.name == event_types.TEST_EVENT:
        return []
    subscribed = [pk for pk, types in selectors.active_subscriptions(event.tenant) if event.name in types]
    if not subscribed:
        return []
    event_id = uuid.uuid4()
    payload = _payload(event_id=event_id, event_type=event.name, tenant_id=event.tenant, data=event.data)
    created = []
    with transaction.atomic():
        # Re-read with the tenant in the filter: the cache only narrows the search, it never widens it.
        for endpoint in WebhookEndpoint.objects.filter(tenant_id=event.tenant, is_active=True, pk__in=subscribed):
            if not endpoint.subscribes_to(event.name):
                continue
            delivery = WebhookDelivery.objects.create(
                tenant_id=event.tenant,
                endpoint=endpoint,
                event_id=event_id,
                event_type=event.name,
                payload=payload,
            )
            _queue(delivery)
            created.append(delivery)
    return created


def prune_deliveries(*, now: datetime | None = None) -> int:
    """Delete finished deliveries older than ``WEBHOOK_DELIVERY_RETENTION_DAYS``; pending ones are kept."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    old = WebhookDelivery.objects.exclude(status=DeliveryStatus.PENDING).filter(created_at__lt=cutoff)
    deleted, _per_model = old.delete()
    return deleted


def retry_delay(attempt: int) -> int:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): base * 2**(attempt - 1), capped."""
    return min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempt - 1), settings.WEBHOOK_RETRY_MAX_SECONDS)


def attempt_delivery(delivery_id: str) -> int | None:
    """Send one attempt of a pending delivery; return the seconds until the next attempt, or None when done."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None  # deleted with its endpoint, or already done (a task that ran twice)
    endpoint = delivery.endpoint
    if not endpoint.is_active and not delivery.is_test:
        result = transport.AttemptResult(ok=False, error=_("The endpoint is disabled; the delivery was not sent."))
        return _record_attempt(delivery, result, final=True)
    body = json.dumps(envelope(delivery.payload), separators=(",", ":")).encode()
    headers = signing.signed_headers(
        secret=endpoint.secret, event_type=delivery.event_type, delivery_id=str(delivery.pk), body=body
    )
    result = transport.post(endpoint.url, body, headers)
    return _record_attempt(delivery, result)


@transaction.atomic
def _record_attempt(delivery: WebhookDelivery, result: transport.AttemptResult, *, final: bool = False) -> int | None:
    # Locks in a fixed order, endpoint then delivery, like every other writer of both.
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=delivery.endpoint_id).first()
    locked = WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).first()
    if endpoint is None or locked is None:
        return None  # the endpoint was deleted while the request was on its way
    delivery = locked
    now = timezone.now()
    delivery.attempts += 1
    delivery.response_status_code = result.status_code
    delivery.response_time_ms = result.response_time_ms
    delivery.last_error = result.error
    max_attempts = 1 if delivery.is_test else max(1, settings.WEBHOOK_MAX_ATTEMPTS)
    retry_in: int | None = None
    if result.ok:
        delivery.status = DeliveryStatus.SUCCEEDED
    elif not final and delivery.attempts < max_attempts:
        retry_in = retry_delay(delivery.attempts)
    else:
        delivery.status = DeliveryStatus.FAILED
    delivery.next_attempt_at = now + timedelta(seconds=retry_in) if retry_in is not None else None
    delivery.completed_at = now if delivery.status != DeliveryStatus.PENDING else None
    delivery.attempt_log = [
        *delivery.attempt_log,
        {
            "at": now.isoformat(),
            "status_code": result.status_code,
            "response_time_ms": result.response_time_ms,
            "error": result.error,
            "retry_in": retry_in,
        },
    ]
    delivery.save()
    if not delivery.is_test and not final and delivery.status != DeliveryStatus.PENDING:
        _count_outcome(endpoint, delivery, now)
    logger.info(
        "webhook delivery attempt",
        extra={
            "tenant": str(delivery.tenant_id),
            "endpoint": str(endpoint.pk),
            "delivery": str(delivery.pk),
            "event_type": delivery.event_type,
            "attempt": delivery.attempts,
            "status": delivery.status,
            "status_code": result.status_code,
            "response_time_ms": result.response_time_ms,
            "retry_in": retry_in,
            "error": result.error,
        },
    )
    return retry_in


def _count_outcome(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: Any) -> None:
    """A success resets the endpoint's failure count; too many failed deliveries in a row disable it."""
    if delivery.status == DeliveryStatus.SUCCEEDED:
        endpoint.consecutive_failures = 0
        endpoint.save(update_fields=["consecutive_failures", "updated_at"])
        return
    endpoint.consecutive_failures += 1
    endpoint.last_error = delivery.last_error
    fields = ["consecutive_failures", "last_error", "updated_at"]
    disable = endpoint.is_active and endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES
    if disable:
        before = _state(endpoint)
        endpoint.is_active = False
        endpoint.disabled_reason = DisabledReason.FAILURES
        endpoint.disabled_at = now
        fields += ["is_active", "disabled_reason", "disabled_at"]
    endpoint.save(update_fields=fields)
    if disable:
        audit.record(
            tenant=endpoint.tenant,
            actor=None,
            action="webhook.auto_disable",
            obj=endpoint,
            before=before,
            after=_state(endpoint),
        )
        _forget_subscriptions_on_commit(endpoint.tenant_id)
        logger.warning(
            "webhook endpoint disabled after failed deliveries",
            extra={"tenant": str(endpoint.tenant_id), "endpoint": str(endpoint.pk), "failures": endpoint.consecutive_failures},
        )

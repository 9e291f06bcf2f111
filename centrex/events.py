"""The one event pipeline: ``publish()`` takes a domain event and, after commit, sends it on.

A domain event is ``{"type": ..., "op": ..., "tenant": ..., "data": ...}`` (plus an optional
``user`` for personal events). ``publish()`` never sends anything from a transaction that
rolls back. Once the transaction commits it

1. sends the event to the Channels group of the tenant, or of the one user when personal,
2. hands it to every registered subscriber (webhooks, live state, follow-up tasks).

Subscribers register with ``@subscriber`` (one event at a time) or ``@batch_subscriber`` (a list of
events, for those that read something per tenant); they must be quick and must not raise (they
usually queue a Celery task).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from centrex.groups import tenant_group, user_group

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    type: str  # e.g. "call", "registration", "presence", "user"
    op: str  # e.g. "started", "answered", "ended", "changed", "created"
    tenant: str  # tenant uuid
    data: dict[str, Any] = field(default_factory=dict)
    user: str | None = None  # user uuid when the event is personal

    @property
    def name(self) -> str:
        """The event type as webhooks and clients see it, e.g. ``call.started``."""
        return f"{self.type}.{self.op}"

    def as_message(self) -> dict[str, Any]:
        message = asdict(self)
        if message["user"] is None:
            del message["user"]
        return message


Subscriber = Callable[[DomainEvent], None]
BatchSubscriber = Callable[[Sequence[DomainEvent]], None]
_subscribers: list[Subscriber] = []
_batch_subscribers: list[BatchSubscriber] = []


def subscriber(func: Subscriber) -> Subscriber:
    """Register ``func`` to receive every published event after commit."""
    if func not in _subscribers:
        _subscribers.append(func)
    return func


def batch_subscriber(func: BatchSubscriber) -> BatchSubscriber:
    """Register ``func`` to receive the published events a list at a time, in order.

    For subscribers that read something per tenant: the switch gateway delivers the events of a
    whole batch of switch events together, and one read for the batch beats one per event.
    """
    if func not in _batch_subscribers:
        _batch_subscribers.append(func)
    return func


def publish(event: DomainEvent, *, using: str | None = None) -> None:
    """Send ``event`` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: deliver(event), using=using)


def deliver(event: DomainEvent) -> None:
    """Send an event now. Used by ``publish()`` and by processes without a database transaction."""
    deliver_many([event])


def deliver_many(events: Sequence[DomainEvent]) -> None:
    """Send events now, in order: to their Channels groups (one hop into the layer, one message per group),
    then to the subscribers."""
    if not events:
        return
    layer = get_channel_layer()
    if layer is not None:
        try:
            async_to_sync(_group_send_all)(layer, events)
        except Exception:
            logger.exception("channel layer send failed", extra={"events": len(events), "first": events[0].name})
    for func in list(_subscribers):
        for event in events:
            try:
                func(event)
            except Exception:
                logger.exception("event subscriber failed", extra={"event": event.name, "subscriber": func.__qualname__})
    for batch_func in list(_batch_subscribers):
        try:
            batch_func(events)
        except Exception:
            logger.exception("event subscriber failed", extra={"events": len(events), "subscriber": batch_func.__qualname__})


async def _group_send_all(layer: Any, events: Sequence[DomainEvent]) -> None:
    """One channel-layer message per group: a lone event as ``event.message``, several as ``event.batch``.

    The events of a group keep their order; a consumer forwards a batch as separate frames, so a
    browser sees the same stream either way.
    """
    by_group: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        group = user_group(event.tenant, event.user) if event.user else tenant_group(event.tenant)
        by_group.setdefault(group, []).append(event.as_message())
    for group, messages in by_group.items():
        if len(messages) == 1:
            message = {"type": "event.message", "event": messages[0]}
        else:
            message = {"type": "event.batch", "events": messages}
        try:
            await layer.group_send(group, message)
        except Exception:
            logger.exception("channel layer send failed", extra={"group": group, "events": len(messages)})

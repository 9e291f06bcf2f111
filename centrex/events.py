"""The one event pipeline: ``publish()`` takes a domain event and, after commit, sends it on.

A domain event is ``{"type": ..., "op": ..., "tenant": ..., "data": ...}`` (plus an optional
``user`` for personal events). ``publish()`` never sends anything from a transaction that
rolls back. Once the transaction commits it

1. sends the event to the Channels group of the tenant, or of the one user when personal,
2. hands it to every registered subscriber (webhooks, live state, follow-up tasks).

Subscribers register with ``@subscriber``; they must be quick and must not raise (they
usually queue a Celery task).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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
_subscribers: list[Subscriber] = []


def subscriber(func: Subscriber) -> Subscriber:
    """Register ``func`` to receive every published event after commit."""
    if func not in _subscribers:
        _subscribers.append(func)
    return func


def publish(event: DomainEvent, *, using: str | None = None) -> None:
    """Send ``event`` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: deliver(event), using=using)


def deliver(event: DomainEvent) -> None:
    """Send an event now. Used by ``publish()`` and by processes without a database transaction."""
    group = user_group(event.tenant, event.user) if event.user else tenant_group(event.tenant)
    layer = get_channel_layer()
    if layer is not None:
        try:
            async_to_sync(layer.group_send)(group, {"type": "event.message", "event": event.as_message()})
        except Exception:
            logger.exception("channel layer send failed", extra={"event": event.name, "tenant": event.tenant})
    for func in list(_subscribers):
        try:
            func(event)
        except Exception:
            logger.exception("event subscriber failed", extra={"event": event.name, "subscriber": func.__qualname__})

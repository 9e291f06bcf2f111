"""The webhooks' subscriber to the event pipeline: every published domain event is fanned out
to the active endpoints of the event's own tenant that subscribed to its type."""

from __future__ import annotations

from centrex.events import DomainEvent, subscriber


@subscriber
def queue_webhooks(event: DomainEvent) -> None:
    from centrex.webhooks import services

    services.queue_event_deliveries(event)

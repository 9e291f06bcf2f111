"""The webhooks' subscriber to the event pipeline: every published domain event is fanned out
to the active endpoints of the event's own tenant that subscribed to its type."""

from __future__ import annotations

from collections.abc import Sequence

from centrex.events import DomainEvent, batch_subscriber


@batch_subscriber
def queue_webhooks(events: Sequence[DomainEvent]) -> None:
    from centrex.webhooks import selectors, services

    # One cache read for the tenants of the batch: most tenants have no endpoint at all.
    subscribed = selectors.tenants_with_subscriptions({event.tenant for event in events})
    for event in events:
        if event.tenant in subscribed:
            services.queue_event_deliveries(event)

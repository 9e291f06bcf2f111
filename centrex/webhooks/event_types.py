"""The registry of event types an endpoint can subscribe to.

The names are ``DomainEvent.name`` values of the ``publish()`` pipeline (``call.started`` ...).
Other apps add theirs in ``AppConfig.ready()``::

    from centrex.webhooks.event_types import register
    register("voicemail.received", _("A voicemail message was left"))
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TEST_EVENT = "webhook.test"


@dataclass(frozen=True)
class EventType:
    name: str
    label: str | Promise


_registry: dict[str, EventType] = {}


def register(name: str, label: str | Promise) -> EventType:
    """Make ``name`` subscribable; registering the same name again replaces its label."""
    if "." not in name or name != name.strip().lower():
        raise ValueError(f"event type names look like 'call.started', not {name!r}")
    _registry[name] = EventType(name, label)
    return _registry[name]


def is_known(name: str) -> bool:
    return name in _registry


def all_event_types() -> list[EventType]:
    return sorted(_registry.values(), key=lambda event_type: event_type.name)


def names() -> list[str]:
    return [event_type.name for event_type in all_event_types()]


def choices() -> list[tuple[str, str | Promise]]:
    return [(event_type.name, event_type.label) for event_type in all_event_types()]


register("call.started", _("A call started"))
register("call.answered", _("A call was answered"))
register("call.ended", _("A call ended"))
register("registration.changed", _("A phone registered or unregistered"))
register("presence.changed", _("An extension's line state or presence changed"))
register(TEST_EVENT, _('Test event (sent with the "send test event" button)'))

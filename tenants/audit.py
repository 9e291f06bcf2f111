"""The audit log: every service write records tenant, actor, action, object, before/after."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from tenants.models import AuditEntry, Tenant, User

# The API key a request authenticated with, so writes made through it are attributed to it.
current_api_key: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar("current_api_key", default=None)


@contextmanager
def acting_with_api_key(key_id: uuid.UUID) -> Iterator[None]:
    token = current_api_key.set(key_id)
    try:
        yield
    finally:
        current_api_key.reset(token)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """A JSON-safe copy of the named fields, for the before/after columns."""
    encoder = DjangoJSONEncoder()
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        values[name] = value if isinstance(value, (str, int, bool, float, type(None))) else encoder.default(value)
    return values


def record(
    *,
    tenant: Tenant | None,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        tenant=tenant,
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.email if actor is not None else "system",
        api_key_id=current_api_key.get(),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
    )

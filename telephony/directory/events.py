"""Domain events of the directory: ``extension.created`` / ``extension.updated`` / ``extension.deleted``.

The data is the extension as the REST API returns it, so portal pages, the web app and
webhook receivers see one shape. Published after commit by ``centrex.events.publish``.
"""

from __future__ import annotations

from typing import Any

from centrex.events import DomainEvent, publish
from telephony.directory.models import Extension

EXTENSION = "extension"


def extension_data(extension: Extension) -> dict[str, Any]:
    from telephony.directory.serializers import ExtensionSerializer

    data = ExtensionSerializer(extension).data
    # JSON-safe for the channel layer and webhooks: UUIDs and datetimes as strings.
    return {key: _plain(value) for key, value in data.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def publish_extension(op: str, extension: Extension, *, data: dict[str, Any] | None = None) -> None:
    """Publish ``extension.<op>`` for the extension's tenant once the transaction commits."""
    publish(
        DomainEvent(
            type=EXTENSION,
            op=op,
            tenant=str(extension.tenant_id),
            data=data if data is not None else extension_data(extension),
        )
    )

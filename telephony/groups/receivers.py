"""Keep the hunt-group strategies' memory up to date from the switch's call events.

The dialplan exports ``centrex_group_id`` on every leg of a group call; the switch gateway
passes it on as ``group_id`` in the data of ``call.answered`` (see the lead's note on
``telephony.freeswitch.gateway``). When a member answers, the cyclic rotation continues after
them; when any call of an extension ends, the extension has been idle since then (least active).
"""

from __future__ import annotations

import logging
import time
import uuid

from centrex.events import DomainEvent, subscriber

logger = logging.getLogger(__name__)


def _extension_id(tenant_id: str, number: str | None) -> str | None:
    from telephony.directory.models import Extension

    if not number:
        return None
    value = Extension.objects.filter(tenant_id=tenant_id, number=number).values_list("id", flat=True).first()
    return str(value) if value else None


def _uuid(value: object) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError):
        return None


@subscriber
def follow_group_calls(event: DomainEvent) -> None:
    """``call.answered`` of a group call: record who answered; ``call.ended``: the extension is idle again."""
    from telephony.groups import state

    if event.type != "call" or event.op not in ("answered", "ended") or not event.tenant:
        return
    data = event.data or {}
    extension_id = _extension_id(str(event.tenant), data.get("extension"))
    if extension_id is None:
        return
    if event.op == "answered":
        group_id = _uuid(data.get("group_id"))
        if group_id is not None:
            state.record_answer(str(event.tenant), group_id, extension_id)
    elif data.get("answered"):
        state.mark_idle(str(event.tenant), extension_id, when=time.time())

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
from collections.abc import Sequence

from centrex.events import DomainEvent, batch_subscriber

logger = logging.getLogger(__name__)


def _extension_ids(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """``(tenant id, extension number) -> extension id`` for the pairs that exist, in one query."""
    from django.db.models import Q

    from telephony.directory.models import Extension

    if not pairs:
        return {}
    match = Q()
    for tenant_id, number in pairs:
        match |= Q(tenant_id=tenant_id, number=number)
    rows = Extension.objects.filter(match).values_list("tenant_id", "number", "id")
    return {(str(tenant_id), number): str(pk) for tenant_id, number, pk in rows}


def _uuid(value: object) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError):
        return None


@batch_subscriber
def follow_group_calls(events: Sequence[DomainEvent]) -> None:
    """``call.answered`` of a group call: record who answered; ``call.ended``: the extension is idle again."""
    from telephony.groups import state

    relevant = []
    for event in events:
        data = event.data or {}
        if event.type != "call" or not event.tenant or not data.get("extension"):
            continue
        if (event.op == "answered" and _uuid(data.get("group_id"))) or (event.op == "ended" and data.get("answered")):
            relevant.append((event, str(event.tenant), str(data["extension"])))
    if not relevant:
        return
    extension_ids = _extension_ids({(tenant_id, number) for _event, tenant_id, number in relevant})
    for event, tenant_id, number in relevant:
        extension_id = extension_ids.get((tenant_id, number))
        if extension_id is None:
            continue
        if event.op == "answered":
            state.record_answer(tenant_id, str(_uuid(event.data["group_id"])), extension_id)
        else:
            state.mark_idle(tenant_id, extension_id, when=time.time())

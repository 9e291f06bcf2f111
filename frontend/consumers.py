"""The browser's event stream: joins the user's tenant group and personal group, forwards events.

Nothing is accepted from the browser here; commands go through the REST API.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from centrex.groups import tenant_group, user_group


@database_sync_to_async
def _tenant_id_of(user: Any) -> str | None:
    membership = getattr(user, "membership", None)
    if membership is None or not membership.is_active:
        return None
    return str(membership.tenant_id)


class EventConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]

    async def connect(self) -> None:
        user = self.scope.get("user")
        tenant_id = await _tenant_id_of(user) if user is not None and user.is_authenticated else None
        if tenant_id is None:
            await self.close(code=4401)
            return
        self.groups_joined = [tenant_group(tenant_id), user_group(tenant_id, str(user.pk))]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def event_message(self, message: dict[str, Any]) -> None:
        """A domain event sent to one of our groups by ``publish()``."""
        await self.send_json(message["event"])

    async def event_batch(self, message: dict[str, Any]) -> None:
        """Several events for one of our groups, sent together by ``deliver_many()``: one frame each, in order."""
        for event in message["events"]:
            await self.send_json(event)

"""The switch gateway: one asyncio process per node, beside it (``manage.py switch_gateway --node NAME``).

It holds the node's ESL connection, subscribes to the few events it needs, and for each one

1. normalises it (``telephony.freeswitch.events``),
2. resolves the tenant (the ``tenant_id`` channel variable our directory and dialplan set, else the
   SIP domain) and, for a device, its extension and user,
3. updates live state in Redis (``telephony.freeswitch.livestate``),
4. turns it into domain events and hands them to ``centrex.events.deliver`` (the gateway has no
   database transaction, so it delivers at once): ``registration.changed`` to the tenant's group,
   ``call.started``/``call.answered``/``call.ended`` to the user of the device, and after a
   registration or call-leg change of a device, ``presence.changed`` for its extension to the
   tenant's group when the extension's line state or presence changed ([DFN] §1.10; derived by the
   same Redis script as the write, so it costs no extra round trip: ``LiveStateWriter.*_and_derive``),
5. counts failed registrations per address (``telephony.freeswitch.bruteforce``).

Database reads never run on the event loop: tenants and devices are cached in small maps loaded
through ``sync_to_async``. When the node goes away the gateway reconnects with capped
exponential backoff and jitter, and keeps the node's status and last event time up to date.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from redis.exceptions import RedisError

from centrex.events import DomainEvent, deliver_many
from telephony.directory.presence import ExtensionPresence, is_app_contact
from telephony.freeswitch import bruteforce, livestate
from telephony.freeswitch.choices import NodeStatus
from telephony.freeswitch.esl import EslClient, EslError, parse_event
from telephony.freeswitch.events import (
    SUBSCRIPTION,
    ChannelChange,
    PresenceChange,
    RegisterFailure,
    Registration,
    SwitchEvent,
    Unregistration,
    contact_uri,
    normalise,
)
from telephony.freeswitch.livestate import LiveStateWriter

logger = logging.getLogger(__name__)

# How long the cached tenant and device maps are trusted, and how often a miss may reload them.
MAP_TTL_SECONDS = 60.0
MISS_RELOAD_SECONDS = 5.0
# Largest number of events handled (and delivered) together.
BATCH_SIZE = 200
# The node's last_event_at is written at most this often.
TOUCH_SECONDS = 5.0
# How many independent event chains (or Channels groups) are worked on at once.
CONCURRENCY = 32
# While a batch is handled: id of each presence.changed event -> the order Redis derived it in.
_PRESENCE_ORDER: ContextVar[dict[int, int] | None] = ContextVar("presence_order", default=None)


def order_key(headers: Mapping[str, str]) -> str:
    """Events with the same key must be handled in order: one device's registrations, presence and call legs
    (so its extension's presence follows them in order), or one channel that belongs to no device (trunk, loopback)."""
    name = headers.get("Event-Name", "")
    if name == "CUSTOM":
        user = headers.get("username") or headers.get("from-user") or headers.get("user") or headers.get("to-user", "")
        host = headers.get("realm") or headers.get("from-host") or headers.get("host") or headers.get("to-host", "")
        return f"user:{user}@{host.lower()}"
    if name == "PRESENCE_IN":
        return _user_key(headers.get("Channel-Presence-ID") or headers.get("from", ""))
    presence_id = headers.get("Channel-Presence-ID", "")
    if "@" in presence_id:
        return _user_key(presence_id)
    return f"channel:{headers.get('Unique-ID', '')}"


def _user_key(address: str) -> str:
    user, _sep, host = address.partition("@")
    return f"user:{user}@{host.lower()}"


@dataclass(frozen=True)
class DeviceInfo:
    extension: str
    user_id: str | None
    extension_id: str = ""
    devices: tuple[str, ...] = ()  # the SIP user names of every device of the extension (this one included)


@dataclass
class TenantDirectory:
    """Cached maps SIP domain -> tenant id and (tenant, SIP user) -> extension and user."""

    domains: dict[str, str] = field(default_factory=dict)
    tenant_ids: set[str] = field(default_factory=set)
    devices: dict[str, dict[str, DeviceInfo]] = field(default_factory=dict)
    _tenants_loaded: float = 0.0
    _devices_loaded: dict[str, float] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def tenant_for(self, hint: str, domain: str) -> str | None:
        now = time.monotonic()
        stale = now - self._tenants_loaded > MAP_TTL_SECONDS
        missing = (hint and hint not in self.tenant_ids) or (not hint and domain and domain not in self.domains)
        if stale or (missing and now - self._tenants_loaded > MISS_RELOAD_SECONDS):
            async with self._lock:
                if self._tenants_loaded < now:  # not reloaded by a concurrent chain meanwhile
                    self.domains = await sync_to_async(_load_tenants)()
                    self.tenant_ids = set(self.domains.values())
                    self._tenants_loaded = time.monotonic()
        if hint and hint in self.tenant_ids:
            return hint
        return self.domains.get(domain) if domain else None

    async def device(self, tenant_id: str, sip_user: str) -> DeviceInfo | None:
        now = time.monotonic()
        loaded = self._devices_loaded.get(tenant_id, 0.0)
        known = self.devices.get(tenant_id, {})
        if now - loaded > MAP_TTL_SECONDS or (sip_user not in known and now - loaded > MISS_RELOAD_SECONDS):
            async with self._lock:
                if self._devices_loaded.get(tenant_id, 0.0) < now:
                    self.devices[tenant_id] = await sync_to_async(_load_devices)(tenant_id)
                    self._devices_loaded[tenant_id] = time.monotonic()
            known = self.devices[tenant_id]
        return known.get(sip_user)


def _load_tenants() -> dict[str, str]:
    from tenants.models import Tenant

    close_old_connections()
    return {domain.lower(): str(pk) for pk, domain in Tenant.objects.values_list("pk", "sip_domain") if domain}


def _load_devices(tenant_id: str) -> dict[str, DeviceInfo]:
    from telephony.directory.models import Device

    close_old_connections()
    rows = list(
        Device.objects.filter(tenant_id=tenant_id).values_list(
            "sip_username", "extension__number", "extension__user_id", "extension_id"
        )
    )
    _reset_dnd(tenant_id)
    siblings: dict[Any, list[str]] = {}
    for username, _number, _user, extension_id in rows:
        siblings.setdefault(extension_id, []).append(username)
    return {
        username: DeviceInfo(number, str(user) if user else None, str(extension_id), tuple(sorted(siblings[extension_id])))
        for username, number, user, extension_id in rows
    }


def _reset_dnd(tenant_id: str) -> None:
    """Presence reads global DND from Redis: bring it in line with the database with each device reload."""
    from telephony.forwarding.models import PersonalSettings

    on = PersonalSettings.objects.filter(tenant_id=tenant_id, dnd=True).values_list("extension_id", flat=True)
    try:
        livestate.reset_dnd(tenant_id, list(on))
    except RedisError as error:
        logger.warning("DND set not refreshed", extra={"tenant": tenant_id, "error": str(error)})


def deliver_all(events: list[DomainEvent]) -> None:
    """Deliver a batch of domain events, in order, with ``centrex.events.deliver_many`` (runs in a worker thread)."""
    deliver_many(events)


class Gateway:
    """Turns one node's ESL events into live state and domain events."""

    def __init__(
        self,
        node: Any,
        *,
        writer: LiveStateWriter | None = None,
        directory: TenantDirectory | None = None,
        publish: Callable[[list[DomainEvent]], Any] | None = None,
    ) -> None:
        self.node = node
        self.writer = writer or LiveStateWriter()
        self.directory = directory or TenantDirectory()
        # centrex.events.deliver_many() for the batch, from a worker thread (it sends through async_to_sync and
        # runs subscribers that may use the database); a coroutine function would run on the loop.
        self.publish = publish or deliver_all
        self.stats = {"events": 0, "domain_events": 0, "connections": 0}
        self._pending: list[DomainEvent] = []
        self._touched = 0.0

    # --- one event --------------------------------------------------------------------
    async def handle(self, headers: Mapping[str, str], *, now: float | None = None) -> list[DomainEvent]:
        """Apply one decoded event to live state and return the domain events it gives."""
        self.stats["events"] += 1
        item = normalise(headers)
        if item is None:
            return []
        now = time.time() if now is None else now
        if isinstance(item, RegisterFailure):
            await sync_to_async(bruteforce.record_failure)(item.network_ip, node_id=str(self.node.pk), now=now)
            return []
        tenant_id = await self.directory.tenant_for(getattr(item, "tenant_hint", ""), item.domain)
        if tenant_id is None:
            logger.debug("event for an unknown domain", extra={"domain": item.domain})
            return []
        return await self._apply(tenant_id, item, now)

    async def _apply(self, tenant_id: str, item: SwitchEvent, now: float) -> list[DomainEvent]:
        if isinstance(item, Registration):
            return await self._registered(tenant_id, item, now)
        if isinstance(item, Unregistration):
            device = await self.directory.device(tenant_id, item.sip_user)
            (removed, remaining), changed = await self.writer.unregister_and_derive(
                tenant_id, item.sip_user, item.call_id, item.contact, now=now, extension=_extension_of(device)
            )
            presence = self._presence_event(tenant_id, device, changed)
            if not removed:
                return presence
            data = {"sip_username": item.sip_user, "extension": device.extension if device else None}
            return [
                DomainEvent("registration", "changed", tenant_id, {**data, "registered": remaining > 0, "reason": item.reason}),
                *presence,
            ]
        if isinstance(item, PresenceChange):
            # The switch's own per-device state, kept for routing (busy devices); what people see is the
            # extension's presence, derived from registrations and call legs.
            await self.writer.set_presence(tenant_id, item.sip_user, item.state)
            return []
        if isinstance(item, ChannelChange):
            return await self._channel(tenant_id, item, now)
        return []

    async def _registered(self, tenant_id: str, item: Registration, now: float) -> list[DomainEvent]:
        contact = {
            "contact": contact_uri(item.contact),
            "network_ip": item.network_ip,
            "network_port": item.network_port,
            "user_agent": item.user_agent,
            "expires_at": now + item.expires,
            "node": self.node.name,
            "app": is_app_contact(item.contact),  # a browser (WebRTC over WSS): "logged into the app"
        }
        device = await self.directory.device(tenant_id, item.sip_user)
        new, changed = await self.writer.register_and_derive(
            tenant_id, item.sip_user, item.call_id, contact, now=now, extension=_extension_of(device)
        )
        presence = self._presence_event(tenant_id, device, changed)
        if not new:
            return presence  # a refresh of a known registration: nothing new (unless the presence had drifted)
        data = {
            "sip_username": item.sip_user,
            "extension": device.extension if device else None,
            "registered": True,
            "user_agent": item.user_agent,
        }
        return [DomainEvent("registration", "changed", tenant_id, data), *presence]

    def _presence_event(self, tenant_id: str, device: DeviceInfo | None, changed: tuple[str, int] | None) -> list[DomainEvent]:
        """``presence.changed`` for the device's extension, when the write's script found its value changed."""
        if device is None or changed is None:
            return []
        value, sequence = changed
        state = ExtensionPresence.decode(value)
        data = {
            "extension": device.extension,
            "extension_id": device.extension_id,
            "user_id": device.user_id,
            "line_state": state.line_state.value,
            "presence": state.presence.value,
            "seq": sequence,  # grows with each change of the tenant's presence: clients drop older ones
        }
        event = DomainEvent("presence", "changed", tenant_id, data)
        order = _PRESENCE_ORDER.get()
        if order is not None:
            order[id(event)] = sequence
        return [event]

    async def _channel(self, tenant_id: str, item: ChannelChange, now: float) -> list[DomainEvent]:
        device = await self.directory.device(tenant_id, item.sip_user) if item.sip_user else None
        data: dict[str, Any] = {
            "uuid": item.uuid,
            "direction": item.direction,
            "sip_username": item.sip_user or None,
            "extension": device.extension if device else None,
            "caller_number": item.caller_number,
            "caller_name": item.caller_name,
            "destination": item.destination,
            "other_leg": item.other_leg or None,
            "outside": item.outside,
        }
        extension = _extension_of(device)
        if item.op == "ended":
            stored, changed = await self.writer.channel_end_and_derive(tenant_id, item.uuid, now=now, extension=extension)
            if stored is None:  # never seen (or already ended): no call event
                return self._presence_event(tenant_id, device, changed)
            data = {**data, "answered": bool(stored.get("answered_at")), "hangup_cause": item.hangup_cause}
        else:
            state = {"started": "ringing", "answered": "answered", "bridged": "bridged"}[item.op]
            live = {**data, "state": state, "created_at": item.created_at or now, "node": self.node.name}
            if item.op == "answered":
                live["answered_at"] = now
            if item.op == "bridged" and not item.other_leg:
                live.pop("other_leg")
            _created, changed = await self.writer.channel_update_and_derive(
                tenant_id, item.uuid, live, outside=item.outside, now=now, extension=extension
            )
        if item.group_id:
            data["group_id"] = item.group_id
        if device is None:
            return []  # only the tenant's device legs become call events (not trunk or loopback legs)
        presence = self._presence_event(tenant_id, device, changed)
        if item.op == "bridged":
            return presence
        # A person's device: a personal event; a shared device without a user (lobby, meeting room): the tenant's.
        return [DomainEvent("call", item.op, tenant_id, data, user=device.user_id), *presence]

    async def handle_batch(self, batch: list[Mapping[str, str]], *, now: float | None = None) -> list[DomainEvent]:
        """Handle events together: those about one channel or one user in order, the others concurrently.

        Live state waits on Redis round trips; overlapping the waits of unrelated events is what
        lets one gateway keep up with a busy node. The domain events come back in event order, except
        that the ``presence.changed`` events of one extension (two of its devices' chains may have run
        at once) come in the order Redis derived them, so the last one sent is the one stored.
        """
        order: dict[int, int] = {}
        token = _PRESENCE_ORDER.set(order)  # the chains' tasks copy this context: they fill the same dict
        try:
            events = await self._handle_chains(batch, now=now)
        finally:
            _PRESENCE_ORDER.reset(token)
        if len(order) > 1:
            _order_presence(events, order)
        return events

    async def _handle_chains(self, batch: list[Mapping[str, str]], *, now: float | None) -> list[DomainEvent]:
        chains: dict[str, list[tuple[int, Mapping[str, str]]]] = {}
        channel_keys: dict[str, str] = {}  # a channel stays in the chain of its first event, whatever comes later
        for index, headers in enumerate(batch):
            key = order_key(headers)
            channel = headers.get("Unique-ID", "") if headers.get("Event-Name", "").startswith("CHANNEL_") else ""
            if channel:
                key = channel_keys.setdefault(channel, key)
            chains.setdefault(key, []).append((index, headers))
        results: list[list[DomainEvent]] = [[] for _ in batch]
        limit = asyncio.Semaphore(CONCURRENCY)

        async def run(chain: list[tuple[int, Mapping[str, str]]]) -> None:
            async with limit:
                for index, headers in chain:
                    try:
                        results[index] = await self.handle(headers, now=now)
                    except Exception:  # one bad event must not stop the node's event stream
                        logger.exception("event handling failed", extra={"node": self.node.name})

        await asyncio.gather(*(run(chain) for chain in chains.values()))
        return [event for result in results for event in result]

    # --- the connection ------------------------------------------------------------------
    async def consume(self, client: EslClient) -> None:
        """Handle events until the connection ends: whatever has arrived is handled and delivered as one batch."""
        batch: list[Mapping[str, str]] = []
        async for message in client.events():
            try:
                batch.append(parse_event(message))
            except Exception:
                logger.exception("event could not be parsed", extra={"node": self.node.name})
            if client.pending_events == 0 or len(batch) >= BATCH_SIZE:
                self._pending.extend(await self.handle_batch(batch))
                batch = []
                await self.flush()
        if batch:
            self._pending.extend(await self.handle_batch(batch))
        await self.flush()

    async def flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self.stats["domain_events"] += len(batch)
            if asyncio.iscoroutinefunction(self.publish):
                await self.publish(batch)
            else:
                await sync_to_async(self.publish)(batch)
        if time.monotonic() - self._touched > TOUCH_SECONDS and self.stats["events"]:
            self._touched = time.monotonic()
            await sync_to_async(_touch_node)(self.node.pk)

    async def run(self, stop: asyncio.Event) -> None:
        """Stay connected to the node until ``stop`` is set, reconnecting with backoff."""
        attempt = 0
        while not stop.is_set():
            client = EslClient(
                self.node.esl_host, self.node.esl_port, self.node.esl_password, timeout=settings.FREESWITCH_ESL_TIMEOUT
            )
            try:
                await client.connect()
                await client.subscribe(SUBSCRIPTION)
                self.stats["connections"] += 1
                attempt = 0
                await sync_to_async(_set_status)(self.node.pk, NodeStatus.UP)
                logger.info("connected to switch node", extra={"node": self.node.name})
                consumer = asyncio.create_task(self.consume(client))
                stopper = asyncio.create_task(stop.wait())
                await asyncio.wait({consumer, stopper}, return_when=asyncio.FIRST_COMPLETED)
                stopper.cancel()
                if not consumer.done():
                    await client.close()
                    await consumer
            except (EslError, OSError, TimeoutError) as error:
                logger.warning("switch node connection failed", extra={"node": self.node.name, "error": str(error)})
            finally:
                await client.close()
                await sync_to_async(_set_status)(self.node.pk, NodeStatus.DOWN)
            if stop.is_set():
                break
            delay = reconnect_delay(attempt)
            attempt += 1
            logger.info("reconnecting to switch node", extra={"node": self.node.name, "delay": round(delay, 2)})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
        await self.writer.close()


def _extension_of(device: DeviceInfo | None) -> tuple[str, tuple[str, ...]] | None:
    """What a live state write needs to derive the device's extension presence in the same round trip."""
    if device is None or not device.extension_id:
        return None
    return device.extension_id, device.devices or ()


def _order_presence(events: list[DomainEvent], order: dict[int, int]) -> None:
    """Put each extension's presence events (in place, in the slots they hold) in the order Redis derived them."""
    slots: dict[tuple[str, str], list[int]] = {}
    for index, event in enumerate(events):
        if id(event) in order:
            slots.setdefault((event.tenant, event.data["extension_id"]), []).append(index)
    for indexes in slots.values():
        if len(indexes) > 1:
            ordered = sorted((events[i] for i in indexes), key=lambda event: order[id(event)])
            for index, event in zip(indexes, ordered, strict=True):
                events[index] = event


def reconnect_delay(attempt: int) -> float:
    """Exponential backoff capped at FREESWITCH_RECONNECT_MAX_SECONDS, with full jitter on the upper half."""
    ceiling = min(settings.FREESWITCH_RECONNECT_BASE_SECONDS * 2**attempt, settings.FREESWITCH_RECONNECT_MAX_SECONDS)
    return random.uniform(ceiling / 2, ceiling)


def _set_status(node_id: Any, status: str) -> None:
    from telephony.freeswitch.models import SwitchNode

    close_old_connections()
    SwitchNode.objects.filter(pk=node_id).update(status=status, updated_at=timezone.now())


def _touch_node(node_id: Any) -> None:
    from telephony.freeswitch.models import SwitchNode

    close_old_connections()
    SwitchNode.objects.filter(pk=node_id).update(last_event_at=timezone.now())

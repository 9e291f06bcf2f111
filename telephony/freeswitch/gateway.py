"""The switch gateway: one asyncio process per node, beside it (``manage.py switch_gateway --node NAME``).

It holds the node's ESL connection, subscribes to the few events it needs, and for each one

1. normalises it (``telephony.freeswitch.events``),
2. resolves the tenant (the ``tenant_id`` channel variable our directory and dialplan set, else the
   SIP domain) and, for a device, its extension and user,
3. updates live state in Redis (``telephony.freeswitch.livestate``),
4. turns it into domain events and hands them to ``centrex.events.deliver`` (the gateway has no
   database transaction, so it delivers at once): ``registration.changed`` and ``presence.changed``
   to the tenant's group, ``call.started``/``call.answered``/``call.ended`` to the user of the device,
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
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from centrex.events import DomainEvent, deliver_many
from telephony.freeswitch import bruteforce
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


def order_key(headers: Mapping[str, str]) -> str:
    """Events with the same key must be handled in order: one channel, or one user's registrations or presence."""
    name = headers.get("Event-Name", "")
    if name == "CUSTOM":
        user = headers.get("username") or headers.get("from-user") or headers.get("user") or headers.get("to-user", "")
        host = headers.get("realm") or headers.get("from-host") or headers.get("host") or headers.get("to-host", "")
        return f"reg:{user}@{host}"
    if name == "PRESENCE_IN":
        return f"presence:{headers.get('Channel-Presence-ID') or headers.get('from', '')}"
    return f"channel:{headers.get('Unique-ID', '')}"


@dataclass(frozen=True)
class DeviceInfo:
    extension: str
    user_id: str | None


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
    rows = Device.objects.filter(tenant_id=tenant_id).values_list("sip_username", "extension__number", "extension__user_id")
    return {username: DeviceInfo(number, str(user) if user else None) for username, number, user in rows}


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
            removed, remaining = await self.writer.unregister(tenant_id, item.sip_user, item.call_id, item.contact)
            if not removed:
                return []
            device = await self.directory.device(tenant_id, item.sip_user)
            data = {"sip_username": item.sip_user, "extension": device.extension if device else None}
            return [
                DomainEvent("registration", "changed", tenant_id, {**data, "registered": remaining > 0, "reason": item.reason})
            ]
        if isinstance(item, PresenceChange):
            old = await self.writer.set_presence(tenant_id, item.sip_user, item.state)
            if old == item.state:
                return []
            device = await self.directory.device(tenant_id, item.sip_user)
            data = {"sip_username": item.sip_user, "extension": device.extension if device else None, "state": item.state}
            return [DomainEvent("presence", "changed", tenant_id, data)]
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
        }
        if not await self.writer.register(tenant_id, item.sip_user, item.call_id, contact, now=now):
            return []  # a refresh of a known registration: nothing changed for anyone
        device = await self.directory.device(tenant_id, item.sip_user)
        data = {
            "sip_username": item.sip_user,
            "extension": device.extension if device else None,
            "registered": True,
            "user_agent": item.user_agent,
        }
        return [DomainEvent("registration", "changed", tenant_id, data)]

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
        if item.op == "ended":
            stored = await self.writer.channel_end(tenant_id, item.uuid)
            if stored is None:
                return []  # never seen (or already ended): nothing to report
            data = {**data, "answered": bool(stored.get("answered_at")), "hangup_cause": item.hangup_cause}
        else:
            state = {"started": "ringing", "answered": "answered", "bridged": "bridged"}[item.op]
            live = {**data, "state": state, "created_at": item.created_at or now, "node": self.node.name}
            if item.op == "answered":
                live["answered_at"] = now
            if item.op == "bridged" and not item.other_leg:
                live.pop("other_leg")
            await self.writer.channel_update(tenant_id, item.uuid, live, outside=item.outside, now=now)
        if item.group_id:
            data["group_id"] = item.group_id
        if item.op == "bridged" or device is None:
            return []  # only the tenant's device legs become call events (not trunk or loopback legs)
        # A person's device: a personal event; a shared device without a user (lobby, meeting room): the tenant's.
        return [DomainEvent("call", item.op, tenant_id, data, user=device.user_id)]

    async def handle_batch(self, batch: list[Mapping[str, str]], *, now: float | None = None) -> list[DomainEvent]:
        """Handle events together: those about one channel or one user in order, the others concurrently.

        Live state waits on Redis round trips; overlapping the waits of unrelated events is what
        lets one gateway keep up with a busy node. The domain events come back in event order.
        """
        chains: dict[str, list[tuple[int, Mapping[str, str]]]] = {}
        for index, headers in enumerate(batch):
            chains.setdefault(order_key(headers), []).append((index, headers))
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

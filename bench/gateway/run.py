"""Gateway throughput: recorded ESL events through parse -> normalise -> live state -> deliver() (one core).

Feeds the raw bytes of the recorded bridged call (transcript 05, filtered to what the gateway
subscribes to) through the same code the gateway runs per connection: ``EslParser.feed`` ->
``parse_event`` -> ``Gateway.handle`` (normalise, tenant/device lookup in the cached maps, live
state in Redis) -> ``Gateway.flush`` (``centrex.events.deliver_many`` for each batch: a Redis channel
layer group_send per domain event plus the subscribers). Channel uuids and registration call-ids are made unique per
round, so every round creates and ends calls and registrations, as new traffic would.

Run (a migrated PostgreSQL database: the webhook subscriber reads its subscriptions):
  DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/14 taskset -c 0 .venv/bin/python bench/gateway/run.py [rounds]
BENCH_TENANTS=N spreads the rounds over N tenants (default 20).
BENCH_DELIVER=none skips delivery (to show how the time splits).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centrex.settings")

import django

django.setup()

from channels.layers import get_channel_layer  # noqa: E402

from telephony.freeswitch import gateway as gateway_module  # noqa: E402
from telephony.freeswitch.esl import EslParser, parse_event  # noqa: E402
from telephony.freeswitch.events import SUBSCRIPTION  # noqa: E402
from telephony.freeswitch.gateway import DeviceInfo, Gateway, TenantDirectory  # noqa: E402
from tests.freeswitch_esl.replay import _event_matches, recorded_events  # noqa: E402

# One node carries the traffic of many tenants; BENCH_TENANTS of them take turns, one call round each.
TENANTS = [str(uuid.uuid4()) for _ in range(int(os.environ.get("BENCH_TENANTS", "20")))]
IDS = (b"9e5b2137-071e-4932-a2c5-49c420da2d2e", b"41f953c7-86ac-43fc-a869-79fb61cd121f")
CALL_IDS = (b"1-19447%40127.0.0.1", b"1-19467%40127.0.0.1", b"1-19481%40127.0.0.1", b"1-19483%40127.0.0.1")


class Node:
    pk = uuid.uuid4()
    name = "bench"


def stream(rounds: int) -> tuple[list[bytes], int]:
    events = [raw for raw in recorded_events("05_events_plain_ALL_bridged_call.txt") if _event_matches(raw, set(SUBSCRIPTION))]
    chunks = []
    for n in range(rounds):
        tag = f"{n:08x}".encode()
        data = b"".join(events)
        for old in IDS:
            data = data.replace(old, old[:-8] + tag)
        for old in CALL_IDS:
            data = data.replace(old, old + tag)
        chunks.append(data.replace(b"tenant-a.example", f"tnt-{n % len(TENANTS):04d}.example".encode()))
    return chunks, len(events) * rounds


async def main(rounds: int) -> None:
    gateway_module.TOUCH_SECONDS = 1e9  # no database here: the node row is not written
    directory = TenantDirectory(domains={f"tnt-{k:04d}.example": t for k, t in enumerate(TENANTS)}, tenant_ids=set(TENANTS))
    directory._tenants_loaded = time.monotonic() + 1e9
    for tenant in TENANTS:
        directory.devices[tenant] = {n: DeviceInfo(n, str(uuid.uuid4()), str(uuid.uuid4()), (n,)) for n in ("1001", "1002")}
        directory._devices_loaded[tenant] = time.monotonic() + 1e9
    publish = (lambda batch: None) if os.environ.get("BENCH_DELIVER") == "none" else None
    gateway = Gateway(Node(), directory=directory, publish=publish)
    chunks, total = stream(rounds)
    parser = EslParser()
    started = time.perf_counter()
    cpu = time.process_time()
    for chunk in chunks:
        for start in range(0, len(chunk), 65536):  # socket-sized reads, handled as Gateway.consume does
            batch = [parse_event(message) for message in parser.feed(chunk[start : start + 65536])]
            for first in range(0, len(batch), gateway_module.BATCH_SIZE):
                gateway._pending.extend(await gateway.handle_batch(batch[first : first + gateway_module.BATCH_SIZE]))
                await gateway.flush()
    await gateway.flush()
    elapsed = time.perf_counter() - started
    used = time.process_time() - cpu
    await gateway.writer.close()
    print(f"events: {total}  domain events: {gateway.stats['domain_events']}  wall: {elapsed:.2f}s  cpu: {used:.2f}s")
    print(f"throughput: {total / elapsed:,.0f} ESL events/s ({gateway.stats['domain_events'] / elapsed:,.0f} domain events/s)")
    # The floor on the same machine in the same run: bare channel-layer sends, one per event, nothing else.
    layer = get_channel_layer()
    message = {"type": "event.message", "event": {"type": "call", "op": "started", "tenant": TENANTS[0], "data": {}}}
    started = time.perf_counter()
    for _ in range(total):
        await layer.group_send(f"tenant.{TENANTS[0]}", message)
    floor = total / (time.perf_counter() - started)
    print(f"floor: {floor:,.0f} bare group_send/s; gateway = {total / elapsed / floor:.2f}x the floor")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))

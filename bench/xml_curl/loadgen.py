"""A small HTTP load generator that opens a new TCP connection per request, as mod_xml_curl does.

Two modes:
- ``closed(concurrency)``: that many clients send requests back to back: the peak rate;
- ``open(rate)``: requests start on a fixed schedule whatever the answers do (no coordinated
  omission): the latency at a given rate.
"""

from __future__ import annotations

import asyncio
import base64
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def summary(self) -> dict[str, float | int | dict[int, int]]:
        return {
            "requests": len(self.latencies_ms),
            "errors": self.errors,
            "statuses": self.statuses,
            "rate": round(self.rate, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else float("nan"),
        }


class Target:
    def __init__(self, host: str, port: int, path: str, user: str, secret: str, body: Callable[[random.Random], bytes]) -> None:
        self.host, self.port, self.path, self.body = host, port, path, body
        self.auth = base64.b64encode(f"{user}:{secret}".encode()).decode()

    def request(self, rng: random.Random) -> bytes:
        payload = self.body(rng)
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUser-Agent: freeswitch-xml/1.0\r\n"
            f"Accept: */*\r\nAuthorization: Basic {self.auth}\r\nConnection: close\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        return head.encode() + payload


async def _one(target: Target, rng: random.Random, result: Result) -> None:
    data = target.request(rng)
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(target.host, target.port)
        writer.write(data)
        answer = await reader.read()  # Connection: close - the server ends the response
        writer.close()
        status = int(answer[9:12]) if answer.startswith(b"HTTP/1.1 ") else 0
    except (OSError, ValueError):
        result.errors += 1
        return
    result.latencies_ms.append((time.perf_counter() - started) * 1000)
    result.statuses[status] = result.statuses.get(status, 0) + 1
    if status != 200:
        result.errors += 1


async def closed(target: Target, concurrency: int, duration_s: float, seed: int = 1) -> Result:
    result = Result()
    deadline = time.perf_counter() + duration_s

    async def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        while time.perf_counter() < deadline:
            await _one(target, rng, result)

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(concurrency)))
    result.elapsed_s = time.perf_counter() - started
    return result


async def open_loop(target: Target, rate: float, duration_s: float, seed: int = 2) -> Result:
    result = Result()
    rng = random.Random(seed)
    interval = 1.0 / rate
    started = time.perf_counter()
    tasks = []
    n = 0
    while True:
        due = started + n * interval
        if due - started >= duration_s:
            break
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_one(target, rng, result)))
        n += 1
    await asyncio.gather(*tasks)
    result.elapsed_s = duration_s
    return result

"""Run the xml_curl benchmark: floor, directory and dialplan on the deployed ASGI server.

    python -m bench.xml_curl.run --big postgres://.../centrex_bench --small postgres://.../centrex_bench_small

For each database it starts uvicorn (as deployed, one worker per core, with the lean
FreeSWITCH route), then measures with ``loadgen`` (a new connection per request):
- the peak rate of the constant-XML floor, directory lookups and dialplan lookups;
- p50/p99 at half of each peak rate (open loop);
- on the small database, p50 at the same rate as on the big one;
- the resident memory of each web worker after the runs.
All figures of one run come from the same machine state; compare ratios, not absolutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.xml_curl import loadgen, requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
NODE_USER, NODE_SECRET = "bench-node", "bench-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.xml_curl.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CENTREX_MODE="production",
        SECRET_KEY="bench-only-secret-key-not-for-production-use-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        DB_CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
    )
    return env


def setup_node(env: dict[str, str]) -> None:
    code = (
        "import django; django.setup();"
        "from telephony.freeswitch.models import SwitchNode; from telephony.freeswitch.auth import hash_secret;"
        f"SwitchNode.objects.update_or_create(xml_curl_username='{NODE_USER}', defaults=dict(name='bench', "
        f"esl_host='10.0.0.10', esl_password='not-used-by-the-benchmark', xml_curl_secret_hash=hash_secret('{NODE_SECRET}'), "
        "allowed_addresses=['127.0.0.1/32']))"
    )
    subprocess.run([PYTHON, "-c", code], env=env, check=True, cwd=ROOT)
    subprocess.run(["redis-cli", "-u", env["REDIS_URL"], "flushdb"], check=True, stdout=subprocess.DEVNULL)


class Server:
    def __init__(self, env: dict[str, str], workers: int) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "uvicorn",
                "centrex.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                # The floor view: needs no static files (the login page 500s in production mode without collectstatic).
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/bench/floor/", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("server did not start")

    def worker_rss_mb(self) -> list[float]:
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            sizes.append(round(kb / 1024, 1))
        return sizes

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def targets(port: int, tenants: int, extensions: int, company: int = 0) -> dict[str, loadgen.Target]:
    directory = requests.template("directory_register.txt")
    dialplan = requests.template("dialplan_invite.txt", destination=True)
    trunk = requests.trunk_template("dialplan_invite.txt")

    def body(template: str):
        return lambda rng: requests.fill(template, tenants, extensions, rng)

    found = {
        "floor": loadgen.Target("127.0.0.1", port, "/bench/floor/", NODE_USER, NODE_SECRET, body(directory)),
        "directory": loadgen.Target("127.0.0.1", port, "/freeswitch/xml/", NODE_USER, NODE_SECRET, body(directory)),
        "dialplan": loadgen.Target("127.0.0.1", port, "/freeswitch/xml/", NODE_USER, NODE_SECRET, body(dialplan)),
    }
    if company:
        # A carrier's call to a number routed by 3 time ranges into a 10-member cyclic group (bench.xml_curl.load_company).
        found["company"] = loadgen.Target(
            "127.0.0.1", port, "/freeswitch/xml/", NODE_USER, NODE_SECRET, lambda rng: requests.fill_company(trunk, company, rng)
        )
    return found


def prewarm_snapshots(env: dict[str, str]) -> dict[str, float]:
    """Build and cache every tenant's routing snapshot, as an hour of calls to every tenant would.

    The steady state of a platform whose tenants all make calls: each snapshot is built once per
    change (or per hour, its TTL), not per call. Returns the time taken and the Redis memory used.
    """
    code = (
        "import json, time, django; django.setup();"
        "from tenants.models import Tenant; from telephony.calls.snapshot import load_snapshot;"
        "ids = [str(t) for t in Tenant.objects.values_list('pk', flat=True)];"
        "started = time.perf_counter(); [load_snapshot(t) for t in ids];"
        "print(json.dumps({'tenants': len(ids), 'seconds': round(time.perf_counter() - started, 1)}))"
    )
    before = _redis_used_mb(env)
    done = subprocess.run([PYTHON, "-c", code], env=env, check=True, cwd=ROOT, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["redis_mb"] = round(_redis_used_mb(env) - before, 1)
    print("prewarm", json.dumps(result), flush=True)
    return result


def _redis_used_mb(env: dict[str, str]) -> float:
    info = subprocess.run(["redis-cli", "-u", env["REDIS_URL"], "info", "memory"], check=True, capture_output=True, text=True)
    used = next(line for line in info.stdout.splitlines() if line.startswith("used_memory:"))
    return int(used.split(":")[1]) / 2**20


def register_company(env: dict[str, str], company: int) -> None:
    if company:
        module = "bench.xml_curl.load_company"
        subprocess.run([PYTHON, "-m", module, "--register", "--tenants", str(company)], env=env, check=True, cwd=ROOT)


def measure(
    server: Server, tenants: int, extensions: int, duration: float, concurrency: int, company: int = 0, only: tuple[str, ...] = ()
) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for name, target in targets(server.port, tenants, extensions, company).items():
        if only and name not in only:
            continue
        asyncio.run(loadgen.closed(target, concurrency, 3))  # warm up: connections, caches of the code path
        peak = asyncio.run(loadgen.closed(target, concurrency, duration))
        half = asyncio.run(loadgen.open_loop(target, max(peak.rate / 2, 1), duration))
        out[name] = {"peak": peak.summary(), "half_peak": half.summary()}
        print(name, json.dumps(out[name]), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big", required=True, help="database URL with 10,000 tenants x 50 extensions")
    parser.add_argument("--small", required=True, help="database URL with 10 tenants x 50 extensions")
    parser.add_argument("--big-tenants", type=int, default=10000)
    parser.add_argument("--small-tenants", type=int, default=10)
    parser.add_argument("--extensions", type=int, default=50)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--prewarm", action="store_true", help="cache every tenant's routing snapshot first (steady state, not a cold start)"
    )
    args = parser.parse_args()

    results: dict[str, object] = {"workers": args.workers, "duration_s": args.duration, "concurrency": args.concurrency}
    env = server_env(args.big, args.redis)
    setup_node(env)
    if args.prewarm:
        results["prewarm_big"] = prewarm_snapshots(env)
    server = Server(env, args.workers)
    try:
        results["big"] = big = measure(server, args.big_tenants, args.extensions, args.duration, args.concurrency)
        results["worker_rss_mb"] = server.worker_rss_mb()
    finally:
        server.stop()

    env = server_env(args.small, args.redis)
    setup_node(env)
    if args.prewarm:
        results["prewarm_small"] = prewarm_snapshots(env)
    server = Server(env, args.workers)
    try:
        small: dict[str, dict] = {}
        for name, target in targets(server.port, args.small_tenants, args.extensions).items():
            if name == "floor":
                continue
            asyncio.run(loadgen.closed(target, args.concurrency, 3))
            rate = big[name]["half_peak"]["rate"]
            small[name] = asyncio.run(loadgen.open_loop(target, rate, args.duration)).summary()
            print("small", name, json.dumps(small[name]), flush=True)
        results["small"] = small
    finally:
        server.stop()

    floor = big["floor"]["peak"]["rate"]
    results["ratios"] = {
        "directory_peak_vs_floor": round(big["directory"]["peak"]["rate"] / floor, 2),
        "dialplan_peak_vs_floor": round(big["dialplan"]["peak"]["rate"] / floor, 2),
        "directory_p50_big_vs_small": round(big["directory"]["half_peak"]["p50_ms"] / small["directory"]["p50_ms"], 2),
        "dialplan_p50_big_vs_small": round(big["dialplan"]["half_peak"]["p50_ms"] / small["dialplan"]["p50_ms"], 2),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())

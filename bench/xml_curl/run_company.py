"""The company-routing case next to the plain dialplan case, on one database.

    python -m bench.xml_curl.run_company --db postgres://.../centrex_bench_small --tenants 10 --company 10

Prepare the database with ``load_data`` and then ``load_company``. Starts the deployed ASGI
server like ``run``, marks the group members registered, and measures the floor, the plain
dialplan lookup (device to device) and the company case (a carrier's call to a number routed
by 3 time ranges into a 10-member cyclic group: schedule evaluation, Redis claim of the
rotation, registered devices, 10 sequential ring steps rendered).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from bench.xml_curl.run import Server, measure, register_company, server_env, setup_node


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--company", type=int, default=10, help="how many tenants load_company prepared")
    parser.add_argument("--extensions", type=int, default=50)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    env = server_env(args.db, args.redis)
    setup_node(env)
    register_company(env, args.company)
    server = Server(env, args.workers)
    try:
        out = measure(
            server, args.tenants, args.extensions, args.duration, args.concurrency, args.company, ("floor", "dialplan", "company")
        )
        rss = server.worker_rss_mb()
    finally:
        server.stop()
    results = {
        "workers": args.workers,
        "duration_s": args.duration,
        "concurrency": args.concurrency,
        **out,
        "worker_rss_mb": rss,
        "ratios": {
            "company_peak_vs_dialplan": round(out["company"]["peak"]["rate"] / out["dialplan"]["peak"]["rate"], 2),
            "company_p50_vs_dialplan_at_half_peak": round(
                out["company"]["half_peak"]["p50_ms"] / out["dialplan"]["half_peak"]["p50_ms"], 2
            ),
        },
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())

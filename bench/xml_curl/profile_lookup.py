"""One xml_curl request type in process, no HTTP: per-request time with a cold or warm cache, and a profile.

Calls ``xmlcurl.handle_xml_request`` (what the lean ASGI route runs in its worker thread) with the
benchmark's request bodies, so the HTTP server and the load generator are out of the picture:

- ``--cache cold``: before each request the cache entries that request would use (the domain, the
  directory user, the tenant's dialplan token, the DID) are dropped, in Redis and in the process, so
  every request takes the miss path (database read, snapshot build) whatever the database size;
- ``--cache warm``: the same requests once to fill the cache, then measured (every request a hit);
- ``--cache asis``: no dropping, no warm-up: what a uniformly random request meets (on the big
  database in a short run this is nearly all misses, on the small one nearly all hits).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/centrex_bench \
      .venv/bin/python -m bench.xml_curl.profile_lookup --kind directory --tenants 10000 --cache cold -n 300 [--profile]

``--profile`` adds a cProfile listing (top functions by own time and by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import time

from bench.xml_curl import requests
from bench.xml_curl.run import NODE_SECRET, NODE_USER, server_env, setup_node


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", choices=("directory", "dialplan", "company"), default="directory")
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--extensions", type=int, default=50)
    parser.add_argument("--company", type=int, default=10, help="tenants load_company prepared (--kind company)")
    parser.add_argument("--cache", choices=("cold", "warm", "asis"), default="cold")
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    database_url = os.environ["DATABASE_URL"]
    env = server_env(database_url, args.redis)
    setup_node(env)  # the node row, and a flushed Redis database
    os.environ.update(env)
    if args.kind == "company":
        from bench.xml_curl.run import register_company

        register_company(env, args.company)

    import base64

    import django

    django.setup()
    from django.core.cache import cache as django_cache

    from telephony.calls import snapshot
    from telephony.freeswitch import cache, xmlcurl
    from tenants.models import Tenant

    domains = dict(Tenant.objects.filter(slug__startswith="bench-").order_by("slug").values_list("sip_domain", "pk"))
    authorization = "Basic " + base64.b64encode(f"{NODE_USER}:{NODE_SECRET}".encode()).decode()
    rng = random.Random(7)
    if args.kind == "company":
        template = requests.trunk_template("dialplan_invite.txt")
        bodies = [requests.fill_company(template, args.company, rng) for _ in range(args.n)]
    else:
        name = "directory_register.txt" if args.kind == "directory" else "dialplan_invite.txt"
        template = requests.template(name, destination=args.kind == "dialplan")
        bodies = [requests.fill(template, args.tenants, args.extensions, rng) for _ in range(args.n)]

    def forget(body: bytes) -> None:
        params = xmlcurl.parse_form(body) or {}
        domain = params.get("domain") or params.get("Caller-Context") or params.get("variable_domain_name", "")
        user = params.get("user", "")
        keys = []
        tenant_id = domains.get(domain)
        if domain:
            keys.append(cache.domain_key(domain))
            cache._local_domains.pop(domain, None)
        if tenant_id is not None:
            keys += [cache.directory_key(str(tenant_id), user), cache.dialplan_key(str(tenant_id))]
        destination = params.get("Caller-Destination-Number", "")
        if destination.startswith("+"):
            keys.append(snapshot.did_key(destination))
            keys += [cache.dialplan_key(str(pk)) for pk in list(domains.values())[: args.company]]  # load_company: first by slug
        django_cache.delete_many(keys)
        snapshot._local.entries.clear()

    def one(body: bytes) -> float:
        started = time.perf_counter()
        answer = xmlcurl.handle_xml_request(remote_addr="127.0.0.1", forwarded_for=None, authorization=authorization, body=body)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status != 200 or "not found" in answer.body[:300]:
            raise SystemExit(f"unexpected answer {answer.status}: {answer.body[:300]}")
        return elapsed

    one(bodies[0])  # imports, the node's credentials
    if args.cache == "warm":
        for body in bodies:
            one(body)
    profiler = cProfile.Profile() if args.profile else None
    times = []
    for body in bodies:
        if args.cache == "cold":
            forget(body)
        if profiler:
            profiler.enable()
        times.append(one(body))
        if profiler:
            profiler.disable()
    ordered = sorted(times)
    print(
        f"{args.kind} cache={args.cache} tenants={args.tenants} n={len(times)}: "
        f"p50 {statistics.median(times):.2f} ms, mean {statistics.fmean(times):.2f} ms, "
        f"p99 {ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]:.2f} ms"
    )
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()

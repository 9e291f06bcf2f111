"""Add company routing to the benchmark data: per tenant a 10-member hunt group on a number routed by 3 time ranges.

For the first ``--tenants`` tenants of a loaded benchmark database (``load_data``), each gets:
- a cyclic hunt group "300" whose members are extensions 1000-1009 (cyclic: every call claims
  the rotation in Redis, the most expensive strategy on the hot path);
- three time ranges that together cover the whole week (Mon-Fri 00-08 / 08-18 / 18-24 and the
  weekend), so every benchmark call lands in a range and rings the group; two holidays (not today);
- the phone number ``did_of(index)`` routed by time range: each range to the group, holidays to
  the default announcement, outside hours to end the call.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/centrex_bench_small \
      .venv/bin/python -m bench.xml_curl.load_company --tenants 10
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date

import django

MEMBERS = 10


def did_of(index: int) -> str:
    """The benchmark tenant's routed number (Munich numbers, valid E.164)."""
    return f"+4989{2000000 + index:07d}"


def register_members(tenants: int) -> None:
    """Mark the members' devices registered in the live state (as the switch gateway would), so the group rings them."""
    import asyncio

    from bench.xml_curl.load_data import number_of
    from telephony.freeswitch.livestate import LiveStateWriter
    from tenants.models import Tenant

    tenant_ids = [
        str(pk) for pk in Tenant.objects.filter(slug__startswith="bench-").order_by("slug").values_list("pk", flat=True)[:tenants]
    ]

    async def write() -> None:
        writer = LiveStateWriter()
        now = time.time()
        try:
            for tenant_id in tenant_ids:
                for j in range(MEMBERS):
                    user = number_of(j)
                    contact = {"contact": f"sip:{user}@127.0.0.1", "network_ip": "127.0.0.1", "expires_at": now + 3600}
                    await writer.register(tenant_id, user, f"bench-{user}", contact, now=now)
        finally:
            await writer.close()

    asyncio.run(write())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--register", action="store_true", help="only mark the members registered (after Redis was flushed)")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centrex.settings")
    django.setup()
    if args.register:
        register_members(args.tenants)
        return
    from django.db import transaction

    from bench.xml_curl.load_data import number_of
    from telephony.directory.models import Extension, PhoneNumber
    from telephony.forwarding.models import Holiday, NumberRoute, Slot, TargetKind, TimePeriod, TimeRange
    from telephony.groups.models import GroupMember, HuntGroup
    from tenants.models import Tenant

    started = time.monotonic()
    tenants = list(Tenant.objects.filter(slug__startswith="bench-").order_by("slug")[: args.tenants])
    weekdays, weekend = [0, 1, 2, 3, 4], [5, 6]
    layout = [
        ("Night", weekdays, [(0, 8 * 60)]),
        ("Office hours", weekdays, [(8 * 60, 12 * 60), (12 * 60, 18 * 60)]),
        ("Evening and weekend", weekend, [(0, 24 * 60)]),
    ]
    with transaction.atomic():
        for index, tenant in enumerate(tenants):
            extensions = {
                e.number: e for e in Extension.objects.filter(tenant=tenant, number__in=[number_of(j) for j in range(MEMBERS)])
            }
            group = HuntGroup.objects.create(tenant=tenant, name="Reception", short_number="300", strategy="cyclic", ring_count=3)
            GroupMember.objects.bulk_create(
                GroupMember(group=group, extension=extensions[number_of(j)], position=j) for j in range(MEMBERS)
            )
            ranges = []
            for position, (name, days, periods) in enumerate(layout):
                time_range = TimeRange.objects.create(tenant=tenant, name=name, weekdays=days, position=position)
                TimePeriod.objects.bulk_create(
                    TimePeriod(time_range=time_range, start_minute=s, end_minute=e) for s, e in periods
                )
                ranges.append(time_range)
            # Weekday evenings belong to the night range (its second period), so the three ranges cover the week.
            TimePeriod.objects.create(time_range=ranges[0], start_minute=18 * 60, end_minute=24 * 60)
            Holiday.objects.bulk_create(
                [
                    Holiday(tenant=tenant, label="New Year", start_date=date(2000, 1, 1), end_date=date(2000, 1, 1)),
                    Holiday(tenant=tenant, label="Summer", start_date=date(2000, 8, 1), end_date=date(2000, 8, 14)),
                ]
            )
            number = PhoneNumber.objects.create(tenant=tenant, number=did_of(index), destination_kind="schedule")
            routes = [
                NumberRoute(
                    tenant=tenant,
                    phone_number=number,
                    slot=Slot.RANGE,
                    time_range=r,
                    target_kind=TargetKind.GROUP,
                    target_group=group,
                )
                for r in ranges
            ]
            routes += [
                NumberRoute(tenant=tenant, phone_number=number, slot=Slot.HOLIDAY, target_kind=TargetKind.ANNOUNCEMENT),
                NumberRoute(tenant=tenant, phone_number=number, slot=Slot.OUTSIDE, target_kind=TargetKind.HANGUP),
            ]
            NumberRoute.objects.bulk_create(routes)
    print(f"company routing for {len(tenants)} tenants in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()

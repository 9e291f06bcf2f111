"""Call records made the way the CDR endpoint makes them: through the calls service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from telephony.calls.models import CallRecord
from telephony.calls.services import CallLegReport, do_record_call_leg
from telephony.directory.models import Extension
from tenants.models import Tenant


def record_call(
    tenant: Tenant,
    *,
    extension: Extension | None = None,
    direction: str = "internal",
    destination: str = "1002",
    started_at: datetime | None = None,
    answered: bool = True,
) -> CallRecord:
    started_at = started_at or datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    leg = uuid.uuid4()
    report = CallLegReport(
        leg_uuid=leg,
        call_uuid=leg,
        is_a_leg=True,
        direction=direction,
        channel_name=f"sofia/internal/{extension.number if extension else 'x'}@{tenant.sip_domain}",
        caller_number=extension.number if extension else "+4930123456",
        caller_name=extension.display_name if extension else "",
        destination=destination,
        started_at=started_at,
        answered_at=started_at + timedelta(seconds=2) if answered else None,
        ended_at=started_at + timedelta(seconds=62),
        duration=62,
        billsec=60 if answered else 0,
        hangup_cause="NORMAL_CLEARING" if answered else "NO_ANSWER",
        extension_id=extension.pk if extension else None,
    )
    return do_record_call_leg(tenant, report=report)

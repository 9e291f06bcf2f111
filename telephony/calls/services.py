"""Writes of the calls app: storing what the switch reports about finished calls.

The FreeSWITCH adapter (``telephony.freeswitch.cdr``) turns a CDR post into a switch-neutral
``CallLegReport`` and finds the tenant; ``do_record_call_leg`` stores it: one ``CallRecord`` per
call (keyed by the uuid of its first leg) with one ``CallLeg`` per reported channel. Reports are
idempotent: a leg already stored is ignored, so a node retrying a post changes nothing. When the
caller's (A) leg is stored, ``call.recorded`` is published with the record as the API shows it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from centrex.events import DomainEvent, publish
from telephony.calls.models import CallLeg, CallRecord
from telephony.directory.models import Device, Extension
from tenants.models import Tenant


@dataclass(frozen=True)
class CallLegReport:
    """One channel of a finished call, as reported by a switch (already validated)."""

    leg_uuid: uuid.UUID
    call_uuid: uuid.UUID  # the first (A) leg's uuid; equal to leg_uuid for the A leg itself
    is_a_leg: bool
    direction: str  # a CallDirection value, judged from this leg
    channel_name: str
    caller_number: str
    caller_name: str
    destination: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    duration: int
    billsec: int
    hangup_cause: str
    extension_id: uuid.UUID | None = None  # the tenant's extension on this leg, when the switch knows it
    sip_user: str = ""  # the device's SIP user name on this leg, when the switch knows it
    variables: dict[str, Any] = field(default_factory=dict)


def _extension_for(tenant: Tenant, report: CallLegReport) -> Extension | None:

    if report.extension_id is not None:
        extension = Extension.objects.for_tenant(tenant).filter(pk=report.extension_id).first()
        if extension is not None:
            return extension
    if report.sip_user:
        device = Device.objects.for_tenant(tenant).filter(sip_username=report.sip_user).select_related("extension").first()
        if device is not None:
            return device.extension
    return None


def _record_fields(report: CallLegReport, extension: Extension | None) -> dict[str, Any]:
    return {
        "direction": report.direction,
        "caller_number": report.caller_number[:64],
        "caller_name": report.caller_name[:128],
        "destination": report.destination[:64],
        "extension": extension,
        "user_id": extension.user_id if extension is not None else None,
        "started_at": report.started_at,
        "answered_at": report.answered_at,
        "ended_at": report.ended_at,
        "duration": report.duration,
        "billsec": report.billsec,
        "hangup_cause": report.hangup_cause[:64],
    }


def do_record_call_leg(tenant: Tenant, *, report: CallLegReport, node_id: str | None = None) -> CallRecord:
    """Store one reported leg and create or complete its call's record. Idempotent by leg uuid."""
    existing = CallLeg.objects.for_tenant(tenant).filter(leg_uuid=report.leg_uuid).select_related("record").first()
    if existing is not None:
        return existing.record
    extension = _extension_for(tenant, report)
    try:
        with transaction.atomic():
            return _store(tenant, report, extension, node_id)
    except IntegrityError:
        # The same leg stored concurrently (a retried post racing the first): the other one won.
        leg = CallLeg.objects.for_tenant(tenant).filter(leg_uuid=report.leg_uuid).select_related("record").first()
        if leg is None:
            raise
        return leg.record


def _store(tenant: Tenant, report: CallLegReport, extension: Extension | None, node_id: str | None) -> CallRecord:
    fields = _record_fields(report, extension)
    record, created = CallRecord.objects.select_for_update().get_or_create(
        call_uuid=report.call_uuid, defaults={"tenant": tenant, "node_id": node_id, **fields}
    )
    if record.tenant_id != tenant.pk:
        # A call uuid is the switch's; one belonging to another tenant is a forged or broken report.
        raise IntegrityError("call uuid belongs to another tenant")
    if not created:
        changed = _complete(record, report, fields)
        if changed:
            record.save(update_fields=[*changed, "updated_at"])
    leg = CallLeg.objects.create(
        tenant=tenant,
        record=record,
        leg_uuid=report.leg_uuid,
        is_a_leg=report.is_a_leg,
        channel_name=report.channel_name[:255],
        caller_number=report.caller_number[:64],
        caller_name=report.caller_name[:128],
        destination=report.destination[:64],
        extension=extension,
        user_id=extension.user_id if extension is not None else None,
        started_at=report.started_at,
        answered_at=report.answered_at,
        ended_at=report.ended_at,
        duration=report.duration,
        billsec=report.billsec,
        hangup_cause=report.hangup_cause[:64],
        variables=report.variables,
    )
    if leg.is_a_leg:
        _publish_recorded(record)
    return record


def _publish_recorded(record: CallRecord) -> None:
    """``call.recorded`` (after commit) once the caller's leg is in: the call as the API shows it."""
    from telephony.calls.api import CallRecordSerializer

    record = CallRecord.objects.select_related("extension", "user").prefetch_related("legs").get(pk=record.pk)
    data = dict(CallRecordSerializer(record).data)
    publish(DomainEvent(type="call", op="recorded", tenant=str(record.tenant_id), data=data))


def _complete(record: CallRecord, report: CallLegReport, fields: dict[str, Any]) -> list[str]:
    """Fields of an existing record to change for a newly reported leg.

    The A leg is authoritative for the call (caller, destination, times, cause); another leg
    only fills in the called extension of an incoming call.
    """
    changed: list[str] = []
    if report.is_a_leg:
        for name, value in fields.items():
            if name in {"extension", "user_id"} and value is None:
                continue
            if getattr(record, name) != value:
                setattr(record, name, value)
                changed.append(name)
    elif record.extension_id is None and fields["extension"] is not None:
        record.extension = fields["extension"]
        record.user_id = fields["user_id"]
        changed += ["extension", "user_id"]
    return [("user" if name == "user_id" else name) for name in changed]

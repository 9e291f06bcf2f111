"""Hand-built routing inputs for the pure engine tests (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from telephony.calls.routing import (
    CallerIdMode,
    CallRequest,
    CallSource,
    ClassOfService,
    ExtensionInfo,
    TenantSnapshot,
    TenantState,
)

TENANT_ID = "5b0f3a0e-0c53-4d0b-9a43-0d8f3c3f1a01"
OTHER_TENANT_ID = "9c1e2d3f-4a5b-4c6d-8e7f-a0b1c2d3e4f5"
DOMAIN = "tenant-a.example"
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
MAIN_NUMBER = "+49891234560"


def extension(number: str, **fields: Any) -> ExtensionInfo:
    fields.setdefault("display_name", f"Extension {number}")
    fields.setdefault("devices", (number,))
    return ExtensionInfo(number=number, **fields)


def snapshot(**overrides: Any) -> TenantSnapshot:
    """tenant-a.example in Germany: 1001 (own DID, national), 1002 (international, premium), 1003 (internal only)."""
    base = TenantSnapshot(
        tenant_id=TENANT_ID,
        sip_domain=DOMAIN,
        country="DE",
        status=TenantState.ACTIVE,
        language="en",
        access_code_required=False,
        max_outside_calls=2,
        main_number=MAIN_NUMBER,
        extensions={
            "1001": extension("1001", own_number="+49891234561", devices=("1001", "1001-2")),
            "1002": extension(
                "1002", class_of_service=ClassOfService.INTERNATIONAL, allow_premium=True, caller_id_mode=CallerIdMode.MAIN
            ),
            "1003": extension("1003", class_of_service=ClassOfService.INTERNAL, caller_id_mode=CallerIdMode.WITHHELD),
            "1004": extension("1004", devices=()),
        },
        devices={"1001": "1001", "1001-2": "1001", "1002": "1002", "1003": "1003"},
        numbers={MAIN_NUMBER: "1002", "+49891234561": "1001", "+49891234569": None},
        trunks=("carrier-a", "carrier-b"),
    )
    return replace(base, **overrides)


def from_device(destination: str, username: str = "1001", **fields: Any) -> CallRequest:
    return CallRequest(TENANT_ID, CallSource.DEVICE, destination, username, fields.pop("now", NOW), **fields)


def from_trunk(did: str, caller: str = "+4930123456", **fields: Any) -> CallRequest:
    return CallRequest(TENANT_ID, CallSource.TRUNK, did, caller, fields.pop("now", NOW), trunk="carrier-a", **fields)

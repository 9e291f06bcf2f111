"""Printouts: the PDFs carry the configuration, in the portal's language (text extracted from the PDF)."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest

from telephony.directory import services as directory
from telephony.forwarding import services as schedule_services
from telephony.forwarding.models import TimeRange
from telephony.groups import services
from telephony.groups.services import GroupInput


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def sales(acme):
    members = [
        directory.check_create_extension(acme.tenant, actor=acme.admin, number=str(n), display_name=f"Agent {n}")
        for n in (101, 102, 103, 104)
    ]
    return services.check_create_group(
        acme.tenant,
        actor=acme.admin,
        data=GroupInput(
            name="Sales", short_number="273", strategy="cyclic", ring_count=3, cycles=3, members=[m.pk for m in members]
        ),
    )


def test_group_printout_lists_configuration_members_and_summary(admin_client, sales):
    response = admin_client.get(f"/portal/groups/{sales.pk}/print/")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "Group Sales",
        "273",
        "Cyclic (3 rings, 3 cycles)",
        "End the call",
        "Agent 101",
        "Agent 104",
        "within 3 minutes",
        "Acme",
    ):
        assert expected in " ".join(text.split()), expected


def test_all_groups_printout_in_german(admin_client, sales, acme):
    admin_client.cookies["django_language"] = "de"
    text = " ".join(pdf_text(admin_client.get("/portal/groups/print/", HTTP_ACCEPT_LANGUAGE="de").content).split())
    assert "Sales" in text
    assert "Zyklisch" in text and "Anruf beenden" in text


def test_time_range_printout(admin_client, acme):
    schedule_services.check_add_holiday(
        acme.tenant, actor=acme.admin, label="Easter", start_date=date(2027, 3, 26), end_date=date(2027, 3, 29)
    )
    office = TimeRange.objects.for_tenant(acme.tenant).get(is_default=True)
    text = " ".join(pdf_text(admin_client.get(f"/portal/schedule/ranges/{office.pk}/print/").content).split())
    for expected in ("Office hours", "08:00", "12:00", "14:00", "18:00", "Easter", "Europe/Berlin"):
        assert expected in text, expected


def test_printouts_of_other_tenants_are_404(acme, globex, sales):
    from tests.conftest import logged_in

    client = logged_in(globex.admin)
    assert client.get(f"/portal/groups/{sales.pk}/print/").status_code == 404
    office = TimeRange.objects.for_tenant(acme.tenant).get(is_default=True)
    assert client.get(f"/portal/schedule/ranges/{office.pk}/print/").status_code == 404

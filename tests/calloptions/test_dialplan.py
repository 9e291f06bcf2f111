"""Call options in the dialplan answers: recorded FreeSWITCH posts in, rendered XML out ([DFN] §1.8, §1.10)."""

from __future__ import annotations

import pytest

from telephony.directory import services as directory
from telephony.directory.models import Device
from telephony.freeswitch.dialplan import SIT_TONE
from tenants import services as tenants
from tenants.choices import Feature
from tenants.models import AuditEntry
from tests.featurecodes.test_dialplan_codes import dial
from tests.forwarding.test_dialplan import live
from tests.routing.conftest import Site
from tests.routing.test_dialplan import ask, assert_refused, from_extension


def options(site: Site, number: str, capture, **changes: object) -> None:
    with capture(execute=True):
        directory.check_update_call_options(site.tenant, actor=None, extension=site.extensions[number], **changes)


def second_device(site: Site, number: str, capture) -> Device:
    with capture(execute=True):
        device, _password = directory.check_create_device(site.tenant, actor=None, extension=site.extensions[number])
    return device


# --- call waiting ------------------------------------------------------------------------
def test_dialplan_call_waiting_off_second_call_to_busy_extension_is_busy(site: Site) -> None:
    # given 1001's phone is in a call (as the switch gateway wrote it)
    live(str(site.tenant.pk), registered=("1001", "1002"), busy=("1001",))
    # when 1002 calls 1001 (call waiting off, the default)
    rendered = ask(**from_extension("1002", "1001"))
    # then busy, nothing rings
    assert "bridge" not in rendered.applications
    assert rendered.actions[-1] == ("hangup", "USER_BUSY")


def test_dialplan_call_waiting_on_second_call_rings(site: Site, django_capture_on_commit_callbacks) -> None:
    options(site, "1001", django_capture_on_commit_callbacks, call_waiting=True)
    live(str(site.tenant.pk), registered=("1001", "1002"), busy=("1001",))
    rendered = ask(**from_extension("1002", "1001"))
    assert rendered.data("bridge") == ["[leg_timeout=30]user/1001@tenant-a.example"]


# --- parallel ringing ------------------------------------------------------------------------
def test_dialplan_parallel_ring_outside_number_bridges_devices_and_trunk_together(
    site: Site, django_capture_on_commit_callbacks
) -> None:
    options(site, "1001", django_capture_on_commit_callbacks, parallel_ring_target="030 555123")
    rendered = ask(**from_extension("1002", "1001"))
    assert rendered.data("bridge") == [
        "[leg_timeout=30]user/1001@tenant-a.example,"
        "[leg_timeout=30,sip_cid_type=pid,origination_caller_id_number=+49891234561]sofia/gateway/carrier-a/+4930555123"
    ]
    # the internal caller is what the phones show
    assert rendered.variable("effective_caller_id_number") == "1002"


def test_dialplan_parallel_ring_extension(site: Site, django_capture_on_commit_callbacks) -> None:
    options(site, "1002", django_capture_on_commit_callbacks, parallel_ring_target="1003")
    rendered = ask(**from_extension("1001", "1002"))
    assert rendered.data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example,[leg_timeout=30]user/1003@tenant-a.example"]


# --- DND per device -------------------------------------------------------------------------
def test_dialplan_device_dnd_rings_only_the_other_device(site: Site, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        tenants.check_set_licence(site.tenant, actor=None, feature=Feature.MOBILITY, quantity=1)
    softphone = second_device(site, "1001", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        directory.check_update_device(site.tenant, actor=None, device=site.devices["1001"], dnd=True)
    rendered = ask(**from_extension("1002", "1001"))
    assert rendered.data("bridge") == [f"[leg_timeout=30]user/{softphone.sip_username}@tenant-a.example"]
    # DND on the other device as well: handled like global DND (no forwarding set: busy)
    with django_capture_on_commit_callbacks(execute=True):
        directory.check_update_device(site.tenant, actor=None, device=softphone, dnd=True)
    rendered = ask(**from_extension("1002", "1001"))
    assert rendered.actions[-1] == ("hangup", "USER_BUSY")


# --- intercom ---------------------------------------------------------------------------------
def intercom_ready(site: Site, number: str, capture) -> None:
    with capture(execute=True):
        directory.check_update_call_options(site.tenant, actor=None, extension=site.extensions[number], intercom=True)
        directory.check_update_device(site.tenant, actor=None, device=site.devices[number], intercom=True)


def test_dialplan_intercom_code_auto_answers_the_primary_device(site: Site, django_capture_on_commit_callbacks) -> None:
    # given 1002 turned intercom on and its (primary) desk phone is an intercom device
    intercom_ready(site, "1002", django_capture_on_commit_callbacks)
    audit_before = AuditEntry.objects.for_tenant(site.tenant).count()
    # when 1001 dials *80 1002
    rendered = dial("1001", "*801002")
    # then it is a call to 1002's primary device, which is asked to answer at once
    assert rendered.extension == "centrex-internal"
    assert rendered.expression == r"^\*801002$"
    assert rendered.variable("centrex_caller_extension") == "1001"
    assert rendered.variable("centrex_destination") == "1002"
    assert rendered.data("bridge") == ["[leg_timeout=10,sip_auto_answer=true]user/1002@tenant-a.example"]
    assert rendered.actions[-1] == ("hangup", "${originate_disposition}")
    # and nothing was changed: intercom is a call, not a setting
    assert AuditEntry.objects.for_tenant(site.tenant).count() == audit_before


@pytest.mark.parametrize("missing", ["intercom_off", "device_not_flagged", "another_device_primary"])
def test_dialplan_intercom_refused_answers_the_star_code_error(
    site: Site, missing: str, django_capture_on_commit_callbacks
) -> None:
    intercom_ready(site, "1002", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        if missing == "intercom_off":
            directory.check_update_call_options(site.tenant, actor=None, extension=site.extensions["1002"], intercom=False)
        elif missing == "device_not_flagged":
            directory.check_update_device(site.tenant, actor=None, device=site.devices["1002"], intercom=False)
        else:
            other, _password = directory.check_create_device(site.tenant, actor=None, extension=site.extensions["1002"])
            directory.check_update_device(site.tenant, actor=None, device=other, is_primary=True)
    rendered = dial("1001", "*801002")
    assert_refused(rendered, 484, "INVALID_NUMBER_FORMAT")
    assert rendered.data("playback") == [SIT_TONE]


def test_dialplan_intercom_in_suspended_tenant_is_refused(site: Site, django_capture_on_commit_callbacks) -> None:
    intercom_ready(site, "1002", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        tenants.do_suspend_tenant(site.tenant, actor=None)
    rendered = dial("1001", "*801002")
    assert "bridge" not in rendered.applications
    assert rendered.data("respond")[0].startswith("403 ")


def test_dialplan_intercom_to_an_extension_of_another_tenant_is_refused(
    site: Site, other_site: Site, django_capture_on_commit_callbacks
) -> None:
    # given tenant-b's 1003 takes intercom calls; tenant-a has no 1004
    with django_capture_on_commit_callbacks(execute=True):
        extension = directory.check_create_extension(other_site.tenant, actor=None, number="1004", display_name="B 1004")
        device, _password = directory.check_create_device(other_site.tenant, actor=None, extension=extension)
        directory.check_update_call_options(other_site.tenant, actor=None, extension=extension, intercom=True)
        directory.check_update_device(other_site.tenant, actor=None, device=device, intercom=True)
    # when tenant-a's 1001 dials *80 1004
    rendered = dial("1001", "*801004")
    # then tenant-a's numbering plan is all it reaches: refused
    assert_refused(rendered, 484, "INVALID_NUMBER_FORMAT")

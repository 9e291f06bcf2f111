"""POST /freeswitch/cdr/ with every CDR FreeSWITCH 1.10.12 really posted."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime

import pytest

from telephony.calls.models import CallLeg, CallRecord
from tests.cdr.conftest import JSON_CDRS, cdr_body

A_LEG = "json_bridged_a_leg.json"
B_LEG = "json_bridged_b_leg.json"


def leg_uuid(name: str) -> uuid.UUID:
    return uuid.UUID(json.loads(cdr_body(name))["variables"]["uuid"])


def stored() -> tuple[int, int]:
    return CallRecord.objects.count(), CallLeg.objects.count()


@pytest.mark.parametrize("name", JSON_CDRS)
def test_every_recorded_cdr_is_stored_as_a_leg_of_a_call(tenant_a, post_cdr, name):
    # when the node posts the recorded CDR
    response = post_cdr(name)

    # then it is acknowledged and stored for the tenant the channel belongs to
    assert response.status_code == 200
    leg = CallLeg.objects.select_related("record").get(leg_uuid=leg_uuid(name))
    assert leg.tenant_id == tenant_a.tenant.pk
    assert leg.record.tenant_id == tenant_a.tenant.pk
    assert leg.record.node is not None
    assert leg.ended_at >= leg.started_at


def test_bridged_call_is_one_record_with_two_legs(tenant_a, post_cdr):
    # when both legs of the recorded 1001 -> 1002 call arrive
    assert post_cdr(A_LEG).status_code == 200
    assert post_cdr(B_LEG).status_code == 200

    # then there is one internal call, keyed by the A leg, with both legs
    record = CallRecord.objects.get()
    assert record.call_uuid == leg_uuid(A_LEG)
    assert sorted(leg.leg_uuid for leg in record.legs.all()) == sorted([leg_uuid(A_LEG), leg_uuid(B_LEG)])
    assert record.direction == "internal"
    assert (record.caller_number, record.caller_name, record.destination) == ("1001", "Ext 1001", "1002")
    assert record.extension == tenant_a.extensions["1001"]
    assert record.started_at == datetime.fromtimestamp(1795311542772088 / 1_000_000, tz=UTC)
    assert record.answered_at is not None
    assert (record.duration, record.billsec, record.hangup_cause) == (7, 6, "NORMAL_CLEARING")
    # and the B leg knows the called extension
    b_leg = record.legs.get(leg_uuid=leg_uuid(B_LEG))
    assert b_leg.extension == tenant_a.extensions["1002"]
    assert not b_leg.is_a_leg
    assert b_leg.variables["sip_call_id"]


def test_legs_in_either_order_give_the_same_record(tenant_a, post_cdr):
    # when the B leg arrives before the A leg
    post_cdr(B_LEG)
    post_cdr(A_LEG)

    # then the A leg's view of the call wins
    record = CallRecord.objects.get()
    assert record.call_uuid == leg_uuid(A_LEG)
    assert (record.caller_name, record.duration, record.billsec) == ("Ext 1001", 7, 6)
    assert record.extension == tenant_a.extensions["1001"]
    assert record.legs.count() == 2


def test_repeated_post_changes_nothing(tenant_a, post_cdr):
    # given the call stored
    post_cdr(A_LEG)
    post_cdr(B_LEG)
    before = CallRecord.objects.values().get()

    # when the node retries both posts
    assert post_cdr(A_LEG).status_code == 200
    assert post_cdr(B_LEG).status_code == 200

    # then nothing changed
    assert stored() == (1, 2)
    assert CallRecord.objects.values().get() == before


def test_unanswered_call_has_no_answer_time(tenant_a, post_cdr):
    post_cdr("json_unanswered_user_not_registered.json")

    record = CallRecord.objects.get()
    assert record.answered_at is None
    assert record.billsec == 0
    assert record.hangup_cause == "USER_NOT_REGISTERED"
    assert record.destination == "1003"


def test_queue_call_groups_agent_leg_with_caller(tenant_a, post_cdr):
    post_cdr("json_callcenter_caller.json")
    post_cdr("json_callcenter_agent.json")

    record = CallRecord.objects.get()
    assert record.call_uuid == leg_uuid("json_callcenter_caller.json")
    assert record.legs.count() == 2
    assert record.destination == "4000"


def test_loopback_pair_is_one_call(tenant_a, post_cdr):
    post_cdr("json_fax_tx.json")
    post_cdr("json_fax_rx.json")

    record = CallRecord.objects.get()
    assert record.call_uuid == leg_uuid("json_fax_tx.json")
    assert record.legs.count() == 2


def test_cdr_of_unknown_tenant_is_acknowledged_not_stored(node, post_cdr, caplog):
    # given no tenant owns tenant-a.example
    # when the node posts the recorded CDR
    response = post_cdr(A_LEG)

    # then it is acknowledged (so the node does not retry forever), logged, and not stored
    assert response.status_code == 200
    assert stored() == (0, 0)
    assert any("no known tenant" in record.getMessage() for record in caplog.records if record.levelno == logging.WARNING)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2, 3]", b'{"variables": "x"}', b'{"variables": {"uuid": "not-a-uuid", "start_epoch": "1"}}'],
    ids=["not-json", "array", "variables-not-object", "bad-uuid"],
)
def test_malformed_cdr_is_400_and_nothing_stored(tenant_a, post_cdr, body):
    response = post_cdr(body=body)

    assert response.status_code == 400
    assert stored() == (0, 0)


def test_cdr_without_times_is_400(tenant_a, post_cdr):
    cdr = json.loads(cdr_body(A_LEG))
    del cdr["variables"]["start_epoch"], cdr["variables"]["start_uepoch"]

    response = post_cdr(body=json.dumps(cdr).encode())

    assert response.status_code == 400
    assert stored() == (0, 0)


def test_uuid_on_url_must_match_the_body(tenant_a, post_cdr):
    response = post_cdr(A_LEG, query=f"uuid={uuid.uuid4()}")

    assert response.status_code == 400
    assert stored() == (0, 0)


def test_cdr_from_wrong_node_secret_is_401_and_nothing_stored(tenant_a, node, post_cdr):
    response = post_cdr(A_LEG, authorization=node.authorization("wrong"))

    assert response.status_code == 401
    assert stored() == (0, 0)


def test_cdr_of_a_call_owned_by_another_tenant_is_refused(tenant_a, post_cdr, django_capture_on_commit_callbacks):
    # given the call stored for tenant A
    post_cdr(A_LEG)
    from tests.xmlcurl.conftest import make_recorded_tenant

    with django_capture_on_commit_callbacks(execute=True):
        other = make_recorded_tenant(slug="tenant-b", sip_domain="tenant-b.example")
    # when a leg of the same call claims tenant B
    cdr = json.loads(cdr_body(B_LEG))
    cdr["variables"]["tenant_id"] = str(other.tenant.pk)

    response = post_cdr(body=json.dumps(cdr).encode())

    # then it is refused and tenant B has nothing
    assert response.status_code == 400
    assert not CallLeg.objects.for_tenant(other.tenant).exists()
    assert stored() == (1, 1)


def test_call_recorded_event_is_published_once_for_the_caller_leg(
    tenant_a, post_cdr, monkeypatch, django_capture_on_commit_callbacks
):
    # given the events delivered after commit are captured
    delivered = []
    monkeypatch.setattr("centrex.events.deliver", delivered.append)

    # when both legs arrive, and the A leg again
    with django_capture_on_commit_callbacks(execute=True):
        post_cdr(B_LEG)
        post_cdr(A_LEG)
        post_cdr(A_LEG)

    # then one call.recorded event of the tenant carries the record with both legs
    recorded = [event for event in delivered if event.name == "call.recorded"]
    assert len(recorded) == 1
    event = recorded[0]
    assert event.tenant == str(tenant_a.tenant.pk)
    assert event.data["call_uuid"] == str(leg_uuid(A_LEG))
    assert len(event.data["legs"]) == 2

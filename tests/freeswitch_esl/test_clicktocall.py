"""Click-to-call: the exact originate reaches the node; bad targets get 400 and send nothing."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from django.test import Client

from telephony.freeswitch import services as switch
from telephony.freeswitch.gateway import Gateway
from tests.freeswitch_esl.conftest import NODE_PASSWORD, Site, make_node
from tests.freeswitch_esl.replay import ReplayServer
from tests.freeswitch_esl.test_commands import ThreadedReplay
from tests.freeswitch_esl.test_gateway import BRIDGED_CALL, subscribed_events

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/calls/click-to-call/"
RECORDED_ORIGINATE = (
    b"bgapi originate {origination_uuid=2597159e-0677-4025-a5c0-ef3383b721b8,origination_caller_id_number=1001,"
    b"origination_caller_id_name=Fixture}loopback/9000/tenant-a.example &park()\n\n"
)


@pytest.fixture
def trunk(db: None) -> None:
    """A platform trunk, made before the node exists (its creation makes every node reload)."""
    switch.check_create_trunk(actor=None, name="carrier-a", proxy="sip.carrier-a.example")


@pytest.fixture
def node_04() -> Iterator[ReplayServer]:
    """A node replaying transcript 04; its recorded originate stands for the click-to-call one (checked below)."""
    replay = ThreadedReplay(
        "04_bgapi_originate.txt",
        password=NODE_PASSWORD,
        replace={RECORDED_ORIGINATE: re.compile(rb"bgapi originate \{.*\n\n", re.S)},
    )
    make_node(replay.server.port)
    yield replay.server
    replay.stop()


def register_1001(node_name: str = "fs1") -> None:
    """1001 registers (the recorded sofia::register), as the gateway of node fs1 sees it."""
    from telephony.freeswitch.models import SwitchNode

    node = SwitchNode.objects.get(name=node_name)
    event = next(e for e in subscribed_events(BRIDGED_CALL) if e.get("Event-Subclass") == "sofia::register")

    async def handle() -> None:
        gateway = Gateway(node, publish=lambda batch: None)
        await gateway.handle(event)
        await gateway.writer.close()

    asyncio.run(handle())


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_click_to_call_from_device_sends_the_exact_originate(site_a: Site, node_04: ReplayServer) -> None:
    # given 1001's desk phone is registered on node fs1
    register_1001()
    tenant = site_a.tenant
    # when its user clicks to call extension 1002
    response = client_for(site_a.users["1001"]).post(
        URL, {"device": str(site_a.devices["1001"].pk), "target": "1002"}, content_type="application/json"
    )
    # then the node got one originate: ring the phone (showing 1002), then bridge into the dialplan as 1001
    assert response.status_code == 202, response.content
    call = response.json()["call_uuid"]
    assert response.json() == {"call_uuid": call, "ring": "1001", "target": "1002"}
    assert (
        node_04.received[1]
        == (
            f"bgapi originate {{origination_uuid={call},origination_caller_id_number=1002,origination_caller_id_name=1002,"
            f"tenant_id={tenant.pk},originate_timeout=30,hangup_after_bridge=true}}user/1001@tenant-a.example "
            "&bridge({origination_caller_id_number=1001}loopback/1002/tenant-a.example)\n\n"
        ).encode()
    )
    assert node_04.mismatches == []


@pytest.mark.parametrize(
    "target,message",
    [
        ("1002\n\napi shutdown", "Enter a phone number or an extension."),
        ("1002 XML default", "Enter a phone number or an extension."),
        ("'1002'", "Enter a phone number or an extension."),
        ("+33 1 42 68 53 00", "International calls not allowed"),
        ("+49 000", "This phone number does not exist."),
    ],
)
def test_click_to_call_bad_target_is_400_and_sends_nothing(
    site_a: Site, node_04: ReplayServer, target: str, message: str
) -> None:
    register_1001()
    response = client_for(site_a.users["1001"]).post(
        URL, {"device": str(site_a.devices["1001"].pk), "target": target}, content_type="application/json"
    )
    assert response.status_code == 400
    assert message in str(response.json())
    assert node_04.received == []


def test_click_to_call_other_tenants_device_is_400_and_sends_nothing(site_a: Site, site_b: Site, node_04: ReplayServer) -> None:
    register_1001()
    response = client_for(site_b.users["1001"]).post(
        URL, {"device": str(site_a.devices["1001"].pk), "target": "1002"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "This device is not one of yours." in str(response.json())
    assert node_04.received == []


def test_click_to_call_unregistered_device_is_400(site_a: Site, node_04: ReplayServer) -> None:
    response = client_for(site_a.users["1001"]).post(
        URL, {"device": str(site_a.devices["1001"].pk), "target": "1002"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "not registered" in str(response.json())
    assert node_04.received == []


def test_click_to_call_from_external_number_rings_it_through_the_dialplan(
    site_a: Site, trunk: None, node_04: ReplayServer
) -> None:
    # given the platform has a trunk (the mobile is reached through it)
    # when the user rings their mobile first (a German number: national class of service allows it)
    response = client_for(site_a.users["1001"]).post(
        URL, {"external_number": "+49 151 23456789", "target": "1002"}, content_type="application/json"
    )
    # then the first leg is a loopback into the tenant's dialplan as extension 1001
    assert response.status_code == 202, response.content
    call = response.json()["call_uuid"]
    assert (
        node_04.received[1]
        == (
            f"bgapi originate {{origination_uuid={call},origination_caller_id_number=1001,"
            f"tenant_id={site_a.tenant.pk},originate_timeout=30,hangup_after_bridge=true}}"
            "loopback/+4915123456789/tenant-a.example "
            "&bridge({origination_caller_id_number=1001}loopback/1002/tenant-a.example)\n\n"
        ).encode()
    )


def test_click_to_call_unknown_field_and_missing_device_are_400(site_a: Site, node_04: ReplayServer) -> None:
    client = client_for(site_a.users["1001"])
    assert client.post(URL, {"target": "1002"}, content_type="application/json").status_code == 400
    assert client.post(URL, {"target": "1002", "device": "x", "evil": 1}, content_type="application/json").status_code == 400
    assert node_04.received == []


def test_click_to_call_external_number_without_trunk_is_400(site_a: Site, node_04: ReplayServer) -> None:
    response = client_for(site_a.users["1001"]).post(
        URL, {"external_number": "+49 151 23456789", "target": "1002"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "No outside line available" in str(response.json())
    assert node_04.received == []


def test_click_to_call_key_without_calls_write_is_403_and_sends_nothing(site_a: Site, node_04: ReplayServer) -> None:
    # given an API key of tenant A, made by its admin, that may only read calls
    from centrex.api import services as api_keys
    from tenants import services as tenants
    from tenants.choices import Role

    register_1001()
    admin = tenants.check_invite_user(
        site_a.tenant, actor=None, email="admin@tenant-a.example.com", full_name="A", role=Role.ADMIN
    ).user
    _key, token = api_keys.check_create_api_key(site_a.tenant, actor=admin, name="reader", scopes=["calls:read"])
    # when
    response = Client().post(
        URL,
        {"device": str(site_a.devices["1001"].pk), "target": "1002"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    # then
    assert response.status_code == 403
    assert "calls:write" in str(response.json())
    assert node_04.received == []

"""The dialplan section: recorded FreeSWITCH dialplan posts in, rendered routing decisions out."""

from __future__ import annotations

import asyncio
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from django.test import Client

from telephony.directory import services as directory
from telephony.freeswitch.dialplan import answer_dialplan
from telephony.freeswitch.livestate import LiveStateWriter
from tenants import services as tenants
from tests.routing.conftest import Site, make_site, recorded, recorded_params
from tests.xmlcurl.conftest import NODE_ADDRESS, make_node


@dataclass
class Rendered:
    """A dialplan answer read back: the context and condition, and the actions in order."""

    context: str
    extension: str
    expression: str
    actions: list[tuple[str, str]]

    @property
    def applications(self) -> list[str]:
        return [application for application, _data in self.actions]

    def data(self, application: str) -> list[str]:
        return [data for app, data in self.actions if app == application]

    def variable(self, name: str) -> str | None:
        for app, data in self.actions:
            if app in ("set", "export") and data.startswith(name + "="):
                return data.split("=", 1)[1]
        return None


def read(document: str) -> Rendered:
    root = ET.fromstring(document.encode())
    assert root.tag == "document" and root.get("type") == "freeswitch/xml"
    (section,) = root.findall("section")
    assert section.get("name") == "dialplan"
    (context,) = section.findall("context")
    (extension,) = context.findall("extension")
    (condition,) = extension.findall("condition")
    assert condition.get("field") == "destination_number"
    actions = [(action.get("application"), action.get("data", "")) for action in condition.findall("action")]
    return Rendered(context.get("name"), extension.get("name"), condition.get("expression"), actions)


def ask(name: str = "dialplan_invite.txt", **changes: str) -> Rendered:
    return read(answer_dialplan(None, recorded_params(name, **changes)))


def from_extension(number: str, destination: str) -> dict[str, str]:
    """The recorded INVITE as if device ``number`` had dialled ``destination``."""
    return {
        "Caller-Destination-Number": destination,
        "variable_sip_auth_username": number,
        "Caller-Caller-ID-Number": number,
        "Caller-Username": number,
    }


def assert_refused(rendered: Rendered, sip_code: int, cause: str) -> None:
    assert rendered.extension == "centrex-refused"
    assert "bridge" not in rendered.applications
    assert rendered.applications[-4:] == ["pre_answer", "playback", "respond", "hangup"]
    assert rendered.data("playback")[0].startswith("tone_stream://")
    assert rendered.data("respond")[0].startswith(f"{sip_code} ")
    assert rendered.data("hangup") == [cause]


# --- the recorded call ---------------------------------------------------------------
def test_dialplan_recorded_invite_1001_to_1002_bridges_the_device(site: Site) -> None:
    # when FreeSWITCH asks exactly as recorded
    rendered = ask()
    # then, in the shape of the recorded accepted reply: set variables, then bridge user/1002@tenant-a.example
    assert rendered.context == "tenant-a.example"
    assert rendered.expression == "^1002$"
    assert rendered.variable("tenant_id") == str(site.tenant.pk)
    assert ("export", f"tenant_id={site.tenant.pk}") in rendered.actions
    assert rendered.variable("centrex_call_kind") == "internal"
    assert rendered.variable("centrex_caller_extension") == "1001"
    assert rendered.variable("call_timeout") == "30"
    assert rendered.variable("hangup_after_bridge") == "true"
    assert rendered.variable("effective_caller_id_number") == "1001"
    assert rendered.variable("effective_caller_id_name") == "Extension 1001"
    assert rendered.data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]
    assert rendered.actions[-1] == ("hangup", "${originate_disposition}")


def test_dialplan_reply_has_the_shape_of_the_recorded_accepted_reply(site: Site) -> None:
    accepted = ET.fromstring(recorded("response_dialplan_bridge.xml"))
    ours = ET.fromstring(answer_dialplan(None, recorded_params("dialplan_invite.txt")).encode())

    def shape(element: ET.Element) -> list[str]:
        return [node.tag for node in element.iter() if node.tag != "action"]

    assert shape(ours) == shape(accepted)
    assert ours.find("section").get("name") == accepted.find("section").get("name")


def test_dialplan_through_the_endpoint_with_node_credentials(site: Site) -> None:
    # given a registered node
    node = make_node()
    # when it posts the recorded body
    response = Client().post(
        "/freeswitch/xml/",
        data=recorded("dialplan_invite.txt"),
        content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR=NODE_ADDRESS,
        HTTP_AUTHORIZATION=node.authorization(),
    )
    # then
    assert response.status_code == 200
    assert read(response.content.decode()).data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]


def test_dialplan_cached_lookup_costs_no_query(site: Site, django_assert_num_queries) -> None:
    ask()
    with django_assert_num_queries(0):
        rendered = ask(**from_extension("1002", "1003"))
    assert rendered.data("bridge") == ["[leg_timeout=30]user/1003@tenant-a.example"]


def test_dialplan_trailing_hash_rings_at_once(site: Site) -> None:
    rendered = ask(**from_extension("1001", "1002#"))
    assert rendered.expression == r"^1002\#$"
    assert rendered.data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]


def test_dialplan_unknown_internal_number_gets_announcement_and_404(site: Site) -> None:
    assert_refused(ask(**from_extension("1001", "1999")), 404, "UNALLOCATED_NUMBER")


def test_dialplan_recorded_loopback_originate_routes_for_the_extension(site: Site) -> None:
    # the recorded originate dialled 9000, which this tenant does not have
    assert_refused(ask("dialplan_loopback_originate.txt"), 404, "UNALLOCATED_NUMBER")
    # the same originate to 1002 rings 1002 for extension 1001
    rendered = ask("dialplan_loopback_originate.txt", **{"Caller-Destination-Number": "1002"})
    assert rendered.variable("centrex_caller_extension") == "1001"
    assert rendered.data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]


# --- outside calls -------------------------------------------------------------------
def test_dialplan_national_number_bridges_over_trunks_in_priority_order(site: Site) -> None:
    rendered = ask(**from_extension("1001", "08912345678"))
    assert rendered.extension == "centrex-outbound"
    assert rendered.data("bridge") == [
        "[leg_timeout=60]sofia/gateway/carrier-a/+498912345678",
        "[leg_timeout=60]sofia/gateway/carrier-b/+498912345678",
    ]
    assert rendered.variable("effective_caller_id_number") == "+49891234561"
    assert rendered.variable("continue_on_fail").startswith("NORMAL_TEMPORARY_FAILURE,")
    assert "USER_BUSY" not in rendered.variable("continue_on_fail")
    assert rendered.variable("centrex_destination") == "+498912345678"
    assert "privacy" not in rendered.applications


def test_dialplan_caller_id_main_number(site: Site) -> None:
    rendered = ask(**from_extension("1002", "+442079460958"))
    assert rendered.variable("effective_caller_id_number") == "+49891234560"


def test_dialplan_caller_id_withheld_sets_privacy(site: Site, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        directory.check_update_extension(site.tenant, actor=None, extension=site.extensions["1001"], caller_id_mode="withheld")
    rendered = ask(**from_extension("1001", "08912345678"))
    assert rendered.data("privacy") == ["full"]
    assert rendered.variable("sip_cid_type") == "pid"
    assert rendered.variable("effective_caller_id_number") == "+49891234561"


def test_dialplan_access_code_on(site: Site, django_capture_on_commit_callbacks) -> None:
    # given "0 to get out"
    with django_capture_on_commit_callbacks(execute=True):
        directory.check_update_telephony_settings(site.tenant, actor=None, access_code_required=True)
    # then the outside number with 0 goes out, without it is not routed out, internal numbers still ring
    assert ask(**from_extension("1001", "008912345678")).data("bridge")[0].endswith("/+498912345678")
    assert_refused(ask(**from_extension("1001", "+498912345678")), 404, "UNALLOCATED_NUMBER")
    assert ask(**from_extension("1001", "1002")).data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]


def test_dialplan_class_of_service_blocks_with_403_and_never_bridges(site: Site) -> None:
    # 1003 is internal only; 1001 national only; nobody may call premium-rate numbers
    assert_refused(ask(**from_extension("1003", "08912345678")), 403, "OUTGOING_CALL_BARRED")
    assert_refused(ask(**from_extension("1001", "00442079460958")), 403, "OUTGOING_CALL_BARRED")
    assert_refused(ask(**from_extension("1002", "09001234567")), 403, "OUTGOING_CALL_BARRED")


def test_dialplan_refusal_tells_the_reason_in_the_callers_language(site: Site, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        directory.check_update_extension(site.tenant, actor=None, extension=site.extensions["1003"], language="de")
    rendered = ask(**from_extension("1003", "08912345678"))
    assert rendered.data("respond") == ["403 Externe Anrufe nicht erlaubt"]
    assert ask(**from_extension("1001", "00442079460958")).data("respond") == ["403 International calls not allowed"]


def test_dialplan_emergency_always_goes_out(site: Site, django_capture_on_commit_callbacks) -> None:
    # given the worst case: access code on, tenant suspended, and 1003 internal only
    with django_capture_on_commit_callbacks(execute=True):
        directory.check_update_telephony_settings(site.tenant, actor=None, access_code_required=True)
    tenants.do_suspend_tenant(site.tenant, actor=None)
    # when 1003 dials 112
    rendered = ask(**from_extension("1003", "112"))
    # then it goes out over every trunk, presenting the main number
    assert rendered.extension == "centrex-emergency"
    assert rendered.data("bridge") == [
        "[leg_timeout=120]sofia/gateway/carrier-a/112",
        "[leg_timeout=120]sofia/gateway/carrier-b/112",
    ]
    assert rendered.variable("continue_on_fail") == "true"
    assert rendered.variable("effective_caller_id_number") == "+49891234560"


def test_dialplan_suspended_tenant_is_refused(db: None, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        site = make_site()
    tenants.do_suspend_tenant(site.tenant, actor=None)
    assert_refused(ask(), 403, "OUTGOING_CALL_BARRED")


# --- who is calling ------------------------------------------------------------------
def test_dialplan_unauthenticated_call_is_refused(site: Site) -> None:
    assert_refused(ask(variable_sip_authorized="false"), 403, "OUTGOING_CALL_BARRED")


def test_dialplan_authentication_for_another_domain_is_refused(site: Site, other_site: Site) -> None:
    # a tenant-b user whose call somehow landed in tenant-a's context
    assert_refused(ask(variable_sip_auth_realm="tenant-b.example"), 403, "OUTGOING_CALL_BARRED")


def test_dialplan_from_another_tenant_rings_only_that_tenants_devices(site: Site, other_site: Site) -> None:
    rendered = ask(**{"Caller-Context": "tenant-b.example", "variable_sip_auth_realm": "tenant-b.example"})
    assert rendered.context == "tenant-b.example"
    assert rendered.variable("tenant_id") == str(other_site.tenant.pk)
    assert rendered.data("bridge") == ["[leg_timeout=30]user/1002@tenant-b.example"]


def test_dialplan_unknown_context_is_refused(site: Site) -> None:
    rendered = ask(**{"Caller-Context": "nobody.example", "variable_sip_auth_realm": "nobody.example"})
    assert rendered.context == "nobody.example"
    assert rendered.variable("tenant_id") is None
    assert_refused(rendered, 404, "UNALLOCATED_NUMBER")


# --- calls from the trunks -----------------------------------------------------------
def trunk_call(did: str) -> dict[str, str]:
    return {
        "Caller-Context": "public",
        "Caller-Destination-Number": did,
        "Caller-Caller-ID-Number": "+4930123456",
        "variable_sip_gateway_name": "carrier-a",
        "variable_sip_authorized": "",
    }


@pytest.mark.parametrize("did", ["+49891234561", "49891234561", "0891234561"])
def test_dialplan_did_from_trunk_rings_its_extension(site: Site, did: str) -> None:
    rendered = ask(**trunk_call(did))
    assert rendered.context == "public"
    assert rendered.extension == "centrex-inbound"
    assert rendered.variable("tenant_id") == str(site.tenant.pk)
    assert rendered.variable("effective_caller_id_number") == "+4930123456"
    assert rendered.data("bridge") == ["[leg_timeout=30]user/1001@tenant-a.example"]


def test_dialplan_unknown_did_gets_announcement_and_404(site: Site) -> None:
    assert_refused(ask(**trunk_call("+4940111111")), 404, "UNALLOCATED_NUMBER")


def test_dialplan_unrouted_did_gets_announcement_and_404(site: Site) -> None:
    assert_refused(ask(**trunk_call("+49891234560")), 404, "UNALLOCATED_NUMBER")


def test_dialplan_trunk_call_can_never_dial_out(site: Site) -> None:
    for number in ("112", "08912345678", "+442079460958"):
        assert "bridge" not in ask(**trunk_call(number)).applications


# --- escaping ------------------------------------------------------------------------
def test_dialplan_hostile_destination_is_neither_echoed_nor_executed(site: Site) -> None:
    hostile = '1002"/><action application="system" data="rm -rf /"/>${system(id)}'
    document = answer_dialplan(None, recorded_params("dialplan_invite.txt", **{"Caller-Destination-Number": hostile}))
    rendered = read(document)
    assert "system" not in rendered.applications
    assert rendered.expression == "^.*$"
    assert "${system" not in document
    assert_refused(rendered, 484, "INVALID_NUMBER_FORMAT")


def test_dialplan_display_name_is_reduced_to_harmless_text(site: Site, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        directory.check_update_extension(
            site.tenant, actor=None, extension=site.extensions["1001"], display_name="Zoë ${system(id)},x=1 <b>"
        )
    rendered = ask()
    assert rendered.variable("effective_caller_id_name") == "Zoë system(id)x1 b"


# --- live state ----------------------------------------------------------------------
def outside_calls(tenant_id: str, count: int) -> None:
    """Outside channels as the switch gateway records them from the node's events."""

    async def write() -> None:
        writer = LiveStateWriter()
        try:
            for _ in range(count):
                await writer.channel_update(
                    tenant_id, str(uuid.uuid4()), {"name": "sofia/gateway/carrier-a/+4930123"}, outside=True, now=time.time()
                )
        finally:
            await writer.close()

    asyncio.run(write())


def test_dialplan_outside_call_limit_reached_refuses_outside_calls_only(site: Site) -> None:
    # given the tenant's two outside lines in use
    outside_calls(str(site.tenant.pk), 2)
    # then another outside call is refused, while internal and emergency calls go through
    assert_refused(ask(**from_extension("1001", "08912345678")), 503, "NORMAL_CIRCUIT_CONGESTION")
    assert ask(**from_extension("1001", "1002")).data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]
    assert ask(**from_extension("1001", "112")).extension == "centrex-emergency"


def test_dialplan_outside_call_under_the_limit_goes_out(site: Site) -> None:
    outside_calls(str(site.tenant.pk), 1)
    assert ask(**from_extension("1001", "08912345678")).extension == "centrex-outbound"


def test_dialplan_inbound_call_counts_the_others_not_itself(site: Site) -> None:
    # given one other outside call plus this inbound call's own channel: under the limit of 2
    outside_calls(str(site.tenant.pk), 2)
    assert ask(**trunk_call("+49891234561")).extension == "centrex-inbound"
    # with two others the lines are full: busy
    outside_calls(str(site.tenant.pk), 1)
    rendered = ask(**trunk_call("+49891234561"))
    assert rendered.applications[-1] == "hangup"
    assert rendered.data("hangup") == ["USER_BUSY"]
    assert "bridge" not in rendered.applications


# --- Redis unreachable ---------------------------------------------------------------
@pytest.fixture
def redis_down(settings) -> None:
    """Point the cache and the live state at a port where nothing listens."""
    dead = "redis://127.0.0.1:1/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead}}
    settings.REDIS_URL = dead


def test_dialplan_without_redis_emergency_and_internal_calls_still_route(site: Site, redis_down: None) -> None:
    # when Redis is gone, the snapshot comes from the database for each call
    emergency = ask(**from_extension("1003", "112"))
    internal = ask()
    inbound = ask(**trunk_call("+49891234561"))
    # then
    assert emergency.data("bridge")[0] == "[leg_timeout=120]sofia/gateway/carrier-a/112"
    assert internal.data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]
    assert inbound.data("bridge") == ["[leg_timeout=30]user/1001@tenant-a.example"]

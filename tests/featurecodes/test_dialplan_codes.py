"""Star codes dialled from a phone: a recorded dialplan post in, the change and a tone answer out."""

from __future__ import annotations

import pytest
from django.test import Client

from telephony.calls import snapshot as snapshots
from telephony.directory import services as directory
from telephony.directory.models import Extension
from telephony.featurecodes import services as codes
from telephony.featurecodes.dialplan import CONFIRMATION_TONE
from telephony.featurecodes.models import StarCode
from telephony.forwarding import services as forwarding
from telephony.forwarding.models import ForwardingProfile, PersonalSettings
from telephony.freeswitch.dialplan import SIT_TONE, answer_dialplan
from tenants import services as tenants
from tenants.choices import Feature
from tenants.models import AuditEntry
from tests.routing.conftest import Site, recorded_body, recorded_params
from tests.routing.test_dialplan import Rendered, assert_refused, from_extension, read
from tests.xmlcurl.conftest import NODE_ADDRESS, make_node


def dial(number: str, destination: str, **changes: str) -> Rendered:
    """The recorded INVITE post as if the device of extension ``number`` had dialled ``destination``."""
    params = recorded_params("dialplan_invite.txt", **{**from_extension(number, destination), **changes})
    return read(answer_dialplan(None, params))


def audit_count(site: Site) -> int:
    return AuditEntry.objects.for_tenant(site.tenant).count()


def assert_error(rendered: Rendered) -> None:
    assert_refused(rendered, 484, "INVALID_NUMBER_FORMAT")
    assert rendered.data("playback") == [SIT_TONE]


@pytest.mark.parametrize("destination", ["*109x", "*1010", "*10", "*11089123456", "*113", "*99", "**11*", "*8033"])
def test_dial_unreadable_or_unavailable_code_answers_error_and_changes_nothing(
    site: Site, destination: str, django_capture_on_commit_callbacks
) -> None:
    # given
    before = audit_count(site)
    # when 1001 dials a code that cannot be read (or intercom to 33, an extension that does not exist)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rendered = dial("1001", destination)
    # then the error tone and a refusal; nothing is written and nothing is sent to the switch
    assert_error(rendered)
    assert audit_count(site) == before
    assert callbacks == []


def test_dial_star_code_without_device_authentication_is_refused(site: Site) -> None:
    # given a post whose only claim to be 1001 is the caller-ID (the switch did not authenticate it)
    before = audit_count(site)
    rendered = dial("1001", "**11", variable_sip_authorized="false")
    # then it is refused like any unauthenticated call, and nothing changes
    assert_refused(rendered, 403, "OUTGOING_CALL_BARRED")
    assert audit_count(site) == before


def test_dial_star_code_follows_the_tenants_digits(site: Site) -> None:
    # given the admin moved "cancel always" away from **11
    cancel = StarCode.objects.for_tenant(site.tenant).get(kind="cancel_always")
    codes.check_update_star_code(site.tenant, actor=None, code=cancel, digits="*71")
    # then **11 is no longer a code
    assert_error(dial("1001", "**11"))


def test_dial_star_code_in_suspended_tenant_is_refused(site: Site) -> None:
    # given (the suspension drops the cached snapshot on commit; here the test transaction never commits)
    tenants.do_suspend_tenant(site.tenant, actor=None)
    snapshots.invalidate_snapshot(str(site.tenant.pk))
    before = audit_count(site)
    # when
    rendered = dial("1001", "**11")
    # then
    assert_refused(rendered, 403, "OUTGOING_CALL_BARRED")
    assert audit_count(site) == before


def test_dial_star_code_from_device_of_another_domain_is_refused(site: Site, other_site: Site) -> None:
    # a tenant-b device whose call landed in tenant-a's context does not act on tenant-a
    rendered = dial("1001", "**11", variable_sip_auth_realm="tenant-b.example")
    assert_refused(rendered, 403, "OUTGOING_CALL_BARRED")


# --- codes that change something ---------------------------------------------------------------
def rules(extension: Extension) -> dict[str, tuple[str, str, int | None]]:
    """condition -> (target, number, timer) of the extension's default profile."""
    profile = ForwardingProfile.objects.get(extension=extension, is_default=True)
    return {rule.condition: (rule.target, rule.number, rule.no_answer_seconds) for rule in profile.rules.all()}


def active_slot(extension: Extension) -> int | None:
    return ForwardingProfile.objects.filter(extension=extension, is_active=True).values_list("slot", flat=True).first()


def dnd(extension: Extension) -> bool:
    return bool(PersonalSettings.objects.filter(extension=extension).values_list("dnd", flat=True).first())


def assert_confirmed(rendered: Rendered, site: Site, extension: str) -> None:
    assert rendered.extension == "centrex-feature_code"
    assert rendered.applications == ["export", "export", "export", "answer", "playback", "hangup"]
    assert rendered.variable("tenant_id") == str(site.tenant.pk)
    assert rendered.variable("centrex_caller_extension") == extension
    assert rendered.data("playback") == [CONFIRMATION_TONE]
    assert rendered.data("hangup") == ["NORMAL_CLEARING"]
    assert "bridge" not in rendered.applications


@pytest.fixture
def ext33(site: Site) -> Extension:
    return directory.check_create_extension(site.tenant, actor=None, number="33", display_name="Reception desk")


def test_dial_forward_always_to_extension_changes_the_dialling_extension_only(
    site: Site, ext33: Extension, node_commands, django_capture_on_commit_callbacks
) -> None:
    # given
    node = make_node()
    node_commands.clear()
    # when 1001's phone dials *1133, posted exactly as the switch posts it
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/freeswitch/xml/",
            data=recorded_body("dialplan_invite.txt", **from_extension("1001", "*1133")),
            content_type="application/x-www-form-urlencoded",
            REMOTE_ADDR=NODE_ADDRESS,
            HTTP_AUTHORIZATION=node.authorization(),
        )
    # then the caller hears the confirmation
    assert response.status_code == 200
    assert_confirmed(read(response.content.decode()), site, "1001")
    # and 1001's default profile forwards always to 33, active; 1002 and 1003 are untouched
    assert rules(site.extensions["1001"]) == {"always": ("number", "33", None)}
    assert active_slot(site.extensions["1001"]) == 0
    assert rules(site.extensions["1002"]) == {} and rules(site.extensions["1003"]) == {}
    # and the change reached the switch after commit (cached answers dropped, nodes told)
    assert node_commands


def test_dial_forward_always_international_number_is_stored_in_e164(site: Site) -> None:
    assert_confirmed(dial("1001", "*110049892343123"), site, "1001")
    assert rules(site.extensions["1001"]) == {"always": ("number", "+49892343123", None)}


def test_dial_forward_to_voicemail_and_no_answer_timer(site: Site) -> None:
    assert_confirmed(dial("1001", "*11*791"), site, "1001")
    assert_confirmed(dial("1001", "*121002"), site, "1001")
    assert_confirmed(dial("1001", "*13*791"), site, "1001")
    assert_confirmed(dial("1001", "*14*791#"), site, "1001")
    # no answer by star code waits 20 seconds ([DFN] §1.9 offers 5-20; a code cannot say which)
    assert rules(site.extensions["1001"]) == {
        "always": ("voicemail", "", None),
        "no_answer": ("number", "1002", 20),
        "busy": ("voicemail", "", None),
        "not_registered": ("voicemail", "", None),
    }


def test_dial_cancel_clears_one_condition(site: Site) -> None:
    dial("1001", "*11*791")
    dial("1001", "*13*791")
    assert_confirmed(dial("1001", "**11"), site, "1001")
    assert rules(site.extensions["1001"]) == {"busy": ("voicemail", "", None)}


def test_dial_forward_activates_the_default_profile(site: Site) -> None:
    # given profile 2 of 1001 is active ([DFN] §3.1's example)
    extension = site.extensions["1001"]
    forwarding.check_create_profile(site.tenant, actor=None, extension=extension, slot=2, name="Holiday")
    forwarding.check_activate_profile(site.tenant, actor=None, extension=extension, slot=2)
    # when
    assert_confirmed(dial("1001", "*110049892343123"), site, "1001")
    # then the default profile is active, with the rule
    assert active_slot(extension) == 0
    assert rules(extension) == {"always": ("number", "+49892343123", None)}


def test_dial_activate_profile(site: Site) -> None:
    extension = site.extensions["1001"]
    forwarding.check_create_profile(site.tenant, actor=None, extension=extension, slot=3, name="Home office")
    assert_confirmed(dial("1001", "*103"), site, "1001")
    assert active_slot(extension) == 3
    assert_confirmed(dial("1001", "*100"), site, "1001")
    assert active_slot(extension) == 0


def test_dial_activate_missing_profile_answers_error_and_changes_nothing(site: Site) -> None:
    dial("1001", "*11*791")
    before = audit_count(site)
    assert_error(dial("1001", "*105"))
    assert active_slot(site.extensions["1001"]) == 0
    assert audit_count(site) == before


@pytest.mark.parametrize(
    ("caller", "destination"),
    [
        ("1001", "*1199999"),  # no extension 99999
        ("1001", "*111001"),  # an extension cannot forward to itself
        ("1001", "*1100442079460958"),  # 1001 may call national numbers only
        ("1003", "*110049892343123"),  # 1003 may call internal numbers only
    ],
)
def test_dial_forward_target_the_service_refuses_answers_error_and_changes_nothing(
    site: Site, caller: str, destination: str, django_capture_on_commit_callbacks
) -> None:
    # given
    before = audit_count(site)
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rendered = dial(caller, destination)
    # then the error, no rule, no audit entry, nothing sent to the switch
    assert_error(rendered)
    assert rules(site.extensions[caller]) == {}
    assert audit_count(site) == before
    assert callbacks == []


def test_dial_dnd_on_off_toggle(site: Site) -> None:
    extension = site.extensions["1001"]
    assert_confirmed(dial("1001", "*78"), site, "1001")
    assert dnd(extension) is True
    assert_confirmed(dial("1001", "*79"), site, "1001")
    assert dnd(extension) is False
    assert_confirmed(dial("1001", "*76"), site, "1001")
    assert dnd(extension) is True
    assert_confirmed(dial("1001", "*76"), site, "1001")
    assert dnd(extension) is False
    assert dnd(site.extensions["1002"]) is False


def test_dial_code_acts_on_the_authenticated_device_not_the_caller_id(site: Site, ext33: Extension) -> None:
    # given 1002's phone, claiming 1001 in every caller-ID field it controls
    params = {"Caller-Caller-ID-Number": "1001", "Caller-Username": "1001", "variable_sip_from_user": "1001"}
    # when it dials *1133
    rendered = dial("1002", "*1133", **params)
    # then the change is 1002's, never 1001's
    assert_confirmed(rendered, site, "1002")
    assert rules(site.extensions["1002"]) == {"always": ("number", "33", None)}
    assert rules(site.extensions["1001"]) == {}


def test_dial_code_is_audited_in_the_extension_users_name(site: Site) -> None:
    # given 1001 belongs to a user
    tenants.check_set_licence(site.tenant, actor=None, feature=Feature.USERS, quantity=1)
    user = tenants.check_invite_user(site.tenant, actor=None, email="jane@tenant-a.example", full_name="Jane", role="user").user
    directory.check_update_extension(site.tenant, actor=None, extension=site.extensions["1001"], user=user)
    # when
    dial("1001", "*11*791")
    # then
    entry = AuditEntry.objects.for_tenant(site.tenant).filter(action="forwarding_rule.set").get()
    assert entry.actor == user


def test_dial_forward_always_the_next_call_follows_it(site: Site, django_capture_on_commit_callbacks) -> None:
    # given a call to 1001 rings 1001 (and the routing snapshot is cached)
    assert dial("1002", "1001").data("bridge") == ["[leg_timeout=30]user/1001@tenant-a.example"]
    # when 1001 forwards always to 1003 by star code
    with django_capture_on_commit_callbacks(execute=True):
        assert_confirmed(dial("1001", "*111003"), site, "1001")
    # then the next call to 1001 rings 1003
    assert dial("1002", "1001").data("bridge") == ["[leg_timeout=30]user/1003@tenant-a.example"]
    # and after **11 it rings 1001 again
    with django_capture_on_commit_callbacks(execute=True):
        assert_confirmed(dial("1001", "**11"), site, "1001")
    assert dial("1002", "1001").data("bridge") == ["[leg_timeout=30]user/1001@tenant-a.example"]

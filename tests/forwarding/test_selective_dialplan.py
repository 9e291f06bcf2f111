"""Selective rules in the dialplan answers: recorded FreeSWITCH posts in, the caller's rule applied out."""

from __future__ import annotations

from telephony.forwarding import services
from telephony.forwarding.choices import SelectiveMatch
from telephony.forwarding.models import ForwardingProfile
from tests.routing.conftest import Site
from tests.routing.test_dialplan import ask, from_extension, trunk_call

Selection = services.CallerSelection


def holiday_profile(site: Site, number: str) -> ForwardingProfile:
    return services.check_create_profile(site.tenant, actor=None, extension=site.extensions[number], slot=2, name="Urlaub")


def test_dialplan_internal_call_follows_the_extension_rule_once_the_profile_is_active(
    site: Site, django_capture_on_commit_callbacks
) -> None:
    # given 1002's profile 2: calls from 1001 -> always -> 1003, everything else rings 1002 (and a cached answer)
    with django_capture_on_commit_callbacks(execute=True):
        profile = holiday_profile(site, "1002")
        services.check_set_selective_rule(
            site.tenant,
            actor=None,
            profile=profile,
            selection=Selection(SelectiveMatch.EXTENSION, extension=site.extensions["1001"].pk),
            condition="always",
            target="number",
            number="1003",
        )
    # while profile 2 is not active, the recorded INVITE 1001 -> 1002 rings 1002
    assert ask().data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]
    # when profile 2 is activated
    with django_capture_on_commit_callbacks(execute=True):
        services.check_activate_profile(site.tenant, actor=None, extension=site.extensions["1002"], slot=2)
    # then the recorded INVITE from 1001 rings 1003, showing 1001 as the caller
    rendered = ask()
    assert rendered.data("bridge") == ["[leg_timeout=30]user/1003@tenant-a.example"]
    assert rendered.variable("effective_caller_id_number") == "1001"
    # and 1003 calling 1002 is not selected: 1002 rings
    assert ask(**from_extension("1003", "1002")).data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]


def test_dialplan_withheld_outside_caller_is_anonymous(site: Site, django_capture_on_commit_callbacks) -> None:
    # given 1001's active profile 2: anonymous -> voicemail; Munich (+4989) -> busy
    with django_capture_on_commit_callbacks(execute=True):
        profile = holiday_profile(site, "1001")
        anonymous = Selection(SelectiveMatch.ANONYMOUS)
        services.check_set_selective_rule(
            site.tenant, actor=None, profile=profile, selection=anonymous, condition="always", target="voicemail"
        )
        munich = Selection(SelectiveMatch.PREFIX, prefix="+4989")
        services.check_set_selective_rule(
            site.tenant, actor=None, profile=profile, selection=munich, condition="always", target="busy"
        )
        services.check_activate_profile(site.tenant, actor=None, extension=site.extensions["1001"], slot=2)
    # when the carrier sends the number but the caller asked for privacy
    rendered = ask(**trunk_call("+49891234561"), **{"Caller-Privacy-Hide-Number": "true"})
    # then the anonymous rule applies: voicemail, the number never shown
    assert rendered.data("voicemail") == ["default tenant-a.example 1001"]
    assert "bridge" not in rendered.applications
    # a Munich caller (national form from the carrier) hears busy
    munich_call = {**trunk_call("+49891234561"), "Caller-Caller-ID-Number": "0891111111"}
    assert ask(**munich_call).actions[-1] == ("hangup", "USER_BUSY")
    # a Berlin caller rings 1001 and is shown
    rendered = ask(**trunk_call("+49891234561"))
    assert rendered.data("bridge") == ["[leg_timeout=30]user/1001@tenant-a.example"]
    assert rendered.variable("effective_caller_id_number") == "+4930123456"


def test_dialplan_withheld_caller_without_rules_rings_as_anonymous(site: Site) -> None:
    rendered = ask(**trunk_call("+49891234561"), **{"Caller-Privacy-Hide-Number": "true"})
    assert rendered.data("bridge") == ["[leg_timeout=30]user/1001@tenant-a.example"]
    assert rendered.variable("effective_caller_id_number") == "anonymous"

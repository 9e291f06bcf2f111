"""Forwarding in the dialplan answers: recorded FreeSWITCH posts in, forwarded calls out; changes apply to the next call."""

from __future__ import annotations

import asyncio
import time

from telephony.forwarding import services
from telephony.forwarding.choices import ForwardCondition, ForwardTarget
from telephony.forwarding.models import ForwardingProfile
from telephony.freeswitch.livestate import LiveStateWriter
from tests.routing.conftest import Site
from tests.routing.test_dialplan import ask, from_extension


def live(tenant_id: str, *, registered: tuple[str, ...] = (), busy: tuple[str, ...] = ()) -> None:
    """What the switch gateway would have written: registrations and presence."""

    async def write() -> None:
        writer = LiveStateWriter()
        try:
            for user in registered:
                contact = {"contact": f"sip:{user}@192.0.2.10", "expires_at": time.time() + 600}
                await writer.register(tenant_id, user, f"call-{user}", contact, now=time.time())
            for user in busy:
                await writer.set_presence(tenant_id, user, "busy")
        finally:
            await writer.close()

    asyncio.run(write())


def default_profile(site: Site, number: str) -> ForwardingProfile:
    return ForwardingProfile.objects.get(extension=site.extensions[number], is_default=True)


def test_dialplan_star_code_example_forwards_always_from_the_next_call(site: Site, django_capture_on_commit_callbacks) -> None:
    # given 1001 with three profiles, number 2 active, and a cached answer for 1002 -> 1001
    extension = site.extensions["1001"]
    with django_capture_on_commit_callbacks(execute=True):
        services.check_create_profile(site.tenant, actor=None, extension=extension, slot=1, name="One")
        services.check_create_profile(site.tenant, actor=None, extension=extension, slot=2, name="Two")
        services.check_activate_profile(site.tenant, actor=None, extension=extension, slot=2)
    assert ask(**from_extension("1002", "1001")).data("bridge") == ["[leg_timeout=30]user/1001@tenant-a.example"]
    # when *110049892343123 is handled (the star-code handler calls this service)
    with django_capture_on_commit_callbacks(execute=True):
        services.check_set_default_forward(
            site.tenant,
            actor=None,
            extension=extension,
            condition=ForwardCondition.ALWAYS,
            target=ForwardTarget.NUMBER,
            number="+49892343123",
        )
    # then the default profile is active and the next call goes out to +49892343123 as 1001
    assert ForwardingProfile.objects.get(extension=extension, is_active=True).slot == 0
    rendered = ask(**from_extension("1002", "1001"))
    assert rendered.data("bridge") == [
        "[leg_timeout=60]sofia/gateway/carrier-a/+49892343123",
        "[leg_timeout=60]sofia/gateway/carrier-b/+49892343123",
    ]
    assert rendered.variable("effective_caller_id_number") == "+49891234561"
    assert rendered.actions[-1] == ("hangup", "${originate_disposition}")


def test_dialplan_no_answer_rings_for_the_timer_then_voicemail(site: Site, django_capture_on_commit_callbacks) -> None:
    # given 1002 forwards to voicemail after 10 seconds
    with django_capture_on_commit_callbacks(execute=True):
        services.check_set_rule(
            site.tenant,
            actor=None,
            profile=default_profile(site, "1002"),
            condition="no_answer",
            target="voicemail",
            no_answer_seconds=10,
        )
    # when the recorded INVITE 1001 -> 1002 asks
    rendered = ask()
    # then 1002 rings 10 seconds, then the stock voicemail application takes the call for mailbox 1002
    assert rendered.variable("call_timeout") == "10"
    assert rendered.variable("continue_on_fail") == "true"
    assert rendered.data("bridge") == ["[leg_timeout=10]user/1002@tenant-a.example"]
    assert rendered.applications[-4:] == ["bridge", "answer", "voicemail", "hangup"]
    assert rendered.data("voicemail") == ["default tenant-a.example 1002"]
    assert rendered.data("hangup") == ["NORMAL_CLEARING"]


def test_dialplan_no_answer_to_another_extension(site: Site, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.check_set_rule(
            site.tenant,
            actor=None,
            profile=default_profile(site, "1002"),
            condition="no_answer",
            target="number",
            number="1003",
            no_answer_seconds=5,
        )
    rendered = ask()
    assert rendered.data("bridge") == ["[leg_timeout=5]user/1002@tenant-a.example", "[leg_timeout=30]user/1003@tenant-a.example"]
    assert [data for data in rendered.data("set") if data.startswith("call_timeout=")] == ["call_timeout=5", "call_timeout=30"]


def test_dialplan_dnd_ends_busy_and_rings_nobody(site: Site, django_capture_on_commit_callbacks) -> None:
    ask()  # cached before the change
    with django_capture_on_commit_callbacks(execute=True):
        services.check_set_dnd(site.tenant, actor=None, extension=site.extensions["1002"], on=True)
    rendered = ask()
    assert "bridge" not in rendered.applications
    assert rendered.actions[-1] == ("hangup", "USER_BUSY")
    # off again: rings
    with django_capture_on_commit_callbacks(execute=True):
        services.check_set_dnd(site.tenant, actor=None, extension=site.extensions["1002"], on=False)
    assert ask().data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]


def test_dialplan_dnd_with_busy_target_goes_there(site: Site, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.check_set_rule(
            site.tenant, actor=None, profile=default_profile(site, "1002"), condition="busy", target="voicemail"
        )
        services.check_set_dnd(site.tenant, actor=None, extension=site.extensions["1002"], on=True)
    rendered = ask()
    assert rendered.data("voicemail") == ["default tenant-a.example 1002"]
    assert "bridge" not in rendered.applications


def test_dialplan_not_registered_reads_the_registrations(site: Site, django_capture_on_commit_callbacks) -> None:
    # given 1002 forwards to 1003 when not registered; only 1001 and 1003 are registered
    with django_capture_on_commit_callbacks(execute=True):
        services.check_set_rule(
            site.tenant,
            actor=None,
            profile=default_profile(site, "1002"),
            condition="not_registered",
            target="number",
            number="1003",
        )
    tenant_id = str(site.tenant.pk)
    live(tenant_id, registered=(site.devices["1001"].sip_username, site.devices["1003"].sip_username))
    # then 1003 rings instead of 1002
    assert ask().data("bridge") == ["[leg_timeout=30]user/1003@tenant-a.example"]
    # once 1002 registers, it rings itself
    live(tenant_id, registered=(site.devices["1002"].sip_username,))
    assert ask().data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]


def test_dialplan_busy_reads_who_is_in_a_call(site: Site, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.check_set_rule(site.tenant, actor=None, profile=default_profile(site, "1002"), condition="busy", target="busy")
    tenant_id = str(site.tenant.pk)
    live(tenant_id, registered=("1001", "1002"))
    assert ask().data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]
    live(tenant_id, busy=("1002",))
    rendered = ask()
    assert "bridge" not in rendered.applications
    assert rendered.actions[-1] == ("hangup", "USER_BUSY")


def test_dialplan_activating_another_profile_applies_to_the_next_call(site: Site, django_capture_on_commit_callbacks) -> None:
    # given profile 1 of 1002 forwards always to voicemail, the default profile has no rule
    extension = site.extensions["1002"]
    with django_capture_on_commit_callbacks(execute=True):
        holiday = services.check_create_profile(site.tenant, actor=None, extension=extension, slot=1, name="Urlaub")
        services.check_set_rule(site.tenant, actor=None, profile=holiday, condition="always", target="voicemail")
    assert ask().data("bridge") == ["[leg_timeout=30]user/1002@tenant-a.example"]
    # when *101
    with django_capture_on_commit_callbacks(execute=True):
        services.check_activate_profile(site.tenant, actor=None, extension=extension, slot=1)
    # then
    assert ask().data("voicemail") == ["default tenant-a.example 1002"]

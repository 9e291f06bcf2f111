"""Selective (source-based) forwarding rules through the services ([DFN] §1.9): validation, scoping, audit, snapshot."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from telephony.calls.routing import ForwardCondition as RoutingCondition
from telephony.calls.routing import ForwardRule
from telephony.calls.routing import ForwardTarget as RoutingTarget
from telephony.calls.routing import SelectiveMatch as RoutingMatch
from telephony.calls.snapshot import build_snapshot
from telephony.contacts import services as contacts
from telephony.contacts.models import Contact
from telephony.directory.models import Extension
from telephony.forwarding import services
from telephony.forwarding.choices import SelectiveMatch
from telephony.forwarding.models import ForwardingProfile, SelectiveRule
from tenants.models import AuditEntry
from tests.conftest import TenantSet
from tests.forwarding.conftest import make_extension

Selection = services.CallerSelection


@pytest.fixture
def holiday(acme: TenantSet, ext: Extension) -> ForwardingProfile:
    """1001's profile 2 "Urlaub" (not the default one)."""
    return services.check_create_profile(acme.tenant, actor=acme.user, extension=ext, slot=2, name="Urlaub")


def contact(tenants: TenantSet, name: str, *numbers: str, owner=None) -> Contact:
    data = contacts.ContactInput(name=name, numbers=[("work", number) for number in numbers])
    if owner is None:
        return contacts.check_create_contact(tenants.tenant, actor=tenants.admin, data=data, is_global=True)
    return contacts.check_create_contact(tenants.tenant, actor=owner, data=data, is_global=False)


def rows(profile: ForwardingProfile) -> list[tuple]:
    # Sorted here, not by the database: its collation may order ":" and "+" otherwise.
    return sorted(
        SelectiveRule.objects.filter(profile=profile).values_list(
            "match_key", "allow", "condition", "target", "number", "no_answer_seconds"
        )
    )


def set_rule(tenants: TenantSet, profile: ForwardingProfile, selection: Selection, **fields: object) -> SelectiveRule:
    return services.check_set_selective_rule(tenants.tenant, actor=tenants.user, profile=profile, selection=selection, **fields)


# --- creating rules ---------------------------------------------------------------------------
def test_set_selective_rules_of_every_kind(acme: TenantSet, ext: Extension, colleague: Extension, holiday) -> None:
    # given a company contact with two numbers and one private contact of the extension's user
    company = contact(acme, "Supplier", "+49 30 123456", "0176 12345678")
    private = contact(acme, "Mum", "+4940111111", owner=acme.user)
    # when the user sets one rule of each kind
    set_rule(acme, holiday, Selection(SelectiveMatch.ANONYMOUS), condition="always", target="voicemail")
    set_rule(acme, holiday, Selection(SelectiveMatch.INTERNAL), condition="always", target="number", number="1002")
    set_rule(acme, holiday, Selection(SelectiveMatch.EXTENSION, extension=colleague.pk), allow=True)
    set_rule(acme, holiday, Selection(SelectiveMatch.CONTACT, contact=company.pk), condition="busy", target="busy")
    set_rule(acme, holiday, Selection(SelectiveMatch.CONTACT, contact=private.pk), allow=True)
    set_rule(
        acme,
        holiday,
        Selection(SelectiveMatch.PREFIX, prefix="0049 89"),
        condition="no_answer",
        target="number",
        number="0049 89 2343123",
        no_answer_seconds=10,
    )
    # then they are stored, prefixes and numbers in E.164 (rows sorted by key: contact ids are random)
    assert rows(holiday) == sorted(
        [
            ("anonymous", False, "always", "voicemail", "", None),
            (f"contact:{company.pk}", False, "busy", "busy", "", None),
            (f"contact:{private.pk}", True, "", "", "", None),
            (f"extension:{colleague.pk}", True, "", "", "", None),
            ("internal", False, "always", "number", "1002", None),
            ("prefix:+4989", False, "no_answer", "number", "+49892343123", 10),
        ]
    )
    assert AuditEntry.objects.filter(action="forwarding_selective_rule.set", object_id=str(holiday.pk)).count() == 6


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("+49", "+49"), ("+4989", "+4989"), ("0049 89 999998", "+4989999998"), ("089 999998 101", "+4989999998101"), ("+1", "+1")],
)
def test_clean_prefix_gives_e164(typed: str, stored: str) -> None:
    assert services.clean_prefix(typed, "DE") == stored


def test_set_rule_same_callers_and_condition_replaces_it(acme: TenantSet, ext: Extension, holiday) -> None:
    selection = Selection(SelectiveMatch.PREFIX, prefix="+49")
    set_rule(acme, holiday, selection, condition="always", target="voicemail")
    set_rule(acme, holiday, selection, condition="always", target="busy")
    set_rule(acme, holiday, selection, condition="busy", target="voicemail")
    assert rows(holiday) == [
        ("prefix:+49", False, "always", "busy", "", None),
        ("prefix:+49", False, "busy", "voicemail", "", None),
    ]
    # "allow" replaces every rule of these callers, and a forwarding rule replaces the "allow"
    set_rule(acme, holiday, selection, allow=True)
    assert rows(holiday) == [("prefix:+49", True, "", "", "", None)]
    set_rule(acme, holiday, selection, condition="no_answer", target="voicemail")
    assert rows(holiday) == [("prefix:+49", False, "no_answer", "voicemail", "", 20)]


def test_delete_selective_rule(acme: TenantSet, ext: Extension, holiday) -> None:
    rule = set_rule(acme, holiday, Selection(SelectiveMatch.ANONYMOUS), condition="always", target="voicemail")
    services.check_delete_selective_rule(acme.tenant, actor=acme.user, rule=rule)
    assert rows(holiday) == []
    assert AuditEntry.objects.filter(action="forwarding_selective_rule.delete").count() == 1


# --- refusals: a clear error, nothing changed ---------------------------------------------------
def refused(tenants: TenantSet, profile: ForwardingProfile, selection: Selection, **fields: object) -> dict[str, list[str]]:
    before_rows, before_audit = rows(profile), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        set_rule(tenants, profile, selection, **fields)
    assert rows(profile) == before_rows
    assert AuditEntry.objects.count() == before_audit
    return error.value.message_dict


def test_default_profile_refuses_selective_rules(acme: TenantSet, ext: Extension) -> None:
    default = ForwardingProfile.objects.get(extension=ext, is_default=True)
    errors = refused(acme, default, Selection(SelectiveMatch.ANONYMOUS), condition="always", target="voicemail")
    assert errors == {"profile": ["The default profile cannot have selective rules; create another profile for them."]}


@pytest.mark.parametrize("prefix", ["49", "+", "+0049", "+49 89 x", "+4912345678901234", "", "0"])
def test_bad_prefix_refused(acme: TenantSet, ext: Extension, holiday, prefix: str) -> None:
    errors = refused(acme, holiday, Selection(SelectiveMatch.PREFIX, prefix=prefix), allow=True)
    assert errors == {"prefix": ["Give a number or prefix in international form, e.g. +49, +4989 or +4989999998101."]}


def test_unknown_extension_refused(acme: TenantSet, globex: TenantSet, ext: Extension, holiday) -> None:
    theirs = make_extension(globex, "1002")
    for value in ("not-a-uuid", "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", theirs.pk, None):
        errors = refused(acme, holiday, Selection(SelectiveMatch.EXTENSION, extension=value), allow=True)
        assert errors == {"extension": ["Choose an extension of this company."]}
    # nor the extension itself
    errors = refused(acme, holiday, Selection(SelectiveMatch.EXTENSION, extension=ext.pk), allow=True)
    assert "never forwarded" in errors["extension"][0]


def test_other_tenants_or_other_users_contact_refused(acme: TenantSet, globex: TenantSet, ext: Extension, holiday) -> None:
    theirs = contact(globex, "Globex supplier", "+4930123456")
    colleagues = contact(acme, "Their private", "+4930999999", owner=acme.other_user)
    for value in (theirs.pk, colleagues.pk, "nonsense"):
        errors = refused(acme, holiday, Selection(SelectiveMatch.CONTACT, contact=value), allow=True)
        assert errors == {"contact": ["Choose a contact of the company directory or of the extension's user."]}


def test_bad_condition_target_or_timer_refused_like_ordinary_rules(acme: TenantSet, ext: Extension, holiday) -> None:
    anonymous = Selection(SelectiveMatch.ANONYMOUS)
    assert "condition" in refused(acme, holiday, anonymous, condition="sometimes", target="voicemail")
    assert "target" in refused(acme, holiday, anonymous, condition="always", target="")
    assert refused(acme, holiday, anonymous, condition="no_answer", target="voicemail", no_answer_seconds=7) == {
        "no_answer_seconds": ["Choose 5, 10, 15, 20 seconds."]
    }
    assert refused(acme, holiday, anonymous, condition="always", target="number", number="1001") == {
        "number": ["An extension cannot forward to itself."]
    }
    assert refused(acme, holiday, anonymous, condition="always", target="number", number="9999") == {
        "number": ["There is no extension 9999."]
    }
    assert "match" in refused(acme, holiday, Selection("everyone"), allow=True)


def test_other_tenants_profile_refused(acme: TenantSet, globex: TenantSet, holiday) -> None:
    with pytest.raises(ValidationError) as error:
        services.check_set_selective_rule(
            globex.tenant, actor=globex.admin, profile=holiday, selection=Selection(SelectiveMatch.ANONYMOUS), allow=True
        )
    assert "profile" in error.value.message_dict
    assert rows(holiday) == []
    rule = set_rule(acme, holiday, Selection(SelectiveMatch.ANONYMOUS), allow=True)
    with pytest.raises(ValidationError):
        services.check_delete_selective_rule(globex.tenant, actor=globex.admin, rule=rule)
    assert rows(holiday) == [("anonymous", True, "", "", "", None)]


# --- profiles and the routing snapshot ---------------------------------------------------------
def test_snapshot_carries_the_active_profiles_rules_only(acme: TenantSet, ext: Extension, colleague: Extension, holiday) -> None:
    company = contact(acme, "Supplier", "+4930123456", "+4917612345678")
    set_rule(acme, holiday, Selection(SelectiveMatch.CONTACT, contact=company.pk), condition="always", target="voicemail")
    set_rule(acme, holiday, Selection(SelectiveMatch.CONTACT, contact=company.pk), condition="busy", target="busy")
    set_rule(acme, holiday, Selection(SelectiveMatch.EXTENSION, extension=colleague.pk), allow=True)
    # while the default profile is active, routing sees no selective rule
    assert build_snapshot(str(acme.tenant.pk)).extensions["1001"].selective == ()
    # once profile 2 is active, its rules are there in pure form
    services.check_activate_profile(acme.tenant, actor=acme.user, extension=ext, slot=2)
    selective = build_snapshot(str(acme.tenant.pk)).extensions["1001"].selective
    by_match = {rule.match: rule for rule in selective}
    assert set(by_match) == {RoutingMatch.CONTACT, RoutingMatch.EXTENSION}
    assert by_match[RoutingMatch.CONTACT].numbers == frozenset({"+4930123456", "+4917612345678"})
    assert set(by_match[RoutingMatch.CONTACT].forwarding) == {
        ForwardRule(RoutingCondition.ALWAYS, RoutingTarget.VOICEMAIL),
        ForwardRule(RoutingCondition.BUSY, RoutingTarget.BUSY),
    }
    assert (by_match[RoutingMatch.EXTENSION].value, by_match[RoutingMatch.EXTENSION].allow) == ("1002", True)
    assert build_snapshot(str(acme.tenant.pk)).extensions["1002"].selective == ()


def test_snapshot_follows_contact_changes_and_deletions(acme: TenantSet, ext: Extension, holiday) -> None:
    private = contact(acme, "Mum", "+4940111111", owner=acme.user)
    set_rule(acme, holiday, Selection(SelectiveMatch.CONTACT, contact=private.pk), allow=True)
    services.check_activate_profile(acme.tenant, actor=acme.user, extension=ext, slot=2)
    contacts.check_update_contact(
        acme.tenant, actor=acme.user, contact=private, data=contacts.ContactInput(name="Mum", numbers=[("mobile", "+4940222222")])
    )
    (rule,) = build_snapshot(str(acme.tenant.pk)).extensions["1001"].selective
    assert rule.numbers == frozenset({"+4940222222"})
    # a deleted contact takes its rule with it
    contacts.check_delete_contact(acme.tenant, actor=acme.user, contact=private)
    assert rows(holiday) == []
    assert build_snapshot(str(acme.tenant.pk)).extensions["1001"].selective == ()


def test_private_contact_change_with_a_rule_drops_the_routing_snapshot(
    acme: TenantSet, ext: Extension, holiday, django_capture_on_commit_callbacks
) -> None:
    from telephony.calls.snapshot import load_snapshot

    private = contact(acme, "Mum", "+4940111111", owner=acme.user)
    with django_capture_on_commit_callbacks(execute=True):
        set_rule(acme, holiday, Selection(SelectiveMatch.CONTACT, contact=private.pk), allow=True)
        services.check_activate_profile(acme.tenant, actor=acme.user, extension=ext, slot=2)
    assert load_snapshot(str(acme.tenant.pk)).extensions["1001"].selective[0].numbers == frozenset({"+4940111111"})
    with django_capture_on_commit_callbacks(execute=True):
        contacts.check_update_contact(
            acme.tenant,
            actor=acme.user,
            contact=private,
            data=contacts.ContactInput(name="Mum", numbers=[("work", "+4940333333")]),
        )
    assert load_snapshot(str(acme.tenant.pk)).extensions["1001"].selective[0].numbers == frozenset({"+4940333333"})


def test_duplicate_profile_copies_selective_rules(acme: TenantSet, ext: Extension, holiday) -> None:
    set_rule(acme, holiday, Selection(SelectiveMatch.PREFIX, prefix="+4989"), condition="always", target="voicemail")
    copy = services.check_duplicate_profile(acme.tenant, actor=acme.user, profile=holiday, slot=3, name="Urlaub 2")
    assert rows(copy) == rows(holiday) == [("prefix:+4989", False, "always", "voicemail", "", None)]


def test_deleting_the_profile_deletes_its_selective_rules(acme: TenantSet, ext: Extension, holiday) -> None:
    set_rule(acme, holiday, Selection(SelectiveMatch.ANONYMOUS), allow=True)
    services.check_delete_profile(acme.tenant, actor=acme.user, profile=holiday)
    assert not SelectiveRule.objects.exists()


def test_snapshot_reads_selective_rules_in_one_more_query_only_when_there_are_some(
    acme: TenantSet, ext: Extension, colleague: Extension, holiday
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            build_snapshot(str(acme.tenant.pk))
        return len(captured)

    # rules on an inactive profile cost nothing
    set_rule(acme, holiday, Selection(SelectiveMatch.PREFIX, prefix="+49"), allow=True)
    without = queries()
    services.check_activate_profile(acme.tenant, actor=acme.user, extension=ext, slot=2)
    assert queries() == without + 1
    # whatever the number of rules, contacts and numbers
    for index in range(5):
        company = contact(acme, f"Supplier {index}", f"+4930123456{index}", f"+491761234567{index}")
        set_rule(acme, holiday, Selection(SelectiveMatch.CONTACT, contact=company.pk), condition="always", target="voicemail")
    set_rule(acme, holiday, Selection(SelectiveMatch.EXTENSION, extension=colleague.pk), allow=True)
    assert queries() == without + 1
    assert len(build_snapshot(str(acme.tenant.pk)).extensions["1001"].selective) == 7


def test_only_the_owner_names_a_private_contact(acme: TenantSet, holiday: ForwardingProfile) -> None:
    private = contact(acme, "Mum", "+4940111111", owner=acme.user)
    # when the tenant admin, editing the user's extension, names the user's private contact
    with pytest.raises(ValidationError) as error:
        services.check_set_selective_rule(
            acme.tenant,
            actor=acme.admin,
            profile=holiday,
            selection=Selection(SelectiveMatch.CONTACT, contact=private.pk),
            allow=True,
        )
    # then it is refused (the admin does not see the user's private directory) and nothing is stored
    assert "contact" in error.value.message_dict
    assert not SelectiveRule.objects.filter(profile=holiday).exists()
    # while the user may
    services.check_set_selective_rule(
        acme.tenant, actor=acme.user, profile=holiday, selection=Selection(SelectiveMatch.CONTACT, contact=private.pk), allow=True
    )
    assert SelectiveRule.objects.filter(profile=holiday, match_contact=private).exists()

"""Forwarding profiles, rules and DND through the services ([DFN] §1.9, §1.10, §3.1)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from telephony.directory.choices import ClassOfService
from telephony.directory.models import Extension
from telephony.forwarding import services
from telephony.forwarding.choices import ForwardCondition, ForwardTarget
from telephony.forwarding.models import ForwardingProfile, ForwardingRule, PersonalSettings
from tenants.models import AuditEntry
from tests.conftest import TenantSet
from tests.forwarding.conftest import make_extension


def profiles(extension: Extension) -> list[tuple[int, str, bool, bool]]:
    return [(p.slot, p.name, p.is_default, p.is_active) for p in ForwardingProfile.objects.filter(extension=extension)]


def test_create_extension_gets_active_default_profile(acme: TenantSet, ext: Extension) -> None:
    # given a new extension (fixture)
    # then it has its default profile, number 0, active, without rules
    assert profiles(ext) == [(0, "Default profile", True, True)]
    assert not ForwardingRule.objects.filter(profile__extension=ext).exists()


def test_create_profile_valid_input_creates_inactive_profile(acme: TenantSet, ext: Extension) -> None:
    # when
    profile = services.check_create_profile(acme.tenant, actor=acme.user, extension=ext, slot=3, name="Urlaub", colour="1E88E5")
    # then
    assert (profile.slot, profile.name, profile.colour, profile.is_active) == (3, "Urlaub", "#1e88e5", False)
    assert AuditEntry.objects.filter(action="forwarding_profile.create", object_id=str(profile.pk)).exists()


def test_create_profile_eleventh_refused(acme: TenantSet, ext: Extension) -> None:
    # given the default profile and nine more
    for slot in range(1, 10):
        services.check_create_profile(acme.tenant, actor=acme.user, extension=ext, slot=slot, name=f"P{slot}")
    audit = AuditEntry.objects.count()
    # when / then an 11th is refused (there is no free number either)
    with pytest.raises(ValidationError) as error:
        services.check_create_profile(acme.tenant, actor=acme.user, extension=ext, slot=5, name="Eleven")
    assert "at most 10 forwarding profiles" in str(error.value.message_dict["slot"])
    assert ForwardingProfile.objects.filter(extension=ext).count() == 10
    assert AuditEntry.objects.count() == audit


@pytest.mark.parametrize("slot", [10, -1, 0])
def test_create_profile_bad_or_taken_slot_refused(acme: TenantSet, ext: Extension, slot: int) -> None:
    # when / then slot 10 and -1 are outside 0-9, slot 0 is the default profile's
    with pytest.raises(ValidationError) as error:
        services.check_create_profile(acme.tenant, actor=acme.user, extension=ext, slot=slot, name="X")
    assert "slot" in error.value.message_dict
    assert ForwardingProfile.objects.filter(extension=ext).count() == 1


def test_create_profile_other_tenants_extension_refused(acme: TenantSet, globex: TenantSet) -> None:
    # given globex's extension
    foreign = make_extension(globex, "2001")
    # when / then acme cannot give it a profile
    with pytest.raises(ValidationError) as error:
        services.check_create_profile(acme.tenant, actor=acme.admin, extension=foreign, slot=1, name="X")
    assert "extension" in error.value.message_dict
    assert ForwardingProfile.objects.filter(extension=foreign).count() == 1


def test_update_profile_changes_name_and_colour(acme: TenantSet, ext: Extension) -> None:
    # given
    profile = services.check_create_profile(acme.tenant, actor=acme.user, extension=ext, slot=1, name="Office")
    # when
    services.check_update_profile(acme.tenant, actor=acme.user, profile=profile, name="Home", colour="#00ff00")
    # then
    profile.refresh_from_db()
    assert (profile.name, profile.colour) == ("Home", "#00ff00")
    with pytest.raises(ValidationError):
        services.check_update_profile(acme.tenant, actor=acme.user, profile=profile, colour="green")
    profile.refresh_from_db()
    assert profile.colour == "#00ff00"


def test_activate_profile_switches_the_active_one(acme: TenantSet, ext: Extension) -> None:
    # given
    services.check_create_profile(acme.tenant, actor=acme.user, extension=ext, slot=2, name="Two")
    # when
    services.check_activate_profile(acme.tenant, actor=acme.user, extension=ext, slot=2)
    # then
    assert [p[0] for p in profiles(ext) if p[3]] == [2]
    assert AuditEntry.objects.filter(action="forwarding_profile.activate", after={"active_slot": 2}).exists()


def test_activate_profile_unknown_slot_refused(acme: TenantSet, ext: Extension) -> None:
    with pytest.raises(ValidationError) as error:
        services.check_activate_profile(acme.tenant, actor=acme.user, extension=ext, slot=7)
    assert "slot" in error.value.message_dict
    assert [p[0] for p in profiles(ext) if p[3]] == [0]


def test_delete_profile_default_refused(acme: TenantSet, ext: Extension) -> None:
    default = ForwardingProfile.objects.get(extension=ext, is_default=True)
    with pytest.raises(ValidationError) as error:
        services.check_delete_profile(acme.tenant, actor=acme.user, profile=default)
    assert "cannot be deleted" in str(error.value)
    assert ForwardingProfile.objects.filter(pk=default.pk).exists()


def test_delete_profile_active_one_activates_default(acme: TenantSet, ext: Extension) -> None:
    # given profile 4 active, with a rule
    profile = services.check_create_profile(acme.tenant, actor=acme.user, extension=ext, slot=4, name="Four")
    services.check_set_rule(acme.tenant, actor=acme.user, profile=profile, condition="always", target="voicemail")
    services.check_activate_profile(acme.tenant, actor=acme.user, extension=ext, slot=4)
    # when
    services.check_delete_profile(acme.tenant, actor=acme.user, profile=profile)
    # then
    assert profiles(ext) == [(0, "Default profile", True, True)]
    assert not ForwardingRule.objects.filter(profile_id=profile.pk).exists()


def test_duplicate_profile_copies_rules(acme: TenantSet, ext: Extension, colleague: Extension) -> None:
    # given
    default = ForwardingProfile.objects.get(extension=ext, is_default=True)
    services.check_set_rule(acme.tenant, actor=acme.user, profile=default, condition="busy", target="number", number="1002")
    services.check_set_rule(
        acme.tenant, actor=acme.user, profile=default, condition="no_answer", target="voicemail", no_answer_seconds=15
    )
    # when
    copy = services.check_duplicate_profile(acme.tenant, actor=acme.user, profile=default, slot=5, name="Copy")
    # then
    rules = {(r.condition, r.target, r.number, r.no_answer_seconds) for r in copy.rules.all()}
    assert rules == {("busy", "number", "1002", None), ("no_answer", "voicemail", "", 15)}
    assert not copy.is_active and not copy.is_default


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("0049892343123", "+49892343123"), ("089 2343123", "+49892343123"), ("+49 89 2343123", "+49892343123"), ("1002", "1002")],
)
def test_set_rule_numbers_in_typed_forms_normalised(
    acme: TenantSet, ext: Extension, colleague: Extension, typed: str, stored: str
) -> None:
    default = ForwardingProfile.objects.get(extension=ext, is_default=True)
    rule = services.check_set_rule(
        acme.tenant, actor=acme.user, profile=default, condition="always", target="number", number=typed
    )
    assert rule.number == stored


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"condition": "no_answer", "target": "voicemail", "no_answer_seconds": 25}, "no_answer_seconds", "5, 10, 15, 20"),
        ({"condition": "always", "target": "number"}, "number", "Give the number"),
        ({"condition": "always", "target": "number", "number": "4711"}, "number", "no extension 4711"),
        ({"condition": "always", "target": "number", "number": "1001"}, "number", "cannot forward to itself"),
        ({"condition": "always", "target": "number", "number": "0900 1234567"}, "number", "premium-rate"),
        ({"condition": "always", "target": "number", "number": "12"}, "number", "no extension 12"),
        ({"condition": "sometimes", "target": "voicemail"}, "condition", "Choose always"),
        ({"condition": "always", "target": "fax"}, "target", "Choose voicemail"),
    ],
)
def test_set_rule_bad_input_refused_and_nothing_changed(
    acme: TenantSet, ext: Extension, changes: dict, field: str, message: str
) -> None:
    default = ForwardingProfile.objects.get(extension=ext, is_default=True)
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.check_set_rule(acme.tenant, actor=acme.user, profile=default, **changes)
    assert message in str(error.value.message_dict[field])
    assert not ForwardingRule.objects.exists()
    assert AuditEntry.objects.count() == audit


def test_set_rule_outside_number_needs_class_of_service(acme: TenantSet) -> None:
    # given an extension for internal calls only, and a national one
    internal = make_extension(acme, "1005", class_of_service=ClassOfService.INTERNAL)
    national = make_extension(acme, "1006", class_of_service=ClassOfService.NATIONAL)
    for extension, number, message in (
        (internal, "089 2343123", "may not call outside"),
        (national, "+44 20 7946 0958", "international"),
    ):
        default = ForwardingProfile.objects.get(extension=extension, is_default=True)
        # when / then
        with pytest.raises(ValidationError) as error:
            services.check_set_rule(
                acme.tenant, actor=acme.admin, profile=default, condition="always", target="number", number=number
            )
        assert message in str(error.value.message_dict["number"])


def test_set_rule_again_replaces_the_rule_of_that_condition(acme: TenantSet, ext: Extension) -> None:
    default = ForwardingProfile.objects.get(extension=ext, is_default=True)
    services.check_set_rule(acme.tenant, actor=acme.user, profile=default, condition="no_answer", target="voicemail")
    services.check_set_rule(
        acme.tenant, actor=acme.user, profile=default, condition="no_answer", target="busy", no_answer_seconds=5
    )
    (rule,) = ForwardingRule.objects.filter(profile=default)
    assert (rule.target, rule.no_answer_seconds) == ("busy", 5)


def test_set_rule_no_answer_without_timer_waits_20_seconds(acme: TenantSet, ext: Extension) -> None:
    default = ForwardingProfile.objects.get(extension=ext, is_default=True)
    rule = services.check_set_rule(acme.tenant, actor=acme.user, profile=default, condition="no_answer", target="voicemail")
    assert rule.no_answer_seconds == 20


def test_clear_rule_removes_it(acme: TenantSet, ext: Extension) -> None:
    default = ForwardingProfile.objects.get(extension=ext, is_default=True)
    services.check_set_rule(acme.tenant, actor=acme.user, profile=default, condition="busy", target="voicemail")
    services.check_clear_rule(acme.tenant, actor=acme.user, profile=default, condition="busy")
    assert not ForwardingRule.objects.filter(profile=default).exists()
    assert AuditEntry.objects.filter(action="forwarding_rule.clear").count() == 1


def test_set_default_forward_profile_two_active_activates_default(acme: TenantSet, ext: Extension) -> None:
    # given three profiles, number 2 active ([DFN] §3.1's example)
    services.check_create_profile(acme.tenant, actor=acme.user, extension=ext, slot=1, name="One")
    services.check_create_profile(acme.tenant, actor=acme.user, extension=ext, slot=2, name="Two")
    services.check_activate_profile(acme.tenant, actor=acme.user, extension=ext, slot=2)
    # when *110049892343123 is dialled
    default = services.check_set_default_forward(
        acme.tenant,
        actor=acme.user,
        extension=ext,
        condition=ForwardCondition.ALWAYS,
        target=ForwardTarget.NUMBER,
        number="0049892343123",
    )
    # then the default profile is active, forwarding always to +49892343123
    assert default.is_default and default.is_active
    assert [p[0] for p in profiles(ext) if p[3]] == [0]
    (rule,) = ForwardingRule.objects.filter(profile=default)
    assert (rule.condition, rule.target, rule.number) == ("always", "number", "+49892343123")
    assert not ForwardingRule.objects.filter(profile__slot=2).exists()


def test_clear_default_forward_activates_default(acme: TenantSet, ext: Extension) -> None:
    # given forwarding always set by star code, then profile 2 activated
    services.check_set_default_forward(acme.tenant, actor=acme.user, extension=ext, condition="always", target="voicemail")
    services.check_create_profile(acme.tenant, actor=acme.user, extension=ext, slot=2, name="Two")
    services.check_activate_profile(acme.tenant, actor=acme.user, extension=ext, slot=2)
    # when **11
    services.check_clear_default_forward(acme.tenant, actor=acme.user, extension=ext, condition="always")
    # then
    assert [p[0] for p in profiles(ext) if p[3]] == [0]
    assert not ForwardingRule.objects.filter(profile__extension=ext).exists()


def test_set_dnd_on_and_off(acme: TenantSet, ext: Extension) -> None:
    services.check_set_dnd(acme.tenant, actor=acme.user, extension=ext, on=True)
    assert PersonalSettings.objects.get(extension=ext).dnd is True
    services.check_set_dnd(acme.tenant, actor=acme.user, extension=ext, on=False)
    assert PersonalSettings.objects.get(extension=ext).dnd is False
    assert AuditEntry.objects.filter(action="extension.dnd").count() == 2


def test_changes_drop_the_dialplan_cache_after_commit(
    acme: TenantSet, ext: Extension, django_capture_on_commit_callbacks
) -> None:
    from django.core.cache import cache

    from telephony.freeswitch.cache import dialplan_key

    # given a cached dialplan token for the tenant
    key = dialplan_key(str(acme.tenant.pk))
    cache.set(key, "token")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.check_set_dnd(acme.tenant, actor=acme.user, extension=ext, on=True)
    # then
    assert cache.get(key) is None


def test_data_migration_gives_extensions_without_profiles_their_default(acme: TenantSet, ext: Extension) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("telephony.forwarding.migrations.0005_default_profiles_for_existing_extensions")
    # given an extension made before profiles existed (its default profile gone)
    ForwardingProfile.objects.filter(extension=ext).delete()
    # when
    migration.create(apps, None)
    # then
    assert profiles(ext) == [(0, "Default profile", True, True)]
    migration.create(apps, None)  # running again adds nothing
    assert ForwardingProfile.objects.filter(extension=ext).count() == 1

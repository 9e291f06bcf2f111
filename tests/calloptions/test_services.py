"""Call options, device flags and the voicemail PIN through the directory services: validation, audit, sync."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from telephony.directory import services
from telephony.directory.models import Device, Extension
from tenants import services as tenants
from tenants.choices import Feature
from tenants.models import AuditEntry
from tests.conftest import TenantSet
from tests.forwarding.conftest import make_extension


@pytest.fixture
def ext(acme: TenantSet) -> Extension:
    return make_extension(acme, "1001", user=acme.user)


def add_device(acme: TenantSet, extension: Extension) -> Device:
    return services.check_create_device(acme.tenant, actor=acme.admin, extension=extension)[0]


def field_errors(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


def fresh(extension: Extension) -> Extension:
    return Extension.objects.get(pk=extension.pk)


# --- call options ----------------------------------------------------------------------------
def test_call_options_are_off_by_default(ext: Extension) -> None:
    assert (ext.call_waiting, ext.intercom, ext.parallel_ring_extension, ext.parallel_ring_number) == (False, False, None, "")
    assert not ext.voicemail_pin_set


def test_update_call_options_stores_audits_and_syncs(acme: TenantSet, ext: Extension, django_capture_on_commit_callbacks) -> None:
    # given
    other = make_extension(acme, "1002")
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.check_update_call_options(
            acme.tenant, actor=acme.user, extension=ext, call_waiting=True, intercom=True, parallel_ring_target="1002"
        )
    # then
    ext = fresh(ext)
    assert (ext.call_waiting, ext.intercom, ext.parallel_ring_extension_id) == (True, True, other.pk)
    entry = AuditEntry.objects.for_tenant(acme.tenant).filter(action="extension.call_options").get()
    assert entry.actor == acme.user
    assert entry.after["call_waiting"] is True and entry.before["call_waiting"] is False
    assert callbacks  # the switch sync (snapshot dropped) and the event run after commit


@pytest.mark.parametrize(
    ("value", "stored"),
    [("+49 30 555123", "+4930555123"), ("030 555123", "+4930555123"), ("0041 21 555 12 34", "+41215551234"), ("", "")],
)
def test_parallel_ring_outside_number_is_stored_in_e164(acme: TenantSet, ext: Extension, value: str, stored: str) -> None:
    services.check_update_call_options(acme.tenant, actor=acme.admin, extension=ext, parallel_ring_target=value)
    ext = fresh(ext)
    assert (ext.parallel_ring_number, ext.parallel_ring_extension_id) == (stored, None)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1001", "Choose another extension than this one."),
        ("12", "Enter an extension of this company or an outside number, e.g. +49891234567."),
        ("+49 ABC", "Enter an extension of this company or an outside number, e.g. +49891234567."),
    ],
)
def test_parallel_ring_bad_target_is_refused_and_changes_nothing(
    acme: TenantSet, ext: Extension, value: str, message: str
) -> None:
    services.check_update_call_options(acme.tenant, actor=acme.admin, extension=ext, call_waiting=True, parallel_ring_target="")
    with pytest.raises(ValidationError) as error:
        services.check_update_call_options(
            acme.tenant, actor=acme.admin, extension=ext, call_waiting=False, parallel_ring_target=value
        )
    assert field_errors(error) == {"parallel_ring_target": [message]}
    assert fresh(ext).call_waiting is True


def test_parallel_ring_extension_of_another_tenant_is_not_found(acme: TenantSet, globex: TenantSet, ext: Extension) -> None:
    # given globex has extension 1055, acme has none
    make_extension(globex, "1055")
    with pytest.raises(ValidationError) as error:
        services.check_update_call_options(acme.tenant, actor=acme.admin, extension=ext, parallel_ring_target="1055")
    assert list(field_errors(error)) == ["parallel_ring_target"]
    assert fresh(ext).parallel_ring_extension_id is None


def test_parallel_ring_own_number_is_refused(acme: TenantSet, ext: Extension) -> None:
    services.check_add_phone_number(actor=None, number="+49891234567", tenant=acme.tenant)
    with pytest.raises(ValidationError) as error:
        services.check_update_call_options(acme.tenant, actor=acme.admin, extension=ext, parallel_ring_target="+49891234567")
    assert field_errors(error) == {
        "parallel_ring_target": ["+49891234567 is a number of this company: choose its extension instead."]
    }


def test_unknown_call_option_is_refused(acme: TenantSet, ext: Extension) -> None:
    with pytest.raises(ValidationError):
        services.check_update_call_options(acme.tenant, actor=acme.admin, extension=ext, number="1009")


# --- primary device --------------------------------------------------------------------------
def test_first_device_is_primary_and_choosing_another_moves_the_flag(acme: TenantSet, ext: Extension) -> None:
    desk, soft = add_device(acme, ext), add_device(acme, ext)
    assert (desk.is_primary, soft.is_primary) == (True, False)
    services.check_update_call_options(acme.tenant, actor=acme.user, extension=ext, primary_device=soft.pk)
    assert set(Device.objects.filter(extension=ext, is_primary=True).values_list("pk", flat=True)) == {soft.pk}


def test_primary_device_of_another_extension_is_refused(acme: TenantSet, ext: Extension) -> None:
    add_device(acme, ext)
    foreign = add_device(acme, make_extension(acme, "1002"))
    with pytest.raises(ValidationError) as error:
        services.check_update_call_options(
            acme.tenant, actor=acme.admin, extension=ext, call_waiting=True, primary_device=foreign
        )
    assert field_errors(error) == {"primary_device": ["Choose one of this extension's devices."]}
    assert fresh(ext).call_waiting is False


def test_primary_flag_cannot_be_taken_away(acme: TenantSet, ext: Extension) -> None:
    desk = add_device(acme, ext)
    with pytest.raises(ValidationError) as error:
        services.check_update_device(acme.tenant, actor=acme.admin, device=desk, is_primary=False)
    assert list(field_errors(error)) == ["is_primary"]
    assert Device.objects.get(pk=desk.pk).is_primary


def test_deleting_the_primary_device_makes_the_next_one_primary(acme: TenantSet, ext: Extension) -> None:
    desk, soft = add_device(acme, ext), add_device(acme, ext)
    services.do_delete_device(acme.tenant, actor=acme.admin, device=desk)
    assert Device.objects.get(pk=soft.pk).is_primary


# --- DND per device ----------------------------------------------------------------------------
def test_device_dnd_without_mobility_option_is_refused(acme: TenantSet, ext: Extension) -> None:
    desk = add_device(acme, ext)
    with pytest.raises(ValidationError) as error:
        services.check_update_device(acme.tenant, actor=acme.admin, device=desk, dnd=True, name="Desk")
    assert field_errors(error) == {"dnd": ["Do not disturb on one device needs the mobility option. Ask your provider for it."]}
    desk.refresh_from_db()
    assert (desk.dnd, desk.name) == (False, "")


def test_device_dnd_with_mobility_option(acme: TenantSet, ext: Extension) -> None:
    tenants.check_set_licence(acme.tenant, actor=None, feature=Feature.MOBILITY, quantity=5)
    desk = add_device(acme, ext)
    services.check_update_device(acme.tenant, actor=acme.admin, device=desk, dnd=True, intercom=True)
    desk.refresh_from_db()
    assert (desk.dnd, desk.intercom) == (True, True)


def test_device_dnd_takes_one_mobility_licence_per_extension(acme: TenantSet, ext: Extension) -> None:
    # given one mobility licence, used by ext's desk phone
    tenants.check_set_licence(acme.tenant, actor=None, feature=Feature.MOBILITY, quantity=1)
    desk, soft = add_device(acme, ext), add_device(acme, ext)
    services.check_update_device(acme.tenant, actor=acme.admin, device=desk, dnd=True)
    # then a second device of the same extension may use it too
    services.check_update_device(acme.tenant, actor=acme.admin, device=soft, dnd=True)
    # but another extension's device is refused, and nothing changes
    other = add_device(acme, make_extension(acme, "1005"))
    with pytest.raises(ValidationError) as error:
        services.check_update_device(acme.tenant, actor=acme.admin, device=other, dnd=True)
    assert "mobility licences are in use" in field_errors(error)["dnd"][0]
    other.refresh_from_db()
    assert other.dnd is False


# --- voicemail PIN -------------------------------------------------------------------------------
def test_set_voicemail_pin_stores_only_a_hash(acme: TenantSet, ext: Extension) -> None:
    services.check_set_voicemail_pin(acme.tenant, actor=acme.user, extension=ext, pin="4711")
    ext = fresh(ext)
    assert ext.voicemail_pin_set
    assert ext.voicemail_pin_ha1 == services.voicemail_pin_ha1("1001", acme.tenant.sip_domain, "4711")
    assert "4711" not in ext.voicemail_pin_ha1 + ext.voicemail_pin_realm
    entry = AuditEntry.objects.for_tenant(acme.tenant).get(action="extension.voicemail_pin")
    assert entry.after == {"voicemail_pin_set": True}
    assert "4711" not in str(entry.before) + str(entry.after)


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("471", "A PIN has 4 to 10 digits."),
        ("47114711471", "A PIN has 4 to 10 digits."),
        ("47a1", "A PIN has 4 to 10 digits."),
        ("٤٧١١", "A PIN has 4 to 10 digits."),  # Arabic-Indic digits: not keyable on a phone
        ("7777", "A PIN must not repeat one digit only."),
        ("1001", "A PIN must not be the extension number."),
    ],
)
def test_bad_voicemail_pin_is_refused_and_changes_nothing(acme: TenantSet, ext: Extension, pin: str, message: str) -> None:
    services.check_set_voicemail_pin(acme.tenant, actor=acme.admin, extension=ext, pin="2580")
    before = fresh(ext).voicemail_pin_ha1
    with pytest.raises(ValidationError) as error:
        services.check_set_voicemail_pin(acme.tenant, actor=acme.admin, extension=ext, pin=pin)
    assert field_errors(error) == {"voicemail_pin": [message]}
    assert fresh(ext).voicemail_pin_ha1 == before


def test_clear_voicemail_pin(acme: TenantSet, ext: Extension) -> None:
    services.check_set_voicemail_pin(acme.tenant, actor=acme.admin, extension=ext, pin="2580")
    services.check_set_voicemail_pin(acme.tenant, actor=acme.admin, extension=ext, pin=None)
    assert not fresh(ext).voicemail_pin_set

"""Directory services: extensions, devices and SIP credentials, numbers, telephony settings."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.directory import selectors, services
from telephony.directory.choices import CallerIdMode, DestinationKind
from telephony.directory.models import Device, Extension, PhoneNumber, TelephonySettings
from telephony.freeswitch import cache
from tenants import services as tenant_services
from tenants.models import AuditEntry
from tests.directory.conftest import make_device, make_extension, make_number

pytestmark = pytest.mark.django_db


# --- extensions -----------------------------------------------------------------------
def test_create_extension_for_user_stores_audits_and_publishes(acme, published, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        extension = make_extension(acme, "1001", user=acme.user, display_name="Anna Weber", language="de")
    # then
    stored = Extension.objects.for_tenant(acme.tenant).get(number="1001")
    assert stored.pk == extension.pk and stored.user == acme.user and stored.language == "de"
    assert AuditEntry.objects.filter(tenant=acme.tenant, action="extension.create", object_id=str(extension.pk)).exists()
    assert [(event.name, event.tenant, event.data["number"]) for event in published] == [
        ("extension.created", str(acme.tenant.pk), "1001")
    ]


def test_create_extension_duplicate_number_is_refused_and_changes_nothing(acme):
    # given
    make_extension(acme, "1001")
    # when
    with pytest.raises(ValidationError) as error:
        make_extension(acme, "1001", display_name="Second")
    # then
    assert "already exists" in error.value.message_dict["number"][0]
    assert Extension.objects.for_tenant(acme.tenant).count() == 1


def test_create_extension_same_number_in_other_tenant_is_allowed(acme, globex):
    # given
    make_extension(acme, "1001")
    # when
    make_extension(globex, "1001")
    # then
    assert Extension.objects.filter(number="1001").count() == 2


@pytest.mark.parametrize("number", ["110", "112"])
def test_create_extension_with_emergency_number_is_refused(acme, number):
    # when
    with pytest.raises(ValidationError) as error:
        make_extension(acme, number)
    # then
    assert "emergency number" in error.value.message_dict["number"][0]
    assert not Extension.objects.for_tenant(acme.tenant).exists()


def test_create_extension_emergency_numbers_follow_the_tenant_country(acme):
    # given a Swiss tenant: 117 is the police there, while in Germany it is an ordinary number
    swiss = tenant_services.check_create_tenant(actor=None, name="Helvetia", slug="helvetia", country="CH", tryout=False)
    # when / then
    with pytest.raises(ValidationError):
        services.check_create_extension(swiss, actor=None, number="117", display_name="Police?")
    assert make_extension(acme, "117").number == "117"


@pytest.mark.parametrize("number", ["0123", "1", "12345678", "12a", ""])
def test_create_extension_invalid_number_is_refused(acme, number):
    # when
    with pytest.raises(ValidationError) as error:
        make_extension(acme, number)
    # then
    assert "number" in error.value.message_dict
    assert not Extension.objects.for_tenant(acme.tenant).exists()


def test_create_extension_for_user_of_another_tenant_is_refused(acme, globex):
    # when
    with pytest.raises(ValidationError) as error:
        make_extension(acme, "1001", user=globex.user)
    # then
    assert "user" in error.value.message_dict
    assert not Extension.objects.exists()


def test_create_extension_for_deactivated_user_is_refused(acme):
    # given
    tenant_services.check_set_user_active(acme.tenant, actor=None, membership=acme.user_membership, active=False)
    # when / then
    with pytest.raises(ValidationError):
        make_extension(acme, "1001", user=acme.user)


def test_create_extension_with_main_number_of_another_tenant_is_refused(acme, globex):
    # given
    foreign = make_number(globex, "+4930123456")
    # when
    with pytest.raises(ValidationError) as error:
        make_extension(acme, "1001", caller_id_mode=CallerIdMode.MAIN, outbound_number=foreign)
    # then
    assert "outbound_number" in error.value.message_dict
    assert not Extension.objects.exists()


def test_update_extension_number_collision_changes_nothing(acme):
    # given
    make_extension(acme, "1001")
    second = make_extension(acme, "1002")
    # when
    with pytest.raises(ValidationError):
        services.check_update_extension(acme.tenant, actor=acme.admin, extension=second, number="1001", display_name="X")
    # then
    second.refresh_from_db()
    assert (second.number, second.display_name) == ("1002", "Extension 1002")


def test_update_extension_changes_fields_and_flushes_its_devices(acme, published, django_capture_on_commit_callbacks):
    # given an extension whose device's directory answer is cached
    extension = make_extension(acme, "1001")
    device, _password = make_device(acme, extension)
    cache.set_directory(str(acme.tenant.pk), device.sip_username, "<document/>")
    main = make_number(acme, "+4930123456")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.check_update_extension(
            acme.tenant, actor=acme.admin, extension=extension, caller_id_mode=CallerIdMode.MAIN, outbound_number=main
        )
    # then
    extension.refresh_from_db()
    assert extension.outbound_number == main
    assert cache.get_directory(str(acme.tenant.pk), device.sip_username) is None
    assert published[-1].name == "extension.updated"
    assert published[-1].data["outbound_number"] == str(main.pk)


def test_delete_extension_removes_devices_and_unroutes_numbers(acme, published, django_capture_on_commit_callbacks):
    # given
    extension = make_extension(acme, "1001")
    make_device(acme, extension)
    number = make_number(acme, "+4930123456")
    services.check_route_phone_number(
        acme.tenant, actor=None, phone_number=number, destination_kind=DestinationKind.EXTENSION, destination_extension=extension
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.do_delete_extension(acme.tenant, actor=acme.admin, extension=extension)
    # then
    assert not Extension.objects.exists() and not Device.objects.exists()
    number.refresh_from_db()
    assert (number.destination_kind, number.destination_extension) == (DestinationKind.NONE, None)
    assert published[-1].name == "extension.deleted" and published[-1].data["number"] == "1001"


def test_delete_extension_of_another_tenant_is_not_found(acme, globex):
    # given
    extension = make_extension(globex, "1001")
    # when / then
    with pytest.raises(Extension.DoesNotExist):
        services.do_delete_extension(acme.tenant, actor=acme.admin, extension=extension)
    assert Extension.objects.filter(pk=extension.pk).exists()


# --- devices and SIP credentials ------------------------------------------------------
def test_create_device_generates_strong_password_and_stores_only_ha1(acme):
    # given
    extension = make_extension(acme, "1001")
    # when
    device, password = make_device(acme, extension)
    # then the password is strong and never stored
    assert len(password) >= 20
    stored_row = Device.objects.filter(pk=device.pk).values().get()
    assert not any(password in str(value) for value in stored_row.values())
    expected = hashlib.md5(f"1001:{acme.tenant.sip_domain}:{password}".encode()).hexdigest()
    assert device.sip_username == "1001"
    assert Device.objects.get(pk=device.pk).sip_ha1 == expected
    assert not AuditEntry.objects.filter(after__icontains=password).exists()


def test_create_device_generates_different_passwords(acme):
    # given
    extension = make_extension(acme, "1001")
    # when
    passwords = {make_device(acme, extension)[1] for _ in range(3)}
    # then
    assert len(passwords) == 3


def test_more_devices_get_numbered_user_names(acme):
    # given
    extension = make_extension(acme, "1001")
    # when
    names = [make_device(acme, extension)[0].sip_username for _ in range(3)]
    # then
    assert names == ["1001", "1001-2", "1001-3"]


def test_fixture_tenant_ha1_matches_recorded_credentials(db):
    # given the tenant of the recorded FreeSWITCH traffic
    tenant = tenant_services.check_create_tenant(actor=None, name="Tenant A", slug="tenant-a", sip_domain="tenant-a.example")
    extension = services.check_create_extension(tenant, actor=None, number="1001", display_name="1001")
    # when
    device, password = services.check_create_device(tenant, actor=None, extension=extension, password="secret1001")
    # then
    assert password == "secret1001"
    assert device.sip_ha1 == hashlib.md5(b"1001:tenant-a.example:secret1001").hexdigest()


def test_reset_sip_password_replaces_the_hash_and_flushes(acme, django_capture_on_commit_callbacks):
    # given
    device, old_password = make_device(acme, make_extension(acme, "1001"))
    old_hash = device.sip_ha1
    cache.set_directory(str(acme.tenant.pk), "1001", "<document/>")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        new_password = services.check_reset_sip_password(acme.tenant, actor=acme.admin, device=device)
    # then
    device.refresh_from_db()
    assert new_password != old_password and len(new_password) >= 20
    assert device.sip_ha1 != old_hash
    assert device.sip_ha1 == hashlib.md5(f"1001:{acme.tenant.sip_domain}:{new_password}".encode()).hexdigest()
    assert cache.get_directory(str(acme.tenant.pk), "1001") is None


@pytest.mark.parametrize("password", ["short", "has a space in it", "tab\tinside-password"])
def test_reset_sip_password_weak_explicit_password_is_refused(acme, password):
    # given
    device, _password = make_device(acme, make_extension(acme, "1001"))
    # when
    with pytest.raises(ValidationError) as error:
        services.check_reset_sip_password(acme.tenant, actor=acme.admin, device=device, password=password)
    # then
    assert "password" in error.value.message_dict
    assert Device.objects.get(pk=device.pk).sip_ha1 == device.sip_ha1


def test_changed_sip_domain_marks_devices_for_new_password(acme):
    # given
    device, _password = make_device(acme, make_extension(acme, "1001"))
    assert not Device.objects.get(pk=device.pk).needs_new_password
    # when the tenant's domain changes
    tenant_services.check_update_tenant(acme.tenant, actor=None, sip_domain="new.acme.example")
    # then the stored hash is known to be stale until the password is reset
    assert Device.objects.select_related("tenant").get(pk=device.pk).needs_new_password
    acme.tenant.refresh_from_db()
    services.check_reset_sip_password(acme.tenant, actor=None, device=device)
    assert not Device.objects.select_related("tenant").get(pk=device.pk).needs_new_password


def test_update_device_rejects_bad_max_registrations(acme):
    # given
    device, _password = make_device(acme, make_extension(acme, "1001"))
    # when
    with pytest.raises(ValidationError):
        services.check_update_device(acme.tenant, actor=None, device=device, max_registrations=0)
    # then
    assert Device.objects.get(pk=device.pk).max_registrations == 1


def test_delete_device_of_another_tenant_is_not_found(acme, globex):
    # given
    device, _password = make_device(globex, make_extension(globex, "1001"))
    # when / then
    with pytest.raises(Device.DoesNotExist):
        services.do_delete_device(acme.tenant, actor=None, device=device)
    assert Device.objects.filter(pk=device.pk).exists()


# --- phone numbers --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "e164"), [("030 1234567", "+49301234567"), ("+49 30 1234567", "+49301234567"), ("0049301234567", "+49301234567")]
)
def test_add_phone_number_normalises_to_e164(db, raw, e164):
    # when
    number = services.check_add_phone_number(actor=None, number=raw)
    # then
    assert str(PhoneNumber.objects.get(pk=number.pk).number) == e164
    assert number.tenant is None


def test_add_phone_number_national_input_uses_tenant_country(db):
    # given
    swiss = tenant_services.check_create_tenant(actor=None, name="Helvetia", slug="helvetia", country="CH", tryout=False)
    # when
    number = services.check_add_phone_number(actor=None, number="044 668 18 00", tenant=swiss)
    # then
    assert str(number.number) == "+41446681800"


@pytest.mark.parametrize("raw", ["12", "hello", "+49 30", ""])
def test_add_phone_number_invalid_is_refused(db, raw):
    # when
    with pytest.raises(ValidationError) as error:
        services.check_add_phone_number(actor=None, number=raw)
    # then
    assert "number" in error.value.message_dict
    assert not PhoneNumber.objects.exists()


def test_add_phone_number_twice_is_refused(db):
    # given
    services.check_add_phone_number(actor=None, number="+49301234567")
    # when / then
    with pytest.raises(ValidationError):
        services.check_add_phone_number(actor=None, number="030 1234567")
    assert PhoneNumber.objects.count() == 1


def test_route_number_to_extension_of_another_tenant_is_refused(acme, globex):
    # given
    number = make_number(acme, "+49301234567")
    foreign = make_extension(globex, "1001")
    # when
    with pytest.raises(ValidationError) as error:
        services.check_route_phone_number(
            acme.tenant,
            actor=None,
            phone_number=number,
            destination_kind=DestinationKind.EXTENSION,
            destination_extension=foreign,
        )
    # then
    assert "destination_extension" in error.value.message_dict
    number.refresh_from_db()
    assert number.destination_kind == DestinationKind.NONE


def test_assign_number_to_second_tenant_is_refused_until_unassigned(acme, globex):
    # given a number of acme used as its main number
    number = make_number(acme, "+49301234567")
    services.check_update_telephony_settings(acme.tenant, actor=None, main_number=number)
    # when / then
    with pytest.raises(ValidationError):
        services.check_assign_phone_number(actor=None, phone_number=number, tenant=globex.tenant)
    services.check_assign_phone_number(actor=None, phone_number=number, tenant=None)
    services.check_assign_phone_number(actor=None, phone_number=number, tenant=globex.tenant)
    # then it is globex's, and acme no longer uses it
    number.refresh_from_db()
    assert number.tenant == globex.tenant
    assert selectors.telephony_settings(acme.tenant).main_number is None


# --- telephony settings ---------------------------------------------------------------
def test_new_tenant_gets_telephony_settings(acme):
    # then
    settings_row = TelephonySettings.objects.get(tenant=acme.tenant)
    assert (settings_row.access_code_required, settings_row.max_outside_calls) == (False, 10)


def test_update_settings_with_main_number_of_another_tenant_is_refused(acme, globex):
    # given
    foreign = make_number(globex, "+49301234567")
    # when
    with pytest.raises(ValidationError) as error:
        services.check_update_telephony_settings(acme.tenant, actor=None, main_number=foreign, access_code_required=True)
    # then
    assert "main_number" in error.value.message_dict
    settings_row = selectors.telephony_settings(acme.tenant)
    assert settings_row.main_number is None and not settings_row.access_code_required


def test_update_settings_negative_limit_is_refused(acme):
    # when / then
    with pytest.raises(ValidationError):
        services.check_update_telephony_settings(acme.tenant, actor=None, max_outside_calls=-1)
    assert selectors.telephony_settings(acme.tenant).max_outside_calls == 10


def test_update_settings_access_code_is_stored_and_audited(acme):
    # when
    services.check_update_telephony_settings(acme.tenant, actor=acme.admin, access_code_required=True, max_outside_calls=4)
    # then
    settings_row = selectors.telephony_settings(acme.tenant)
    assert (settings_row.access_code_required, settings_row.max_outside_calls) == (True, 4)
    assert AuditEntry.objects.filter(tenant=acme.tenant, action="telephony_settings.update").exists()


def test_route_number_flushes_directory_of_old_and_new_extension(acme, django_capture_on_commit_callbacks):
    # given a number routed to 1001, and both extensions' directory answers cached
    first, second = make_extension(acme, "1001"), make_extension(acme, "1002")
    make_device(acme, first)
    make_device(acme, second)
    number = make_number(acme, "+49301234567")
    services.check_route_phone_number(
        acme.tenant, actor=None, phone_number=number, destination_kind=DestinationKind.EXTENSION, destination_extension=first
    )
    for user in ("1001", "1002"):
        cache.set_directory(str(acme.tenant.pk), user, "<document/>")
    # when the number moves to 1002
    with django_capture_on_commit_callbacks(execute=True):
        services.check_route_phone_number(
            acme.tenant, actor=None, phone_number=number, destination_kind=DestinationKind.EXTENSION, destination_extension=second
        )
    # then both devices get a fresh directory answer (their own caller id changed)
    assert cache.get_directory(str(acme.tenant.pk), "1001") is None
    assert cache.get_directory(str(acme.tenant.pk), "1002") is None


def test_change_main_number_flushes_every_device(acme, django_capture_on_commit_callbacks):
    # given
    make_device(acme, make_extension(acme, "1001"))
    number = make_number(acme, "+49301234567")
    cache.set_directory(str(acme.tenant.pk), "1001", "<document/>")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.check_update_telephony_settings(acme.tenant, actor=None, main_number=number)
    # then
    assert cache.get_directory(str(acme.tenant.pk), "1001") is None


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(number=st.text(alphabet="0123456789*#a ", min_size=0, max_size=8))
def test_numbering_plan_never_holds_an_invalid_duplicate_or_emergency_number(acme, number):
    # when any input is tried as an extension number
    try:
        make_extension(acme, number)
    except ValidationError as error:
        # then a refusal names the number field
        assert "number" in error.message_dict
    # and the plan only ever holds unique 2-6 digit numbers that are no emergency number and do not start with 0
    numbers = list(Extension.objects.for_tenant(acme.tenant).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    assert all(n.isdigit() and 2 <= len(n) <= 6 and not n.startswith("0") and n not in {"110", "112"} for n in numbers)

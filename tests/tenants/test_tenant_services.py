"""Tenant creation, bad input and suspend/reactivate, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from tenants import services
from tenants.choices import Feature, Language, Role, TenantStatus
from tenants.models import AuditEntry, Licence, Membership, Tenant, User
from tenants.signals import tenant_changed
from tests.tenants.conftest import T0, make_tryout_tenant

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int, int]:
    return (
        Tenant.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Licence.objects.count(),
        AuditEntry.objects.count(),
    )


def test_create_tenant_with_defaults_starts_tryout_and_derives_sip_domain(operator):
    # when
    tenant = services.check_create_tenant(actor=operator, name="  Initech ", slug="Initech", now=T0)

    # then
    tenant.refresh_from_db()
    assert tenant.name == "Initech"
    assert tenant.slug == "initech"
    assert tenant.sip_domain == "initech.sip.centrex.test"
    assert tenant.time_zone == "Europe/Berlin"
    assert tenant.language == Language.EN
    assert tenant.country == "DE"
    assert tenant.status == TenantStatus.TRYOUT
    assert tenant.tryout_ends_at == T0 + timedelta(days=14)
    assert tenant.licences_purchased_at is None


def test_create_tenant_writes_audit_entry_with_after_state(operator):
    # when
    tenant = services.check_create_tenant(actor=operator, name="Initech", slug="initech", tryout=False, language="de")

    # then
    entry = AuditEntry.objects.for_tenant(tenant).get()
    assert entry.action == "tenant.create"
    assert entry.actor == operator
    assert entry.actor_label == operator.email
    assert entry.object_type == "tenants.tenant"
    assert entry.object_id == str(tenant.pk)
    assert entry.before is None
    assert entry.after == {
        "name": "Initech",
        "slug": "initech",
        "sip_domain": "initech.sip.centrex.test",
        "time_zone": "Europe/Berlin",
        "language": "de",
        "country": "DE",
        "status": "active",
        "tryout_ends_at": None,
    }
    assert ("tryout_ends_at", None, None) not in entry.changes()
    assert ("slug", None, "initech") in entry.changes()


def test_update_tenant_writes_audit_entry_with_before_and_after(operator):
    # given
    tenant = services.check_create_tenant(actor=operator, name="Initech", slug="initech")

    # when
    services.check_update_tenant(tenant, actor=operator, time_zone="Europe/Paris", sip_domain="Voice.Initech.example")

    # then
    tenant.refresh_from_db()
    assert tenant.sip_domain == "voice.initech.example"
    entry = AuditEntry.objects.for_tenant(tenant).get(action="tenant.update")
    assert entry.before["time_zone"] == "Europe/Berlin"
    assert entry.after["time_zone"] == "Europe/Paris"
    assert entry.before["sip_domain"] == "initech.sip.centrex.test"
    assert entry.after["sip_domain"] == "voice.initech.example"
    assert set(entry.changes()) == {
        ("sip_domain", "initech.sip.centrex.test", "voice.initech.example"),
        ("time_zone", "Europe/Berlin", "Europe/Paris"),
    }


def test_create_tenant_with_licences_and_first_admin_creates_all(operator, django_capture_on_commit_callbacks, mailoutbox):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        tenant = services.check_create_tenant(
            actor=operator,
            name="Initech",
            slug="initech",
            tryout=False,
            user_licences=5,
            admin_email="Boss@Initech.example.com",
            admin_name="Bill Lumbergh",
        )

    # then
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.ACTIVE
    assert Licence.objects.for_tenant(tenant).get(feature=Feature.USERS).quantity == 5
    membership = Membership.objects.for_tenant(tenant).select_related("user").get()
    assert membership.role == Role.ADMIN
    assert membership.user.email == "boss@initech.example.com"
    assert [message.to for message in mailoutbox] == [["boss@initech.example.com"]]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"slug": "acme"}, "slug", "Another tenant already uses this short name."),
        (
            {"slug": "initech", "sip_domain": "ACME.sip.centrex.test"},
            "sip_domain",
            "Another tenant already uses this SIP domain.",
        ),
        ({"slug": "bad_slug"}, "slug", "Use 1 to 63 lower-case letters, digits and hyphens"),
        ({"slug": "-initech"}, "slug", "Use 1 to 63 lower-case letters, digits and hyphens"),
        ({"slug": "in itech"}, "slug", "Use 1 to 63 lower-case letters, digits and hyphens"),
        ({"slug": "initech", "sip_domain": "initech"}, "sip_domain", "Enter a valid domain name"),
        ({"slug": "initech", "sip_domain": "in_itech.example.com"}, "sip_domain", "Enter a valid domain name"),
        ({"slug": "initech", "sip_domain": "-x.example.com"}, "sip_domain", "Enter a valid domain name"),
        ({"slug": "initech", "time_zone": "Mars/Olympus_Mons"}, "time_zone", "Mars/Olympus_Mons is not a known time zone."),
        ({"slug": "initech", "country": "XX"}, "country", "XX is not a known two-letter country code."),
        ({"slug": "initech", "language": "it"}, "language", "Value 'it' is not a valid choice."),
        ({"slug": "initech", "name": "  "}, "name", "This field cannot be blank."),
        ({"slug": "initech", "tryout": True, "user_licences": 3}, "user_licences", "Buying user licences ends the tryout"),
    ],
)
def test_create_tenant_with_bad_input_gives_field_message_and_changes_nothing(acme, operator, fields, field, message):
    # given
    before = counts()
    arguments = {"name": "Initech", **fields}

    # when
    with pytest.raises(ValidationError) as error:
        services.check_create_tenant(actor=operator, **arguments)

    # then
    assert any(message in text for text in error.value.message_dict[field]), error.value.message_dict
    assert counts() == before


def test_create_tenant_with_taken_admin_email_creates_no_tenant(acme, operator):
    # given
    before = counts()

    # when
    with pytest.raises(ValidationError) as error:
        services.check_create_tenant(actor=operator, name="Initech", slug="initech", admin_email=acme.user.email)

    # then
    assert error.value.message_dict["admin_email"] == ["A user with this e-mail address already exists."]
    assert counts() == before
    assert not Tenant.objects.filter(slug="initech").exists()


def test_create_tenant_outside_tryout_without_licences_cannot_invite_admin(operator):
    # when
    with pytest.raises(ValidationError) as error:
        services.check_create_tenant(
            actor=operator, name="Initech", slug="initech", tryout=False, admin_email="boss@initech.example.com"
        )

    # then
    assert error.value.messages == ["This tenant has no user licences yet. Licences are bought from your provider."]
    assert not Tenant.objects.filter(slug="initech").exists()
    assert not User.objects.filter(email="boss@initech.example.com").exists()


def test_invite_user_beyond_licences_creates_no_user_membership_or_audit_entry(db, operator):
    # given
    tenant = services.check_create_tenant(actor=operator, name="Initech", slug="initech", tryout=False, user_licences=1)
    services.check_invite_user(tenant, actor=operator, email="first@initech.example.com", send_invitation=False)
    before = counts()

    # when
    with pytest.raises(ValidationError) as error:
        services.check_invite_user(tenant, actor=operator, email="second@initech.example.com")

    # then
    assert error.value.messages == ["The 1 user licence is in use. Buy more licences or deactivate a user first."]
    assert counts() == before
    assert not User.objects.filter(email="second@initech.example.com").exists()


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter a valid e-mail address."),
        ({"email": "USER@acme.example.com"}, "email", "A user with this e-mail address already exists."),
        ({"email": "new@acme.example.com", "role": "boss"}, "role", "Unknown role."),
        ({"email": "new@acme.example.com", "language": "it"}, "language", "Unknown language."),
        ({"email": "new@acme.example.com", "full_name": "x" * 201}, "full_name", "The name is too long."),
    ],
)
def test_invite_user_with_bad_input_gives_field_message_and_changes_nothing(acme, arguments, field, message):
    # given
    before = counts()

    # when
    with pytest.raises(ValidationError) as error:
        services.check_invite_user(acme.tenant, actor=acme.admin, **arguments)

    # then
    assert error.value.message_dict[field] == [message]
    assert counts() == before


def test_invite_user_records_audit_entry_of_the_new_membership(acme):
    # when
    membership = services.check_invite_user(
        acme.tenant, actor=acme.admin, email="New@Acme.example.com", full_name="Nina New", role=Role.ADMIN, language="fr"
    )

    # then
    entry = AuditEntry.objects.for_tenant(acme.tenant).get(action="user.invite", object_id=str(membership.pk))
    assert entry.actor == acme.admin
    assert entry.after == {
        "email": "new@acme.example.com",
        "full_name": "Nina New",
        "language": "fr",
        "role": "admin",
        "is_active": True,
    }
    assert membership.user.has_usable_password() is False


def test_suspend_tenant_records_status_change(acme, operator):
    # when
    services.do_suspend_tenant(acme.tenant, actor=operator)

    # then
    acme.tenant.refresh_from_db()
    assert acme.tenant.status == TenantStatus.SUSPENDED
    assert acme.tenant.can_place_calls is False
    entry = AuditEntry.objects.for_tenant(acme.tenant).get(action="tenant.suspend")
    assert entry.before["status"] == "active"
    assert entry.after["status"] == "suspended"


def test_reactivate_licensed_tenant_returns_to_active(acme, operator):
    # given
    services.do_suspend_tenant(acme.tenant, actor=operator)

    # when
    tenant = services.do_reactivate_tenant(acme.tenant, actor=operator)

    # then
    assert tenant.status == TenantStatus.ACTIVE
    entry = AuditEntry.objects.for_tenant(acme.tenant).get(action="tenant.reactivate")
    assert (entry.before["status"], entry.after["status"]) == ("suspended", "active")


def test_reactivate_tenant_in_running_tryout_returns_to_tryout(db, operator):
    # given
    tenant = make_tryout_tenant(now=T0)
    services.do_suspend_tenant(tenant, actor=operator)

    # when
    tenant = services.do_reactivate_tenant(tenant, actor=operator, now=T0 + timedelta(days=3))

    # then
    assert tenant.status == TenantStatus.TRYOUT


def test_reactivate_tenant_after_tryout_ran_out_returns_to_expired(db, operator):
    # given
    tenant = make_tryout_tenant(now=T0)
    services.do_suspend_tenant(tenant, actor=operator)

    # when
    tenant = services.do_reactivate_tenant(tenant, actor=operator, now=T0 + timedelta(days=15))

    # then
    assert tenant.status == TenantStatus.EXPIRED
    assert tenant.can_place_calls is False


def test_reactivate_tenant_created_without_tryout_and_licences_returns_to_active(db, operator):
    # given
    tenant = services.check_create_tenant(actor=operator, name="Initech", slug="initech", tryout=False)
    services.do_suspend_tenant(tenant, actor=operator)

    # when
    tenant = services.do_reactivate_tenant(tenant, actor=operator)

    # then
    assert tenant.status == TenantStatus.ACTIVE


def test_reactivate_tenant_that_is_not_suspended_changes_nothing(acme, operator):
    # given
    before = AuditEntry.objects.count()

    # when
    tenant = services.do_reactivate_tenant(acme.tenant, actor=operator)

    # then
    assert tenant.status == TenantStatus.ACTIVE
    assert AuditEntry.objects.count() == before


@pytest.fixture
def tenant_changes() -> list[dict[str, object]]:
    """What ``tenants.signals.tenant_changed`` receivers (the switch sync) are told."""
    received: list[dict[str, object]] = []

    def receiver(sender: type, **kwargs: object) -> None:
        received.append({"tenant": kwargs["tenant"].slug, "changed": kwargs["changed"], "previous": kwargs["previous"]})

    tenant_changed.connect(receiver, dispatch_uid="test-tenant-changes")
    yield received
    tenant_changed.disconnect(dispatch_uid="test-tenant-changes")


def test_status_changes_tell_other_apps_what_changed(acme, operator, tenant_changes):
    # when
    services.do_suspend_tenant(acme.tenant, actor=operator)
    services.do_suspend_tenant(acme.tenant, actor=operator)  # already suspended: nothing changes
    services.do_reactivate_tenant(acme.tenant, actor=operator)

    # then
    assert tenant_changes == [
        {"tenant": "acme", "changed": ["status"], "previous": {"status": "active"}},
        {"tenant": "acme", "changed": ["status"], "previous": {"status": "suspended"}},
    ]


def test_sip_domain_change_tells_other_apps_the_old_domain(acme, operator, tenant_changes):
    # when
    services.check_update_tenant(acme.tenant, actor=operator, sip_domain="voice.acme.example", name="Acme")

    # then
    assert tenant_changes == [{"tenant": "acme", "changed": ["sip_domain"], "previous": {"sip_domain": "acme.sip.centrex.test"}}]


def test_tryout_expiry_tells_other_apps(db, tenant_changes):
    # given
    make_tryout_tenant(now=T0)

    # when
    services.expire_tryouts(now=T0 + timedelta(days=15))

    # then
    assert tenant_changes == [{"tenant": "trial", "changed": ["status"], "previous": {"status": "tryout"}}]

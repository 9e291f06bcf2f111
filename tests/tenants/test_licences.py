"""Floating user licences and the tryout rules (FEATURES.md §4.1, §4.2), through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from tenants import selectors, services, tasks
from tenants.choices import Feature, Role, TenantStatus
from tenants.models import AuditEntry, Licence, Membership, User
from tests.conftest import PASSWORD
from tests.tenants.conftest import T0, add_member, login, make_tryout_tenant

pytestmark = pytest.mark.django_db


def licensed_tenant(users: int):
    return services.check_create_tenant(actor=None, name="Initech", slug="initech", tryout=False, user_licences=users)


# --- floating user licences -------------------------------------------------------------


def test_invite_users_up_to_bought_licences_succeeds_and_next_is_refused():
    # given
    tenant = licensed_tenant(2)
    add_member(tenant, "one")
    add_member(tenant, "two")

    # when
    with pytest.raises(ValidationError) as error:
        add_member(tenant, "three")

    # then
    assert error.value.messages == ["All 2 user licences are in use. Buy more licences or deactivate a user first."]
    assert selectors.active_user_count(tenant) == 2
    assert not User.objects.filter(email="three@initech.example.com").exists()


def test_deactivate_user_frees_a_licence_for_a_new_user():
    # given
    tenant = licensed_tenant(2)
    add_member(tenant, "admin", role=Role.ADMIN)
    leaving = add_member(tenant, "leaving")

    # when
    services.check_set_user_active(tenant, actor=None, membership=leaving, active=False)
    add_member(tenant, "joining")

    # then
    leaving.refresh_from_db()
    leaving.user.refresh_from_db()
    assert leaving.is_active is False
    assert leaving.user.is_active is False
    assert selectors.active_user_count(tenant) == 2
    entry = AuditEntry.objects.for_tenant(tenant).get(action="user.deactivate")
    assert (entry.before["is_active"], entry.after["is_active"]) == (True, False)


def test_reactivate_user_needs_a_free_licence():
    # given
    tenant = licensed_tenant(2)
    add_member(tenant, "admin", role=Role.ADMIN)
    leaving = add_member(tenant, "leaving")
    services.check_set_user_active(tenant, actor=None, membership=leaving, active=False)
    add_member(tenant, "joining")

    # when
    with pytest.raises(ValidationError) as error:
        services.check_set_user_active(tenant, actor=None, membership=leaving, active=True)

    # then
    assert error.value.messages == ["All 2 user licences are in use. Buy more licences or deactivate a user first."]
    leaving.refresh_from_db()
    assert leaving.is_active is False
    assert not AuditEntry.objects.for_tenant(tenant).filter(action="user.activate").exists()


def test_reactivate_user_with_a_free_licence_lets_them_log_in_again(client):
    # given
    tenant = licensed_tenant(3)
    add_member(tenant, "admin", role=Role.ADMIN)
    member = add_member(tenant, "member")
    services.check_set_user_active(tenant, actor=None, membership=member, active=False)
    refused = login(client, member.user.email)

    # when
    services.check_set_user_active(tenant, actor=None, membership=member, active=True)
    response = login(client, member.user.email)

    # then
    assert refused.url == "/accounts/inactive/"
    assert response.status_code == 302
    assert selectors.active_user_count(tenant) == 2


def test_set_user_licences_below_active_users_is_refused():
    # given
    tenant = licensed_tenant(3)
    for name in ("one", "two", "three"):
        add_member(tenant, name)

    # when
    with pytest.raises(ValidationError) as error:
        services.check_set_licence(tenant, actor=None, feature=Feature.USERS, quantity=2)

    # then
    assert error.value.message_dict["quantity"] == ["3 users are active: deactivate users before reducing the licences."]
    assert Licence.objects.for_tenant(tenant).get(feature=Feature.USERS).quantity == 3


def test_set_user_licences_to_zero_with_active_users_is_refused():
    # given
    tenant = licensed_tenant(3)
    add_member(tenant, "one")

    # when
    with pytest.raises(ValidationError):
        services.check_set_licence(tenant, actor=None, feature=Feature.USERS, quantity=0)

    # then
    assert selectors.user_licence_capacity(tenant) == 3


def test_set_user_licences_down_to_active_users_succeeds_with_audit_entry():
    # given
    tenant = licensed_tenant(5)
    add_member(tenant, "one")
    add_member(tenant, "two")

    # when
    services.check_set_licence(tenant, actor=None, feature=Feature.USERS, quantity=2)

    # then
    assert selectors.user_licence_capacity(tenant) == 2
    entry = AuditEntry.objects.for_tenant(tenant).filter(action="licence.set").first()
    assert entry.before == {"feature": "users", "quantity": 5}
    assert entry.after == {"feature": "users", "quantity": 2}


@pytest.mark.parametrize(
    ("feature", "quantity", "field", "message"),
    [
        ("users", -1, "quantity", "The quantity cannot be negative."),
        ("teleporter", 1, "feature", "Unknown licence feature."),
        ("users", "3", "quantity", "Enter a whole number."),
    ],
)
def test_set_licence_with_bad_input_changes_nothing(acme, feature, quantity, field, message):
    # given
    before = AuditEntry.objects.count()

    # when
    with pytest.raises(ValidationError) as error:
        services.check_set_licence(acme.tenant, actor=None, feature=feature, quantity=quantity)

    # then
    assert error.value.message_dict[field] == [message]
    assert AuditEntry.objects.count() == before
    assert selectors.licence_quantity(acme.tenant, Feature.USERS) == 10


def test_add_on_licences_are_named_features(acme):
    # when
    services.check_set_licence(acme.tenant, actor=None, feature=Feature.FAX, quantity=2)

    # then
    assert selectors.has_feature(acme.tenant, Feature.FAX) is True
    assert selectors.has_feature(acme.tenant, Feature.QUEUES) is False
    summary = selectors.licence_summary(acme.tenant)
    assert {addon["feature"]: addon["quantity"] for addon in summary["addons"]}["fax"] == 2
    assert summary["user_licences"] == 10
    assert summary["active_users"] == 3


# --- tryout -----------------------------------------------------------------------------


def test_tryout_lasts_14_days_with_3_user_test_licences(trial):
    # then
    assert trial.status == TenantStatus.TRYOUT
    assert trial.tryout_ends_at == T0 + timedelta(days=14)
    assert selectors.user_licence_capacity(trial, now=T0) == 3


@freeze_time(T0 + timedelta(days=1))
def test_tryout_fourth_user_is_refused(trial):
    # given
    for name in ("one", "two", "three"):
        add_member(trial, name)

    # when
    with pytest.raises(ValidationError) as error:
        add_member(trial, "four")

    # then
    assert error.value.messages == ["All 3 user test licences of the tryout are in use. Buy licences to add more users."]
    assert Membership.objects.for_tenant(trial).count() == 3


def test_buying_licences_ends_tryout_for_good(trial, operator):
    # given
    services.check_set_licence(trial, actor=operator, feature=Feature.USERS, quantity=5, now=T0 + timedelta(days=2))

    # when
    with pytest.raises(ValidationError) as error:
        services.check_start_tryout(trial, actor=operator, now=T0 + timedelta(days=3))

    # then
    assert error.value.messages == ["Tryout mode cannot be used once licences have been bought."]
    trial.refresh_from_db()
    assert trial.status == TenantStatus.ACTIVE
    assert trial.licences_purchased_at == T0 + timedelta(days=2)
    assert AuditEntry.objects.for_tenant(trial).filter(action="tenant.licensed").exists()


def test_tryout_cannot_be_entered_after_licences_bought_even_if_reduced_to_zero(db, operator):
    # given
    tenant = licensed_tenant(2)
    services.check_set_licence(tenant, actor=operator, feature=Feature.USERS, quantity=0)

    # when
    with pytest.raises(ValidationError):
        services.check_start_tryout(tenant, actor=operator)

    # then
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.ACTIVE
    assert tenant.tryout_ends_at is None
    assert selectors.user_licence_capacity(tenant) == 0


def test_tryout_cannot_be_entered_twice(trial, operator):
    # given
    before = AuditEntry.objects.count()

    # when
    with pytest.raises(ValidationError) as error:
        services.check_start_tryout(trial, actor=operator, now=T0 + timedelta(days=20))

    # then
    assert error.value.messages == ["This tenant has already used its tryout."]
    trial.refresh_from_db()
    assert trial.tryout_ends_at == T0 + timedelta(days=14)
    assert AuditEntry.objects.count() == before


def test_start_tryout_on_tenant_created_without_it(db, operator):
    # given
    tenant = services.check_create_tenant(actor=operator, name="Initech", slug="initech", tryout=False)

    # when
    tenant = services.check_start_tryout(tenant, actor=operator, now=T0)

    # then
    assert tenant.status == TenantStatus.TRYOUT
    assert tenant.tryout_ends_at == T0 + timedelta(days=14)
    entry = AuditEntry.objects.for_tenant(tenant).get(action="tenant.tryout")
    assert (entry.before["status"], entry.after["status"]) == ("active", "tryout")


def test_start_tryout_on_suspended_tenant_is_refused(db, operator):
    # given
    tenant = services.check_create_tenant(actor=operator, name="Initech", slug="initech", tryout=False)
    services.do_suspend_tenant(tenant, actor=operator)

    # when
    with pytest.raises(ValidationError) as error:
        services.check_start_tryout(tenant, actor=operator)

    # then
    assert error.value.messages == ["The tenant is suspended: reactivate it before starting the tryout."]
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.SUSPENDED


def test_expire_tryouts_puts_ended_tryouts_into_expired(trial, acme):
    # given
    running = make_tryout_tenant("running", now=T0 + timedelta(days=10))

    # when
    expired = services.expire_tryouts(now=T0 + timedelta(days=14, seconds=1))

    # then
    assert [tenant.slug for tenant in expired] == ["trial"]
    trial.refresh_from_db()
    running.refresh_from_db()
    acme.tenant.refresh_from_db()
    assert trial.status == TenantStatus.EXPIRED
    assert running.status == TenantStatus.TRYOUT
    assert acme.tenant.status == TenantStatus.ACTIVE
    entry = AuditEntry.objects.for_tenant(trial).get(action="tenant.tryout_expired")
    assert entry.actor is None
    assert entry.actor_label == "system"
    assert (entry.before["status"], entry.after["status"]) == ("tryout", "expired")


def test_expire_tryouts_before_the_end_changes_nothing(trial):
    # when
    expired = services.expire_tryouts(now=T0 + timedelta(days=13, hours=23))

    # then
    assert expired == []
    trial.refresh_from_db()
    assert trial.status == TenantStatus.TRYOUT


def test_expire_tryouts_celery_task_expires_the_tryout(trial):
    # given
    with freeze_time(T0 + timedelta(days=1)):
        add_member(trial, "admin", role=Role.ADMIN)

    # when
    with freeze_time(T0 + timedelta(days=15)):
        result = tasks.expire_tryouts.delay()

    # then
    assert result.get() == 1
    trial.refresh_from_db()
    assert trial.status == TenantStatus.EXPIRED
    assert selectors.user_licence_capacity(trial, now=T0 + timedelta(days=15)) == 0


def test_tryout_counts_as_expired_before_the_sweep_runs(trial):
    # then
    assert trial.effective_status(now=T0 + timedelta(days=14)) == TenantStatus.EXPIRED
    assert trial.status == TenantStatus.TRYOUT


def test_expired_tenant_cannot_add_users_until_licences_are_bought(trial, operator):
    # given
    services.expire_tryouts(now=T0 + timedelta(days=15))

    # when
    with freeze_time(T0 + timedelta(days=15)), pytest.raises(ValidationError) as error:
        add_member(trial, "late")

    # then
    assert error.value.messages == ["The tryout has ended. User licences must be bought before users can be added or activated."]
    services.check_set_licence(trial, actor=operator, feature=Feature.USERS, quantity=4)
    trial.refresh_from_db()
    assert trial.status == TenantStatus.ACTIVE
    assert add_member(trial, "late").is_active


def test_expired_tenant_users_can_log_in_and_portal_shows_why(trial, client):
    # given
    with freeze_time(T0 + timedelta(days=1)):
        member = add_member(trial, "member")
    with freeze_time(T0 + timedelta(days=15)):
        tasks.expire_tryouts.delay()

        # when
        response = login(client, member.user.email, PASSWORD)
        page = client.get("/me/")

    # then
    assert response.status_code == 302
    assert page.status_code == 200
    assert "The tryout of Trial has expired. Calls are refused until licences are bought." in page.content.decode()


def test_tryout_portal_shows_tryout_banner(trial, client):
    # given
    with freeze_time(T0 + timedelta(days=1)):
        member = add_member(trial, "member")

        # when
        login(client, member.user.email)
        page = client.get("/me/")

    # then
    assert "Tryout mode with 3 user test licences, until" in page.content.decode()

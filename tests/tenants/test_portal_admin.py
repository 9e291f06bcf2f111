"""Tenant admin pages: users (invite, deactivate, role, re-invite), licences, the tenant's audit log."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants import services
from tenants.choices import Feature, Role
from tenants.models import AuditEntry, Membership, User
from tests.conftest import PASSWORD
from tests.tenants.conftest import add_member

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/portal/users/", "/portal/users/invite/", "/portal/licences/", "/portal/audit/"]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def invite_form(**overrides: str) -> dict[str, str]:
    return {"full_name": "Nina New", "email": "nina@acme.example.com", "role": "user", "language": "", **overrides}


def test_admin_invites_user_who_gets_the_email(admin_client, acme, django_capture_on_commit_callbacks, mailoutbox):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/portal/users/invite/", invite_form())

    # then
    assert response.status_code == 302
    assert response.url == "/portal/users/"
    membership = Membership.objects.for_tenant(acme.tenant).get(user__email="nina@acme.example.com")
    assert membership.role == Role.USER
    assert [message.to for message in mailoutbox] == [["nina@acme.example.com"]]
    listing = admin_client.get("/portal/users/")
    assert "nina@acme.example.com was invited by e-mail." in messages_of(listing)
    assert "Invited" in listing.content.decode()
    assert "4 of 10 user licences in use." in listing.content.decode()


def test_admin_invite_with_taken_email_shows_field_error(admin_client, acme, globex):
    # given
    users = User.objects.count()

    # when
    response = admin_client.post("/portal/users/invite/", invite_form(email=globex.user.email))

    # then
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["A user with this e-mail address already exists."]}
    assert "A user with this e-mail address already exists." in response.content.decode()
    assert User.objects.count() == users


def test_admin_invite_beyond_licences_shows_form_error_and_creates_nothing(admin_client, acme, operator):
    # given
    services.check_set_licence(acme.tenant, actor=operator, feature=Feature.USERS, quantity=3)
    users = User.objects.count()

    # when
    response = admin_client.post("/portal/users/invite/", invite_form())

    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "All 3 user licences are in use. Buy more licences or deactivate a user first."
    ]
    assert "All 3 user licences are in use." in response.content.decode()
    assert User.objects.count() == users


def test_admin_deactivates_user_who_can_no_longer_log_in(admin_client, acme):
    # when
    response = admin_client.post(f"/portal/users/{acme.user_membership.pk}/", {"action": "deactivate"}, follow=True)

    # then
    assert "The user was deactivated." in messages_of(response)
    acme.user.refresh_from_db()
    assert acme.user.is_active is False
    user_client = Client()
    assert user_client.post("/accounts/login/", {"login": acme.user.email, "password": PASSWORD}).url == ("/accounts/inactive/")


def test_admin_changes_role_of_a_user(admin_client, acme):
    # when
    response = admin_client.post(f"/portal/users/{acme.user_membership.pk}/", {"action": "role", "role": "admin"}, follow=True)

    # then
    assert "The role was changed." in messages_of(response)
    assert Membership.objects.get(pk=acme.user_membership.pk).role == Role.ADMIN
    entry = AuditEntry.objects.for_tenant(acme.tenant).get(action="user.role")
    assert (entry.before["role"], entry.after["role"], entry.actor) == ("user", "admin", acme.admin)


def test_admin_cannot_remove_the_last_admin(admin_client, acme):
    # when
    demoted = admin_client.post(f"/portal/users/{acme.admin_membership.pk}/", {"action": "role", "role": "user"}, follow=True)
    deactivated = admin_client.post(f"/portal/users/{acme.admin_membership.pk}/", {"action": "deactivate"}, follow=True)

    # then
    assert "A tenant needs at least one active admin." in messages_of(demoted)
    assert "A tenant needs at least one active admin." in messages_of(deactivated)
    membership = Membership.objects.get(pk=acme.admin_membership.pk)
    assert (membership.role, membership.is_active) == (Role.ADMIN, True)


def test_admin_with_bad_role_sees_form_error(admin_client, acme):
    # when
    response = admin_client.post(f"/portal/users/{acme.user_membership.pk}/", {"action": "role", "role": "boss"})

    # then
    assert response.status_code == 200
    assert "role" in response.context["role_form"].errors
    assert Membership.objects.get(pk=acme.user_membership.pk).role == Role.USER


def test_admin_resends_invitation(admin_client, acme, django_capture_on_commit_callbacks, mailoutbox):
    # given
    invited = add_member(acme.tenant, "late", password=None)
    detail = admin_client.get(f"/portal/users/{invited.pk}/")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/portal/users/{invited.pk}/", {"action": "reinvite"}, follow=True)

    # then
    assert 'value="reinvite"' in detail.content.decode()
    assert "The invitation was sent again." in messages_of(response)
    assert [message.to for message in mailoutbox] == [[invited.user.email]]


def test_admin_sees_the_tenants_licences(admin_client, acme, operator):
    # given
    services.check_set_licence(acme.tenant, actor=operator, feature=Feature.QUEUES, quantity=2)

    # when
    response = admin_client.get("/portal/licences/")

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "3 of 10 in use" in content
    assert response.context["licences"]["addons"][2] == {"feature": "queues", "label": "Queues", "quantity": 2}


def test_admin_audit_log_shows_only_their_tenant(admin_client, acme, globex):
    # given
    services.check_change_role(globex.tenant, actor=globex.admin, membership=globex.user_membership, role=Role.ADMIN)

    # when
    response = admin_client.get("/portal/audit/")

    # then
    entries = list(response.context["entries"])
    assert entries
    assert {entry.tenant_id for entry in entries} == {acme.tenant.pk}
    assert "globex" not in response.content.decode()


@pytest.mark.parametrize("action", ["role", "deactivate", "reinvite"])
def test_admin_cannot_see_or_change_another_tenants_user(admin_client, globex, action):
    # given
    path = f"/portal/users/{globex.user_membership.pk}/"

    # when
    seen = admin_client.get(path)
    changed = admin_client.post(path, {"action": action, "role": "admin"})

    # then
    assert (seen.status_code, changed.status_code) == (404, 404)
    membership = Membership.objects.get(pk=globex.user_membership.pk)
    assert (membership.role, membership.is_active) == (Role.USER, True)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_end_user_cannot_open_admin_pages(acme, path):
    # given
    client = Client()
    client.force_login(acme.user)

    # when
    response = client.get(path)

    # then
    assert response.status_code == 403


def test_end_user_cannot_open_another_users_admin_page(acme):
    # given
    client = Client()
    client.force_login(acme.user)

    # when
    response = client.post(f"/portal/users/{acme.other_user.membership.pk}/", {"action": "deactivate"})

    # then
    assert response.status_code == 403
    acme.other_user.refresh_from_db()
    assert acme.other_user.is_active is True


def test_home_sends_each_role_to_its_start_page(acme, operator_client):
    # given
    admin, user = Client(), Client()
    admin.force_login(acme.admin)
    user.force_login(acme.user)

    # when
    targets = [client.get("/").url for client in (operator_client, admin, user)]

    # then
    assert targets == ["/operator/tenants/", "/portal/users/", "/me/"]


def test_navigation_shows_admin_entries_only_to_admins(acme):
    # given
    admin, user = Client(), Client()
    admin.force_login(acme.admin)
    user.force_login(acme.user)

    # when
    admin_page = admin.get("/me/").content.decode()
    user_page = user.get("/me/").content.decode()

    # then
    assert 'href="/portal/users/"' in admin_page
    assert 'href="/portal/users/"' not in user_page


def test_suspended_tenant_users_can_log_in_and_see_why_calls_fail(acme, operator):
    # given
    services.do_suspend_tenant(acme.tenant, actor=operator)
    client = Client()

    # when
    response = client.post("/accounts/login/", {"login": acme.user.email, "password": PASSWORD})
    page = client.get("/me/")

    # then
    assert response.status_code == 302
    assert "Acme is suspended. Calls are refused; please contact your provider." in page.content.decode()


def test_admin_audit_log_shows_what_changed(admin_client, acme):
    # given
    services.check_change_role(acme.tenant, actor=acme.admin, membership=acme.user_membership, role=Role.ADMIN)

    # when
    response = admin_client.get("/portal/audit/")

    # then
    entry = next(entry for entry in response.context["entries"] if entry.action == "user.role")
    assert entry.changes() == [("role", "user", "admin")]
    assert "<code>role</code>: user → admin" in response.content.decode()

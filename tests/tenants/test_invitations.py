"""Invitation e-mails and the set-password flow (FEATURES.md §1.1, §2.2), and password reset."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.utils import translation

from tenants import services
from tenants.choices import Language
from tenants.models import AuditEntry, User
from tests.tenants.conftest import link_path, login

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Plover-Xylem-4417-Quartz"


def invite(tenant_set, capture, email: str = "nina@acme.example.com", **fields: str) -> User:
    with capture(execute=True):
        membership = services.check_invite_user(tenant_set.tenant, actor=tenant_set.admin, email=email, **fields)
    return membership.user


def set_password_through_link(client: Client, path: str, password: str = NEW_PASSWORD):
    """Open the link as the e-mail client would, follow allauth's redirect and submit the form."""
    opened = client.get(path)
    assert opened.status_code == 302, opened.content.decode()
    form_url = opened.url
    form = client.get(form_url)
    assert form.status_code == 200
    assert 'name="password1"' in form.content.decode()
    return client.post(form_url, {"password1": password, "password2": password})


def test_invite_user_sends_email_with_set_password_link(acme, django_capture_on_commit_callbacks, mailoutbox):
    # when
    user = invite(acme, django_capture_on_commit_callbacks, full_name="Nina New")

    # then
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["nina@acme.example.com"]
    assert message.from_email == "Centrex <noreply@localhost>"
    assert message.subject == "Centrex: your account for Acme"
    assert "Hello Nina," in message.body
    assert "an account has been created for you on the Centrex phone system of Acme." in message.body
    assert "Your login is your e-mail address: nina@acme.example.com" in message.body
    assert "The link is valid for 7 days and can be used once." in message.body
    assert "Afterwards, log in here: http://127.0.0.1:8000/accounts/login/" in message.body
    assert link_path(message).startswith(f"/accounts/password/reset/key/{user.pk.hex}-")


def test_invitation_link_sets_password_and_user_logs_in_with_it(acme, django_capture_on_commit_callbacks, mailoutbox):
    # given
    invite(acme, django_capture_on_commit_callbacks)
    client = Client()

    # when
    response = set_password_through_link(client, link_path(mailoutbox[0]))

    # then
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/key/done/"
    assert User.objects.get(email="nina@acme.example.com").check_password(NEW_PASSWORD)
    logged_in = login(Client(), "nina@acme.example.com", NEW_PASSWORD)
    assert logged_in.status_code == 302
    assert logged_in.url == "/"


def test_invitation_link_with_weak_password_shows_errors_and_sets_nothing(acme, django_capture_on_commit_callbacks, mailoutbox):
    # given
    invite(acme, django_capture_on_commit_callbacks)

    # when
    response = set_password_through_link(Client(), link_path(mailoutbox[0]), password="12345")

    # then
    assert response.status_code == 200
    assert "This password is too short." in response.content.decode()
    assert User.objects.get(email="nina@acme.example.com").has_usable_password() is False


def test_invitation_link_with_tampered_token_shows_bad_token_and_changes_nothing(
    acme, django_capture_on_commit_callbacks, mailoutbox
):
    # given
    invite(acme, django_capture_on_commit_callbacks)
    path = link_path(mailoutbox[0])
    tampered = path[:-3] + ("a" if path[-3] != "a" else "b") + path[-2:]
    client = Client()

    # when
    response = client.get(tampered)
    form_url = path.rsplit("-", 2)[0] + "-set-password/"
    posted = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    # then
    assert response.status_code == 200
    assert "Bad Token" in response.content.decode()
    assert "The password reset link was invalid" in response.content.decode()
    assert "Bad Token" in posted.content.decode()
    assert User.objects.get(email="nina@acme.example.com").has_usable_password() is False
    assert login(Client(), "nina@acme.example.com", NEW_PASSWORD).status_code == 200


def test_invitation_link_of_another_user_is_refused(acme, django_capture_on_commit_callbacks, mailoutbox):
    # given
    invite(acme, django_capture_on_commit_callbacks)
    other = invite(acme, django_capture_on_commit_callbacks, email="olaf@acme.example.com")
    path = link_path(mailoutbox[0])
    uid = path.split("/")[-2].split("-")[0]

    # when
    response = Client().get(path.replace(uid, other.pk.hex))

    # then
    assert "Bad Token" in response.content.decode()
    other.refresh_from_db()
    assert other.has_usable_password() is False


def test_invitation_link_cannot_be_used_twice(acme, django_capture_on_commit_callbacks, mailoutbox):
    # given
    invite(acme, django_capture_on_commit_callbacks)
    path = link_path(mailoutbox[0])
    set_password_through_link(Client(), path)

    # when
    response = Client().get(path)

    # then
    assert response.status_code == 200
    assert "Bad Token" in response.content.decode()
    assert User.objects.get(email="nina@acme.example.com").check_password(NEW_PASSWORD)


def test_resend_invitation_sends_a_new_working_link(acme, django_capture_on_commit_callbacks, mailoutbox):
    # given
    user = invite(acme, django_capture_on_commit_callbacks)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.check_resend_invitation(acme.tenant, actor=acme.admin, membership=user.membership)

    # then
    assert [message.to for message in mailoutbox] == [[user.email], [user.email]]
    assert AuditEntry.objects.for_tenant(acme.tenant).filter(action="user.reinvite").count() == 1
    assert set_password_through_link(Client(), link_path(mailoutbox[1])).status_code == 302


def test_resend_invitation_to_user_with_password_is_refused(acme, django_capture_on_commit_callbacks, mailoutbox):
    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.ValidationError) as error:
        services.check_resend_invitation(acme.tenant, actor=acme.admin, membership=acme.user_membership)

    # then
    assert error.value.messages == ["The user has already set a password; they can reset it from the login page."]
    assert mailoutbox == []


def test_resend_invitation_to_deactivated_user_is_refused(acme, django_capture_on_commit_callbacks, mailoutbox):
    # given
    user = invite(acme, django_capture_on_commit_callbacks)
    services.check_set_user_active(acme.tenant, actor=acme.admin, membership=user.membership, active=False)
    mailoutbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.ValidationError) as error:
        services.check_resend_invitation(acme.tenant, actor=acme.admin, membership=user.membership)

    # then
    assert error.value.messages == ["The user is deactivated: activate them before sending the invitation again."]
    assert mailoutbox == []


def test_invitation_of_rolled_back_invite_is_not_sent(acme, django_capture_on_commit_callbacks, mailoutbox):
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        services.check_invite_user(acme.tenant, actor=acme.admin, email="nina@acme.example.com")
        raise RuntimeError("the request failed after the invite")

    # then
    assert callbacks == []
    assert mailoutbox == []
    assert not User.objects.filter(email="nina@acme.example.com").exists()


def german_catalogue_has(text: str) -> bool:
    with translation.override("de"):
        return translation.gettext(text) != text


@pytest.mark.skipif(
    not german_catalogue_has("Set your password with this link:"), reason="the German tenants catalogue is not compiled yet"
)
def test_invitation_to_german_tenant_is_in_german(db, django_capture_on_commit_callbacks, mailoutbox):
    # given
    tenant = services.check_create_tenant(actor=None, name="Muster", slug="muster", language=Language.DE)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.check_invite_user(tenant, actor=None, email="max@muster.example.com")

    # then
    with translation.override("de"):
        expected = translation.gettext("Set your password with this link:")
    body = mailoutbox[0].body
    assert expected in body
    assert "Set your password with this link:" not in body
    assert link_path(mailoutbox[0]).startswith("/accounts/password/reset/key/")


def test_invitation_uses_user_language_over_tenant_language(acme, django_capture_on_commit_callbacks, mailoutbox):
    # given
    services.check_update_tenant(acme.tenant, actor=None, language=Language.DE)

    # when
    invite(acme, django_capture_on_commit_callbacks, language=Language.EN)

    # then
    assert "Set your password with this link:" in mailoutbox[0].body


def test_password_reset_email_lets_user_set_new_password(acme, mailoutbox):
    # given
    client = Client()

    # when
    requested = client.post("/accounts/password/reset/", {"email": "USER@acme.example.com"})

    # then
    assert requested.status_code == 302
    assert requested.url == "/accounts/password/reset/done/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [acme.user.email]
    assert mailoutbox[0].subject == "[Centrex] Password Reset Email"
    assert set_password_through_link(client, link_path(mailoutbox[0])).status_code == 302
    assert login(Client(), acme.user.email, NEW_PASSWORD).status_code == 302


def test_password_reset_for_unknown_address_sends_nothing_to_it(acme, mailoutbox):
    # when
    response = Client().post("/accounts/password/reset/", {"email": "nobody@acme.example.com"})

    # then
    assert response.status_code == 302
    assert all(message.to == ["nobody@acme.example.com"] for message in mailoutbox)
    assert all("/accounts/password/reset/key/" not in message.body for message in mailoutbox)

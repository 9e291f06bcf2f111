"""Forwarding profiles, rules and DND through the REST API: admins reach every extension, users their own only."""

from __future__ import annotations

import pytest
from django.test import Client

from centrex.api.scopes import Scope
from telephony.directory.models import Extension
from telephony.forwarding.models import ForwardingProfile, ForwardingRule, PersonalSettings
from tests.api.conftest import key_client, make_key
from tests.conftest import TenantSet, logged_in
from tests.forwarding.conftest import make_extension

BASE = "/api/v1"


@pytest.fixture
def user_client(acme: TenantSet) -> Client:
    """Acme's end user, logged in (session scopes: directory:read, personal:write ...)."""
    return logged_in(acme.user)


def default_of(extension: Extension) -> ForwardingProfile:
    return ForwardingProfile.objects.get(extension=extension, is_default=True)


def test_api_user_creates_profile_and_rule_on_own_extension(acme: TenantSet, ext: Extension, user_client: Client) -> None:
    # when
    response = user_client.post(
        f"{BASE}/forwarding-profiles/",
        {"extension": str(ext.pk), "slot": 2, "name": "Urlaub", "colour": "#1E88E5"},
        content_type="application/json",
    )
    # then
    assert response.status_code == 201, response.content
    profile = response.json()
    assert (profile["slot"], profile["name"], profile["colour"], profile["is_active"]) == (2, "Urlaub", "#1e88e5", False)
    response = user_client.post(
        f"{BASE}/forwarding-rules/",
        {"profile": profile["id"], "condition": "always", "target": "number", "number": "0049892343123"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["number"] == "+49892343123"
    # activate it
    response = user_client.post(f"{BASE}/forwarding-profiles/{profile['id']}/activate/")
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert response.json()["rules"] == [
        {"condition": "always", "target": "number", "number": "+49892343123", "no_answer_seconds": None}
    ]
    # the list shows only the user's own profiles
    listed = user_client.get(f"{BASE}/forwarding-profiles/").json()
    assert [(p["extension_number"], p["slot"]) for p in listed["results"]] == [("1001", 0), ("1001", 2)]


def test_api_user_cannot_reach_another_users_extension(
    acme: TenantSet, ext: Extension, colleague: Extension, user_client: Client
) -> None:
    # given the colleague's default profile
    theirs = default_of(colleague)
    # when / then it is not there for the user
    assert user_client.get(f"{BASE}/forwarding-profiles/{theirs.pk}/").status_code == 404
    assert user_client.post(f"{BASE}/forwarding-profiles/{theirs.pk}/activate/").status_code == 404
    assert (
        user_client.patch(f"{BASE}/personal-settings/{colleague.pk}/", {"dnd": True}, content_type="application/json").status_code
        == 404
    )
    response = user_client.post(
        f"{BASE}/forwarding-rules/",
        {"profile": str(theirs.pk), "condition": "always", "target": "voicemail"},
        content_type="application/json",
    )
    assert response.status_code == 400
    response = user_client.post(
        f"{BASE}/forwarding-profiles/", {"extension": str(colleague.pk), "slot": 1, "name": "X"}, content_type="application/json"
    )
    assert response.status_code == 400
    # and nothing changed
    assert ForwardingProfile.objects.filter(extension=colleague).count() == 1
    assert not ForwardingRule.objects.exists()
    assert not PersonalSettings.objects.filter(extension=colleague, dnd=True).exists()


def test_api_admin_edits_any_extension(acme: TenantSet, ext: Extension, admin_client: Client) -> None:
    # when the admin sets no-answer forwarding on the user's default profile, then DND
    response = admin_client.post(
        f"{BASE}/forwarding-rules/",
        {"profile": str(default_of(ext).pk), "condition": "no_answer", "target": "voicemail", "no_answer_seconds": 15},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    response = admin_client.patch(f"{BASE}/personal-settings/{ext.pk}/", {"dnd": True}, content_type="application/json")
    # then
    assert response.status_code == 200
    assert response.json() == {"extension": str(ext.pk), "extension_number": "1001", "dnd": True}
    assert PersonalSettings.objects.get(extension=ext).dnd is True


def test_api_other_tenants_profile_is_404(acme: TenantSet, globex: TenantSet, ext: Extension) -> None:
    # given a globex admin key
    client = key_client(
        make_key(globex.tenant, globex.admin, [Scope.DIRECTORY_READ, Scope.DIRECTORY_WRITE, Scope.PERSONAL_WRITE])[1]
    )
    profile = default_of(ext)
    # then
    assert client.get(f"{BASE}/forwarding-profiles/{profile.pk}/").status_code == 404
    assert client.delete(f"{BASE}/forwarding-profiles/{profile.pk}/").status_code == 404
    assert client.get(f"{BASE}/personal-settings/{ext.pk}/").status_code == 404
    assert client.get(f"{BASE}/forwarding-profiles/?extension={ext.pk}").json()["results"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"condition": "no_answer", "target": "voicemail", "no_answer_seconds": 25}, "no_answer_seconds"),
        ({"condition": "always", "target": "number"}, "number"),
        ({"condition": "always", "target": "fax"}, "target"),
    ],
)
def test_api_bad_rule_is_400_with_field_errors(
    acme: TenantSet, ext: Extension, user_client: Client, body: dict, field: str
) -> None:
    response = user_client.post(
        f"{BASE}/forwarding-rules/", {"profile": str(default_of(ext).pk), **body}, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not ForwardingRule.objects.exists()


def test_api_delete_default_profile_refused(acme: TenantSet, ext: Extension, user_client: Client) -> None:
    response = user_client.delete(f"{BASE}/forwarding-profiles/{default_of(ext).pk}/")
    assert response.status_code == 400
    assert ForwardingProfile.objects.filter(extension=ext).count() == 1


def test_api_duplicate_rename_and_clear_rule(acme: TenantSet, ext: Extension, user_client: Client) -> None:
    # given a busy rule on the default profile
    rule = user_client.post(
        f"{BASE}/forwarding-rules/",
        {"profile": str(default_of(ext).pk), "condition": "busy", "target": "busy"},
        content_type="application/json",
    ).json()
    # when
    copy = user_client.post(
        f"{BASE}/forwarding-profiles/{default_of(ext).pk}/duplicate/",
        {"slot": 3, "name": "Copy"},
        content_type="application/json",
    )
    renamed = user_client.patch(
        f"{BASE}/forwarding-profiles/{copy.json()['id']}/", {"name": "Home"}, content_type="application/json"
    )
    cleared = user_client.delete(f"{BASE}/forwarding-rules/{rule['id']}/")
    # then
    assert copy.status_code == 201 and copy.json()["rules"][0]["condition"] == "busy"
    assert renamed.status_code == 200 and renamed.json()["name"] == "Home"
    assert cleared.status_code == 204
    assert list(ForwardingRule.objects.values_list("profile__slot", "condition")) == [(3, "busy")]


def test_api_read_only_key_cannot_write(acme: TenantSet, ext: Extension) -> None:
    client = key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ])[1])
    assert client.get(f"{BASE}/forwarding-profiles/").status_code == 200
    response = client.post(
        f"{BASE}/forwarding-profiles/", {"extension": str(ext.pk), "slot": 1, "name": "X"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_api_member_without_extension_sees_nothing(acme: TenantSet, ext: Extension) -> None:
    make_extension(acme, "1009")
    client = logged_in(acme.other_user)
    assert client.get(f"{BASE}/forwarding-profiles/").json()["results"] == []
    assert client.get(f"{BASE}/personal-settings/").json()["results"] == []

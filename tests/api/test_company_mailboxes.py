"""REST resource company-mailboxes ([VTX] §2.8): the password is write-only; another tenant's mailbox is not found."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from telephony.directory import services as directory
from telephony.voicemail import services
from telephony.voicemail.models import CompanyMailbox
from tests.conftest import TenantSet

URL = "/api/v1/company-mailboxes/"


@pytest.fixture
def number(acme: TenantSet):
    return directory.check_add_phone_number(actor=None, number="+41215667707", tenant=acme.tenant, label="Reception")


@pytest.fixture
def globex_box(globex: TenantSet) -> CompanyMailbox:
    theirs = directory.check_add_phone_number(actor=None, number="+41215660000", tenant=globex.tenant)
    return services.ensure_mailbox(globex.tenant, actor=None, phone_number=theirs)


def test_create_mailbox_returns_it_without_the_password(acme_api: APIClient, number) -> None:
    response = acme_api.post(
        URL, {"phone_number": str(number.pk), "state": "on", "password": "1244", "language": "fr"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "+41215667707" and body["state"] == "on" and body["language"] == "fr"
    assert "password" not in body and "password_confirmation" not in body
    assert CompanyMailbox.objects.get(pk=body["id"]).password == "1244"


def test_create_mailbox_without_password_generates_one(acme_api: APIClient, number) -> None:
    response = acme_api.post(URL, {"phone_number": str(number.pk)}, format="json")
    assert response.status_code == 201
    box = CompanyMailbox.objects.get(pk=response.json()["id"])
    assert box.state == "off" and len(box.password) == 4 and box.password.isdigit()


def test_create_mailbox_twice_or_for_another_tenants_number_is_refused(acme_api: APIClient, number, globex_box) -> None:
    assert acme_api.post(URL, {"phone_number": str(number.pk)}, format="json").status_code == 201
    again = acme_api.post(URL, {"phone_number": str(number.pk)}, format="json")
    assert again.status_code == 400
    assert again.json() == {"errors": {"phone_number": ["This number has its mailbox already."]}}
    theirs = acme_api.post(URL, {"phone_number": str(globex_box.phone_number_id)}, format="json")
    assert theirs.status_code == 400
    assert theirs.json() == {"errors": {"phone_number": ["Choose a number of this company."]}}
    assert CompanyMailbox.objects.filter(tenant__slug="acme").count() == 1


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"password": "12345"}, {"password": ["The password has exactly 4 digits."]}),
        ({"password": "1234", "password_confirmation": "4321"}, {"password_confirmation": ["The two passwords do not match."]}),
        ({"state": "maybe"}, None),
        ({"email": "not an address"}, {"email": ["Enter a valid e-mail address."]}),
    ],
)
def test_patch_mailbox_bad_input_is_a_field_error_and_changes_nothing(acme: TenantSet, acme_api: APIClient, number, body, errors):
    box = services.ensure_mailbox(acme.tenant, actor=None, phone_number=number)
    before = (box.state, box.password, box.email)
    response = acme_api.patch(f"{URL}{box.pk}/", body, format="json")
    assert response.status_code == 400
    if errors is not None:
        assert response.json() == {"errors": errors}
    else:
        assert "state" in response.json()["errors"]
    box.refresh_from_db()
    assert (box.state, box.password, box.email) == before


def test_patch_mailbox_changes_state_and_password(acme: TenantSet, acme_api: APIClient, number) -> None:
    box = services.ensure_mailbox(acme.tenant, actor=None, phone_number=number)
    response = acme_api.patch(f"{URL}{box.pk}/", {"state": "greeting_only", "password": "4711"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "greeting_only"
    assert "password" not in response.json()
    box.refresh_from_db()
    assert (box.state, box.password) == ("greeting_only", "4711")


def test_list_and_show_only_the_callers_mailboxes(acme: TenantSet, acme_api: APIClient, number, globex_box) -> None:
    mine = services.ensure_mailbox(acme.tenant, actor=None, phone_number=number)
    listed = acme_api.get(URL).json()["results"]
    assert [item["id"] for item in listed] == [str(mine.pk)]
    assert acme_api.get(f"{URL}{globex_box.pk}/").status_code == 404
    assert acme_api.patch(f"{URL}{globex_box.pk}/", {"state": "on"}, format="json").status_code == 404
    globex_box.refresh_from_db()
    assert globex_box.state == "off"

"""The company directory and private contacts: permissions, import, portal, API, isolation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from centrex.api.scopes import Scope
from telephony.contacts import importers, selectors, services
from telephony.contacts.models import Contact
from telephony.contacts.services import ContactInput
from telephony.directory import services as directory
from tests.api.conftest import key_client, make_key
from tests.conftest import logged_in


def hotel(**changes):
    data = ContactInput(name="Hotel Adler", company="Adler GmbH", short_number="3435", numbers=[("work", "089 1234567")])
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_global_contact_normalises_numbers_and_is_read_only_for_users(acme):
    # given
    contact = services.check_create_contact(acme.tenant, actor=acme.admin, data=hotel(), is_global=True)
    # then
    assert contact.numbers.get().number == "+49891234567"
    assert contact in selectors.visible_contacts(acme.tenant, acme.user)
    with pytest.raises(PermissionDenied):
        services.check_delete_contact(acme.tenant, actor=acme.user, contact=contact)
    with pytest.raises(PermissionDenied):
        services.check_update_contact(acme.tenant, actor=acme.user, contact=contact, data=hotel(name="Changed"))
    contact.refresh_from_db()
    assert contact.name == "Hotel Adler"


def test_users_cannot_create_global_contacts(acme):
    with pytest.raises(PermissionDenied):
        services.check_create_contact(acme.tenant, actor=acme.user, data=hotel(), is_global=True)
    assert not Contact.objects.exists()


def test_private_contacts_belong_to_one_user(acme):
    mine = services.check_create_contact(acme.tenant, actor=acme.user, data=hotel(short_number=""), is_global=False)
    assert mine in selectors.visible_contacts(acme.tenant, acme.user)
    assert mine not in selectors.visible_contacts(acme.tenant, acme.other_user)
    with pytest.raises(PermissionDenied):
        services.check_delete_contact(acme.tenant, actor=acme.other_user, contact=mine)
    services.check_delete_contact(acme.tenant, actor=acme.user, contact=mine)
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"numbers": [("work", "12")]}, "numbers"),
        ({"numbers": []}, "numbers"),
        ({"short_number": "12a"}, "short_number"),
        ({"email": "nope"}, "email"),
    ],
)
def test_bad_contacts_are_refused(acme, changes, field):
    with pytest.raises(ValidationError) as error:
        services.check_create_contact(acme.tenant, actor=acme.admin, data=hotel(**changes), is_global=True)
    assert field in error.value.message_dict
    assert not Contact.objects.exists()


def test_short_number_unique_and_found_for_hash_hash_dialling(acme):
    services.check_create_contact(acme.tenant, actor=acme.admin, data=hotel(), is_global=True)
    with pytest.raises(ValidationError) as error:
        services.check_create_contact(acme.tenant, actor=acme.admin, data=hotel(name="Other"), is_global=True)
    assert "short_number" in error.value.message_dict
    assert selectors.by_short_number(acme.tenant, "3435").name == "Hotel Adler"
    assert selectors.by_short_number(acme.tenant, "9999") is None


def test_import_csv_reports_bad_rows_and_creates_the_good_ones(acme):
    data = b"name;company;work;mobile;short_number\nAnna;ACME;+49 89 1234567;;12\nBroken;;not a number;;\nCarl;;;0171 2345678;\n"
    rows = importers.parse_csv(data)
    result = services.import_contacts(acme.tenant, actor=acme.admin, rows=rows)
    assert result.created == 2
    assert len(result.errors) == 1 and "row 2" in result.errors[0]
    assert sorted(selectors.directory(acme.tenant).values_list("name", flat=True)) == ["Anna", "Carl"]


def test_import_vcard(acme):
    data = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dora Example\r\nORG:Example AG\r\nTEL;TYPE=CELL:+49 171 2345678\r\n"
        b"TEL;TYPE=WORK:+49 30 1234567\r\nEMAIL:dora@example.org\r\nEND:VCARD\r\n"
    )
    result = services.import_contacts(acme.tenant, actor=acme.admin, rows=importers.parse_vcard(data))
    assert result.created == 1
    dora = Contact.objects.get()
    assert (dora.company, dora.email) == ("Example AG", "dora@example.org")
    assert sorted(dora.numbers.values_list("kind", "number")) == [("mobile", "+491712345678"), ("work", "+49301234567")]


def test_import_of_garbage_is_refused(acme):
    with pytest.raises(ValidationError):
        importers.parse_vcard(b"BEGIN:VCARD\r\nthis is not\r\n")
    with pytest.raises(ValidationError):
        importers.parse_csv(b"phone\n123\n")


def test_portal_directory_shows_internal_and_external_apart_and_imports(admin_client, acme):
    directory.check_create_extension(acme.tenant, actor=acme.admin, number="101", display_name="Reception")
    response = admin_client.post(
        "/portal/contacts/directory/",
        {"action": "import", "upload": SimpleUploadedFile("c.csv", b"name,work\nAnna,+49891234567\n", content_type="text/csv")},
    )
    assert response.status_code == 302
    page = admin_client.get("/portal/contacts/directory/").content.decode()
    assert 'class="internal"' in page and "Reception" in page
    assert 'class="external"' in page and "Anna" in page


def test_portal_user_sees_global_read_only_and_adds_private(acme):
    services.check_create_contact(acme.tenant, actor=acme.admin, data=hotel(), is_global=True)
    client = logged_in(acme.user)
    assert client.post("/portal/contacts/", {"name": "Mum", "number_mobile": "0171 2345678"}).status_code == 302
    page = client.get("/portal/contacts/").content.decode()
    assert "Hotel Adler" in page and "Mum" in page
    global_contact = Contact.objects.get(owner__isnull=True)
    response = client.post(f"/portal/contacts/{global_contact.pk}/", {"action": "delete"})
    assert response.status_code == 302
    assert Contact.objects.filter(pk=global_contact.pk).exists()


def test_api_contacts_visibility_permissions_and_isolation(acme, globex):
    from rest_framework.test import APIClient

    user_api = APIClient()  # end users use the API through their browser session
    user_api.force_login(acme.user)
    admin_api = key_client(
        make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ, Scope.DIRECTORY_WRITE, Scope.PERSONAL_WRITE])[1]
    )
    created = admin_api.post(
        "/api/v1/contacts/",
        {"is_global": True, "name": "Hotel", "numbers": [{"number": "+49891234567"}], "short_number": "3435"},
        format="json",
    )
    assert created.status_code == 201, created.content
    no_directory_scope = key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ, Scope.PERSONAL_WRITE])[1])
    assert no_directory_scope.delete(f"/api/v1/contacts/{created.json()['id']}/").status_code == 403
    private = user_api.post(
        "/api/v1/contacts/", {"name": "Mum", "numbers": [{"kind": "mobile", "number": "01712345678"}]}, format="json"
    )
    assert private.status_code == 201
    assert {c["name"] for c in user_api.get("/api/v1/contacts/").json()["results"]} == {"Hotel", "Mum"}
    assert {c["name"] for c in admin_api.get("/api/v1/contacts/").json()["results"]} == {"Hotel"}
    assert user_api.delete(f"/api/v1/contacts/{created.json()['id']}/").status_code == 403
    assert admin_api.get(f"/api/v1/contacts/{private.json()['id']}/").status_code == 404
    assert (
        user_api.post(
            "/api/v1/contacts/", {"is_global": True, "name": "X", "numbers": [{"number": "+49891234567"}]}, format="json"
        ).status_code
        == 403
    )
    bad = user_api.post("/api/v1/contacts/", {"name": "Y", "numbers": [{"number": "abc"}]}, format="json")
    assert bad.status_code == 400 and "numbers" in bad.json()["errors"]
    other = services.check_create_contact(globex.tenant, actor=globex.admin, data=hotel(), is_global=True)
    assert admin_api.get(f"/api/v1/contacts/{other.pk}/").status_code == 404
    assert logged_in(acme.admin).get(f"/portal/contacts/{other.pk}/").status_code == 404
    assert Contact.objects.filter(pk=other.pk).exists()

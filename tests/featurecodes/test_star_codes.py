"""The star-code table: defaults per tenant, the admin's changes, collisions, portal and API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from centrex.api.scopes import Scope
from telephony.directory import services as directory
from telephony.directory.validators import check_number_free
from telephony.featurecodes import selectors, services
from telephony.featurecodes.choices import DEFAULT_DIGITS, StarCodeKind
from telephony.featurecodes.models import StarCode
from tenants.models import AuditEntry
from tests.api.conftest import key_client, make_key
from tests.conftest import logged_in


def code(tenants, kind: str) -> StarCode:
    return StarCode.objects.for_tenant(tenants.tenant).get(kind=kind)


def table(tenants) -> dict[str, str]:
    return selectors.code_table(tenants.tenant)


# --- defaults ---------------------------------------------------------------------------
def test_create_tenant_gets_every_default_code(acme, globex) -> None:
    # then each tenant has its own full table, as in [DFN] §3.1
    assert table(acme) == DEFAULT_DIGITS
    assert table(globex) == DEFAULT_DIGITS
    assert StarCode.objects.count() == 2 * len(StarCodeKind.values)


def test_create_default_codes_twice_adds_nothing(acme) -> None:
    # when the defaults are made again (the data migration path)
    created = services.create_default_codes(acme.tenant)
    # then nothing is duplicated
    assert created == []
    assert StarCode.objects.for_tenant(acme.tenant).count() == len(StarCodeKind.values)


def test_star_codes_listed_in_the_order_of_the_table(acme) -> None:
    kinds = [c.kind for c in selectors.star_codes(acme.tenant)]
    assert kinds == list(StarCodeKind.values)


# --- the admin's changes ------------------------------------------------------------------
def test_update_star_code_changes_digits_and_audits(acme, globex) -> None:
    # when acme's admin moves DND on to *71
    services.check_update_star_code(acme.tenant, actor=acme.admin, code=code(acme, "dnd_on"), digits=" *7 1 ")
    # then acme reads *71, globex keeps the default, and the audit log says who did it
    assert table(acme)["dnd_on"] == "*71"
    assert table(globex)["dnd_on"] == "*78"
    entry = AuditEntry.objects.for_tenant(acme.tenant).get(action="star_code.update")
    assert entry.actor == acme.admin
    assert entry.before["digits"] == "*78" and entry.after["digits"] == "*71"


@pytest.mark.parametrize(
    ("kind", "digits", "message"),
    [
        ("dnd_on", "78", "starts with *"),  # no star
        ("dnd_on", "*7a", "starts with *"),
        ("dnd_on", "*", "starts with *"),  # too short
        ("dnd_on", "*123456789", "starts with *"),  # too long
        ("dnd_on", "*79", "already the code for Do not disturb off"),  # equal to another code
        ("dnd_on", "*791", "already the code for Voicemail as forwarding target"),
        ("dnd_on", "*1", "*10"),  # would start *10, *11 ...: *103 would mean two things
        ("dnd_on", "*115", "*11"),  # *11 + 5 ... is already forward always
        ("dnd_on", "*7", "*79"),  # starts the DND codes
        ("forward_always", "*1", "*10"),
        ("forward_always", "*101", "*10"),
        ("intercom", "**1", "**11"),
    ],
)
def test_update_star_code_colliding_digits_are_refused_and_nothing_changes(acme, kind, digits, message) -> None:
    # given
    before = table(acme)
    # when
    with pytest.raises(ValidationError) as raised:
        services.check_update_star_code(acme.tenant, actor=acme.admin, code=code(acme, kind), digits=digits)
    # then the error is on the digits and says what collides; nothing changed, nothing audited
    assert message in " ".join(raised.value.message_dict["digits"])
    assert table(acme) == before
    assert not AuditEntry.objects.for_tenant(acme.tenant).filter(action="star_code.update").exists()


def test_update_voicemail_target_only_has_to_differ_from_the_codes(acme) -> None:
    # the voicemail code is dialled after a forwarding code, never alone: *7 next to *79 is fine here
    services.check_update_star_code(acme.tenant, actor=None, code=code(acme, "voicemail_target"), digits="*7")
    assert table(acme)["voicemail_target"] == "*7"


def test_update_to_digits_another_tenant_uses_is_allowed(acme, globex) -> None:
    services.check_update_star_code(globex.tenant, actor=None, code=code(globex, "dnd_on"), digits="*71")
    services.check_update_star_code(acme.tenant, actor=None, code=code(acme, "dnd_on"), digits="*71")
    assert table(acme)["dnd_on"] == table(globex)["dnd_on"] == "*71"


def test_numbering_plan_claimer_keeps_star_code_digits(acme) -> None:
    # when anything else asks for digits a star code reads (a park slot, say)
    with pytest.raises(ValidationError) as raised:
        check_number_free(acme.tenant, "*115")
    # then the star code is named
    assert "*11" in raised.value.message_dict["number"][0]
    # and plain numbers are not the star codes' business
    check_number_free(acme.tenant, "115")


def test_extension_numbers_are_not_hindered_by_star_codes(acme) -> None:
    extension = directory.check_create_extension(acme.tenant, actor=None, number="11", display_name="Eleven")
    assert extension.number == "11"


def test_reset_star_codes_puts_back_the_defaults_even_swapped_ones(acme) -> None:
    # given DND on and off swapped through a free code
    services.check_update_star_code(acme.tenant, actor=None, code=code(acme, "dnd_on"), digits="*71")
    services.check_update_star_code(acme.tenant, actor=None, code=code(acme, "dnd_off"), digits="*78")
    services.check_update_star_code(acme.tenant, actor=None, code=code(acme, "dnd_on"), digits="*79")
    ids = {c.kind: c.pk for c in StarCode.objects.for_tenant(acme.tenant)}
    # when
    services.check_reset_star_codes(acme.tenant, actor=acme.admin)
    # then the defaults are back, on the same rows
    assert table(acme) == DEFAULT_DIGITS
    assert {c.kind: c.pk for c in StarCode.objects.for_tenant(acme.tenant)} == ids


# --- portal ---------------------------------------------------------------------------------
def test_portal_list_shows_codes_to_every_member_and_edit_links_to_the_admin(acme) -> None:
    dnd_on = code(acme, "dnd_on")
    # the admin sees the table with the links to change it
    response = logged_in(acme.admin).get("/portal/star-codes/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "*110049892343123" in body and "**11" in body
    assert f"/portal/star-codes/{dnd_on.pk}/" in body
    # a user sees the same table, read only
    response = logged_in(acme.user).get("/portal/star-codes/")
    assert response.status_code == 200
    assert "*110049892343123" in response.content.decode()
    assert f"/portal/star-codes/{dnd_on.pk}/" not in response.content.decode()
    assert logged_in(acme.user).get(f"/portal/star-codes/{dnd_on.pk}/").status_code == 403
    assert logged_in(acme.user).post(f"/portal/star-codes/{dnd_on.pk}/", {"digits": "*71"}).status_code == 403
    assert logged_in(acme.user).post("/portal/star-codes/reset/").status_code == 403
    assert table(acme)["dnd_on"] == "*78"


def test_portal_list_in_german(acme) -> None:
    client = logged_in(acme.user)
    response = client.get("/portal/star-codes/", HTTP_ACCEPT_LANGUAGE="de")
    assert "Immer umleiten" in response.content.decode()


def test_portal_edit_collision_shows_the_error_and_changes_nothing(acme) -> None:
    client = logged_in(acme.admin)
    dnd_on = code(acme, "dnd_on")
    # when
    response = client.post(f"/portal/star-codes/{dnd_on.pk}/", {"digits": "*1"})
    # then
    assert response.status_code == 200
    assert "*10" in response.content.decode()
    assert table(acme)["dnd_on"] == "*78"
    # and a good code is saved
    response = client.post(f"/portal/star-codes/{dnd_on.pk}/", {"digits": "*71"})
    assert response.status_code == 302
    assert table(acme)["dnd_on"] == "*71"


def test_portal_reset_and_other_tenants_code(acme, globex) -> None:
    client = logged_in(acme.admin)
    services.check_update_star_code(acme.tenant, actor=None, code=code(acme, "dnd_on"), digits="*71")
    assert client.post("/portal/star-codes/reset/").status_code == 302
    assert table(acme)["dnd_on"] == "*78"
    other = code(globex, "dnd_on")
    assert client.get(f"/portal/star-codes/{other.pk}/").status_code == 404
    assert client.post(f"/portal/star-codes/{other.pk}/", {"digits": "*71"}).status_code == 404
    assert table(globex)["dnd_on"] == "*78"


# --- API ----------------------------------------------------------------------------------
def test_api_admin_reads_and_changes_a_code(acme) -> None:
    api = key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ, Scope.ADMIN_WRITE])[1])
    listed = api.get("/api/v1/star-codes/")
    assert listed.status_code == 200
    rows = listed.json()["results"] if isinstance(listed.json(), dict) else listed.json()
    forward = next(row for row in rows if row["kind"] == "forward_always")
    assert forward["digits"] == "*11" and forward["usage"] == "*1133, *110049892343123, *11*791"
    dnd_on = code(acme, "dnd_on")
    changed = api.patch(f"/api/v1/star-codes/{dnd_on.pk}/", {"digits": "*71"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["digits"] == "*71" and changed.json()["default_digits"] == "*78"
    assert table(acme)["dnd_on"] == "*71"


def test_api_collision_is_400_and_changes_nothing(acme) -> None:
    api = key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ, Scope.ADMIN_WRITE])[1])
    dnd_on = code(acme, "dnd_on")
    response = api.patch(f"/api/v1/star-codes/{dnd_on.pk}/", {"digits": "*1"}, format="json")
    assert response.status_code == 400
    assert "digits" in response.json()["errors"]
    unknown = api.patch(f"/api/v1/star-codes/{dnd_on.pk}/", {"digits": "*71", "kind": "dnd_off"}, format="json")
    assert unknown.status_code == 400
    assert table(acme)["dnd_on"] == "*78"


def test_api_user_reads_but_cannot_change(acme) -> None:
    session = logged_in(acme.user)
    assert session.get("/api/v1/star-codes/").status_code == 200
    dnd_on = code(acme, "dnd_on")
    response = session.patch(f"/api/v1/star-codes/{dnd_on.pk}/", {"digits": "*71"}, content_type="application/json")
    assert response.status_code == 403
    assert session.post("/api/v1/star-codes/reset/").status_code == 403
    read_only = key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ])[1])
    assert read_only.patch(f"/api/v1/star-codes/{dnd_on.pk}/", {"digits": "*71"}, format="json").status_code == 403
    assert table(acme)["dnd_on"] == "*78"


def test_api_other_tenants_code_is_404(acme, globex) -> None:
    api = key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ, Scope.ADMIN_WRITE])[1])
    other = code(globex, "dnd_on")
    assert api.get(f"/api/v1/star-codes/{other.pk}/").status_code == 404
    assert api.patch(f"/api/v1/star-codes/{other.pk}/", {"digits": "*71"}, format="json").status_code == 404
    assert table(globex)["dnd_on"] == "*78"
    assert len(api.get("/api/v1/star-codes/?kind=dnd_on").json()["results"]) == 1


def test_api_reset_puts_back_the_defaults(acme) -> None:
    api = key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ, Scope.ADMIN_WRITE])[1])
    services.check_update_star_code(acme.tenant, actor=None, code=code(acme, "dnd_on"), digits="*71")
    response = api.post("/api/v1/star-codes/reset/")
    assert response.status_code == 200
    assert {row["kind"]: row["digits"] for row in response.json()} == DEFAULT_DIGITS

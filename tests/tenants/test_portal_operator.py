"""Operator pages: tenants (list, create, licences, suspend/reactivate, tryout) and the whole audit log."""

from __future__ import annotations

import pytest
from django.test import Client

from tenants import services
from tenants.choices import Feature, Role, TenantStatus
from tenants.models import AuditEntry, Licence, Membership, Tenant, User

pytestmark = pytest.mark.django_db


def create_form(**overrides: object) -> dict[str, object]:
    return {
        "name": "Initech",
        "slug": "initech",
        "sip_domain": "",
        "time_zone": "Europe/Berlin",
        "language": "de",
        "country": "DE",
        "tryout": "on",
        "user_licences": "0",
        "admin_email": "boss@initech.example.com",
        "admin_name": "Bill Lumbergh",
        **overrides,
    }


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_operator_creates_tenant_in_tryout_with_first_admin_invited(
    operator_client, operator, django_capture_on_commit_callbacks, mailoutbox
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post("/operator/tenants/new/", create_form())

    # then
    tenant = Tenant.objects.get(slug="initech")
    assert response.status_code == 302
    assert response.url == f"/operator/tenants/{tenant.pk}/"
    assert tenant.status == TenantStatus.TRYOUT
    assert tenant.sip_domain == "initech.sip.centrex.test"
    assert tenant.language == "de"
    admin = Membership.objects.for_tenant(tenant).select_related("user").get()
    assert (admin.user.email, admin.user.full_name, admin.role) == ("boss@initech.example.com", "Bill Lumbergh", Role.ADMIN)
    assert [message.to for message in mailoutbox] == [["boss@initech.example.com"]]
    assert AuditEntry.objects.for_tenant(tenant).filter(actor=operator, action="tenant.create").exists()
    page = operator_client.get(response.url)
    assert "Tenant Initech was created." in page.content.decode()
    assert "boss@initech.example.com" in page.content.decode()


def test_operator_creates_licensed_tenant_outside_tryout(operator_client):
    # when
    response = operator_client.post("/operator/tenants/new/", create_form(tryout="", user_licences="25"))

    # then
    assert response.status_code == 302
    tenant = Tenant.objects.get(slug="initech")
    assert tenant.status == TenantStatus.ACTIVE
    assert Licence.objects.for_tenant(tenant).get(feature=Feature.USERS).quantity == 25


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "acme"}, "Another tenant already uses this short name."),
        ({"sip_domain": "acme.sip.centrex.test"}, "Another tenant already uses this SIP domain."),
        ({"sip_domain": "not a domain"}, "Enter a valid domain name in lower case"),
        ({"slug": "in_itech"}, "Use 1 to 63 lower-case letters, digits and hyphens"),
        ({"admin_email": "user@acme.example.com"}, "A user with this e-mail address already exists."),
        ({"tryout": "", "user_licences": "0"}, "This tenant has no user licences yet."),
        ({"country": "ZZ"}, "ZZ is not a known two-letter country code."),
    ],
)
def test_operator_create_tenant_with_bad_input_shows_form_error_and_creates_nothing(operator_client, acme, overrides, message):
    # given
    tenants, users = Tenant.objects.count(), User.objects.count()

    # when
    response = operator_client.post("/operator/tenants/new/", create_form(**overrides))

    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors
    assert (Tenant.objects.count(), User.objects.count()) == (tenants, users)


def test_operator_create_tenant_duplicate_admin_email_is_shown_on_that_field(operator_client, acme):
    # when
    response = operator_client.post("/operator/tenants/new/", create_form(admin_email=acme.user.email))

    # then
    assert response.context["form"].errors == {"admin_email": ["A user with this e-mail address already exists."]}


def test_operator_sets_licences_of_a_tenant(operator_client, acme):
    # when
    response = operator_client.post(
        f"/operator/tenants/{acme.tenant.pk}/", {"action": "licence", "feature": "fax", "quantity": "4"}, follow=True
    )

    # then
    assert "The licences were updated." in messages_of(response)
    assert Licence.objects.for_tenant(acme.tenant).get(feature=Feature.FAX).quantity == 4


def test_operator_sets_user_licences_below_active_users_sees_form_error(operator_client, acme):
    # when
    response = operator_client.post(
        f"/operator/tenants/{acme.tenant.pk}/", {"action": "licence", "feature": "users", "quantity": "2"}
    )

    # then
    assert response.status_code == 200
    assert response.context["licence_form"].errors == {
        "quantity": ["3 users are active: deactivate users before reducing the licences."]
    }
    assert Licence.objects.for_tenant(acme.tenant).get(feature=Feature.USERS).quantity == 10


def test_operator_buying_licences_for_a_tryout_tenant_makes_it_active(operator_client, operator):
    # given
    tenant = services.check_create_tenant(actor=operator, name="Initech", slug="initech")

    # when
    operator_client.post(f"/operator/tenants/{tenant.pk}/", {"action": "licence", "feature": "users", "quantity": "5"})

    # then
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.ACTIVE
    assert tenant.licences_purchased_at is not None


def test_operator_suspends_and_reactivates_a_tenant(operator_client, acme):
    # when
    suspended = operator_client.post(f"/operator/tenants/{acme.tenant.pk}/", {"action": "suspend"}, follow=True)
    acme.tenant.refresh_from_db()
    status_while_suspended = acme.tenant.status
    reactivated = operator_client.post(f"/operator/tenants/{acme.tenant.pk}/", {"action": "reactivate"}, follow=True)

    # then
    assert status_while_suspended == TenantStatus.SUSPENDED
    assert "The tenant was suspended." in messages_of(suspended)
    assert 'value="reactivate"' in suspended.content.decode()
    assert "The tenant was reactivated." in messages_of(reactivated)
    acme.tenant.refresh_from_db()
    assert acme.tenant.status == TenantStatus.ACTIVE


def test_operator_starts_tryout_once(operator_client, operator):
    # given
    tenant = services.check_create_tenant(actor=operator, name="Initech", slug="initech", tryout=False)

    # when
    first = operator_client.post(f"/operator/tenants/{tenant.pk}/", {"action": "tryout"}, follow=True)
    second = operator_client.post(f"/operator/tenants/{tenant.pk}/", {"action": "tryout"}, follow=True)

    # then
    assert "The tryout was started." in messages_of(first)
    assert "This tenant has already used its tryout." in messages_of(second)
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.TRYOUT
    assert AuditEntry.objects.for_tenant(tenant).filter(action="tenant.tryout").count() == 1


def test_operator_tenant_list_shows_and_searches_tenants(operator_client, acme, globex):
    # when
    everything = operator_client.get("/operator/tenants/")
    searched = operator_client.get("/operator/tenants/", {"q": "glob"})

    # then
    assert [tenant.slug for tenant in everything.context["tenants"]] == ["acme", "globex"]
    assert [tenant.active_users for tenant in everything.context["tenants"]] == [3, 3]
    assert [tenant.slug for tenant in searched.context["tenants"]] == ["globex"]


def test_operator_unknown_tenant_is_not_found(operator_client):
    # when
    response = operator_client.get("/operator/tenants/00000000-0000-0000-0000-000000000000/")

    # then
    assert response.status_code == 404


def test_operator_audit_log_shows_every_tenant(operator_client, acme, globex):
    # when
    response = operator_client.get("/operator/audit/")

    # then
    tenants = {entry.tenant_id for entry in response.context["entries"]}
    assert {acme.tenant.pk, globex.tenant.pk} <= tenants
    assert "admin@globex.example.com" in response.content.decode()
    assert "admin@acme.example.com" in response.content.decode()


@pytest.mark.parametrize("path", ["/operator/tenants/", "/operator/tenants/new/", "/operator/audit/"])
def test_tenant_admin_and_end_user_cannot_open_operator_pages(acme, path):
    # given
    clients = []
    for user in (acme.admin, acme.user):
        client = Client()
        client.force_login(user)
        clients.append(client)

    # when
    statuses = [client.get(path).status_code for client in clients]

    # then
    assert statuses == [403, 403]


def test_operator_pages_send_anonymous_visitors_to_login(db):
    # when
    response = Client().get("/operator/tenants/")

    # then
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/operator/tenants/"

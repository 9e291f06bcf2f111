"""Call records in the portal: admins see the tenant's calls, users their own; filters; isolation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from telephony.directory import services as directory_services
from tests.cdr.factories import record_call
from tests.conftest import TenantSet, logged_in


@pytest.fixture
def calls(acme: TenantSet, globex: TenantSet):
    """acme: the user's extension 201 and the other user's 202 with calls; globex: a call of its own."""
    own = directory_services.check_create_extension(acme.tenant, actor=None, number="201", display_name="Own", user=acme.user)
    other = directory_services.check_create_extension(
        acme.tenant, actor=None, number="202", display_name="Other", user=acme.other_user
    )
    foreign = directory_services.check_create_extension(globex.tenant, actor=None, number="201", display_name="Foreign")
    return {
        "own_internal": record_call(
            acme.tenant, extension=own, destination="202", started_at=datetime(2026, 11, 20, 9, tzinfo=UTC)
        ),
        "own_outbound": record_call(
            acme.tenant,
            extension=own,
            direction="outbound",
            destination="+4930999",
            started_at=datetime(2026, 11, 21, 9, tzinfo=UTC),
        ),
        "other": record_call(acme.tenant, extension=other, destination="+4930777", direction="outbound"),
        "foreign": record_call(globex.tenant, extension=foreign, destination="+4930666", direction="outbound"),
    }


def shown(response) -> set[str]:
    assert response.status_code == 200
    return {str(record.pk) for record in response.context["records"]}


def test_admin_sees_all_calls_of_the_tenant_only(admin_client: Client, calls):
    response = admin_client.get("/portal/calls/all/")

    assert shown(response) == {str(calls["own_internal"].pk), str(calls["own_outbound"].pk), str(calls["other"].pk)}
    assert b"+4930666" not in response.content


def test_user_sees_only_own_calls(acme: TenantSet, calls):
    response = logged_in(acme.user).get("/portal/calls/")

    assert shown(response) == {str(calls["own_internal"].pk), str(calls["own_outbound"].pk)}


def test_user_cannot_open_the_tenant_call_list(acme: TenantSet, calls):
    response = logged_in(acme.user).get("/portal/calls/all/")

    assert response.status_code == 403


def test_admin_filters_by_direction_extension_and_dates(admin_client: Client, acme: TenantSet, calls):
    own_extension = calls["own_internal"].extension

    by_direction = shown(admin_client.get("/portal/calls/all/", {"direction": "outbound"}))
    by_extension = shown(admin_client.get("/portal/calls/all/", {"extension": str(own_extension.pk)}))
    by_day = shown(admin_client.get("/portal/calls/all/", {"since": "2026-11-21", "until": "2026-11-21"}))

    assert by_direction == {str(calls["own_outbound"].pk), str(calls["other"].pk)}
    assert by_extension == {str(calls["own_internal"].pk), str(calls["own_outbound"].pk)}
    assert by_day == {str(calls["own_outbound"].pk)}


def test_extension_of_another_tenant_is_not_a_filter_choice(admin_client: Client, calls):
    response = admin_client.get("/portal/calls/all/", {"extension": str(calls["foreign"].extension.pk)})

    assert response.status_code == 200
    assert "extension" in response.context["filter_form"].errors
    assert shown(response) == set()


def test_reversed_date_range_is_a_form_error(admin_client: Client, calls):
    response = admin_client.get("/portal/calls/all/", {"since": "2026-11-22", "until": "2026-11-01"})

    assert "until" in response.context["filter_form"].errors
    assert shown(response) == set()


def test_list_is_paginated(admin_client: Client, acme: TenantSet):
    extension = directory_services.check_create_extension(acme.tenant, actor=None, number="301", display_name="Busy")
    for _ in range(51):
        record_call(acme.tenant, extension=extension)

    first = admin_client.get("/portal/calls/all/")
    second = admin_client.get("/portal/calls/all/", {"page": 2})

    assert len(shown(first)) == 50
    assert len(shown(second)) == 1


def test_page_is_translated(acme: TenantSet, calls):
    client = logged_in(acme.user)

    german = client.get("/portal/calls/", HTTP_ACCEPT_LANGUAGE="de")
    french = client.get("/portal/calls/", HTTP_ACCEPT_LANGUAGE="fr")

    assert "Meine Anrufe" in german.content.decode()
    assert "Mes appels" in french.content.decode()

"""Number routing and caller-ID rules through the API: tenant-scoped, validated, 404 for other tenants."""

from __future__ import annotations

import pytest

from centrex.api.scopes import Scope
from telephony.directory import services as directory
from telephony.forwarding.models import CallerIdRule, NumberRoute, TimeRange
from telephony.groups import services as groups
from telephony.groups.services import GroupInput
from tests.api.conftest import key_client, make_key


@pytest.fixture
def acme_api(acme):
    return key_client(make_key(acme.tenant, acme.admin, [Scope.ADMIN_READ, Scope.ADMIN_WRITE])[1])


@pytest.fixture
def globex_api(globex):
    return key_client(make_key(globex.tenant, globex.admin, [Scope.ADMIN_READ, Scope.ADMIN_WRITE])[1])


@pytest.fixture
def numbers(acme):
    return [
        directory.check_add_phone_number(actor=None, number=f"+4989765432{n}", tenant=acme.tenant, label=f"N{n}") for n in (0, 1)
    ]


@pytest.fixture
def sales(acme):
    extension = directory.check_create_extension(acme.tenant, actor=acme.admin, number="101", display_name="Anna")
    return groups.check_create_group(
        acme.tenant, actor=acme.admin, data=GroupInput(name="Sales", short_number="300", members=[extension.pk])
    )


def schedule_body(acme, sales) -> dict:
    office = TimeRange.objects.for_tenant(acme.tenant).get(is_default=True)
    return {
        "destination": "schedule",
        "ranges": {str(office.pk): {"kind": "group", "group": str(sales.pk)}},
        "holiday": {"kind": "announcement"},
        "outside": {"kind": "hangup"},
    }


def test_api_route_number_by_time_range_and_read_it_back(acme, acme_api, numbers, sales):
    # when
    response = acme_api.put(f"/api/v1/number-routing/{numbers[0].pk}/", schedule_body(acme, sales), format="json")
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["destination"] == "schedule"
    assert list(body["ranges"].values()) == [{"kind": "group", "extension": None, "group": str(sales.pk), "announcement": None}]
    assert body["holiday"]["kind"] == "announcement" and body["outside"]["kind"] == "hangup"
    assert acme_api.get(f"/api/v1/number-routing/{numbers[0].pk}/").json() == body
    assert NumberRoute.objects.filter(phone_number=numbers[0]).count() == 3


def test_api_route_number_bad_input_is_400_with_field_messages_and_changes_nothing(acme, acme_api, numbers, sales):
    body = schedule_body(acme, sales)
    del body["outside"]
    response = acme_api.put(f"/api/v1/number-routing/{numbers[0].pk}/", body, format="json")
    assert response.status_code == 400
    assert "outside" in response.json()["errors"]
    assert not NumberRoute.objects.exists()


def test_api_number_routing_of_another_tenant_is_404(acme, numbers, sales, globex_api):
    assert globex_api.get(f"/api/v1/number-routing/{numbers[0].pk}/").status_code == 404
    assert (
        globex_api.put(f"/api/v1/number-routing/{numbers[0].pk}/", schedule_body(acme, sales), format="json").status_code == 404
    )
    assert not NumberRoute.objects.exists()


def test_api_caller_id_rule_create_and_isolation(acme, acme_api, numbers, globex_api):
    body = {"presented_number": str(numbers[0].pk), "numbers": [str(numbers[1].pk)]}
    response = acme_api.post("/api/v1/caller-id-rules/", body, format="json")
    assert response.status_code == 201, response.content
    rule_id = response.json()["id"]
    assert CallerIdRule.objects.get(pk=rule_id).numbers.get() == numbers[1]
    # a number in a second rule is refused
    assert acme_api.post("/api/v1/caller-id-rules/", body, format="json").status_code == 400
    # another tenant sees nothing and cannot use acme's numbers
    assert globex_api.get(f"/api/v1/caller-id-rules/{rule_id}/").status_code == 404
    assert globex_api.post("/api/v1/caller-id-rules/", body, format="json").status_code == 400
    assert CallerIdRule.objects.count() == 1

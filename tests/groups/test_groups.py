"""Hunt groups through services, state, portal and API."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections

from centrex.api.scopes import Scope
from telephony.directory import services as directory
from telephony.groups import services, state, summaries
from telephony.groups.models import HuntGroup
from telephony.groups.services import GroupInput
from tenants.models import AuditEntry
from tests.api.conftest import key_client, make_key
from tests.conftest import logged_in


@pytest.fixture
def extensions(acme):
    return [
        directory.check_create_extension(acme.tenant, actor=acme.admin, number=str(n), display_name=f"User {n}")
        for n in (101, 102, 103, 104)
    ]


def make_group(acme, extensions, **changes):
    data = GroupInput(
        name="Sales", short_number="273", strategy="cyclic", ring_count=3, cycles=3, members=[e.pk for e in extensions]
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return services.check_create_group(acme.tenant, actor=acme.admin, data=data)


def test_create_group_with_members_in_order(acme, extensions):
    group = make_group(acme, list(reversed(extensions)))
    assert [m.extension.number for m in group.members.all()] == ["104", "103", "102", "101"]
    assert AuditEntry.objects.filter(action="group.create", tenant=acme.tenant).exists()


@pytest.mark.parametrize("number", ["199", "1000", "99", "12a", "0273"])
def test_short_number_outside_200_999_is_refused(acme, extensions, number):
    with pytest.raises(ValidationError) as error:
        make_group(acme, extensions, short_number=number)
    assert "short_number" in error.value.message_dict
    assert not HuntGroup.objects.exists()


def test_short_number_273_is_accepted_and_collides_with_extensions_and_groups(acme, extensions):
    make_group(acme, extensions)
    with pytest.raises(ValidationError, match="already uses 273"):
        make_group(acme, extensions, name="Other")
    # an extension cannot take the group's number either
    with pytest.raises(ValidationError):
        directory.check_create_extension(acme.tenant, actor=acme.admin, number="273", display_name="Clash")
    # and a group cannot take an extension's number
    directory.check_create_extension(acme.tenant, actor=acme.admin, number="300", display_name="Three hundred")
    with pytest.raises(ValidationError, match="300"):
        make_group(acme, extensions, short_number="300")


def test_divert_number_must_start_with_0(acme, extensions):
    with pytest.raises(ValidationError) as error:
        make_group(acme, extensions, no_answer_action="number", no_answer_number="217211112")
    assert "no_answer_number" in error.value.message_dict
    group = make_group(acme, extensions, no_answer_action="number", no_answer_number="021 721 11 12")
    assert group.no_answer_number == "0217211112"


def test_members_and_targets_must_belong_to_the_tenant(acme, globex, extensions):
    other = directory.check_create_extension(globex.tenant, actor=globex.admin, number="101", display_name="G")
    with pytest.raises(ValidationError) as error:
        make_group(acme, [extensions[0], other])
    assert "members" in error.value.message_dict
    other_group = services.check_create_group(
        globex.tenant, actor=globex.admin, data=GroupInput(name="G", short_number="400", members=[other.pk])
    )
    with pytest.raises(ValidationError) as error:
        make_group(acme, extensions, no_answer_action="group", no_answer_group=other_group.pk)
    assert "no_answer_group" in error.value.message_dict
    assert not HuntGroup.objects.for_tenant(acme.tenant).exists()


def test_group_referenced_by_another_cannot_be_deleted(acme, extensions):
    first = make_group(acme, extensions)
    make_group(acme, extensions, name="Overflow", short_number="274", no_answer_action="group", no_answer_group=first.pk)
    with pytest.raises(ValidationError, match="diverts to this group"):
        services.check_delete_group(acme.tenant, actor=acme.admin, group=first)
    assert HuntGroup.objects.filter(pk=first.pk).exists()


def test_summary_sentence_in_english_and_french(acme, extensions):
    from django.utils import translation

    group = make_group(acme, extensions)
    text = summaries.group_summary(group, 4)
    assert "ring 3 times in turn for 3 cycles" in text
    assert "within 3 minutes" in text
    with translation.override("fr"):
        assert "3 minutes" in summaries.group_summary(group, 4)


def test_cyclic_claims_rotate_and_follow_the_answerer(acme, extensions):
    ids = [str(e.pk) for e in extensions]
    tenant, group = str(acme.tenant.pk), "g1"
    assert state.claim(tenant, group, "cyclic", ids).cyclic_start == 0
    assert state.claim(tenant, group, "cyclic", ids).cyclic_start == 1
    state.record_answer(tenant, group, ids[2])
    assert state.claim(tenant, group, "cyclic", ids).cyclic_start == 3


def test_two_calls_at_once_start_with_different_members(acme, extensions):
    # given
    ids = [str(e.pk) for e in extensions]
    tenant = str(acme.tenant.pk)
    starts, barrier = [], threading.Barrier(8)

    def call() -> None:
        barrier.wait()
        starts.append(state.claim(tenant, "g2", "cyclic", ids).cyclic_start)
        close_old_connections()

    threads = [threading.Thread(target=call) for _ in range(8)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: 8 calls on 4 members: each member starts exactly twice
    assert sorted(starts) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_least_active_concurrent_calls_go_to_different_members(acme, extensions):
    ids = [str(e.pk) for e in extensions]
    tenant = str(acme.tenant.pk)
    for i, ext_id in enumerate(ids):
        state.mark_idle(tenant, ext_id, when=1000.0 + i)
    chosen, barrier = [], threading.Barrier(3)

    def call() -> None:
        barrier.wait()
        claimed = state.claim(tenant, "g3", "least_active", ids, now=5000.0)
        chosen.append(min(claimed.idle_since, key=claimed.idle_since.get))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(chosen) == sorted(ids[:3])


def test_portal_create_and_edit_group(admin_client, acme, extensions):
    response = admin_client.post(
        "/portal/groups/new/",
        {
            "name": "Support",
            "short_number": "273",
            "strategy": "cyclic",
            "ring_count": "3",
            "cycles": "3",
            "members": "102, 101",
            "no_answer_action": "hangup",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    group = HuntGroup.objects.get()
    page = admin_client.get("/portal/groups/").content.decode()
    assert "Support" in page and "within 2 min 15 s" not in page and "ring 3 times in turn" in page
    bad = admin_client.post(
        f"/portal/groups/{group.pk}/",
        {
            "name": "Support",
            "short_number": "1401",
            "strategy": "cyclic",
            "ring_count": "3",
            "cycles": "3",
            "members": "102, 999",
            "no_answer_action": "hangup",
        },
    )
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "999" in body
    group.refresh_from_db()
    assert group.short_number == "273"


def test_api_groups_and_isolation(acme, globex, extensions):
    api = key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ, Scope.ADMIN_WRITE])[1])
    created = api.post(
        "/api/v1/groups/",
        {
            "name": "Sales",
            "short_number": "273",
            "strategy": "random",
            "ring_count": 2,
            "cycles": 2,
            "members": [str(e.pk) for e in extensions[:2]],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert "random order" in created.json()["summary"]
    bad = api.patch(f"/api/v1/groups/{created.json()['id']}/", {"short_number": "1000"}, format="json")
    assert bad.status_code == 400
    assert "short_number" in bad.json()["errors"]
    read_only = key_client(make_key(acme.tenant, acme.admin, [Scope.DIRECTORY_READ])[1])
    assert read_only.delete(f"/api/v1/groups/{created.json()['id']}/").status_code == 403
    # another tenant's group is not found anywhere
    other_ext = directory.check_create_extension(globex.tenant, actor=globex.admin, number="101", display_name="G")
    other = services.check_create_group(
        globex.tenant, actor=globex.admin, data=GroupInput(name="G", short_number="400", members=[other_ext.pk])
    )
    assert api.get(f"/api/v1/groups/{other.pk}/").status_code == 404
    assert api.delete(f"/api/v1/groups/{other.pk}/").status_code == 404
    assert logged_in(acme.admin).get(f"/portal/groups/{other.pk}/").status_code == 404
    assert HuntGroup.objects.filter(pk=other.pk).exists()

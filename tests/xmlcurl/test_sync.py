"""schedule_sync: after commit, cached answers are dropped and every node is told what to reload."""

from __future__ import annotations

import pytest
from django.db import transaction

from telephony.freeswitch import cache
from telephony.freeswitch.sync import schedule_sync, schedule_tenant_sync


@pytest.fixture
def sent(node_commands) -> list[tuple[str, dict]]:
    """The commands queued for the nodes from now on (recorded at the Celery boundary by ``node_commands``)."""
    node_commands.clear()
    return node_commands


def test_directory_change_flushes_cache_and_nodes_after_commit(tenant_a, sent, django_capture_on_commit_callbacks):
    # given a cached directory answer for 1001
    tenant_id = str(tenant_a.tenant.pk)
    cache.set_directory(tenant_id, "1001", "<document/>")

    # when a change to 1001 is scheduled inside a transaction
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        schedule_sync(tenant_id, directory_users=["1001"])
    # then nothing happens before the commit
    assert sent == []
    assert cache.get_directory(tenant_id, "1001") == "<document/>"
    for callback in callbacks:
        callback()

    # and after it the cache is dropped and the nodes flush exactly that user of that domain
    assert cache.get_directory(tenant_id, "1001") is None
    assert sent == [("flush_user", {"user": "1001", "domain": "tenant-a.example"})]


def test_rolled_back_change_sends_nothing(tenant_a, sent, django_capture_on_commit_callbacks):
    tenant_id = str(tenant_a.tenant.pk)
    cache.set_directory(tenant_id, "1001", "<document/>")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        schedule_sync(tenant_id, directory_users=["1001"], dialplan=True)
        raise RuntimeError("rolled back")

    assert sent == []
    assert cache.get_directory(tenant_id, "1001") == "<document/>"


def test_dialplan_change_reloads_xml_and_voids_tenant_answers(tenant_a, sent, django_capture_on_commit_callbacks):
    # given answers of two users cached in the current generation
    tenant_id = str(tenant_a.tenant.pk)
    entry = cache.DomainEntry(tenant_id, "tenant-a.example")
    before = cache.generation(tenant_id)
    for user in ("1001", "1002"):
        cache.set_directory(tenant_id, user, "<document/>", sip_domain="tenant-a.example", generation=before)
    assert cache.get_directory_for(entry, "1001", before) == "<document/>"

    # when a dialplan change of the tenant is synced
    with django_capture_on_commit_callbacks(execute=True):
        schedule_sync(tenant_id, dialplan=True)

    # then the nodes reload and neither answer counts any more
    assert sent == [("reloadxml", {})]
    now = cache.generation(tenant_id)
    assert now != before
    assert cache.get_directory_for(entry, "1001", now) is None
    assert cache.get_directory_for(entry, "1002", now) is None


def test_gateway_and_acl_changes_rescan_and_reload(db, sent, django_capture_on_commit_callbacks):
    cache.set_configuration("sofia.conf", "<document/>")
    cache.set_configuration("acl.conf", "<document/>")

    with django_capture_on_commit_callbacks(execute=True):
        schedule_sync(None, gateways=True)

    assert sent == [("sofia_rescan", {"profile": "external"}), ("reloadacl", {})]
    assert cache.get_configuration("sofia.conf") is None
    assert cache.get_configuration("acl.conf") is None


def test_whole_tenant_sync_flushes_every_device_and_the_domain(tenant_a, sent, django_capture_on_commit_callbacks):
    tenant_id = str(tenant_a.tenant.pk)
    cache.set_domain("tenant-a.example", cache.DomainEntry(tenant_id, "tenant-a.example"))

    with django_capture_on_commit_callbacks(execute=True):
        schedule_tenant_sync(tenant_id)

    assert cache.get_domain("tenant-a.example") is None
    flushed = sorted(args["user"] for name, args in sent if name == "flush_user")
    assert flushed == ["1001", "1002", "1003"]
    assert ("reloadxml", {}) in sent


def test_directory_users_without_tenant_is_a_programming_error(db):
    with pytest.raises(ValueError):
        schedule_sync(None, directory_users=["1001"])


def test_tenant_domain_change_drops_the_old_and_new_domain_everywhere(tenant_a, sent, django_capture_on_commit_callbacks):
    from tenants import services as tenants

    # given the node and the control plane know the tenant by its domain
    tenant_id = str(tenant_a.tenant.pk)
    cache.set_domain("tenant-a.example", cache.DomainEntry(tenant_id, "tenant-a.example"))
    cache.set_domain("pbx.tenant-a.example", None)  # a cached "not found" for the new name
    # when the admin's service changes the SIP domain
    with django_capture_on_commit_callbacks(execute=True):
        tenants.check_update_tenant(tenant_a.tenant, actor=None, sip_domain="pbx.tenant-a.example")
    # then both names are dropped, the nodes flush the users under both and reload the dialplan
    assert cache.get_domain("tenant-a.example") is None
    assert cache.get_domain("pbx.tenant-a.example") is None
    domains = {args["domain"] for name, args in sent if name == "flush_user"}
    assert domains == {"tenant-a.example", "pbx.tenant-a.example"}
    assert ("reloadxml", {}) in sent

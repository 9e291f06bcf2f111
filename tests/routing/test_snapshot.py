"""Building the routing snapshot from the database, caching it, and dropping it on every change."""

from __future__ import annotations

from telephony.calls import snapshot as snapshots
from telephony.calls.routing import CallerIdMode, ClassOfService, TenantState
from telephony.directory import services as directory
from telephony.freeswitch import services as switch
from tests.routing.conftest import Site


def test_build_snapshot_reads_the_tenants_routing_configuration(site: Site) -> None:
    # when
    snapshot = snapshots.build_snapshot(str(site.tenant.pk))
    # then
    assert snapshot is not None
    assert (snapshot.tenant_id, snapshot.sip_domain, snapshot.country) == (str(site.tenant.pk), "tenant-a.example", "DE")
    assert snapshot.status == TenantState.ACTIVE
    assert snapshot.main_number == "+49891234560"
    assert snapshot.max_outside_calls == 2
    assert snapshot.trunks == ("carrier-a", "carrier-b")
    assert snapshot.numbers == {"+49891234560": None, "+49891234561": "1001"}
    assert snapshot.devices == {"1001": "1001", "1002": "1002", "1003": "1003"}
    first, second, third = (snapshot.extensions[n] for n in ("1001", "1002", "1003"))
    assert (first.own_number, first.devices, first.class_of_service) == ("+49891234561", ("1001",), ClassOfService.NATIONAL)
    assert (second.caller_id_mode, second.class_of_service) == (CallerIdMode.MAIN, ClassOfService.INTERNATIONAL)
    assert third.class_of_service == ClassOfService.INTERNAL


def test_build_snapshot_takes_a_fixed_number_of_queries_whatever_the_size(site: Site, django_assert_num_queries) -> None:
    # given many more extensions and devices
    for number in range(2000, 2030):
        extension = directory.check_create_extension(site.tenant, actor=None, number=str(number), display_name="x")
        directory.check_create_device(site.tenant, actor=None, extension=extension)
    # when / then
    # five for the directory and trunks; the rules of the active forwarding profiles (one query for all
    # extensions; DND comes with the extensions); hunt groups, company directory and caller-ID rules
    # (number routes, schedule and group members are read only when the tenant has them)
    with django_assert_num_queries(9):
        snapshot = snapshots.build_snapshot(str(site.tenant.pk))
    assert len(snapshot.extensions) == 33


def test_build_snapshot_leaves_out_inactive_devices(site: Site, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        directory.check_update_device(site.tenant, actor=None, device=site.devices["1002"], is_active=False)
    snapshot = snapshots.load_snapshot(str(site.tenant.pk))
    assert "1002" not in snapshot.devices
    assert snapshot.extensions["1002"].devices == ()


def test_build_snapshot_of_unknown_tenant_is_none(db: None) -> None:
    assert snapshots.load_snapshot("00000000-0000-0000-0000-000000000000") is None


def test_load_snapshot_second_time_costs_no_query(site: Site, django_assert_num_queries) -> None:
    # given
    first = snapshots.load_snapshot(str(site.tenant.pk))
    # when / then
    with django_assert_num_queries(0):
        again = snapshots.load_snapshot(str(site.tenant.pk))
    assert again == first


def test_snapshot_for_domain_cached_costs_no_query(site: Site, django_assert_num_queries) -> None:
    snapshots.snapshot_for_domain("tenant-a.example")
    with django_assert_num_queries(0):
        snapshot = snapshots.snapshot_for_domain("tenant-a.example")
    assert snapshot.tenant_id == str(site.tenant.pk)


def test_snapshot_for_domain_unknown_domain_is_none(site: Site) -> None:
    assert snapshots.snapshot_for_domain("nobody.example") is None


def test_snapshot_for_number_finds_the_owning_tenant_only(site: Site, other_site: Site, django_assert_num_queries) -> None:
    assert snapshots.snapshot_for_number("+49891234561").tenant_id == str(site.tenant.pk)
    assert snapshots.snapshot_for_number("+49309876541").tenant_id == str(other_site.tenant.pk)
    with django_assert_num_queries(0):
        assert snapshots.snapshot_for_number("+49891234561").tenant_id == str(site.tenant.pk)
    assert snapshots.snapshot_for_number("+4940111111") is None


def test_snapshot_change_through_directory_service_applies_to_next_call(site: Site, django_capture_on_commit_callbacks) -> None:
    # given a cached snapshot
    assert snapshots.load_snapshot(str(site.tenant.pk)).extensions["1001"].class_of_service == ClassOfService.NATIONAL
    # when the admin changes the class of service (the service schedules the sync)
    with django_capture_on_commit_callbacks(execute=True):
        directory.check_update_extension(
            site.tenant, actor=None, extension=site.extensions["1001"], class_of_service=ClassOfService.INTERNAL
        )
    # then
    assert snapshots.load_snapshot(str(site.tenant.pk)).extensions["1001"].class_of_service == ClassOfService.INTERNAL


def test_snapshot_change_rolled_back_leaves_the_cache_alone(site: Site, django_capture_on_commit_callbacks) -> None:
    before = snapshots.load_snapshot(str(site.tenant.pk))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        directory.check_update_telephony_settings(site.tenant, actor=None, access_code_required=True)
    # the callbacks never ran (as after a rollback): the cached snapshot is the one served
    assert callbacks
    assert snapshots.load_snapshot(str(site.tenant.pk)) == before


def test_snapshot_number_moved_to_another_tenant_follows_it(
    site: Site, other_site: Site, django_capture_on_commit_callbacks
) -> None:
    # given the DID known to ring tenant A
    number = site.numbers["1001"]
    assert snapshots.snapshot_for_number("+49891234561").tenant_id == str(site.tenant.pk)
    # when the operator moves it to tenant B
    with django_capture_on_commit_callbacks(execute=True):
        directory.check_assign_phone_number(actor=None, phone_number=number, tenant=None)
        directory.check_assign_phone_number(actor=None, phone_number=number, tenant=other_site.tenant)
    # then
    assert snapshots.snapshot_for_number("+49891234561").tenant_id == str(other_site.tenant.pk)


def test_snapshot_trunk_change_reaches_every_tenant(site: Site, other_site: Site, django_capture_on_commit_callbacks) -> None:
    # given both snapshots cached
    for tenant in (site.tenant, other_site.tenant):
        assert snapshots.load_snapshot(str(tenant.pk)).trunks == ("carrier-a", "carrier-b")
    # when the operator disables a trunk and the platform token is dropped
    with django_capture_on_commit_callbacks(execute=True):
        switch.check_update_trunk(actor=None, trunk=site.trunks[0], is_active=False)
    snapshots.invalidate_snapshot(None)
    # then
    for tenant in (site.tenant, other_site.tenant):
        assert snapshots.load_snapshot(str(tenant.pk)).trunks == ("carrier-b",)


def test_invalidate_snapshot_of_one_tenant_keeps_the_other_cached(
    site: Site, other_site: Site, django_assert_num_queries
) -> None:
    for tenant in (site.tenant, other_site.tenant):
        snapshots.load_snapshot(str(tenant.pk))
    snapshots.invalidate_snapshot(str(site.tenant.pk))
    with django_assert_num_queries(0):
        snapshots.load_snapshot(str(other_site.tenant.pk))
    # five for the directory and trunks; the rules of the active forwarding profiles (one query for all
    # extensions; DND comes with the extensions); hunt groups, company directory and caller-ID rules
    # (number routes, schedule and group members are read only when the tenant has them)
    with django_assert_num_queries(9):
        snapshots.load_snapshot(str(site.tenant.pk))


def test_snapshot_stale_writer_never_overwrites_a_newer_snapshot(site: Site, django_capture_on_commit_callbacks) -> None:
    # given a call that read the old configuration, then a change that committed meanwhile
    tenant_id = str(site.tenant.pk)
    stale = snapshots.build_snapshot(tenant_id)
    snapshots.load_snapshot(tenant_id)
    with django_capture_on_commit_callbacks(execute=True):
        directory.check_update_telephony_settings(site.tenant, actor=None, access_code_required=True)
    fresh = snapshots.load_snapshot(tenant_id)
    assert fresh.access_code_required and not stale.access_code_required
    # then the next call sees the fresh one: the stale one only ever lived under the old token
    assert snapshots.load_snapshot(tenant_id) == fresh


def test_snapshot_tenant_suspension_reaches_routing(site: Site, django_capture_on_commit_callbacks) -> None:
    from tenants import services as tenants

    # given a cached snapshot of an active tenant
    assert snapshots.load_snapshot(str(site.tenant.pk)).status == TenantState.ACTIVE
    # when the operator suspends the tenant
    with django_capture_on_commit_callbacks(execute=True):
        tenants.do_suspend_tenant(site.tenant, actor=None)
    # then the next call sees it
    assert snapshots.load_snapshot(str(site.tenant.pk)).status == TenantState.SUSPENDED


def test_snapshot_holds_only_its_own_tenants_data(site: Site, other_site: Site) -> None:
    # given two tenants with the same extension numbers and SIP user names
    mine = snapshots.load_snapshot(str(site.tenant.pk))
    theirs = snapshots.load_snapshot(str(other_site.tenant.pk))
    # then each snapshot lists its own numbers, domain and tenant only
    assert set(mine.numbers) == {"+49891234560", "+49891234561"}
    assert set(theirs.numbers) == {"+49309876540", "+49309876541"}
    assert (mine.sip_domain, theirs.sip_domain) == ("tenant-a.example", "tenant-b.example")
    assert snapshots.snapshot_for_domain("tenant-b.example").tenant_id == str(other_site.tenant.pk)
    assert mine.extensions["1001"].own_number == "+49891234561"
    assert theirs.extensions["1001"].own_number == "+49309876541"


def test_process_local_snapshots_are_bounded_by_extensions_not_by_count() -> None:
    from tests.routing.builders import extension, snapshot

    # given room for 10 extensions' worth of snapshots
    local = snapshots._LocalSnapshots(10)
    small = snapshot(extensions={"1001": extension("1001")})  # weight 2
    big = snapshot(extensions={str(n): extension(str(n)) for n in range(1001, 1008)})  # weight 8
    # when two small ones and then a big one are kept
    local.put("a", small)
    local.put("b", small)
    assert local.get("a") is small  # "a" is now the most recently used
    local.put("c", big)
    # then the least recently used is dropped until the big one fits, and the rest stay
    assert local.get("b") is None
    assert local.get("a") is small and local.get("c") is big
    assert local.used == 10
    # and one snapshot larger than the whole room is still kept (alone), so calls never rebuild in a loop
    huge = snapshot(extensions={str(n): extension(str(n)) for n in range(1001, 1031)})
    local.put("d", huge)
    assert [local.get(key) for key in "acd"] == [None, None, huge]

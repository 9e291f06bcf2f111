"""Bring the switch in line with the database after a change: drop cached answers, tell the nodes.

Services call ``schedule_sync`` inside their transaction. Nothing happens until the transaction
commits (a rolled-back change sends nothing); then, in this order,

1. the control plane's cached xml_curl answers concerned are dropped (``telephony.freeswitch.cache``),
2. every active node is asked, through ``telephony.freeswitch.tasks.broadcast_batch``, to drop its own
   XML cache for those users (``xml_flush_cache``), to ``reloadxml`` after dialplan changes, to
   rescan the external sofia profile after trunk changes, and to ``reloadacl`` after block-list changes.

So the next registration or call sees the change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from telephony.freeswitch import cache

logger = logging.getLogger(__name__)

# The sofia profile the platform's trunks (gateways) live on; see deploy/freeswitch/.
EXTERNAL_PROFILE = "external"


@dataclass(frozen=True)
class _Sync:
    tenant_id: str | None
    directory_users: tuple[str, ...]
    dialplan: bool
    gateways: bool
    acl: bool
    sip_domains: tuple[str, ...] = ()
    whole_tenant: bool = False


def schedule_sync(
    tenant_id: str | None,
    *,
    directory_users: Iterable[str] = (),
    dialplan: bool = False,
    gateways: bool = False,
    acl: bool = False,
) -> None:
    """After commit, drop the cached answers concerned and make every active node reload them.

    ``tenant_id`` is the tenant whose data changed (``None`` for platform-wide data: trunks, the
    block list). ``directory_users`` are the SIP user names (device ``sip_username``) of that
    tenant whose directory entry changed, including created and deleted ones.
    """
    users = tuple(dict.fromkeys(str(user) for user in directory_users))
    if users and tenant_id is None:
        raise ValueError("directory users belong to a tenant: pass its id")
    job = _Sync(str(tenant_id) if tenant_id else None, users, dialplan, gateways, acl)
    transaction.on_commit(lambda: run_sync(job), robust=True)


def schedule_tenant_sync(tenant_id: str, *, sip_domains: Iterable[str] = (), sip_users: Iterable[str] = ()) -> None:
    """After commit, drop everything cached for a tenant (domain, all users, routing snapshot).

    For changes that touch the tenant as a whole: created, SIP domain changed, suspended or
    reactivated, deleted. Pass the old ``sip_domains`` when the domain changed, and the
    ``sip_users`` when the tenant's devices are already gone (deletion); the current domain and
    devices are looked up after commit.
    """
    job = _Sync(
        str(tenant_id),
        tuple(dict.fromkeys(sip_users)),
        dialplan=True,
        gateways=False,
        acl=False,
        sip_domains=tuple(dict.fromkeys(sip_domains)),
        whole_tenant=True,
    )
    transaction.on_commit(lambda: run_sync(job), robust=True)


def run_sync(job: _Sync) -> None:
    """Do one sync now (the on-commit half of ``schedule_sync``)."""
    users = list(job.directory_users)
    domains = list(job.sip_domains)
    if job.tenant_id is not None and (users or job.dialplan or job.whole_tenant):
        current_domain, tenant_users = _tenant_directory(job.tenant_id, everyone=job.whole_tenant)
        if current_domain:
            domains.append(current_domain)
        # A new generation voids every cached directory answer of the tenant: a dialplan change
        # (numbers, main number, settings) can change the caller-ID defaults in all of them. The
        # nodes are told only about the users named, since the dialplan decides the presented
        # caller ID on each call anyway.
        cache.bump_generation(job.tenant_id)
        cache.drop_directory(job.tenant_id, [*users, *tenant_users])
        if job.whole_tenant:
            users = list(dict.fromkeys([*users, *tenant_users]))
    if job.whole_tenant:
        cache.drop_domains(domains)
    if job.tenant_id is not None and job.dialplan:
        cache.drop_dialplan(job.tenant_id)
    if job.tenant_id is None and (job.dialplan or job.gateways):
        # Platform-wide routing data (the trunks) lives under its own token.
        cache.drop_dialplan(cache.PLATFORM)
    # The trunks' addresses are a list in acl.conf too, so trunk changes reload the ACL as well.
    reload_acl = job.acl or job.gateways
    if job.gateways:
        cache.drop_configuration(["sofia.conf"])
    if reload_acl:
        cache.drop_configuration(["acl.conf"])

    commands: list[tuple[str, dict[str, str]]] = [
        ("flush_user", {"user": user, "domain": domain}) for domain in dict.fromkeys(domains) for user in users
    ]
    if job.dialplan:
        commands.append(("reloadxml", {}))
    if job.gateways:
        commands.append(("sofia_rescan", {"profile": EXTERNAL_PROFILE}))
    if reload_acl:
        commands.append(("reloadacl", {}))
    _send(commands)


def _tenant_directory(tenant_id: str, *, everyone: bool) -> tuple[str | None, list[str]]:
    """The tenant's current SIP domain and, when ``everyone``, all its SIP user names."""
    from telephony.directory.models import Device
    from tenants.models import Tenant

    domain = Tenant.objects.filter(pk=tenant_id).values_list("sip_domain", flat=True).first()
    users: list[str] = []
    if everyone:
        users = list(Device.objects.filter(tenant_id=tenant_id).values_list("sip_username", flat=True))
    return domain, users


def _send(commands: list[tuple[str, dict[str, str]]]) -> None:
    if not commands:
        return
    try:
        # Imported here: the command tasks live beside this module and import the models.
        from telephony.freeswitch.tasks import broadcast_batch
    except ModuleNotFoundError as error:
        if error.name != "telephony.freeswitch.tasks":
            raise
        logger.warning("switch command tasks unavailable; nodes not told", extra={"commands": [name for name, _ in commands]})
        return
    # One ESL session per node for the whole change.
    broadcast_batch(commands)

"""Celery tasks that send commands to switch nodes, one queue per node (``switch.<node name>``).

A task opens a short ESL session to its node, runs its batch of commands (built by
``telephony.freeswitch.commands`` from the JSON arguments it carries) and says goodbye. When the
node cannot be reached the task retries with exponential backoff; a command the node refuses
(``-ERR``) is logged and not retried, since sending it again would get the same answer.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Mapping
from typing import Any

from celery import shared_task
from django.conf import settings

from telephony.freeswitch import commands
from telephony.freeswitch.esl import BlockingEslClient, EslCommandError, EslConnectionError

logger = logging.getLogger(__name__)

CommandSpec = tuple[str, Mapping[str, Any]]


def queue_for(node_name: str) -> str:
    """The Celery queue the worker beside ``node_name`` listens on."""
    return f"switch.{node_name}"


def retry_delay(retries: int) -> float:
    """Seconds to wait before retry number ``retries + 1``: exponential, capped, with jitter."""
    base = settings.FREESWITCH_COMMAND_RETRY_BASE_SECONDS * 2**retries
    return min(base, settings.FREESWITCH_COMMAND_RETRY_MAX_SECONDS) * random.uniform(0.8, 1.2)


def execute(node: Any, batch: Iterable[commands.Command]) -> list[str]:
    """Run ``batch`` on ``node`` in one ESL session; a refused command gives ``-ERR ...`` in its place."""
    results = []
    with BlockingEslClient(node.esl_host, node.esl_port, node.esl_password, timeout=settings.FREESWITCH_ESL_TIMEOUT) as client:
        for command in batch:
            try:
                results.append(client.bgapi(command.text) if command.background else client.api(command.text))
            except EslCommandError as error:
                logger.warning("node refused a command", extra={"node": node.name, "command": command.name, "error": str(error)})
                results.append(str(error))
    return results


def _run(task: Any, node_id: str, built: list[commands.Command]) -> list[str]:
    from telephony.freeswitch.models import SwitchNode

    node = SwitchNode.objects.filter(pk=node_id, is_active=True).first()
    if node is None:
        logger.info("switch node gone or inactive; commands dropped", extra={"node_id": node_id})
        return []
    try:
        return execute(node, built)
    except EslConnectionError as error:
        if task.request.retries >= settings.FREESWITCH_COMMAND_MAX_RETRIES:
            logger.error("switch node unreachable; commands dropped", extra={"node": node.name, "error": str(error)})
            raise
        raise task.retry(exc=error, countdown=retry_delay(task.request.retries)) from error


@shared_task(bind=True, max_retries=None, acks_late=True)
def run_batch(self: Any, node_id: str, batch: list[list[Any]]) -> list[str]:
    """Run ``[[command name, args], ...]`` on one node in one session; retried while the node is unreachable."""
    # Bad arguments fail here, before any connection, and are never retried.
    return _run(self, node_id, [commands.build(name, args) for name, args in batch])


@shared_task(bind=True, max_retries=None, acks_late=True)
def run_command(self: Any, node_id: str, command_name: str, args: dict[str, Any]) -> str:
    """Run one command on one node (see ``run_batch``); returns the node's answer."""
    results = _run(self, node_id, [commands.build(command_name, args)])
    return results[0] if results else ""


def send(node: Any, command_name: str, **args: Any) -> None:
    """Queue one command for ``node`` (validated now, so a bad argument fails in the caller)."""
    commands.build(command_name, args)
    run_command.apply_async(args=[str(node.pk), command_name, args], queue=queue_for(node.name))


def send_batch(node: Any, batch: Iterable[CommandSpec]) -> None:
    specs: list[tuple[str, dict[str, Any]]] = [(name, dict(args)) for name, args in batch]
    for name, args in specs:
        commands.build(name, args)
    if specs:
        run_batch.apply_async(args=[str(node.pk), [list(spec) for spec in specs]], queue=queue_for(node.name))


def broadcast(command_name: str, **args: Any) -> int:
    """Queue one command for every active node; returns how many nodes were asked."""
    from telephony.freeswitch.models import SwitchNode

    commands.build(command_name, args)
    nodes = list(SwitchNode.objects.filter(is_active=True).only("pk", "name"))
    for node in nodes:
        run_command.apply_async(args=[str(node.pk), command_name, args], queue=queue_for(node.name))
    return len(nodes)


def broadcast_batch(batch: Iterable[CommandSpec]) -> int:
    """Queue a batch (one ESL session per node) for every active node."""
    from telephony.freeswitch.models import SwitchNode

    specs = [(name, dict(args)) for name, args in batch]
    nodes = list(SwitchNode.objects.filter(is_active=True).only("pk", "name"))
    for node in nodes:
        send_batch(node, specs)
    return len(nodes)

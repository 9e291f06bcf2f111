"""``manage.py switch_gateway --node NAME``: run the switch gateway of one node until stopped."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from telephony.freeswitch.gateway import Gateway
from telephony.freeswitch.models import SwitchNode


class Command(BaseCommand):
    help = "Hold the ESL connection to one switch node and turn its events into live state and domain events."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--node", required=True, help="name of the switch node")

    def handle(self, *args: Any, node: str, **options: Any) -> None:
        switch = SwitchNode.objects.filter(name=node, is_active=True).first()
        if switch is None:
            raise CommandError(f"no active switch node named {node!r}")
        asyncio.run(self._run(switch))

    async def _run(self, switch: SwitchNode) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        self.stdout.write(f"switch gateway for {switch.name} ({switch.esl_host}:{switch.esl_port})")
        await Gateway(switch).run(stop)

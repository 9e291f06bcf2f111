"""ESL command building (typed, validated, never user text) and the command tasks against the replay server."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator

import pytest
from celery.exceptions import Retry

from telephony.freeswitch import commands, tasks
from telephony.freeswitch.commands import CommandError
from telephony.freeswitch.esl import EslConnectionError
from tests.freeswitch_esl.conftest import NODE_PASSWORD, make_node
from tests.freeswitch_esl.replay import ReplayServer

CALL = "2597159e-0677-4025-a5c0-ef3383b721b8"


def test_commands_for_valid_arguments_are_exact() -> None:
    assert commands.flush_user("1001", "tenant-a.example").text == "xml_flush_cache id 1001 tenant-a.example"
    assert commands.reloadxml().text == "reloadxml"
    assert commands.reloadacl().text == "reloadacl"
    assert commands.sofia_rescan("external").text == "sofia profile external rescan"
    assert commands.reload_module("mod_conference").text == "reload mod_conference"
    assert commands.hangup(uuid.UUID(CALL), "CALL_REJECTED").text == f"uuid_kill {CALL} CALL_REJECTED"
    assert (
        commands.transfer(CALL, "1002", "tenant-a.example", leg="bleg").text
        == f"uuid_transfer {CALL} -bleg 1002 XML tenant-a.example"
    )
    originate = commands.originate(
        commands.LoopbackEndpoint("9000", "tenant-a.example"),
        commands.Park(),
        variables={"origination_uuid": CALL, "origination_caller_id_number": "1001", "origination_caller_id_name": "Fixture"},
    )
    # the command recorded in transcript 04, byte for byte
    assert originate.text == (
        f"originate {{origination_uuid={CALL},origination_caller_id_number=1001,origination_caller_id_name=Fixture}}"
        "loopback/9000/tenant-a.example &park()"
    )
    assert originate.background is True
    assert commands.build(
        "originate", {"endpoint": commands.endpoint_spec(commands.UserEndpoint("1003", "tenant-a.example"))}
    ).text == ("originate user/1003@tenant-a.example &park()")


@pytest.mark.parametrize(
    "name,args",
    [
        ("flush_user", {"user": "1001\n\napi shutdown", "domain": "tenant-a.example"}),
        ("flush_user", {"user": "1001", "domain": "tenant-a.example\n"}),
        ("flush_user", {"user": "10 01", "domain": "tenant-a.example"}),
        ("flush_user", {"user": "'1001'", "domain": "tenant-a.example"}),
        ("flush_user", {"user": "1001", "domain": "tenant-a.example evil"}),
        ("transfer", {"call_uuid": CALL, "destination": "1002 XML default", "context": "tenant-a.example"}),
        ("transfer", {"call_uuid": CALL, "destination": "1002", "context": "tenant-a.example", "leg": "all"}),
        ("transfer", {"call_uuid": CALL.upper(), "destination": "1002", "context": "tenant-a.example"}),
        ("hangup", {"call_uuid": f"{CALL} NORMAL_CLEARING\n\napi shutdown"}),
        ("hangup", {"call_uuid": CALL, "cause": "NORMAL_CLEARING;shutdown"}),
        ("sofia_rescan", {"profile": "external rescan; shutdown"}),
        ("reload_module", {"module": "mod_commands"}),
        ("originate", {"endpoint": {"kind": "user", "user": "1001", "domain": "tenant-a.example"}, "variables": {"x": "a,b=c"}}),
        ("originate", {"endpoint": {"kind": "user", "user": "1001", "domain": "tenant-a.example"}, "variables": {"x": "}evil"}}),
        ("originate", {"endpoint": {"kind": "loopback", "number": "+49 30 1234", "context": "tenant-a.example"}}),
        ("originate", {"endpoint": {"kind": "sofia", "url": "sofia/internal/sip:x@evil"}}),
        ("shutdown", {}),
    ],
)
def test_build_rejects_injection_attempts(name: str, args: dict) -> None:
    with pytest.raises(CommandError):
        commands.build(name, args)


class ThreadedReplay:
    """A replay server on its own event loop thread, for the (blocking) command tasks."""

    def __init__(self, transcript: str, **options: object) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        server = ReplayServer(transcript, **options)  # type: ignore[arg-type]
        self.server = asyncio.run_coroutine_threadsafe(server.start(), self.loop).result(5)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def replay_10() -> Iterator[ReplayServer]:
    replay = ThreadedReplay("10_api_reload_modules.txt", password=NODE_PASSWORD)
    yield replay.server
    replay.stop()


@pytest.fixture
def replay_04() -> Iterator[ReplayServer]:
    replay = ThreadedReplay("04_bgapi_originate.txt", password=NODE_PASSWORD)
    yield replay.server
    replay.stop()


def test_broadcast_reloadxml_runs_on_every_active_node(db: None, replay_10: ReplayServer) -> None:
    # given one node, replaying transcript 10
    make_node(replay_10.port)
    # when (eager Celery in tests)
    asked = tasks.broadcast("reloadxml")
    # then the node got exactly the recorded session: auth, api reloadxml, exit
    assert asked == 1
    assert replay_10.received == [f"auth {NODE_PASSWORD}\n\n".encode(), b"api reloadxml\n\n", b"exit\n\n"]
    assert replay_10.mismatches == []


def test_run_command_originate_uses_bgapi_and_returns_the_job(db: None, replay_04: ReplayServer) -> None:
    # given transcript 04 and the recorded originate
    node = make_node(replay_04.port)
    args = {
        "endpoint": {"kind": "loopback", "number": "9000", "context": "tenant-a.example"},
        "variables": {"origination_uuid": CALL, "origination_caller_id_number": "1001", "origination_caller_id_name": "Fixture"},
    }
    # when
    job = tasks.run_command.delay(str(node.pk), "originate", args).get()
    # then
    assert job == "733bf247-880e-4f92-a39a-d4440f60a8c6"
    assert replay_04.received[1].startswith(b"bgapi originate {origination_uuid=")
    assert replay_04.mismatches == []


def test_run_command_node_down_retries_then_gives_up(db: None, settings) -> None:
    # given a node whose ESL port has nothing listening
    settings.FREESWITCH_COMMAND_MAX_RETRIES = 2
    node = make_node(9)  # discard port: connection refused
    # when / then: the first try asks Celery for a retry with backoff
    with pytest.raises(Retry) as retry:
        tasks.run_command.delay(str(node.pk), "reloadacl", {}).get()
    assert 1.6 <= float(retry.value.when) <= 2.4
    # and the last allowed try lets the connection error surface
    with pytest.raises(EslConnectionError):
        tasks.run_command.apply(args=[str(node.pk), "reloadacl", {}], retries=2).get()


def test_send_bad_argument_fails_in_the_caller_and_queues_nothing(db: None, replay_10: ReplayServer) -> None:
    node = make_node(replay_10.port)
    with pytest.raises(CommandError):
        tasks.send(node, "flush_user", user="1001\napi shutdown", domain="tenant-a.example")
    assert replay_10.received == []


def test_retry_delay_is_exponential_and_capped(settings) -> None:
    settings.FREESWITCH_COMMAND_RETRY_BASE_SECONDS = 2
    settings.FREESWITCH_COMMAND_RETRY_MAX_SECONDS = 300
    assert 1.6 <= tasks.retry_delay(0) <= 2.4
    assert 12.8 <= tasks.retry_delay(3) <= 19.2
    assert 240 <= tasks.retry_delay(20) <= 360

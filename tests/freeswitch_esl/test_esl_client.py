"""The ESL clients against the replayed FreeSWITCH 1.10 transcripts."""

from __future__ import annotations

import asyncio

import pytest

from telephony.freeswitch.esl import (
    BlockingEslClient,
    EslAuthError,
    EslClient,
    EslCommandError,
    EslMessage,
    EslParser,
    parse_event,
)
from tests.freeswitch_esl.replay import ReplayServer, load_transcript, recorded_events


async def _server(name: str, **options: object) -> ReplayServer:
    return await ReplayServer(name, **options).start()  # type: ignore[arg-type]


def test_parse_transcript_byte_stream_in_small_chunks_yields_every_message() -> None:
    # given every S->C byte of the bridged-call transcript, fed 7 bytes at a time
    stream = b"".join(b.data for b in load_transcript("05_events_plain_ALL_bridged_call.txt") if b.direction == "S->C")
    parser = EslParser()
    # when
    messages: list[EslMessage] = []
    for start in range(0, len(stream), 7):
        messages.extend(parser.feed(stream[start : start + 7]))
    # then
    blocks = [b for b in load_transcript("05_events_plain_ALL_bridged_call.txt") if b.direction == "S->C"]
    assert len(messages) == len(blocks)
    assert messages[0].content_type == "auth/request"
    assert messages[-1].content_type == "text/disconnect-notice"
    events = [parse_event(m) for m in messages if m.is_event]
    assert len(events) == len(recorded_events("05_events_plain_ALL_bridged_call.txt"))
    register = next(e for e in events if e.get("Event-Subclass") == "sofia::register")
    assert register["contact"] == '"" <sip:1001@127.0.0.1:5062;transport=UDP>'
    assert register["network-port"] == "5062"


def test_parse_event_plain_and_json_give_the_same_headers() -> None:
    # given the same registration recorded as plain and as JSON
    plain = [parse_event(EslMessage(*_split(raw))) for raw in recorded_events("05_events_plain_ALL_bridged_call.txt")]
    as_json = [parse_event(EslMessage(*_split(raw))) for raw in recorded_events("06_events_json_ALL_bridged_call.txt")]
    # when
    plain_reg = next(e for e in plain if e.get("Event-Subclass") == "sofia::register")
    json_reg = next(e for e in as_json if e.get("Event-Subclass") == "sofia::register")
    # then
    for key in ("from-user", "from-host", "network-ip", "user-agent", "effective_caller_id_name"):
        assert plain_reg[key] == json_reg[key]
    assert plain_reg["effective_caller_id_name"] == "Extension 1001"


def _split(raw: bytes) -> tuple[dict[str, str], bytes]:
    message = EslParser().feed(raw)[0]
    return message.headers, message.body


async def test_connect_auth_api_status_returns_recorded_output() -> None:
    # given transcript 01
    server = await _server("01_connect_auth_api_status.txt", password="s3cret-node")
    client = EslClient("127.0.0.1", server.port, "s3cret-node")
    # when
    await client.connect()
    status = await client.api("status")
    version = await client.api("version")
    hostname = await client.api("global_getvar hostname")
    with pytest.raises(EslCommandError, match="Command not found"):
        await client.api("nonexistent_command_xyz")
    await client.close()
    await server.stop()
    # then
    assert status.startswith("UP 0 years") and "1000 session(s) max" in status
    assert version == "FreeSWITCH Version 1.10.12-release~64bit ( 64bit)\n"
    assert hostname == "vm"
    assert server.mismatches == []
    assert server.received[0] == b"auth s3cret-node\n\n" and server.received[-1] == b"exit\n\n"
    assert client.closed.is_set()


async def test_connect_wrong_password_raises_auth_error() -> None:
    # given transcript 02 (the node refuses the password)
    server = await _server("02_auth_failure.txt")
    client = EslClient("127.0.0.1", server.port, "WrongPassword")
    # when / then
    with pytest.raises(EslAuthError, match="-ERR invalid"):
        await client.connect()
    await server.stop()
    assert server.mismatches == []
    assert client.closed.is_set()


async def test_api_before_auth_raises_command_error() -> None:
    # given transcript 03
    server = await _server("03_unauthenticated_command.txt")
    client = EslClient("127.0.0.1", server.port, "unused")
    await client.connect(authenticate=False)
    # when / then
    with pytest.raises(EslCommandError, match="-ERR command not found"):
        await client.api("status")
    await client.close()
    await server.stop()
    assert server.mismatches == []


async def test_bgapi_originate_and_job_results_follow_background_job_events() -> None:
    # given transcript 04
    server = await _server("04_bgapi_originate.txt")
    client = EslClient("127.0.0.1", server.port, "ClueCon")
    await client.connect()
    await client.subscribe(["BACKGROUND_JOB"])
    # when
    job = await client.bgapi(
        "originate {origination_uuid=2597159e-0677-4025-a5c0-ef3383b721b8,origination_caller_id_number=1001,"
        "origination_caller_id_name=Fixture}loopback/9000/tenant-a.example &park()"
    )
    first = await client.job_result(job)
    killed = await client.api("uuid_kill 2597159e-0677-4025-a5c0-ef3383b721b8")
    own_job = await client.bgapi(
        "originate {originate_timeout=5}user/1003@tenant-a.example &park()", job_uuid="949149ea-36fc-4409-b807-77fc2e91fad6"
    )
    second = await client.job_result(own_job)
    status_job = await client.bgapi("status")
    status = await client.job_result(status_job)
    await client.close()
    await server.stop()
    # then
    assert job == "733bf247-880e-4f92-a39a-d4440f60a8c6"
    assert first == "+OK 2597159e-0677-4025-a5c0-ef3383b721b8\n"
    assert killed == "+OK\n"
    assert own_job == "949149ea-36fc-4409-b807-77fc2e91fad6"
    assert second == "-ERR USER_NOT_REGISTERED\n"
    assert status.startswith("UP 0 years") and "2 session(s) since startup" in status
    assert server.mismatches == []


@pytest.mark.parametrize(
    "fmt,name", [("plain", "05_events_plain_ALL_bridged_call.txt"), ("json", "06_events_json_ALL_bridged_call.txt")]
)
async def test_subscribe_filtered_events_yields_only_those_events(fmt: str, name: str) -> None:
    # given a bridged call recorded with "event ALL"
    server = await _server(name)
    client = EslClient("127.0.0.1", server.port, "ClueCon")
    await client.connect()
    # when we subscribe to a few events only
    await client.subscribe(["CHANNEL_CREATE", "CHANNEL_HANGUP_COMPLETE", "CUSTOM", "sofia::register"], fmt=fmt)
    seen = []
    async for message in client.events():
        seen.append(parse_event(message))
        if sum(e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE" for e in seen) == 2:
            break  # the recording goes on with the client's "noevents"; the node waits for it
    await client.close()
    await server.stop()
    # then FreeSWITCH-style filtering passed exactly those, in order
    names = [(e["Event-Name"], e.get("Event-Subclass")) for e in seen]
    assert names == [
        ("CUSTOM", "sofia::register"),
        ("CUSTOM", "sofia::register"),
        ("CHANNEL_CREATE", None),
        ("CHANNEL_CREATE", None),
        ("CHANNEL_HANGUP_COMPLETE", None),
        ("CHANNEL_HANGUP_COMPLETE", None),
    ]
    assert seen[0]["from-user"] == "1001" and seen[0]["user-agent"] == "SIPp-fixture"
    assert seen[-1]["Hangup-Cause"] == "NORMAL_CLEARING"
    assert server.mismatches == []


async def test_api_misc_replies_are_returned_verbatim() -> None:
    # given transcript 09
    server = await _server("09_api_misc.txt")
    client = EslClient("127.0.0.1", server.port, "ClueCon")
    await client.connect()
    # when
    replies = [
        await client.api(command)
        for command in (
            "sofia status",
            "sofia status profile internal reg",
            "sofia_contact 1001@tenant-a.example",
            "show registrations as json",
            "show channels as json",
            "show calls as json",
            "reloadxml",
            "callcenter_config queue list",
            "user_exists id 1001 tenant-a.example",
            "user_exists id 1999 tenant-a.example",
        )
    ]
    await client.close()
    await server.stop()
    # then
    assert "internal\tprofile" in replies[0].replace(" ", "")
    assert "User:       \t1001@tenant-a.example" in replies[1]
    assert replies[2] == "sofia/internal/sip:1001@127.0.0.1:5062;transport=UDP"
    assert replies[3] == '{"row_count": 0}\n'
    assert replies[6] == "+OK [Success]\n"
    assert replies[8:] == ["true", "false"]
    assert server.mismatches == []


async def test_api_during_call_then_hangup_event_arrives() -> None:
    # given transcript 13 (a call is up)
    server = await _server("13_api_during_call.txt")
    client = EslClient("127.0.0.1", server.port, "ClueCon")
    await client.connect()
    await client.subscribe(["CHANNEL_HANGUP_COMPLETE"])
    call = "a43706cc-05c4-4e07-92af-ee00b1ad991f"
    # when
    channels = await client.api("show channels as json")
    await client.api("show calls as json")
    count = await client.api("show channels count")
    tenant = await client.api(f"uuid_getvar {call} tenant_id")
    exists = await client.api(f"uuid_exists {call}")
    killed = await client.api(f"uuid_kill {call} CALL_REJECTED")
    event = parse_event(await anext(client.events()))
    await client.close()
    await server.stop()
    # then
    assert '"uuid":"a43706cc-05c4-4e07-92af-ee00b1ad991f"' in channels
    assert count.strip() == "1 total."
    assert tenant == "tenant-a" and exists == "true" and killed.strip() == "+OK"
    assert event["Unique-ID"] == call and event["Hangup-Cause"] == "CALL_REJECTED"
    assert server.mismatches == []


async def test_replay_server_reports_a_command_that_differs_from_the_recording() -> None:
    # given transcript 10 expects "api reloadxml"
    server = await _server("10_api_reload_modules.txt")
    client = EslClient("127.0.0.1", server.port, "ClueCon", timeout=2)
    await client.connect()
    # when the client sends something else
    with pytest.raises(Exception):  # noqa: B017 - the server hangs up: connection error
        await client.api("reload mod_sofia")
    await server.stop()
    # then the replay server noticed (so the other tests' "no mismatch" means something)
    assert server.mismatches and b"api reloadxml" in server.mismatches[0].encode()


def test_blocking_client_runs_reloads_of_transcript_10() -> None:
    # given transcript 10, served on a thread's event loop
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(_server("10_api_reload_modules.txt"))
    import threading

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        # when
        with BlockingEslClient("127.0.0.1", server.port, "ClueCon", timeout=5) as client:
            reloads = ("reloadxml", "reload mod_conference", "reload mod_callcenter", "reload mod_voicemail")
            outputs = [client.api(command) for command in reloads]
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
    # then
    assert outputs[0] == "+OK [Success]\n"
    assert all(o == "+OK Reloading XML\n+OK module unloaded\n+OK module loaded\n" for o in outputs[1:])
    assert server.mismatches == []
    assert server.received[-1] == b"exit\n\n"

"""An ESL test server that replays the recorded FreeSWITCH transcripts byte for byte.

A transcript (``shared/fixtures/freeswitch/esl/*.txt``) is a list of blocks
``#### C->S|S->C t=+<s>s len=<N>`` followed by exactly N bytes. The server sends the recorded
S->C bytes and, at each C->S block, reads one command from the client and checks it against the
recording. What may differ from the recording, as it would against a real node:

* the password: a recorded ``auth ClueCon`` (accepted) expects ``auth <password>`` of this server;
  a recorded ``auth <other>`` (refused) expects any other password;
* the event subscription: a recorded ``event plain ALL`` accepts any ``event plain <list>`` and
  from then on only events named in the list are replayed (FreeSWITCH filters the same way);
* commands the client need not send (``event ...`` and ``noevents``) are skipped with their reply;
* the client may leave early with ``exit``: the recorded goodbye is sent;
* ``replace`` maps a recorded command to the one a test expects instead (for commands that
  were never recorded verbatim, e.g. a click-to-call originate); the recorded reply is sent.

Every mismatch is kept in ``mismatches`` and ends the session; ``received`` lists the commands.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "freeswitch" / "esl"
if not FIXTURES.is_dir():  # the repo sits at /work/main, shared/ beside it
    FIXTURES = Path("/work/shared/fixtures/freeswitch/esl")

_BLOCK = re.compile(rb"#### (C->S|S->C) t=\+([0-9.]+)s len=(\d+)\n")


@dataclass(frozen=True)
class Block:
    direction: str  # "C->S" or "S->C"
    data: bytes


def load_transcript(name: str) -> list[Block]:
    raw = (FIXTURES / name).read_bytes()
    blocks: list[Block] = []
    pos = 0
    while match := _BLOCK.search(raw, pos):
        start = match.end()
        length = int(match.group(3))
        blocks.append(Block(match.group(1).decode(), raw[start : start + length]))
        pos = start + length
    return blocks


def recorded_events(name: str) -> list[bytes]:
    """The raw S->C event messages (text/event-plain or -json) of a transcript."""
    return [b.data for b in load_transcript(name) if b.direction == "S->C" and b"Content-Type: text/event-" in b.data]


def _event_matches(data: bytes, wanted: set[str]) -> bool:
    if "ALL" in wanted:
        return True
    name = re.search(rb'(?:^|\n|")Event-Name(?:: |":")([A-Z_]+)', data)
    if name is None:
        return False
    event_name = name.group(1).decode()
    if event_name != "CUSTOM":
        return event_name in wanted
    subclass = re.search(rb'Event-Subclass(?:: |":")([^\n"]+)', data)
    if subclass is None:
        return "CUSTOM" in wanted
    value = subclass.group(1).decode().replace("%3A", ":")
    return value in wanted


@dataclass
class ReplayServer:
    transcript: str
    password: str = "ClueCon"
    replace: dict[bytes, bytes | re.Pattern[bytes]] = field(default_factory=dict)
    received: list[bytes] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    sessions: int = 0
    port: int = 0
    _server: asyncio.Server | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> ReplayServer:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _read_command(self, reader: asyncio.StreamReader) -> bytes | None:
        try:
            return await reader.readuntil(b"\n\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return None

    def _expected(self, recorded: bytes, actual: bytes) -> bool:
        if recorded.startswith(b"auth "):
            given = actual[5:].strip().decode(errors="replace")
            accepted = recorded.strip() == b"auth ClueCon"
            return actual.startswith(b"auth ") and (given == self.password) == accepted
        if recorded in self.replace:
            wanted = self.replace[recorded]
            return bool(wanted.fullmatch(actual)) if isinstance(wanted, re.Pattern) else actual == wanted
        if recorded.startswith(b"event ") and actual.startswith(b"event "):
            return recorded.split(b" ")[1] == actual.split(b" ")[1]
        return actual == recorded

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.sessions += 1
        blocks = load_transcript(self.transcript)
        wanted: set[str] = {"ALL"}
        index = 0
        try:
            while index < len(blocks):
                block = blocks[index]
                if block.direction == "S->C":
                    if b"Content-Type: text/event-" not in block.data or _event_matches(block.data, wanted):
                        writer.write(block.data)
                        await writer.drain()
                    index += 1
                    continue
                actual = await self._read_command(reader)
                if actual is None:
                    return
                self.received.append(actual)
                # Skip what the client may leave out, then compare.
                while not self._expected(block.data, actual) and (
                    block.data.startswith((b"event ", b"noevents")) or actual == b"exit\n\n"
                ):
                    index = self._next_command(blocks, index + 1)
                    if index >= len(blocks):
                        break
                    block = blocks[index]
                if index >= len(blocks) and actual == b"exit\n\n":
                    return  # the recording ended before the client said goodbye
                if index >= len(blocks) or not self._expected(block.data, actual):
                    self.mismatches.append(f"expected {blocks[min(index, len(blocks) - 1)].data!r}, got {actual!r}")
                    return
                if actual.startswith(b"event "):
                    wanted = set(actual.decode().split()[2:])
                index += 1
        finally:
            writer.close()
            self.done.set()

    @staticmethod
    def _next_command(blocks: list[Block], start: int) -> int:
        for position in range(start, len(blocks)):
            if blocks[position].direction == "C->S":
                return position
        return len(blocks)

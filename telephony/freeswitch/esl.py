"""A small FreeSWITCH event-socket (ESL) client: a sans-IO parser, an asyncio client and a blocking one.

Why in-house: the gateway is an asyncio process; greenswitch needs gevent and genesis pins redis<6
and uvicorn<0.33 (see TOOLING.md). The protocol is small and the recorded FreeSWITCH 1.10
transcripts in ``shared/fixtures/freeswitch/esl/`` pin down its framing:

* every message is a block of ``Name: value`` lines ended by a blank line, followed by
  ``Content-Length`` bytes of body when that header is present;
* ``auth/request`` greets a new connection, ``command/reply`` answers commands (``Reply-Text``),
  ``api/response`` carries the output of ``api``, ``text/disconnect-notice`` ends the session;
* events arrive as ``text/event-plain`` (a header block with URL-encoded values, with its own
  ``Content-Length`` and body) or ``text/event-json``.

Command strings reaching these clients are built by ``telephony.freeswitch.commands`` only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

AUTH_REQUEST = "auth/request"
COMMAND_REPLY = "command/reply"
API_RESPONSE = "api/response"
EVENT_PLAIN = "text/event-plain"
EVENT_JSON = "text/event-json"
DISCONNECT_NOTICE = "text/disconnect-notice"
EVENT_TYPES = (EVENT_PLAIN, EVENT_JSON)


class EslError(Exception):
    """Base class of ESL failures."""


class EslConnectionError(EslError):
    """The connection could not be made or was closed by the node."""


class EslAuthError(EslError):
    """The node refused the password."""


class EslCommandError(EslError):
    """The node answered a command or api call with ``-ERR``."""


@dataclass
class EslMessage:
    """One framed ESL message: its outer headers and its (raw) body."""

    headers: dict[str, str]
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def reply_text(self) -> str:
        return self.headers.get("Reply-Text", "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def is_event(self) -> bool:
        return self.content_type in EVENT_TYPES


def _parse_header_block(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.decode("utf-8", "replace").split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip()] = value.strip()
    return headers


@dataclass
class EslParser:
    """Turns a byte stream into ``EslMessage`` objects; feed it whatever the socket returned."""

    _buffer: bytearray = field(default_factory=bytearray)
    _pending: dict[str, str] | None = None
    _need: int = 0

    def feed(self, data: bytes) -> list[EslMessage]:
        self._buffer += data
        messages: list[EslMessage] = []
        while True:
            if self._pending is None:
                end = self._buffer.find(b"\n\n")
                if end < 0:
                    return messages
                headers = _parse_header_block(bytes(self._buffer[:end]))
                del self._buffer[: end + 2]
                length = int(headers.get("Content-Length", "0") or 0)
                if length <= 0:
                    if headers:
                        messages.append(EslMessage(headers))
                    continue
                self._pending, self._need = headers, length
            if len(self._buffer) < self._need:
                return messages
            body = bytes(self._buffer[: self._need])
            del self._buffer[: self._need]
            messages.append(EslMessage(self._pending, body))
            self._pending, self._need = None, 0


def parse_event(message: EslMessage) -> dict[str, str]:
    """The headers of an event message as a flat dict of decoded strings; a body is under ``_body``."""
    if message.content_type == EVENT_JSON:
        data = json.loads(message.body)
        return {str(key): value if isinstance(value, str) else json.dumps(value) for key, value in data.items()}
    if message.content_type != EVENT_PLAIN:
        raise EslError(f"not an event: {message.content_type!r}")
    raw = message.body
    head, sep, tail = raw.partition(b"\n\n")
    event: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").split("\n"):
        name, colon, value = line.partition(": ")
        if colon:
            # Values are URL-encoded by FreeSWITCH; most carry no escapes, so skip the work then.
            event[name] = unquote(value) if "%" in value else value
    if sep and tail:
        length = int(event.get("Content-Length", "0") or 0)
        event["_body"] = tail[:length].decode("utf-8", "replace") if length else tail.decode("utf-8", "replace")
    return event


def _check_reply(message: EslMessage) -> EslMessage:
    if message.content_type == COMMAND_REPLY and message.reply_text.startswith("-ERR"):
        raise EslCommandError(message.reply_text)
    if message.content_type == API_RESPONSE and message.text.startswith("-ERR"):
        raise EslCommandError(message.text.strip())
    return message


def _frame(command: str, headers: dict[str, str] | None = None) -> bytes:
    if "\n" in command or "\r" in command:
        raise EslError("an ESL command is a single line")
    lines = [command]
    for name, value in (headers or {}).items():
        if "\n" in name + value or "\r" in name + value:
            raise EslError("an ESL header is a single line")
        lines.append(f"{name}: {value}")
    return ("\n".join(lines) + "\n\n").encode()


class EslClient:
    """Inbound asyncio ESL connection: ``connect()``, ``api()``, ``bgapi()``, ``subscribe()``, ``events()``.

    Replies to commands arrive in the order the commands were sent, so a FIFO of futures pairs
    them; events go to a queue that ``events()`` drains. The reader stops at the disconnect
    notice or when the node closes the socket, failing whatever still waits.
    """

    def __init__(self, host: str, port: int, password: str, *, timeout: float = 10.0) -> None:
        self.host, self.port, self.password, self.timeout = host, port, password, timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._replies: deque[asyncio.Future[EslMessage]] = deque()
        self._events: asyncio.Queue[EslMessage | None] = asyncio.Queue()
        self._jobs: dict[str, asyncio.Future[str]] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.closed = asyncio.Event()

    async def connect(self, *, authenticate: bool = True) -> None:
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), timeout=self.timeout
            )
        except (OSError, TimeoutError) as exc:
            raise EslConnectionError(f"cannot reach {self.host}:{self.port}: {exc}") from exc
        greeting = self._replies_future()
        self._task = asyncio.create_task(self._read_loop(), name=f"esl-reader-{self.host}:{self.port}")
        message = await asyncio.wait_for(greeting, timeout=self.timeout)
        if message.content_type != AUTH_REQUEST:
            raise EslConnectionError(f"unexpected greeting {message.content_type!r}")
        if authenticate:
            reply = await self._send(f"auth {self.password}")
            if not reply.reply_text.startswith("+OK"):
                await self._shutdown()
                raise EslAuthError(reply.reply_text or "authentication failed")

    def _replies_future(self) -> asyncio.Future[EslMessage]:
        future: asyncio.Future[EslMessage] = asyncio.get_running_loop().create_future()
        self._replies.append(future)
        return future

    async def _send(self, command: str, headers: dict[str, str] | None = None) -> EslMessage:
        if self._writer is None or self.closed.is_set():
            raise EslConnectionError("not connected")
        data = _frame(command, headers)
        async with self._lock:  # keep the write order equal to the reply order
            future = self._replies_future()
            self._writer.write(data)
            await self._writer.drain()
        return await asyncio.wait_for(future, timeout=self.timeout)

    async def command(self, command: str, headers: dict[str, str] | None = None) -> EslMessage:
        """Send a raw command line (from ``commands``) and return its checked reply."""
        return _check_reply(await self._send(command, headers))

    async def api(self, command: str) -> str:
        """Run ``api <command>`` and return its output; ``-ERR`` raises ``EslCommandError``."""
        return _check_reply(await self._send(f"api {command}")).text

    async def bgapi(self, command: str, *, job_uuid: str | None = None) -> str:
        """Start ``bgapi <command>`` and return the Job-UUID; ``job_result()`` waits for its outcome."""
        reply = _check_reply(await self._send(f"bgapi {command}", {"Job-UUID": job_uuid} if job_uuid else None))
        job = reply.headers.get("Job-UUID") or reply.reply_text.rpartition(" ")[2]
        self._jobs.setdefault(job, asyncio.get_running_loop().create_future())
        return job

    async def job_result(self, job_uuid: str, *, timeout: float | None = None) -> str:
        """The body of the BACKGROUND_JOB event of ``job_uuid`` (needs ``subscribe(["BACKGROUND_JOB"])``)."""
        future = self._jobs.setdefault(job_uuid, asyncio.get_running_loop().create_future())
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout=timeout or self.timeout)
        finally:
            if future.done():
                self._jobs.pop(job_uuid, None)

    async def subscribe(self, events: Iterable[str], *, fmt: str = "plain") -> None:
        if fmt not in ("plain", "json"):
            raise EslError("event format must be plain or json")
        await self.command(f"event {fmt} {' '.join(events)}")

    @property
    def pending_events(self) -> int:
        """Events received and not yet taken by ``events()``."""
        return self._events.qsize()

    async def events(self) -> AsyncIterator[EslMessage]:
        """Yield event messages until the connection ends."""
        while True:
            message = await self._events.get()
            if message is None:
                return
            yield message

    async def close(self) -> None:
        """Say ``exit`` and wait for the node to hang up (quietly if it already has)."""
        if self._writer is not None and not self.closed.is_set():
            try:
                await self._send("exit")
                await asyncio.wait_for(self.closed.wait(), timeout=self.timeout)
            except (EslError, TimeoutError, OSError):
                pass
        await self._shutdown()

    async def _shutdown(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        if self._task is not None and self._task is not asyncio.current_task():
            try:
                await asyncio.wait_for(self._task, timeout=self.timeout)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
        self._closed()

    def _closed(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        error = EslConnectionError("connection closed")
        while self._replies:
            reply = self._replies.popleft()
            if not reply.done():
                reply.set_exception(error)
        for job in self._jobs.values():
            if not job.done():
                job.set_exception(error)
        self._events.put_nowait(None)

    async def _read_loop(self) -> None:
        assert self._reader is not None
        parser = EslParser()
        try:
            while True:
                data = await self._reader.read(65536)
                if not data:
                    return
                for message in parser.feed(data):
                    self._dispatch(message)
                    if message.content_type == DISCONNECT_NOTICE:
                        return
        except OSError:
            return
        finally:
            self._closed()

    def _dispatch(self, message: EslMessage) -> None:
        kind = message.content_type
        if kind in EVENT_TYPES:
            self._events.put_nowait(message)
            if b"BACKGROUND_JOB" in message.body[:200]:
                event = parse_event(message)
                if event.get("Event-Name") == "BACKGROUND_JOB" and event.get("Job-UUID"):
                    # The result may arrive before bgapi() returns the Job-UUID: keep it until asked for.
                    if len(self._jobs) > 1000:
                        for job in [job for job, f in self._jobs.items() if f.done()][:500]:
                            del self._jobs[job]
                    result = self._jobs.setdefault(event["Job-UUID"], asyncio.get_running_loop().create_future())
                    if not result.done():
                        result.set_result(event.get("_body", ""))
        elif kind == DISCONNECT_NOTICE:
            return
        elif self._replies:
            future = self._replies.popleft()
            if not future.done():
                future.set_result(message)


class BlockingEslClient:
    """The same protocol over a plain socket, for Celery workers: one short session per command batch."""

    def __init__(self, host: str, port: int, password: str, *, timeout: float = 10.0) -> None:
        self.host, self.port, self.password, self.timeout = host, port, password, timeout
        self._sock: socket.socket | None = None
        self._parser = EslParser()
        self._inbox: deque[EslMessage] = deque()

    def __enter__(self) -> BlockingEslClient:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise EslConnectionError(f"cannot reach {self.host}:{self.port}: {exc}") from exc
        if self._next_reply().content_type != AUTH_REQUEST:
            self.close()
            raise EslConnectionError("unexpected greeting")
        reply = self._send(f"auth {self.password}")
        if not reply.reply_text.startswith("+OK"):
            self.close()
            raise EslAuthError(reply.reply_text or "authentication failed")

    def _next_reply(self) -> EslMessage:
        """The next reply, skipping events (a command session subscribes to none, but be safe)."""
        assert self._sock is not None
        while True:
            while self._inbox:
                message = self._inbox.popleft()
                if message.content_type == DISCONNECT_NOTICE:
                    raise EslConnectionError("connection closed by the node")
                if not message.is_event:
                    return message
            try:
                data = self._sock.recv(65536)
            except OSError as exc:
                raise EslConnectionError(str(exc)) from exc
            if not data:
                raise EslConnectionError("connection closed by the node")
            self._inbox.extend(self._parser.feed(data))

    def _send(self, command: str, headers: dict[str, str] | None = None) -> EslMessage:
        if self._sock is None:
            raise EslConnectionError("not connected")
        try:
            self._sock.sendall(_frame(command, headers))
        except OSError as exc:
            raise EslConnectionError(str(exc)) from exc
        return self._next_reply()

    def api(self, command: str) -> str:
        return _check_reply(self._send(f"api {command}")).text

    def bgapi(self, command: str, *, job_uuid: str | None = None) -> str:
        reply = _check_reply(self._send(f"bgapi {command}", {"Job-UUID": job_uuid} if job_uuid else None))
        return reply.headers.get("Job-UUID") or reply.reply_text.rpartition(" ")[2]

    def close(self) -> None:
        if self._sock is None:
            return
        try:
            self._send("exit")
        except EslError:
            pass
        finally:
            self._sock.close()
            self._sock = None

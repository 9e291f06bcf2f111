"""The only place that builds ESL command strings, from typed and validated arguments.

Nothing here accepts free text: SIP user names, domains, contexts, profile names and variable
names are checked against strict patterns (``re.fullmatch``, so a trailing newline fails too),
numbers are digits with an optional leading ``+``, call ids are UUIDs and hangup causes come from
a fixed list. A value that does not pass raises ``CommandError`` before anything is sent, so a
newline, a space, a quote, a brace or a comma can never reach a node.

Each builder returns a ``Command``; ``build(name, args)`` rebuilds one from JSON-able arguments
(what Celery tasks carry) through the same builders.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class CommandError(ValueError):
    """An argument that must not go into an ESL command."""


_SIP_USER = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?=.{{1,253}}$)(?:{_LABEL}\.)*{_LABEL}")
_NUMBER = re.compile(r"\+?[0-9]{1,20}")
_PROFILE = re.compile(r"[a-z][a-z0-9_-]{0,30}")
_VAR_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_VAR_VALUE = re.compile(r"[A-Za-z0-9+_.@:-]{0,128}")

# Q.850 causes the control plane uses to end calls.
HANGUP_CAUSES = frozenset(
    {"NORMAL_CLEARING", "CALL_REJECTED", "USER_BUSY", "NO_ANSWER", "ORIGINATOR_CANCEL", "MANAGER_REQUEST", "SYSTEM_SHUTDOWN"}
)
# Modules whose configuration comes from xml_curl and can be reloaded after a change.
RELOADABLE_MODULES = frozenset({"mod_conference", "mod_callcenter", "mod_voicemail"})  # never mod_sofia: it drops every call


@dataclass(frozen=True)
class Command:
    """One ESL command: ``api <text>``, or ``bgapi <text>`` when it may take long (originate)."""

    name: str
    text: str
    background: bool = False


def _match(pattern: re.Pattern[str], value: object, what: str) -> str:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise CommandError(f"invalid {what}: {value!r}")
    return value


def valid_sip_user(value: object) -> str:
    return _match(_SIP_USER, value, "SIP user name")


def valid_domain(value: object) -> str:
    return _match(_DOMAIN, value, "domain")


def valid_number(value: object) -> str:
    return _match(_NUMBER, value, "number")


def valid_call_id(value: object) -> str:
    """A call/channel id as FreeSWITCH writes it (canonical lower-case UUID)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str) or len(value) != 36:
        raise CommandError(f"invalid call id: {value!r}")
    try:
        parsed = uuid.UUID(value)
    except ValueError as exc:
        raise CommandError(f"invalid call id: {value!r}") from exc
    if str(parsed) != value:
        raise CommandError(f"invalid call id: {value!r}")
    return value


def _variables(variables: Mapping[str, object]) -> str:
    parts = []
    for name, value in variables.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        parts.append(f"{_match(_VAR_NAME, name, 'variable name')}={_match(_VAR_VALUE, text, 'variable value')}")
    return "{" + ",".join(parts) + "}" if parts else ""


# --- endpoints and applications for originate ------------------------------------------
@dataclass(frozen=True)
class UserEndpoint:
    """A registered device, found through the directory: ``user/<sip user>@<domain>``."""

    user: str
    domain: str

    def dial_string(self) -> str:
        return f"user/{valid_sip_user(self.user)}@{valid_domain(self.domain)}"


@dataclass(frozen=True)
class LoopbackEndpoint:
    """A number routed by the dialplan of ``context`` (our xml_curl dialplan): ``loopback/<number>/<context>``."""

    number: str
    context: str
    variables: Mapping[str, object] = field(default_factory=dict)

    def dial_string(self) -> str:
        return f"{_variables(self.variables)}loopback/{valid_number(self.number)}/{valid_domain(self.context)}"


Endpoint = UserEndpoint | LoopbackEndpoint


@dataclass(frozen=True)
class Park:
    def app(self) -> str:
        return "&park()"


@dataclass(frozen=True)
class BridgeTo:
    """When the first leg answers, bridge it to ``endpoint`` (e.g. a loopback into the dialplan)."""

    endpoint: Endpoint

    def app(self) -> str:
        return f"&bridge({self.endpoint.dial_string()})"


Application = Park | BridgeTo


def _endpoint(spec: Endpoint | Mapping[str, Any]) -> Endpoint:
    if isinstance(spec, UserEndpoint | LoopbackEndpoint):
        return spec
    kind = spec.get("kind")
    if kind == "user":
        return UserEndpoint(spec["user"], spec["domain"])
    if kind == "loopback":
        return LoopbackEndpoint(spec["number"], spec["context"], dict(spec.get("variables") or {}))
    raise CommandError(f"unknown endpoint kind {kind!r}")


def _application(spec: Application | Mapping[str, Any]) -> Application:
    if isinstance(spec, Park | BridgeTo):
        return spec
    kind = spec.get("kind")
    if kind == "park":
        return Park()
    if kind == "bridge":
        return BridgeTo(_endpoint(spec["endpoint"]))
    raise CommandError(f"unknown application kind {kind!r}")


def endpoint_spec(endpoint: Endpoint) -> dict[str, Any]:
    """The JSON form of an endpoint (for task arguments)."""
    if isinstance(endpoint, UserEndpoint):
        return {"kind": "user", "user": endpoint.user, "domain": endpoint.domain}
    return {"kind": "loopback", "number": endpoint.number, "context": endpoint.context, "variables": dict(endpoint.variables)}


def application_spec(application: Application) -> dict[str, Any]:
    if isinstance(application, Park):
        return {"kind": "park"}
    return {"kind": "bridge", "endpoint": endpoint_spec(application.endpoint)}


# --- the commands ------------------------------------------------------------------------
def flush_user(user: str, domain: str) -> Command:
    """Drop one directory entry from the node's XML cache: the next REGISTER fetches it again."""
    return Command("flush_user", f"xml_flush_cache id {valid_sip_user(user)} {valid_domain(domain)}")


def reloadxml() -> Command:
    return Command("reloadxml", "reloadxml")


def reloadacl() -> Command:
    return Command("reloadacl", "reloadacl")


def sofia_rescan(profile: str) -> Command:
    """Load added or changed gateways of a sofia profile (trunk changes)."""
    return Command("sofia_rescan", f"sofia profile {_match(_PROFILE, profile, 'profile name')} rescan")


def reload_module(module: str) -> Command:
    if module not in RELOADABLE_MODULES:
        raise CommandError(f"module not reloadable: {module!r}")
    return Command("reload_module", f"reload {module}")


def hangup(call_uuid: uuid.UUID | str, cause: str = "NORMAL_CLEARING") -> Command:
    if cause not in HANGUP_CAUSES:
        raise CommandError(f"unknown hangup cause: {cause!r}")
    return Command("hangup", f"uuid_kill {valid_call_id(call_uuid)} {cause}")


def transfer(call_uuid: uuid.UUID | str, destination: str, context: str, *, leg: str = "") -> Command:
    """Send a call (or its other leg: ``leg="bleg"``, both: ``"both"``) to a number of a dialplan context."""
    if leg not in ("", "bleg", "both"):
        raise CommandError(f"unknown leg {leg!r}")
    flag = f" -{leg}" if leg else ""
    target = f"{valid_number(destination)} XML {valid_domain(context)}"
    return Command("transfer", f"uuid_transfer {valid_call_id(call_uuid)}{flag} {target}")


def originate(
    endpoint: Endpoint | Mapping[str, Any],
    application: Application | Mapping[str, Any] | None = None,
    *,
    variables: Mapping[str, object] | None = None,
) -> Command:
    """``originate {variables}<endpoint> <application>`` (run as bgapi: it lasts until answered).

    ``variables`` keep their order (FreeSWITCH applies them left to right).
    """
    first = _endpoint(endpoint)
    then = _application(application or Park())
    if isinstance(first, LoopbackEndpoint) and first.variables and variables:
        raise CommandError("give the variables of a loopback endpoint in one place")
    return Command("originate", f"originate {_variables(variables or {})}{first.dial_string()} {then.app()}", background=True)


BUILDERS: dict[str, Callable[..., Command]] = {
    "flush_user": flush_user,
    "reloadxml": reloadxml,
    "reloadacl": reloadacl,
    "sofia_rescan": sofia_rescan,
    "reload_module": reload_module,
    "hangup": hangup,
    "transfer": transfer,
    "originate": originate,
}


def build(name: str, args: Mapping[str, Any]) -> Command:
    """The command ``name`` built from JSON-able keyword arguments; unknown names and bad values raise."""
    builder = BUILDERS.get(name)
    if builder is None:
        raise CommandError(f"unknown command {name!r}")
    try:
        return builder(**args)
    except TypeError as exc:
        raise CommandError(f"bad arguments for {name}: {exc}") from exc
    except KeyError as exc:
        raise CommandError(f"missing argument for {name}: {exc}") from exc

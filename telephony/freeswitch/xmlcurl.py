"""The xml_curl endpoint's core: authenticate the node, parse the post, answer by section.

Shared by the Django view and the lean ASGI route (``views.py``); both hand over the raw
request parts and send back an ``Answer``. Sections:

- ``directory`` -> ``telephony.freeswitch.directory.answer_directory``
- ``dialplan`` -> ``telephony.freeswitch.dialplan.answer_dialplan(node, params)``
- ``configuration`` -> ``telephony.freeswitch.configuration.answer_configuration``

Anything else, and any request that cannot be understood, gets the ``not found`` document, on
which FreeSWITCH falls back to its own files. Requests that are not from a known node get 401.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus

from telephony.freeswitch import auth, cache

logger = logging.getLogger(__name__)

NOT_FOUND_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
    '<document type="freeswitch/xml"><section name="result"><result status="not found"/></section></document>\n'
)
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
# mod_xml_curl posts a few kB; far larger bodies are not FreeSWITCH.
MAX_BODY_BYTES = 256 * 1024
MAX_FIELDS = 1000


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = XML_CONTENT_TYPE
    headers: tuple[tuple[str, str], ...] = ()


UNAUTHORIZED = Answer(401, "unauthorized\n", "text/plain; charset=utf-8", (("WWW-Authenticate", 'Basic realm="freeswitch"'),))
BAD_REQUEST = Answer(400, "bad request\n", "text/plain; charset=utf-8")


class FormFields(Mapping[str, str]):
    """The fields of a form body, each value URL-decoded when first read.

    A mod_xml_curl post carries 150-350 fields, of which one lookup reads a dozen; decoding them
    all up front was a third of a cached dialplan answer's time.
    """

    __slots__ = ("_decoded", "_raw")

    def __init__(self, raw: dict[str, str]) -> None:
        self._raw = raw
        self._decoded: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        try:
            return self._decoded[name]
        except KeyError:
            value = self._raw[name]
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        self._decoded[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def parse_form(body: bytes) -> FormFields | None:
    """The form fields of a mod_xml_curl post, or ``None`` when the body is not a form."""
    if len(body) > MAX_BODY_BYTES:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    pairs = text.split("&") if text else []
    if len(pairs) > MAX_FIELDS:
        return None
    # FreeSWITCH sends each name once; the first wins should one repeat.
    raw: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals:
            return None  # "name" without "=": not a form
        if "%" in name or "+" in name:
            name = unquote_plus(name)
        raw.setdefault(name, value)
    return FormFields(raw)


def answer_section(node: auth.AuthenticatedNode, params: Mapping[str, str], prefetched: cache.Prefetched | None = None) -> str:
    """The XML document answering one xml_curl lookup."""
    section = params.get("section", "")
    if section == "directory":
        from telephony.freeswitch.directory import answer_directory

        return answer_directory(params, prefetched)
    if section == "configuration":
        from telephony.freeswitch.configuration import answer_configuration

        return answer_configuration(params)
    if section == "dialplan":
        return _answer_dialplan(node, params)
    return NOT_FOUND_DOCUMENT


def _answer_dialplan(node: auth.AuthenticatedNode, params: Mapping[str, str]) -> str:
    try:
        from telephony.freeswitch.dialplan import answer_dialplan
    except ModuleNotFoundError as error:
        if error.name != "telephony.freeswitch.dialplan":
            raise
        return NOT_FOUND_DOCUMENT
    return answer_dialplan(node, params)


def handle_xml_request(*, remote_addr: str, forwarded_for: str | None, authorization: str | None, body: bytes) -> Answer:
    """Answer one POST to /freeswitch/xml/."""
    from telephony.freeswitch.directory import lookup_keys

    address = auth.client_address(remote_addr, forwarded_for)
    params = parse_form(body)
    # The node's credentials and the directory entries the lookup needs come in one round trip.
    credentials = auth.parse_basic(authorization)
    keys = [auth.node_key(credentials[0])] if credentials else []
    if credentials and params:
        keys += lookup_keys(params)
    prefetched = cache.prefetch(keys)
    node = auth.authenticate_node(authorization, address, endpoint="xml", prefetched=prefetched)
    if node is None:
        return UNAUTHORIZED
    if params is None or not params.get("section"):
        logger.info("malformed xml_curl post", extra={"node": node.name, "size": len(body)})
        return BAD_REQUEST
    try:
        return Answer(200, answer_section(node, params, prefetched))
    except Exception:
        # A failure must not become a 500 page: FreeSWITCH takes "not found" and carries on.
        logger.exception("xml_curl answer failed", extra={"node": node.name, "section": params.get("section")})
        return Answer(200, NOT_FOUND_DOCUMENT)

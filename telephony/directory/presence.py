"""Line state and presence of an extension ([DFN] §1.10), derived from what is live. Pure: no I/O, no Django ORM.

Inputs (``PresenceFacts``), over all devices of one extension:

* ``registered``: at least one device has a current registration;
* ``app``: one of those registrations is the app. There is no web or mobile app yet, so "logged
  into the app" means a registered *browser* device: a WebRTC client registers over WebSocket
  (``transport=ws`` or ``wss`` in its contact URI; FreeSWITCH's ``internal`` profile offers WSS);
* ``ringing``: a device is being rung (an outbound leg from the switch to the device, not answered);
* ``busy``: a device is in a call (an answered or bridged leg, or a call the device placed);
* ``dnd``: global do-not-disturb is on (``PersonalSettings.dnd``).

Outputs: the **line state** (offline / free / ringing / busy: busy beats ringing beats free beats
offline) and the **presence icon** (dnd beats busy beats available beats line free beats offline).

The switch gateway evaluates this inside one Redis script (``livestate.EXTENSION_PRESENCE``), from
``derivation_table()``: every combination of the five facts mapped to its result by ``derive()``,
so this module stays the only definition.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class LineState(models.TextChoices):
    OFFLINE = "offline", _("Offline")
    FREE = "free", _("Free")
    RINGING = "ringing", _("Ringing")
    BUSY = "busy", _("Busy")


class Presence(models.TextChoices):
    AVAILABLE = "available", _("Available")
    BUSY = "busy", _("Busy")
    LINE_FREE = "line_free", _("Line free")
    DND = "dnd", _("Do not disturb")
    OFFLINE = "offline", _("Offline")


@dataclass(frozen=True)
class PresenceFacts:
    registered: bool = False
    app: bool = False
    ringing: bool = False
    busy: bool = False
    dnd: bool = False

    @property
    def code(self) -> str:
        """``"10010"``: the facts as digits, in field order (the key of ``derivation_table()``)."""
        return "".join("1" if value else "0" for value in astuple(self))


@dataclass(frozen=True)
class ExtensionPresence:
    line_state: LineState
    presence: Presence

    @property
    def encoded(self) -> str:
        return f"{self.line_state.value}|{self.presence.value}"

    @classmethod
    def decode(cls, value: str) -> ExtensionPresence:
        line_state, _sep, presence = value.partition("|")
        return cls(LineState(line_state), Presence(presence))


def derive(facts: PresenceFacts) -> ExtensionPresence:
    """The extension's line state and presence icon."""
    if facts.busy:
        line = LineState.BUSY
    elif facts.ringing:
        line = LineState.RINGING
    elif facts.registered:
        line = LineState.FREE
    else:
        line = LineState.OFFLINE
    app = facts.app and facts.registered
    if facts.dnd:
        presence = Presence.DND
    elif line == LineState.BUSY:
        presence = Presence.BUSY
    elif app:
        presence = Presence.AVAILABLE
    elif line != LineState.OFFLINE:
        presence = Presence.LINE_FREE
    else:
        presence = Presence.OFFLINE
    return ExtensionPresence(line, presence)


def derivation_table() -> dict[str, str]:
    """Every combination of facts (``PresenceFacts.code``) -> ``"<line state>|<presence>"``."""
    return {
        PresenceFacts(*values).code: derive(PresenceFacts(*values)).encoded
        for values in itertools.product((False, True), repeat=5)
    }


_WS_TRANSPORT = re.compile(r";transport=wss?(?:;|>|$)", re.IGNORECASE)


def is_app_contact(contact: str) -> bool:
    """A registration's contact URI is a browser (WebRTC over WebSocket), i.e. "logged into the app"."""
    return bool(_WS_TRANSPORT.search(contact or ""))


def leg_activity(channel: Mapping[str, Any]) -> str:
    """``"ringing"`` or ``"busy"`` for one live call leg of a device (as the gateway stores it in ``chan``)."""
    if channel.get("state") == "ringing" and channel.get("direction") == "outbound":
        return "ringing"  # the switch rings the device and nobody answered yet
    return "busy"  # answered or bridged, or a call the device is placing


def facts_for(
    sip_usernames: Iterable[str],
    registrations: Mapping[str, Sequence[Mapping[str, Any]]],
    channels: Iterable[Mapping[str, Any]],
    *,
    dnd: bool,
    now: float,
) -> PresenceFacts:
    """The facts of one extension from the live state readers' answers (``livestate.registrations``,
    ``livestate.active_calls``)."""
    users = set(sip_usernames)
    current = [
        contact for user in users for contact in registrations.get(user, ()) if float(contact.get("expires_at") or 0) > now
    ]
    activity = {leg_activity(channel) for channel in channels if channel.get("sip_username") in users}
    return PresenceFacts(
        registered=bool(current),
        app=any(contact.get("app") or is_app_contact(str(contact.get("contact", ""))) for contact in current),
        ringing="ringing" in activity,
        busy="busy" in activity,
        dnd=dnd,
    )

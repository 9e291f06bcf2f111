"""Line state and presence icon of an extension ([DFN] §1.10): the pure derivation, table by table."""

from __future__ import annotations

import itertools

import pytest

from telephony.directory.presence import (
    ExtensionPresence,
    LineState,
    Presence,
    PresenceFacts,
    derivation_table,
    derive,
    facts_for,
    is_app_contact,
    leg_activity,
)

F = PresenceFacts


@pytest.mark.parametrize(
    ("facts", "line_state", "presence"),
    [
        # nothing registered, no call: not reachable
        (F(), LineState.OFFLINE, Presence.OFFLINE),
        # a desk phone (or mobile) registered: the line is free, not logged into the app
        (F(registered=True), LineState.FREE, Presence.LINE_FREE),
        # the app (a browser over WSS) registered: available
        (F(registered=True, app=True), LineState.FREE, Presence.AVAILABLE),
        # ringing: the line rings, the person is not in a call yet
        (F(registered=True, ringing=True), LineState.RINGING, Presence.LINE_FREE),
        (F(registered=True, app=True, ringing=True), LineState.RINGING, Presence.AVAILABLE),
        # in a call: busy, whatever else rings or is registered
        (F(registered=True, busy=True), LineState.BUSY, Presence.BUSY),
        (F(registered=True, app=True, busy=True), LineState.BUSY, Presence.BUSY),
        (F(registered=True, ringing=True, busy=True), LineState.BUSY, Presence.BUSY),
        # a call outlives its registration (expired mid-call): still busy
        (F(busy=True), LineState.BUSY, Presence.BUSY),
        (F(ringing=True), LineState.RINGING, Presence.LINE_FREE),
        # an app flag without a current registration counts for nothing
        (F(app=True), LineState.OFFLINE, Presence.OFFLINE),
        # global DND: the icon is DND whatever the line does; the line state still shows the line
        (F(dnd=True), LineState.OFFLINE, Presence.DND),
        (F(registered=True, app=True, dnd=True), LineState.FREE, Presence.DND),
        (F(registered=True, ringing=True, dnd=True), LineState.RINGING, Presence.DND),
        (F(registered=True, busy=True, dnd=True), LineState.BUSY, Presence.DND),
    ],
)
def test_derive(facts: PresenceFacts, line_state: LineState, presence: Presence) -> None:
    assert derive(facts) == ExtensionPresence(line_state, presence)


def test_line_state_precedence_busy_ringing_free_offline() -> None:
    rank = [LineState.OFFLINE, LineState.FREE, LineState.RINGING, LineState.BUSY]
    for registered, ringing, busy in itertools.product((False, True), repeat=3):
        expected = max(
            [LineState.OFFLINE] + [LineState.FREE] * registered + [LineState.RINGING] * ringing + [LineState.BUSY] * busy,
            key=rank.index,
        )
        assert derive(F(registered=registered, ringing=ringing, busy=busy)).line_state == expected


def test_derivation_table_covers_every_combination_with_derive() -> None:
    table = derivation_table()
    assert len(table) == 32
    for values in itertools.product((False, True), repeat=5):
        facts = F(*values)
        assert ExtensionPresence.decode(table[facts.code]) == derive(facts)
    assert table["00000"] == "offline|offline" and table["11000"] == "free|available" and table["10011"] == "busy|dnd"


@pytest.mark.parametrize(
    ("contact", "app"),
    [
        ("sip:ab12cd@198.51.100.7:51234;transport=ws", True),
        ("sip:ab12cd@198.51.100.7:51234;transport=WSS;ob", True),
        ('"" <sip:1001@192.0.2.10:5062;transport=wss>', True),
        ("sip:1001@192.0.2.10:5062;transport=UDP", False),
        ("sip:1001@192.0.2.10:5061;transport=tls", False),
        ("sip:1001@192.0.2.10:5062", False),
        ("sip:1001@wss.example.com:5062;transport=tcp", False),
        ("", False),
    ],
)
def test_is_app_contact_means_a_browser_over_websocket(contact: str, app: bool) -> None:
    assert is_app_contact(contact) is app


@pytest.mark.parametrize(
    ("leg", "activity"),
    [
        ({"state": "ringing", "direction": "outbound"}, "ringing"),  # the switch rings the device
        ({"state": "ringing", "direction": "inbound"}, "busy"),  # the device is placing a call
        ({"state": "answered", "direction": "outbound"}, "busy"),
        ({"state": "bridged", "direction": "inbound"}, "busy"),
    ],
)
def test_leg_activity(leg: dict[str, str], activity: str) -> None:
    assert leg_activity(leg) == activity


def test_facts_for_reads_only_the_extensions_current_registrations_and_legs() -> None:
    now = 1_000_000.0
    registrations = {
        "1001": [{"contact": "sip:1001@192.0.2.10;transport=udp", "expires_at": now + 60}],
        "1001-2": [{"contact": "sip:x@198.51.100.7;transport=wss", "expires_at": now - 1}],  # expired
        "2001": [{"contact": "sip:x@198.51.100.8;transport=wss", "expires_at": now + 60}],  # someone else
    }
    channels = [
        {"sip_username": "1001-2", "state": "ringing", "direction": "outbound"},
        {"sip_username": "2001", "state": "answered", "direction": "outbound"},
        {"sip_username": None, "state": "answered", "direction": "inbound"},  # a trunk leg
    ]
    facts = facts_for(["1001", "1001-2"], registrations, channels, dnd=False, now=now)
    assert facts == F(registered=True, app=False, ringing=True, busy=False, dnd=False)
    assert derive(facts) == ExtensionPresence(LineState.RINGING, Presence.LINE_FREE)
    assert facts_for(["2001"], registrations, channels, dnd=True, now=now) == F(True, True, False, True, True)

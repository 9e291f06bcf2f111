"""Fixtures for the SIP-level tests: sipp itself, and the xml_curl node that asks for directory entries."""

from __future__ import annotations

import shutil

import pytest

from tests.xmlcurl.conftest import (  # noqa: F401 - node_commands is an autouse fixture; node feeds post_xml
    node,
    node_commands,
    post_xml,
)


@pytest.fixture(scope="session")
def sipp() -> str:
    """The sipp binary. Missing is a failure, not a skip: the SIP-level check must not vanish silently."""
    path = shutil.which("sipp")
    if path is None:
        pytest.fail(
            "sipp is not installed: run deploy/dev/system-packages.sh as root (Debian package sip-tester)",
            pytrace=False,
        )
    return path

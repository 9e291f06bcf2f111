"""The node configuration loads mod_voicemail with a profile that never opens a mailbox without its PIN."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.xmlcurl.test_node_configuration import CONF


def test_voicemail_module_and_profile() -> None:
    modules = [load.get("module") for load in ET.parse(CONF / "autoload_configs/modules.conf.xml").getroot().iter("load")]
    assert "mod_voicemail" in modules
    root = ET.parse(CONF / "autoload_configs/voicemail.conf.xml").getroot()
    assert root.get("name") == "voicemail.conf"
    (profile,) = root.iter("profile")
    params = {param.get("name"): param.get("value") for param in profile.iter("param")}
    # the dialplan renders "voicemail default <domain> <mailbox>"
    assert profile.get("name") == "default"
    assert params["allow-empty-password-auth"] == "false"
    assert params["db-password-override"] == "false"
    # no static mailboxes: they come from the directory answers
    assert list(root.iter("user")) == []

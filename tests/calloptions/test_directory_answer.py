"""The directory answer carries the extension mailbox's mod_voicemail parameters ([DFN] §1.8, §1.16)."""

from __future__ import annotations

from telephony.directory import services as directory
from tests.xmlcurl.conftest import RecordedTenant, make_recorded_tenant
from tests.xmlcurl.test_directory import md5, params_of, parse, recorded, user_of, variables_of, with_fields


def set_pin(tenant: RecordedTenant, number: str, pin: str | None, capture) -> None:
    with capture(execute=True):
        directory.check_set_voicemail_pin(tenant.tenant, actor=None, extension=tenant.extensions[number], pin=pin)


def test_directory_voicemail_lookup_serves_the_pin_hash_never_the_pin(
    tenant_a: RecordedTenant, post_xml, django_capture_on_commit_callbacks
) -> None:
    # given 1001 set the PIN 4711
    set_pin(tenant_a, "1001", "4711", django_capture_on_commit_callbacks)
    # when mod_voicemail looks mailbox 1001 up (the recorded voicemail-lookup post)
    response = post_xml(recorded("directory_voicemail_lookup.txt"))
    # then the answer holds the mailbox parameters: the PIN as mod_voicemail's vm-a1-hash, no e-mail
    user = user_of(parse(response))
    params = params_of(user)
    assert params["vm-enabled"] == "true"
    assert params["vm-a1-hash"] == md5("1001:tenant-a.example:4711")
    assert params["vm-mailto"] == ""
    # a password no keypad can enter, so neither the SIP password nor an empty one opens the mailbox
    assert params["vm-password"] == "locked"
    assert variables_of(user)["voicemail_box"] == "1001"
    assert b"4711" not in response.content


def test_directory_mailbox_without_pin_cannot_be_opened(tenant_a: RecordedTenant, post_xml) -> None:
    params = params_of(user_of(parse(post_xml(recorded("directory_message_count.txt")))))
    assert params["vm-enabled"] == "true"
    assert params["vm-a1-hash"] == "locked"
    assert params["vm-password"] == "locked"


def test_directory_pin_change_reaches_the_next_lookup(
    tenant_a: RecordedTenant, post_xml, django_capture_on_commit_callbacks, node_commands
) -> None:
    set_pin(tenant_a, "1001", "4711", django_capture_on_commit_callbacks)
    post_xml(recorded("directory_voicemail_lookup.txt"))  # now cached
    set_pin(tenant_a, "1001", "908172", django_capture_on_commit_callbacks)
    params = params_of(user_of(parse(post_xml(recorded("directory_voicemail_lookup.txt")))))
    assert params["vm-a1-hash"] == md5("1001:tenant-a.example:908172")
    # and the nodes were told to drop their copy of the user
    assert any("1001" in str(batch) for batch in node_commands)


def test_directory_pin_stops_matching_after_the_number_changes(
    tenant_a: RecordedTenant, post_xml, django_capture_on_commit_callbacks
) -> None:
    set_pin(tenant_a, "1001", "4711", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        directory.check_update_extension(tenant_a.tenant, actor=None, extension=tenant_a.extensions["1001"], number="1009")
    params = params_of(user_of(parse(post_xml(recorded("directory_voicemail_lookup.txt")))))
    assert params["vm-a1-hash"] == "locked"


def test_directory_mailbox_params_are_the_tenants_own(
    tenant_a: RecordedTenant, post_xml, django_capture_on_commit_callbacks
) -> None:
    # given both tenants have a 1001 with different PINs
    with django_capture_on_commit_callbacks(execute=True):
        tenant_b = make_recorded_tenant("tenant-b", "tenant-b.example")
    set_pin(tenant_a, "1001", "4711", django_capture_on_commit_callbacks)
    set_pin(tenant_b, "1001", "2580", django_capture_on_commit_callbacks)
    # when mod_voicemail asks for 1001 in each domain
    in_a = params_of(user_of(parse(post_xml(recorded("directory_voicemail_lookup.txt")))))
    body_b = with_fields("directory_voicemail_lookup.txt", domain="tenant-b.example", key_value="tenant-b.example")
    in_b = params_of(user_of(parse(post_xml(body_b))))
    # then each domain answers with its own tenant's mailbox only
    assert in_a["vm-a1-hash"] == md5("1001:tenant-a.example:4711")
    assert in_b["vm-a1-hash"] == md5("1001:tenant-b.example:2580")

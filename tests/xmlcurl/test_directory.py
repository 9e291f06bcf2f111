"""The directory section of /freeswitch/xml/, fed with the bodies FreeSWITCH 1.10.12 really posted."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlencode

import pytest

from telephony.directory import services as directory_services
from telephony.directory.choices import CallerIdMode, ClassOfService
from telephony.freeswitch import cache
from tests.xmlcurl.conftest import make_recorded_tenant, recorded

USER_LOOKUPS = [
    ("directory_register.txt", "1001"),
    ("directory_invite_auth.txt", "1001"),
    ("directory_message_count.txt", "1001"),
    ("directory_user_call_bridge.txt", "1002"),
    ("directory_user_call_callcenter_agent.txt", "1002"),
    ("directory_voicemail_lookup.txt", "1001"),
    ("directory_user_exists.txt", "1001"),
]


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def is_not_found(document: ET.Element) -> bool:
    result = document.find("section[@name='result']/result")
    return result is not None and result.get("status") == "not found"


def user_of(document: ET.Element) -> ET.Element:
    user = document.find("section[@name='directory']/domain/groups/group/users/user")
    assert user is not None, ET.tostring(document)
    return user


def params_of(element: ET.Element) -> dict[str, str]:
    return {param.get("name"): param.get("value") for param in element.iter("param")}


def variables_of(element: ET.Element) -> dict[str, str]:
    return {variable.get("name"): variable.get("value") for variable in element.iter("variable")}


def with_fields(name: str, **changes: str) -> bytes:
    """A recorded body with some fields replaced (for cases the recording has no body of its own)."""
    fields = dict(parse_qsl(recorded(name).decode(), keep_blank_values=True))
    fields.update(changes)
    return urlencode(fields).encode()


def test_register_recorded_answers_a1_hash_that_passes_the_recorded_digest(tenant_a, post_xml):
    # given the recorded REGISTER digest lookup for 1001@tenant-a.example
    fields = dict(parse_qsl(recorded("directory_register.txt").decode()))

    # when FreeSWITCH asks for the user
    document = parse(post_xml(recorded("directory_register.txt")))

    # then the answer names the domain and the user, and carries the digest hash, never a password
    domain = document.find("section[@name='directory']/domain")
    assert domain.get("name") == "tenant-a.example"
    user = user_of(document)
    assert user.get("id") == "1001"
    params = params_of(user)
    assert "password" not in params
    ha1 = params["a1-hash"]
    assert ha1 == md5("1001:tenant-a.example:secret1001")
    # and that hash reproduces the response the phone really sent (RFC 2617, qop=auth)
    ha2 = md5(f"{fields['sip_auth_method']}:{fields['sip_auth_uri']}")
    expected = md5(
        f"{ha1}:{fields['sip_auth_nonce']}:{fields['sip_auth_nc']}:{fields['sip_auth_cnonce']}:{fields['sip_auth_qop']}:{ha2}"
    )
    assert expected == fields["sip_auth_response"]


def test_register_recorded_answer_carries_dialplan_variables_and_is_cacheable(tenant_a, post_xml):
    # given extension 1001 with a class of service and a language
    extension = tenant_a.extensions["1001"]
    directory_services.check_update_extension(
        tenant_a.tenant, actor=None, extension=extension, class_of_service=ClassOfService.INTERNATIONAL, language="de"
    )

    # when the recorded REGISTER lookup arrives
    user = user_of(parse(post_xml(recorded("directory_register.txt"))))

    # then the variables the dialplan and CDRs rely on are there
    variables = variables_of(user)
    assert variables["user_context"] == "tenant-a.example"
    assert variables["tenant_id"] == str(tenant_a.tenant.pk)
    assert variables["extension_id"] == str(extension.pk)
    assert variables["device_id"] == str(tenant_a.devices["1001"].pk)
    assert variables["effective_caller_id_name"] == "Extension 1001"
    assert variables["effective_caller_id_number"] == "1001"
    assert variables["class_of_service"] == "international"
    assert variables["allow_premium"] == "false"
    assert variables["voicemail_box"] == "1001"
    assert variables["default_language"] == "de"
    # and registration limits, the block-list ACL and the node cache are set
    params = params_of(user)
    assert params["max-registrations-per-extension"] == "1"
    assert params["auth-acl"] == "centrex-blocked"
    assert int(user.get("cacheable")) > 0


@pytest.mark.parametrize(("body", "user_id"), USER_LOOKUPS)
def test_user_lookup_recorded_answers_the_requested_user(tenant_a, post_xml, body, user_id):
    # when each recorded kind of user lookup arrives
    user = user_of(parse(post_xml(recorded(body))))

    # then the requested device answers, with its own hash
    assert user.get("id") == user_id
    assert params_of(user)["a1-hash"] == md5(f"{user_id}:tenant-a.example:secret{user_id}")


@pytest.mark.parametrize("body", ["directory_gateways.txt", "directory_network_list.txt"])
def test_profile_and_acl_lookups_recorded_answer_not_found_without_queries(tenant_a, post_xml, body, django_assert_num_queries):
    # given the node's credentials are cached by an earlier request
    post_xml(recorded(body))

    # when sofia asks for directory gateways / the core for network lists
    with django_assert_num_queries(0):
        response = post_xml(recorded(body))

    # then the answer is "not found" (nothing of a tenant belongs there)
    assert is_not_found(parse(response))


def test_unknown_domain_answers_not_found(node, post_xml, django_assert_num_queries):
    # given no tenant owns tenant-a.example; the node's credentials are already cached
    post_xml(recorded("directory_gateways.txt"))

    # when the recorded REGISTER lookup arrives, twice
    with django_assert_num_queries(1):
        first = post_xml(recorded("directory_register.txt"))
    with django_assert_num_queries(0):
        second = post_xml(recorded("directory_register.txt"))

    # then both are "not found", the second straight from the cache
    assert is_not_found(parse(first))
    assert is_not_found(parse(second))


def test_unknown_user_answers_not_found(tenant_a, post_xml):
    # when the recorded REGISTER lookup names a user the tenant does not have
    document = parse(post_xml(with_fields("directory_register.txt", user="1009", sip_auth_username="1009")))

    # then it is "not found"
    assert is_not_found(document)


def test_user_of_another_domain_is_not_found(tenant_a, post_xml, django_capture_on_commit_callbacks):
    # given another tenant whose device 2001 exists only there, and who also has a 1001
    with django_capture_on_commit_callbacks(execute=True):
        other = make_recorded_tenant(slug="tenant-b", sip_domain="tenant-b.example")
        extension = directory_services.check_create_extension(other.tenant, actor=None, number="2001", display_name="B")
        directory_services.check_create_device(other.tenant, actor=None, extension=extension)

    # when tenant-a.example is asked for 2001, and for 1001
    missing = parse(post_xml(with_fields("directory_register.txt", user="2001")))
    own = user_of(parse(post_xml(recorded("directory_register.txt"))))

    # then 2001 is not found and 1001 is tenant A's device, not tenant B's
    assert is_not_found(missing)
    assert variables_of(own)["tenant_id"] == str(tenant_a.tenant.pk)
    assert params_of(own)["a1-hash"] == tenant_a.devices["1001"].sip_ha1


def test_inactive_device_is_not_found(tenant_a, post_xml, django_capture_on_commit_callbacks):
    # given device 1001 switched off
    with django_capture_on_commit_callbacks(execute=True):
        directory_services.check_update_device(tenant_a.tenant, actor=None, device=tenant_a.devices["1001"], is_active=False)

    # when it tries to register
    document = parse(post_xml(recorded("directory_register.txt")))

    # then it is not found
    assert is_not_found(document)


def test_domain_lookup_answers_domain_without_users(tenant_a, post_xml):
    # given a domain lookup (the recorded body without a user)
    body = with_fields("directory_user_exists.txt", user="", key="")

    # when it arrives
    document = parse(post_xml(body))

    # then the domain is answered with its dial string and tenant, and no users
    domain = document.find("section[@name='directory']/domain")
    assert domain.get("name") == "tenant-a.example"
    assert "sofia_contact" in params_of(domain)["dial-string"]
    assert variables_of(domain)["tenant_id"] == str(tenant_a.tenant.pk)
    assert domain.find("groups") is None


def test_lookup_cache_miss_costs_two_queries_and_hit_none(tenant_a, post_xml, django_assert_num_queries):
    # given the node's credentials cached and nothing else
    post_xml(recorded("directory_gateways.txt"))

    # when the same user is looked up twice
    with django_assert_num_queries(2):
        first = post_xml(recorded("directory_register.txt"))
    with django_assert_num_queries(0):
        second = post_xml(recorded("directory_register.txt"))

    # then both answers are the same user
    assert first.content == second.content
    assert user_of(parse(second)).get("id") == "1001"


def test_reset_password_drops_cached_answer(tenant_a, post_xml, django_capture_on_commit_callbacks):
    # given 1001's answer is cached
    before = params_of(user_of(parse(post_xml(recorded("directory_register.txt")))))["a1-hash"]
    assert cache.get_directory(str(tenant_a.tenant.pk), "1001") is not None

    # when the admin resets the SIP password (the service schedules the sync)
    with django_capture_on_commit_callbacks(execute=True):
        password = directory_services.check_reset_sip_password(
            tenant_a.tenant, actor=None, device=tenant_a.devices["1001"], password="a-new-long-password-1"
        )

    # then the next lookup serves the new hash
    after = params_of(user_of(parse(post_xml(recorded("directory_register.txt")))))["a1-hash"]
    assert password == "a-new-long-password-1"
    assert after != before
    assert after == md5("1001:tenant-a.example:a-new-long-password-1")


def test_new_device_is_found_after_a_cached_miss(tenant_a, post_xml, django_capture_on_commit_callbacks):
    # given a lookup for a user that does not exist yet (the miss is cached)
    body = with_fields("directory_register.txt", user="1004")
    assert is_not_found(parse(post_xml(body)))

    # when the admin creates extension 1004 with a device
    with django_capture_on_commit_callbacks(execute=True):
        extension = directory_services.check_create_extension(tenant_a.tenant, actor=None, number="1004", display_name="New")
        directory_services.check_create_device(tenant_a.tenant, actor=None, extension=extension)

    # then the next lookup finds it
    assert user_of(parse(post_xml(body))).get("id") == "1004"


def test_outbound_caller_id_follows_mode(tenant_a, post_xml, django_capture_on_commit_callbacks):
    # given 1001 presents withheld caller ID
    with django_capture_on_commit_callbacks(execute=True):
        directory_services.check_update_extension(
            tenant_a.tenant, actor=None, extension=tenant_a.extensions["1001"], caller_id_mode=CallerIdMode.WITHHELD
        )

    # when it registers
    variables = variables_of(user_of(parse(post_xml(recorded("directory_register.txt")))))

    # then no outbound number is offered
    assert variables["caller_id_mode"] == "withheld"
    assert variables["outbound_caller_id_number"] == ""


def test_answer_read_before_a_change_is_not_served_after_it(tenant_a, post_xml, django_capture_on_commit_callbacks):
    # given a lookup that read the generation and the database just before a password change...
    tenant_id = str(tenant_a.tenant.pk)
    read_generation = cache.generation(tenant_id)
    with django_capture_on_commit_callbacks(execute=True):
        directory_services.check_reset_sip_password(
            tenant_a.tenant, actor=None, device=tenant_a.devices["1001"], password="changed-password-123"
        )
    # ...and stored its (old) answer only after the change's sync had run
    cache.set_directory(tenant_id, "1001", "<stale/>", sip_domain="tenant-a.example", generation=read_generation)

    # when the phone registers again
    user = user_of(parse(post_xml(recorded("directory_register.txt"))))

    # then the stale answer is not used: the new hash is served
    assert params_of(user)["a1-hash"] == md5("1001:tenant-a.example:changed-password-123")

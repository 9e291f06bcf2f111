import hashlib
import hmac

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from centrex.webhooks import signing, vault

SECRET = "whsec_test-secret"
BODY = b'{"id":"1","type":"call.started"}'


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    # when
    header = signing.signature(SECRET, 1700000000, BODY)
    # then
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"v1={expected}"


def test_verify_with_right_secret_and_fresh_timestamp_succeeds():
    # given
    headers = signing.signed_headers(secret=SECRET, event_type="call.started", delivery_id="d1", body=BODY, timestamp=1000)
    # when / then
    assert signing.verify(SECRET, timestamp="1000", body=BODY, header=headers["X-Centrex-Signature"], now=1010)


@pytest.mark.parametrize(
    ("secret", "body", "timestamp", "now"),
    [
        ("whsec_other", BODY, "1000", 1000),  # wrong secret
        (SECRET, BODY + b" ", "1000", 1000),  # body changed
        (SECRET, BODY, "1001", 1001),  # timestamp changed
        (SECRET, BODY, "1000", 1000 + 301),  # too old: replay
        (SECRET, BODY, "not-a-number", 1000),
    ],
)
def test_verify_with_tampered_or_stale_input_fails(secret, body, timestamp, now):
    # given
    header = signing.signature(SECRET, 1000, BODY)
    # when / then
    assert not signing.verify(secret, timestamp=timestamp, body=body, header=header, now=now)


def test_signed_headers_name_event_delivery_and_timestamp():
    # when
    headers = signing.signed_headers(secret=SECRET, event_type="call.ended", delivery_id="abc", body=BODY, timestamp=42)
    # then
    assert headers["X-Centrex-Event"] == "call.ended"
    assert headers["X-Centrex-Delivery"] == "abc"
    assert headers["X-Centrex-Timestamp"] == "42"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Centrex-Signature"] == signing.signature(SECRET, 42, BODY)


def test_generated_secrets_are_long_random_and_prefixed():
    # when
    secrets = {vault.generate_secret() for _ in range(50)}
    # then
    assert len(secrets) == 50
    assert all(secret.startswith("whsec_") and len(secret) >= 40 for secret in secrets)


def test_vault_encrypts_so_the_stored_value_does_not_contain_the_secret():
    # given
    secret = vault.generate_secret()
    # when
    token = vault.encrypt(secret)
    # then
    assert secret not in token
    assert vault.decrypt(token) == secret


def test_vault_decrypts_with_an_older_key_after_key_rotation():
    # given a secret encrypted with the old key
    old_key, new_key = vault.Fernet.generate_key().decode(), vault.Fernet.generate_key().decode()
    with override_settings(WEBHOOK_SECRET_KEYS=[old_key]):
        token = vault.encrypt("whsec_abc")
    # when the new key is put first
    with override_settings(WEBHOOK_SECRET_KEYS=[new_key, old_key]):
        # then the old token still decrypts
        assert vault.decrypt(token) == "whsec_abc"
    # and without the old key it cannot be read, with a message saying why
    with override_settings(WEBHOOK_SECRET_KEYS=[new_key]), pytest.raises(ImproperlyConfigured, match="WEBHOOK_SECRET_KEYS"):
        vault.decrypt(token)

"""Endpoint secrets at rest: generated here, stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256).

The secret has to be readable again (we sign every delivery with it and the admin can copy it
from the portal), so it cannot be hashed like an API key. Keys come from
``settings.WEBHOOK_SECRET_KEYS`` (first one encrypts, every one decrypts, so keys can be rotated);
without that setting one key is derived from ``SECRET_KEY``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    """A new signing secret: 32 random bytes, URL-safe, with a prefix that makes leaks easy to spot."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = hashlib.sha256(b"centrex.webhooks.secrets:" + secret_key.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("WEBHOOK_SECRET_KEYS must be Fernet keys (32 url-safe base64-encoded bytes).") from exc


def _current() -> MultiFernet:
    return _fernet(tuple(settings.WEBHOOK_SECRET_KEYS), settings.SECRET_KEY)


def encrypt(secret: str) -> str:
    return _current().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A webhook secret cannot be decrypted: was WEBHOOK_SECRET_KEYS or SECRET_KEY changed?"
        ) from exc

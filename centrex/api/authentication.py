"""API key authentication: ``Authorization: Bearer cxk_<prefix>_<secret>``.

A key authenticates as the person who created it (the actor of its writes; the audit entry
also names the key). A key stops working when it is revoked or expired, and when its
creator is deactivated, leaves the tenant or (for tenant keys) is no longer a tenant admin,
or (for operator keys) is no longer an operator.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from centrex.api.models import ApiKey
from tenants.choices import Role
from tenants.models import User

if TYPE_CHECKING:
    from rest_framework.request import Request

TOKEN_PREFIX = "cxk_"
# last_used_at is written at most this often per key, to keep a write off every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_token(token: str) -> str | None:
    """The prefix of a well-formed token, else None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not sep or not prefix or not secret:
        return None
    return prefix


def _owner_still_entitled(key: ApiKey) -> bool:
    user = key.created_by
    if user is None or not user.is_active:
        return False
    if key.is_operator_key:
        return user.is_staff
    membership = getattr(user, "membership", None)
    return (
        membership is not None
        and membership.is_active
        and membership.tenant_id == key.tenant_id
        and membership.role == Role.ADMIN
    )


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        token = token.strip()
        prefix = parse_token(token)
        if prefix is None:
            raise exceptions.AuthenticationFailed(_("Malformed API key."))
        key = ApiKey.objects.select_related("tenant", "created_by__membership").filter(prefix=prefix).first()
        # Compare even when no key matched, so timing does not tell whether a prefix exists.
        expected = key.secret_hash if key is not None else "0" * 64
        if not hmac.compare_digest(expected, hash_token(token)) or key is None:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        now = timezone.now()
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API key has been revoked."))
        if key.is_expired(now):
            raise exceptions.AuthenticationFailed(_("This API key has expired."))
        if not _owner_still_entitled(key):
            raise exceptions.AuthenticationFailed(_("The person who created this API key no longer has the access it needs."))
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        assert key.created_by is not None
        return key.created_by, key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'

"""Writes of the API app: creating and revoking API keys.

The token is returned once, by ``check_create_api_key``; only its SHA-256 digest is stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centrex.api.authentication import TOKEN_PREFIX, hash_token
from centrex.api.models import ApiKey
from centrex.api.scopes import OPERATOR_SCOPES, TENANT_SCOPES
from tenants import audit
from tenants.models import Tenant, User

KEY_FIELDS = ["name", "prefix", "expires_at", "revoked_at"]


def _state(key: ApiKey) -> dict[str, object]:
    return {**audit.snapshot(key, KEY_FIELDS), "scopes": list(key.scopes)}


def _new_token() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


@transaction.atomic
def check_create_api_key(
    tenant: Tenant | None,
    *,
    actor: User | None,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    grantable: Iterable[str] | None = None,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key of ``tenant`` (an operator key for ``None``); returns the key and its token.

    ``grantable`` limits the scopes to those the caller holds itself (a key cannot mint a
    stronger key).
    """
    now = now or timezone.now()
    scopes = sorted(set(scopes))
    allowed = OPERATOR_SCOPES if tenant is None else TENANT_SCOPES
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Give the key a name.")
    if not scopes:
        errors["scopes"] = _("Choose at least one scope.")
    elif not set(scopes) <= allowed:
        errors["scopes"] = _("These scopes are not available here: %(scopes)s") % {
            "scopes": ", ".join(sorted(set(scopes) - allowed))
        }
    elif grantable is not None and not set(scopes) <= set(grantable):
        errors["scopes"] = _("You can only grant scopes you hold yourself: %(scopes)s") % {
            "scopes": ", ".join(sorted(set(scopes) - set(grantable)))
        }
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = _("The expiry must be in the future.")
    if errors:
        raise ValidationError(errors)
    prefix, token = _new_token()
    key = ApiKey(
        tenant=tenant,
        name=name.strip(),
        prefix=prefix,
        secret_hash=hash_token(token),
        scopes=scopes,
        expires_at=expires_at,
        created_by=actor,
    )
    key.full_clean()
    key.save()
    audit.record(tenant=tenant, actor=actor, action="apikey.create", obj=key, after=_state(key))
    return key, token


@transaction.atomic
def do_revoke_api_key(tenant: Tenant | None, *, actor: User | None, key: ApiKey, now: datetime | None = None) -> ApiKey:
    """Revoke ``key`` for good; it answers 401 from the next request on."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk, tenant=tenant)
    if key.revoked_at is not None:
        return key
    before = _state(key)
    key.revoked_at = now or timezone.now()
    key.save(update_fields=["revoked_at", "updated_at"])
    audit.record(tenant=tenant, actor=actor, action="apikey.revoke", obj=key, before=before, after=_state(key))
    return key

"""Who is calling the API: the tenant, the acting user, the key and the scopes of one request.

``caller(request)`` is the one place that turns an authenticated request (browser session or
API key) into the tenant and scopes every viewset and permission check works with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from centrex.api.models import ApiKey
from centrex.api.scopes import ADMIN_SESSION_SCOPES, MEMBER_SESSION_SCOPES, OPERATOR_SESSION_SCOPES
from tenants.choices import Role
from tenants.models import Tenant, User

if TYPE_CHECKING:
    from rest_framework.request import Request


@dataclass(frozen=True)
class Caller:
    user: User | None  # the actor passed to services (for a key: the person who created it)
    tenant: Tenant | None  # None for operators
    is_operator: bool
    scopes: frozenset[str]
    api_key: ApiKey | None = None


ANONYMOUS = Caller(user=None, tenant=None, is_operator=False, scopes=frozenset())


def caller(request: Request) -> Caller:
    """The caller of ``request``, computed once and kept on the request."""
    cached = getattr(request, "_centrex_caller", None)
    if cached is not None:
        return cached
    result = _resolve(request)
    request._centrex_caller = result  # type: ignore[attr-defined]
    return result


def _resolve(request: Request) -> Caller:
    user = request.user
    if not user or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    key = request.auth if isinstance(request.auth, ApiKey) else None
    if key is not None:
        return Caller(user=user, tenant=key.tenant, is_operator=key.is_operator_key, scopes=frozenset(key.scopes), api_key=key)
    if user.is_staff:
        return Caller(user=user, tenant=None, is_operator=True, scopes=OPERATOR_SESSION_SCOPES)
    membership = getattr(user, "membership", None)
    if membership is None or not membership.is_active:
        return ANONYMOUS
    scopes = ADMIN_SESSION_SCOPES if membership.role == Role.ADMIN else MEMBER_SESSION_SCOPES
    return Caller(user=user, tenant=membership.tenant, is_operator=False, scopes=scopes)

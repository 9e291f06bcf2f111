"""The scopes an API key can hold, and which callers may hold which."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    DIRECTORY_READ = "directory:read", _("Read the directory (extensions, numbers, contacts)")
    DIRECTORY_WRITE = "directory:write", _("Change the directory")
    CALLS_READ = "calls:read", _("Read call records and live calls")
    CALLS_WRITE = "calls:write", _("Place and control calls")
    PERSONAL_WRITE = "personal:write", _("Change your own settings and private contacts")
    ADMIN_READ = "admin:read", _("Read tenant administration (users, licences, audit log, keys, webhooks)")
    ADMIN_WRITE = "admin:write", _("Change tenant administration (users, keys, webhooks)")
    PLATFORM_READ = "platform:read", _("Read platform resources (operators only)")
    PLATFORM_WRITE = "platform:write", _("Change platform resources (operators only)")


TENANT_SCOPES: frozenset[str] = frozenset(
    {
        Scope.DIRECTORY_READ,
        Scope.DIRECTORY_WRITE,
        Scope.CALLS_READ,
        Scope.CALLS_WRITE,
        Scope.PERSONAL_WRITE,
        Scope.ADMIN_READ,
        Scope.ADMIN_WRITE,
    }
)
OPERATOR_SCOPES: frozenset[str] = frozenset({Scope.PLATFORM_READ, Scope.PLATFORM_WRITE})

# What a browser session may do: the role decides, as on the portal pages.
MEMBER_SESSION_SCOPES: frozenset[str] = frozenset(
    {Scope.DIRECTORY_READ, Scope.CALLS_READ, Scope.CALLS_WRITE, Scope.PERSONAL_WRITE}
)
ADMIN_SESSION_SCOPES: frozenset[str] = TENANT_SCOPES
OPERATOR_SESSION_SCOPES: frozenset[str] = OPERATOR_SCOPES

# Sorted choice lists, shared by serializers and the OpenAPI enum names.
TENANT_SCOPE_CHOICES: list[str] = sorted(TENANT_SCOPES)
OPERATOR_SCOPE_CHOICES: list[str] = sorted(OPERATOR_SCOPES)

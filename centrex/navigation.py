"""Portal navigation: each app registers its entries in ``AppConfig.ready()``.

Audiences: ``operator`` (staff), ``admin`` (tenant admins), ``member`` (any user of a tenant).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str | Promise
    audience: str
    order: int = 100


_entries: list[NavEntry] = []


def register(url_name: str, label: str | Promise, audience: str, order: int = 100) -> None:
    if audience not in {"operator", "admin", "member"}:
        raise ValueError(f"unknown audience {audience!r}")
    entry = NavEntry(url_name, label, audience, order)
    if entry not in _entries:
        _entries.append(entry)


def entries_for(audience: str) -> list[NavEntry]:
    return sorted((entry for entry in _entries if entry.audience == audience), key=lambda entry: entry.order)

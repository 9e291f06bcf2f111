"""Tenant-scoped reads of media files, and the built-in default of each kind."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from telephony.media.choices import MediaKind
from telephony.media.models import MediaFile
from tenants.models import Tenant

DEFAULT_REF = "default"

# What a node plays for the built-in default of each kind (stock FreeSWITCH 1.10 sources).
BUILTIN_SOURCES = {
    MediaKind.MUSIC_ON_HOLD: "local_stream://moh",
    MediaKind.RING_TONE: "tone_stream://%(1000,4000,425)",  # the German ring-back cadence
    MediaKind.ANNOUNCEMENT: "tone_stream://%(200,200,425);loops=3",
}
BUILTIN_LABELS: dict[str, Promise] = {
    MediaKind.MUSIC_ON_HOLD: _("Default music on hold"),
    MediaKind.RING_TONE: _("Default ring tone"),
    MediaKind.ANNOUNCEMENT: _("Default announcement (tones)"),
}


@dataclass(frozen=True)
class MediaChoice:
    ref: str  # DEFAULT_REF or a media file id
    label: str | Promise
    is_default: bool


def media_files(tenant: Tenant, kind: str | None = None) -> QuerySet[MediaFile]:
    files = MediaFile.objects.for_tenant(tenant)
    return files.filter(kind=kind) if kind else files


def get_media_file(tenant: Tenant, media_id: uuid.UUID | str) -> MediaFile:
    """One media file of ``tenant``; another tenant's id is not found."""
    try:
        return MediaFile.objects.for_tenant(tenant).get(pk=media_id)
    except (MediaFile.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def choices(tenant: Tenant, kind: str) -> list[MediaChoice]:
    """The built-in default first, then the tenant's uploads of that kind."""
    uploads = [MediaChoice(str(media.pk), media.name, False) for media in media_files(tenant, kind)]
    return [MediaChoice(DEFAULT_REF, BUILTIN_LABELS[kind], True), *uploads]

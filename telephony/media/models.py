"""Uploaded audio of a tenant: music on hold, ring tones, announcements."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from telephony.media.choices import MediaKind
from tenants.models import TenantOwned


def _original_path(instance: MediaFile, filename: str) -> str:
    return f"media/{instance.tenant_id}/{instance.kind}/{instance.id}/original"


def _converted_path(instance: MediaFile, filename: str) -> str:
    return f"media/{instance.tenant_id}/{instance.kind}/{instance.id}.wav"


class MediaFile(TenantOwned):
    """One uploaded audio file, kept as uploaded and as the 16 kHz mono WAV the nodes play."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=MediaKind.choices)
    name = models.CharField(_("name"), max_length=100)
    original_name = models.CharField(_("file name"), max_length=200)
    original_format = models.CharField(_("format"), max_length=4)
    original = models.FileField(_("uploaded file"), upload_to=_original_path, max_length=300)
    converted = models.FileField(_("converted file"), upload_to=_converted_path, max_length=300)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("media file")
        verbose_name_plural = _("media files")
        constraints = [models.UniqueConstraint(fields=["tenant", "kind", "name"], name="mediafile_tenant_kind_name_unique")]
        indexes = [models.Index(fields=["tenant", "kind"], name="mediafile_tenant_kind")]

    def __str__(self) -> str:
        return self.name

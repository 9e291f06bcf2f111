"""Writes of the media app: upload (checked and converted), rename, delete."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from centrex.events import DomainEvent, publish
from telephony.media import audio
from telephony.media.choices import MediaKind
from telephony.media.models import MediaFile
from tenants import audit
from tenants.models import Tenant, User

FIELDS = ["kind", "name", "original_name", "original_format", "duration_ms", "size_bytes"]
ALLOWED_SUFFIXES = {".wav": "wav", ".mp3": "mp3"}


def _event(media: MediaFile, op: str) -> DomainEvent:
    return DomainEvent(
        type="media",
        op=op,
        tenant=str(media.tenant_id),
        data={"id": str(media.pk), "kind": media.kind, "name": media.name, "duration_ms": media.duration_ms},
    )


def _check_name(tenant: Tenant, kind: str, name: str, exclude: MediaFile | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the file a name.")})
    others = MediaFile.objects.for_tenant(tenant).filter(kind=kind, name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        raise ValidationError({"name": _("A file of this kind with this name exists already.")})
    return name


@transaction.atomic
def check_upload_media(tenant: Tenant, *, actor: User | None, kind: str, name: str, upload: UploadedFile) -> MediaFile:
    """Store an uploaded WAV or MP3 (at most 4 MB, at most 10 per kind) after decoding it."""
    if kind not in MediaKind.values:
        raise ValidationError({"kind": _("Unknown kind of media.")})
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)  # serialises the count check
    if MediaFile.objects.for_tenant(tenant).filter(kind=kind).count() >= settings.MEDIA_MAX_FILES_PER_KIND:
        raise ValidationError(
            _("At most %(count)s files of this kind are allowed. Delete one first.")
            % {"count": settings.MEDIA_MAX_FILES_PER_KIND}
        )
    name = _check_name(tenant, kind, name)
    original_name = PurePath(upload.name or "upload").name[:200]
    if PurePath(original_name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise ValidationError({"upload": _("Only WAV and MP3 files are accepted.")})
    if upload.size is None or upload.size > settings.MEDIA_MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"upload": _("The file is larger than %(size)s MB.") % {"size": settings.MEDIA_MAX_UPLOAD_BYTES // (1024 * 1024)}}
        )
    data = upload.read()
    try:
        converted = audio.convert(data)
    except ValidationError as error:
        raise ValidationError({"upload": error.messages}) from error
    media = MediaFile(
        tenant=tenant,
        kind=kind,
        name=name,
        original_name=original_name,
        original_format=converted.format,
        duration_ms=converted.duration_ms,
        size_bytes=len(data),
    )
    # Files are written before the row; if anything after fails, they are removed again.
    media.original.save("original", ContentFile(data), save=False)
    media.converted.save("converted.wav", ContentFile(converted.wav), save=False)
    stored = [media.original.name, media.converted.name]
    try:
        with transaction.atomic():
            media.save()
    except IntegrityError as exc:
        _delete_files(stored)
        raise ValidationError({"name": _("A file of this kind with this name exists already.")}) from exc
    audit.record(tenant=tenant, actor=actor, action="media.upload", obj=media, after=audit.snapshot(media, FIELDS))
    publish(_event(media, "created"))
    return media


@transaction.atomic
def check_rename_media(tenant: Tenant, *, actor: User | None, media: MediaFile, name: str) -> MediaFile:
    media = MediaFile.objects.for_tenant(tenant).select_for_update().get(pk=media.pk)
    before = audit.snapshot(media, FIELDS)
    media.name = _check_name(tenant, media.kind, name, exclude=media)
    media.save(update_fields=["name", "updated_at"])
    audit.record(tenant=tenant, actor=actor, action="media.rename", obj=media, before=before, after=audit.snapshot(media, FIELDS))
    publish(_event(media, "updated"))
    return media


@transaction.atomic
def check_delete_media(tenant: Tenant, *, actor: User | None, media: MediaFile) -> None:
    """Delete a file that nothing uses any more (groups, numbers refer to media with PROTECT)."""
    media = MediaFile.objects.for_tenant(tenant).select_for_update().get(pk=media.pk)
    before = audit.snapshot(media, FIELDS)
    stored = [media.original.name, media.converted.name]
    event = _event(media, "deleted")
    try:
        media.delete()
    except ProtectedError as exc:
        raise ValidationError(_("This file is in use and cannot be deleted.")) from exc
    audit.record(tenant=tenant, actor=actor, action="media.delete", obj=media, before=before)
    transaction.on_commit(lambda: _delete_files(stored))
    publish(event)


def _delete_files(names: list[str]) -> None:
    storage = MediaFile.original.field.storage
    for name in names:
        if name:
            storage.delete(name)

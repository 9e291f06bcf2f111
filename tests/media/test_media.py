"""Media uploads: really decoded, at most 4 MB, at most 10 per kind, converted for the nodes."""

from __future__ import annotations

import io
import math
import wave
from array import array
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from telephony.media import selectors, services
from telephony.media.choices import MediaKind
from telephony.media.models import MediaFile
from tenants.models import AuditEntry

FIXTURES = Path(__file__).parent / "fixtures"


def make_wav(seconds: float = 1.0, rate: int = 8000, channels: int = 2) -> bytes:
    frames = int(seconds * rate)
    samples = array("h", (int(6000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(frames) for _ in range(channels)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def test_upload_wav_is_converted_to_16khz_mono(acme):
    # when
    media = services.check_upload_media(
        acme.tenant, actor=acme.admin, kind=MediaKind.MUSIC_ON_HOLD, name="Jazz", upload=upload("jazz.wav", make_wav(2.0))
    )
    # then
    with wave.open(media.converted.open("rb")) as converted:
        assert (converted.getnchannels(), converted.getframerate(), converted.getsampwidth()) == (1, 16000, 2)
        assert converted.getnframes() == 32000
    assert media.duration_ms == 2000
    assert media.original_format == "wav"
    assert AuditEntry.objects.filter(tenant=acme.tenant, action="media.upload").count() == 1


def test_upload_mp3_is_decoded_and_converted(acme):
    # when
    media = services.check_upload_media(
        acme.tenant,
        actor=acme.admin,
        kind=MediaKind.ANNOUNCEMENT,
        name="Welcome",
        upload=upload("tone.mp3", (FIXTURES / "tone-1s.mp3").read_bytes()),
    )
    # then
    assert media.original_format == "mp3"
    assert 900 <= media.duration_ms <= 1200
    with wave.open(media.converted.open("rb")) as converted:
        assert converted.getframerate() == 16000


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("notes.wav", b"This is a text file, renamed.\n" * 100, "not a WAV or MP3"),
        ("notes.mp3", b"This is a text file, renamed.\n" * 100, "not a WAV or MP3"),
        ("song.ogg", b"OggS" + b"\x00" * 100, "Only WAV and MP3"),
        ("empty.wav", make_wav(0.0), "contains no audio"),
    ],
)
def test_upload_non_audio_is_refused_and_nothing_stored(acme, tmp_path, filename, data, message):
    # when
    with pytest.raises(ValidationError) as error:
        services.check_upload_media(
            acme.tenant, actor=acme.admin, kind=MediaKind.RING_TONE, name="Bad", upload=upload(filename, data)
        )
    # then
    assert message in " ".join(error.value.messages)
    assert not MediaFile.objects.exists()
    assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_upload_of_5_mb_is_refused(acme):
    # given: a valid WAV just over the limit (about 5 MB)
    data = make_wav(seconds=33.0, rate=40000, channels=2)
    assert len(data) > 5_000_000
    # when / then
    with pytest.raises(ValidationError, match="larger than 4 MB"):
        services.check_upload_media(
            acme.tenant, actor=acme.admin, kind=MediaKind.MUSIC_ON_HOLD, name="Big", upload=upload("big.wav", data)
        )
    assert not MediaFile.objects.exists()


def test_eleventh_file_of_a_kind_is_refused(acme):
    # given
    for number in range(10):
        services.check_upload_media(
            acme.tenant, actor=acme.admin, kind=MediaKind.RING_TONE, name=f"Tone {number}", upload=upload("t.wav", make_wav(0.2))
        )
    # when / then
    with pytest.raises(ValidationError, match="At most 10"):
        services.check_upload_media(
            acme.tenant, actor=acme.admin, kind=MediaKind.RING_TONE, name="Tone 11", upload=upload("t.wav", make_wav(0.2))
        )
    assert MediaFile.objects.for_tenant(acme.tenant).count() == 10
    # another kind still has room
    services.check_upload_media(
        acme.tenant, actor=acme.admin, kind=MediaKind.ANNOUNCEMENT, name="A", upload=upload("a.wav", make_wav(0.2))
    )


def test_duplicate_name_of_same_kind_is_refused(acme):
    # given
    services.check_upload_media(
        acme.tenant, actor=acme.admin, kind=MediaKind.RING_TONE, name="Ring", upload=upload("r.wav", make_wav(0.2))
    )
    # when / then
    with pytest.raises(ValidationError) as error:
        services.check_upload_media(
            acme.tenant, actor=acme.admin, kind=MediaKind.RING_TONE, name="ring", upload=upload("r.wav", make_wav(0.2))
        )
    assert "name" in error.value.message_dict


def test_delete_removes_row_and_files(acme, tmp_path, django_capture_on_commit_callbacks):
    # given
    media = services.check_upload_media(
        acme.tenant, actor=acme.admin, kind=MediaKind.RING_TONE, name="Ring", upload=upload("r.wav", make_wav(0.2))
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.check_delete_media(acme.tenant, actor=acme.admin, media=media)
    # then
    assert not MediaFile.objects.exists()
    assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_choices_start_with_the_builtin_default(acme):
    # given
    services.check_upload_media(
        acme.tenant, actor=acme.admin, kind=MediaKind.MUSIC_ON_HOLD, name="Jazz", upload=upload("j.wav", make_wav(0.2))
    )
    # when
    choices = selectors.choices(acme.tenant, MediaKind.MUSIC_ON_HOLD)
    # then
    assert [choice.is_default for choice in choices] == [True, False]
    assert choices[1].label == "Jazz"


def test_portal_upload_listen_download_and_delete(admin_client, acme):
    # when: upload through the page
    response = admin_client.post(
        "/portal/media/upload/", {"kind": "moh", "name": "Jazz", "upload": upload("jazz.wav", make_wav(0.5))}
    )
    # then
    assert response.status_code == 302
    media = MediaFile.objects.get()
    page = admin_client.get("/portal/media/")
    assert "Jazz" in page.content.decode()
    audio = admin_client.get(f"/portal/media/{media.pk}/audio/")
    assert audio["Content-Type"] == "audio/wav"
    download = admin_client.get(f"/portal/media/{media.pk}/audio/?download=1")
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content)[:4] == b"RIFF"
    # and deleting it
    response = admin_client.post(f"/portal/media/{media.pk}/", {"action": "delete"})
    assert response.status_code == 302
    assert not MediaFile.objects.exists()


def test_portal_upload_of_text_file_shows_form_error(admin_client):
    # when
    response = admin_client.post(
        "/portal/media/upload/", {"kind": "moh", "name": "Bad", "upload": upload("x.wav", b"hello" * 50)}
    )
    # then
    assert response.status_code == 200
    assert "not a WAV or MP3" in response.content.decode()
    assert not MediaFile.objects.exists()


def test_other_tenants_media_is_not_found(acme, globex):
    # given
    media = services.check_upload_media(
        globex.tenant, actor=globex.admin, kind=MediaKind.RING_TONE, name="R", upload=upload("r.wav", make_wav(0.2))
    )
    from tests.conftest import logged_in

    client = logged_in(acme.admin)
    # when / then
    for url in (f"/portal/media/{media.pk}/", f"/portal/media/{media.pk}/audio/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/portal/media/{media.pk}/", {"action": "delete"}).status_code == 404
    assert MediaFile.objects.filter(pk=media.pk).exists()


@override_settings(MEDIA_MAX_FILES_PER_KIND=1)
def test_limit_is_read_from_settings(acme):
    services.check_upload_media(
        acme.tenant, actor=acme.admin, kind=MediaKind.RING_TONE, name="A", upload=upload("a.wav", make_wav(0.2))
    )
    with pytest.raises(ValidationError, match="At most 1 "):
        services.check_upload_media(
            acme.tenant, actor=acme.admin, kind=MediaKind.RING_TONE, name="B", upload=upload("b.wav", make_wav(0.2))
        )

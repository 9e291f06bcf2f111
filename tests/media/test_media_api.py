"""The media resource of the REST API: upload, scopes, isolation, bad input."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from centrex.api.scopes import Scope
from telephony.media.models import MediaFile
from tests.api.conftest import key_client, make_key
from tests.media.test_media import make_wav


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def wav_upload(name: str = "jazz.wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_wav(0.5), content_type="audio/wav")


def test_upload_list_download_rename_delete_with_a_key(acme):
    # given
    api = key_client(make_key(acme.tenant, acme.admin, [Scope.ADMIN_READ, Scope.ADMIN_WRITE])[1])
    # when
    created = api.post("/api/v1/media/", {"kind": "moh", "name": "Jazz", "upload": wav_upload()}, format="multipart")
    # then
    assert created.status_code == 201, created.content
    media_id = created.json()["id"]
    assert created.json()["duration_ms"] == 500
    assert [item["name"] for item in api.get("/api/v1/media/?kind=moh").json()["results"]] == ["Jazz"]
    audio = api.get(f"/api/v1/media/{media_id}/audio/")
    assert audio.status_code == 200
    assert b"".join(audio.streaming_content)[:4] == b"RIFF"
    assert api.patch(f"/api/v1/media/{media_id}/", {"name": "Smooth jazz"}, format="json").json()["name"] == "Smooth jazz"
    assert api.delete(f"/api/v1/media/{media_id}/").status_code == 204
    assert not MediaFile.objects.exists()


def test_upload_without_write_scope_is_forbidden(acme):
    # given
    api = key_client(make_key(acme.tenant, acme.admin, [Scope.ADMIN_READ])[1])
    # when
    response = api.post("/api/v1/media/", {"kind": "moh", "name": "Jazz", "upload": wav_upload()}, format="multipart")
    # then
    assert response.status_code == 403
    assert not MediaFile.objects.exists()


def test_upload_of_text_file_is_400_with_field_error(acme):
    # given
    api = key_client(make_key(acme.tenant, acme.admin, [Scope.ADMIN_WRITE])[1])
    fake = SimpleUploadedFile("fake.mp3", b"not audio at all" * 64, content_type="audio/mpeg")
    # when
    response = api.post("/api/v1/media/", {"kind": "moh", "name": "Fake", "upload": fake}, format="multipart")
    # then
    assert response.status_code == 400
    assert "upload" in response.json()["errors"]
    assert not MediaFile.objects.exists()


def test_other_tenants_media_is_404(acme, globex):
    # given
    globex_api = key_client(make_key(globex.tenant, globex.admin, [Scope.ADMIN_READ, Scope.ADMIN_WRITE])[1])
    media_id = globex_api.post("/api/v1/media/", {"kind": "moh", "name": "G", "upload": wav_upload()}, format="multipart").json()[
        "id"
    ]
    acme_api = key_client(make_key(acme.tenant, acme.admin, [Scope.ADMIN_READ, Scope.ADMIN_WRITE])[1])
    # when / then
    assert acme_api.get(f"/api/v1/media/{media_id}/").status_code == 404
    assert acme_api.get(f"/api/v1/media/{media_id}/audio/").status_code == 404
    assert acme_api.patch(f"/api/v1/media/{media_id}/", {"name": "X"}, format="json").status_code == 404
    assert acme_api.delete(f"/api/v1/media/{media_id}/").status_code == 404
    assert MediaFile.objects.filter(pk=media_id, name="G").exists()

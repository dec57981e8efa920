"""The attachments API over real HTTP: upload, metadata, download, list, and who may do what."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import ExifTags, Image

from dudao.core.models import Attachment, AuditEvent
from dudao.core.testing import ApiListMatrix, ApiObjectMatrix
from dudao.core.testing.matrix import API_PREFIX

from .test_attachments import (
    EXE_AS_JPG,
    HTML_AS_JPG,
    jpeg_bytes,
    pdf_bytes,
    sha256_of,
    sideways_photo,
    stored_files,
    upload,
    use_tmp_media,
)

URL = API_PREFIX + "/attachments"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    return use_tmp_media(settings, tmp_path)


def post_file(client, data: bytes, name: str = "门店照片.jpg", content_type: str = "image/jpeg", **form):
    return client.post(URL, files={"file": (name, data, content_type)}, data=form or None)


def stored_bytes(attachment_id: int) -> bytes:
    attachment = Attachment.objects.get(pk=attachment_id)
    with attachment.file.storage.open(attachment.file.name, "rb") as handle:
        return handle.read()


def attachment_events() -> int:
    return AuditEvent.objects.filter(object_type="core.attachment").count()


def nothing_changed_since(media, events_before: int) -> bool:
    return not Attachment.objects.exists() and not stored_files(media) and attachment_events() == events_before


# --- permission matrices ---------------------------------------------------------------------
class _StoreEvidence:
    """A photo the store1 manager uploaded about store1; region east sees it, region west not."""

    in_scope = "region_manager"

    def target(self, world):
        if getattr(self, "_target", None) is None:
            self._target = upload(world, "unit_manager", unit_key="store1")
        return self._target

    def other_org_target(self, world):
        if getattr(self, "_other_org_target", None) is None:
            self._other_org_target = upload(world, "b_unit_manager", unit_key="b_branch")
        return self._other_org_target


class TestAttachmentUploadMatrix(ApiObjectMatrix):
    route = "POST /api/v1/attachments"
    in_scope = "unit_manager"
    success_status = 201

    def target(self, world):
        return world.units["store1"]

    def other_org_target(self, world):
        return world.units["b_branch"]

    def path(self, world, target):
        return "/attachments"

    def call(self, actor_key, target):
        client = self.api_for(self.world.people[actor_key] if actor_key else None)
        return post_file(client, jpeg_bytes(), unit_id=target.pk)

    def snapshot(self, world):
        events = AuditEvent.objects.filter(object_type="core.attachment").count()
        return Attachment.objects.count(), events, stored_files(self.media_root)

    @pytest.fixture(autouse=True)
    def _media_root(self, media):
        self.media_root = media

    def check_success(self, world, target, response):
        attachment = Attachment.objects.get(pk=response.json()["id"])
        assert attachment.unit_id == target.pk
        assert attachment.uploaded_by_id == world.people["unit_manager"].pk
        assert AuditEvent.objects.filter(action="attachment.upload", object_id=str(attachment.pk)).exists()


class TestAttachmentGetMatrix(_StoreEvidence, ApiObjectMatrix):
    route = "GET /api/v1/attachments/{attachment_id}"

    def path(self, world, target):
        return f"/attachments/{target.pk}"

    def check_success(self, world, target, response):
        body = response.json()
        assert (body["id"], body["sha256"], body["unit_id"]) == (target.pk, target.sha256, target.unit_id)


class TestAttachmentDownloadMatrix(_StoreEvidence, ApiObjectMatrix):
    route = "GET /api/v1/attachments/{attachment_id}/download"

    def path(self, world, target):
        return f"/attachments/{target.pk}/download"

    def check_success(self, world, target, response):
        # A photo is shown with its watermark: derived from the stored original, never the original.
        assert response.content != stored_bytes(target.pk)
        assert sha256_of(stored_bytes(target.pk)) == target.sha256
        assert response.headers["Content-Type"] == "image/jpeg"
        assert Image.open(io.BytesIO(response.content)).size == (target.width, target.height)


class TestAttachmentOriginalMatrix(_StoreEvidence, ApiObjectMatrix):
    """The untouched original: the uploader and those who judge evidence; the store's staff, who
    see the watermarked copy, do not."""

    route = "GET /api/v1/attachments/{attachment_id}/original"
    in_scope = "supervisor"
    refused = ("staff", "region_manager")

    def path(self, world, target):
        return f"/attachments/{target.pk}/original"

    def snapshot(self, world):
        return AuditEvent.objects.filter(action="attachment.download_original").count()

    def check_success(self, world, target, response):
        assert response.content == stored_bytes(target.pk)
        assert sha256_of(response.content) == target.sha256
        event = AuditEvent.objects.get(action="attachment.download_original", object_id=str(target.pk))
        assert event.actor_id == world.people["supervisor"].pk


class TestAttachmentListMatrix(_StoreEvidence, ApiListMatrix):
    route = "GET /api/v1/attachments"


# --- upload ----------------------------------------------------------------------------------
def test_upload_answers_with_the_hash_of_the_stored_bytes(live_world, api_for):
    client = api_for(live_world.people["supervisor"])
    response = post_file(client, sideways_photo(), unit_id=live_world.units["store2"].pk)

    assert response.status_code == 201, response.text
    body = response.json()
    assert {"id", "sha256", "content_type", "size"} <= set(body)
    stored = stored_bytes(body["id"])
    assert body["sha256"] == sha256_of(stored) == Attachment.objects.get(pk=body["id"]).sha256
    assert body["size"] == len(stored)
    assert (body["content_type"], body["width"], body["height"]) == ("image/jpeg", 100, 300)
    assert (body["original_name"], body["unit_id"]) == ("门店照片.jpg", live_world.units["store2"].pk)
    assert body["download_url"] == f"{URL}/{body['id']}/download"
    assert body["sha256"] != sha256_of(sideways_photo())  # re-encoded, not the upload as sent
    assert client.get(f"{URL}/{body['id']}").json() == body


def test_uploaded_photo_is_stored_without_gps(live_world, api_for):
    response = post_file(api_for(live_world.people["supervisor"]), sideways_photo())
    stored = Image.open(io.BytesIO(stored_bytes(response.json()["id"])))
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert stored.size == (100, 300)


def test_large_photo_is_downscaled(live_world, api_for):
    response = post_file(api_for(live_world.people["supervisor"]), jpeg_bytes((4000, 3000)))
    assert response.status_code == 201, response.text
    assert (response.json()["width"], response.json()["height"]) == (2000, 1500)


def test_content_decides_the_type_not_the_name_or_header(live_world, api_for):
    client = api_for(live_world.people["supervisor"])
    as_pdf = post_file(client, jpeg_bytes(), name="scan.pdf", content_type="application/pdf")
    assert as_pdf.json()["content_type"] == "image/jpeg"
    pdf = pdf_bytes(2)
    as_jpg = post_file(client, pdf, name="photo.jpg", content_type="image/jpeg")
    assert as_jpg.json()["content_type"] == "application/pdf"
    assert as_jpg.json()["sha256"] == sha256_of(pdf)


@pytest.mark.parametrize(("data", "detected"), [(HTML_AS_JPG, "html"), (EXE_AS_JPG, "exe")])
def test_disguised_file_is_422_naming_what_it_is_and_nothing_is_stored(live_world, api_for, media, data, detected):
    client = api_for(live_world.people["supervisor"])
    events = attachment_events()

    response = post_file(client, data, name="photo.jpg", content_type="image/jpeg")

    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "unsupported_file"
    assert body["message"].startswith("file: ")
    assert body["detail"]["detected"] == detected
    assert body["detail"]["fields"]["file"]
    assert nothing_changed_since(media, events)
    assert post_file(client, jpeg_bytes()).status_code == 201


def test_missing_file_is_422(live_world, api_for, media):
    response = api_for(live_world.people["supervisor"]).post(URL, data={"unit_id": live_world.units["store1"].pk})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert not stored_files(media)


@pytest.mark.parametrize("how", ["declared length", "streamed bytes"])
def test_oversized_upload_is_413_and_nothing_is_stored(live_world, api_for, media, settings, how):
    client = api_for(live_world.people["supervisor"])
    data = jpeg_bytes((400, 400))
    # Far over the limit the declared Content-Length gives it away; just over, the counted bytes do.
    settings.ATTACHMENT_MAX_BYTES = 1000 if how == "declared length" else len(data) - 1
    if how == "declared length":
        data = data + b"\x00" * 200_000
    events = attachment_events()

    response = post_file(client, data)

    assert response.status_code == 413, response.text
    body = response.json()
    assert body["code"] == "file_too_large"
    assert body["message"].startswith("file: ")
    assert body["detail"]["max_bytes"] == settings.ATTACHMENT_MAX_BYTES
    assert nothing_changed_since(media, events)


def test_upload_of_exactly_the_limit_is_accepted(live_world, api_for, settings):
    data = jpeg_bytes((400, 400))
    settings.ATTACHMENT_MAX_BYTES = len(data)
    assert post_file(api_for(live_world.people["supervisor"]), data).status_code == 201


def test_same_bytes_uploaded_twice_are_two_files_and_the_first_is_unchanged(live_world, api_for, media):
    client = api_for(live_world.people["supervisor"])
    first = post_file(client, jpeg_bytes()).json()
    first_bytes = stored_bytes(first["id"])
    second = post_file(client, jpeg_bytes()).json()

    assert first["id"] != second["id"]
    assert first["sha256"] == second["sha256"]
    assert len(stored_files(media)) == 2
    assert stored_bytes(first["id"]) == first_bytes
    assert sha256_of(stored_bytes(first["id"])) == first["sha256"]


# --- download --------------------------------------------------------------------------------
def test_download_sends_the_stored_bytes_safely(live_world, api_for):
    client = api_for(live_world.people["supervisor"])
    created = post_file(client, pdf_bytes(1), name="整改报告.pdf", content_type="text/html").json()

    response = client.get(created["download_url"])

    assert response.status_code == 200
    assert response.content == stored_bytes(created["id"])
    assert hashlib.sha256(response.content).hexdigest() == created["sha256"]
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"attachment-{created['id']}.pdf\"; "
        "filename*=UTF-8''%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A.pdf"
    )
    assert response.headers["Content-Length"] == str(created["size"])


# --- scope -----------------------------------------------------------------------------------
def test_store_evidence_is_seen_up_its_unit_tree_and_nowhere_else(live_world, api_for):
    attachment = upload(live_world, "unit_manager", unit_key="store1")
    for person in ("unit_manager", "staff", "supervisor", "region_manager", "admin", "executive"):
        response = api_for(live_world.people[person]).get(f"{URL}/{attachment.pk}")
        assert response.status_code == 200, person
    for person in ("other_region_manager", "other_unit_manager", "no_role", "b_admin", "b_unit_manager"):
        for suffix in ("", "/download"):
            response = api_for(live_world.people[person]).get(f"{URL}/{attachment.pk}{suffix}")
            assert response.status_code == 404, (person, suffix)
            assert response.json()["code"] == "not_found"


def test_list_filters_by_unit_and_object(live_world, api_for):
    in_store1 = upload(live_world, "unit_manager", unit_key="store1")
    in_store2 = upload(live_world, "supervisor", unit_key="store2")
    client = api_for(live_world.people["region_manager"])

    everything = client.get(URL).json()
    assert {item["id"] for item in everything["items"]} == {in_store1.pk, in_store2.pk}
    assert everything["count"] == 2
    only_store1 = client.get(URL, params={"unit_id": live_world.units["store1"].pk}).json()
    assert [item["id"] for item in only_store1["items"]] == [in_store1.pk]
    assert client.get(URL, params={"object_type": "inspections.answer"}).json()["count"] == 0


def test_list_query_count_does_not_grow_with_items(world, client, media):
    from dudao.org import services

    token = services.token_issue(person=world.person("region_manager"))
    headers = {"Authorization": f"Bearer {token}"}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, headers=headers)
        assert response.status_code == 200
        return len(captured)

    upload(world, "unit_manager", unit_key="store1")
    one = queries()
    for _ in range(5):
        upload(world, "unit_manager", unit_key="store1")
    assert client.get(URL, headers=headers).json()["count"] == 6
    assert queries() == one


def test_openapi_documents_the_multipart_upload(live_world, api_for):
    spec = api_for(live_world.people["admin"]).get(API_PREFIX + "/openapi.json").json()
    body = spec["paths"][URL]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body
    assert f"{URL}/{{attachment_id}}/download" in spec["paths"]



@pytest.mark.parametrize(("limit", "status"), [(None, 201), (1000, 413)])
def test_signed_in_page_upload_is_size_limited_before_the_csrf_check_reads_the_body(
    world, media, settings, limit, status
):
    from django.test import Client
    from django.utils.crypto import get_random_string

    data = jpeg_bytes((300, 300)) + (b"" if limit is None else b"\x00" * 200_000)
    if limit is not None:
        settings.ATTACHMENT_MAX_BYTES = limit
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.person("supervisor"))
    secret = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = secret

    response = client.post(
        URL, {"file": SimpleUploadedFile("a.jpg", data, "image/jpeg")}, headers={"X-CSRFToken": secret}
    )

    assert response.status_code == status, response.content
    assert Attachment.objects.count() == (1 if status == 201 else 0)
    assert len(stored_files(media)) == Attachment.objects.count()

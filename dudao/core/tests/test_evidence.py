"""Photo evidence: metadata from the client or the photo's EXIF, the watermarked displayed copy,
the audited original, and the camera-capture rule on inspection answers (issue 13)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image, ImageChops

from dudao.core.attachments import attachment_upload
from dudao.core.models import Attachment, AuditEvent

from .test_attachments import gps_exif, image_bytes, jpeg_bytes, stored_files, use_tmp_media

URL = "/api/v1/attachments"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    return use_tmp_media(settings, tmp_path)


@pytest.fixture
def supervisor_client(client, world):
    client.force_login(world.people["supervisor"])
    return client


def photo_with_exif() -> bytes:
    """A camera photo whose EXIF says when (DateTimeOriginal, +08:00), where (GPS) and with what."""
    exif = gps_exif()
    exif[ExifTags.Base.Model] = "PhoneMaker X9"
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = "2026:05:01 14:30:00"
    details[ExifTags.Base.OffsetTimeOriginal] = "+08:00"
    return image_bytes(Image.new("RGB", (400, 300), (90, 140, 200)), "JPEG", exif=exif, quality=95)


def post_photo(client, data=None, **fields):
    upload = SimpleUploadedFile("现场.jpg", data or jpeg_bytes((400, 300)), "image/jpeg")
    return client.post(URL, {"file": upload, **fields})


def stored(attachment_id) -> bytes:
    attachment = Attachment.objects.get(pk=attachment_id)
    with attachment.file.storage.open(attachment.file.name, "rb") as handle:
        return handle.read()


# --- metadata --------------------------------------------------------------------------------
def test_client_metadata_is_kept_with_the_attachment(supervisor_client, world):
    taken = (timezone.now() - dt.timedelta(minutes=3)).replace(microsecond=0)
    response = post_photo(supervisor_client, captured_at=taken.isoformat(), latitude="31.229620",
                          longitude="121.457010", accuracy_m="8.5", device="iPhone 15", source="camera",
                          unit_id=world.units["store1"].pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert dt.datetime.fromisoformat(body["captured_at"]) == taken
    assert (Decimal(str(body["latitude"])), Decimal(str(body["longitude"]))) == (
        Decimal("31.229620"), Decimal("121.457010"))
    assert (body["accuracy_m"], body["device"], body["source"], body["metadata_from_exif"]) == (
        8.5, "iPhone 15", "camera", False)


@pytest.mark.parametrize(("fields", "named"), [
    ({"captured_at": "昨天下午"}, "captured_at"),
    ({"captured_at": (timezone.now() + dt.timedelta(days=1)).isoformat()}, "captured_at"),
    ({"latitude": "91", "longitude": "121"}, "latitude"),
    ({"latitude": "31.2"}, "longitude"),
    ({"latitude": "31.2", "longitude": "东经121"}, "longitude"),
    ({"accuracy_m": "-3"}, "accuracy_m"),
    ({"source": "screenshot"}, "source"),
    ({"device": "x" * 201}, "device"),
])
def test_a_bad_metadata_field_is_refused_by_name_and_nothing_is_stored(supervisor_client, media, fields, named):
    events = AuditEvent.objects.count()
    response = post_photo(supervisor_client, **fields)
    assert response.status_code == 422, response.content
    assert named in response.json()["detail"]["fields"]
    assert not Attachment.objects.exists() and not stored_files(media)
    assert AuditEvent.objects.count() == events


def test_without_client_metadata_the_exif_is_read_before_it_is_stripped(supervisor_client):
    response = post_photo(supervisor_client, photo_with_exif())
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(pk=response.json()["id"])
    assert attachment.captured_at == dt.datetime(2026, 5, 1, 6, 30, tzinfo=dt.UTC)
    assert (attachment.latitude, attachment.longitude) == (Decimal("31.234722"), Decimal("121.469167"))
    assert attachment.device == "PhoneMaker X9"
    assert attachment.source == "unknown" and attachment.metadata_from_exif
    kept = Image.open(io.BytesIO(stored(attachment.pk)))
    assert not kept.getexif() and "exif" not in kept.info


def test_client_values_win_over_exif(supervisor_client):
    response = post_photo(supervisor_client, photo_with_exif(), latitude="30.257250", longitude="120.164080",
                          source="gallery")
    attachment = Attachment.objects.get(pk=response.json()["id"])
    assert attachment.latitude == Decimal("30.257250") and attachment.source == "gallery"
    assert attachment.captured_at is not None  # still from EXIF


# --- the displayed copy ----------------------------------------------------------------------
def test_the_served_copy_is_stripped_watermarked_and_the_original_untouched(supervisor_client, world, media):
    created = post_photo(supervisor_client, photo_with_exif(), unit_id=world.units["store1"].pk,
                         source="camera").json()
    original = stored(created["id"])
    served = supervisor_client.get(created["download_url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    shown = Image.open(io.BytesIO(served.content))
    assert not shown.getexif()
    plain = Image.open(io.BytesIO(original)).convert("RGB")
    difference = ImageChops.difference(plain, shown.convert("RGB")).convert("L")
    width, height = plain.size
    # The top of the picture is the photo itself; the bottom band carries the watermark.
    assert max(difference.crop((0, 0, width, height // 2)).getdata()) < 40
    assert sum(1 for value in difference.crop((0, height * 3 // 4, width, height)).getdata() if value > 60) > 500
    # The stored original keeps its bytes and hash; a second view serves the cached copy.
    assert stored(created["id"]) == original
    assert supervisor_client.get(created["download_url"]).content == served.content
    assert any(name.startswith("renditions/") for name in stored_files(media))


def test_the_original_download_is_audited(supervisor_client, world):
    created = post_photo(supervisor_client, unit_id=world.units["store1"].pk).json()
    response = supervisor_client.get(created["original_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored(created["id"])
    assert AuditEvent.objects.filter(action="attachment.download_original", object_id=str(created["id"])).count() == 1


def test_the_watermark_names_time_unit_uploader_and_position(world):
    from dudao.core.evidence import watermark_lines

    attachment = attachment_upload(
        actor=world.person("supervisor"), unit=world.units["store1"],
        file=SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg"),
        evidence={"captured_at": "2026-05-01T14:30:00+08:00", "latitude": "31.2", "longitude": "121.4"},
    )
    lines = watermark_lines(attachment)
    assert lines[0] == "拍摄于 2026-05-01 14:30"
    assert lines[1] == "南京西路店 · supervisor"
    assert lines[2] == "定位 31.200000, 121.400000"
    assert attachment.caption == "拍摄于 2026-05-01 14:30 · 定位 31.200000, 121.400000"


# --- the camera rule -------------------------------------------------------------------------
@pytest.fixture
def camera_required(world):
    from dudao.policies.services import policy_version_create

    policy_version_create(actor=world.person("admin"), organization=world.org, effective_from=timezone.localdate(),
                          overrides={"inspections": {"camera_capture_required": True}})


def answer_with(world, attachment):
    from dudao.inspections import services
    from dudao.inspections.tests.test_api import started

    inspection = started(world)
    return inspection, lambda: services.answers_upsert(
        actor=world.person("supervisor"), inspection=inspection,
        answers=[{"item_code": "P1", "value": "", "attachment_ids": [attachment.pk]}])


def evidence_photo(world, **evidence):
    return attachment_upload(actor=world.person("supervisor"), unit=world.units["store1"], evidence=evidence,
                             file=SimpleUploadedFile("p.jpg", jpeg_bytes(), "image/jpeg"))


@pytest.mark.parametrize(("evidence", "named"), [
    ({"source": "gallery", "captured_at": timezone.now().isoformat()}, "answers.P1.attachment_ids.source"),
    ({}, "answers.P1.attachment_ids.source"),
    ({"source": "camera"}, "answers.P1.attachment_ids.captured_at"),
    ({"source": "camera", "captured_at": (timezone.now() - dt.timedelta(days=3)).isoformat()},
     "answers.P1.attachment_ids.captured_at"),
])
def test_camera_rule_refuses_other_photos_naming_the_field(world, camera_required, evidence, named):
    from dudao.core.errors import ApplicationError
    from dudao.inspections.models import Answer

    inspection, answer = answer_with(world, evidence_photo(world, **evidence))
    with pytest.raises(ApplicationError) as refused:
        answer()
    assert refused.value.status == 422 and named in refused.value.detail["fields"]
    assert not Answer.objects.filter(inspection=inspection).exists()


def test_camera_rule_accepts_a_photo_taken_that_day(world, camera_required):
    photo = evidence_photo(world, source="camera", captured_at=timezone.now().isoformat())
    inspection, answer = answer_with(world, photo)
    saved = answer()
    assert [a.pk for a in saved[0].attachments.all()] == [photo.pk]


def test_without_the_rule_any_photo_is_accepted(world):
    inspection, answer = answer_with(world, evidence_photo(world, source="gallery"))
    assert answer()

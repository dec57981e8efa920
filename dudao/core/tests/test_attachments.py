"""Evidence files as the service stores them: sniffed, re-encoded, hashed, never overwritten."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript

from dudao.core.attachments import (
    IMAGE_MAX_PIXELS,
    attachment_attach,
    attachment_upload,
    clean_original_name,
    content_disposition,
    download_filename,
    prepare_content,
    sniff,
)
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import Attachment, AuditEvent


# --- shared helpers (the API tests import these) ---------------------------------------------
def use_tmp_media(settings, tmp_path: Path) -> Path:
    """Point the default storage at an empty directory of this test's own."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    settings.MEDIA_ROOT = root
    return root


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def jpeg_bytes(size=(64, 48), color=(200, 30, 30), **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", **save_options)
    return buffer.getvalue()


def image_bytes(image: Image.Image, fmt: str, **save_options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save_options)
    return buffer.getvalue()


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 5.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 9.0)
    return exif


def sideways_photo() -> bytes:
    """300x100 as stored, red on the left and blue on the right, tagged "rotate 90° clockwise"
    (orientation 6) and carrying GPS coordinates: upright it is 100x300, red on top."""
    image = Image.new("RGB", (300, 100), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 150, 100))
    return image_bytes(image, "JPEG", exif=gps_exif(orientation=6), quality=95)


def pdf_bytes(pages: int = 2, *, password: str | None = None, script: bool = False) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if script:
        writer.add_open_action(JavaScript("app.alert('hi');"))
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` pixels but holds one row: a decompression bomb's header."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * (width + 1))) + chunk(b"IEND", b""))


HTML_AS_JPG = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE_AS_JPG = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def upload(world, person_key: str, data: bytes | None = None, *, name: str = "门店照片.jpg", unit_key=None):
    return attachment_upload(
        actor=world.person(person_key),
        file=SimpleUploadedFile(name, jpeg_bytes() if data is None else data, "image/jpeg"),
        unit=world.units[unit_key] if unit_key else None,
    )


def reopen(attachment: Attachment) -> tuple[bytes, Image.Image | None]:
    with attachment.file.storage.open(attachment.file.name, "rb") as handle:
        data = handle.read()
    image = Image.open(io.BytesIO(data)) if attachment.content_type.startswith("image/") else None
    return data, image


@pytest.fixture
def media(settings, tmp_path):
    return use_tmp_media(settings, tmp_path)


# --- sniffing --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (jpeg_bytes(), "jpeg"),
        (image_bytes(Image.new("RGB", (4, 4)), "PNG"), "png"),
        (image_bytes(Image.new("RGB", (4, 4)), "GIF"), "gif"),
        (image_bytes(Image.new("RGB", (4, 4)), "WEBP"), "webp"),
        (pdf_bytes(1), "pdf"),
        (HTML_AS_JPG, "html"),
        (b"\xef\xbb\xbf  <html><p>hi</p></html>", "html"),
        (EXE_AS_JPG, "exe"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 20, "elf"),
        (b"PK\x03\x04" + b"\x00" * 20, "zip"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "heic"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00", "video"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "svg"),
        ("门店检查记录\n".encode(), "text"),
        (b"", "empty"),
        (b"\x00\x01\x02\x03garbage", "unknown"),
    ],
)
def test_sniff_names_what_the_bytes_are(data, kind):
    assert sniff(data) == kind


# --- content processing ----------------------------------------------------------------------
def test_photo_is_turned_upright_and_loses_exif_and_gps():
    original = Image.open(io.BytesIO(sideways_photo()))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo really has GPS

    content = prepare_content(sideways_photo())

    stored = Image.open(io.BytesIO(content.data))
    assert (content.content_type, stored.format) == ("image/jpeg", "JPEG")
    assert stored.size == (content.width, content.height) == (100, 300)
    red, green, blue = stored.getpixel((50, 20))
    assert red > 200 and blue < 60
    red, green, blue = stored.getpixel((50, 280))
    assert blue > 200 and red < 60
    exif = stored.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert len(exif) == 0
    assert not {"exif", "xmp", "comment"} & set(stored.info)
    assert b"Exif" not in content.data[:4096]


def test_large_photo_is_downscaled_to_the_long_edge_limit(settings):
    content = prepare_content(jpeg_bytes((4000, 3000)))
    assert (content.width, content.height) == (2000, 1500)
    assert Image.open(io.BytesIO(content.data)).size == (2000, 1500)

    settings.ATTACHMENT_IMAGE_MAX_EDGE = 500
    portrait = prepare_content(image_bytes(Image.new("RGB", (1200, 3000), "green"), "PNG"))
    assert (portrait.width, portrait.height) == (200, 500)


def test_small_photo_keeps_its_size():
    content = prepare_content(jpeg_bytes((640, 480)))
    assert (content.width, content.height) == (640, 480)


def test_transparent_image_is_kept_as_png_and_opaque_ones_become_jpeg():
    transparent = Image.new("RGBA", (40, 40), (0, 128, 0, 0))
    transparent.paste((0, 128, 0, 255), (10, 10, 30, 30))
    kept = prepare_content(image_bytes(transparent, "PNG"))
    assert kept.content_type == "image/png"
    assert Image.open(io.BytesIO(kept.data)).getpixel((0, 0))[3] == 0

    opaque_rgba = prepare_content(image_bytes(Image.new("RGBA", (40, 40), (0, 128, 0, 255)), "PNG"))
    assert opaque_rgba.content_type == "image/jpeg"
    for fmt in ("PNG", "WEBP", "GIF"):
        assert prepare_content(image_bytes(Image.new("RGB", (40, 40), "navy"), fmt)).content_type == "image/jpeg"


def test_animated_gif_keeps_its_first_frame():
    frames = [Image.new("RGB", (30, 30), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    data = image_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    stored = Image.open(io.BytesIO(prepare_content(data).data))
    red, _green, blue = stored.getpixel((15, 15))
    assert red > 200 and blue < 60
    assert getattr(stored, "n_frames", 1) == 1


def test_png_metadata_is_dropped():
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "GPS 31.2304,121.4737")
    data = image_bytes(Image.new("RGB", (20, 20)), "PNG", pnginfo=text, exif=gps_exif())
    stored = prepare_content(data)
    assert b"121.4737" not in stored.data
    assert not Image.open(io.BytesIO(stored.data)).getexif()


def test_pdf_is_stored_byte_for_byte():
    data = pdf_bytes(3)
    content = prepare_content(data)
    assert (content.data, content.content_type, content.pages) == (data, "application/pdf", 3)
    assert content.width is None and content.height is None


@pytest.mark.parametrize(
    ("data", "detected", "words"),
    [
        (HTML_AS_JPG, "html", "HTML"),
        (EXE_AS_JPG, "exe", "Windows"),
        (b"", "empty", "空文件"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "heic", "HEIC"),
        (jpeg_bytes((200, 200))[:300], "jpeg", "损坏"),
        (b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF", "pdf", "损坏"),
        (pdf_bytes(1, password="secret"), "pdf", "加密"),
        (pdf_bytes(1, script=True), "pdf", "脚本"),
        (png_header_only(9000, 9000), "png", "像素"),  # over IMAGE_MAX_PIXELS, under Pillow's own guard
        (png_header_only(20000, 20000), "png", "像素"),  # Pillow's DecompressionBombError
    ],
)
def test_unsupported_or_unsound_content_is_refused_naming_the_file_field(data, detected, words):
    with pytest.raises(ApplicationError) as caught:
        prepare_content(data)
    error = caught.value
    assert error.code == ErrorCode.UNSUPPORTED_FILE and error.status == 422
    assert error.message.startswith("file: ")
    assert words in error.message
    assert error.detail["detected"] == detected
    assert list(error.detail["fields"]) == ["file"]


def test_image_over_the_pixel_limit_is_refused_from_its_header_alone():
    side = int(IMAGE_MAX_PIXELS**0.5) + 1
    with pytest.raises(ApplicationError) as caught:
        prepare_content(png_header_only(side, side))  # decoding it would fail: only its header is real
    assert (caught.value.detail["width"], caught.value.detail["height"]) == (side, side)


def test_truncated_photo_is_refused():
    noisy = Image.effect_noise((400, 400), 60).convert("RGB")
    data = image_bytes(noisy, "JPEG")
    with pytest.raises(ApplicationError, match="损坏"):
        prepare_content(data[: len(data) // 2])


def test_truncated_photo_is_refused_after_the_pdf_library_loaded(monkeypatch):
    # WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES when imported; uploads must stay strict.
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    noisy = Image.effect_noise((400, 400), 60).convert("RGB")
    data = image_bytes(noisy, "JPEG")
    with pytest.raises(ApplicationError, match="损坏"):
        prepare_content(data[: len(data) // 2])


# --- names -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("门店照片.jpg", "门店照片.jpg"),
        ("C:\\Users\\me\\photo.png", "photo.png"),
        ("../../etc/passwd", "passwd"),
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ("a\r\nb.jpg", "ab.jpg"),
        ("", "file"),
        (None, "file"),
        ("x" * 300 + ".jpg", "x" * 255),
    ],
)
def test_original_name_is_cleaned(given, kept):
    assert clean_original_name(given) == kept


@pytest.mark.parametrize(
    ("original", "content_type", "disposition"),
    [
        ("门店照片.png", "image/jpeg",
         "attachment; filename=\"attachment-7.jpg\"; filename*=UTF-8''%E9%97%A8%E5%BA%97%E7%85%A7%E7%89%87.jpg"),
        ("report 2026.pdf", "application/pdf",
         "attachment; filename=\"report_2026.pdf\"; filename*=UTF-8''report%202026.pdf"),
        ('a"b\\c;d.jpg', "image/jpeg",
         "attachment; filename=\"a_b_c_d.jpg\"; filename*=UTF-8''a%22b%5Cc%3Bd.jpg"),
        ("Café 照片", "image/png", "attachment; filename=\"Cafe.png\"; filename*=UTF-8''Caf%C3%A9%20%E7%85%A7%E7%89%87.png"),
    ],
)
def test_download_name_is_safe_and_keeps_chinese_in_rfc5987_form(original, content_type, disposition):
    attachment = Attachment(pk=7, original_name=original, content_type=content_type)
    assert content_disposition(attachment) == disposition
    assert download_filename(attachment).endswith("." + disposition.rsplit(".", 1)[1])


# --- upload service --------------------------------------------------------------------------
def test_upload_stores_the_processed_bytes_with_their_hash_and_audits_it(world, media):
    attachment = upload(world, "unit_manager", sideways_photo(), unit_key="store1")

    data, image = reopen(attachment)
    assert attachment.sha256 == sha256_of(data)
    assert attachment.size == len(data)
    assert (attachment.width, attachment.height) == image.size == (100, 300)
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert attachment.file.name.startswith("attachments/")
    assert attachment.file.name.endswith(".jpg")
    assert attachment.original_name == "门店照片.jpg"
    assert attachment.organization_id == world.org.pk
    assert attachment.uploaded_by_id == world.people["unit_manager"].pk
    assert attachment.unit_id == world.units["store1"].pk
    assert stored_files(media) == [attachment.file.name]
    event = AuditEvent.objects.get(action="attachment.upload", object_id=str(attachment.pk))
    assert event.object_type == "core.attachment"
    assert event.actor_id == world.people["unit_manager"].pk
    assert event.after["sha256"] == attachment.sha256
    assert event.after["file"] == attachment.file.name


def test_same_bytes_twice_make_two_files_and_leave_the_first_unchanged(world, media):
    data = pdf_bytes(1)
    first = upload(world, "supervisor", data, name="a.pdf")
    first_bytes, _ = reopen(first)
    second = upload(world, "supervisor", data, name="a.pdf")

    assert first.pk != second.pk
    assert first.sha256 == second.sha256 == sha256_of(data)
    assert first.file.name != second.file.name
    assert stored_files(media) == sorted([first.file.name, second.file.name])
    assert reopen(first)[0] == first_bytes == data


def _nothing_stored(media, events_before: int) -> bool:
    return (
        not Attachment.objects.exists()
        and not stored_files(media)
        and AuditEvent.objects.count() == events_before
    )


@pytest.mark.parametrize("data", [HTML_AS_JPG, EXE_AS_JPG, pdf_bytes(1, password="pw"), png_header_only(9000, 9000)])
def test_refused_upload_leaves_no_row_no_file_no_event(world, media, data):
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as caught:
        upload(world, "supervisor", data)
    assert caught.value.code == ErrorCode.UNSUPPORTED_FILE
    assert _nothing_stored(media, events)
    # The same person, the same call, with a real photo: stored.
    assert upload(world, "supervisor").pk


def test_upload_over_the_size_limit_is_413_and_stores_nothing(world, media, settings):
    data = jpeg_bytes((300, 300))
    settings.ATTACHMENT_MAX_BYTES = len(data) - 1
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as caught:
        upload(world, "supervisor", data)
    assert caught.value.code == ErrorCode.TOO_LARGE and caught.value.status == 413
    assert caught.value.message.startswith("file: ")
    assert caught.value.detail["max_bytes"] == len(data) - 1
    assert _nothing_stored(media, events)

    settings.ATTACHMENT_MAX_BYTES = len(data)
    assert upload(world, "supervisor", data).pk


def test_upload_about_a_unit_out_of_scope_is_404_and_stores_nothing(world, media):
    events = AuditEvent.objects.count()
    for person, unit in [("other_region_manager", "store1"), ("unit_manager", "b_branch"), ("no_role", "store1")]:
        with pytest.raises(ApplicationError) as caught:
            upload(world, person, unit_key=unit)
        assert caught.value.code == ErrorCode.NOT_FOUND
    assert _nothing_stored(media, events)
    assert upload(world, "region_manager", unit_key="store1").unit_id == world.units["store1"].pk


# --- attaching and visibility ----------------------------------------------------------------
def visible(world, person_key: str, attachment: Attachment) -> bool:
    return Attachment.objects.visible_to(world.person(person_key)).filter(pk=attachment.pk).exists()


def test_unattached_upload_is_seen_by_its_uploader_and_organisation_wide_roles_only(world, media):
    attachment = upload(world, "supervisor")
    assert visible(world, "supervisor", attachment)
    assert visible(world, "admin", attachment)
    for person in ("region_manager", "unit_manager", "no_role", "other_region_manager", "b_admin"):
        assert not visible(world, person, attachment), person


def test_attach_binds_the_object_and_unit_audited_and_visibility_follows_the_unit(world, media):
    attachment = upload(world, "supervisor")
    store2 = world.unit("store2")
    events = AuditEvent.objects.count()

    attached = attachment_attach(actor=world.person("supervisor"), attachment=attachment, obj=store2, unit=store2)

    attached.refresh_from_db()
    assert (attached.object_type, attached.object_id, attached.unit_id) == ("org.unit", str(store2.pk), store2.pk)
    event = AuditEvent.objects.get(action="attachment.attach", object_id=str(attachment.pk))
    assert AuditEvent.objects.count() == events + 1
    assert event.before == {"unit_id": None, "object_type": "", "object_id": ""}
    assert event.after == {"unit_id": store2.pk, "object_type": "org.unit", "object_id": str(store2.pk)}
    for person in ("supervisor", "region_manager", "admin"):
        assert visible(world, person, attached), person
    for person in ("unit_manager", "staff", "other_region_manager", "no_role", "b_admin"):
        assert not visible(world, person, attached), person


def test_uploader_keeps_seeing_evidence_attached_outside_their_scope(world, media):
    attachment = upload(world, "unit_manager", unit_key="store1")
    store3 = world.unit("store3")
    attachment_attach(actor=world.person("admin"), attachment=attachment, obj=store3, unit=store3)
    assert visible(world, "unit_manager", attachment)
    assert visible(world, "other_region_manager", attachment)
    assert not visible(world, "region_manager", attachment)


def test_attaching_again_to_the_same_object_changes_nothing(world, media):
    attachment = upload(world, "supervisor")
    store1 = world.unit("store1")
    attachment_attach(actor=world.person("supervisor"), attachment=attachment, obj=store1, unit=store1)
    events = AuditEvent.objects.count()
    attachment_attach(actor=world.person("supervisor"), attachment=attachment, obj=store1, unit=store1)
    assert AuditEvent.objects.count() == events


def test_attaching_to_another_object_is_a_conflict_and_changes_nothing(world, media):
    attachment = upload(world, "supervisor")
    store1, store2 = world.unit("store1"), world.unit("store2")
    attachment_attach(actor=world.person("supervisor"), attachment=attachment, obj=store1, unit=store1)
    events = AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as caught:
        attachment_attach(actor=world.person("supervisor"), attachment=attachment, obj=store2, unit=store2)

    assert caught.value.code == ErrorCode.CONFLICT
    attachment.refresh_from_db()
    assert (attachment.object_id, attachment.unit_id) == (str(store1.pk), store1.pk)
    assert AuditEvent.objects.count() == events


def test_attach_refuses_what_the_actor_cannot_see_or_another_organisation(world, media):
    attachment = upload(world, "supervisor")
    store1 = world.unit("store1")
    events = AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as caught:  # someone else's unattached upload
        attachment_attach(actor=world.person("region_manager"), attachment=attachment, obj=store1, unit=store1)
    assert caught.value.code == ErrorCode.NOT_FOUND
    b_branch = world.unit("b_branch")
    with pytest.raises(ApplicationError) as caught:  # a unit of the other organisation
        attachment_attach(actor=world.person("supervisor"), attachment=attachment, obj=b_branch, unit=b_branch)
    assert caught.value.code == ErrorCode.NOT_FOUND

    attachment.refresh_from_db()
    assert (attachment.object_type, attachment.unit_id) == ("", None)
    assert AuditEvent.objects.count() == events

"""Evidence files: sniffed, verified, re-encoded, hashed, and stored under a name never used before.

What a file is comes from its bytes, never from its name or the Content-Type a client sent.
Images (JPEG, PNG, WebP, GIF's first frame) are decoded and written out again: turned upright by
their EXIF orientation, downscaled to ATTACHMENT_IMAGE_MAX_EDGE, stripped of every piece of
metadata (EXIF, GPS, XMP, comments), stored as JPEG or, when they use transparency, as PNG. PDFs
are kept byte for byte once qpdf has opened them and counted their pages; encrypted, broken or
active ones (scripts, actions, embedded files: `pdf_safety`) are refused. The SHA-256 kept with an attachment is that of the bytes stored.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
import unicodedata
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageFile, ImageOps

from .access import get_for_actor
from .audit import record_event, snapshot
from .errors import ApplicationError, ErrorCode, full_clean_or_refuse
from .evidence import Evidence, evidence_from_exif, parse_evidence
from .idempotency import clean_client_id, earlier, reused, save_once
from .models import Attachment
from .pdf_safety import PdfEncrypted, PdfUnreadable, inspect_pdf

logger = logging.getLogger(__name__)

__all__ = [
    "IMAGE_MAX_PIXELS",
    "StoredContent",
    "attachment_attach",
    "attachment_read_original",
    "attachment_upload",
    "clean_original_name",
    "content_disposition",
    "disposition_header",
    "download_filename",
    "file_error",
    "file_too_large",
    "prepare_content",
    "read_upload",
    "sniff",
]

IMAGE_MAX_PIXELS = 60_000_000
"""Images with more pixels are refused before they are decoded (a decompression bomb guard)."""

JPEG_QUALITY = 85
ATTACH_AUDIT_FIELDS = ["unit", "object_type", "object_id"]

# Sniffed kind -> the only Pillow decoder allowed to read it, so a file is never decoded as
# something other than what its signature says.
ACCEPTED_IMAGES = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}

KIND_LABELS = {
    "jpeg": gettext_lazy("JPEG 图片"),
    "png": gettext_lazy("PNG 图片"),
    "webp": gettext_lazy("WebP 图片"),
    "gif": gettext_lazy("GIF 图片"),
    "pdf": gettext_lazy("PDF 文档"),
    "heic": gettext_lazy("HEIC/HEIF 图片"),
    "avif": gettext_lazy("AVIF 图片"),
    "video": gettext_lazy("视频文件"),
    "tiff": gettext_lazy("TIFF 图片"),
    "bmp": gettext_lazy("BMP 图片"),
    "ico": gettext_lazy("图标文件"),
    "exe": gettext_lazy("Windows 可执行程序"),
    "elf": gettext_lazy("Linux 可执行程序"),
    "macho": gettext_lazy("macOS 可执行程序"),
    "zip": gettext_lazy("ZIP 压缩包（或 Office 文档）"),
    "gzip": gettext_lazy("GZIP 压缩包"),
    "7z": gettext_lazy("7z 压缩包"),
    "rar": gettext_lazy("RAR 压缩包"),
    "ole": gettext_lazy("旧版 Office 文档"),
    "script": gettext_lazy("脚本"),
    "html": gettext_lazy("HTML 网页"),
    "svg": gettext_lazy("SVG 图形"),
    "xml": gettext_lazy("XML 文档"),
    "text": gettext_lazy("纯文本"),
    "empty": gettext_lazy("空文件"),
    "unknown": gettext_lazy("无法识别的数据"),
}

_SIGNATURES = [
    (b"MZ", "exe"),
    (b"\x7fELF", "elf"),
    (b"\xfe\xed\xfa\xce", "macho"),
    (b"\xfe\xed\xfa\xcf", "macho"),
    (b"\xce\xfa\xed\xfe", "macho"),
    (b"\xcf\xfa\xed\xfe", "macho"),
    (b"\xca\xfe\xba\xbe", "macho"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"BM", "bmp"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"#!", "script"),
]
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<meta", b"<!--")
_CONTROL_BYTES = frozenset(range(0x09)) | frozenset(range(0x0E, 0x20)) | {0x0B, 0x7F}


@dataclass(frozen=True)
class StoredContent:
    """The bytes to store for an upload and what they are."""

    data: bytes
    content_type: str
    width: int | None = None
    height: int | None = None
    pages: int | None = None

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


# --- errors ----------------------------------------------------------------------------------
def file_error(code: ErrorCode, message: str, **detail) -> ApplicationError:
    """A refusal that names the `file` field, in the shape every client reads."""
    return ApplicationError(code, f"file: {message}", {"fields": {"file": [message]}, **detail})


def file_too_large(limit: int, size: int | None = None) -> ApplicationError:
    """413 for an upload over ATTACHMENT_MAX_BYTES (`size` None when it was cut off while read)."""
    message = _("文件过大：上限为 %(limit)s。请压缩后重新上传。") % {"limit": filesizeformat(limit)}
    return file_error(ErrorCode.TOO_LARGE, message, max_bytes=limit, size=size)


def _unsupported(message: str, kind: str) -> ApplicationError:
    return file_error(ErrorCode.UNSUPPORTED_FILE, message, detected=kind)


# --- reading and sniffing --------------------------------------------------------------------
def read_upload(file: File) -> bytes:
    """The upload's bytes, refusing anything over the limit before reading more than the limit."""
    limit = settings.ATTACHMENT_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise file_too_large(limit, size)
    file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise file_too_large(limit)
    return data


def sniff(data: bytes) -> str:
    """What the bytes are, by their signature: a key of KIND_LABELS."""
    if not data:
        return "empty"
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return "heic"
        return "avif" if brand in {b"avif", b"avis"} else "video"
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    start = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(_HTML_STARTS) or b"<html" in start or b"<script" in start:
        return "html"
    if start.startswith((b"<?xml", b"<svg")):
        return "svg" if b"<svg" in start else "xml"
    if not _CONTROL_BYTES.intersection(data[:4096]):
        return "text"
    return "unknown"


def prepare_content(data: bytes) -> StoredContent:
    """Check the bytes and turn them into what is stored; refuse (422) anything else."""
    kind = sniff(data)
    if kind in ACCEPTED_IMAGES:
        return _prepare_image(data, kind)
    if kind == "pdf":
        return _prepare_pdf(data)
    message = _("不支持的文件类型：内容是%(kind)s。只接受 JPEG、PNG、WebP、GIF 图片和 PDF 文档。") % {
        "kind": KIND_LABELS[kind]
    }
    raise _unsupported(message, kind)


# --- images ----------------------------------------------------------------------------------
def _too_many_pixels(kind: str, size: tuple[int, int] | None) -> ApplicationError:
    message = _("图片像素过多（上限 %(limit)s 万像素），请缩小后重新上传。") % {
        "limit": IMAGE_MAX_PIXELS // 10_000
    }
    width, height = size or (None, None)
    return file_error(ErrorCode.UNSUPPORTED_FILE, message, detected=kind, width=width, height=height)


def _prepare_image(data: bytes, kind: str) -> StoredContent:
    decoder = [ACCEPTED_IMAGES[kind]]
    max_edge = settings.ATTACHMENT_IMAGE_MAX_EDGE
    # Importing WeasyPrint (the PDF exports) turns on Pillow's process-wide leniency for truncated
    # images; evidence must be whole, so decoding here is always strict.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(io.BytesIO(data), formats=decoder) as probe:
            if probe.width * probe.height > IMAGE_MAX_PIXELS:
                raise _too_many_pixels(kind, probe.size)
            probe.verify()
        with Image.open(io.BytesIO(data), formats=decoder) as image:
            # A JPEG is decoded straight at 1/2, 1/4 or 1/8 scale, the smallest that still covers
            # the stored size: a 4000x3000 camera photo is decoded as 2000x1500, which the resize
            # below then leaves as it is (decoding at full size and resampling took 4x as long).
            scale = min(1.0, max_edge / max(image.size))
            if scale < 1:
                image.draft(None, (math.ceil(image.width * scale), math.ceil(image.height * scale)))
            image.load()
            icc_profile = image.info.get("icc_profile")
            upright = _upright(image)
        upright = _flatten_mode(upright)
        upright.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
        # A fresh image from the pixels alone: nothing of the original's metadata can follow.
        clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    except ApplicationError:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels(kind, None) from None
    except Exception as exc:
        # Hostile or damaged input makes Pillow raise almost any kind of error; each is a refusal.
        logger.info("attachment image refused: %s", exc, exc_info=True)
        message = _("图片已损坏或无法解码（%(kind)s）。") % {"kind": KIND_LABELS[kind]}
        raise _unsupported(message, kind) from None
    return _encode(clean, _icc_for(icc_profile, clean.mode))


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        # A broken EXIF block should not cost the photo; the metadata is dropped anyway.
        return image.copy()


def _flatten_mode(image: Image.Image) -> Image.Image:
    """RGB (or L) for opaque images, RGBA only when some pixel is actually transparent."""
    if image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or "transparency" in image.info:
        rgba = image.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] < 255:
            return rgba
        return rgba.convert("RGB")
    if image.mode in {"RGB", "L"}:
        return image
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I"):
        # 16-bit greyscale: keep the top 8 bits rather than clipping everything above 255.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    return image.convert("RGB")


def _icc_for(profile: bytes | None, mode: str) -> bytes | None:
    """Keep the colour profile only where it still describes the pixels (not after CMYK -> RGB)."""
    space = profile[16:20] if profile and len(profile) >= 20 else None
    if (mode in {"RGB", "RGBA"} and space == b"RGB ") or (mode == "L" and space == b"GRAY"):
        return profile
    return None


def _encode(image: Image.Image, icc_profile: bytes | None) -> StoredContent:
    buffer = io.BytesIO()
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if image.mode == "RGBA":
        image.save(buffer, "PNG", **options)
        content_type = "image/png"
    else:
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, **options)
        content_type = "image/jpeg"
    return StoredContent(buffer.getvalue(), content_type, width=image.width, height=image.height)


# --- PDFs ------------------------------------------------------------------------------------
# What `pdf_safety` finds, as the refusal names it.
PDF_FINDINGS = {
    "javascript": gettext_lazy("JavaScript 脚本"),
    "action": gettext_lazy("打开外部文件、提交表单或播放媒体的动作"),
    "automatic_action": gettext_lazy("自动执行的动作"),
    "embedded_file": gettext_lazy("嵌入文件"),
    "file_attachment": gettext_lazy("文件附件注释"),
    "multimedia": gettext_lazy("多媒体或 3D 内容"),
    "xfa": gettext_lazy("XFA 表单"),
    "unsafe_link": gettext_lazy("非网页链接（只允许 http、https 和 mailto）"),
}


def _prepare_pdf(data: bytes) -> StoredContent:
    """Keep a PDF byte for byte if it opens, has pages and carries nothing active; refuse it (422,
    naming what was found) otherwise. Refused, not rewritten: evidence is stored as uploaded."""
    try:
        inspection = inspect_pdf(data)
    except PdfEncrypted:
        raise _unsupported(_("PDF 已加密，请去掉密码后重新上传。"), "pdf") from None
    except PdfUnreadable as exc:
        # An ordinary refusal, not a fault of ours: logged without a traceback.
        logger.info("attachment PDF refused as unreadable: %s", exc)
        raise _unsupported(_("PDF 已损坏或没有页面。"), "pdf") from None
    if not inspection.safe:
        kinds = inspection.kinds()
        logger.info("attachment PDF refused for active content: %s",
                    {kind: sorted(inspection.found[kind]) for kind in kinds})
        message = _("PDF 含有%(found)s，不能作为证据上传。请另存为或打印为普通 PDF 后重新上传。") % {
            "found": _("、").join(str(PDF_FINDINGS[kind]) for kind in kinds)}
        raise file_error(ErrorCode.UNSUPPORTED_FILE, message, detected="pdf", found=kinds)
    return StoredContent(data, "application/pdf", pages=inspection.pages)


# --- names -----------------------------------------------------------------------------------
def clean_original_name(name: str | None) -> str:
    """The uploaded file's own name, for display: no directories, no control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    # Category C covers control and format characters, including the right-to-left override
    # that makes "gpj.exe" read as "exe.jpg".
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).strip()
    return name[:255] or "file"


def download_filename(attachment: Attachment) -> str:
    """The original name with the extension of what is actually stored (a PNG may now be a JPEG)."""
    stem, dot, _ext = attachment.original_name.rpartition(".")
    stem = (stem if dot and stem else attachment.original_name).strip()
    return f"{stem or f'attachment-{attachment.pk}'}.{EXTENSIONS.get(attachment.content_type, 'bin')}"


def disposition_header(name: str, fallback: str, *, inline: bool = False) -> str:
    """Content-Disposition for any download: the real (Chinese) name in RFC 5987 form, and an ASCII
    `fallback` for clients that do not read it."""
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def content_disposition(attachment: Attachment) -> str:
    """`attachment` with an ASCII fallback name and the real one in RFC 5987 form (Chinese names)."""
    filename = download_filename(attachment)
    stem, _dot, ext = filename.rpartition(".")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_stem).strip("._")
    if not re.search(r"[A-Za-z0-9]", ascii_stem):
        ascii_stem = f"attachment-{attachment.pk}"
    return disposition_header(filename, f"{ascii_stem}.{ext}")


# --- services --------------------------------------------------------------------------------

def _same_org(actor, *objects) -> None:
    """Objects named by a caller must be in the actor's organisation; otherwise they do not exist."""
    for obj in objects:
        organization_id = getattr(obj, "organization_id", None)
        if organization_id is not None and organization_id != actor.organization_id:
            raise ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在"))


def attachment_upload(*, actor, file: File, unit: models.Model | None = None, client_id: str = "",
                      evidence: dict | None = None) -> Attachment:
    """Store an uploaded evidence file for `actor`, optionally about `unit` (which they must see).

    `evidence` holds what the client says of a photo (`captured_at`, `latitude`, `longitude`,
    `accuracy_m`, `device`, `source`), each optional; what it leaves out is read from the photo's
    own EXIF before the stored copy is stripped of it.

    Refusals (413 too large, 422 not a supported or sound file or a bad evidence field, 404 unit
    out of scope) happen before anything is written: no file, no row, no audit event.

    With a `client_id` (a phone's own id for the photo, see core.idempotency) a retried upload
    returns the first attachment (`attachment.created` False) instead of storing a second; the same
    id with other content or another unit is refused (409 naming `client_id`).
    """
    given = parse_evidence(evidence or {})
    data = read_upload(file)
    # Decoding happens before the transaction opens: it can take a moment, and SQLite's write
    # lock (taken when the transaction begins) would stall every other writer meanwhile.
    content = prepare_content(data)
    if content.content_type.startswith("image/"):
        given = given.merged_with(evidence_from_exif(data))
    return _attachment_store(
        actor=actor, unit=unit, content=content, original_name=clean_original_name(file.name),
        client_id=clean_client_id(client_id), evidence=given,
    )


def _mine(actor) -> models.QuerySet:
    return Attachment.objects.filter(organization_id=actor.organization_id, uploaded_by=actor)


def _same_upload(first: Attachment, sha256: str, unit) -> Attachment:
    """The attachment an earlier upload with this client id made, if this retry is the same one."""
    if first.sha256 != sha256 or first.unit_id != (unit.pk if unit is not None else None):
        raise reused(_("client_id: 这个客户端编号已用于另一份文件，不能再用于不同的内容。"),
                     _("这个客户端编号已用于另一份文件。"), attachment_id=first.pk)
    first.created = False
    return first


@transaction.atomic
def _attachment_store(*, actor, unit, content: StoredContent, original_name: str, client_id: str = "",
                      evidence: Evidence | None = None) -> Attachment:
    evidence = evidence or Evidence()
    if unit is not None:
        _same_org(actor, unit)
        get_for_actor(apps.get_model("org", "Unit"), actor, unit.pk)
    sha256 = hashlib.sha256(content.data).hexdigest()
    if (first := earlier(_mine(actor), client_id)) is not None:
        return _same_upload(first, sha256, unit)
    attachment = Attachment(
        organization_id=actor.organization_id,
        uploaded_by=actor,
        unit=unit,
        original_name=original_name,
        content_type=content.content_type,
        size=len(content.data),
        sha256=sha256,
        width=content.width,
        height=content.height,
        client_id=client_id,
        captured_at=evidence.captured_at,
        latitude=evidence.latitude,
        longitude=evidence.longitude,
        accuracy_m=evidence.accuracy_m,
        device=evidence.device,
        source=evidence.source,
        metadata_from_exif=evidence.from_exif,
    )
    file_field = Attachment._meta.get_field("file")
    name = file_field.generate_filename(attachment, f"{sha256[:16]}-{uuid.uuid4().hex}.{content.extension}")
    attachment.file.name = name
    # A racing retry's row is settled by save_once below, not refused as a duplicate here.
    full_clean_or_refuse(attachment, validate_constraints=not client_id)
    storage = attachment.file.storage
    if storage.exists(name):
        raise ApplicationError(ErrorCode.CONFLICT, _("存储中已有同名文件，未覆盖；请重试。"))
    # The storage never replaces an existing file (FileSystemStorage opens with O_EXCL, S3 runs
    # with AWS_S3_FILE_OVERWRITE off): under a race it picks another name, which is kept.
    attachment.file.name = storage.save(name, ContentFile(content.data))
    try:
        if client_id:
            winner, created = save_once(attachment, _mine(actor))
            if not created:
                # A concurrent retry with the same client id stored first: keep its file only.
                storage.delete(attachment.file.name)
                return _same_upload(winner, sha256, unit)
        else:
            attachment.save(force_insert=True)
        attachment.created = True
        record_event(actor=actor, action="attachment.upload", obj=attachment, after=snapshot(attachment))
        get_for_actor(Attachment, actor, attachment.pk)
    except BaseException:
        storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def attachment_read_original(*, actor, attachment_id) -> Attachment:
    """The attachment whose stored original (no watermark) `actor` is about to receive: only its
    uploader and those who judge evidence (`Attachment.scope_roles["original"]`) may; anyone
    else gets 404. Each such read is audited."""
    attachment = get_for_actor(Attachment.objects.select_related("unit"), actor, attachment_id, action="original")
    record_event(actor=actor, action="attachment.download_original", obj=attachment,
                 after={"sha256": attachment.sha256, "size": attachment.size})
    return attachment


@transaction.atomic
def attachment_attach(*, actor, attachment: Attachment, obj: models.Model, unit: models.Model) -> Attachment:
    """Bind evidence to the object it proves (an inspection answer, a finding) and its unit.

    From then on whoever sees `unit` sees the file (the uploader always does). Attaching again to
    the same object and unit changes nothing; attaching to a different object is a conflict, so
    evidence never silently moves.
    """
    if obj.pk is None:
        raise ValueError("save the object before attaching evidence to it")
    _same_org(actor, attachment, obj, unit)
    # Lock the attachment row only: the scope filter outer-joins the nullable unit, and
    # PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    current = get_for_actor(Attachment.objects.select_for_update(of=("self",)), actor, attachment.pk)
    object_type, object_id = obj._meta.label_lower, str(obj.pk)
    if current.object_type or current.object_id:
        if (current.object_type, current.object_id, current.unit_id) == (object_type, object_id, unit.pk):
            return current
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("附件已关联到其他对象，不能再次关联。"),
            {"attachment_id": current.pk, "object_type": current.object_type, "object_id": current.object_id},
        )
    before = snapshot(current, ATTACH_AUDIT_FIELDS)
    current.unit, current.object_type, current.object_id = unit, object_type, object_id
    full_clean_or_refuse(current)
    current.save(update_fields=["unit", "object_type", "object_id"])
    record_event(
        actor=actor, action="attachment.attach", obj=current,
        before=before, after=snapshot(current, ATTACH_AUDIT_FIELDS),
    )
    return get_for_actor(Attachment, actor, current.pk)

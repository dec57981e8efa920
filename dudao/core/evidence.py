"""Photo evidence: the metadata kept with an attachment (capture time, position, device, source),
read from the client or, failing that, from the photo's own EXIF before it is stripped; and the
watermarked copy that pages and prints show instead of the stored original.

The stored file is never touched: its SHA-256 stays that of the bytes first stored. The
watermarked copy is derived from it, cached in the same storage under `renditions/`, and keyed by
the original's hash and the watermark's text, so a renamed unit gets a fresh copy.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import logging
import shutil
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageDraw, ImageFont

from .errors import ApplicationError, ErrorCode
from .models import EvidenceSource
from .numbers import as_decimal

logger = logging.getLogger(__name__)

__all__ = [
    "Evidence",
    "caption",
    "check_camera_evidence",
    "evidence_from_exif",
    "parse_evidence",
    "watermark_lines",
    "watermarked",
]

CLOCK_SKEW = dt.timedelta(minutes=5)
RENDITION_VERSION = "wm1"
FONT_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
EVIDENCE_FIELDS = ("captured_at", "latitude", "longitude", "accuracy_m", "device", "source")


def _field_error(name: str, message: str) -> ApplicationError:
    return ApplicationError(ErrorCode.VALIDATION, f"{name}: {message}", {"fields": {name: [message]}})


@dataclass
class Evidence:
    """What is known of how and where a photo was taken; every field optional."""

    captured_at: dt.datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: float | None = None
    device: str = ""
    source: str = EvidenceSource.UNKNOWN
    from_exif: bool = False
    given: set[str] = field(default_factory=set)

    def merged_with(self, exif: Evidence) -> Evidence:
        """The client's values, with what the client left out taken from the photo's EXIF."""
        merged = Evidence(**{name: getattr(self, name) for name in EVIDENCE_FIELDS}, given=set(self.given))
        if merged.captured_at is None and exif.captured_at is not None:
            merged.captured_at, merged.from_exif = exif.captured_at, True
        if merged.latitude is None and exif.latitude is not None:
            merged.latitude, merged.longitude, merged.from_exif = exif.latitude, exif.longitude, True
        if not merged.device and exif.device:
            merged.device, merged.from_exif = exif.device, True
        return merged


# --- from the client -------------------------------------------------------------------------
def _number(name: str, text, low: float, high: float) -> Decimal:
    number = as_decimal(str(text).strip())
    if number is None or not low <= number <= high:
        raise _field_error(name, _("须是 %(low)s 到 %(high)s 之间的数字") % {"low": low, "high": high})
    return number


def parse_evidence(values: dict, *, now: dt.datetime | None = None) -> Evidence:
    """The evidence fields a client sent (strings or values; blank or None means not sent), checked:
    a bad value is refused (422) naming its field, before anything is stored."""
    now = now or timezone.now()
    given = {name for name in EVIDENCE_FIELDS if values.get(name) not in (None, "")}
    evidence = Evidence(given=given)
    if "captured_at" in given:
        raw = values["captured_at"]
        try:
            moment = raw if isinstance(raw, dt.datetime) else parse_datetime(str(raw).strip())
        except ValueError:
            moment = None
        if moment is None:
            raise _field_error("captured_at", _("须是 ISO 8601 日期时间,例如 2026-05-01T14:30:00+08:00"))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        if moment > now + CLOCK_SKEW:
            raise _field_error("captured_at", _("拍摄时间不能晚于当前时间"))
        evidence.captured_at = moment
    if ("latitude" in given) != ("longitude" in given):
        missing = "longitude" if "latitude" in given else "latitude"
        raise _field_error(missing, _("纬度和经度须同时提供"))
    if "latitude" in given:
        evidence.latitude = _number("latitude", values["latitude"], -90, 90).quantize(Decimal("0.000001"))
        evidence.longitude = _number("longitude", values["longitude"], -180, 180).quantize(Decimal("0.000001"))
    if "accuracy_m" in given:
        evidence.accuracy_m = float(_number("accuracy_m", values["accuracy_m"], 0, 100000))
    if "device" in given:
        device = str(values["device"]).strip()
        if len(device) > 200:
            raise _field_error("device", _("不能超过 %(limit)s 个字符") % {"limit": 200})
        evidence.device = device
    if "source" in given:
        source = str(values["source"]).strip()
        if source not in EvidenceSource.values:
            raise _field_error("source", _("须是 camera、gallery 或 unknown"))
        evidence.source = source
    return evidence


# --- from EXIF -------------------------------------------------------------------------------
def _rational(value) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def _degrees(parts, ref) -> Decimal | None:
    try:
        degrees, minutes, seconds = (_rational(part) for part in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if str(ref).upper().startswith(("S", "W")):
        value = -value
    return Decimal(str(round(value, 6)))


def _exif_time(text, offset) -> dt.datetime | None:
    try:
        moment = dt.datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if offset:
        try:
            sign = -1 if str(offset).startswith("-") else 1
            hours, minutes = str(offset).strip("+-\x00 ").split(":")
            zone = dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes)))
            return moment.replace(tzinfo=zone)
        except ValueError:
            pass
    # EXIF keeps the camera's local time without a zone: read it in the site's zone.
    return timezone.make_aware(moment)


def evidence_from_exif(data: bytes) -> Evidence:
    """DateTimeOriginal, GPS position and Make/Model of an image's EXIF (an empty Evidence when it
    has none or cannot be read). Called on the uploaded bytes, before they are stripped."""
    evidence = Evidence()
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            details = exif.get_ifd(ExifTags.IFD.Exif)
            gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        # EXIF is a bonus: a photo whose metadata cannot be read is still evidence.
        logger.info("attachment EXIF unreadable", exc_info=True)
        return evidence
    taken = details.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if taken:
        evidence.captured_at = _exif_time(taken, details.get(ExifTags.Base.OffsetTimeOriginal))
        if evidence.captured_at is not None and evidence.captured_at > timezone.now() + CLOCK_SKEW:
            evidence.captured_at = None
    if gps.get(ExifTags.GPS.GPSLatitude) and gps.get(ExifTags.GPS.GPSLongitude):
        latitude = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef, "N"))
        longitude = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef, "E"))
        if latitude is not None and longitude is not None and abs(latitude) <= 90 and abs(longitude) <= 180:
            evidence.latitude, evidence.longitude = latitude, longitude
    make = str(exif.get(ExifTags.Base.Make) or "").strip("\x00 ")
    model = str(exif.get(ExifTags.Base.Model) or "").strip("\x00 ")
    if model.startswith(make):
        make = ""
    evidence.device = " ".join(part for part in (make, model) if part)[:200]
    return evidence


# --- the camera rule -------------------------------------------------------------------------
def check_camera_evidence(attachments, *, day: dt.date, field_name: str) -> None:
    """When the policy requires camera capture: every photo among `attachments` must say it was
    taken with the camera (`source=camera`) on `day` (local date). Refused (422) naming the field
    and the photo; documents (PDF) are not photos and pass."""
    errors: dict[str, list[str]] = {}
    for attachment in attachments:
        if not attachment.content_type.startswith("image/"):
            continue
        if attachment.source != EvidenceSource.CAMERA:
            errors.setdefault(f"{field_name}.source", []).append(
                _("照片 %(id)s 不是现场拍摄(source 须为 camera):制度要求证据照片用相机现场拍摄")
                % {"id": attachment.pk}
            )
        elif attachment.captured_at is None or timezone.localdate(attachment.captured_at) != day:
            errors.setdefault(f"{field_name}.captured_at", []).append(
                _("照片 %(id)s 的拍摄时间不在检查当天(%(day)s)") % {"id": attachment.pk, "day": day.isoformat()}
            )
    if errors:
        first, messages = next(iter(errors.items()))
        raise ApplicationError(ErrorCode.VALIDATION, f"{first}: {messages[0]}", {"fields": errors})


# --- captions and the watermark --------------------------------------------------------------
def _position_text(attachment) -> str:
    return f"{attachment.latitude:.6f}, {attachment.longitude:.6f}"


def caption(attachment) -> str:
    """The small line under a displayed photo: 拍摄于 … · 定位 … · 来源."""
    parts = []
    if attachment.captured_at:
        parts.append(_("拍摄于 %(time)s") % {"time": timezone.localtime(attachment.captured_at).strftime("%Y-%m-%d %H:%M")})
    else:
        parts.append(_("上传于 %(time)s") % {"time": timezone.localtime(attachment.uploaded_at).strftime("%Y-%m-%d %H:%M")})
    if attachment.latitude is not None and attachment.longitude is not None:
        parts.append(_("定位 %(position)s") % {"position": _position_text(attachment)})
    if attachment.source != EvidenceSource.UNKNOWN:
        parts.append(str(attachment.get_source_display()))
    return " · ".join(parts)


def watermark_lines(attachment) -> list[str]:
    """Capture (or upload) time; unit and uploader; position when known."""
    lines = [caption(attachment).split(" · ")[0]]
    who = [name for name in (getattr(attachment.unit, "name", ""), _uploader_name(attachment)) if name]
    if who:
        lines.append(" · ".join(who))
    if attachment.latitude is not None and attachment.longitude is not None:
        lines.append(_("定位 %(position)s") % {"position": _position_text(attachment)})
    return lines


def _uploader_name(attachment) -> str:
    person = attachment.uploaded_by
    return getattr(person, "display_name", "") or getattr(person, "username", "")


@functools.cache
def _font_file() -> tuple[str, int] | None:
    for family in FONT_FAMILIES:
        if shutil.which("fc-match"):
            try:
                found = subprocess.run(
                    ["fc-match", "-f", "%{file}:%{index}", family], capture_output=True, text=True, timeout=5,
                ).stdout
            except (OSError, subprocess.SubprocessError):
                found = ""
            path, _sep, index = found.rpartition(":")
            if path and "CJK" in path and Path(path).exists():
                return path, int(index or 0)
    for path in FONT_PATHS:
        if Path(path).exists():
            return path, 0
    return None


def _font(size: int):
    found = _font_file()
    if found is not None:
        try:
            return ImageFont.truetype(found[0], size, index=found[1])
        except OSError:
            logger.warning("watermark font %s unreadable", found[0])
    # No CJK font: Pillow's own font still draws the time and position (Chinese may not render).
    return ImageFont.load_default(size)


def draw_watermark(image: Image.Image, lines: list[str]) -> Image.Image:
    """`image` with `lines` in white on a dark band along its bottom edge."""
    base = image.convert("RGBA") if image.mode != "RGBA" else image.copy()
    size = max(12, round(min(base.width, base.height) / 28))
    font = _font(size)
    pad, gap = size // 2, size // 4
    height = pad * 2 + len(lines) * size + (len(lines) - 1) * gap
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle([0, base.height - height, base.width, base.height], fill=(0, 0, 0, 140))
    y = base.height - height + pad
    for line in lines:
        draw.text((pad, y), line, font=font, fill=(255, 255, 255, 235))
        y += size + gap
    marked = Image.alpha_composite(base, overlay)
    return marked if image.mode == "RGBA" else marked.convert("RGB")


def _rendition_name(attachment, lines: list[str]) -> str:
    key = hashlib.sha256("\n".join([RENDITION_VERSION, attachment.sha256, *lines]).encode()).hexdigest()
    extension = "png" if attachment.content_type == "image/png" else "jpg"
    return f"renditions/{attachment.pk}-{key[:24]}.{extension}"


def watermarked(attachment) -> tuple[bytes, str]:
    """The displayed copy of an image attachment: (bytes, etag). Made once and cached in storage
    beside the originals (never over one); the stored original is only read."""
    lines = watermark_lines(attachment)
    name = _rendition_name(attachment, lines)
    storage = attachment.file.storage
    etag = name.rsplit("/", 1)[1].split(".")[0]
    if storage.exists(name):
        with storage.open(name, "rb") as handle:
            return handle.read(), etag
    with storage.open(attachment.file.name, "rb") as handle, Image.open(handle) as image:
        image.load()
        marked = draw_watermark(image, lines)
    buffer = io.BytesIO()
    if attachment.content_type == "image/png":
        marked.save(buffer, "PNG")
    else:
        marked.save(buffer, "JPEG", quality=85, optimize=True)
    data = buffer.getvalue()
    if not storage.exists(name):
        # Two first views at once: the storage keeps the first and renames the second; both hold
        # the same picture, so either is fine to serve.
        storage.save(name, ContentFile(data))
    return data, etag


def watermarked_image(attachment) -> Image.Image | None:
    """The displayed copy as a Pillow image (for PDFs), None when the attachment is not a readable
    image."""
    if not attachment.content_type.startswith("image/"):
        return None
    try:
        data, _etag = watermarked(attachment)
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, ValueError):
        logger.warning("attachment %s could not be watermarked", attachment.pk, exc_info=True)
        return None
    return image


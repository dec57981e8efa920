"""API for evidence files: upload, list, metadata and download (DESIGN.md section 5).

Uploads are multipart with a `file` part and an optional `unit_id` (the unit the evidence is
about, which the uploader must see). Everything is scoped by `Attachment.objects.visible_to`.
"""

from __future__ import annotations

import functools
import logging

from django.apps import apps
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from . import attachments, evidence
from .access import get_for_actor
from .api import Pagination, actor_of
from .attachment_schemas import AttachmentOut
from .errors import ApplicationError, ErrorCode
from .models import Attachment

logger = logging.getLogger(__name__)

router = Router(tags=["attachments"])

MULTIPART_OVERHEAD = 64 * 1024
"""Room for boundaries, part headers and the other form fields on top of the file itself."""


class UploadSizeLimit(FileUploadHandler):
    """Refuse an oversized upload while it arrives, before it is spooled to disk in full.

    A declared Content-Length well over the limit is refused before any byte is read; otherwise
    the bytes of file parts are counted as they stream in.
    """

    def __init__(self, request, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit + MULTIPART_OVERHEAD:
            raise attachments.file_too_large(self.limit, content_length)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise attachments.file_too_large(self.limit)
        return raw_data

    def file_complete(self, file_size):
        return None


def limit_upload_size(run):
    """Install UploadSizeLimit before authentication or parsing can read the request body."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers.insert(0, UploadSizeLimit(request, settings.ATTACHMENT_MAX_BYTES))
        return run(request, *args, **kwargs)

    return wrapper


@router.get("", response=list[AttachmentOut])
@paginate(Pagination)
def attachment_list(
    request, unit_id: int | None = None, object_type: str | None = None, object_id: str | None = None
):
    """Attachments the caller may see, newest first; filter by unit or by the object they prove."""
    found = Attachment.objects.visible_to(actor_of(request))
    if unit_id is not None:
        found = found.filter(unit_id=unit_id)
    if object_type:
        found = found.filter(object_type=object_type)
    if object_id:
        found = found.filter(object_id=object_id)
    return found


@router.post("", response={200: AttachmentOut, 201: AttachmentOut})
@decorate_view(limit_upload_size)
def attachment_upload(
    request, file: File[UploadedFile], unit_id: Form[int | None] = None, client_id: Form[str | None] = None,
    captured_at: Form[str | None] = None, latitude: Form[str | None] = None, longitude: Form[str | None] = None,
    accuracy_m: Form[str | None] = None, device: Form[str | None] = None, source: Form[str | None] = None,
):
    """Upload a photo (JPEG, PNG, WebP, GIF) or a PDF. 413 over the size limit, 422 for any
    other content, whatever its name or Content-Type says. With `client_id`, a retry answers 200
    with the first upload; the same id with other content is a 409 naming `client_id`.

    Optional evidence fields: `captured_at` (ISO 8601), `latitude`/`longitude` (WGS-84, both or
    neither), `accuracy_m`, `device`, `source` (camera | gallery | unknown); a bad value is a 422
    naming the field. Fields left out are read from the photo's EXIF before it is stripped."""
    actor = actor_of(request)
    unit = get_for_actor(apps.get_model("org", "Unit"), actor, unit_id) if unit_id is not None else None
    given = {"captured_at": captured_at, "latitude": latitude, "longitude": longitude, "accuracy_m": accuracy_m,
             "device": device, "source": source}
    stored = attachments.attachment_upload(actor=actor, file=file, unit=unit, client_id=client_id or "",
                                           evidence=given)
    return Status(201 if stored.created else 200, stored)


@router.get("/{attachment_id}", response=AttachmentOut)
def attachment_get(request, attachment_id: int):
    return get_for_actor(Attachment, actor_of(request), attachment_id)


def _stored_file(attachment):
    try:
        return attachment.file.storage.open(attachment.file.name, "rb")
    except FileNotFoundError:
        logger.error("attachment %s: stored file %s is missing", attachment.pk, attachment.file.name)
        raise ApplicationError(ErrorCode.NOT_FOUND, _("附件的文件内容不存在")) from None


def _safe_headers(response, attachment, etag: str):
    response["Content-Disposition"] = attachments.content_disposition(attachment)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    response["ETag"] = f'"{etag}"'
    return response


@router.get(
    "/{attachment_id}/download",
    url_name="attachment_download",
    openapi_extra={
        "responses": {
            200: {
                "description": "A photo's displayed copy (watermarked), or a PDF's stored bytes",
                "content": {"image/jpeg": {}, "image/png": {}, "application/pdf": {}},
            }
        }
    },
)
def attachment_download(request, attachment_id: int):
    """What pages show and print: a photo with its watermark (capture or upload time, unit,
    uploader, position), derived from the stored original and cached; a PDF as stored. Always a
    download with its real Content-Type, never sniffed."""
    attachment = get_for_actor(
        Attachment.objects.select_related("unit", "uploaded_by"), actor_of(request), attachment_id
    )
    if not attachment.content_type.startswith("image/"):
        return _safe_headers(FileResponse(_stored_file(attachment), content_type=attachment.content_type),
                             attachment, attachment.sha256)
    try:
        data, etag = evidence.watermarked(attachment)
    except FileNotFoundError:
        _stored_file(attachment)
        raise
    return _safe_headers(HttpResponse(data, content_type=attachment.content_type), attachment, etag)


@router.get(
    "/{attachment_id}/original",
    url_name="attachment_original",
    openapi_extra={
        "responses": {
            200: {
                "description": "The stored original (SHA-256 as in the metadata, no watermark); audited",
                "content": {"image/jpeg": {}, "image/png": {}, "application/pdf": {}},
            }
        }
    },
)
def attachment_original(request, attachment_id: int):
    """The stored bytes untouched (their SHA-256 is the attachment's), for the uploader and those who
    judge evidence; every read is audited. Others get 404 even when they see the watermarked copy."""
    attachment = attachments.attachment_read_original(actor=actor_of(request), attachment_id=attachment_id)
    return _safe_headers(FileResponse(_stored_file(attachment), content_type=attachment.content_type),
                         attachment, attachment.sha256)

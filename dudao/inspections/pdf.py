"""The inspection as a PDF (WeasyPrint, Noto CJK): header, scores, answers with photos, signature.

Photos are printed from their watermarked copy (`core.evidence.watermarked`), read from our storage and embedded as data URIs, downscaled for print; the renderer
may fetch nothing else (no file:, no http:), so nothing in a document can reach the network or disk.
"""

from __future__ import annotations

import base64
import io
import logging

from django.utils import timezone

from dudao.core.evidence import watermarked_image
from dudao.core.pdf import render_pdf

logger = logging.getLogger(__name__)

PRINT_EDGE = 900
"""Long edge in pixels of an embedded photo: sharp at the printed size, small in the file."""


def photo_data_uri(attachment, edge: int = PRINT_EDGE) -> str | None:
    """The attachment as a JPEG data URI no larger than `edge` px, or None when it is not a
    readable image."""
    if not attachment.content_type.startswith("image/"):
        return None
    # The printed copy carries the same watermark as the displayed one (time, unit, uploader, position).
    image = watermarked_image(attachment)
    if image is None:
        logger.warning("attachment %s could not be read for the PDF", attachment.pk)
        return None
    image.thumbnail((edge, edge))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _embed_photos(row) -> None:
    if not hasattr(row, "printed_photos"):
        row.printed_photos = [{"attachment": photo, "uri": photo_data_uri(photo)} for photo in row.photos]


def inspection_pdf(context: dict) -> bytes:
    """Render the detail context (screens.detail_context) as a PDF."""
    for section in context["sheet"]:
        for row in section.rows:
            _embed_photos(row)
    for pair in context.get("comparison") or ():
        _embed_photos(pair["before"])
        _embed_photos(pair["after"])
    signature = context["inspection"].onsite_signature if context["inspection"].onsite_signature_id else None
    return render_pdf("inspections/inspection_pdf.html", {
        **context,
        "onsite_signature_uri": photo_data_uri(signature) if signature is not None else None,
        "organization": context["inspection"].organization,
        "generated_at": timezone.localtime(),
    })

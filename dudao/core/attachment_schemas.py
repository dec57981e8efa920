"""What the attachments API answers with."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.urls import reverse
from ninja import Schema


class AttachmentOut(Schema):
    id: int
    sha256: str
    content_type: str
    size: int
    original_name: str
    width: int | None
    height: int | None
    uploaded_at: datetime
    uploaded_by_id: int
    unit_id: int | None
    object_type: str
    object_id: str
    captured_at: datetime | None
    latitude: Decimal | None
    longitude: Decimal | None
    accuracy_m: float | None
    device: str
    source: str
    metadata_from_exif: bool
    download_url: str
    original_url: str

    @staticmethod
    def resolve_download_url(obj) -> str:
        return reverse("api:attachment_download", kwargs={"attachment_id": obj.pk})

    @staticmethod
    def resolve_original_url(obj) -> str:
        return reverse("api:attachment_original", kwargs={"attachment_id": obj.pk})

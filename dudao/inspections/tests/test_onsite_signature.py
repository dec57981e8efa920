"""The on-site signature (现场签字): set through the inspection PATCH while a draft, shown on the
detail page and printed in the PDF."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader, PdfWriter

from dudao.core.attachments import attachment_upload
from dudao.core.models import Attachment, AuditEvent
from dudao.inspections.models import Inspection
from dudao.inspections.tests.test_api import photo, started, submitted


def signature_png(world, person_key="supervisor", name="signature.png"):
    buffer = io.BytesIO()
    image = Image.new("RGB", (300, 120), (255, 255, 255))
    for x in range(20, 280):
        image.putpixel((x, 60 + (x % 17) - 8), (20, 20, 20))
    image.save(buffer, "PNG")
    upload = SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
    return attachment_upload(actor=world.person(person_key), file=upload, unit=world.unit("store1"))


def a_pdf(world):
    writer, buffer = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(buffer)
    upload = SimpleUploadedFile("report.pdf", buffer.getvalue(), content_type="application/pdf")
    return attachment_upload(actor=world.person("supervisor"), file=upload, unit=world.unit("store1"))


@pytest.fixture
def supervisor_client(client, world):
    client.force_login(world.people["supervisor"])
    return client


def state(inspection):
    inspection.refresh_from_db()
    return (inspection.onsite_signature_id, inspection.onsite_signer_name, inspection.onsite_signed_at,
            AuditEvent.objects.count())


def patch(client, inspection, payload):
    return client.patch(f"/api/v1/inspections/{inspection.pk}", payload, content_type="application/json")


def test_the_signature_is_set_on_a_draft_attached_and_audited(supervisor_client, world):
    inspection = started(world)
    signature = signature_png(world)
    response = patch(supervisor_client, inspection, {
        "onsite_signature_id": signature.pk, "onsite_signer_name": "王店长",
        "onsite_signed_at": "2026-03-02T10:15:00+08:00"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["onsite_signature_id"] == signature.pk and body["onsite_signer_name"] == "王店长"
    assert body["onsite_signed_at"].startswith("2026-03-02T")
    inspection.refresh_from_db()
    assert inspection.onsite_signature_id == signature.pk and inspection.onsite_signer_name == "王店长"
    signature.refresh_from_db()
    assert (signature.object_type, signature.object_id) == ("inspections.inspection", str(inspection.pk))
    event = AuditEvent.objects.filter(action="inspection.update", object_id=str(inspection.pk)).latest("pk")
    assert event.after["onsite_signer_name"] == "王店长" and event.before["onsite_signer_name"] == ""
    # The store manager, who sees the unit, now sees the signature too.
    assert Attachment.objects.visible_to(world.people["unit_manager"]).filter(pk=signature.pk).exists()
    # Sending it again (a retried sync) changes nothing and records nothing.
    before = state(inspection)
    again = patch(supervisor_client, inspection, {"onsite_signature_id": signature.pk,
                                                  "onsite_signer_name": "王店长",
                                                  "onsite_signed_at": "2026-03-02T10:15:00+08:00"})
    assert again.status_code == 200 and state(inspection) == before


def test_the_signed_time_defaults_to_now(supervisor_client, world):
    inspection = started(world)
    response = patch(supervisor_client, inspection, {"onsite_signature_id": signature_png(world).pk,
                                                     "onsite_signer_name": "李值班"})
    assert response.status_code == 200 and response.json()["onsite_signed_at"]


@pytest.mark.parametrize("wrong", ["missing", "pdf", "someone_elses", "other_object", "no_name"])
def test_a_wrong_signature_is_refused_naming_the_field_and_nothing_changes(supervisor_client, world, wrong):
    inspection = started(world)
    field, payload = "onsite_signature_id", {"onsite_signer_name": "王店长"}
    if wrong == "missing":
        payload["onsite_signature_id"] = 999999
    elif wrong == "pdf":
        payload["onsite_signature_id"] = a_pdf(world).pk
    elif wrong == "someone_elses":
        payload["onsite_signature_id"] = signature_png(world, person_key="admin").pk
    elif wrong == "other_object":
        other = submitted(world)
        used = photo(world)
        from dudao.core.attachments import attachment_attach

        attachment_attach(actor=world.person("supervisor"), attachment=used, obj=other, unit=other.unit)
        payload["onsite_signature_id"] = used.pk
    else:
        field, payload = "onsite_signer_name", {"onsite_signature_id": signature_png(world).pk}
    before = state(inspection)
    response = patch(supervisor_client, inspection, payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["detail"]["fields"]
    assert state(inspection) == before


def test_a_submitted_inspection_cannot_be_signed_on_site(supervisor_client, world):
    inspection = submitted(world)
    signature = signature_png(world)
    before = state(inspection)
    response = patch(supervisor_client, inspection, {"onsite_signature_id": signature.pk,
                                                     "onsite_signer_name": "王店长"})
    assert response.status_code == 409
    assert state(inspection) == before
    signature.refresh_from_db()
    assert signature.object_type == ""


def signed(world):
    inspection = started(world)
    from dudao.inspections import services

    services.inspection_update(actor=world.person("supervisor"), inspection=inspection,
                               onsite_signature_id=signature_png(world).pk, onsite_signer_name="王店长")
    return Inspection.objects.get(pk=inspection.pk)


def test_the_detail_page_shows_the_signature(client, world):
    inspection = signed(world)
    client.force_login(world.people["unit_manager"])
    response = client.get(inspection.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "现场签字" in html and "王店长" in html
    assert f"/attachments/{inspection.onsite_signature_id}/" in html


def test_the_detail_page_without_a_signature_says_so(client, world):
    inspection = started(world)
    client.force_login(world.people["supervisor"])
    html = client.get(inspection.get_absolute_url()).content.decode()
    assert "现场签字" in html and "未现场签字" in html


def test_the_pdf_prints_the_signature_and_the_signer(client, world):
    inspection = signed(world)
    from dudao.inspections import services

    services.answers_upsert(actor=world.person("supervisor"), inspection=inspection,
                            answers=[{"item_code": "C1", "value": "pass"}])
    client.force_login(world.people["unit_manager"])
    response = client.get(reverse("inspections:inspection-pdf", args=[inspection.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "现场签字" in text and "王店长" in text
    assert sum(len(page.images) for page in reader.pages) >= 1  # the signature itself

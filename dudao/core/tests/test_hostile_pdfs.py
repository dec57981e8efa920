"""Hostile PDFs are refused (422 naming what was found, nothing stored, no traceback logged);
ordinary PDFs, including the product's own WeasyPrint documents, are still accepted byte for byte."""

from __future__ import annotations

import logging

import pytest

from dudao.core import pdf_safety
from dudao.core.attachments import prepare_content
from dudao.core.errors import ApplicationError
from dudao.core.models import Attachment
from dudao.core.testing.matrix import API_PREFIX

from .hostile_pdfs import BENIGN, CORPUS, TRICKS
from .test_attachments import use_tmp_media

URL = API_PREFIX + "/attachments"


def test_the_corpus_is_large_and_covers_every_kind():
    assert len(CORPUS) >= 50
    assert {kind for _build, kind in CORPUS.values()} == set(pdf_safety.KINDS)
    assert len(TRICKS) >= 40


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_pdf_is_refused_naming_what_was_found(name):
    build, kind = CORPUS[name]
    data = build()
    assert data.startswith(b"%PDF-")
    inspection = pdf_safety.inspect_pdf(data)
    assert kind in inspection.found, inspection.found
    with pytest.raises(ApplicationError) as caught:
        prepare_content(data)
    error = caught.value
    assert error.code == "unsupported_file" and error.status == 422
    assert kind in error.detail["found"]
    assert error.detail["fields"]["file"] and "不能作为证据上传" in error.message


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_ordinary_pdf_is_kept_byte_for_byte(name):
    data = BENIGN[name]()
    content = prepare_content(data)
    assert (content.data, content.content_type) == (data, "application/pdf")
    assert content.pages >= 1


def test_a_product_pdf_from_weasyprint_is_accepted():
    from weasyprint import HTML

    data = HTML(string='<h1>检查报告</h1><p><a href="https://example.com">链接</a> <a href="#s2">第二节</a></p>'
                       '<h2 id="s2" style="break-before: page">第二节</h2>').write_pdf()
    content = prepare_content(data)
    assert content.data == data and content.pages == 2


def test_the_inspection_pdf_of_the_product_is_accepted(client, world):
    from django.urls import reverse

    from dudao.checklists import services as checklists
    from dudao.inspections import services

    ops, supervisor = world.person("ops_manager"), world.person("supervisor")
    template = checklists.template_publish(actor=ops, template=checklists.template_create(
        actor=ops, name="门店检查表", sections=[{"title": "卫生", "items": [
            {"code": "A1", "text": "地面清洁", "kind": "check", "points": 10}]}]))
    inspection, _ = services.inspection_create(actor=supervisor, unit=world.unit("store1"), template=template,
                                               location_reason="地下室无信号")
    services.answers_upsert(actor=supervisor, inspection=inspection, answers=[{"item_code": "A1", "value": "fail"}])
    services.inspection_submit(actor=supervisor, inspection=inspection)
    client.force_login(supervisor)
    response = client.get(reverse("inspections:inspection-pdf", args=[inspection.pk]))
    assert response.status_code == 200
    assert prepare_content(response.content).data == response.content


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF",
    b"%PDF-1.4\n" + b"\x00\xff" * 500,
    b"%PDF-1.5\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [2 0 R] "
    b"/Count 1 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
])
def test_broken_pdf_is_refused_without_a_traceback(data, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ApplicationError) as caught:
        prepare_content(data)
    assert caught.value.status == 422
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_every_hostile_pdf_posted_to_the_api_is_422_with_nothing_stored_and_no_traceback(
        live_world, api_for, settings, tmp_path, caplog):
    media = use_tmp_media(settings, tmp_path)
    caplog.set_level(logging.INFO)
    client = api_for(live_world.people["supervisor"])
    for name, (build, kind) in sorted(CORPUS.items()):
        response = client.post(URL, files={"file": (f"{name}.pdf", build(), "application/pdf")})
        assert response.status_code == 422, (name, response.text)
        body = response.json()
        assert body["code"] == "unsupported_file" and kind in body["detail"]["found"], name
        assert body["message"].startswith("file: PDF 含有")
    assert not Attachment.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [r.getMessage() for r in bad]
    ok = client.post(URL, files={"file": ("plain.pdf", BENIGN["web-link"](), "application/pdf")})
    assert ok.status_code == 201, ok.text

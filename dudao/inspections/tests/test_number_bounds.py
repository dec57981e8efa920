"""Number items with one bound ("在线仪表达标率 >= 95%": min 95, no max; "出水氨氮 <= 5"), end to end:
a standard made and published through the checklist services, inspected, scored and submitted
through the inspection services, then read on the run screen, the detail, the PDF and the export."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from dudao.checklists import services as checklists
from dudao.findings.models import Finding
from dudao.inspections import services
from dudao.inspections.models import Answer

SECTIONS = [{"title": "在线监测", "items": [
    {"code": "ON01", "text": "在线仪表达标率(%)", "kind": "number", "points": 10, "min": 95},
    {"code": "ON02", "text": "出水氨氮(mg/L)", "kind": "number", "points": 10, "max": 5},
    {"code": "ON03", "text": "出水 pH", "kind": "number", "points": 10, "min": 6, "max": 9},
    {"code": "ON04", "text": "值班记录完整", "kind": "check", "points": 10},
]}]


@pytest.fixture
def standard(world):
    template = checklists.template_create(actor=world.people["ops_manager"], name="水厂运行检查表", sections=SECTIONS)
    return checklists.template_publish(actor=world.people["ops_manager"], template=template)


def inspect(world, template, values: dict[str, object], *, submit=True):
    supervisor = world.person("supervisor")
    inspection, _created = services.inspection_create(actor=supervisor, unit=world.unit("store1"), template=template, location_reason="测试:未定位")
    services.answers_upsert(actor=supervisor, inspection=inspection,
                            answers=[{"item_code": code, "value": value} for code, value in values.items()])
    if submit:
        result = services.inspection_submit(actor=supervisor, inspection=inspection)
        assert {f.item_code for f in Finding.objects.filter(pk__in=result.finding_ids)} == {
            code for code, answer in results(inspection).items() if answer.failed}
    inspection.refresh_from_db()
    return inspection


def results(inspection) -> dict[str, Answer]:
    return {a.item.code: a for a in Answer.objects.filter(inspection=inspection, is_current=True).select_related("item")}


def test_values_inside_a_one_sided_range_earn_the_points_however_far_they_go(world, standard):
    inspection = inspect(world, standard, {"ON01": "100", "ON02": "0.2", "ON03": "7", "ON04": "pass"})
    answers = results(inspection)
    assert [(answers[c].earned, answers[c].failed) for c in ("ON01", "ON02", "ON03")] == [(10, False)] * 3
    assert (inspection.score, inspection.passed) == (Decimal("100.0"), True)
    assert not Finding.objects.filter(inspection=inspection).exists()


def test_values_on_the_bound_pass_and_beyond_it_fail_with_a_finding_each(world, standard):
    on_bound = inspect(world, standard, {"ON01": "95", "ON02": "5", "ON03": "9", "ON04": "pass"})
    assert on_bound.score == Decimal("100.0")
    outside = inspect(world, standard, {"ON01": "94.9", "ON02": "5.01", "ON03": "7", "ON04": "pass"})
    answers = results(outside)
    assert {code for code, answer in answers.items() if answer.failed} == {"ON01", "ON02"}
    assert (answers["ON01"].earned, answers["ON02"].earned, answers["ON03"].earned) == (0, 0, 10)
    # 20 of 40 points.
    assert (outside.score, outside.passed) == (Decimal("50.0"), False)
    assert set(Finding.objects.filter(inspection=outside).values_list("item_code", flat=True)) == {"ON01", "ON02"}


def test_the_run_screen_states_each_range_and_gives_the_script_the_missing_bound_blank(client, world, standard):
    inspection = inspect(world, standard, {}, submit=False)
    client.force_login(world.people["supervisor"])
    text = client.get(reverse("inspections:run", args=[inspection.pk])).content.decode()

    def card(code):
        start = text.index(f'id="item-{code}"')
        return text[start:text.index("</article>", start)]

    assert "允许范围:≥ 95" in card("ON01") and 'data-min="95" data-max=""' in card("ON01")
    assert "允许范围:≤ 5" in card("ON02") and 'data-min="" data-max="5"' in card("ON02")
    assert "允许范围:6 – 9" in card("ON03") and 'data-min="6" data-max="9"' in card("ON03")


def test_the_detail_pdf_and_export_show_a_one_sided_inspection(client, world, standard):
    inspection = inspect(world, standard, {"ON01": "94", "ON02": "3", "ON03": "7", "ON04": "pass"})
    client.force_login(world.people["supervisor"])
    detail = client.get(reverse("inspections:inspection-detail", args=[inspection.pk])).content.decode()
    failed = detail[detail.index('id="answer-ON01"'):detail.index('id="answer-ON02"')]
    assert '<div class="answer-row failed" id="answer-ON01">' in detail
    assert '<div class="answer-row" id="answer-ON02">' in detail
    assert "94" in failed and "不合格" in failed and "合格范围 ≥ 95" in failed
    assert "合格范围 ≤ 5" in detail and "合格范围 6 – 9" in detail
    assert 'id="score">75.0' in detail

    response = client.get(reverse("inspections:inspection-pdf", args=[inspection.pk]))
    assert response.status_code == 200
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "≥ 95" in pdf_text and "≤ 5" in pdf_text and "75.0" in pdf_text

    sheet = load_workbook(io.BytesIO(client.get(reverse("inspections:inspection-export")).content)).active
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == inspection.pk)
    assert (row[4], row[10], row[11]) == ("水厂运行检查表", 75, "不合格")

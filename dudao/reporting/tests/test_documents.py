"""Reports and bulletins as PDF and Excel: rendered for real, their text read back."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from dudao.reporting import charts, documents, services

from . import scenario
from .test_reports import NOW

HEADINGS = ["一、计划执行情况", "二、工作亮点", "三、存在问题", "四、问题分析", "五、整改建议", "六、整改落实情况"]


@pytest.fixture
def data(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return scenario.build(world)


def pdf_text(body: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(body))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return "".join(text.split())


def test_the_report_pdf_has_its_header_sections_tables_charts_photos_and_page_numbers(world, data):
    report = services.report_draft(actor=world.person("supervisor"), scope_unit=world.unit("east"),
                                   period_start=scenario.START, period_end=scenario.END, now=NOW)
    body = documents.report_pdf(report)
    assert body.startswith(b"%PDF")
    reader, text = pdf_text(body)
    pages = len(reader.pages)
    assert pages >= 2
    text = flat(text)
    for heading in HEADINGS:
        assert heading in text
    assert "华东区督导报告(2026-03-01至2026-03-15)" in text
    assert "甲餐饮" in text and "督导报告·2026-03-01—2026-03-15" in text  # the running header
    assert f"1/{pages}" in text and f"{pages}/{pages}" in text  # page numbers
    assert "应巡未巡" in text and "淮海路店" in text and "地面有积水" in text
    assert "按类别" in text and "流程合规" in text  # the chart's labels are text in the PDF
    assert "按时整改率25.0%" in text
    # One photo, embedded once (every page's resources list it).
    assert {image.name for page in reader.pages for image in page.images} != set()
    assert len({image.data for page in reader.pages for image in page.images}) == 1


def test_the_report_pdf_prints_the_edited_text(world, data):
    report = services.report_draft(actor=world.person("supervisor"), inspection=data.inspections["s1a"], now=NOW)
    services.report_update(actor=world.person("supervisor"), report=report,
                           sections={"recommendations": "加强地面巡查,每两小时拖地一次。"})
    report.refresh_from_db()
    text = flat(pdf_text(documents.report_pdf(report))[1])
    assert "加强地面巡查,每两小时拖地一次。" in text
    assert "南京西路店督导报告(2026-03-02)" in text


def test_the_report_workbook_has_the_text_and_a_sheet_per_table(world, data):
    report = services.report_draft(actor=world.person("supervisor"), scope_unit=world.unit("east"),
                                   period_start=scenario.START, period_end=scenario.END, now=NOW)
    book = load_workbook(io.BytesIO(documents.report_xlsx(report)))
    assert book.sheetnames == ["报告", "计划执行", "应巡未巡", "工作亮点", "存在问题", "问题分析-类别", "问题分析-严重程度",
                               "整改建议", "整改情况", "逾期问题"]
    rows = list(book["报告"].iter_rows(values_only=True))
    assert rows[1] == ("标题", "华东区督导报告(2026-03-01 至 2026-03-15)")
    assert rows[6][0] == "一、计划执行情况" and rows[6][1] == report.sections["execution"]
    assert list(book["存在问题"].iter_rows(min_row=2, values_only=True)) == [
        ("A1", "地面清洁无积水", "中", 3, 2, "南京西路店:地面有积水\n淮海路店:拖地不及时"),
        ("A3", "冷藏温度达标", "高", 1, 1, "淮海路店:冷柜 9℃"),
    ]
    assert list(book["问题分析-严重程度"].iter_rows(min_row=2, values_only=True)) == [
        ("严重", 0), ("高", 1), ("中", 3), ("低", 0)]
    figures = dict(book["整改情况"].iter_rows(min_row=2, values_only=True))
    assert figures == {"问题总数": 4, "已关闭": 2, "待整改": 1, "整改中": 1, "待验收": 0, "逾期未关闭": 2,
                       "按时关闭": 1, "按时整改率(%)": 25.0}


def test_the_bulletin_pdf(world, data):
    bulletin, _ = services.bulletin_compile(actor=world.person("admin"), scope_unit=world.unit("root"),
                                            period_start=scenario.START, period_end=scenario.END, now=NOW)
    reader, text = pdf_text(documents.bulletin_pdf(bulletin))
    text = flat(text)
    for heading in ["一、总体情况", "二、机构排名", "三、常见问题", "四、重复问题", "五、整改逾期", "六、好的做法"]:
        assert heading in text
    assert "甲餐饮督导检查公报(2026-03-01至2026-03-15)" in text
    assert "1南京西路店华东区90.02" in text  # rank, unit, region, score, inspections
    assert "督导检查公报·2026-03-01—2026-03-15" in text and f"1/{len(reader.pages)}" in text


def test_a_long_ranking_prints_its_head_and_tail():
    ranking = [{"unit_id": n, "unit_name": f"店{n}", "score": 100 - n * 0.2, "rank": n + 1} for n in range(130)]
    rows = documents._ranking_rows(ranking, 80)
    assert len(rows) == 101 and rows[50] == {"gap": 30}
    assert rows[0]["unit_name"] == "店0" and rows[-1]["unit_name"] == "店129"
    assert rows[-1]["low"] and not rows[0]["low"]


def test_charts_escape_their_labels():
    svg = charts.bar_chart([("<b>&", 3, None), ("低", 0, "#000")])
    assert "&lt;b&gt;&amp;" in svg and "<b>" not in svg
    assert svg.count("<rect") == 2


def test_download_names_keep_chinese_and_offer_an_ascii_fallback():
    response = documents.download(b"x", documents.PDF, name=documents.file_name('华东区/督导"报告"', "pdf"),
                                  fallback="report-1.pdf")
    assert response["Content-Disposition"] == (
        "attachment; filename=\"report-1.pdf\"; filename*=UTF-8''%E5%8D%8E%E4%B8%9C%E5%8C%BA%E7%9D%A3%E5%AF%BC"
        "%E6%8A%A5%E5%91%8A.pdf")


def test_rendering_fetches_nothing_from_outside(world, data, monkeypatch):
    """A note that looks like markup stays text; the fetcher refuses every URL but data:."""
    from weasyprint.urls import URLFetcher

    answer = data.inspections["s1a"].answers.get(item__code="A1")
    answer.note = '<img src="http://127.0.0.1:9/x.png">'
    answer.save()
    calls = []
    original = URLFetcher.fetch

    def spy(self, url, headers=None):
        calls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(URLFetcher, "fetch", spy)
    report = services.report_draft(actor=world.person("supervisor"), scope_unit=world.unit("east"),
                                   period_start=scenario.START, period_end=scenario.END,
                                   now=timezone.make_aware(dt.datetime(2026, 3, 20, 12)))
    text = flat(pdf_text(documents.report_pdf(report))[1])
    assert '<imgsrc="http://127.0.0.1:9/x.png">' in text
    assert all(url.startswith("data:") for url in calls)

"""The appraisal as a PDF: a real A4 document whose text explains each figure to the person, on
the page route and through the API, with the API's permission matrix."""

from __future__ import annotations

import subprocess

import pytest
from django.urls import reverse

from dudao.appraisal import explain, services
from dudao.appraisal.models import Appraisal
from dudao.core.testing.matrix import ApiObjectMatrix
from dudao.org.choices import Role

pytestmark = pytest.mark.django_db


def supervisors_appraisal(world) -> Appraisal:
    cycle = services.cycle_create(actor=world.person("admin"), role=Role.SUPERVISOR, period="2026-11",
                                  scope_unit=world.unit("root"))
    return Appraisal.objects.select_related("person", "cycle").get(cycle=cycle, person=world.person("supervisor"))


def other_org_appraisal(world) -> Appraisal:
    cycle = services.cycle_create(actor=world.person("b_admin"), role=Role.UNIT_MANAGER, period="2026-11",
                                  scope_unit=world.unit("b_root"))
    return Appraisal.objects.get(cycle=cycle)


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "appraisal.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def squeeze(text: str) -> str:
    """Text without the blanks and line breaks the layout puts into long sentences."""
    return "".join(text.split())


class TestAppraisalPdfApi(ApiObjectMatrix):
    route = "GET /api/v1/appraisals/{appraisal_id}/pdf"
    out_of_scope = "ops_manager"

    def target(self, world):
        if getattr(self, "_appraisal", None) is None:
            self._appraisal = supervisors_appraisal(world)
        return self._appraisal

    def other_org_target(self, world):
        return other_org_appraisal(world)

    def path(self, world, target):
        return f"/appraisals/{target.pk}/pdf"

    def check_success(self, world, target, response):
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


def test_the_pdf_explains_each_figure_to_the_person(world, client, tmp_path):
    appraisal = supervisors_appraisal(world)
    services.manual_scores_set(actor=world.person("hr"), appraisal=appraisal,
                               scores=[{"kpi_code": "learning_growth", "score": "78.5", "note": "完成两门课程"}])
    appraisal = Appraisal.objects.select_related("person", "cycle").get(pk=appraisal.pk)
    client.force_login(world.person("supervisor"))  # the person reads their own
    response = client.get(reverse("appraisal:appraisal-pdf", args=[appraisal.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "inline" in response["Content-Disposition"]
    text = squeeze(pdf_text(response.content, tmp_path))
    assert squeeze(world.person("supervisor").display_name) in text and "2026-11" in text
    for line in appraisal.kpis:  # every KPI's own sentence, the same as on the page
        assert squeeze(explain.kpi_explanation(line)) in text, line["code"]
    assert squeeze(explain.summary_line(appraisal)) in text
    assert "个人信息保护法" in text and "生成时间" in text
    assert "无数据" in text


def test_the_pdf_is_one_a4_page_wide(world, client, tmp_path):
    appraisal = supervisors_appraisal(world)
    client.force_login(world.person("hr"))
    path = tmp_path / "a.pdf"
    path.write_bytes(client.get(reverse("appraisal:appraisal-pdf", args=[appraisal.pk])).content)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert "(A4)" in info

"""The results flow from the pages: submit from the ranking, finance downloads the payroll sheet once
final, the person appeals from their appraisal; permission matrices of these pages."""

from __future__ import annotations

import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dudao.appraisal.models import Appraisal, AppraisalCycle
from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import PageObjectMatrix

from .results_world import add_flow_people, final_cycle, open_cycle
from .test_pages_cycles import other_org_cycle


def state():
    return (list(AppraisalCycle.objects.order_by("pk").values_list("status", "approval_id")),
            list(Appraisal.objects.order_by("pk").values_list("status", "reopened")))


class _Open:
    in_scope = "ops2"
    out_of_scope = "ops_manager"

    def target(self, world):
        if getattr(self, "_cycle", None) is None:
            self._cycle = open_cycle(world)
        return self._cycle

    def other_org_target(self, world):
        if getattr(self, "_other", None) is None:
            self._other = other_org_cycle(world)
        return self._other

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()


class TestCycleSubmitPage(_Open, PageObjectMatrix):
    url_name = "appraisal:cycle-submit"
    method = "post"
    success_status = 302
    refused = ("executive", "finance")

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.status == "submitted" and target.approval_id


class TestCycleAliasPage(_Open, PageObjectMatrix):
    """The approvals page links a request to its cycle by this name."""

    url_name = "appraisal:appraisalcycle-detail"

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])


class TestCyclePayrollPage(_Open, PageObjectMatrix):
    url_name = "appraisal:cycle-payroll"
    in_scope = "finance"

    def target(self, world):
        if getattr(self, "_cycle", None) is None:
            self._cycle = final_cycle(world)
        return self._cycle

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def check_success(self, world, target, response):
        cells = [c for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
                 for c in row if c is not None]
        assert "supervisor" in cells


class TestAppraisalAppealPage(PageObjectMatrix):
    url_name = "appraisal:appraisal-appeal"
    method = "post"
    success_status = 302
    in_scope = "supervisor"
    out_of_scope = "unit_manager"
    refused = ("ops2",)  # reads it, but only the person appeals

    def target(self, world):
        if getattr(self, "_appraisal", None) is None:
            cycle = final_cycle(world, finalised_at=timezone.now())
            self._appraisal = cycle.appraisals.get(person=world.people["supervisor"])
        return self._appraisal

    def other_org_target(self, world):
        if getattr(self, "_other", None) is None:
            self._other = other_org_cycle(world).appraisals.get()
        return self._other

    def url(self, world, target):
        return reverse(self.url_name, args=[target.pk])

    def data(self, world, target):
        return {"reason": "满意度数据有误"}

    def snapshot(self, world):
        self.target(world), self.other_org_target(world)
        return state()

    def check_success(self, world, target, response):
        target.refresh_from_db()
        assert target.status == "appealing"


def test_the_whole_flow_from_the_pages(world, client):
    add_flow_people(world)
    cycle = open_cycle(world)
    client.force_login(world.person("ops2"))
    page = client.get(reverse("appraisal:cycle-detail", args=[cycle.pk])).content.decode()
    assert "提交审批" in page and "下载奖金发放表" not in page
    client.post(reverse("appraisal:cycle-submit", args=[cycle.pk]))
    cycle.refresh_from_db()
    for key in ("executive", "hr", "finance"):
        client.force_login(world.person(key))
        response = client.post(reverse("approvals:decide", args=[cycle.approval_id]), {"decision": "approve"})
        assert response.status_code in (200, 302)
    cycle.refresh_from_db()
    assert cycle.status == "final"
    page = client.get(reverse("appraisal:cycle-detail", args=[cycle.pk])).content.decode()
    assert "下载奖金发放表" in page
    sheet = client.get(reverse("appraisal:cycle-payroll", args=[cycle.pk]))
    assert sheet.status_code == 200 and sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action__contains="payroll").exists()
    client.force_login(world.person("supervisor"))
    mine = Appraisal.objects.get(cycle=cycle, person=world.people["supervisor"])
    assert "申请复议" in client.get(reverse("appraisal:appraisal-detail", args=[mine.pk])).content.decode()

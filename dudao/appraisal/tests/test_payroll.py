"""The payroll sheet of a final cycle: a row per person with the bonus and its reasons, a leaver's
forfeit, reopened appraisals as "复议中" without an amount, a total, the header dates; refused
before the cycle is final; a fixed number of queries whatever the number of people."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from dudao.appraisal import payroll, results, services
from dudao.appraisal.models import Appraisal
from dudao.core.errors import ApplicationError
from dudao.core.models import AuditEvent
from dudao.core.testing.matrix import ApiObjectMatrix
from dudao.org import services as org_services
from dudao.org.choices import Role

from .results_world import FINAL_AT, add_figures, add_flow_people, approve_all, final_cycle, open_cycle


def _rows(content: bytes) -> tuple[dict, list[list]]:
    sheet = load_workbook(io.BytesIO(content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == "用户名")
    return {r[0]: r[1] for r in rows[1:start] if r and r[0]}, rows[start + 1:]


def test_a_leaver_forfeits_and_an_appealing_appraisal_is_listed_without_an_amount(world):
    add_flow_people(world)
    # supervisor2 left in the middle of the period: no bonus (policy leaving_forfeits_bonus).
    org_services.person_deactivate(actor=world.person("admin"), person=world.person("supervisor2"),
                                   left_on=dt.date(2026, 11, 20))
    cycle = open_cycle(world)
    assert Appraisal.objects.get(cycle=cycle, person__username="supervisor2").bonus_forfeited
    cycle = results.cycle_submit(actor=world.person("ops2"), cycle=cycle, now=FINAL_AT - dt.timedelta(hours=1))
    approve_all(world, cycle.approval, now=FINAL_AT)
    cycle.refresh_from_db()
    header, rows = _rows(payroll.payroll_workbook(cycle))
    assert header["发放截止日"] == "2026-12-20" and header["最终审批日期"] == "2026-12-08"
    by_user = {r[0]: r for r in rows[:-1]}
    assert by_user["supervisor2"][9] == "是" and by_user["supervisor2"][10] == 0
    assert "离职" in by_user["supervisor2"][11]
    assert by_user["supervisor"][10] == 890

    mine = Appraisal.objects.get(cycle=cycle, person__username="supervisor")
    results.appraisal_appeal(actor=world.person("supervisor"), appraisal=mine, reason="复议",
                             now=FINAL_AT + dt.timedelta(days=1))
    header, rows = _rows(payroll.payroll_workbook(cycle))
    appealing = next(r for r in rows if r[0] == "supervisor")
    assert appealing[10] == "复议中" and appealing[11] == "复议中"
    assert appealing[4] == 89  # the score under appeal is still shown
    total = rows[-1]
    assert total[0] == "合计" and total[10] == 0  # the appealing amount is left out until it is final again


def test_a_cycle_that_is_not_final_has_no_payroll_sheet_and_nothing_is_audited(world):
    cycle = open_cycle(world)
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        payroll.cycle_payroll_download(actor=world.person("finance"), cycle=cycle)
    assert refused.value.code == "invalid_transition" and refused.value.detail["status"] == "open"
    assert "评分中" in refused.value.message
    assert AuditEvent.objects.count() == before


def test_the_sheet_costs_the_same_queries_for_one_person_or_two(world):
    big = final_cycle(world)
    ops2 = world.person("ops2")
    add_figures(world, "2026-10")
    small = services.cycle_create(actor=ops2, role=Role.SUPERVISOR, period="2026-10", scope_unit=world.unit("east"))
    services.manual_scores_set(actor=ops2, appraisal=small.appraisals.get(),
                               scores=[{"kpi_code": "learning_growth", "score": "70", "note": ""}])
    small.refresh_from_db()
    small = results.cycle_submit(actor=ops2, cycle=small)
    approve_all(world, small.approval)
    small.refresh_from_db()
    assert small.appraisals.count() == 1 and big.appraisals.count() == 2
    counts = []
    for cycle in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            payroll.payroll_workbook(cycle)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 4, counts


class TestCyclePayroll(ApiObjectMatrix):
    route = "GET /api/v1/appraisals/cycles/{cycle_id}/xlsx"
    in_scope = "finance"
    out_of_scope = "ops_manager"  # sees cycles of the operations center's subtree only

    def target(self, world):
        if getattr(self, "_cycle", None) is None:
            self._cycle = final_cycle(world)
        return self._cycle

    def other_org_target(self, world):
        return services.cycle_create(actor=world.person("b_admin"), role=Role.UNIT_MANAGER, period="2026-11",
                                     scope_unit=world.unit("b_root"))

    def path(self, world, target):
        return f"/appraisals/cycles/{target.pk}/xlsx"

    def snapshot(self, world):
        self.target(world)
        return AuditEvent.objects.filter(organization_id=world.org.pk, action="appraisal_cycle.payroll_download").count()

    def check_success(self, world, target, response):
        assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
        _header, rows = _rows(response.content)
        assert [r[0] for r in rows] == ["supervisor", "supervisor2", "合计"]
        assert AuditEvent.objects.filter(action="appraisal_cycle.payroll_download", object_id=str(target.pk)).count() == 1

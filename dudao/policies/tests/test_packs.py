"""The four packs are complete, valid documents with the defaults DESIGN.md section 2 gives."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.org.choices import Role
from dudao.policies.choices import ApprovalKind
from dudao.policies.registry import PACKS_DIR, available_packs, load_pack
from dudao.policies.schema import Policy

PACKS = ["bank_branches", "franchise_retail", "restaurant_chain", "utility_plant"]


def test_the_four_packs_ship():
    assert available_packs() == PACKS


@pytest.mark.parametrize("name", PACKS)
def test_each_pack_file_validates_against_the_schema(name):
    document = yaml.safe_load((PACKS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    policy = Policy.model_validate(document)
    assert set(document) == set(Policy.model_fields)
    assert load_pack(name) == policy


@pytest.mark.parametrize("name", PACKS)
def test_every_pack_has_the_common_defaults(name):
    policy = load_pack(name)
    assert policy.inspections.pass_mark == 80
    assert policy.inspections.score_decimals == 1
    assert policy.inspections.geolocation_required_on_site is True
    due = policy.findings.due_days
    assert (due.critical, due.high, due.medium, due.low) == (1, 3, 7, 15)
    assert set(policy.findings.evidence_required) == {"high", "critical"}
    assert policy.findings.repeat_window_days == 90
    assert [(s.after_days, s.role) for s in policy.findings.escalation] == [
        (0, Role.REGION_MANAGER), (3, Role.OPS_MANAGER), (7, Role.EXECUTIVE),
    ]
    assert policy.reports.approver_roles == (Role.OPS_MANAGER,)
    assert policy.bulletins.period == "semi_monthly"
    assert {c.component: c.weight for c in policy.evaluation.components} == {
        "inspection_average": Decimal("0.7"), "on_time_rectification": Decimal("0.3"),
    }
    assert policy.evaluation.consecutive_failures_for_review == 2
    assert policy.approvals.step_deadline_days == 3
    purchase = policy.approvals.routes.purchase
    assert [(r.max_amount, r.roles) for r in purchase] == [
        (Decimal(200), (Role.DEPARTMENT_HEAD,)),
        (Decimal(300), (Role.DEPARTMENT_HEAD, Role.OPS_MANAGER)),
        (None, (Role.DEPARTMENT_HEAD, Role.OPS_MANAGER, Role.EXECUTIVE)),
    ]
    # Appraisal results follow the appraisal area's result flow; every other kind has its route.
    assert set(type(policy.approvals.routes).model_fields) == set(ApprovalKind.values) - {"appraisal_result"}
    assert policy.approval_roles("appraisal_result") == policy.appraisal.result_flow == (
        Role.OPS_MANAGER, Role.EXECUTIVE, Role.HR, Role.FINANCE)
    assert policy.approval_roles("appeal") == (Role.OPS_MANAGER, Role.HR)
    # One person decides at most one step of a request, and extensions go to the unit's supervisor.
    assert policy.approvals.four_eyes is True
    assert policy.approvals.roles_for("rectification_extension") == (Role.SUPERVISOR,)
    assert policy.approvals.roles_for("consumables_write_off", 300) == (Role.DEPARTMENT_HEAD,)
    supervisor = policy.appraisal.scheme_for(Role.SUPERVISOR)
    assert [int(k.weight) for k in supervisor.kpis] == [40, 20, 15, 10, 10, 5]
    assert policy.appraisal.personal_leave_days_before_proration == 3
    assert policy.appraisal.results_due_day == 10
    assert policy.appraisal.result_flow == (Role.OPS_MANAGER, Role.EXECUTIVE, Role.HR, Role.FINANCE)
    accumulation = policy.discipline.accumulation
    assert (accumulation.late_or_early_per_absence, accumulation.absences_per_year_forfeiting_bonus,
            accumulation.penalties_per_year_forfeiting_bonus) == (3, 5, 10)
    assert policy.training.needs_survey_period == "quarter"
    assert policy.data_import.tolerance == Decimal("0.02")
    assert policy.notifications.webhook_kind == "none"


def test_restaurant_chain_visits_every_store_weekly_by_its_supervisor():
    policy = load_pack("restaurant_chain")
    assert policy.organization.site_kind == "store"
    assert policy.organization.unit_kind_label("store") == "门店"
    (rule,) = policy.plans.coverage_rules
    assert (rule.unit_kind, rule.period, rule.min_visits_per_unit, rule.min_share) == ("store", "week", 1, None)
    assert rule.by_assigned_supervisor and rule.kind == "visits"


def test_franchise_retail_visits_every_store_weekly_and_names_the_franchise_kpi():
    policy = load_pack("franchise_retail")
    (rule,) = policy.plans.coverage_rules
    assert (rule.unit_kind, rule.period, rule.min_visits_per_unit) == ("store", "week", 1)
    assert policy.appraisal.scheme_for(Role.SUPERVISOR).kpis[0].name == "加盟商进货指标完成率"


def test_bank_branches_cover_a_quarter_of_branches_each_quarter_and_all_each_year():
    policy = load_pack("bank_branches")
    assert policy.organization.site_kind == "branch"
    assert policy.organization.unit_kind_label("branch") == "网点"
    rules = {rule.period: rule for rule in policy.plans.coverage_rules}
    assert rules["quarter"].unit_kind == "branch" and rules["quarter"].min_share == Decimal("0.25")
    assert rules["year"].min_share == 1 and rules["year"].kind == "share"


def test_utility_plant_has_the_attendance_and_operating_fines():
    policy = load_pack("utility_plant")
    fines = policy.discipline.fines
    assert (fines.late_or_early, fines.off_post, fines.absence, fines.operating_violation) == (10, 30, 200, 50)
    assert fines.absence_deducts_day_pay is True
    assert policy.organization.site_kind == "plant"


@pytest.mark.parametrize("name", ["restaurant_chain", "bank_branches", "franchise_retail"])
def test_other_packs_do_not_fine(name):
    fines = load_pack(name).discipline.fines
    assert fines.late_or_early == fines.off_post == fines.absence == fines.operating_violation == 0


@pytest.mark.parametrize("name", ["hotel_chain", "../settings", ""])
def test_an_unknown_pack_is_refused_naming_it(name):
    with pytest.raises(ApplicationError) as caught:
        load_pack(name)
    assert caught.value.code == ErrorCode.POLICY_INVALID
    assert f"未知的制度包:{name}" in caught.value.message

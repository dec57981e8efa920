"""Refusals name the dotted key at fault; cross-field rules hold; helpers read the document."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from dudao.core.errors import ApplicationError, ErrorCode
from dudao.org.choices import Role
from dudao.policies.registry import effective_document, load_pack, pack_document
from dudao.policies.validation import validate_document


def refusal(overrides: dict, pack: str = "restaurant_chain") -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        effective_document(pack, overrides)
    assert caught.value.code == ErrorCode.POLICY_INVALID
    return caught.value


def fields(error: ApplicationError) -> dict[str, list[str]]:
    return error.detail["fields"]


def test_an_unknown_key_is_refused_naming_it():
    error = refusal({"findings": {"foo": 1}})
    assert error.message == "findings.foo: 未知的键"
    assert fields(error) == {"findings.foo": ["未知的键"]}


def test_an_unknown_area_is_refused_naming_it():
    assert "payroll: 未知的键" in refusal({"payroll": {"day": 1}}).message


def test_every_bad_key_is_named_not_only_the_first():
    error = refusal({"findings": {"foo": 1, "due_days": {"critical": 0}}, "inspections": {"pass_mark": 120}})
    assert set(fields(error)) == {"findings.foo", "findings.due_days.critical", "inspections.pass_mark"}


def test_an_invalid_value_is_refused_naming_the_key_and_the_bound():
    error = refusal({"findings": {"due_days": {"critical": 0}}})
    assert error.message == "findings.due_days.critical: 必须 >= 1"


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"inspections": {"pass_mark": "high"}}, "inspections.pass_mark"),
        ({"inspections": {"back_entry_days": 1.5}}, "inspections.back_entry_days"),
        ({"inspections": {"geolocation_required_on_site": "sometimes"}}, "inspections.geolocation_required_on_site"),
        ({"findings": {"evidence_required": ["urgent"]}}, "findings.evidence_required.0"),
        ({"findings": {"escalation": [{"after_days": 0, "role": "boss"}]}}, "findings.escalation.0.role"),
        ({"findings": {"escalation": [{"after_days": 0}]}}, "findings.escalation.0.role"),
        ({"bulletins": {"period": "daily"}}, "bulletins.period"),
        ({"notifications": {"digest_hour": 24}}, "notifications.digest_hour"),
        ({"data_import": {"tolerance": -0.1}}, "data_import.tolerance"),
        ({"organization": {"site_kind": "region"}}, "organization.site_kind"),
        ({"organization": {"unit_kind_labels": {"store": " "}}}, "organization.unit_kind_labels.store"),
        ({"approvals": {"routes": {"purchase": []}}}, "approvals.routes.purchase"),
        ({"approvals": {"routes": {"lunch": []}}}, "approvals.routes.lunch"),
        ({"approvals": {"four_eyes": "maybe"}}, "approvals.four_eyes"),
        ({"approvals": {"decision_deadlines": [{"kind": "lunch", "days": 3}]}}, "approvals.decision_deadlines.0.kind"),
        ({"approvals": {"decision_deadlines": [{"kind": "recruitment_plan", "days": 0}]}},
         "approvals.decision_deadlines.0.days"),
        ({"approvals": {"decision_deadlines": [{"kind": "recruitment_plan", "days": 3},
                                               {"kind": "recruitment_plan", "days": 5}]}},
         "approvals.decision_deadlines.1.kind"),
        ({"reports": {"approver_roles": []}}, "reports.approver_roles"),
        ({"inspections": 80}, "inspections"),
    ],
)
def test_invalid_values_are_refused_naming_the_key(overrides, key):
    assert key in fields(refusal(overrides))


def test_a_role_must_be_a_known_role():
    error = refusal({"appraisal": {"result_flow": ["ops_manager", "ceo"]}})
    assert "appraisal.result_flow.1" in fields(error)
    assert "'executive'" in error.message


def test_an_invalid_only_item_is_reported_once_not_as_an_empty_list_too():
    error = refusal({"approvals": {"routes": {"purchase": [{"max_amount": None, "roles": ["ceo"]}]}}})
    assert list(fields(error)) == ["approvals.routes.purchase.0.roles.0"]


def test_evaluation_weights_must_total_one():
    error = refusal({"evaluation": {"components": [
        {"component": "inspection_average", "weight": 0.7},
        {"component": "on_time_rectification", "weight": 0.4},
    ]}})
    assert error.message == "evaluation.components: 权重合计必须为 1(当前为 1.1)"


def test_evaluation_weights_may_be_rebalanced():
    policy = effective_document("restaurant_chain", {"evaluation": {"components": [
        {"component": "inspection_average", "weight": 0.5},
        {"component": "on_time_rectification", "weight": 0.3},
        {"component": "coverage", "weight": 0.2},
    ]}})
    assert policy.evaluation.weight_of("coverage") == Decimal("0.2")


def test_kpi_weights_must_total_one_hundred():
    document = pack_document("restaurant_chain")
    scheme = document["appraisal"]["schemes"][0]
    scheme["kpis"][0]["weight"] = 30
    error = refusal({"appraisal": {"schemes": [scheme]}})
    assert error.message == "appraisal.schemes.0.kpis: 权重合计必须为 100(当前为 90)"


def test_kpi_codes_are_unique_in_a_scheme():
    scheme = pack_document("restaurant_chain")["appraisal"]["schemes"][0]
    scheme["kpis"][1]["code"] = scheme["kpis"][0]["code"]
    assert "appraisal.schemes.0.kpis.1" in fields(refusal({"appraisal": {"schemes": [scheme]}}))


def test_the_escalation_ladder_must_ascend():
    error = refusal({"findings": {"escalation": [
        {"after_days": 0, "role": "region_manager"}, {"after_days": 0, "role": "ops_manager"},
    ]}})
    assert "findings.escalation.1.after_days" in fields(error)


def test_a_more_severe_finding_never_gets_more_time():
    error = refusal({"findings": {"due_days": {"high": 10}}})
    assert "findings.due_days.medium" in fields(error)


def test_approval_amounts_must_ascend():
    error = refusal({"approvals": {"routes": {"purchase": [
        {"max_amount": 300, "roles": ["department_head"]},
        {"max_amount": 200, "roles": ["department_head", "ops_manager"]},
        {"max_amount": None, "roles": ["executive"]},
    ]}}})
    assert list(fields(error)) == ["approvals.routes.purchase.1.max_amount"]


def test_the_last_approval_route_is_open_ended():
    error = refusal({"approvals": {"routes": {"purchase": [
        {"max_amount": 200, "roles": ["department_head"]},
        {"max_amount": 500, "roles": ["department_head", "executive"]},
    ]}}})
    assert list(fields(error)) == ["approvals.routes.purchase.1.max_amount"]


def test_only_the_last_approval_route_is_open_ended():
    error = refusal({"approvals": {"routes": {"asset_write_off": [
        {"max_amount": None, "roles": ["department_head"]},
        {"max_amount": None, "roles": ["executive"]},
    ]}}})
    assert list(fields(error)) == ["approvals.routes.asset_write_off.0.max_amount"]


def test_a_role_appears_once_in_a_route():
    error = refusal({"approvals": {"routes": {"plan": [{"roles": ["executive", "executive"]}]}}})
    assert "approvals.routes.plan.0.roles.1" in fields(error)


def test_report_approvers_and_the_report_route_must_agree():
    error = refusal({"reports": {"approver_roles": ["ops_manager", "executive"]}})
    assert "approvals.routes.report.0.roles" in fields(error)
    policy = effective_document("restaurant_chain", {
        "reports": {"approver_roles": ["ops_manager", "executive"]},
        "approvals": {"routes": {"report": [{"max_amount": None, "roles": ["ops_manager", "executive"]}]}},
    })
    assert policy.approvals.roles_for("report") == (Role.OPS_MANAGER, Role.EXECUTIVE)


def test_a_coverage_rule_has_exactly_one_measure():
    rule = {"code": "x", "description": "x", "unit_kind": "store", "period": "month"}
    assert "plans.coverage_rules.0.min_share" in fields(refusal({"plans": {"coverage_rules": [rule]}}))
    both = {**rule, "min_share": 0.5, "min_visits_per_unit": 1}
    assert "plans.coverage_rules.0.min_share" in fields(refusal({"plans": {"coverage_rules": [both]}}))
    bad_period = {**rule, "period": "fortnight", "min_share": 0.5}
    assert "plans.coverage_rules.0.period" in fields(refusal({"plans": {"coverage_rules": [bad_period]}}))


def test_bonus_bands_start_at_zero_and_ascend():
    error = refusal({"appraisal": {"bonus_bands": [{"min_score": 10, "factor": 0}]}})
    assert "appraisal.bonus_bands.0.min_score" in fields(error)
    error = refusal({"appraisal": {"bonus_bands": [
        {"min_score": 0, "factor": 0}, {"min_score": 90, "factor": 1}, {"min_score": 75, "factor": 1},
    ]}})
    assert "appraisal.bonus_bands.2.min_score" in fields(error)


def test_a_webhook_needs_an_https_address():
    error = refusal({"notifications": {"webhook_kind": "wecom"}})
    assert "notifications.webhook_url" in fields(error)
    policy = effective_document("restaurant_chain", {
        "notifications": {"webhook_kind": "dingtalk", "webhook_url": "https://oapi.dingtalk.com/robot/send?x=1"},
    })
    assert policy.notifications.webhook_kind == "dingtalk"


def test_a_pack_missing_a_key_is_refused_naming_it():
    document = pack_document("restaurant_chain")
    del document["findings"]["repeat_window_days"]
    with pytest.raises(ApplicationError) as caught:
        validate_document(document)
    assert caught.value.message == "findings.repeat_window_days: 缺少此项"


def test_a_document_that_is_not_an_object_is_refused():
    with pytest.raises(ApplicationError) as caught:
        validate_document(["findings"])
    assert caught.value.code == ErrorCode.POLICY_INVALID


def test_the_policy_is_frozen_and_unknown_attributes_fail_loudly():
    policy = load_pack("restaurant_chain")
    with pytest.raises(AttributeError):
        policy.findings.due_day  # noqa: B018
    with pytest.raises(AttributeError):
        policy.payroll  # noqa: B018
    with pytest.raises(ValidationError):
        policy.inspections.pass_mark = 60
    assert isinstance(policy.findings.escalation, tuple)


def test_approval_roles_follow_the_amount():
    approvals = load_pack("restaurant_chain").approvals
    assert approvals.roles_for("purchase", 200) == (Role.DEPARTMENT_HEAD,)
    assert approvals.roles_for("purchase", Decimal("200.01")) == (Role.DEPARTMENT_HEAD, Role.OPS_MANAGER)
    assert approvals.roles_for("purchase", 300) == (Role.DEPARTMENT_HEAD, Role.OPS_MANAGER)
    assert approvals.roles_for("purchase", 301) == (Role.DEPARTMENT_HEAD, Role.OPS_MANAGER, Role.EXECUTIVE)
    assert approvals.roles_for("purchase") == (Role.DEPARTMENT_HEAD, Role.OPS_MANAGER, Role.EXECUTIVE)
    assert approvals.roles_for("plan") == (Role.EXECUTIVE,)
    with pytest.raises(ValueError, match="lunch"):
        approvals.roles_for("lunch")


@pytest.mark.parametrize(
    ("score", "factor"),
    [(0, 0), (74.9, 0), (75, Decimal("0.75")), (89.5, Decimal("0.895")), (90, 1), (100, 1)],
)
def test_the_bonus_factor_bands(score, factor):
    assert load_pack("restaurant_chain").appraisal.bonus_factor(score) == factor


def test_findings_helpers():
    findings = load_pack("restaurant_chain").findings
    assert findings.due_days_for("high") == 3
    assert findings.evidence_required_for("critical") and not findings.evidence_required_for("low")
    assert [s.role for s in findings.escalation_steps_reached(-1)] == []
    assert [s.role for s in findings.escalation_steps_reached(0)] == [Role.REGION_MANAGER]
    assert [s.role for s in findings.escalation_steps_reached(5)] == [Role.REGION_MANAGER, Role.OPS_MANAGER]
    assert len(findings.escalation_steps_reached(30)) == 3

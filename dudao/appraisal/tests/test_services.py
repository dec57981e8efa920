"""Cross-checking figures between sources, and targets with their revision through the approvals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dudao.appraisal import services
from dudao.appraisal.choices import TargetStatus
from dudao.appraisal.models import KpiDataCheck, Target
from dudao.approvals.models import ApprovalRequest
from dudao.approvals.services import approval_decide
from dudao.core.errors import ApplicationError
from dudao.core.models import AuditEvent
from dudao.findings.models import Finding
from dudao.imports.tests.files import xlsx

from .test_imports import KPI_HEADERS, run_import

pytestmark = pytest.mark.django_db


def figures(world, *rows):
    run = run_import(world, "kpi_values", xlsx({"KPI 数值": [KPI_HEADERS, *rows]}))
    assert run.status == "applied", run.errors
    return run


def test_two_sources_beyond_tolerance_open_one_data_check_finding_naming_both(world):
    figures(world, ["", "S1", "target_completion", "2026-01", "100,000", "POS"])
    assert not Finding.objects.exists()
    figures(world, ["", "S1", "target_completion", "2026-01", "110,000", "财务"])
    finding = Finding.objects.get()
    assert (finding.source, finding.unit_id) == ("data_check", world.units["store1"].pk)
    text = finding.title + finding.description
    assert all(part in text for part in ("100000", "110000", "POS", "财务", "2026-01"))
    assert finding.responsible_person_id == world.people["unit_manager"].pk and finding.due_date
    assert AuditEvent.objects.filter(action="finding.create", object_id=str(finding.pk)).exists()
    # Importing either source again (same or another differing figure) opens no second finding.
    figures(world, ["", "S1", "target_completion", "2026-01", "111,000", "财务"])
    figures(world, ["", "S1", "target_completion", "2026-01", "100,000", "POS"])
    assert Finding.objects.count() == 1 and KpiDataCheck.objects.count() == 1


def test_sources_within_tolerance_open_nothing(world):
    figures(world, ["", "S1", "satisfaction", "2026-01", "95%", "问卷"],
            ["supervisor", "", "satisfaction", "2026-01", "50", "问卷"])
    figures(world, ["", "S1", "satisfaction", "2026-01", "94", "onsite"],  # 1.05 % < 2 %
            ["supervisor", "", "satisfaction", "2026-01", "50.5", "onsite"])
    assert not Finding.objects.exists() and not KpiDataCheck.objects.exists()


def test_a_persons_discrepancy_is_opened_on_the_unit_of_their_role(world):
    figures(world, ["supervisor", "", "satisfaction", "2026-01", "80", "问卷"],
            ["supervisor", "", "satisfaction", "2026-01", "90", "onsite"])
    finding = Finding.objects.get()
    assert finding.unit_id == world.units["east"].pk and "(supervisor)" in finding.title


# --- targets ---------------------------------------------------------------------------------------------
def test_a_target_before_its_period_is_active_at_once_and_replaced_in_place(world):
    admin = world.person("admin")
    target = services.target_set(actor=admin, unit=world.units["store1"], kpi_code="qsc", period="2099-01", value="90")
    assert target.status == TargetStatus.ACTIVE and target.approval_id is None
    again = services.target_set(actor=admin, unit=world.units["store1"], kpi_code="qsc", period="2099-01", value="95")
    assert again.pk == target.pk and Target.objects.get().value == 95
    event = AuditEvent.objects.get(action="target.update")
    assert (event.before["value"], event.after["value"]) == ("90.0000", "95.0000")


def _revision(world, value="420000"):
    admin = world.person("admin")
    old = services.target_set(actor=admin, person=world.person("supervisor"), kpi_code="target_completion",
                              period="2099-12", value="500000")
    Target.objects.filter(pk=old.pk).update(period="2026-01")  # the period has started since
    revision = services.target_set(actor=admin, person=world.person("supervisor"), kpi_code="target_completion",
                                   period="2026-01", value=value)
    return old, revision


def test_a_target_changed_after_its_period_started_waits_for_the_executive_and_applies_when_approved(world):
    old, revision = _revision(world)
    assert revision.status == TargetStatus.PENDING
    approval = ApprovalRequest.objects.get(pk=revision.approval_id)
    assert approval.kind == "target_revision" and approval.detail["requested_value"] == "420000"
    assert Target.objects.get(pk=old.pk).status == TargetStatus.ACTIVE
    approval_decide(actor=world.person("executive"), approval=approval, decision="approve")
    assert Target.objects.get(pk=revision.pk).status == TargetStatus.ACTIVE
    assert Target.objects.get(pk=old.pk).status == TargetStatus.SUPERSEDED
    assert AuditEvent.objects.filter(action="target.approve", object_id=str(revision.pk)).exists()


def test_a_rejected_revision_is_dropped_and_the_old_target_stays(world):
    old, revision = _revision(world)
    approval = ApprovalRequest.objects.get(pk=revision.approval_id)
    approval_decide(actor=world.person("executive"), approval=approval, decision="reject", comment="不同意")
    assert Target.objects.get(pk=revision.pk).status == TargetStatus.REJECTED
    old.refresh_from_db()
    assert (old.status, old.value) == (TargetStatus.ACTIVE, Decimal(500000))


def test_a_second_revision_while_one_waits_is_refused_and_nothing_changes(world):
    _revision(world)
    before = (Target.objects.count(), ApprovalRequest.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as refused:
        services.target_set(actor=world.person("admin"), person=world.person("supervisor"),
                            kpi_code="target_completion", period="2026-01", value="1")
    assert refused.value.code == "conflict"
    assert (Target.objects.count(), ApprovalRequest.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(("field", "kwargs"), [
    ("kpi_code", {"kpi_code": "nope", "period": "2099-01", "value": "1"}),
    ("period", {"kpi_code": "qsc", "period": "2099-1", "value": "1"}),
    ("value", {"kpi_code": "qsc", "period": "2099-01", "value": "abc"}),
])
def test_bad_target_input_names_the_field_and_saves_nothing(world, field, kwargs):
    with pytest.raises(ApplicationError) as refused:
        services.target_set(actor=world.person("admin"), unit=world.units["store1"], **kwargs)
    assert field in refused.value.detail["fields"]
    assert not Target.objects.exists()


def test_targets_import_for_a_started_period_creates_pending_revisions_said_in_the_dry_run(world):
    headers = ["用户名", "机构编码", "指标代码", "期间", "目标值"]
    content = xlsx({"指标目标": [headers, ["", "S1", "qsc", "2026-01", "90"], ["", "S2", "qsc", "2099-01", "80"]]})
    dry = run_import(world, "targets", content, dry_run=True)
    assert dry.status == "validated", dry.errors
    assert "status" in dry.changes[0]["changes"] and "status" not in dry.changes[1]["changes"]
    assert not Target.objects.exists()
    run = run_import(world, "targets", content)
    assert run.status == "applied", run.errors
    statuses = dict(Target.objects.values_list("unit__code", "status"))
    assert statuses == {"S1": TargetStatus.PENDING, "S2": TargetStatus.ACTIVE}
    assert ApprovalRequest.objects.filter(kind="target_revision").count() == 1

"""Findings through their services: due dates by policy, repeats, plans within the deadline,
evidence, extensions, re-inspection, and who is told what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.approvals.choices import ApprovalStatus, StepStatus
from dudao.approvals.models import ApprovalRequest
from dudao.approvals.selectors import approvals_for
from dudao.approvals.services import approval_decide
from dudao.core.audit import snapshot
from dudao.core.errors import ApplicationError, ErrorCode
from dudao.core.models import Attachment, AuditEvent
from dudao.findings import services
from dudao.findings.choices import ExtensionStatus, FindingEventKind, FindingSource, FindingStatus
from dudao.findings.models import Finding, FindingEvent, FindingExtension
from dudao.inspections.tests.factories import make_template
from dudao.notifications.models import Notification

from .factories import drive, failed_answers, finding_in, make_finding, make_inspection, photo

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def inbox(world, key, kind=None):
    notes = Notification.objects.filter(recipient=world.people[key])
    if kind:
        notes = notes.filter(kind=kind)
    return list(notes)


def unchanged(finding=None):
    """What a refused call must leave as it was."""
    return (
        Finding.objects.count(), FindingEvent.objects.count(), FindingExtension.objects.count(),
        AuditEvent.objects.count(), Notification.objects.count(), Attachment.objects.filter(object_id="").count(),
        snapshot(Finding.objects.get(pk=finding.pk)) if finding else None,
    )


# --- creating by hand ------------------------------------------------------------------------
@pytest.mark.parametrize(("severity", "days"), [("critical", 1), ("high", 3), ("medium", 7), ("low", 15)])
def test_due_date_is_creation_plus_the_policy_days_for_the_severity(world, severity, days):
    finding = make_finding(world, severity=severity, now=NOW)
    assert finding.due_date == finding.policy_due_date == dt.date(2026, 3, 2) + dt.timedelta(days=days)


def test_a_hand_made_finding_is_assigned_to_the_units_manager_with_its_photos(world):
    supervisor = world.person("supervisor")
    evidence = photo(supervisor, world.unit("store1"), colour=(200, 0, 0))
    finding = make_finding(world, source=FindingSource.COMPLAINT, title="顾客投诉:汤品温度不足",
                           description="两位顾客反映", attachments=[evidence])
    assert finding.status == FindingStatus.OPEN and finding.round == 1
    assert finding.responsible_person == world.people["unit_manager"]
    assert finding.created_by == world.people["supervisor"]
    created = finding.events.get()
    assert created.kind == FindingEventKind.CREATED and list(created.attachments.all()) == [evidence]
    assert list(finding.evidence.all()) == [evidence]
    evidence.refresh_from_db()
    assert (evidence.object_type, evidence.object_id, evidence.unit_id) == (
        "findings.finding", str(finding.pk), world.units["store1"].pk)
    audit = AuditEvent.objects.get(action="finding.create", object_id=str(finding.pk))
    assert audit.after["status"] == "open" and audit.after["attachment_ids"] == [evidence.pk]
    [note] = inbox(world, "unit_manager", "finding.assigned")
    assert "顾客投诉" in note.title and note.url == finding.get_absolute_url()
    assert not inbox(world, "supervisor")


@pytest.mark.parametrize(("changes", "field"), [
    ({"source": FindingSource.INSPECTION}, "source"),
    ({"title": "  "}, "title"),
    ({"category": "astrology"}, "category"),
    ({"severity": "apocalyptic"}, "severity"),
])
def test_creation_refuses_bad_input_naming_the_field_and_changes_nothing(world, changes, field):
    before = unchanged()
    with pytest.raises(ApplicationError) as refused:
        make_finding(world, **changes)
    assert refused.value.code == ErrorCode.VALIDATION
    assert field in refused.value.detail["fields"]
    assert unchanged() == before


def test_the_responsible_person_must_work_at_the_unit(world):
    before = unchanged()
    with pytest.raises(ApplicationError) as refused:
        make_finding(world, responsible_person=world.person("other_unit_manager"))
    assert "responsible_person_id" in refused.value.detail["fields"]
    assert unchanged() == before
    finding = make_finding(world, responsible_person=world.person("staff"))
    assert finding.responsible_person == world.people["staff"]


def test_a_unit_manager_self_reports_but_records_no_complaints(world):
    finding = make_finding(world, creator="unit_manager", source=FindingSource.SELF_REPORT, title="冰柜温度偏高")
    assert finding.source == FindingSource.SELF_REPORT
    assert not inbox(world, "unit_manager")  # they reported it themselves
    before = unchanged()
    with pytest.raises(ApplicationError) as refused:
        make_finding(world, creator="unit_manager", source=FindingSource.COMPLAINT)
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert unchanged() == before


def test_no_one_records_findings_outside_their_scope(world):
    before = unchanged()
    for key in ("other_region_manager", "executive", "staff", "b_admin"):
        with pytest.raises(ApplicationError) as refused:
            make_finding(world, creator=key)
        assert refused.value.code == ErrorCode.PERMISSION_DENIED, key
    assert unchanged() == before


# --- repeats ---------------------------------------------------------------------------------
def test_the_same_item_at_the_same_unit_within_the_window_is_a_repeat(world):
    first = make_finding(world, item_code="Q-07", title="消毒记录缺失", now=NOW)
    again = make_finding(world, item_code="Q-07", title="消毒记录又缺失", now=NOW + dt.timedelta(days=89))
    assert again.repeat and again.repeat_of == first
    elsewhere = make_finding(world, unit="store2", item_code="Q-07", now=NOW + dt.timedelta(days=10))
    assert not elsewhere.repeat
    later = make_finding(world, item_code="Q-07", now=NOW + dt.timedelta(days=89 + 91))
    assert not later.repeat
    by_title = [make_finding(world, title="排水沟堵塞", now=NOW + dt.timedelta(days=d)) for d in (0, 5)]
    assert not by_title[0].repeat and by_title[1].repeat_of == by_title[0]


def test_an_inspection_makes_one_finding_per_failed_item_and_repeats_link_to_the_earlier_one(world):
    template = make_template(world)
    supervisor = world.person("supervisor")
    first = make_inspection(world, template, answers=[("C1", "fail", True, "地面有积水"), ("S1", "10", False, "")])
    [original] = services.findings_create_for_inspection(actor=supervisor, inspection=first,
                                                         failed_answers=failed_answers(first), now=NOW)
    assert (original.item_code, original.source, original.category) == ("C1", "inspection", "process_compliance")
    assert original.description == "地面有积水" and original.due_date == dt.date(2026, 3, 9)
    assert not original.repeat
    second = make_inspection(world, template, answers=[("C1", "fail", True, ""), ("R1", "fail", True, "过期牛奶")])
    created = services.findings_create_for_inspection(actor=supervisor, inspection=second,
                                                      failed_answers=failed_answers(second),
                                                      now=NOW + dt.timedelta(days=30))
    by_code = {f.item_code: f for f in created}
    assert by_code["C1"].repeat and by_code["C1"].repeat_of == original
    assert not by_code["R1"].repeat and by_code["R1"].severity == "critical"
    assert by_code["R1"].due_date == dt.date(2026, 4, 2)  # critical: one day
    assigned = inbox(world, "unit_manager", "finding.assigned")
    assert len(assigned) == 2 and "2 个问题" in assigned[0].title


# --- the unit side ---------------------------------------------------------------------------
def test_a_plan_may_not_go_past_the_policy_deadline_without_an_approved_extension(world):
    finding = make_finding(world)
    manager = world.person("unit_manager")
    late = finding.policy_due_date + dt.timedelta(days=3)
    before = unchanged(finding)
    with pytest.raises(ApplicationError) as refused:
        services.finding_plan(actor=manager, finding=finding, measures="换设备", due_date=late)
    assert "due_date" in refused.value.detail["fields"]
    assert unchanged(finding) == before
    extension = services.finding_extension_request(actor=manager, finding=finding, due_date=late, reason="设备缺货")
    services.finding_extension_decide(actor=world.person("supervisor"), finding=finding, extension=extension,
                                      decision="approve", comment="同意")
    planned = services.finding_plan(actor=manager, finding=finding, measures="换设备", due_date=late)
    assert planned.status == FindingStatus.PLANNED and planned.due_date == late
    assert planned.policy_due_date == finding.policy_due_date and planned.extended_due_date == late


def test_the_owner_must_work_at_the_unit_and_is_told(world):
    finding = make_finding(world)
    manager = world.person("unit_manager")
    before = unchanged(finding)
    with pytest.raises(ApplicationError) as refused:
        services.finding_plan(actor=manager, finding=finding, measures="x", owner=world.person("supervisor"))
    assert "owner_id" in refused.value.detail["fields"]
    assert unchanged(finding) == before
    services.finding_plan(actor=manager, finding=finding, measures="每日检查冰柜温度", owner=world.person("staff"))
    finding.refresh_from_db()
    assert finding.owner == world.people["staff"] and finding.measures == "每日检查冰柜温度"
    [note] = inbox(world, "staff", "finding.assigned")
    assert "请负责整改" in note.title
    # The owner sees the finding they carry out, though staff otherwise see no findings.
    assert Finding.objects.visible_to(world.person("staff")).filter(pk=finding.pk).exists()


def test_high_and_critical_findings_need_evidence_to_be_submitted(world):
    finding = drive(world, make_finding(world, severity="high"), FindingStatus.PLANNED)
    manager = world.person("unit_manager")
    before = unchanged(finding)
    with pytest.raises(ApplicationError) as refused:
        services.finding_submit(actor=manager, finding=finding, note="已整改")
    assert "attachment_ids" in refused.value.detail["fields"]
    assert unchanged(finding) == before
    # A photo sent with a progress note in this round counts as evidence.
    services.finding_progress(actor=manager, finding=finding, note="已更换", attachments=[photo(manager, finding.unit)])
    services.finding_submit(actor=manager, finding=finding, note="已整改")
    services.finding_reject(actor=world.person("supervisor"), finding=finding, reason="看不出是否更换")
    # A new round needs new evidence.
    with pytest.raises(ApplicationError):
        services.finding_submit(actor=manager, finding=finding, note="再次提交")
    again = services.finding_submit(actor=manager, finding=finding, note="补拍照片",
                                    attachments=[photo(manager, finding.unit, "补拍.png")])
    assert again.status == FindingStatus.SUBMITTED and again.round == 2


def test_low_findings_may_be_submitted_without_photos(world):
    finding = drive(world, make_finding(world, severity="low"), FindingStatus.SUBMITTED)
    assert finding.status == FindingStatus.SUBMITTED and not finding.evidence.exists()


def test_evidence_already_proving_something_else_cannot_move(world):
    manager = world.person("unit_manager")
    first = drive(world, make_finding(world, title="甲"), FindingStatus.PLANNED)
    second = drive(world, make_finding(world, title="乙"), FindingStatus.PLANNED)
    picture = photo(manager, first.unit)
    services.finding_progress(actor=manager, finding=first, note="进展", attachments=[picture])
    before = unchanged(second)
    with pytest.raises(ApplicationError) as refused:
        services.finding_progress(actor=manager, finding=second, note="进展", attachments=[picture])
    assert refused.value.code == ErrorCode.CONFLICT
    assert unchanged(second) == before


# --- the supervisor side and who is told -----------------------------------------------------
def test_submission_tells_the_supervisors_in_scope_only(world):
    finding = drive(world, make_finding(world), FindingStatus.SUBMITTED)
    [note] = inbox(world, "supervisor", "finding.submitted")
    assert note.object_id == str(finding.pk)
    for key in ("unit_manager", "region_manager", "other_region_manager", "admin", "executive", "ops_manager"):
        assert not inbox(world, key, "finding.submitted"), key


def test_rejection_starts_the_next_round_and_tells_the_unit_side(world):
    finding = drive(world, make_finding(world), FindingStatus.SUBMITTED)
    services.finding_reject(actor=world.person("supervisor"), finding=finding, reason="照片模糊,请补拍")
    finding.refresh_from_db()
    assert (finding.status, finding.round, finding.submitted_at) == (FindingStatus.PLANNED, 2, None)
    rejected = finding.events.get(kind=FindingEventKind.REJECTED)
    assert rejected.round == 1 and rejected.note == "照片模糊,请补拍"
    [note] = inbox(world, "unit_manager", "finding.rejected")
    assert note.body == "照片模糊,请补拍"
    assert AuditEvent.objects.get(action="finding.reject").after["reason"] == "照片模糊,请补拍"
    before = unchanged(finding)
    with pytest.raises(ApplicationError) as refused:
        services.finding_reject(actor=world.person("supervisor"), finding=finding, reason=" ")
    assert refused.value.code == ErrorCode.INVALID_TRANSITION  # planned again: nothing to reject
    assert unchanged(finding) == before


def test_a_rejection_needs_a_reason(world):
    finding = drive(world, make_finding(world), FindingStatus.SUBMITTED)
    before = unchanged(finding)
    with pytest.raises(ApplicationError) as refused:
        services.finding_reject(actor=world.person("supervisor"), finding=finding, reason="  ")
    assert "reason" in refused.value.detail["fields"]
    assert unchanged(finding) == before


def test_acceptance_closes_and_tells_the_unit_side(world):
    finding = drive(world, make_finding(world), FindingStatus.CLOSED)
    assert finding.closed_by == world.people["supervisor"] and finding.closed_at is not None
    assert inbox(world, "unit_manager", "finding.accepted")
    assert not finding.is_overdue(finding.due_date + dt.timedelta(days=30))


# --- extensions ------------------------------------------------------------------------------
def test_an_extension_request_is_an_approval_routed_to_the_supervisor_and_its_rejection_comes_back(world):
    finding = make_finding(world)
    manager, supervisor = world.person("unit_manager"), world.person("supervisor")
    wanted = finding.due_date + dt.timedelta(days=10)
    extension = services.finding_extension_request(actor=manager, finding=finding, due_date=wanted, reason="等配件")
    approval = extension.approval
    assert (approval.kind, approval.status, approval.requester_id) == ("rectification_extension", "pending", manager.pk)
    assert (approval.subject_type, approval.subject_id) == ("findings.finding", str(finding.pk))
    assert approval.detail["requested_due_date"] == wanted.isoformat()
    assert [(s.role, [p.username for p in s.approvers.all()]) for s in approval.steps.all()] == [
        ("supervisor", ["supervisor"])]
    # The supervisor is asked in the approvals inbox, like for every other kind.
    [asked] = inbox(world, "supervisor", "approval.pending")
    assert "整改延期" in asked.title and finding.title in asked.title
    assert not inbox(world, "region_manager", "approval.pending")
    assert FindingEvent.objects.filter(finding=finding, kind=FindingEventKind.EXTENSION_REQUESTED,
                                       data__approval_id=approval.pk).exists()
    assert AuditEvent.objects.filter(action="finding.extension_request", object_id=str(extension.pk)).exists()
    with pytest.raises(ApplicationError) as twice:
        services.finding_extension_request(actor=manager, finding=finding, due_date=wanted, reason="再申请")
    assert twice.value.code == ErrorCode.CONFLICT

    with pytest.raises(ApplicationError) as bare:
        approval_decide(actor=supervisor, approval=approval, decision="reject")
    assert "comment" in bare.value.detail["fields"]
    approval_decide(actor=supervisor, approval=approval, decision="reject", comment="期限内可以完成")
    finding.refresh_from_db()
    assert finding.due_date == finding.policy_due_date and finding.extended_due_date is None
    extension.refresh_from_db()
    assert (extension.status, extension.decided_by, extension.decision_note) == (
        ExtensionStatus.REJECTED, supervisor, "期限内可以完成")
    [told] = inbox(world, "unit_manager", "finding.extension_decided")
    assert "未批准" in told.title
    assert AuditEvent.objects.filter(action="finding.extension_decide", object_id=str(extension.pk)).exists()
    assert not AuditEvent.objects.filter(action="finding.extend", object_id=str(finding.pk)).exists()
    with pytest.raises(ApplicationError) as done:
        services.finding_extension_decide(actor=supervisor, finding=finding, extension=extension, decision="approve")
    assert done.value.code == ErrorCode.INVALID_TRANSITION


def test_an_approved_extension_moves_the_deadline_and_the_plan_may_use_it(world):
    finding = make_finding(world)
    manager, supervisor = world.person("unit_manager"), world.person("supervisor")
    wanted = finding.due_date + dt.timedelta(days=10)
    extension = services.finding_extension_request(actor=manager, finding=finding, due_date=wanted, reason="等配件")
    approval_decide(actor=supervisor, approval=extension.approval, decision="approve", comment="同意")
    finding.refresh_from_db()
    assert (finding.due_date, finding.extended_due_date, finding.deadline_limit) == (wanted, wanted, wanted)
    assert FindingExtension.objects.get(pk=extension.pk).status == ExtensionStatus.APPROVED
    extend = AuditEvent.objects.get(action="finding.extend", object_id=str(finding.pk))
    assert extend.actor_id == supervisor.pk and extend.after["approval_id"] == extension.approval_id
    assert FindingEvent.objects.filter(finding=finding, kind=FindingEventKind.EXTENSION_DECIDED,
                                       data__decision="approve").exists()
    [told] = inbox(world, "unit_manager", "finding.extension_decided")
    assert wanted.isoformat() in told.title
    services.finding_plan(actor=manager, finding=finding, measures="等配件到货后更换", due_date=wanted)
    assert Finding.objects.get(pk=finding.pk).due_date == wanted


def test_the_extension_route_comes_from_policy(world):
    from dudao.policies.services import policy_version_create

    policy_version_create(actor=world.people["admin"], organization=world.org, effective_from=timezone.localdate(),
                          overrides={"approvals": {"routes": {"rectification_extension": [
                              {"max_amount": None, "roles": ["supervisor", "ops_manager"]}]}}})
    finding = make_finding(world)
    extension = services.finding_extension_request(actor=world.person("unit_manager"), finding=finding,
                                                   due_date=finding.due_date + dt.timedelta(days=3), reason="装修")
    assert list(extension.approval.steps.values_list("role", flat=True)) == ["supervisor", "ops_manager"]
    approval_decide(actor=world.person("supervisor"), approval=extension.approval, decision="approve")
    assert Finding.objects.get(pk=finding.pk).extended_due_date is None  # one step still to go
    approval_decide(actor=world.person("ops_manager"), approval=extension.approval, decision="approve")
    assert Finding.objects.get(pk=finding.pk).extended_due_date == finding.due_date + dt.timedelta(days=3)


def test_an_extension_nobody_may_decide_is_refused_and_nothing_is_saved(world):
    finding = make_finding(world, unit="store3", creator="admin")  # no supervisor works in the west region
    before = unchanged(finding)
    approvals = ApprovalRequest.objects.count()
    with pytest.raises(ApplicationError) as refused:
        services.finding_extension_request(actor=world.person("other_unit_manager"), finding=finding,
                                           due_date=finding.due_date + dt.timedelta(days=3), reason="装修")
    assert "督导" in refused.value.message
    assert unchanged(finding) == before and ApprovalRequest.objects.count() == approvals


def test_closing_the_finding_withdraws_its_pending_extension_from_the_approvers(world):
    finding = make_finding(world)
    supervisor = world.person("supervisor")
    extension = services.finding_extension_request(actor=world.person("unit_manager"), finding=finding,
                                                   due_date=finding.due_date + dt.timedelta(days=5), reason="等配件")
    assert [a.pk for a in approvals_for(supervisor, pending_for_me=True)] == [extension.approval_id]
    finding = drive(world, Finding.objects.get(pk=finding.pk), FindingStatus.CLOSED)
    assert FindingExtension.objects.get(pk=extension.pk).status == ExtensionStatus.CANCELLED
    approval = ApprovalRequest.objects.get(pk=extension.approval_id)
    assert approval.status == ApprovalStatus.WITHDRAWN and approval.decided_at is not None
    assert list(approval.steps.values_list("status", flat=True)) == [StepStatus.SKIPPED]
    assert list(approvals_for(supervisor, pending_for_me=True)) == []
    withdrawn = AuditEvent.objects.get(action="approval.withdraw", object_id=str(approval.pk))
    assert withdrawn.before == {"status": "pending"} and withdrawn.after["status"] == "withdrawn"
    assert [n.kind for n in inbox(world, "supervisor", "approval.withdrawn")] == ["approval.withdrawn"]
    # Nothing is left to decide, and the deadline never moves.
    with pytest.raises(ApplicationError) as decided:
        approval_decide(actor=supervisor, approval=approval, decision="approve")
    assert decided.value.code == ErrorCode.INVALID_TRANSITION
    after = Finding.objects.get(pk=finding.pk)
    assert (after.due_date, after.extended_due_date, after.status) == (finding.due_date, None, FindingStatus.CLOSED)
    assert not AuditEvent.objects.filter(action="finding.extend", object_id=str(finding.pk)).exists()


def test_an_extension_must_be_later_than_the_current_due_date(world):
    finding = make_finding(world)
    before = unchanged(finding)
    with pytest.raises(ApplicationError) as refused:
        services.finding_extension_request(actor=world.person("unit_manager"), finding=finding,
                                           due_date=finding.due_date, reason="x")
    assert "due_date" in refused.value.detail["fields"]
    assert unchanged(finding) == before


# --- re-inspection ---------------------------------------------------------------------------
def test_a_follow_up_inspections_passing_answer_closes_the_finding(world):
    template = make_template(world)
    supervisor = world.person("supervisor")
    original = make_inspection(world, template, answers=[("C1", "fail", True, "地面有积水")])
    [finding] = services.findings_create_for_inspection(actor=supervisor, inspection=original,
                                                        failed_answers=failed_answers(original))
    follow_up = make_inspection(world, template, follow_up_of=original, answers=[("C1", "pass", False, "已干燥")])
    answer = follow_up.answers.get()
    answer.attachments.add(photo(supervisor, world.unit("store1"), "复查.png"))
    closed = services.finding_close_by_reinspection(actor=supervisor, finding=finding, inspection=follow_up,
                                                    answer=answer)
    assert closed.status == FindingStatus.CLOSED
    assert (closed.closed_by_inspection, closed.closed_by_answer) == (follow_up, answer)
    event = closed.events.get(kind=FindingEventKind.CLOSED_BY_REINSPECTION)
    assert event.data == {"inspection_id": follow_up.pk, "answer_id": answer.pk, "item_code": "C1",
                          "value": "pass", "note": "已干燥"}
    assert event.attachments.count() == 1
    assert AuditEvent.objects.get(action="finding.close_by_reinspection").after["answer"]["answer_id"] == answer.pk
    assert inbox(world, "unit_manager", "finding.closed")


def test_a_failing_or_foreign_follow_up_answer_does_not_close(world):
    template = make_template(world)
    supervisor = world.person("supervisor")
    original = make_inspection(world, template, answers=[("C1", "fail", True, "")])
    [finding] = services.findings_create_for_inspection(actor=supervisor, inspection=original,
                                                        failed_answers=failed_answers(original))
    still_failing = make_inspection(world, template, answers=[("C1", "fail", True, "")])
    other_store = make_inspection(world, template, unit="store2", answers=[("C1", "pass", False, "")])
    other_item = make_inspection(world, template, answers=[("S1", "10", False, "")])
    before = unchanged(finding)
    for inspection in (still_failing, other_store, other_item):
        with pytest.raises(ApplicationError) as refused:
            services.finding_close_by_reinspection(actor=supervisor, finding=finding, inspection=inspection,
                                                   answer=inspection.answers.get())
        assert "answer" in refused.value.detail["fields"]
    assert unchanged(finding) == before


def test_comments_and_progress_notes_need_text_or_a_photo(world):
    finding = finding_in(world, FindingStatus.PLANNED)
    before = unchanged(finding)
    for call in (services.finding_comment, services.finding_progress):
        with pytest.raises(ApplicationError) as refused:
            call(actor=world.person("unit_manager"), finding=finding, note=" ")
        assert "note" in refused.value.detail["fields"]
    assert unchanged(finding) == before
    services.finding_comment(actor=world.person("region_manager"), finding=finding, note="请本周内完成")
    assert finding.events.filter(kind=FindingEventKind.COMMENT, note="请本周内完成").exists()


def test_overdue_is_derived(world):
    finding = make_finding(world, now=timezone.now() - dt.timedelta(days=10))
    assert finding.is_overdue() and finding.overdue
    assert not finding.is_overdue(finding.due_date)
    assert finding.is_overdue(finding.due_date + dt.timedelta(days=1))

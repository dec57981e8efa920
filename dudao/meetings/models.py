"""The monthly operations meeting (运营例会, DESIGN.md 2.13): real cases from inspections, findings and
complaints discussed by the people in charge, minutes, and action items with an owner and a due
date tracked until done."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel

from .choices import ActionStatus, CaseKind, MeetingStatus
from .permissions import ORG_WIDE_ORGANISERS, REGIONAL_ORGANISERS


def _member_condition(actor, prefix: str = "") -> Q:
    """Meetings the actor attends or owns an action of (subqueries: one row per meeting)."""
    attended = MeetingAttendee.objects.filter(person_id=actor.pk).values("meeting_id")
    owned = MeetingAction.objects.filter(owner_id=actor.pk).values("meeting_id")
    return (Q(**{f"{prefix}pk__in": attended}) | Q(**{f"{prefix}pk__in": owned})
            | Q(**{f"{prefix}created_by_id": actor.pk}))


class Meeting(OrgScopedModel):
    """An operations meeting over a unit's subtree (the company, or a region): held on a day, with
    its attendees, the cases put on the table, the minutes and the actions agreed."""

    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("会议名称"), max_length=200)
    held_on = models.DateField(_("会议日期"))
    status = models.CharField(_("状态"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    minutes = models.TextField(_("会议纪要"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("组织人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    scope_path_field = "scope_unit__path"
    scope_roles = {"view": REGIONAL_ORGANISERS, "manage": REGIONAL_ORGANISERS}

    class Meta:
        verbose_name = _("运营会议")
        verbose_name_plural = _("运营会议")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["organization", "-held_on"], name="meeting_org_held_idx")]

    @classmethod
    def scope_extra(cls, actor, action: str) -> Q | None:
        # The operations department holds meetings over the whole organisation; attendees, action
        # owners and the organiser read the meetings they are part of.
        if actor.has_role(*ORG_WIDE_ORGANISERS):
            return Q(organization_id=actor.organization_id)
        if action == "view":
            return _member_condition(actor)
        return None

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.pk])


class MeetingAttendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("参会人"), on_delete=models.PROTECT,
                               related_name="+")

    class Meta:
        verbose_name = _("参会人")
        verbose_name_plural = _("参会人")
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="meetings_attends_once")]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.person_id}"


class MeetingCase(models.Model):
    """A record put on the meeting's table: a finding, an inspection, or an incident or complaint,
    with a note saying why it is discussed."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="cases")
    position = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("类型"), max_length=20, choices=CaseKind.choices)
    finding = models.ForeignKey("findings.Finding", verbose_name=_("问题"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    inspection = models.ForeignKey("inspections.Inspection", verbose_name=_("巡店"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey("incidents.Incident", verbose_name=_("事故/投诉"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("讨论原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("会议案例")
        verbose_name_plural = _("会议案例")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=CaseKind.FINDING, finding__isnull=False, inspection__isnull=True, incident__isnull=True)
                           | Q(kind=CaseKind.INSPECTION, finding__isnull=True, inspection__isnull=False,
                               incident__isnull=True)
                           | Q(kind=CaseKind.INCIDENT, finding__isnull=True, inspection__isnull=True,
                               incident__isnull=False)),
                name="meetings_case_one_record"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.kind} {self.record_id}"

    @property
    def record(self):
        return {CaseKind.FINDING: self.finding, CaseKind.INSPECTION: self.inspection,
                CaseKind.INCIDENT: self.incident}[self.kind]

    @property
    def record_id(self) -> int | None:
        return self.finding_id or self.inspection_id or self.incident_id


class MeetingAction(OrgScopedModel):
    """An action agreed at a meeting: what, who, by when; chased after its due date until done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("事项"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("负责人"), on_delete=models.PROTECT,
                              related_name="+")
    due_date = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_note = models.TextField(_("完成情况"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    # The day the owner was last reminded of it being overdue: the daily job tells them once a day.
    reminded_on = models.DateField(_("最近催办日期"), null=True, blank=True, editable=False)

    scope_path_field = "meeting__scope_unit__path"
    scope_roles = {"view": REGIONAL_ORGANISERS}

    class Meta:
        verbose_name = _("会议事项")
        verbose_name_plural = _("会议事项")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="meeting_action_due_idx")]

    @classmethod
    def scope_extra(cls, actor, action: str) -> Q | None:
        if actor.has_role(*ORG_WIDE_ORGANISERS):
            return Q(organization_id=actor.organization_id)
        return Q(owner_id=actor.pk) | _member_condition(actor, "meeting__")

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today) -> bool:
        """Open past its due date (the due date itself is still in time)."""
        return self.status == ActionStatus.OPEN and self.due_date < today

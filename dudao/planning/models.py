from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import EVERYWHERE, OrgScopedModel, OrgScopedQuerySet, is_active_actor
from dudao.org.choices import Role

from .choices import (
    PLAN_STATUS_BADGES,
    VISIT_STATUS_BADGES,
    PlanKind,
    PlanStatus,
    ScheduleFrequency,
    VisitMode,
    VisitStatus,
    Weekday,
    WeekOfMonth,
)

PLANNERS = frozenset({Role.ADMIN, Role.OPS_MANAGER, Role.SUPERVISOR})
# Who reads schedules and the holiday calendar: those who may see surprise visits beforehand.
SCHEDULE_READERS = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.OPS_MANAGER, Role.SUPERVISOR, Role.REGION_MANAGER})
HOLIDAY_KEEPERS = frozenset({Role.ADMIN, Role.OPS_MANAGER})


class Plan(OrgScopedModel):
    """A supervision plan (督导计划) for a period and a unit subtree: focus, methods and visits."""

    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=PlanKind.choices)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    focus = models.TextField(_("重点"), blank=True)
    methods = models.JSONField(_("方式"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    approval_id = models.BigIntegerField(_("审批单"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    # A week plan the schedule job made to hold generated visits (see VisitSchedule); it has a slot of
    # its own beside any plan made by hand for the same scope and week.
    automatic = models.BooleanField(_("自动排程"), default=False)

    scope_path_field = "scope_unit__path"
    scope_roles = {"view": None, "manage": PLANNERS}

    class Meta:
        ordering = ["-period_start", "-id"]
        # One plan per scope unit, kind and period (services refuse any overlap, naming the first
        # plan); the database backs the exact cases. Every status holds its slot, a rejected plan too.
        constraints = [
            models.UniqueConstraint(fields=["organization", "scope_unit", "kind", "automatic", "period_start"],
                                    name="plan_one_per_scope_kind_start"),
            models.UniqueConstraint(fields=["organization", "scope_unit", "kind", "automatic", "period_end"],
                                    name="plan_one_per_scope_kind_end"),
        ]
        verbose_name = _("督导计划")
        verbose_name_plural = _("督导计划")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("planning:plan-detail", args=[self.pk])

    @property
    def status_badge(self) -> str:
        return PLAN_STATUS_BADGES.get(self.status, "")


class Visit(OrgScopedModel):
    """A planned visit: which unit, by whom, on which day, with which standard and mode."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="visits")
    unit = models.ForeignKey("org.Unit", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("督导"), on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField(_("日期"))
    template = models.ForeignKey(
        "checklists.Template", verbose_name=_("检查标准"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    mode = models.CharField(_("方式"), max_length=20, choices=VisitMode.choices, default=VisitMode.ON_SITE)
    status = models.CharField(_("状态"), max_length=20, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Set on visits the schedule job generated: which schedule, for which occurrence (the date the
    # schedule names, before any move for a holiday or a full day). One visit per occurrence.
    schedule = models.ForeignKey(
        "planning.VisitSchedule", verbose_name=_("排程"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="visits",
    )
    occurrence = models.DateField(_("排程日期"), null=True, blank=True)

    scope_path_field = "unit__path"
    scope_roles = {"view": None, "manage": PLANNERS}

    class Meta:
        ordering = ["date", "id"]
        # Calendars and coverage by period; the included columns serve analytics index-only on
        # PostgreSQL.
        indexes = [models.Index(fields=["organization", "date"], include=["status", "plan", "unit"],
                                name="visit_date_idx")]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "occurrence"], name="visit_once_per_occurrence"),
        ]
        verbose_name = _("计划走访")
        verbose_name_plural = _("计划走访")

    def __str__(self) -> str:
        return f"{self.date} {self.unit}"

    @classmethod
    def scope_extra(cls, actor, action: str):
        """The supervisor a visit is assigned to sees it, wherever its unit lies (a calibration visit
        goes to a supervisor of another region)."""
        return models.Q(supervisor_id=actor.pk) if action == "view" else None

    @property
    def status_badge(self) -> str:
        return VISIT_STATUS_BADGES.get(self.status, "")


class VisitSchedule(OrgScopedModel):
    """A recurring visit (定期巡店排程): a supervisor visits a unit every week, every N weeks, every
    month or every quarter, from `starts_on` until `ends_on` (open-ended when empty) while active.

    Frequencies: `weekly` on `weekday`; `every_n_weeks` on `weekday` of every `interval_weeks`-th
    week counted from the week of `anchor_on` (or `starts_on`); `monthly` on `day_of_month` (the
    last day in a shorter month: 31 means the month's last day) or on the `week_of_month`-th
    `weekday` (-1: the last); `quarterly` in the `month_of_quarter`-th month of each quarter on
    `day_of_month` (clamped the same way).

    Where generated visits live: the daily job (`dudao.planning.generation`) puts each visit in
    the automatic week plan (`Plan.automatic`, published from the start, Monday to Sunday) of the
    supervisor's own scope unit (the unit of their planner role covering the visited unit) for the
    week of the visit's day, made on first need. The schedule itself is the approved instruction;
    the visits are ordinary published visits, on the calendar, in the supervisor's week and in
    coverage like any other. Editing or deactivating a schedule leaves visits already generated.
    """

    unit = models.ForeignKey("org.Unit", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("督导"), on_delete=models.PROTECT, related_name="visit_schedules"
    )
    template = models.ForeignKey(
        "checklists.Template", verbose_name=_("检查标准"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    mode = models.CharField(_("方式"), max_length=20, choices=VisitMode.choices, default=VisitMode.ON_SITE)
    frequency = models.CharField(_("频次"), max_length=20, choices=ScheduleFrequency.choices)
    weekday = models.SmallIntegerField(_("星期"), choices=Weekday.choices, null=True, blank=True)
    interval_weeks = models.PositiveSmallIntegerField(_("间隔周数"), null=True, blank=True)
    anchor_on = models.DateField(_("起算日期"), null=True, blank=True)
    day_of_month = models.PositiveSmallIntegerField(_("日"), null=True, blank=True)
    week_of_month = models.SmallIntegerField(_("第几个"), choices=WeekOfMonth.choices, null=True, blank=True)
    month_of_quarter = models.PositiveSmallIntegerField(_("季度第几个月"), null=True, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    client_id = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_path_field = "unit__path"
    scope_roles = {"view": SCHEDULE_READERS, "manage": PLANNERS}

    class Meta:
        ordering = ["unit__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "created_by", "client_id"],
                                    condition=~models.Q(client_id=""), name="visit_schedule_client_id_once"),
        ]
        verbose_name = _("巡店排程")
        verbose_name_plural = _("巡店排程")

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_frequency_display()}"

    def get_absolute_url(self) -> str:
        return reverse("planning:schedule-edit", args=[self.pk])

    def describe(self) -> str:
        """When it falls due, in words: 每周二, 每 2 周周三, 每月 31 日, 每月第二个周二, 每季度第 2 个月 15 日."""
        from django.utils.translation import gettext

        weekday = Weekday(self.weekday).label if self.weekday is not None else ""
        if self.frequency == ScheduleFrequency.WEEKLY:
            return gettext("每%(weekday)s") % {"weekday": weekday}
        if self.frequency == ScheduleFrequency.EVERY_N_WEEKS:
            return gettext("每 %(n)s 周%(weekday)s") % {"n": self.interval_weeks, "weekday": weekday}
        if self.frequency == ScheduleFrequency.MONTHLY:
            if self.week_of_month is not None:
                return gettext("每月%(nth)s%(weekday)s") % {"nth": WeekOfMonth(self.week_of_month).label,
                                                            "weekday": weekday}
            return gettext("每月 %(day)s 日") % {"day": self.day_of_month}
        return gettext("每季度第 %(month)s 个月 %(day)s 日") % {"month": self.month_of_quarter, "day": self.day_of_month}


class OrgWideQuerySet(OrgScopedQuerySet):
    def visible_to(self, actor, action: str = "view"):
        """Organisation-wide records: anyone holding one of the action's roles anywhere."""
        if not is_active_actor(actor):
            return self.none()
        paths = actor.scope_paths(self.model.scope_roles_for(action))
        if paths != EVERYWHERE and not paths:
            return self.none()
        return self.filter(organization_id=actor.organization_id)


class Holiday(OrgScopedModel):
    """A day of the organisation's holiday calendar (节假日): a holiday, or with `workday` a make-up
    working day (调休上班, e.g. a Saturday worked for a long National Day break).

    Schedules place visits on working days only: Monday to Friday, unless the day is a holiday, and
    a weekend day marked `workday`."""

    date = models.DateField(_("日期"))
    name = models.CharField(_("名称"), max_length=60)
    workday = models.BooleanField(_("调休上班"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = OrgWideQuerySet.as_manager()

    scope_path_field = "organization__id"
    scope_roles = {"view": SCHEDULE_READERS, "manage": HOLIDAY_KEEPERS}

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["organization", "date"], name="holiday_once_per_day")]
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"

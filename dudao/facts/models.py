"""Monthly rollups of the supervision figures (docs/architecture.md, "Monthly rollups").

Per organisation, unit and local calendar month, the counts the summary's figures are made of,
each computed by the one definition in `figures.py` (never a second formula), so a summary over
whole months adds rows instead of scanning records. A rollup is a cache: `rollups.rebuild`
recomputes it from the records at any time, and a (unit, month) marked changed is recomputed
before any summary reads it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dudao.policies.choices import Severity

# The findings-raised columns, one per severity (a test holds them to `Severity.values`).
SEVERITY_FIELDS = {severity: f"findings_{severity}" for severity in Severity.values}


class MonthCounts(models.Model):
    """The counts the summary's figures are made of, for one local calendar month: inspections that
    count (`performed_at` in the month), findings raised (`created_at`), findings due (`due_date`,
    judged as of the day after the month: all of them decided) and planned visits (`date`)."""

    organization = models.ForeignKey("org.Organization", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))
    inspections = models.PositiveIntegerField(_("检查数"), default=0)
    scored = models.PositiveIntegerField(_("有得分的检查数"), default=0)
    score_total = models.DecimalField(_("得分合计"), max_digits=14, decimal_places=1, default=0)
    passed = models.PositiveIntegerField(_("合格检查数"), default=0)
    findings_low = models.PositiveIntegerField(_("低风险问题数"), default=0)
    findings_medium = models.PositiveIntegerField(_("中风险问题数"), default=0)
    findings_high = models.PositiveIntegerField(_("高风险问题数"), default=0)
    findings_critical = models.PositiveIntegerField(_("严重问题数"), default=0)
    repeats = models.PositiveIntegerField(_("重复问题数"), default=0)
    findings_due = models.PositiveIntegerField(_("到期问题数"), default=0)
    findings_on_time = models.PositiveIntegerField(_("按时整改数"), default=0)
    visits_planned = models.PositiveIntegerField(_("计划走访数"), default=0)
    visits_done = models.PositiveIntegerField(_("已巡走访数"), default=0)

    class Meta:
        abstract = True


class UnitMonth(MonthCounts):
    """One unit's supervision counts for one local calendar month (`MonthCounts`)."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("机构月度汇总")
        verbose_name_plural = _("机构月度汇总")
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="facts_unitmonth_unique")]
        indexes = [
            models.Index(fields=["organization", "month"], name="facts_unitmonth_org_month"),
            # The units inspected over a span of months, read from the index alone.
            models.Index(fields=["organization", "month", "unit"], condition=models.Q(inspections__gt=0),
                         name="facts_unitmonth_inspected"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"


class OrganizationMonth(MonthCounts):
    """`UnitMonth` summed over every unit of the organisation: the whole organisation's summary
    reads one row a month instead of one per unit."""

    class Meta:
        verbose_name = _("全机构月度汇总")
        verbose_name_plural = _("全机构月度汇总")
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="facts_organizationmonth_unique")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m}"


class ClosureCount(models.Model):
    """How many of one unit's findings closed in one local calendar month took a given time to
    close, in tenths of a day rounded as the median closure days figure rounds (`figures.round1`):
    the median of whole months is read from these counts."""

    organization = models.ForeignKey("org.Organization", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))
    tenths = models.IntegerField(_("整改天数(十分之一天)"))
    count = models.PositiveIntegerField(_("问题数"), default=0)

    class Meta:
        verbose_name = _("整改用时分布")
        verbose_name_plural = _("整改用时分布")
        constraints = [models.UniqueConstraint(fields=["unit", "month", "tenths"], name="facts_closurecount_unique")]
        indexes = [models.Index(fields=["organization", "month"], include=["tenths", "count"],
                                name="facts_closurecount_org_month")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m} {self.tenths}"


class OrganizationClosureCount(models.Model):
    """`ClosureCount` summed over every unit of the organisation, per month and tenth of a day: the
    whole organisation's median reads a few hundred rows a month instead of one per unit."""

    organization = models.ForeignKey("org.Organization", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))
    tenths = models.IntegerField(_("整改天数(十分之一天)"))
    count = models.PositiveIntegerField(_("问题数"), default=0)

    class Meta:
        verbose_name = _("全机构整改用时分布")
        verbose_name_plural = _("全机构整改用时分布")
        constraints = [models.UniqueConstraint(fields=["organization", "month", "tenths"],
                                               name="facts_orgclosurecount_unique")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m} {self.tenths}"


class RollupMark(models.Model):
    """A (unit, month) whose rollup a change has made stale, written in the changing transaction;
    the rollup is recomputed and the mark removed before a summary reads that organisation. No
    month: every month of the unit and its subtree (the unit moved in the tree)."""

    organization = models.ForeignKey("org.Organization", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"), null=True, blank=True)

    class Meta:
        verbose_name = _("待更新的月度汇总")
        verbose_name_plural = _("待更新的月度汇总")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month or '*'}"

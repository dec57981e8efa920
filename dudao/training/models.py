"""Training (DESIGN.md 2.13): needs surveys with responses, sessions planned from the most common
shortfalls, invitees with attendance and test scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dudao.core.scoping import OrgScopedModel

from .permissions import ORGANISERS, READERS


class Survey(OrgScopedModel):
    title = models.CharField(_("标题"), max_length=200)
    period = models.CharField(_("期间"), max_length=7)
    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    questions = models.JSONField(_("问题"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    report_sent_at = models.DateTimeField(_("报告送达培训部时间"), null=True, blank=True)

    scope_path_field = "scope_unit__path"
    scope_roles = {"view": READERS, "manage": ORGANISERS}

    class Meta:
        verbose_name = _("培训需求调查")
        verbose_name_plural = _("培训需求调查")
        ordering = ["-created_at", "-id"]

    @classmethod
    def scope_extra(cls, actor, action: str) -> Q | None:
        # Everyone working in the survey's scope may open it to answer.
        if action != "view":
            return None
        from dudao.org.models import RoleAssignment

        paths = list(RoleAssignment.objects.filter(person_id=actor.pk).values_list("unit__path", flat=True))
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(scope_unit__path__in=[path[:i + 1] for i, ch in enumerate(path) if ch == "/"])
        return condition

    def __str__(self) -> str:
        return self.title


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(_("回答"), default=list)
    answered_at = models.DateTimeField(_("回答时间"), default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "person"], name="training_one_response")]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.person_id}"


class Session(OrgScopedModel):
    title = models.CharField(_("标题"), max_length=200)
    scope_unit = models.ForeignKey("org.Unit", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    trainer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("讲师"), on_delete=models.PROTECT,
                                related_name="+")
    item_codes = models.JSONField(_("针对的检查项"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    attendance_recorded_at = models.DateTimeField(_("考勤登记时间"), null=True, blank=True)

    scope_path_field = "scope_unit__path"
    scope_roles = {"view": READERS, "manage": ORGANISERS}

    class Meta:
        verbose_name = _("培训课程")
        verbose_name_plural = _("培训课程")
        ordering = ["-starts_at", "-id"]

    @classmethod
    def scope_extra(cls, actor, action: str) -> Q | None:
        return Q(invitees__person_id=actor.pk) | Q(trainer_id=actor.pk) if action == "view" else None

    def __str__(self) -> str:
        return self.title


class Invitee(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="invitees")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("学员"), on_delete=models.PROTECT,
                               related_name="+")
    attended = models.BooleanField(_("出勤"), null=True, blank=True)
    test_score = models.DecimalField(_("考试成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("考试合格"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="training_invited_once")]

    def __str__(self) -> str:
        return f"{self.session_id} {self.person_id}"

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """A periodic job's run for one time slot; the unique slot makes a repeated run a no-op."""

    job = models.CharField(_("任务"), max_length=100)
    slot = models.CharField(_("时段"), max_length=40)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True)
    result = models.JSONField(_("结果"), null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="jobrun_job_slot_unique")]
        verbose_name = _("任务运行")

    def __str__(self) -> str:
        return f"{self.job}@{self.slot}"

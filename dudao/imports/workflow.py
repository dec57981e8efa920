"""The life of an import run: uploaded (pending) -> running -> validated (a dry run that passed),
applied (written) or failed (a bad row, nothing written). A validated dry run is applied as a new
run on the same stored file, so each run records exactly one attempt."""

from django.utils.translation import gettext_lazy as _

from dudao.core.workflow import Transition, Workflow

from .choices import ImportStatus

PENDING, RUNNING = ImportStatus.PENDING, ImportStatus.RUNNING
VALIDATED, FAILED, APPLIED = ImportStatus.VALIDATED, ImportStatus.FAILED, ImportStatus.APPLIED

IMPORT_RUN = Workflow(
    subject=_("导入"),
    choices=ImportStatus,
    event_prefix="import",
    editable_states=[PENDING],
    transitions=[
        Transition("start", {PENDING}, RUNNING, taken_by="run", label=_("开始处理")),
        Transition("validate", {PENDING, RUNNING}, VALIDATED, taken_by="run", label=_("校验通过")),
        Transition("fail", {PENDING, RUNNING}, FAILED, taken_by="run", label=_("标记失败")),
        Transition("apply", {PENDING, RUNNING}, APPLIED, taken_by="run", label=_("写入")),
        Transition("apply_dry_run", {VALIDATED}, None, taken_by="run", label=_("按试运行结果导入"),
                   refusal=_("只有校验通过的试运行可以导入")),
    ],
)

"""A report's and a bulletin's states and the only transitions between them.

    report:   draft --submit--> submitted --approve--> approved
                ^                   |
                +------reject-------+          (edit keeps a draft a draft)
    bulletin: draft --publish--> published     (recompile keeps a draft a draft)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dudao.core.errors import ApplicationError, ErrorCode

from .choices import BulletinStatus, ReportStatus

REPORT_TRANSITIONS = {
    "edit": (ReportStatus.DRAFT, ReportStatus.DRAFT),
    "submit": (ReportStatus.DRAFT, ReportStatus.SUBMITTED),
    "approve": (ReportStatus.SUBMITTED, ReportStatus.APPROVED),
    "reject": (ReportStatus.SUBMITTED, ReportStatus.DRAFT),
}

BULLETIN_TRANSITIONS = {
    "recompile": (BulletinStatus.DRAFT, BulletinStatus.DRAFT),
    "publish": (BulletinStatus.DRAFT, BulletinStatus.PUBLISHED),
}

REFUSALS = {
    "edit": _("只有草稿状态的报告可以修改"),
    "submit": _("只有草稿状态的报告可以提交审批"),
    "recompile": _("本期公报已发布,不能重新编制"),
    "publish": _("公报已发布"),
}


def _transition(table: dict, obj, action: str) -> str:
    source, target = table[action]
    if obj.status != source:
        message = REFUSALS.get(action) or f"cannot {action} from {obj.status}"
        raise ApplicationError(ErrorCode.INVALID_TRANSITION, str(message), {"status": obj.status, "action": action})
    return target


def report_transition(report, action: str) -> str:
    """Check that `action` is allowed from the report's state and return the state it leads to."""
    return _transition(REPORT_TRANSITIONS, report, action)


def bulletin_transition(bulletin, action: str) -> str:
    """Check that `action` is allowed from the bulletin's state and return the state it leads to."""
    return _transition(BULLETIN_TRANSITIONS, bulletin, action)

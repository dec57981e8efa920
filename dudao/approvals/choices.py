from django.db import models
from django.utils.translation import gettext_lazy as _

from dudao.policies.choices import ApprovalKind

__all__ = [
    "AMOUNT_KINDS",
    "APPROVAL_STATUS_BADGES",
    "ApprovalKind",
    "ApprovalStatus",
    "Decision",
    "REQUESTABLE_KINDS",
    "SERVICE_KINDS",
    "STEP_STATUS_BADGES",
    "StepStatus",
]


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")
    # The subject went away before a decision (a finding closed while its extension waited).
    WITHDRAWN = "withdrawn", _("已撤回")


APPROVAL_STATUS_BADGES = {
    ApprovalStatus.PENDING: "primary",
    ApprovalStatus.APPROVED: "success",
    ApprovalStatus.REJECTED: "danger",
    ApprovalStatus.WITHDRAWN: "",
}


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("未开始")
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已驳回")
    SKIPPED = "skipped", _("未到达")


STEP_STATUS_BADGES = {
    StepStatus.WAITING: "",
    StepStatus.PENDING: "primary",
    StepStatus.APPROVED: "success",
    StepStatus.REJECTED: "danger",
    StepStatus.SKIPPED: "",
}


class Decision(models.TextChoices):
    APPROVE = "approve", _("同意")
    REJECT = "reject", _("驳回")


# Kinds a person asks for directly (the new-request form and POST /api/v1/approvals), each with its
# own form fields (forms.KIND_FIELDS). Every other kind belongs to another app's workflow (a plan, a
# report, a rectification extension) and is requested by that app's services, naming its subject.
REQUESTABLE_KINDS = (
    ApprovalKind.PURCHASE,
    ApprovalKind.ASSET_WRITE_OFF,
    ApprovalKind.CONSUMABLES_WRITE_OFF,
    ApprovalKind.ACTIVITY_FUNDS,
    ApprovalKind.TARGET_REVISION,
    ApprovalKind.RECRUITMENT_PLAN,
)

# Kinds whose route depends on the amount: a request of these kinds must state it.
AMOUNT_KINDS = frozenset({
    ApprovalKind.PURCHASE, ApprovalKind.ASSET_WRITE_OFF, ApprovalKind.CONSUMABLES_WRITE_OFF,
    ApprovalKind.ACTIVITY_FUNDS,
})

# Kinds only services create (each with its subject); refused when asked for by hand.
SERVICE_KINDS = tuple(kind for kind in ApprovalKind if kind not in REQUESTABLE_KINDS)

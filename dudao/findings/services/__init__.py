"""Findings and their rectification: every write, one module per concern.

- `creation`: findings made by inspection submit (one per failed item) or by hand;
- `rectification`: the steps of the lifecycle (plan, progress, submit, accept, reject, close by
  re-inspection), each taken through the transition table `workflow.FINDING`;
- `extensions`: more time, asked on the finding and decided by the approval engine;
- `comments`: remarks on the timeline;
- `escalation`: due-soon reminders, overdue notices and the escalation ladder (the daily job);
- `people` and `records`: who answers for a unit's findings, and what every step writes besides the
  finding (timeline event, evidence, audit event, notifications).

Each service checks who may act (`permissions.py`), then the state, writes the change, a timeline
event and an audit event in one transaction, and tells the people who must act next through
`notify()` (inbox rows in the transaction, delivery after commit). Every notification carries a
dedupe key, so a retried call or a re-run job tells nobody twice. Callers import from this package:
`from dudao.findings import services; services.finding_plan(...)`.
"""

from .comments import finding_comment
from .creation import finding_create, finding_create_once, findings_create_for_inspection
from .escalation import findings_escalate
from .extensions import (
    extension_outcome,
    finding_extension_decide,
    finding_extension_request,
    finding_extension_request_once,
)
from .people import role_holders, unit_manager_of
from .records import FINDING_AUDIT_FIELDS, MAX_ATTACHMENTS, NOTE_MAX
from .rectification import (
    finding_accept,
    finding_close_by_reinspection,
    finding_plan,
    finding_progress,
    finding_reject,
    finding_submit,
    round_evidence,
)

__all__ = [
    "FINDING_AUDIT_FIELDS",
    "MAX_ATTACHMENTS",
    "NOTE_MAX",
    "extension_outcome",
    "finding_accept",
    "finding_close_by_reinspection",
    "finding_comment",
    "finding_create",
    "finding_create_once",
    "finding_extension_decide",
    "finding_extension_request",
    "finding_extension_request_once",
    "finding_plan",
    "finding_progress",
    "finding_reject",
    "finding_submit",
    "findings_create_for_inspection",
    "findings_escalate",
    "role_holders",
    "round_evidence",
    "unit_manager_of",
]

"""What every finding service writes besides the finding: checked text, the row lock, the timeline
event, evidence, the audit event, and who is told. Shared by the modules of this package only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from dudao.core.attachments import attachment_attach
from dudao.core.audit import record_event, snapshot, to_json_value
from dudao.core.errors import full_clean_or_refuse, validation_error
from dudao.core.figure_changes import figures_changed
from dudao.core.idempotency import earlier, reused
from dudao.core.models import Attachment
from dudao.notifications.services import notify
from dudao.org.models import Person

from ..models import Finding, FindingEvent

FINDING_AUDIT_FIELDS = [
    "unit", "source", "inspection", "item", "item_code", "title", "description", "category", "severity",
    "status", "round", "responsible_person", "owner", "measures", "due_date", "policy_due_date",
    "extended_due_date", "escalation_level", "repeat", "repeat_of", "submitted_at", "closed_at", "closed_by",
    "closed_by_inspection", "closed_by_answer",
]
NOTE_MAX = 4000
MAX_ATTACHMENTS = 20


def text(value: str | None, field: str, *, required: str | None = None, limit: int = NOTE_MAX) -> str:
    """Trimmed text; refused naming `field` when required and empty, or too long."""
    value = (value or "").strip()
    if required and not value:
        raise validation_error(field, required)
    if len(value) > limit:
        raise validation_error(field, _("不能超过 %(limit)s 字") % {"limit": limit})
    return value


def lock(finding: Finding) -> Finding:
    """The finding re-read under a row lock, so two people acting at once take turns."""
    return (
        Finding.objects.select_for_update(of=("self",))
        .select_related("unit", "owner", "responsible_person")
        .get(pk=finding.pk)
    )


def tell(recipients: Iterable[Person | None], *, actor, finding: Finding, kind: str, title: str,
         dedupe_key: str, body: str = "", at: dt.datetime | None = None) -> None:
    """Notify everyone named except the person who acted (they know already)."""
    people = [p for p in recipients if p is not None and (actor is None or p.pk != actor.pk)]
    if people:
        notify(recipients=people, kind=kind, title=title, obj=finding, body=body, dedupe_key=dedupe_key, at=at)


def attach(actor, finding: Finding, event: FindingEvent, attachments: Sequence[Attachment]) -> list[int]:
    """Bind uploaded evidence to the finding (and its unit) and to the timeline event it came with."""
    if len(attachments) > MAX_ATTACHMENTS:
        raise validation_error("attachment_ids", _("一次最多上传 %(count)s 个附件") % {"count": MAX_ATTACHMENTS})
    attached = [attachment_attach(actor=actor, attachment=a, obj=finding, unit=finding.unit) for a in attachments]
    if attached:
        event.attachments.add(*attached)
        finding.evidence.add(*attached)
    return [a.pk for a in attached]


def timeline(finding: Finding, kind: str, *, actor, at: dt.datetime, note: str = "", data: dict | None = None,
             round: int | None = None, client_id: str = "") -> FindingEvent:
    """One step on the finding's timeline."""
    return FindingEvent.objects.create(
        finding=finding, kind=kind, actor=actor, at=at, note=note, data=to_json_value(data or {}),
        round=round or finding.round, client_id=client_id,
    )


def earlier_step(finding: Finding, actor, client_id: str, kind: str, *, note: str | None,
                 attachments: Sequence[Attachment] = (), data: dict | None = None) -> FindingEvent | None:
    """The step this person already took on this finding with `client_id` (a phone's retry), if any.

    Called with the finding locked (`lock`), so a retry racing the first call waits for it and then
    finds its event; the unique constraint on (finding, actor, client_id) holds either way. The
    same id sent with other content (another kind of step, note, photos or `data` values) is not a
    retry: refused 409 naming `client_id`, nothing changed.
    """
    first = earlier(FindingEvent.objects.filter(finding=finding, actor=actor), client_id)
    if first is None:
        return None
    same = (
        first.kind == kind
        and (note is None or first.note == (note or "").strip())
        and {a.pk for a in first.attachments.all()} == {a.pk for a in attachments}
        and all(first.data.get(key) == value for key, value in to_json_value(data or {}).items())
    )
    if not same:
        raise reused(_("client_id: 这个客户端编号已用于另一次不同的操作,不能再用于不同的内容。"),
                     _("这个客户端编号已用于另一次不同的操作。"), event_id=first.pk)
    return first


def prefetched(obj, name: str, rows: list) -> None:
    """Fill `obj.<name>.all()` with rows already in hand, as `prefetch_related` would, so a response
    built from a record just written reads nothing back."""
    queryset = getattr(obj, name).all()
    queryset._result_cache, queryset._prefetch_done = list(rows), True
    obj._prefetched_objects_cache = {**getattr(obj, "_prefetched_objects_cache", {}), name: queryset}


def save(finding: Finding) -> None:
    full_clean_or_refuse(finding)
    finding.save()


def figures_changed_for(findings: Sequence[Finding], *earlier: dt.date | None) -> None:
    """Tell the figures (dudao.core.figure_changes) the months of findings written in bulk (no save
    signal), or a due date a finding has left (a save shows only the new one)."""
    if findings:
        figures_changed(findings[0].organization_id, {
            (f.unit_id, moment) for f in findings for moment in (f.created_at, f.due_date, f.closed_at, *earlier)})


def audit(actor, action: str, finding: Finding, before: dict, extra: dict | None = None, at=None) -> None:
    """An audit event for a change that is not a transition (a new deadline, an escalation)."""
    after = snapshot(finding, FINDING_AUDIT_FIELDS)
    if extra:
        after = {**after, **to_json_value(extra)}
    record_event(actor=actor, action=action, obj=finding, before=before, after=after, at=at)

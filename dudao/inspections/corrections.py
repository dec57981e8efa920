"""Corrections sent again: a phone that lost the answer to `POST /inspections/{id}/corrections`
retries with the same `client_id`, and gets the answer the first call made instead of a second
version, a second re-score and a second audit event (`services.answer_correct`)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dudao.core.idempotency import earlier, reused

from .models import Answer


def earlier_correction(inspection, actor, client_id: str, request_fingerprint: str) -> Answer | None:
    """The answer this person's correction with `client_id` made on `inspection`, if any.

    Called with the inspection locked, so a retry racing the first call waits for it and then finds
    its answer; the unique constraint on (inspection, answered_by, client_id) holds either way. The
    same id with another correction (item, value, note or reason) is refused: 409 naming
    `client_id`, nothing changed."""
    first = earlier(Answer.objects.select_related("item").prefetch_related("attachments")
                    .filter(inspection=inspection, answered_by=actor), client_id)
    if first is not None and first.request_fingerprint != request_fingerprint:
        raise reused(_("client_id: 这个客户端编号已用于另一次不同的更正。"), _("这个客户端编号已用于另一次不同的更正。"),
                     answer_id=first.pk)
    return first

"""The meeting pack as a PDF (WeasyPrint, Noto CJK, A4): title, date and scope, the attendees, each
case with its facts and why it is discussed, the minutes and the action table."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.attachments import disposition_header
from dudao.core.pdf import render_pdf

from .models import Meeting
from .presenters import meeting_out


def meeting_document(meeting: Meeting) -> dict:
    """What the pack shows; `meeting` comes from `selectors.meeting_detail_queryset`."""
    today = timezone.localdate()
    return {"meeting": meeting, "out": meeting_out(meeting, today), "organization": meeting.organization,
            "status_label": meeting.get_status_display(), "generated_at": timezone.localtime()}


def meeting_pdf(meeting: Meeting) -> bytes:
    return render_pdf("meetings/meeting_pdf.html", meeting_document(meeting))


def meeting_pdf_response(meeting: Meeting) -> HttpResponse:
    """The pack as a download named after the meeting (the page and the API share it)."""
    response = HttpResponse(meeting_pdf(meeting), content_type="application/pdf")
    response["Content-Disposition"] = disposition_header(
        f"{meeting.title}-{meeting.held_on.isoformat()}-{_('会议材料')}.pdf",
        f"meeting-{meeting.pk}-{meeting.held_on.isoformat()}.pdf", inline=True)
    return response

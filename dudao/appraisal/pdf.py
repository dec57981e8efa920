"""An appraisal as a PDF (WeasyPrint, Noto CJK, A4): the header, each KPI with its explanation, the
adjustment, the score and the bonus in the same sentences as the page (`explain.py`), and the note
that it explains an automated decision to the person it concerns (PIPL art. 24)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from dudao.core.attachments import disposition_header
from dudao.core.pdf import render_pdf
from dudao.org.choices import Role
from dudao.policies.choices import KpiSource, SchemeKind

from . import explain, selectors
from .choices import AppraisalStatus
from .models import Appraisal


def role_label(cycle) -> str:
    return Role(cycle.role).label if cycle.role in Role.values else cycle.role


def kind_label(cycle) -> str:
    return SchemeKind(cycle.kind).label if cycle.kind in SchemeKind.values else cycle.kind


def appraisal_document(appraisal: Appraisal) -> dict:
    """What the PDF shows; `appraisal` comes with its person, cycle and scope unit."""
    out = selectors.appraisal_out(appraisal)
    for line in out["kpis"]:
        line["source_label"] = KpiSource(line["source"]).label if line["source"] in KpiSource.values else line["source"]
        # The table writes each figure as the sentence beside it does.
        line["value_text"], line["target_text"] = explain._n(line.get("value")), explain._n(line.get("target"))
        line["applied_text"] = explain._n(line.get("applied_weight"))
    cycle = appraisal.cycle
    return {
        "appraisal": appraisal, "out": out, "cycle": cycle,
        "role_label": role_label(cycle), "kind_label": kind_label(cycle),
        "organization": appraisal.organization,
        "status_label": AppraisalStatus(appraisal.status).label,
        "adjustment": explain.adjustment_explanation(appraisal), "summary": explain.summary_line(appraisal),
        "bonus_base": explain.money(appraisal.bonus_base), "bonus_amount": explain.money(appraisal.bonus_amount),
        "generated_at": timezone.localtime(),
    }


def appraisal_pdf(appraisal: Appraisal) -> bytes:
    return render_pdf("appraisal/appraisal_pdf.html", appraisal_document(appraisal))


def appraisal_pdf_response(appraisal: Appraisal) -> HttpResponse:
    """The PDF as a download named after the person and the period (the page and the API share it)."""
    response = HttpResponse(appraisal_pdf(appraisal), content_type="application/pdf")
    period = appraisal.cycle.period
    response["Content-Disposition"] = disposition_header(
        f"{appraisal.person.display_name}-{period}-{_('考核说明')}.pdf", f"appraisal-{appraisal.pk}-{period}.pdf", inline=True)
    return response

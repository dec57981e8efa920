"""Demo data for reports and bulletins, made through the real services from the demo's inspections.

- the bulletin of the period before last, published, read by some stores (the period just ended is
  left for the operations manager to compile and publish);
- an approved report on the east region for last month, which its store managers can read;
- a draft report from the east region's latest inspection.
Nothing is made when the demo has no submitted inspection.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from dudao.approvals.services import approval_decide
from dudao.core.errors import ApplicationError
from dudao.core.periods import window_before
from dudao.inspections.choices import COUNTING_STATUSES
from dudao.inspections.models import Inspection
from dudao.org.services import root_unit
from dudao.policies.registry import policy_for

from . import services

logger = logging.getLogger(__name__)
READERS = ["store01", "store02", "store03", "store05", "store06", "store09"]


def load_demo(context) -> None:
    organization = context.organization
    people, units = context.people, context.units
    inspections = Inspection.objects.filter(organization=organization, status__in=COUNTING_STATUSES)
    if not inspections.exists():
        return
    now = timezone.now()
    today = timezone.localdate(now)
    admin = people["admin"]
    kind = policy_for(organization, on=today).bulletins.period
    last_start, _ = window_before(kind, today)
    start, end = window_before(kind, last_start)
    bulletin, _ = services.bulletin_compile(actor=admin, scope_unit=root_unit(organization), period_start=start,
                                            period_end=end, now=now - dt.timedelta(days=5))
    bulletin = services.bulletin_publish(actor=admin, bulletin=bulletin, now=now - dt.timedelta(days=4))
    for username in READERS:
        if username in people:
            services.bulletin_mark_read(actor=people[username], bulletin=bulletin,
                                        now=now - dt.timedelta(days=3, hours=READERS.index(username)))

    east, supervisor = units.get("EAST"), people.get("supervisor1")
    if east is None or supervisor is None:
        return
    first = today.replace(day=1)
    month_end = first - dt.timedelta(days=1)
    report = services.report_draft(actor=supervisor, scope_unit=east, period_start=month_end.replace(day=1),
                                   period_end=month_end, now=now)
    try:
        report = services.report_submit(actor=supervisor, report=report, now=now)
        approval_decide(actor=people["ops"], approval=report.approval, decision="approve",
                        comment="同意,请各门店按整改建议落实。")
    except ApplicationError as exc:  # a demo whose policy routes reports elsewhere keeps it submitted
        logger.warning("demo report not approved: %s", exc.message)
    latest = inspections.filter(unit__path__startswith=east.path).order_by("-performed_at", "-id").first()
    if latest is not None:
        services.report_draft(actor=supervisor, inspection=latest, now=now)

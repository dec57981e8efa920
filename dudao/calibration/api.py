"""Calibration API (DESIGN.md section 5): `GET /api/v1/calibration?from=&to=`."""

from __future__ import annotations

from ninja import Query, Router

from dudao.core.api import actor_of

from .choices import PairStatus
from .figures import calibration_report
from .schemas import CalibrationOut, CalibrationQuery
from .selectors import calibration_period, calibration_scope

router = Router(tags=["calibration"])


def report_body(report) -> dict:
    """The API's shape of a `figures.CalibrationReport` (also the xlsx export's source)."""
    by_status = {status.value: 0 for status in PairStatus}
    for pair in report.pairs:
        by_status[pair.status] += 1
    return {
        "period": {"start": report.period.start, "end": report.period.end},
        "pairs": report.completed,
        "pairs_by_status": by_status,
        "agreement": report.agreement,
        "kappa": report.kappa,
        "kappa_count": report.kappa_count,
        "drift_threshold": report.threshold,
        "min_pairs": report.min_pairs,
        "supervisors": [
            {"person_id": s.person.pk, "name": s.person.display_name, "inspections": s.drift.pairs, "pairs": s.pairs,
             "drift": s.drift.drift, "ci_low": s.drift.ci_low, "ci_high": s.drift.ci_high, "flagged": s.drift.flagged}
            for s in report.supervisors
        ],
        "items": [
            {"item_id": i.item_id, "code": i.code, "text": i.text, "pairs": i.pairs, "agreement": i.agreement,
             "kappa": i.kappa, "kappa_count": i.kappa_count}
            for i in report.items
        ],
    }


@router.get("", response=CalibrationOut)
def calibration(request, query: Query[CalibrationQuery]):
    """Agreement between first and second inspectors and each supervisor's drift over the pairs
    whose first inspection lies in the period (`from`..`to`, local days, both included; by default
    the policy's window up to today). Admins and ops managers read the organisation, a region
    manager their region; everyone else 404. The rules: `dudao/calibration/figures.py`."""
    actor = actor_of(request)
    scope = calibration_scope(actor)
    period = calibration_period(actor.organization_id, query.date_from, query.date_to)
    return report_body(calibration_report(scope, period))

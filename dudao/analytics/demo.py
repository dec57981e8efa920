"""Demo evaluations: last month and this month so far, evaluated through the real service.

Runs after every other demo, so the inspections, findings and visits the others made are what
the evaluation judges; failing stores become key rectification targets and their managers are told.
"""

from __future__ import annotations

from django.utils import timezone

from .scope import add_months, month_start
from .services import evaluation_run


def load_demo(context) -> None:
    admin = context.people.get("admin")
    this_month = month_start(timezone.localdate())
    for month in (add_months(this_month, -1), this_month):
        evaluation_run(actor=admin, organization=context.organization, month=month)

"""Demo evaluations: last month (final) and this month so far (provisional), through the real service.

Runs after every other demo, so the inspections, findings and visits the others made are what
the evaluation judges; stores failing last month become key rectification targets and their
managers are told, while this month's results are labelled provisional and judge nobody.
"""

from __future__ import annotations

from django.utils import timezone

from dudao.core.periods import last_complete_month, month_start

from .services import evaluation_run


def load_demo(context) -> None:
    admin = context.people.get("admin")
    today = timezone.localdate()
    for month in (last_complete_month(today), month_start(today)):
        evaluation_run(actor=admin, organization=context.organization, month=month)

"""Every save or delete of a counted record (an inspection submitted or corrected, a finding raised
or closed, a visit done, a plan published; by a service or anything else) marks the record's
months. Bulk writes (`bulk_create`, `update`) send no signal and a save shows only the new values:
the services announce those through `dudao.core.figure_changes` (findings of an inspection,
generated visits, a due date left behind, a unit moved), and `dudao_rollups --rebuild` follows a
bulk load."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from dudao.findings.models import Finding
from dudao.inspections.models import Inspection
from dudao.planning.models import Plan, Visit

from .rollups import mark_changed


def _inspection(sender, instance: Inspection, **kwargs) -> None:
    mark_changed(instance.organization_id, [(instance.unit_id, instance.performed_at)])


def _finding(sender, instance: Finding, **kwargs) -> None:
    moments = [m for m in (instance.created_at, instance.due_date, instance.closed_at) if m is not None]
    mark_changed(instance.organization_id, [(instance.unit_id, moment) for moment in moments])


def _visit(sender, instance: Visit, **kwargs) -> None:
    mark_changed(instance.organization_id, [(instance.unit_id, instance.date)])


def _plan(sender, instance: Plan, **kwargs) -> None:
    if kwargs.get("created"):
        return  # a new plan has no visits yet
    mark_changed(instance.organization_id, set(Visit.objects.filter(plan_id=instance.pk).values_list("unit_id", "date")))


def connect() -> None:
    for model, receiver in ((Inspection, _inspection), (Finding, _finding), (Visit, _visit)):
        post_save.connect(receiver, sender=model, dispatch_uid=f"facts.rollups.{model.__name__}.save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"facts.rollups.{model.__name__}.delete")
    post_save.connect(_plan, sender=Plan, dispatch_uid="facts.rollups.Plan.save")

"""Before the database holds one plan per scope unit, kind and period (0006), stop with a clear
message if plans already share a slot: which one to keep is the planners' decision, not a
migration's. Remove or re-date the extra plans (`manage.py shell`), then migrate again."""

from django.db import migrations
from django.db.models import Count


def refuse_duplicates(apps, schema_editor):
    Plan = apps.get_model("planning", "Plan")
    clashes = []
    for bound in ("period_start", "period_end"):
        for row in (
            Plan.objects.values("organization_id", "scope_unit_id", "kind", bound)
            .annotate(n=Count("id")).filter(n__gt=1)
        ):
            ids = list(Plan.objects.filter(
                organization_id=row["organization_id"], scope_unit_id=row["scope_unit_id"], kind=row["kind"],
                **{bound: row[bound]},
            ).order_by("id").values_list("id", flat=True))
            clashes.append(f"plans {ids} (scope unit {row['scope_unit_id']}, kind {row['kind']}, "
                           f"{bound} {row[bound]})")
    if clashes:
        raise RuntimeError(
            "One plan per scope unit, kind and period: these plans share a slot; keep one of each and "
            "remove or re-date the others, then migrate again: " + "; ".join(clashes)
        )


class Migration(migrations.Migration):

    dependencies = [
        ("planning", "0004_visits_done_only_when_submitted"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop),
    ]

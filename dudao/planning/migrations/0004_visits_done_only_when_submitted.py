"""A visit is done only when its inspection is submitted. Visits an earlier version marked done as
soon as a (still draft) inspection was started go back to planned; a visit whose inspection was
submitted stays done. Irreversible in substance (the wrong state is not restored): reversing does
nothing."""

from django.db import migrations

COUNTING = ("submitted", "acknowledged")


def reopen_visits_of_draft_inspections(apps, schema_editor):
    Visit = apps.get_model("planning", "Visit")
    Inspection = apps.get_model("inspections", "Inspection")
    submitted = Inspection.objects.filter(visit__isnull=False, status__in=COUNTING).values("visit_id")
    Visit.objects.filter(status="done").exclude(pk__in=submitted).update(status="planned", done_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ("planning", "0003_add_period_indexes"),
        ("inspections", "0003_add_period_indexes"),
    ]

    operations = [
        migrations.RunPython(reopen_visits_of_draft_inspections, migrations.RunPython.noop),
    ]

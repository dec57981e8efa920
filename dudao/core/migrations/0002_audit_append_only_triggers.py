from django.db import migrations


def install(apps, schema_editor):
    from dudao.core import db_triggers

    db_triggers.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from dudao.core import db_triggers

    db_triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]

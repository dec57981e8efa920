from django.db import migrations


def sign_and_guard(apps, schema_editor):
    """MAC every event already in the log and the head (the triggers are lifted for it), then guard
    the head row with triggers of its own."""
    from dudao.core import db_triggers
    from dudao.core.audit import audit_key, event_mac, head_mac

    connection = schema_editor.connection
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    db_triggers.uninstall(connection, head=True)
    if AuditEvent.objects.exists():
        key = audit_key()
        batch = []
        for event in AuditEvent.objects.only("pk", "hash").iterator(chunk_size=2000):
            event.mac = event_mac(event.hash, key)
            batch.append(event)
            if len(batch) >= 2000:
                AuditEvent.objects.bulk_update(batch, ["mac"])
                batch = []
        AuditEvent.objects.bulk_update(batch, ["mac"])
        for head in AuditChainHead.objects.all():
            head.mac = head_mac(head.seq, head.hash, key)
            head.save(update_fields=["mac"])
    db_triggers.install(connection, head=True)


def unguard(apps, schema_editor):
    from dudao.core import db_triggers

    db_triggers.uninstall(schema_editor.connection, tables=[], head=True)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_anchor")]

    operations = [migrations.RunPython(sign_and_guard, unguard, elidable=False)]

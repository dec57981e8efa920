"""The audit chain: appended in the writer's transaction, refused UPDATE/DELETE, verified end to end."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from dudao.core import db_triggers
from dudao.core.audit import _json_default, record_event, record_events, to_json_value, verify_chain
from dudao.core.errors import ApplicationError
from dudao.core.models import AuditChainHead, AuditEvent
from dudao.org import services
from dudao.org.choices import UnitKind


def tamper(sql: str, params=()) -> None:
    """Change the log the way someone with database access would: lift the triggers, edit, put back."""
    db_triggers.uninstall(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        db_triggers.install(connection)


def test_services_write_events_with_actor_and_before_after(world):
    admin = world.person("admin")
    unit = services.unit_update(actor=admin, unit=world.unit("store1"), name="新名")
    event = AuditEvent.objects.get(action="unit.update", object_id=str(unit.pk))
    assert event.actor_id == admin.pk and event.actor_name == "管理员"
    assert event.organization_id == world.org.pk
    assert event.object_type == "org.unit"
    assert event.before["name"] == "南京西路店" and event.after["name"] == "新名"


def test_a_failed_change_leaves_no_event(world):
    admin = world.person("admin")
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError):
        services.unit_create(actor=admin, parent=world.unit("east"), code="S1", name="重复", kind=UnitKind.STORE)
    assert AuditEvent.objects.count() == before


def test_event_rolls_back_with_its_transaction(world):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(actor=None, action="test.event", obj=("test.thing", 1), after={"x": 1})
        raise RuntimeError
    assert AuditEvent.objects.count() == before
    assert verify_chain().ok


def test_update_and_delete_are_refused_by_the_database(world):
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.action != "tampered"


VALUES = [
    {"value": Decimal("1234.5000"), "on": dt.date(2026, 11, 30), "at": dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC),
     "time": dt.time(9, 15), "id": uuid.UUID(int=7), "nested": [{"a": None, "b": True, "c": 3}, "二"]},
    {"tuple": (1, 2), "float": 0.1, "set": {"b", "a"}, 3: "int key"},
    [Decimal("-0.5"), dt.datetime(2026, 12, 1, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))],
    "text", 12, None,
]


@pytest.mark.parametrize("value", VALUES)
def test_a_recorded_value_is_its_json_round_trip(value):
    expected = None if value is None else json.loads(json.dumps(value, default=_json_default, ensure_ascii=False))
    assert to_json_value(value) == expected


def test_events_recorded_in_bulk_chain_and_verify(world):
    admin, unit = world.person("admin"), world.unit("store1")
    before = AuditEvent.objects.count()
    appended = record_events(actor=admin, action="unit.touch", objects=[unit, ("org.unit", 999)],
                             after=[{"value": Decimal("1.50")}, {"on": dt.date(2026, 12, 6)}],
                             before=[None, {"n": 1}], organization_id=admin.organization_id)
    assert appended == 2 and AuditEvent.objects.count() == before + 2
    first, second = AuditEvent.objects.filter(action="unit.touch").order_by("seq")
    assert (first.object_id, first.after, first.before) == (str(unit.pk), {"value": "1.50"}, None)
    assert (second.object_type, second.object_id, second.after, second.before) == (
        "org.unit", "999", {"on": "2026-12-06"}, {"n": 1})
    assert second.prev_hash == first.hash and AuditChainHead.objects.get().hash == second.hash
    assert verify_chain().ok


def test_intact_chain_verifies(world, capsys):
    call_command("dudao_verify_audit")
    assert "intact" in capsys.readouterr().out
    assert verify_chain().checked == AuditEvent.objects.count() > 20


def test_altered_event_is_named(world):
    target = AuditEvent.objects.order_by("seq")[10]
    tamper("UPDATE core_auditevent SET after = %s WHERE id = %s", ['{"name": "forged"}', target.pk])
    with pytest.raises(CommandError, match=f"#{target.seq}"):
        call_command("dudao_verify_audit")
    assert verify_chain().bad_seq == target.seq


def test_removed_event_is_named(world):
    target = AuditEvent.objects.order_by("seq")[5]
    tamper("DELETE FROM core_auditevent WHERE id = %s", [target.pk])
    report = verify_chain()
    assert not report.ok and report.bad_seq == target.seq
    with pytest.raises(CommandError, match=f"#{target.seq}"):
        call_command("dudao_verify_audit")


def test_removed_last_event_is_noticed(world):
    last = AuditEvent.objects.order_by("-seq").first()
    tamper("DELETE FROM core_auditevent WHERE id = %s", [last.pk])
    report = verify_chain()
    assert not report.ok and report.bad_seq == last.seq


def test_inserted_event_is_named(world):
    events = list(AuditEvent.objects.order_by("seq")[:4])
    forged_seq = events[3].seq
    # Shift the tail to make room, then insert a forged event that copies a real link.
    tamper("UPDATE core_auditevent SET seq = seq + 1000000 WHERE seq >= %s", [forged_seq])
    tamper("UPDATE core_auditevent SET seq = seq - 1000000 + 1 WHERE seq >= 1000000")
    tamper(
        "INSERT INTO core_auditevent (seq, organization_id, actor_id, actor_name, at, object_type, object_id,"
        " action, before, after, prev_hash, hash) VALUES (%s, NULL, NULL, '', %s, 'x', '1', 'forged', NULL,"
        " NULL, %s, %s)",
        [forged_seq, events[2].at, events[2].hash, "f" * 64],
    )
    report = verify_chain()
    assert not report.ok and report.bad_seq == forged_seq


def test_appended_event_after_the_head_is_noticed(world):
    last = AuditEvent.objects.order_by("-seq").first()
    head = AuditChainHead.objects.get()
    tamper(
        "INSERT INTO core_auditevent (seq, organization_id, actor_id, actor_name, at, object_type, object_id,"
        " action, before, after, prev_hash, hash) VALUES (%s, NULL, NULL, '', %s, 'x', '1', 'forged', NULL,"
        " NULL, %s, %s)",
        [last.seq + 1, last.at, head.hash, "e" * 64],
    )
    report = verify_chain()
    assert not report.ok and report.bad_seq == last.seq + 1

"""The anchored audit chain: MACs under a key kept outside the database, a guarded head row, and
signed anchors outside the database. Tampering is done the way someone with database access would:
raw SQL, triggers dropped, chain recomputed with the public algorithm but without the key."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from dudao.core import db_triggers, jobs
from dudao.core.audit import (
    GENESIS_HASH,
    _event_hash,
    _hashed,
    audit_key,
    event_mac,
    head_mac,
    record_event,
    record_events,
    verify_chain,
)
from dudao.core.audit_anchors import anchor_dir, check_anchors, read_anchors, write_anchors
from dudao.core.models import AuditChainHead, AuditEvent, JobRun


@pytest.fixture(autouse=True)
def anchors_in(tmp_path, settings):
    settings.DUDAO_ANCHOR_DIR = str(tmp_path / "anchors")
    return tmp_path / "anchors"


def drop_triggers_raw() -> None:
    """What an intruder types: the triggers' names are in the schema for anyone to read."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in ("core_auditevent_no_update", "core_auditevent_no_delete",
                         "core_auditchainhead_no_delete", "core_auditchainhead_genesis_only",
                         "core_auditchainhead_forward_only"):
                cursor.execute(f"DROP TRIGGER {name}")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_append_only ON core_auditevent")
            cursor.execute("DROP TRIGGER core_auditchainhead_guard ON core_auditchainhead")


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def add_events(n: int, org_id: int | None = None) -> None:
    for i in range(n):
        record_event(actor=None, action="test.touch", obj=("test.thing", i), after={"i": i},
                     organization_id=org_id)


def verify_problems(*args) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("dudao_verify_audit", *args)
    return str(caught.value)


def truncate_and_move_head(keep_seq: int) -> None:
    """Delete every event after `keep_seq` and point the head at it: the two statements of the attack."""
    kept = AuditEvent.objects.get(seq=keep_seq)
    raw("DELETE FROM core_auditevent WHERE seq > %s", [keep_seq])
    raw("UPDATE core_auditchainhead SET seq = %s, hash = %s WHERE id = 1", [keep_seq, kept.hash])


def recompute_chain_from(seq: int, key: bytes | None) -> None:
    """Rewrite every event from `seq` on with the plain hash, MACs under `key` (None: left as they were)."""
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS_HASH
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        new_hash = _event_hash(prev, _hashed(event))
        mac = event_mac(new_hash, key) if key else event.mac
        raw("UPDATE core_auditevent SET prev_hash = %s, hash = %s, mac = %s WHERE id = %s",
            [prev, new_hash, mac, event.pk])
        prev = new_hash
    last = AuditEvent.objects.order_by("-seq").first()
    head_mac_value = head_mac(last.seq, prev, key) if key else AuditChainHead.objects.get().mac
    raw("UPDATE core_auditchainhead SET seq = %s, hash = %s, mac = %s WHERE id = 1",
        [last.seq, prev, head_mac_value])


# --- MACs ---------------------------------------------------------------------------------------
def test_every_event_and_the_head_carry_a_mac_under_the_key(world):
    admin = world.person("admin")
    record_events(actor=admin, action="bulk.touch", objects=[("x.y", 1), ("x.y", 2)], after=[{}, {}],
                  organization_id=admin.organization_id)
    key = audit_key()
    for event in AuditEvent.objects.all():
        assert event.mac == event_mac(event.hash, key)
    head = AuditChainHead.objects.get()
    assert head.mac == head_mac(head.seq, head.hash, key) != event_mac(head.hash, key)
    assert verify_chain().ok


def test_the_key_is_kept_outside_the_database(world, settings):
    key = audit_key()
    assert len(key) >= 32
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                assert not any(isinstance(v, str) and key.decode() in v for v in row), table
    settings.DUDAO_AUDIT_KEY = "another-key-entirely"
    assert audit_key() == b"another-key-entirely"
    report = verify_chain()
    assert not report.ok and report.bad_seq == 1 and "audit key" in report.reason


# --- the head row's triggers --------------------------------------------------------------------
def test_the_head_row_cannot_be_deleted_moved_back_or_pointed_elsewhere(world):
    head = AuditChainHead.objects.get()
    statements = [
        ("DELETE FROM core_auditchainhead", []),
        ("UPDATE core_auditchainhead SET seq = seq - 1", []),
        ("UPDATE core_auditchainhead SET seq = %s, hash = %s",
         [head.seq - 2, AuditEvent.objects.get(seq=head.seq - 2).hash]),
        ("UPDATE core_auditchainhead SET hash = %s", ["f" * 64]),
        ("UPDATE core_auditchainhead SET seq = seq + 1", []),
        ("INSERT INTO core_auditchainhead (id, seq, hash, mac) VALUES (2, 5, %s, '')", ["a" * 64]),
    ]
    for sql, params in statements:
        with pytest.raises(DatabaseError), transaction.atomic():
            raw(sql, params)
    assert AuditChainHead.objects.get() == head and AuditChainHead.objects.count() == 1
    fresh = AuditChainHead.objects.get()
    assert (fresh.seq, fresh.hash, fresh.mac) == (head.seq, head.hash, head.mac)
    # The services still move it forward.
    add_events(1)
    assert AuditChainHead.objects.get().seq == head.seq + 1
    assert verify_chain().ok


def test_the_attack_needs_the_triggers_dropped(world):
    last = AuditEvent.objects.order_by("-seq").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        truncate_and_move_head(last.seq - 3)
    assert AuditEvent.objects.order_by("-seq").first().seq == last.seq


# --- tampering with the triggers dropped ---------------------------------------------------------
def test_newest_events_deleted_and_head_moved_is_caught_by_the_head_mac(world):
    last = AuditEvent.objects.order_by("-seq").first().seq
    drop_triggers_raw()
    truncate_and_move_head(last - 3)
    # The plain chain is consistent now; only the key tells.
    report = verify_chain()
    assert not report.ok and "chain head" in report.reason and f"#{last - 3}" in report.reason
    message = verify_problems("--no-anchors")
    assert "NOT intact" in message and "chain head" in message


def test_the_log_rolled_back_to_an_earlier_genuine_state_is_caught_by_the_anchor(world, anchors_in):
    """The head row copied from an old backup carries a genuine MAC; only the anchor outside knows better."""
    old_head = AuditChainHead.objects.get()
    add_events(4, world.org.pk)
    anchored = write_anchors()
    add_events(2, world.org.pk)
    drop_triggers_raw()
    raw("DELETE FROM core_auditevent WHERE seq > %s", [old_head.seq])
    raw("UPDATE core_auditchainhead SET seq = %s, hash = %s, mac = %s WHERE id = 1",
        [old_head.seq, old_head.hash, old_head.mac])
    assert verify_chain().ok
    message = verify_problems()
    assert "cut back" in message and f"recorded {anchored['seq']} events" in message
    problems = check_anchors(read_anchors()[0])
    assert any(f"recorded {anchored['seq']} events" in p for p in problems)
    assert any(f"event #{anchored['seq']}" in p and "missing" in p for p in problems)
    assert any(f"organisation {world.org.pk}" in p for p in problems)


def test_an_edited_event_with_the_plain_chain_recomputed_is_caught(world):
    target = AuditEvent.objects.order_by("seq")[7]
    drop_triggers_raw()
    raw("UPDATE core_auditevent SET after = %s WHERE id = %s", ['{"name": "forged"}', target.pk])
    recompute_chain_from(target.seq, key=None)
    report = verify_chain()
    assert not report.ok and report.bad_seq == target.seq and "MAC" in report.reason
    message = verify_problems("--no-anchors")
    assert f"#{target.seq}" in message and "without the audit key" in message


def test_a_chain_recomputed_under_a_guessed_key_is_caught(world):
    target = AuditEvent.objects.order_by("seq")[3]
    drop_triggers_raw()
    raw("UPDATE core_auditevent SET actor_name = 'someone else' WHERE id = %s", [target.pk])
    recompute_chain_from(target.seq, key=b"guessed")
    report = verify_chain()
    assert not report.ok and report.bad_seq == target.seq


def test_a_rewritten_chain_contradicts_the_anchors_even_when_the_key_leaked(world):
    """With the key, MACs can be forged; the anchors outside the database still hold the old hashes."""
    anchored = write_anchors()
    drop_triggers_raw()
    target = AuditEvent.objects.order_by("seq")[2]
    raw("UPDATE core_auditevent SET action = 'forged' WHERE id = %s", [target.pk])
    recompute_chain_from(target.seq, key=audit_key())
    assert verify_chain().ok
    message = verify_problems()
    assert f"event #{anchored['seq']} is not the one anchored" in message


def test_events_appended_after_the_anchor_are_fine(world):
    write_anchors()
    add_events(3, world.org.pk)
    write_anchors()
    add_events(2)
    call_command("dudao_verify_audit")


# --- anchors -----------------------------------------------------------------------------------
def test_anchor_command_appends_signed_lines_per_org(world, anchors_in, capsys):
    call_command("dudao_anchor_audit")
    call_command("dudao_anchor_audit")
    assert "anchored event #" in capsys.readouterr().out
    files = list(anchors_in.glob("*.jsonl"))
    assert len(files) == 1
    lines = [json.loads(line) for line in files[0].read_text().splitlines()]
    head = AuditChainHead.objects.get()
    whole = [line for line in lines if line["org"] is None]
    assert len(whole) == 2 and whole[0]["seq"] == head.seq == whole[0]["count"]
    assert whole[0]["hash"] == head.hash
    orgs = {line["org"] for line in lines if line["org"] is not None}
    assert {world.org.pk, world.other_org.pk} <= orgs
    mine = next(line for line in lines if line["org"] == world.org.pk)
    assert mine["count"] == AuditEvent.objects.filter(organization_id=world.org.pk).count()
    assert mine["hash"] == AuditEvent.objects.filter(organization_id=world.org.pk).order_by("-seq")[0].hash
    out = capsys.readouterr()
    call_command("dudao_verify_audit")
    assert f"{len(lines)} anchors hold" in capsys.readouterr().out + out.out


def test_a_forged_or_edited_anchor_line_is_named(world, anchors_in):
    written = write_anchors()
    path = next(anchors_in.glob("*.jsonl"))
    line = json.loads(path.read_text().splitlines()[0])
    line["seq"] = line["count"] = line["seq"] + 50
    with path.open("a") as out:
        out.write(json.dumps(line) + "\n")
        out.write("not json\n")
    message = verify_problems()
    assert "has no valid MAC" in message or "no valid MAC" in message
    problems = check_anchors(read_anchors()[0])
    forged = written["anchors"] + 1
    assert problems == [f"anchor at {path} line {forged} has no valid MAC (forged, edited, or another key)"]
    assert read_anchors()[1] == [f"{path} line {forged + 1} is not an anchor"]


def test_the_periodic_job_writes_an_anchor_once_per_slot(world, anchors_in):
    assert "anchor_audit_chain" in jobs.REGISTRY
    now = dt.datetime(2026, 12, 6, 3, 17, tzinfo=dt.UTC)
    result = jobs.run_job(jobs.REGISTRY["anchor_audit_chain"], now)
    assert result["seq"] == AuditChainHead.objects.get().seq
    assert jobs.run_job(jobs.REGISTRY["anchor_audit_chain"], now) is None
    assert JobRun.objects.filter(job="anchor_audit_chain").count() == 1
    lines = next(anchors_in.glob("*.jsonl")).read_text().splitlines()
    assert json.loads(lines[0])["at"].startswith("2026-12-06T03:17")


def test_record_events_costs_no_query_per_event(world, django_assert_num_queries):
    # The head lock, one INSERT batch, the head update (no savepoint of its own inside a caller's
    # transaction): the same for 2 events as for 60 (MACs are computed, not queried).
    for size in (2, 60):
        with django_assert_num_queries(3):
            record_events(actor=None, action="bulk", objects=[("x.y", i) for i in range(size)],
                          after=[{}] * size)
    with django_assert_num_queries(3):
        record_event(actor=None, action="one", obj=("x.y", 1))
    assert verify_chain().ok


def test_triggers_reinstalled_by_the_helper_guard_the_head_again(world):
    db_triggers.uninstall(connection)
    db_triggers.install(connection)
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("DELETE FROM core_auditchainhead")
    assert anchor_dir().name == "anchors"

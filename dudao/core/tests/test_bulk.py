"""bulk_insert writes exactly the rows bulk_create writes, and sets the new ids on the objects."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.core.bulk import bulk_insert, insert_rows
from dudao.core.models import AuditEvent

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)


def _events(start: int, count: int, tag: str) -> list[AuditEvent]:
    return [AuditEvent(seq=start + n, organization_id=None, actor_id=None, actor_name="导入人", at=AT,
                       object_type="appraisal.kpivalue", object_id=str(n), action="kpi_value.create",
                       before=None if n % 2 else {"value": "1.5000", "nested": [1, "二", None]},
                       after={"value": f"{n}.25", "source": "POS"}, prev_hash=f"{n:064d}", hash=f"{tag}{n:063d}")
            for n in range(count)]


def _rows(events) -> list[tuple]:
    ids = [event.pk for event in events]
    fields = [f.attname for f in AuditEvent._meta.concrete_fields if f.attname not in ("id", "seq", "hash")]
    return list(AuditEvent.objects.filter(pk__in=ids).order_by("seq").values_list(*fields))


def test_it_writes_what_bulk_create_writes_and_sets_the_ids():
    by_django = AuditEvent.objects.bulk_create(_events(1, 250, "a"))
    ours = bulk_insert(AuditEvent, _events(10_001, 250, "b"), batch_size=100)
    assert all(event.pk is not None and not event._state.adding for event in ours)
    assert len({event.pk for event in ours}) == 250
    assert [AuditEvent.objects.get(pk=event.pk).object_id for event in ours[:3]] == ["0", "1", "2"]
    assert _rows(ours) == _rows(by_django)


def test_nothing_to_insert_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk_insert(AuditEvent, []) == []


def _row(event: AuditEvent) -> dict:
    return {f.attname: getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields if f.attname != "id"}


def test_insert_rows_writes_what_bulk_create_writes_and_returns_the_ids_in_order():
    by_django = AuditEvent.objects.bulk_create(_events(1, 250, "a"))
    ids = insert_rows(AuditEvent, [_row(event) for event in _events(10_001, 250, "b")], batch_size=100)
    assert len(set(ids)) == 250
    assert [AuditEvent.objects.get(pk=pk).object_id for pk in ids[:3]] == ["0", "1", "2"]
    ours = AuditEvent.objects.filter(pk__in=ids)
    assert _rows(ours) == _rows(by_django)


def test_insert_rows_gives_a_left_out_field_its_default_and_refuses_an_unknown_one():
    row = _row(_events(1, 1, "c")[0])
    del row["before"]  # null=True, no default: NULL
    [pk] = insert_rows(AuditEvent, [row])
    assert AuditEvent.objects.get(pk=pk).before is None
    with pytest.raises(TypeError, match="colour"):
        insert_rows(AuditEvent, [{**row, "colour": "red"}])
    assert AuditEvent.objects.count() == 1

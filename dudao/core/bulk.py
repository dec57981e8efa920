"""Inserting many rows of one model: what `QuerySet.bulk_create` writes, a few times faster.

`bulk_create` builds its SQL value by value through the query compiler (about twelve calls per
field per row); for the 100,000 figures of one import and their 100,000 audit events that is most
of the import's time. Two ways in, one writer:

- `bulk_insert(model, objs)` writes new instances, every concrete field but the auto primary key,
  each value from the field's own `pre_save`, and sets the new ids on the objects as `bulk_create`
  does;
- `insert_rows(model, rows)` writes plain dicts (attname -> value) without building an instance per
  row (a model's `__init__` costs as much as preparing its values); a field a row leaves out takes
  its default, or the moment of the call for `auto_now`/`auto_now_add`; it returns the new ids.

Both prepare each value with the field's `get_db_prep_save` (computed once per distinct value: a file
repeats its organisation, period, source, actor and timestamp on every row), in batches the backend
accepts, `INSERT ... RETURNING` the new ids. A model or backend this does not cover (inheritance, a
primary key already set, a field with its own SQL placeholder, no RETURNING) goes through
`bulk_create`. Like `bulk_create`, nothing sends signals or calls `save()`; related objects must be
saved.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import operator
from collections.abc import Callable, Mapping, Sequence

from django.db import connections, models, router
from django.utils import timezone

# Values whose prepared form depends only on the value: prepared once per (field, value).
_CACHEABLE = (str, int, bool, dt.datetime, dt.date, decimal.Decimal, type(None))
CACHE_LIMIT = 64


def _insert_fields(model: type[models.Model]) -> list[models.Field]:
    pk = model._meta.pk
    return [f for f in model._meta.concrete_fields if not f.generated and f is not pk]


def _fast_path(model: type[models.Model], fields: list[models.Field], using: str) -> bool:
    return not (model._meta.parents or not isinstance(model._meta.pk, models.AutoField)
                or not connections[using].features.can_return_rows_from_bulk_insert
                or any(hasattr(f, "get_placeholder") for f in fields))


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model], *, batch_size: int = 2000
                ) -> list[models.Model]:
    """Insert `objs` (new instances of `model`) and set their primary keys; returns them."""
    objs = list(objs)
    if not objs:
        return objs
    using = router.db_for_write(model)
    fields = _insert_fields(model)
    if not _fast_path(model, fields, using) or any(obj.pk is not None for obj in objs):
        return model.objects.bulk_create(objs, batch_size=batch_size)
    # A plain field's pre_save is reading its attribute; only fields that override it (auto_now) are called.
    getters = [operator.attrgetter(f.attname) if type(f).pre_save is models.Field.pre_save
               else functools.partial(_pre_save, f) for f in fields]
    pks = _write(model, fields, using, objs, lambda obj: [getter(obj) for getter in getters], batch_size)
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    return objs


def insert_rows(model: type[models.Model], rows: Sequence[Mapping], *, batch_size: int = 2000) -> list:
    """Insert `rows` (dicts of attname -> value) as new records of `model`; returns their ids in order."""
    if not rows:
        return []
    using = router.db_for_write(model)
    fields = _insert_fields(model)
    now = timezone.now()
    defaults = {f.attname: now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                else f.get_default() for f in fields}
    attnames = [f.attname for f in fields]
    unknown = set().union(*(row.keys() for row in rows[:1])) - set(attnames)
    if unknown:
        raise TypeError(f"{model.__name__} has no column for {sorted(unknown)}")
    if not _fast_path(model, fields, using):
        objs = model.objects.bulk_create([model(**{**defaults, **row}) for row in rows], batch_size=batch_size)
        return [obj.pk for obj in objs]
    return _write(model, fields, using, rows,
                  lambda row: [row[a] if a in row else defaults[a] for a in attnames], batch_size)


def _write(model, fields: list[models.Field], using: str, items: Sequence, raw_values: Callable[[object], list],
           batch_size: int) -> list:
    """INSERT the items in batches (`raw_values(item)` gives each field's Python value in order) and
    return the new primary keys in order."""
    connection = connections[using]
    caches: list[dict | None] = [{} for _ in fields]

    def prepared(item) -> list:
        out = []
        for field, value, cache in zip(fields, raw_values(item), caches, strict=True):
            if cache is None or not isinstance(value, _CACHEABLE):
                out.append(field.get_db_prep_save(value, connection))
                continue
            key = (type(value), str(value) if isinstance(value, decimal.Decimal) else value)
            try:
                out.append(cache[key])
            except KeyError:
                cache[key] = value = field.get_db_prep_save(value, connection)
                out.append(value)
        return out

    def forget_distinct_columns() -> None:
        """After the first batch, stop caching columns whose values hardly repeat (ids, hashes)."""
        for index, cache in enumerate(caches):
            if cache is not None and len(cache) > CACHE_LIMIT:
                caches[index] = None

    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    returning, _params = connection.ops.return_insert_columns([model._meta.pk])
    row_placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(batch_size, connection.ops.bulk_batch_size(fields, items)))
    pks: list = []
    with connection.cursor() as cursor:
        for start in range(0, len(items), size):
            batch = items[start:start + size]
            params = []
            for item in batch:
                params.extend(prepared(item))
            values = ", ".join([row_placeholder] * len(batch))
            cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {values} {returning}",
                           params)
            pks.extend(row[0] for row in cursor.fetchall())
            forget_distinct_columns()
    return pks


def _pre_save(field, obj):
    return field.pre_save(obj, True)

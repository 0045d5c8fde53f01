"""Bulk writing of generated rows straight into a model's table.

PostgreSQL gets ``COPY … FROM STDIN`` (psycopg 3 ``cursor.copy``); other databases get
``executemany`` INSERTs in batches (what ``bulk_create`` does underneath, without its
``auto_now`` stamping, which would overwrite the generated history's timestamps). Rows are plain
tuples in the order of the columns given; every other column gets the field's default once per
table, so a model that gains a column with a default keeps working.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone


class MissingColumn(Exception):
    pass


class RawJSON(str):
    """A JSON column's value already serialised (shared by many rows, dumped once)."""


def _default(field: models.Field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if isinstance(field, (models.CharField, models.TextField)) and field.blank:
        return ""
    raise MissingColumn(f"{field.model.__name__}.{field.attname} needs a generated value")


class Table:
    """One model's table, written with explicit ids so that later tables can point at rows
    without reading them back."""

    def __init__(self, model, columns: Sequence[str], *, now=None):
        self.model = model
        self.name = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise MissingColumn(f"{model.__name__} has no column {unknown}")
        now = now or timezone.now()
        self.columns = list(columns)
        # An id not given is left to the database (its sequence).
        rest = [
            f
            for name, f in fields.items()
            if name not in columns and not (f.primary_key and isinstance(f, models.AutoField))
        ]
        self.columns += [f.attname for f in rest]
        self.tail = tuple(_default(f, now) for f in rest)
        self.fields = [fields[c] for c in self.columns]
        self.db_columns = [f.column for f in self.fields]
        self.json_at = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT COUNT(*) FROM "{self.name}"')
            return cursor.fetchone()[0]

    def write(
        self, rows: Iterable[tuple], *, progress=None, batch: int = 5000, bulk: bool = True
    ) -> int:
        """Write the rows (inside the caller's transaction); returns how many. ``progress(n)``
        is called as rows go out.

        On PostgreSQL with ``bulk`` the table's secondary indexes are dropped and built again
        after the COPY (one sort per index instead of a million inserts into each), and foreign
        keys are checked with one anti-join per key instead of a trigger per row. It all happens
        in the caller's transaction: on any error the indexes are back as they were."""
        tail, json_at, written = self.tail, self.json_at, 0
        cols = ", ".join(f'"{c}"' for c in self.db_columns)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                rebuild = _drop_secondary_indexes(cursor, self.name) if bulk else []
                if bulk:
                    # Foreign keys are checked set-based below instead of row by row.
                    cursor.execute("SET LOCAL session_replication_role = replica")
                raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
                with raw.copy(f'COPY "{self.name}" ({cols}) FROM STDIN') as copy:
                    for row in rows:
                        full = row + tail
                        if json_at:
                            full = list(full)
                            for i in json_at:
                                if not isinstance(full[i], RawJSON):
                                    full[i] = json.dumps(full[i])
                        copy.write_row(full)
                        written += 1
                        if progress and written % batch == 0:
                            progress(batch)
                if bulk:
                    cursor.execute("SET LOCAL session_replication_role = origin")
                    for sql in rebuild:
                        cursor.execute(sql)
                    self.check_foreign_keys(cursor)
            if progress:
                progress(written % batch)
            return written
        # SQLite and the others: batched executemany with the backend's own value adaptation.
        marks = ", ".join(["%s"] * len(self.columns))
        sql = f'INSERT INTO "{self.name}" ({cols}) VALUES ({marks})'
        preps = [
            (i, f)
            for i, f in enumerate(self.fields)
            if isinstance(f, (models.DateTimeField, models.DecimalField, models.JSONField))
        ]
        chunk: list = []
        with connection.cursor() as cursor:
            for row in rows:
                full = list(row + tail)
                for i, f in preps:
                    if isinstance(full[i], RawJSON):
                        full[i] = str(full[i])
                    elif full[i] is not None:
                        full[i] = f.get_db_prep_save(full[i], connection)
                chunk.append(full)
                if len(chunk) >= batch:
                    cursor.executemany(sql, chunk)
                    written += len(chunk)
                    if progress:
                        progress(len(chunk))
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)
                written += len(chunk)
                if progress:
                    progress(len(chunk))
        return written

    def check_foreign_keys(self, cursor) -> None:
        for f in self.fields:
            if not (f.is_relation and (f.many_to_one or f.one_to_one)):
                continue
            parent = f.related_model._meta
            target = parent.get_field(f.target_field.name).column
            cursor.execute(
                f'SELECT c."{f.column}" FROM "{self.name}" c WHERE c."{f.column}" IS NOT NULL '
                f'AND NOT EXISTS (SELECT 1 FROM "{parent.db_table}" p '
                f'WHERE p."{target}" = c."{f.column}") LIMIT 1'
            )
            orphan = cursor.fetchone()
            if orphan:
                raise MissingColumn(
                    f"{self.model.__name__}.{f.attname} = {orphan[0]} points at no "
                    f"{parent.object_name}"
                )


def _drop_secondary_indexes(cursor, table: str) -> list[str]:
    """Drop the indexes that back no constraint; return the statements that rebuild them."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = %s
          AND i.indexname NOT IN (
            SELECT c.conindid::regclass::text FROM pg_constraint c
            WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u', 'x'))
        """,
        [table, f'"{table}"'],
    )
    found = cursor.fetchall()
    for name, _sql in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def reset_sequences(models_: Sequence) -> None:
    """After writing explicit ids, let the database's own ids continue above them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def truncate(models_: Sequence) -> None:
    """Empty the generated tables (children first on databases without TRUNCATE … CASCADE)."""
    names = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"
            )
        else:
            # Rows point at each other both ways (a team's leader, a lead's duplicate): the
            # checks are off while everything goes (SQLite takes this outside a transaction).
            cursor.execute("PRAGMA foreign_keys = OFF")
            try:
                for name in reversed(names):
                    cursor.execute(f'DELETE FROM "{name}"')
            finally:
                cursor.execute("PRAGMA foreign_keys = ON")

"""Fast raw inserts behind the peewee proxy: one transaction, indexes rebuilt at the end.

During the load, secondary indexes of the loaded tables are dropped and re-created
from their own stored definitions afterwards (a sort-based build is much faster than
a million random B-tree inserts). If ``crm_tui.db.search.rebuild_index`` exists, the
tables' search-index triggers are also dropped (SQLite) or disabled (PostgreSQL) and the
index is rebuilt once at the end; without it the triggers stay and fire row by row.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from peewee import Model, SqliteDatabase

from crm_tui.db import involvement, search
from crm_tui.db.database import db

SQLITE_LOAD_PRAGMAS = ("PRAGMA foreign_keys = OFF", "PRAGMA journal_mode = MEMORY",
                       "PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144",
                       "PRAGMA temp_store = MEMORY")
SQLITE_RESTORE_PRAGMAS = ("PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                          "PRAGMA foreign_keys = ON")
PG_INDEXES = """
SELECT i.relname, pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema() AND t.relname = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
"""
PG_USER_TRIGGERS = """
SELECT DISTINCT t.relname FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema() AND t.relname = ANY(%s) AND NOT g.tgisinternal
"""


def _copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))
    return str(value)  # numbers, Decimal, date, datetime (ISO with a space)


def rebuild_available() -> bool:
    """True if the search module can refill its index after a raw load."""
    return callable(getattr(search, "rebuild_index", None))


class BulkLoader:
    """Inserts rows with explicit ids through the bare driver, inside one transaction."""

    def __init__(self, models: Sequence[type[Model]],
                 progress: Callable[[str], None] = lambda _: None) -> None:
        self.models = list(models)
        self.tables = [m._meta.table_name for m in self.models]  # type: ignore[attr-defined]
        self.sqlite = isinstance(db.obj, SqliteDatabase)
        self.progress = progress
        self.cursor: Any = None
        self._indexes: list[tuple[str, str]] = []
        self._triggers: list[tuple[str, str]] = []
        self._pg_trigger_tables: list[str] = []
        self._replica = False

    @contextlib.contextmanager
    def session(self) -> Iterator[BulkLoader]:
        """Open the load: pragmas, one transaction, indexes out; on exit put it all back."""
        with db.connection_context():
            if self.sqlite:
                for pragma in SQLITE_LOAD_PRAGMAS:
                    db.execute_sql(pragma)
            try:
                with db.atomic():
                    self.cursor = db.cursor()
                    self._prepare()
                    yield self
                    self._restore()
            finally:
                if self.sqlite:
                    for pragma in SQLITE_RESTORE_PRAGMAS:
                        db.execute_sql(pragma)
            if not self.sqlite:
                self.progress("analyzing")
                derived = ["involvement"] if self._pg_trigger_tables else []
                db.execute_sql("VACUUM ANALYZE " + ", ".join(
                    f'"{t}"' for t in [*self.tables, *derived]))

    def insert(self, model: type[Model], fields: Sequence[str],
               rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (values in the order of the peewee field names ``fields``)."""
        if not rows:
            return
        meta = model._meta  # type: ignore[attr-defined]
        columns = ", ".join(f'"{meta.fields[f].column_name}"' for f in fields)
        table = meta.table_name
        if self.sqlite:
            marks = ", ".join("?" * len(fields))
            self.cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows)
        else:
            text = io.StringIO("".join("\t".join(map(_copy_text, row)) + "\n" for row in rows))
            self.cursor.copy_expert(f'COPY "{table}" ({columns}) FROM STDIN', text)

    # before and after ------------------------------------------------------------

    def _prepare(self) -> None:
        rebuild = rebuild_available()
        if self.sqlite:
            marks = ", ".join("?" * len(self.tables))
            self._indexes = db.execute_sql(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks})", self.tables).fetchall()
            if rebuild:
                self._triggers = db.execute_sql(
                    f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    f"AND tbl_name IN ({marks})", self.tables).fetchall()
            for name, _ in self._indexes:
                db.execute_sql(f'DROP INDEX "{name}"')
            for name, _ in self._triggers:
                db.execute_sql(f'DROP TRIGGER "{name}"')
        else:
            db.execute_sql("SET LOCAL maintenance_work_mem = '512MB'")
            self._indexes = db.execute_sql(PG_INDEXES, (self.tables,)).fetchall()
            user_triggers = [r[0] for r in db.execute_sql(PG_USER_TRIGGERS, (self.tables,))]
            if rebuild:
                self._pg_trigger_tables = user_triggers
                for table in user_triggers:
                    db.execute_sql(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            if rebuild or not user_triggers:
                self._skip_foreign_key_checks()
            for name, _ in self._indexes:
                db.execute_sql(f'DROP INDEX "{name}"')
        self.progress(f"dropped {len(self._indexes)} indexes and {len(self._triggers)} "
                      "triggers for the load")

    def _skip_foreign_key_checks(self) -> None:
        """PostgreSQL: no per-row foreign-key triggers during the load (superuser only)."""
        try:
            with db.atomic():  # a savepoint: a refusal must not abort the load
                db.execute_sql("SET LOCAL session_replication_role = replica")
            self._replica = True
        except Exception as exc:  # noqa: BLE001 - only slower without it
            self.progress(f"foreign keys are checked row by row ({exc.__class__.__name__})")

    def _restore(self) -> None:
        self.progress(f"re-creating {len(self._indexes)} indexes")
        if self._replica:
            db.execute_sql("SET LOCAL session_replication_role = origin")
        for _, sql in self._indexes:
            db.execute_sql(sql)
        for _, sql in self._triggers:
            db.execute_sql(sql)
        for table in self._pg_trigger_tables:
            db.execute_sql(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
        if rebuild_available():
            self.progress("rebuilding the search index")
            search.rebuild_index()
        if self._triggers or self._pg_trigger_tables:
            self.progress("rebuilding who is involved in which order")
            involvement.rebuild()
        if not self.sqlite:
            for table in self.tables:
                db.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{table}"), 1), '
                    f'(SELECT MAX(id) FROM "{table}") IS NOT NULL)')

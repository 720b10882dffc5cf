"""Any-part search over the folded ``search_text`` columns, backed by an index.

SQLite: an FTS5 table with the trigram tokenizer per searchable table, kept in step
by triggers on every insert, update and delete (imports and bulk loads included);
a quoted phrase MATCH is a substring match. PostgreSQL: pg_trgm GIN indexes serve
``LIKE '%term%'`` directly. Queries shorter than three characters cannot use
trigrams and fall back to a LIKE scan (in name order, so LIMIT stops early).
"""

from __future__ import annotations

import logging

from peewee import SQL, Expression, Field, Model, NodeList

from crm_tui.db.database import db, is_sqlite

log = logging.getLogger(__name__)

INDEXED_TABLES = ("customer", "facility", "service_object", "contact_order")
MIN_TRIGRAM = 3


def like_pattern(folded: str) -> str:
    """'%text%' with the user's own % and _ escaped."""
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(field: Field, folded: str) -> NodeList:
    """field LIKE '%folded%' ESCAPE '\\' (the field holds folded text)."""
    return NodeList((field, SQL("LIKE"), like_pattern(folded), SQL("ESCAPE '\\'")))


def _phrase(folded: str) -> str:
    return '"' + folded.replace('"', '""') + '"'


COMMON = 2000


def matches(model: type[Model], folded: str, *, ordered: bool = False) -> Expression:
    """Rows of ``model`` whose search_text contains ``folded``, through the index.

    With ``ordered`` (a listing that walks an index in order with a LIMIT: registers by
    name, the order list by date), a very common term is better served by testing each
    row as the walk goes, which stops after a page, than by collecting thousands of
    index matches first; one cheap probe of the index decides.
    """
    field = model._meta.fields["search_text"]
    if is_sqlite() and len(folded) >= MIN_TRIGRAM:
        table = model._meta.table_name
        fts = f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ?"
        if ordered:
            probe = db.execute_sql(f"SELECT count(*) FROM ({fts} LIMIT {COMMON})",
                                   (_phrase(folded),)).fetchone()[0]
            if probe >= COMMON:
                return contains(field, folded)
        return model._meta.primary_key.in_(SQL(f"({fts})", [_phrase(folded)]))
    return contains(field, folded)


def _sqlite_install(table: str) -> list[str]:
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(search_text, content='{table}', "
        f"content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, "
        f"old.search_text); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, "
        f"old.search_text); INSERT INTO {fts}(rowid, search_text) VALUES (new.id, "
        f"new.search_text); END",
    ]


def install() -> None:
    """Create the search index structures (idempotent) and fill them from the tables."""
    if is_sqlite():
        for table in INDEXED_TABLES:
            for statement in _sqlite_install(table):
                db.execute_sql(statement)
        rebuild_index()
        return
    try:
        with db.atomic():
            db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # noqa: BLE001 - search still works, only slower
        log.warning("pg_trgm is not available (%s); search will scan", exc)
        return
    for table in INDEXED_TABLES:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_search_trgm ON "{table}" '
                       "USING gin (search_text gin_trgm_ops)")


def rebuild_index() -> None:
    """Refill the SQLite FTS tables from their content tables (after a raw bulk load)."""
    if is_sqlite():
        for table in INDEXED_TABLES:
            db.execute_sql(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")

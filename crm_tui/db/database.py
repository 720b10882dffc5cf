"""The database proxy, connecting by URL, and SQLite pragmas."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from peewee import (
    SQL,
    AutoField,
    BigAutoField,
    BigIntegerField,
    CharField,
    Database,
    DatabaseProxy,
    DateField,
    DateTimeField,
    Expression,
    Field,
    ForeignKeyField,
    IntegerField,
    NodeList,
    SelectQuery,
    SqliteDatabase,
    TextField,
)
from playhouse.db_url import parse as parse_url
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

from crm_tui.domain.errors import CrmError

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
    "cache_size": -16_000,  # 16 MB page cache per pooled connection
    "temp_store": "memory",
    # No mmap: it made random row reads ~40% faster, but every mapped page a walk
    # touches counts in the process's RSS (219 MB after a few register searches at a
    # million orders, against a 150 MB budget).
}
# Connections are pooled: a service call borrows one and gives it back, so caches stay
# warm and nothing is opened per call. Threads (UI workers) share the pool.
POOL = {"max_connections": 64, "stale_timeout": 600, "timeout": 30}

_lock = threading.Lock()
_current_url: str | None = None
_generation = 0


class DatabaseConfigError(CrmError):
    """The database URL cannot be used."""


def sqlite_url(path: Path | str) -> str:
    """A sqlite:/// URL for a filesystem path."""
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def sqlite_file(url: str) -> Path | None:
    """The file of a sqlite:/// URL (None for another kind of database)."""
    parsed = urlparse(url)
    if parsed.scheme.split("+")[0] != "sqlite":
        return None
    raw = parsed.path if not parsed.netloc else parsed.netloc + parsed.path
    if raw.startswith("//"):  # sqlite:////abs/path: one slash, as it is shown
        raw = "/" + raw.lstrip("/")
    return Path(raw)


def open_database(url: str) -> Database:
    """Build (not yet connect) a peewee Database for a URL."""
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    if scheme == "sqlite":
        if url.rstrip("/") in ("sqlite:", "sqlite:/", "sqlite://") or ":memory:" in url:
            raise DatabaseConfigError(
                "An in-memory SQLite database is not supported: give a file, "
                "e.g. sqlite:///crm.db"
            )
        path = sqlite_file(url)
        assert path is not None
        if not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        return PooledSqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                                    autoconnect=True, **POOL)
    if scheme in ("postgres", "postgresql"):
        params = parse_url(url)
        # Interactive queries read tens of rows: starting parallel workers costs more
        # (~5 ms) than they save. A URL's own ?options=... replaces this.
        params.setdefault("options", "-c max_parallel_workers_per_gather=0")
        return PooledPostgresqlDatabase(params.pop("database"), **params, **POOL)
    raise DatabaseConfigError(
        f"Unsupported database URL '{url}': use sqlite:///path or postgresql://..."
    )


def init_database(url: str) -> Database:
    """Point the global proxy at the database behind ``url`` (idempotent per URL)."""
    global _current_url, _generation
    with _lock:
        if _current_url == url and db.obj is not None:
            return db.obj
        if db.obj is not None:
            _close_all(db.obj)
        database = open_database(url)
        db.initialize(database)
        _current_url = url
        _generation += 1
        return database


def current_url() -> str | None:
    """The URL the proxy points at (None before init_database)."""
    return _current_url


def generation() -> int:
    """Increases each time the proxy is pointed at a database (keys caches)."""
    return _generation


def refused_privilege(exc: Exception) -> bool:
    """Whether ``exc`` (peewee's) is PostgreSQL refusing the role a privilege (42501)."""
    return getattr(getattr(exc, "orig", None), "pgcode", None) == "42501"


def is_sqlite() -> bool:
    """True when the proxy points at SQLite."""
    return isinstance(db.obj, SqliteDatabase)


def _close_all(database: Database) -> None:
    if not database.is_closed():
        database.close()
    close_all = getattr(database, "close_all", None)
    if callable(close_all):
        close_all()


def close_database() -> None:
    """Close every pooled connection (tests, switching databases, exit)."""
    if db.obj is not None:
        _close_all(db.obj)


def in_ids(field: Field, ids: Sequence[int]) -> Expression | NodeList:
    """``field IN ids`` with the ids as one JSON or array parameter: a bound value per id
    is slow to build and bind (15 ms of SQL building for a card's 500 orders)."""
    test, params = _in_ids_test(ids)
    return NodeList((field, SQL(test, params)))


def ids_sql(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """:func:`in_ids` written out, for a statement written as SQL text: the test of
    ``column`` (as named in that text) and its parameters."""
    test, params = _in_ids_test(ids)
    return f"{column} {test}", params


def _in_ids_test(ids: Sequence[int]) -> tuple[str, list[Any]]:
    if is_sqlite():
        return "IN (SELECT value FROM json_each(?))", [json.dumps(list(ids))]
    # One array literal '{1,2,...}' (psycopg2 would send a list as ARRAY[1, 2, ...], an
    # expression per id for the server to parse); IN (SELECT unnest(...)): PostgreSQL
    # hashes the ids, where "= ANY(array)" beside an ORDER BY ... LIMIT walked the name
    # index testing each row against the whole array.
    return ("IN (SELECT unnest(%s::bigint[]))",
            ["{" + ",".join(str(int(i)) for i in ids) + "}"])


# Fields whose python_value gives back what the drivers read (str, int): not converted.
# Exact types: a subclass may convert.
_AS_READ = frozenset((AutoField, BigAutoField, BigIntegerField, CharField, ForeignKeyField,
                      IntegerField, TextField))


def fetch(query: SelectQuery, reads: Sequence[Field | None]) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as tuples, as peewee reads them; ``reads`` names the field
    each column reads (None: an expression, read as the driver gives it), for a select
    list written out as SQL text.

    Read with one fetchall, and only the columns whose field converts what the driver
    reads (dates and times on SQLite, decimals, booleans) go through its python_value:
    peewee's own reading calls a converter per column and a fetch per row, ~15 µs a row
    (a to-do of 218 bookings: 3 ms of its 5).
    """
    sql, params = query.sql()
    rows = db.execute_sql(sql, params).fetchall()
    converters = [(i, convert) for i, field in enumerate(reads)
                  if field is not None and (convert := reader(field)) is not None]
    if not converters or not rows:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for i, convert in converters:
            if values[i] is not None:
                values[i] = convert(values[i])
        out.append(tuple(values))
    return out


def reader(field: Field) -> Callable[[Any], Any] | None:
    """What :func:`fetch` does to a non-null value the driver reads for ``field``
    (None: keeps it as read)."""
    if type(field) in _AS_READ:
        return None
    return _READERS.get(type(field), field.python_value)


_DATE_TIME = DateTimeField()
_DATE = DateField()


def read_datetime(value: Any) -> Any:
    """A DateTimeField's value as the driver reads it (text on SQLite) as peewee's
    python_value gives it; its usual text is read by datetime.fromisoformat at once
    (peewee's checks first cost ~1 µs a value, which a card's 500 orders pay 1,300 times).
    """
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return _DATE_TIME.python_value(value)
    return value


def read_date(value: Any) -> Any:
    """A DateField's value as the driver reads it, as peewee's python_value gives it
    (see :func:`read_datetime`)."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return _DATE.python_value(value)
    return _DATE.python_value(value)


_READERS: dict[type[Field], Callable[[Any], Any]] = {DateTimeField: read_datetime,
                                                      DateField: read_date}

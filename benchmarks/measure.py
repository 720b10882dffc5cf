"""Timing helpers: repeated calls with median and p95, the SQL a service call runs, and
that SQL replayed on the bare driver (sqlite3 / psycopg2) as the floor to compare with."""

from __future__ import annotations

import contextlib
import math
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from peewee import SqliteDatabase

from crm_tui.db.database import db

Statement = tuple[str, Sequence[Any]]
MIN_SAMPLES = 3
SQLITE_APP_PRAGMAS = ("PRAGMA cache_size = -32000", "PRAGMA foreign_keys = 1",
                      "PRAGMA busy_timeout = 10000")


def percentile(samples: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` 0.95 = p95) of ``samples``."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Timing:
    """Milliseconds of repeated calls and the row count of the last one."""

    samples: list[float] = field(default_factory=list)
    rows: int | None = None
    error: str | None = None

    @property
    def median(self) -> float | None:
        """Median in ms (None if nothing ran)."""
        return statistics.median(self.samples) if self.samples else None

    @property
    def p95(self) -> float | None:
        """p95 in ms (None if nothing ran)."""
        return percentile(self.samples, 0.95) if self.samples else None

    def summary(self) -> dict[str, Any]:
        """median_ms, p95_ms, samples, rows (and error, if it failed)."""
        out: dict[str, Any] = {"median_ms": _round(self.median), "p95_ms": _round(self.p95),
                               "samples": len(self.samples), "rows": self.rows}
        if self.error:
            out["error"] = self.error
        return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def time_calls(call: Callable[[], Any], rows: Callable[[Any], int], repeat: int,
               budget_s: float) -> Timing:
    """One warm-up call, then up to ``repeat`` timed calls (fewer once past ``budget_s``)."""
    timing = Timing()
    try:
        result = call()
        deadline = time.perf_counter() + budget_s
        for _ in range(repeat):
            start = time.perf_counter()
            result = call()
            timing.samples.append((time.perf_counter() - start) * 1000)
            if len(timing.samples) >= MIN_SAMPLES and time.perf_counter() > deadline:
                break
        timing.rows = rows(result)
    except Exception as exc:  # noqa: BLE001 - reported in the JSON, the run goes on
        timing.error = f"{type(exc).__name__}: {exc}"
    return timing


@contextlib.contextmanager
def captured_sql() -> Iterator[list[Statement]]:
    """Every statement peewee executes inside the block, with its parameters."""
    statements: list[Statement] = []

    def hook(event: Any) -> None:
        statements.append((event.sql, tuple(event.params or ())))

    hooks = db.obj.query_hooks
    hooks.append(hook)
    try:
        yield statements
    finally:
        hooks.remove(hook)


class BareDriver:
    """A plain driver connection to the database the proxy points at (kept open)."""

    def __init__(self) -> None:
        database = db.obj
        self.sqlite = isinstance(database, SqliteDatabase)
        if self.sqlite:
            self.conn: Any = sqlite3.connect(database.database, isolation_level=None,
                                             check_same_thread=False)
            for pragma in SQLITE_APP_PRAGMAS:
                self.conn.execute(pragma)
        else:
            import psycopg2

            self.conn = psycopg2.connect(dbname=database.database, **database.connect_params)
            self.conn.autocommit = True

    def run(self, statements: Sequence[Statement]) -> int:
        """Execute the statements, fetch every row; returns the rows of the largest result."""
        most = 0
        cursor = self.conn.cursor()
        try:
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description is not None:
                    most = max(most, len(cursor.fetchall()))
        finally:
            cursor.close()
        return most

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of one query (``?`` placeholders on SQLite, ``%s`` on PostgreSQL)."""
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql if self.sqlite else sql.replace("?", "%s"), params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

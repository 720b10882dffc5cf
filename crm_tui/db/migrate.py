"""Create or upgrade the schema; safe when several processes start at once."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from peewee import ProgrammingError
from playhouse.migrations import Runner

from crm_tui.db.database import db, is_sqlite, refused_privilege
from crm_tui.db.models import ALL_MODELS
from crm_tui.domain.errors import PermissionDenied

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
HISTORY_TABLE = "schema_migration"
PG_LOCK_KEY = 727_274_001


@contextlib.contextmanager
def _migration_lock() -> Iterator[None]:
    """Serialise migrations across processes (file lock / advisory lock)."""
    if is_sqlite():
        lock_path = Path(db.obj.database + ".migrate.lock")
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        db.execute_sql("SELECT pg_advisory_lock(%s)", (PG_LOCK_KEY,))
        try:
            yield
        finally:
            db.execute_sql("SELECT pg_advisory_unlock(%s)", (PG_LOCK_KEY,))


def migrate() -> list[str]:
    """Bring the schema up to date; returns the names of migrations applied."""
    with db.connection_context(), _migration_lock():
        runner = Runner(db.obj, directory=str(MIGRATIONS_DIR), table_name=HISTORY_TABLE)
        fresh = not runner.History.table_exists() and not any(
            m.table_exists() for m in ALL_MODELS
        )
        if not fresh:
            waiting = [m.name for m in runner.status() if m.applied is None and m.path]
            if not waiting:
                # Up to date: nothing to write. (runner.up() would CREATE TABLE IF NOT
                # EXISTS its history, which PostgreSQL refuses a role that may not
                # create tables even when the table is there: a role given only rights
                # on the rows could not open the database.)
                return []
            try:
                return runner.up()
            except ProgrammingError as exc:
                if not refused_privilege(exc):
                    raise
                raise PermissionDenied(
                    f"The database needs upgrading ({', '.join(waiting)}), which this "
                    f"database role may not do: run 'crm-tui migrate' as the role that "
                    f"owns the schema") from exc
        # A new database: the tables come from the current models; migrations whose
        # changes the models already hold (IN_MODELS = True) are only recorded, the
        # others (indexes, search structures) run as on any database.
        with db.atomic():
            db.create_tables(ALL_MODELS)
        applied = []
        for migration in runner.migrations():
            module = migration.load()
            applied += runner.up(target=migration.name,
                                 fake=bool(getattr(module, "IN_MODELS", False)))
        return applied


def pending() -> list[str]:
    """Names of migrations not yet applied."""
    with db.connection_context():
        runner = Runner(db.obj, directory=str(MIGRATIONS_DIR), table_name=HISTORY_TABLE)
        return [m.name for m in runner.status() if m.applied is None and m.path]

"""Fixtures: a real SQLite file per test, and a real PostgreSQL server per run.

``db_url`` is a migrated, empty database, parametrized over a SQLite file and the
PostgreSQL server the run starts. Creating and migrating a PostgreSQL database costs
~0.5 s, so one is migrated per run and emptied before each test (TRUNCATE ... RESTART
IDENTITY, then the first-run defaults again), which costs ~0.1 s.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_tui.db.database import close_database, db, sqlite_url
from crm_tui.db.models import ALL_MODELS
from crm_tui.domain.records import Actor
from crm_tui.services import settings, setup, users
from tests import pg

os.environ.setdefault("TZ", "UTC")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pg.PgServer]:
    """One PostgreSQL server for the whole run, or a skip that says why."""
    try:
        server = pg.start()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    yield server
    server.stop()


PG_DBNAME = "crm_test"


@pytest.fixture(scope="session")
def pg_url(pg_server: pg.PgServer) -> str:
    """A PostgreSQL database created and migrated once per run (emptied before each test)."""
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=pg_server.port, user="postgres",
                            dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {PG_DBNAME} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {PG_DBNAME} TEMPLATE template0 ENCODING 'UTF8'")
    conn.close()
    url = pg_server.url(PG_DBNAME)
    setup.open_database(url)
    close_database()
    return url


def _empty_postgres(url: str) -> None:
    """Remove every row and restart the ids: as good as a new, migrated database."""
    setup.open_database(url)  # points the proxy here again; nothing left to migrate
    tables = ", ".join(f'"{m._meta.table_name}"' for m in ALL_MODELS)
    with db.connection_context():
        db.execute_sql("SET lock_timeout = '20s'")  # a leaked transaction fails loudly
        db.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    setup.ensure_defaults()
    settings.clear_cache()  # same URL as the last test: drop its cached settings


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Settings come from the database only: no config file, no CRM_TUI_* overrides;
    the data directory (drafts, the default database) is the test's own."""
    monkeypatch.setenv("CRM_TUI_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("CRM_TUI_DATA_DIR", str(tmp_path / "data"))
    for key in settings.SPECS:
        monkeypatch.delenv(settings.env_name(key), raising=False)
    settings.clear_cache()
    yield
    settings.clear_cache()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "crm.db")
        setup.open_database(url)
    else:
        url = request.getfixturevalue("pg_url")
        _empty_postgres(url)
    yield url
    close_database()
    if db.obj is not None:
        db.obj.close()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite file only (for tests that are about SQLite or the TUI)."""
    url = sqlite_url(tmp_path / "crm.db")
    setup.open_database(url)
    yield url
    close_database()


@pytest.fixture
def admin(db_url: str) -> Actor:
    """The first user: an admin."""
    return users.bootstrap_admin("eva")


def make_user(admin: Actor, username: str, *perms: str, **kw: str) -> Actor:
    """Add a user with permissions and return them as an Actor."""
    users.add_user(admin, username, display_name=username.capitalize(), perms=list(perms),
                   **kw)
    return users.get_actor(username)


_PG_RESULTS: dict[str, int] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the PostgreSQL-parametrized tests by outcome (for the closing summary)."""
    if report.when == "call" and "postgres" in report.nodeid.rpartition("[")[2]:
        _PG_RESULTS[report.outcome] = _PG_RESULTS.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly whether the PostgreSQL tests ran against a real server."""
    if _PG_RESULTS:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(_PG_RESULTS.items()))
        terminalreporter.write_line(
            f"PostgreSQL: {counts} against a real server started by this run ({pg.describe()})")

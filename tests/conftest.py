"""Fixtures: a real SQLite file per test, and a real PostgreSQL server per run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_tui.db.database import close_database, db, sqlite_url
from crm_tui.domain.records import Actor
from crm_tui.services import setup, users
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


def _reset_pg(server: pg.PgServer) -> str:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=server.port, user="postgres",
                            dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS crm_test WITH (FORCE)")
        cur.execute("CREATE DATABASE crm_test TEMPLATE template0 ENCODING 'UTF8'")
    conn.close()
    return server.url("crm_test")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "crm.db")
    else:
        url = _reset_pg(request.getfixturevalue("pg_server"))
    setup.open_database(url)
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

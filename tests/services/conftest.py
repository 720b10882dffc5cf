"""Fixtures of the service tests.

``db_url`` here narrows the one in tests/conftest.py for speed, with the same contract: a
migrated, empty database, parametrized over a SQLite file and the real PostgreSQL server
that the test run starts. Creating and migrating a PostgreSQL database costs ~0.5 s, so
this package migrates its own database once per run and empties it before each test
(TRUNCATE ... RESTART IDENTITY, then the first-run defaults again), which costs ~0.1 s.
``admin`` and ``make_user`` from tests/conftest.py work on it unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_tui.db.database import close_database, db, sqlite_url
from crm_tui.db.models import ALL_MODELS
from crm_tui.domain.records import Actor
from crm_tui.services import settings, setup
from tests import pg
from tests.services.helpers import World, build_world

PG_DBNAME = "crm_services_test"


@pytest.fixture(scope="session")
def services_pg_url(pg_server: pg.PgServer) -> str:
    """A PostgreSQL database of this package, created and migrated once per run."""
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
    """Settings come from the database only: no config file, no CRM_TUI_* overrides."""
    monkeypatch.setenv("CRM_TUI_CONFIG", str(tmp_path / "no-config.toml"))
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
        url = request.getfixturevalue("services_pg_url")
        _empty_postgres(url)
    yield url
    close_database()
    if db.obj is not None:
        db.obj.close()


@pytest.fixture
def world(admin: Actor) -> World:
    """The permission-test world (see helpers.World)."""
    return build_world(admin)

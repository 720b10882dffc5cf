"""Search index: SQLite FTS5 trigram tables with triggers, or PostgreSQL pg_trgm GIN
indexes; plus name indexes for ordered register listings."""

from crm_tui.db.search import install


def up(migrator, db):  # noqa: ANN001, ANN201 - signature fixed by playhouse.migrations
    for table in ("customer", "facility", "service_object"):
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_name ON "{table}" (name)')
    install()

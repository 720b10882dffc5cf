"""Register listings walk a name index testing each row's search text; with the text
in the index (name, id, search_text) the walk reads only the index, in order, and
fetches just the rows it shows. They replace the plain name indexes of 0003."""

REGISTERS = ("customer", "facility", "service_object")


def up(migrator, db):  # noqa: ANN001, ANN201 - signature fixed by playhouse.migrations
    for table in REGISTERS:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_name_search ON "{table}" '
                       "(name, id, search_text)")
        db.execute_sql(f"DROP INDEX IF EXISTS {table}_name")

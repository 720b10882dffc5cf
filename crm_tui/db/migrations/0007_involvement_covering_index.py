"""The involvement list index also holds the order id, so a user's list walk (and its
membership tests) read the index alone instead of the table row for every entry."""

OLD = "involvement_user_id_completed_sort_date_serial_hours"


def up(migrator, db):  # noqa: ANN001, ANN201 - signature fixed by playhouse.migrations
    db.execute_sql(f"CREATE INDEX IF NOT EXISTS {OLD}_order_id ON involvement "
                   "(user_id, completed, sort_date, serial, hours, order_id)")
    db.execute_sql(f"DROP INDEX IF EXISTS {OLD}")

"""Indexes for the order list's filters and totals: status, and a covering index for
sums of hours over a date window."""


def up(migrator, db):  # noqa: ANN001, ANN201 - signature fixed by playhouse.migrations
    db.execute_sql('CREATE INDEX IF NOT EXISTS contact_order_status_list ON "contact_order" '
                   "(status_id, completed, sort_date, serial)")
    db.execute_sql('CREATE INDEX IF NOT EXISTS contact_order_hours_window ON "contact_order" '
                   "(completed, sort_date, hours)")

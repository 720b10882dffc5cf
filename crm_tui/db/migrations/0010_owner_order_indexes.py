"""Indexes for the orders of one customer, facility or service object in list order
(open ones first, then by scheduled date and serial), so a card's page of orders and
each later page is one index range. The customer's (customer, completed, sort_date)
index gains the serial and is replaced: without it, the planner walked the list's
(completed, sort_date, serial) index across every order to spare itself a sort."""

OWNERS = (("customer", "customer_id"), ("facility", "facility_id"),
          ("service_object", "service_object_id"))


def up(migrator, db):  # noqa: ANN001, ANN201 - signature fixed by playhouse.migrations
    for owner, column in OWNERS:
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS contact_order_{owner}_list ON "
                       f'"contact_order" ({column}, completed, sort_date, serial)')
    db.execute_sql("DROP INDEX IF EXISTS contact_order_customer_id_completed_sort_date")

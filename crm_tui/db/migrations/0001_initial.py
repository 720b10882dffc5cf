"""Initial schema (version 1): users, registers, orders, notes, bookings, notifications.

This builds the schema as it stood at version 1, so that an old database upgrades
step by step through the later migrations: the current models, less what later
migrations add (0002 adds user.preferences). A fresh database is instead built from
the current models with every migration stamped as applied (crm_tui.db.migrate).
"""

from crm_tui.db.models import ALL_MODELS

IN_MODELS = True  # a new database gets this from the models (see crm_tui.db.migrate)


def up(migrator, db):  # noqa: ANN001, ANN201 - signature fixed by playhouse.migrations
    db.create_tables(ALL_MODELS, safe=True)
    migrator.migrate(migrator.drop_column("user", "preferences"))

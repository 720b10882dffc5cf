"""Initial schema: every table of crm_tui.db.models as of version 1.

A fresh database is built from the current models and all migrations are
stamped as applied (see crm_tui.db.migrate), so this runs only as that baseline.
"""

from crm_tui.db.models import ALL_MODELS


def up(migrator, db):  # noqa: ANN001, ANN201 - signature fixed by playhouse.migrations
    db.create_tables(ALL_MODELS, safe=True)

"""The involvement table (who is involved in which order, with the order's list keys),
its triggers, and its first fill from the existing assignments and bookings."""

from crm_tui.db import involvement
from crm_tui.db.database import is_sqlite
from crm_tui.db.models import Involvement


def up(migrator, db):  # noqa: ANN001, ANN201 - signature fixed by playhouse.migrations
    Involvement.create_table(safe=True)
    involvement.install()
    involvement.rebuild()
    if not is_sqlite():
        db.execute_sql("ANALYZE involvement")

"""Who is involved in which order: the ``involvement`` table and the triggers that keep it.

A view-assigned user sees the orders they are assigned to or hold a booking on. Testing
that per order over a million-row list (or collecting a user's twenty thousand orders
and sorting them) is what made such a user's list slow; instead every (order, user)
pair is one row here carrying the order's list keys (completed, sort date, serial,
hours), so a user's list page, later pages and sums are ranges of one index.

The database keeps it: triggers on ``assignment`` and ``booking`` count references
(``refs``) up and down, a trigger on ``contact_order`` copies changed list keys, and
deleting an order or a user cascades. Writes from any process, imports and bulk loads
(which call :func:`rebuild` after loading with triggers off) all keep it in step. On
PostgreSQL the counts are changed by single-row upserts and updates, whose row locks
serialise concurrent writers of the same pair; the functions lock the order row first
(as the services do), so writers queue rather than deadlock.
"""

from __future__ import annotations

from crm_tui.db.database import db, is_sqlite

_COLUMNS = "order_id, user_id, refs, completed, sort_date, serial, hours"
_KEYS = ("completed", "sort_date", "serial", "hours")

# (trigger name, table, event, the user column, "new"/"old" rows it adds / drops)
_SOURCES = (("assignment", "user_id"), ("booking", "assignee_id"))

REBUILD_SQL = f"""
INSERT INTO involvement ({_COLUMNS})
SELECT o.id, x.user_id, x.refs, o.completed, o.sort_date, o.serial, o.hours
FROM (SELECT order_id, user_id, COUNT(*) AS refs
      FROM (SELECT order_id, user_id FROM assignment
            UNION ALL SELECT order_id, assignee_id FROM booking) AS pairs
      GROUP BY order_id, user_id) AS x
JOIN contact_order AS o ON o.id = x.order_id
"""


def _sqlite_add(row: str, user_col: str) -> str:
    return (f"INSERT INTO involvement ({_COLUMNS}) "
            f"SELECT id, {row}.{user_col}, 1, completed, sort_date, serial, hours "
            f"FROM contact_order WHERE id = {row}.order_id "
            "ON CONFLICT (order_id, user_id) DO UPDATE SET refs = refs + 1;")


def _sqlite_drop(row: str, user_col: str) -> str:
    where = f"order_id = {row}.order_id AND user_id = {row}.{user_col}"
    return (f"UPDATE involvement SET refs = refs - 1 WHERE {where}; "
            f"DELETE FROM involvement WHERE {where} AND refs <= 0;")


def _sqlite_statements() -> list[str]:
    out = []
    for table, user_col in _SOURCES:
        out += [
            f"CREATE TRIGGER IF NOT EXISTS involvement_{table}_ai AFTER INSERT ON {table} "
            f"BEGIN {_sqlite_add('new', user_col)} END",
            f"CREATE TRIGGER IF NOT EXISTS involvement_{table}_ad AFTER DELETE ON {table} "
            f"BEGIN {_sqlite_drop('old', user_col)} END",
            f"CREATE TRIGGER IF NOT EXISTS involvement_{table}_au AFTER UPDATE OF order_id, "
            f"{user_col} ON {table} BEGIN {_sqlite_drop('old', user_col)} "
            f"{_sqlite_add('new', user_col)} END",
        ]
    changed = " OR ".join(f"old.{k} IS NOT new.{k}" for k in _KEYS)
    copy = ", ".join(f"{k} = new.{k}" for k in _KEYS)
    out.append(f"CREATE TRIGGER IF NOT EXISTS involvement_order_au AFTER UPDATE OF "
               f"{', '.join(_KEYS)} ON contact_order WHEN {changed} BEGIN "
               f"UPDATE involvement SET {copy} WHERE order_id = new.id; END")
    return out


_PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION involvement_lock(o integer) RETURNS void AS $$
BEGIN
  -- the order's row first, then involvement rows: the order in which the services'
  -- write paths take them (FOR UPDATE), so concurrent writers queue, never deadlock
  PERFORM 1 FROM contact_order WHERE id = o FOR NO KEY UPDATE;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION involvement_add(o integer, u integer) RETURNS void AS $$
BEGIN
  PERFORM involvement_lock(o);
  INSERT INTO involvement ({_COLUMNS})
  SELECT id, u, 1, completed, sort_date, serial, hours FROM contact_order WHERE id = o
  ON CONFLICT (order_id, user_id) DO UPDATE SET refs = involvement.refs + 1;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION involvement_drop(o integer, u integer) RETURNS void AS $$
DECLARE left_over integer;
BEGIN
  PERFORM involvement_lock(o);
  -- the UPDATE locks the row until commit, so the DELETE below sees the final count
  UPDATE involvement SET refs = refs - 1 WHERE order_id = o AND user_id = u
  RETURNING refs INTO left_over;
  IF left_over IS NOT NULL AND left_over <= 0 THEN
    DELETE FROM involvement WHERE order_id = o AND user_id = u AND refs <= 0;
  END IF;
END $$ LANGUAGE plpgsql;
"""


def _pg_statements() -> list[str]:
    out = [_PG_FUNCTIONS]
    for table, user_col in _SOURCES:
        out.append(f"""
CREATE OR REPLACE FUNCTION involvement_{table}_trg() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM involvement_drop(OLD.order_id, OLD.{user_col});
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM involvement_add(NEW.order_id, NEW.{user_col});
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS involvement_{table} ON "{table}";
CREATE TRIGGER involvement_{table} AFTER INSERT OR DELETE OR UPDATE OF order_id, {user_col}
  ON "{table}" FOR EACH ROW EXECUTE FUNCTION involvement_{table}_trg();
""")
    changed = " OR ".join(f"OLD.{k} IS DISTINCT FROM NEW.{k}" for k in _KEYS)
    copy = ", ".join(f"{k} = NEW.{k}" for k in _KEYS)
    out.append(f"""
CREATE OR REPLACE FUNCTION involvement_order_trg() RETURNS trigger AS $$
BEGIN
  UPDATE involvement SET {copy} WHERE order_id = NEW.id;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS involvement_order ON contact_order;
CREATE TRIGGER involvement_order AFTER UPDATE OF {', '.join(_KEYS)} ON contact_order
  FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION involvement_order_trg();
""")
    return out


def install() -> None:
    """Create the triggers (idempotent); the table itself comes from the models."""
    for statement in _sqlite_statements() if is_sqlite() else _pg_statements():
        db.execute_sql(statement)


def rebuild() -> None:
    """Refill the table from assignments and bookings (after a load with triggers off)."""
    with db.atomic():
        db.execute_sql("DELETE FROM involvement")
        db.execute_sql(REBUILD_SQL)

"""The schema is created and upgraded by versioned migrations on SQLite and PostgreSQL."""

from __future__ import annotations

from playhouse.migrations import Runner

from crm_tui.db import migrate as m
from crm_tui.db.database import close_database, db, init_database
from crm_tui.db.models import ALL_MODELS, Customer
from crm_tui.db.search import matches


def _columns(table: str) -> list[str]:
    with db.connection_context():
        return [c.name for c in db.get_columns(table)]


def _indexes(table: str) -> set[str]:
    with db.connection_context():
        return {i.name for i in db.get_indexes(table)}


# a card's page of orders is a range of one of these (migration 0010)
OWNER_INDEXES = {"contact_order_customer_list", "contact_order_facility_list",
                 "contact_order_service_object_list"}


def test_fresh_database_is_stamped_at_the_latest_version(db_url: str) -> None:
    assert m.pending() == []
    assert m.migrate() == []
    assert "preferences" in _columns("user")
    indexes = _indexes("contact_order")
    assert OWNER_INDEXES <= indexes
    assert "contact_order_customer_id_completed_sort_date" not in indexes  # superseded


def test_old_database_upgrades_step_by_step(db_url: str) -> None:
    """Build a version-1 database, keep data in it, then upgrade."""
    close_database()
    with db.connection_context():
        if "postgres" in db_url:
            db.drop_tables(ALL_MODELS, cascade=True)
        else:
            db.drop_tables(ALL_MODELS)
        db.execute_sql(f"DROP TABLE {m.HISTORY_TABLE}")
    init_database(db_url)
    with db.connection_context():
        runner = Runner(db.obj, directory=str(m.MIGRATIONS_DIR), table_name=m.HISTORY_TABLE)
        assert runner.up(target="0001_initial") == ["0001_initial"]
        db.execute_sql("INSERT INTO \"user\" (username, display_name, email, phone, is_admin,"
                       " active, permissions, created_at) VALUES ('old', '', '', '', %s, %s,"
                       " '', '2020-01-01 00:00:00')".replace("%s", db.param), (True, True))
    assert "preferences" not in _columns("user")
    assert m.pending() == ["0002_user_preferences", "0003_search_index", "0004_list_indexes",
                           "0005_involvement", "0006_register_walk_indexes",
                           "0007_involvement_covering_index", "0008_pair_search",
                           "0009_character_search", "0010_owner_order_indexes",
                           "0011_settle_past_reminders"]
    assert m.migrate() == ["0002_user_preferences", "0003_search_index", "0004_list_indexes",
                           "0005_involvement", "0006_register_walk_indexes",
                           "0007_involvement_covering_index", "0008_pair_search",
                           "0009_character_search", "0010_owner_order_indexes",
                           "0011_settle_past_reminders"]
    assert "preferences" in _columns("user")
    assert OWNER_INDEXES <= _indexes("contact_order")
    with db.connection_context():
        db.execute_sql("INSERT INTO customer (number, name, name_key, address, city, phone, "
                       "email, search_text, created_at, version) VALUES ('7', 'Öberg', 'oberg',"
                       " '', '', '', '', 'oberg | 7', '2020-01-01 00:00:00', 1)")
        found = list(Customer.select(Customer.name).where(matches(Customer, "ober")).tuples())
    assert found == [("Öberg",)]  # the index (trigger or GIN) covers rows written after
    with db.connection_context():
        row = db.execute_sql("SELECT username, preferences FROM \"user\"").fetchone()
    assert row == ("old", "{}")

"""`crm-tui maintain`: the search index merged into one segment, with the same answers."""

from __future__ import annotations

from typing import Any

import pytest

from crm_tui.db import search
from crm_tui.db.database import is_sqlite
from crm_tui.domain.records import Actor
from crm_tui.services import register_edits, registers
from tests.cli.test_cli import run

QUERIES = ("berg", "lindström", "lindstrom", '"gatan 5"', "0705", "ab", "xyzzy", "gamla")


def answers(actor: Actor) -> dict[str, list[str]]:
    return {q: [h.title for h in registers.search(actor, q, "customers", limit=500)]
            for q in QUERIES}


def test_maintain_merges_the_search_index_and_searches_find_the_same(
        db_url: str, admin: Actor) -> None:
    """Each add and edit is its own transaction, so SQLite's FTS index grows a segment
    per write (some merged in levels); after `maintain` there is one, and every search,
    including one for an edited customer's old name, answers exactly as before."""
    for n in range(12):
        registers.add_customer(admin, f"Lindström Berg {n} AB", city="Göteborg",
                               address=f"Gatan {n}", phone=f"070-5{n:02d} 11 22")
    old = registers.add_customer(admin, "Gamla Namnet AB")
    register_edits.edit_customer(admin, old.id, name="Nya Namnet AB")
    before = answers(admin)
    assert before["lindstrom"] == before["lindström"] and len(before["berg"]) == 12
    assert before["gamla"] == [] and before['"gatan 5"'] == ["Lindström Berg 5 AB"]
    if is_sqlite():
        assert search.index_segments("customer") > 1

    result = run(db_url, "maintain")

    assert "customer: search index merged" in result.stdout
    assert "contact_order: search index merged" in result.stdout
    assert answers(admin) == before
    if is_sqlite():
        assert search.index_segments("customer") == 1
        assert "segments" in result.stdout
    # Writes after the merge are found (a new segment beside the merged one).
    registers.add_customer(admin, "Lindström Efter AB")
    assert "Lindström Efter AB" in [h.title for h in registers.search(
        admin, "lindstrom efter", "customers")]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # roles are PostgreSQL's
def test_a_role_with_rights_on_the_rows_only_opens_the_database_and_maintain_says_whose(
        db_url: str, admin: Actor) -> None:
    """PostgreSQL: a role granted the rows but not the schema (as a DBA sets up the app's
    front ends) opens an up-to-date database and works in it; `maintain`, which only the
    indexes' owner may run there, says so and names the owner, in one line."""
    import psycopg2

    registers.add_customer(admin, "Lindström Berg AB")
    base, _, dbname = db_url.rpartition("/")
    conn = psycopg2.connect(f"{base}/{dbname}")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP OWNED BY clerk" if _role_exists(cur, "clerk") else "SELECT 1")
        cur.execute("DROP ROLE IF EXISTS clerk")
        cur.execute("CREATE ROLE clerk LOGIN")
        cur.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                    "TO clerk")
        cur.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO clerk")
    conn.close()
    clerk_url = db_url.replace("postgresql://postgres@", "postgresql://clerk@", 1)
    assert clerk_url != db_url

    found = run(clerk_url, "search", "lindstrom", user=admin.username)
    assert "Lindström Berg AB" in found.stdout
    refused = run(clerk_url, "maintain", user=admin.username, ok=False)
    assert "Only the owner of the search indexes" in refused.stderr
    assert "role postgres" in refused.stderr

    # A database that needs upgrading: this role may not, and is told who may.
    conn = psycopg2.connect(f"{base}/{dbname}")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DELETE FROM schema_migration WHERE name = '0009_character_search' "
                    "RETURNING name, applied")
        removed = cur.fetchall()
        assert len(removed) == 1
        try:
            behind = run(clerk_url, "search", "lindstrom", user=admin.username, ok=False)
        finally:
            cur.execute("INSERT INTO schema_migration (name, applied) VALUES (%s, %s)",
                        removed[0])
    conn.close()
    assert "needs upgrading (0009_character_search)" in behind.stderr
    assert "run 'crm-tui migrate' as the role that owns the schema" in behind.stderr


def _role_exists(cur: Any, name: str) -> bool:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    return cur.fetchone() is not None

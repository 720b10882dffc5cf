"""`crm-tui maintain`: the search index merged into one segment, with the same answers."""

from __future__ import annotations

from crm_tui.db import search
from crm_tui.db.database import is_sqlite
from crm_tui.domain.records import Actor
from crm_tui.services import registers
from tests.cli.test_cli import run

QUERIES = ("berg", "lindström", "lindstrom", "gatan 5", "0705", "ab", "xyzzy", "gamla")


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
    registers.edit_customer(admin, old.id, name="Nya Namnet AB")
    before = answers(admin)
    assert before["lindstrom"] == before["lindström"] and len(before["berg"]) == 12
    assert before["gamla"] == [] and before["gatan 5"] == ["Lindström Berg 5 AB"]
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

"""The register search finds exactly what a naive scan finds, on a generated dataset.

Whatever serves ``registers.search`` (a LIKE scan, SQLite FTS5 trigram, PostgreSQL
pg_trgm), it must return the same rows as this plain reading of the rule: each term
of the folded (case- and accent-free) query (its words, a "quoted phrase" one term:
``text_terms``) is contained in
one of the row's folded fields, or in that field with spaces and - ( ) / . removed (so
phone numbers match as digits only), as ``crm_tui.domain.text.search_blob`` builds it.
A query that is a phone number (digits with those separators, maybe a leading +) is
looked for without its separators, as one term.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import pytest
from peewee import JOIN

from benchmarks.generate import populate
from crm_tui.db.database import is_sqlite
from crm_tui.db.models import Customer, Facility, ServiceObject
from crm_tui.domain.records import Actor
from crm_tui.domain.text import fold, text_terms
from crm_tui.services import registers, users
from crm_tui.services.base import reading

SCALE = 0.002  # 200 customers, 300 facilities, 400 service objects, 2,000 orders
TODAY = dt.date(2026, 3, 2)
LIMIT = 10_000
_SEPARATORS = re.compile(r"[\s\-()/.]")
_PHONE = re.compile(r"^\+?[\d\s\-()/.]*\d[\d\s\-()/.]*$")

QUERIES = (
    # empty and blank: everything
    "", "   ",
    # one and two letters (too short for trigrams)
    "a", "ö", "Ö", "å", "é", "ab", "sj", "SJ", "08", "se",
    # prefixes, infixes, mixed case, accents typed or not
    "berg", "BERG", "Berg", "bergström", "BERGSTROM", "ström", "strom", "tröm", "ndstr",
    "göteborg", "GOTEBORG", "Ängelholm", "angelholm", "malmö", "Malmo", "brf", "gatan",
    "vägen 1", "lgh", "värme ab", "& söner", "o'brien", "nguyen", "nguyễn", "ødegaard",
    "odegaard", "müller", "muller", "lukasiewicz", "yılmaz", "garcia", "huvudkontor",
    "heat pump", "boiler room", "nibe", "f2120", "ab", "  berg   ström ",
    # words in any order, each anywhere in the row; "a phrase" in quotes is one term
    "värme berg", "stockholm berg", "pump heat", '"heat pump"', '"pump heat"', "berg ab 12",
    "forsberg ab", "ab forsberg", "kv örnen", "ab kb",
    # numbers, phone numbers, e-mail
    "1001", "10", "100", "0", "070", "07", "08-", "+46 8", "(08) 23", "@", "gmail", "info@", ".se",
    # characters that mean something to LIKE or to a full-text query syntax
    "%", "_", "\\", '"', "'", "(1", "*", "a*", "berg*", "^berg", "NEAR", "OR", "AND",
    "berg OR lind", "search_text:berg", "{", "+",
    # the separator between a row's parts in its search text: matches no part here
    "|", "||", "| ",
    # nothing
    "xyzzy", "qqq",
)


def _folded(values: Iterable[str | None]) -> list[str]:
    return [fold(v) for v in values if v]


def _contains(needle: str, fields: list[str]) -> bool:
    return any(needle in f or needle in _SEPARATORS.sub("", f) for f in fields)


def _naive(rows: dict[int, list[str]], query: str) -> set[int]:
    needle = fold(query)
    if _PHONE.match(needle):
        needle = _SEPARATORS.sub("", needle)
    terms = text_terms(needle, join_short=False)
    return {i for i, fields in rows.items() if all(_contains(t, fields) for t in terms)}


def _rows(register: str) -> dict[int, list[str]]:
    """Every row of a register with its searchable fields, folded."""
    with reading():
        if register == "customers":
            return {c.id: _folded((c.name, c.number, c.city, c.address, c.phone, c.email))
                    for c in Customer.select()}
        if register == "facilities":
            query = Facility.select(Facility, Customer).join(Customer)
            return {f.id: _folded((f.name, f.address, f.city, f.customer.name)) for f in query}
        query = (ServiceObject.select(ServiceObject, Customer, Facility)
                 .join(Customer, on=ServiceObject.customer == Customer.id).switch(ServiceObject)
                 .join(Facility, JOIN.LEFT_OUTER, on=ServiceObject.facility == Facility.id))
        return {s.id: _folded((s.name, s.model, s.serial_number, s.customer.name,
                               s.facility.name if s.facility else None)) for s in query}


def _from_data() -> list[str]:
    """Queries taken from real rows: phone numbers written several ways, middles of words."""
    out: list[str] = []
    with reading():
        for c in Customer.select().where(Customer.id.in_((1, 7, 42, 150))):
            digits = re.sub(r"\D", "", c.phone)
            out += [c.phone, digits, c.phone.replace(" ", "-"), c.phone.replace(" ", ""),
                    digits[3:8], c.phone[-5:], c.number, c.email, c.email[3:9], c.name[2:7],
                    c.name.upper(), c.address[3:9], c.city[1:4]]
        for s in ServiceObject.select().where(ServiceObject.id.in_((1, 99))):
            out += [s.serial_number, s.serial_number[4:], s.model.lower()[2:8]]
    return out


def _mismatches(admin: Actor, queries: Iterable[str]) -> list[str]:
    """Queries (per register) whose results differ from the naive scan's, described."""
    out: list[str] = []
    with reading():  # one connection for all the searches (much faster on PostgreSQL)
        for register in registers.REGISTERS:
            rows = _rows(register)
            assert len(rows) >= 200
            for query in queries:
                found = {h.id for h in registers.search(admin, query, register, limit=LIMIT)}
                expected = _naive(rows, query)
                if found != expected:
                    extra, missing = sorted(found - expected), sorted(expected - found)
                    out.append(f"{register} {query!r}: {len(extra)} extra (e.g. {extra[:3]}), "
                               f"{len(missing)} missing (e.g. {missing[:3]})")
    return out


@pytest.fixture
def admin(db_url: str) -> Actor:
    """The generated dataset's admin, on SQLite and on PostgreSQL."""
    populate(SCALE, seed=7, today=TODAY)
    return users.get_actor("admin")


def test_search_returns_exactly_what_a_naive_scan_finds(admin: Actor) -> None:
    """Every query, every register: the same set of ids as the naive scan."""
    queries = (*QUERIES, *_from_data())
    assert not _mismatches(admin, queries)
    customers = _rows("customers")
    assert sum(1 for q in queries if fold(q) and _naive(customers, q)) >= 40  # real hits
    for query in ("berg", "ström", "08", "070", "heat", "a"):
        everything = registers.search(admin, query, "all", limit=LIMIT)
        for register in registers.REGISTERS:
            alone = {h.id for h in registers.search(admin, query, register, limit=LIMIT)}
            assert {h.id for h in everything if h.register == register} == alone


def test_a_query_of_only_separators_is_searched_as_typed(admin: Actor) -> None:
    """'-', '(' or '.' alone are not phone numbers: they match rows that contain them."""
    assert not _mismatches(admin, ("-", "(", ")", "/", ".", "( )", "- -"))


PAGED = ("berg", "ström", "a", "08", "gatan", "heat pump", "xyzzy", "se", "nibe", "0")
# (FIRST_WALK, COMMON, RARE, SUPERSET, FURTHER_WALK): the thresholds that pick a
# strategy, set so that this small dataset takes each path: the first-entries walk (and
# the longer one after it), the index probe (on SQLite by the term's tiles), the
# per-row walk for a common term, and for the order list the rare-trigram superset
# tested in and out of list order.
STRATEGIES = {"defaults": None, "walks": (10, 5, 0, 10**9, 0),
              "further walks": (10, 5, 0, 10**9, 60), "probes": (0, 10**9, 10**9, 0, 0),
              "tiles": (0, 10**9, 0, 0, 0)}


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_pages_and_order_text_agree_whatever_the_strategy(
        admin: Actor, strategy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page of n hits is the first n of the full, name-ordered result; the order
    list's free-text filter finds the same orders whichever way the index is used."""
    from crm_tui.db import search
    from crm_tui.domain.records import Completed, OrderFilter
    from crm_tui.services import order_list

    include = OrderFilter(completed=Completed.INCLUDE)
    full_text = {q: [r.serial for r in order_list.iter_orders(
        admin, OrderFilter(text=q, completed=Completed.INCLUDE))] for q in PAGED}
    for n in range(3):  # a term at the start of the name order (a cluster), and at its end
        registers.add_customer(admin, f"Aaa Qlust {n} AB")
        registers.add_customer(admin, f"Zzz Qlust {n} AB")
    registers.add_customer(admin, "Ber Erg AB")  # the tiles of "berg", not "berg" itself
    full = {(r, q): [h.id for h in registers.search(admin, q, r, limit=LIMIT)]
            for r in registers.REGISTERS for q in (*PAGED, "qlust")}
    assert len(full[("customers", "qlust")]) == 6
    if STRATEGIES[strategy]:
        for name, value in zip(("FIRST_WALK", "COMMON", "RARE", "SUPERSET", "FURTHER_WALK"),
                               STRATEGIES[strategy], strict=True):
            monkeypatch.setattr(search, name, value)
    walks: list[tuple[int, int, int]] = []  # (entries walked, page size, rows found)
    walk = search._first_page_in_walk

    def recorded(table: str, folded: str, page_size: int, entries: int) -> list[int]:
        found = walk(table, folded, page_size, entries)
        walks.append((entries, page_size, len(found)))
        return found

    monkeypatch.setattr(search, "_first_page_in_walk", recorded)
    for (register, query), ids in full.items():
        for size in (1, 5, 20):
            page = [h.id for h in registers.search(admin, query, register, limit=size)]
            assert page == ids[:size], (strategy, register, query, size)
    if strategy == "further walks":  # pages found by the longer walk, and not found
        assert any(n == 60 and found == size for n, size, found in walks)
        assert any(n == 60 and found < size for n, size, found in walks)
    for query, serials in full_text.items():
        again = [r.serial for r in order_list.iter_orders(
            admin, OrderFilter(text=query, completed=Completed.INCLUDE))]
        assert again == serials, (strategy, query)
    assert any(full_text.values()) and len(list(order_list.iter_orders(admin, include))) > 0


def test_two_characters_are_found_wherever_they_stand_in_the_text(admin: Actor) -> None:
    """A pair of characters followed by another is in a trigram that starts with it; a
    pair that ends the text, or is the whole text, is in none: all are found."""
    from crm_tui.services.base import writing

    texts = {3: "nord | qv", 4: "qv", 5: "x qv y", 6: "qvq", 7: "aqv"}
    with writing():
        for customer_id, text in texts.items():
            Customer.update(search_text=text).where(Customer.id == customer_id).execute()
    with reading():
        stored = dict(Customer.select(Customer.id, Customer.search_text).tuples())
    for pair in ("qv", "QV", "vq"):
        expected = {i for i, text in stored.items() if fold(pair) in text}
        found = [h.id for h in registers.search(admin, pair, "customers", limit=LIMIT)]
        assert set(found) == expected, pair
        if pair == "qv":
            assert {3, 4, 5, 6, 7} <= set(found)
        for size in (1, 2):
            page = [h.id for h in registers.search(admin, pair, "customers", limit=size)]
            assert page == found[:size], (pair, size)


@pytest.mark.parametrize("common", [None, 3])
def test_stale_trigram_statistics_never_hide_new_rows(
        admin: Actor, common: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-process trigram counts that choose a search's plan are not refreshed on
    writes: a term they count in no row (or in COMMON rows and more: "ber" with COMMON
    lowered to 3) still finds rows written since, in every register, first page and all."""
    from crm_tui.db import search

    if common is not None:
        monkeypatch.setattr(search, "COMMON", common)
        monkeypatch.setattr(search, "FIRST_WALK", 1)
    terms = ("qzxv", "qzxvälla", "ber")
    before = {(r, t): registers.search(admin, t, r, limit=LIMIT)
              for r in registers.REGISTERS for t in terms}
    assert not any(before[(r, t)] for r in registers.REGISTERS for t in terms[:2])
    if is_sqlite():
        assert search.gram_rows("customer", "qzx") == 0  # counted, and now kept
        assert search.gram_rows("customer", "ber") > 3
    customer = registers.add_customer(admin, "Qzxvälla Berg AB", city="Qzxvik")
    registers.add_facility(admin, "Qzxvälla Pannrum", customer.id)
    registers.add_service_object(admin, "Qzxvälla pump", customer=customer.id)
    for register in registers.REGISTERS:
        for term in terms[:2]:
            assert len(registers.search(admin, term, register, limit=LIMIT)) == 1, (
                register, term)
            assert len(registers.search(admin, term, register, limit=1)) == 1
        berg = registers.search(admin, "ber", register, limit=LIMIT)
        assert len(berg) == len(before[(register, "ber")]) + 1
    assert not _mismatches(admin, terms)


def test_a_rare_character_is_found_wherever_it_stands_in_the_text(admin: Actor) -> None:
    """One character that no walk finds early: in a trigram it starts, second to last,
    last, or the whole text; on full pages and first pages."""
    from crm_tui.services.base import writing

    texts = {3: "§ nord", 4: "§", 5: "x § y", 6: "ab§c", 7: "nord §x", 8: "nord x§",
             9: "§§"}
    with writing():
        for customer_id, text in texts.items():
            Customer.update(search_text=text).where(Customer.id == customer_id).execute()
    with reading():
        stored = dict(Customer.select(Customer.id, Customer.search_text).tuples())
    expected = {i for i, text in stored.items() if "§" in text}
    assert set(texts) <= expected
    found = [h.id for h in registers.search(admin, "§", "customers", limit=LIMIT)]
    assert set(found) == expected
    for size in (1, 3):
        page = [h.id for h in registers.search(admin, "§", "customers", limit=size)]
        assert page == found[:size], size


def test_a_term_with_a_bar_matches_within_a_part_never_across_two(admin: Actor) -> None:
    """A row's search text is its parts joined by " | ". A term with a "|" matches a
    part holding one (or its compact form, as phone numbers are kept); a term that
    would run from one part into the next matches nothing; "|" alone used to match
    every row."""
    from crm_tui.domain.records import Completed, OrderFilter, OrderInput
    from crm_tui.services import order_list, orders

    bar = registers.add_customer(admin, "Acme|Nord AB", city="Qzlund")
    spaced = registers.add_customer(admin, "Bar | Baz AB", city="Qzmala")
    serial = orders.create_order(admin, OrderInput(subject="Pump|filter",
                                                   customer_id=bar.id)).serial

    def ids(term: str, register: str = "customers") -> set[int]:
        return {h.id for h in registers.search(admin, term, register, limit=LIMIT)}

    assert ids("|") == {bar.id, spaced.id}  # "bar|baz ab", the compact form of the part
    assert ids("e|n") == {bar.id} and ids("r|b") == {spaced.id}
    # a phrase from one part into the next (as words, each is in the row: found)
    assert ids('"ab | qzlund"') == set() and ids('"nord ab |"') == set()
    assert ids("ab | qzlund") == {bar.id}
    assert ids("|", "facilities") == set() and ids("|", "service-objects") == set()
    for size in (1, 2):
        assert len(registers.search(admin, "|", "customers", limit=size)) == size
    texts = {q: [r.serial for r in order_list.iter_orders(
        admin, OrderFilter(text=q, completed=Completed.INCLUDE))]
        for q in ("|", "p|f", '"filter | "', "filter | ", "filter acme")}
    assert texts["|"] == [serial] and texts["p|f"] == [serial]
    assert texts['"filter | "'] == []  # the phrase would run across two parts
    assert texts["filter | "] == []  # a one-letter word stays with its neighbour
    assert texts["filter acme"] == [serial]  # two words: the order's, its customer's
    assert not _mismatches(admin, ("|", "e|n", "r|b", "ab | qzlund"))

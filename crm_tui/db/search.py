"""Any-part search over the folded ``search_text`` columns, backed by an index.

SQLite: an FTS5 table with the trigram tokenizer per searchable table, kept in step
by triggers on every insert, update and delete (imports and bulk loads included);
a quoted phrase MATCH is a substring match. PostgreSQL: pg_trgm GIN indexes serve
``LIKE '%term%'`` directly. A register search for one or two characters on SQLite
finds its rows through the trigrams that start with them and indexes of each text's
last two characters and last character (see :func:`_short_ids`); elsewhere, terms
shorter than three characters are tested row by row (``instr`` on SQLite) as a listing
walks its index in order, so a LIMIT stops early when they are common.

:func:`matches` picks how to use the index from cheap capped probes of it: the ids of
a rare term, a rare trigram's rows as a superset, or a row-by-row test for a common
term during an ordered walk (see its docstring).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from peewee import SQL, Expression, Field, Model, NodeList, ProgrammingError, fn

from crm_tui.db.database import db, generation, ids_sql, is_sqlite, refused_privilege
from crm_tui.domain.errors import PermissionDenied
from crm_tui.domain.text import MIN_TRIGRAM, SEPARATOR

log = logging.getLogger(__name__)

REGISTER_TABLES = ("customer", "facility", "service_object")
INDEXED_TABLES = (*REGISTER_TABLES, "contact_order")


def like_pattern(folded: str) -> str:
    """'%text%' with the user's own % and _ escaped."""
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(field: Field, folded: str) -> Expression | NodeList:
    """``field`` (which holds folded text) contains ``folded``.

    SQLite: ``instr(field, ?) > 0``, a plain substring search, several times faster
    per row than a LIKE pattern. PostgreSQL: ``LIKE '%folded%'``, which its trigram
    index serves.

    A term with a "|" is also tested against the text with the separators between its
    parts (" | ", see ``search_blob``) made into a character no term can hold, so it
    matches within a part, never across two ("|" alone used to match every row). The
    limit: a part that itself holds " | " ("Bar | Baz AB") is found by "|" and "r|b"
    (its compact form is in the text too), but not by "r | b".
    """
    found = _contains(field, folded)
    if "|" in folded:
        return found & _contains(fn.replace(field, SEPARATOR, UNTYPABLE), folded)
    return found


UNTYPABLE = "\x1f"  # fold() makes it a space, so no folded term holds it


def _contains(field: Field, folded: str) -> Expression | NodeList:
    if is_sqlite():
        return fn.instr(field, folded) > 0
    return NodeList((field, SQL("LIKE"), like_pattern(folded), SQL("ESCAPE '\\'")))


def _phrase(folded: str) -> str:
    return '"' + folded.replace('"', '""') + '"'


COMMON = 2000  # a term in at least this many rows is "common" (see is_common)
RARE = 2000  # fewer candidate rows than this: the database starts from them
SUPERSET = 10_000  # fewer than this: a walk in list order tests membership in them
MAX_PROBES = 12  # trigrams probed per term (a long term has plenty to choose from)


def _count_upto(table: str, phrase: str, cap: int) -> int:
    """Rows of ``table``'s index matching ``phrase``, counted up to ``cap`` (cheap)."""
    return db.execute_sql(f"SELECT count(*) FROM (SELECT rowid FROM {table}_fts WHERE "
                          f"{table}_fts MATCH ? LIMIT {cap})", (phrase,)).fetchone()[0]


def _trigrams(folded: str) -> list[str]:
    """The term's distinct trigrams, at most MAX_PROBES of them spread over the term."""
    grams = list(dict.fromkeys(folded[i:i + 3] for i in range(len(folded) - 2)))
    if len(grams) <= MAX_PROBES:
        return grams
    step = len(grams) / MAX_PROBES
    return [grams[int(i * step)] for i in range(MAX_PROBES)]


def rarest_trigram(model: type[Model], folded: str) -> tuple[str, int] | None:
    """The term's rarest trigram and its row count, if that is under SUPERSET.

    A trigram index answers a phrase by walking every trigram's posting list, so a
    term made of common trigrams ("alarm e4": "ala", "lar", "arm"...) costs as much as
    its most common trigram. The rarest trigram's list is a superset of the answer at
    a fraction of the work; ``contains`` then checks the few rows it lets through. Each
    probe stops at the best count so far, so probing is cheap.
    """
    table = model._meta.table_name
    best: tuple[str, int] | None = None
    limit = SUPERSET
    for gram in _trigrams(folded):
        count = _count_upto(table, _phrase(gram), limit)
        if count < limit:
            best, limit = (gram, count), count
            if count == 0:
                break
    return best


def in_no_row(model: type[Model], folded: str) -> bool:
    """True if the index shows that no row contains ``folded`` (a trigram in no row)."""
    if not is_sqlite() or len(folded) < MIN_TRIGRAM:
        return False
    table = model._meta.table_name
    return any(_count_upto(table, _phrase(gram), 1) == 0 for gram in _trigrams(folded))


def is_common(model: type[Model], folded: str) -> bool:
    """True if ``folded`` matches at least COMMON rows of ``model`` (one index probe).

    A listing that walks an index in order with a LIMIT (registers by name, the order
    list by date) serves a common term better by testing each row as the walk goes,
    which stops after a page, than by collecting thousands of index matches first.
    Only SQLite's index is probed; PostgreSQL's planner weighs its trigram index itself.
    """
    if not is_sqlite() or len(folded) < MIN_TRIGRAM:
        return False
    return _count_upto(model._meta.table_name, _phrase(folded), COMMON) >= COMMON


def _tiles(folded: str) -> list[str]:
    """Trigrams of the term (3 characters or more) that together cover each of its
    characters: those starting at 0, 3, 6, ... and the last ("lindstrom": lin, dst,
    rom)."""
    starts = list(range(0, len(folded) - 2, 3))
    if starts[-1] != len(folded) - 3:
        starts.append(len(folded) - 3)
    return list(dict.fromkeys(folded[i:i + 3] for i in starts))


def _tiled_ids(table: str, folded: str, cap: int) -> list[int]:
    """Ids of up to ``cap`` rows of ``table`` that have each of the term's tiles
    (:func:`_tiles`): every row whose text contains ``folded``, and a few more, so
    rows are checked with :func:`contains` unless the term is one trigram.

    For a term whose trigrams are all common, this is half the phrase query's time
    (lindstrom among 200,000 service objects: 0.85 ms against 1.95), for 2-20% more
    rows (1,550 against 1,427): the phrase query reads the positions of all seven
    trigrams to match them up; this reads three lists.
    """
    return [row[0] for row in db.execute_sql(
        f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ? LIMIT {cap}",
        (" AND ".join(_phrase(tile) for tile in _tiles(folded)),))]


def vocabulary_table(table: str) -> str:
    """The fts5vocab table listing the trigrams of ``table``'s index (migration 0008)."""
    return f"{table}_fts_vocab"


def _tail_key() -> str:
    """The indexed expression for a text's last two characters (migration 0008)."""
    return "substr(search_text, -2)"


def _last_key() -> str:
    """The indexed expression for a text's last character (migration 0009)."""
    return "substr(search_text, -1)"


MAX_SHORT_GRAMS = 1000  # trigrams a short term may start before its rows are walked


def _short_ids(table: str, term: str, cap: int) -> list[int] | None:
    """Ids of up to ``cap`` rows of ``table`` whose text contains ``term``, one or two
    characters, through the trigram index (SQLite); None if the term starts more than
    MAX_SHORT_GRAMS trigrams (a common term: the caller walks).

    Each place the term occurs is either followed by enough characters to start a
    trigram (the trigrams are listed by ``{table}_fts_vocab``, a range of its terms),
    or it is at the end of the text: a pair there is the text's last two characters;
    a single character is the first of the last two, or the last. Indexes on those
    find them. A rare term costs a few ms this way instead of a walk of the whole
    register (30-130 ms at 150,000-200,000 rows).
    """
    grams = [row[0] for row in db.execute_sql(
        f"SELECT term FROM {vocabulary_table(table)} WHERE term >= ? AND term < ? LIMIT ?",
        (term, term + "\U0010ffff", MAX_SHORT_GRAMS + 1))]
    if len(grams) > MAX_SHORT_GRAMS:
        return None
    found: dict[int, None] = {}
    if grams:
        query = " OR ".join(_phrase(gram) for gram in grams)
        found.update((row[0], None) for row in db.execute_sql(
            f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ? LIMIT {cap}", (query,)))
    ends = ([(f"{_tail_key()} = ?", (term,))] if len(term) == 2 else
            [(f"{_tail_key()} >= ? AND {_tail_key()} < ?", (term, term + "\U0010ffff")),
             (f"{_last_key()} = ?", (term,))])
    for where, params in ends:
        if len(found) < cap:
            found.update((row[0], None) for row in db.execute_sql(
                f'SELECT id FROM "{table}" WHERE {where} LIMIT {cap}', params))
    return list(found)[:cap]


MAX_GRAM_STATS = 50_000  # (table, trigram) counts kept per process (~7,000 per register)
_gram_rows: dict[tuple[int, str, str], int] = {}


def gram_rows(table: str, gram: str) -> int:
    """Rows of ``table`` with ``gram`` in their text, from the index's vocabulary, as
    counted when first asked in this process (SQLite registers).

    A statistic, like a planner's: it may be stale by the rows written since, so it
    only chooses how to search, never what is found.
    """
    key = (generation(), table, gram)
    rows = _gram_rows.get(key)
    if rows is None:
        found = db.execute_sql(f"SELECT doc FROM {vocabulary_table(table)} WHERE term = ?",
                               (gram,)).fetchone()
        rows = found[0] if found else 0
        if len(_gram_rows) >= MAX_GRAM_STATS:
            _gram_rows.clear()
        _gram_rows[key] = rows
    return rows


def _ranked_grams(table: str, folded: str) -> list[tuple[int, str]]:
    """The term's trigrams with their row counts (:func:`gram_rows`), rarest first."""
    return sorted((gram_rows(table, gram), gram) for gram in _trigrams(folded))


def _candidates(table: str, grams: list[tuple[int, str]]) -> list[int] | None:
    """Ids of every row of ``table`` that has the two rarest of ``grams``, if fewer
    than SUPERSET (else None): a superset of the term's rows, to be checked with
    :func:`contains`. Two posting lists cost a fraction of the phrase query over all
    of them (mattsson among 100,000 customers: 0.3 ms against 1.1). For a term whose
    rarest trigram is common, checking the extra candidates costs more than it saves
    (lindström: 1,745 candidates for 787 rows), so the caller asks only for rare ones."""
    query = " AND ".join(_phrase(gram) for _, gram in grams[:2])
    ids = [row[0] for row in db.execute_sql(
        f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ? LIMIT {SUPERSET}",
        (query,))]
    return ids if len(ids) < SUPERSET else None


FIRST_WALK = 2000  # index entries a page may be found in before the index is probed
FURTHER_WALK = 8000  # ... and, if those held two fifths of a page, before it is probed


def contains_sql(column: str, folded: str) -> tuple[str, list[Any]]:
    """:func:`contains` written out, for a statement written as SQL text: the test of
    ``column`` (as named in that text) and its parameters."""
    mark = db.param
    test = f"instr({{}}, {mark}) > 0" if is_sqlite() else f"{{}} LIKE {mark} ESCAPE '\\'"
    value = folded if is_sqlite() else like_pattern(folded)
    if "|" not in folded:
        return test.format(column), [value]
    return (f"{test.format(column)} AND {test.format(f'replace({column}, {mark}, {mark})')}",
            [value, SEPARATOR, UNTYPABLE, value])


def _first_page_in_walk(table: str, folded: str, page_size: int, walk: int) -> list[int]:
    """The ids of the first ``page_size`` rows in name order whose text contains
    ``folded`` among the first ``walk`` entries of the name index (fewer if fewer
    are there).

    A common term is found there at once (reading only the covering index, stopping
    at the page), which spares it the index probe.
    """
    test, params = contains_sql("search_text", folded)
    return [row[0] for row in db.execute_sql(
        f"SELECT id FROM (SELECT id, search_text FROM {table} ORDER BY name, id "
        f"LIMIT {int(walk)}) AS head WHERE {test} LIMIT {int(page_size)}", params)]


@dataclass(frozen=True)
class Plan:
    """How a walk of a register's name index finds a term's rows: only the rows in
    ``ids`` (None: any row), and each row's text tested if ``check``."""

    ids: list[int] | None
    check: bool


def register_condition(model: type[Model], folded: str, page_size: int
                       ) -> tuple[str, list[Any]]:
    """The test, as SQL text on the register's own ``id`` and ``search_text`` columns
    (unqualified), and its parameters, for the rows of ``model`` whose text contains
    ``folded`` (not empty), for a walk of its (name, id, search_text) index in name
    order with a LIMIT of ``page_size`` (see :func:`_register_plan`).

    The walk reads search_text from the index itself, so testing the text per row is
    cheap: one probe of the index either finds all its rows (fewer than COMMON: those
    ids) or shows it common (the walk tests the text and stops after a page); a page
    found early in the walk skips the probe. On SQLite a term of one or two characters
    is probed too, through :func:`_short_ids`.

    Written out rather than built by peewee: a register search runs on every keystroke,
    and building its statements and rows through the ORM cost more than the database's
    own work (0.76 ms against 0.25 for "berg" among 100,000 customers).
    """
    plan = (_register_plan(model, folded, page_size)
            if len(folded) >= MIN_TRIGRAM or is_sqlite() else Plan(None, True))
    tests: list[str] = []
    params: list[Any] = []
    if plan.ids is not None:
        test, values = ids_sql("id", plan.ids)
        tests.append(test)
        params += values
    if plan.check or "|" in folded:
        # the index finds a term with a "|" across the separator between two parts too
        test, values = contains_sql("search_text", folded)
        tests.append(test)
        params += values
    return " AND ".join(tests), params


def register_terms_condition(model: type[Model], terms: list[str], page_size: int
                             ) -> tuple[str, list[Any]]:
    """:func:`register_condition` for a search of several terms (:func:`text_terms`),
    each of which a row must hold, in any order: "forsberg malmö" and "värme forsberg"
    found nothing as one phrase, and "berg värme" missed "Bergström Värme AB". On
    SQLite the rarest term's candidates (by the trigram statistics), when it is rare,
    are the rows tested; else each row of the walk in name order is tested for every
    term, and the walk stops after a page."""
    if len(terms) == 1:
        return register_condition(model, terms[0], page_size)
    tests: list[str] = []
    params: list[Any] = []
    if is_sqlite():
        table = model._meta.table_name
        ranked = [(grams[0][0], grams) for grams in
                  (_ranked_grams(table, term) for term in terms if len(term) >= MIN_TRIGRAM)
                  if grams]
        if ranked:
            count, grams = min(ranked)
            few = _candidates(table, grams) if count < COMMON else None
            if few is not None:
                test, values = ids_sql("id", few)
                tests.append(test)
                params += values
    for term in terms:
        test, values = contains_sql("search_text", term)
        tests.append(test)
        params += values
    return " AND ".join(tests), params


def _register_plan(model: type[Model], folded: str, page_size: int) -> Plan:
    """The cheapest of, in turn (SQLite's trigram statistics, :func:`gram_rows`, choose
    the first):

    - a term whose rarest trigram is in under COMMON rows: the candidates of its two
      rarest trigrams, each checked (:func:`_candidates`);
    - a term of one trigram in COMMON rows or more: the per-row test (the walk
      stops after a page);
    - the first page's ids, if it lies early in the walk (in its first FIRST_WALK
      entries, or FURTHER_WALK if the first held two fifths of a page);
    - one capped probe of the index: all the ids if fewer than COMMON (on SQLite the
      rows that have the term's tiles, each checked: :func:`_tiled_ids`), else the
      per-row test.

    PostgreSQL's planner, shown a covering name index, walks it even for a rare term
    (reading the whole index when the term has few rows), so it gets the ids too.
    """
    field = model._meta.fields["search_text"]
    table = model._meta.table_name
    grams = _ranked_grams(table, folded) if is_sqlite() and len(folded) >= MIN_TRIGRAM else []
    if grams and grams[0][0] < COMMON:
        # Under COMMON rows by the statistics: no walk finds the page early.
        few = _candidates(table, grams)
        if few is not None:
            return Plan(few, True)
    if len(grams) == 1 and grams[0][0] >= COMMON:
        # One trigram: its count is the term's, and it is common. The walk finds the
        # page in the time a first-page walk would take to try.
        return Plan(None, True)
    early = _first_page_in_walk(table, folded, page_size, FIRST_WALK)
    if len(early) == page_size:
        return Plan(early, False)
    if len(folded) == 1 and len(early) >= max(1, page_size // 5):
        # A character seen that often walks on to its page sooner than the index
        # lists the hundreds of trigrams it starts ("x": 2 ms against 6).
        return Plan(None, True)
    if 5 * len(early) >= 2 * page_size:
        # Two fifths of a page in the first entries: the page is likely within 5,000,
        # so a longer walk (bounded, in case they were a cluster) costs less than the
        # probe and the walk after it ("hotell" among 200,000 service objects on
        # PostgreSQL: 2 ms against 9).
        further = _first_page_in_walk(table, folded, page_size, FURTHER_WALK)
        if len(further) == page_size:
            return Plan(further, False)
    if is_sqlite():
        if len(folded) >= MIN_TRIGRAM:
            found: list[int] | None = _tiled_ids(table, folded, COMMON)
        else:
            found = _short_ids(table, folded, COMMON)
        if found is None or len(found) >= COMMON:
            return Plan(None, True)
        return Plan(found, len(folded) > MIN_TRIGRAM)
    # The probe's rows, ranked by name in the same statement: the page's ids and how
    # many rows there are (up to COMMON), without fetching each row again.
    key = model._meta.primary_key
    probe = (model.select(key.alias("id"), model._meta.fields["name"].alias("name"))
             .where(contains(field, folded)).limit(COMMON))
    ranked = list(model.select(probe.c.id, fn.COUNT(SQL("*")).over()).from_(probe)
                  .order_by(probe.c.name, probe.c.id).limit(page_size).tuples())
    if ranked and ranked[0][1] >= COMMON:
        return Plan(None, True)
    return Plan([row[0] for row in ranked], False)


def _posting(table: str, phrase: str) -> SQL:
    return SQL(f"(SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ?)", [phrase])


def matches(model: type[Model], folded: str, *, ordered: bool = False,
            ident: Field | None = None) -> Expression:
    """Rows of ``model`` whose search_text contains ``folded``, through the index (see
    :func:`_matches`). The index finds a term with a "|" across the separator between
    two parts too, so each row it gives is tested with :func:`contains`."""
    found = _matches(model, folded, ordered=ordered, ident=ident)
    if "|" in folded:
        return found & contains(model._meta.fields["search_text"], folded)
    return found


def _matches(model: type[Model], folded: str, *, ordered: bool = False,
             ident: Field | None = None) -> Expression:
    """Rows of ``model`` whose search_text contains ``folded``, through the index.

    ``ident`` is the column holding the row's id in the query (default: its primary
    key; a driving table's copy of it lets a walk test membership without reading the
    row). ``ordered``: the caller walks an index in list order with a LIMIT.

    - A rare trigram (under RARE rows): the database starts from its rows, checked.
    - A fairly rare one (under SUPERSET): an ordered walk tests membership in its rows
      and checks only members; otherwise the database starts from them.
    - Else, ordered and common (:func:`is_common`): each row is tested as the walk goes.
    - Else the index answers the whole phrase.

    The registers' search, which reads the text from their name indexes, has its own
    plan: :func:`register_condition`.
    """
    field = model._meta.fields["search_text"]
    ident = ident if ident is not None else model._meta.primary_key
    if len(folded) < MIN_TRIGRAM:
        return contains(field, folded)
    table = model._meta.table_name
    if not is_sqlite():
        return contains(field, folded)
    rarest = rarest_trigram(model, folded)
    if rarest is not None:
        gram, count = rarest
        member = (ident + 0) if ordered and count >= RARE else ident  # +0: no index use
        return member.in_(_posting(table, _phrase(gram))) & contains(field, folded)
    if ordered and is_common(model, folded):
        return contains(field, folded)
    return ident.in_(_posting(table, _phrase(folded)))


def _sqlite_install(table: str) -> list[str]:
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(search_text, content='{table}', "
        f"content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, "
        f"old.search_text); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF search_text ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.id, "
        f"old.search_text); INSERT INTO {fts}(rowid, search_text) VALUES (new.id, "
        f"new.search_text); END",
    ]


def install_pair_search() -> None:
    """The structures :func:`_short_ids` reads for pairs (SQLite; idempotent)."""
    if not is_sqlite():
        return
    for table in REGISTER_TABLES:
        db.execute_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocabulary_table(table)} "
                       f"USING fts5vocab({table}_fts, 'row')")
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_text_tail ON "{table}" '
                       f"({_tail_key()})")


def install_character_search() -> None:
    """The index :func:`_short_ids` also reads for single characters (SQLite;
    idempotent)."""
    if not is_sqlite():
        return
    for table in REGISTER_TABLES:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_text_last ON "{table}" '
                       f"({_last_key()})")


def install() -> None:
    """Create the search index structures (idempotent) and fill them from the tables."""
    if is_sqlite():
        for table in INDEXED_TABLES:
            for statement in _sqlite_install(table):
                db.execute_sql(statement)
        rebuild_index()
        return
    try:
        with db.atomic():
            db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # noqa: BLE001 - search still works, only slower
        log.warning("pg_trgm is not available (%s); search will scan", exc)
        return
    for table in INDEXED_TABLES:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS {table}_search_trgm ON "{table}" '
                       "USING gin (search_text gin_trgm_ops)")


def rebuild_index() -> None:
    """Refill the SQLite FTS tables from their content tables (after a raw bulk load),
    merged into one segment each."""
    if is_sqlite():
        for table in INDEXED_TABLES:
            db.execute_sql(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")
        merge_index()


MERGE_PAGES = 2000  # pages one merge step writes (~0.25 s at a million orders)
MAX_MERGE_STEPS = 100_000


def index_segments(table: str) -> int:
    """How many segments ``table``'s FTS index is made of (SQLite; 0 elsewhere)."""
    if not is_sqlite():
        return 0
    return db.execute_sql(f"SELECT count(DISTINCT segid) FROM {table}_fts_idx").fetchone()[0]


def merge_index() -> dict[str, tuple[int, int]]:
    """Merge each FTS index into one segment; per table, its segments before and after.

    FTS5 adds a segment per writing transaction (and a rebuild or bulk load leaves a
    dozen); it merges them only in levels, so a term is looked up in every segment.
    With one segment, a mid-frequency term's phrase query is 2-3x faster (lindström
    among 100,000 customers: 4.5 ms before, 1.7 ms after). The merge goes in steps of
    MERGE_PAGES pages, each its own short write transaction, so the app's writers wait
    a fraction of a second at most. PostgreSQL: the trigram indexes' pending entries
    are moved into the index proper (``gin_clean_pending_list``); no segments to count.
    """
    done: dict[str, tuple[int, int]] = {}
    for table in INDEXED_TABLES:
        if not is_sqlite():
            index = f"{table}_search_trgm"
            try:
                with db.atomic():
                    db.execute_sql("SELECT gin_clean_pending_list(oid) FROM pg_class "
                                   "WHERE relname = %s AND relkind = 'i'", (index,))
            except ProgrammingError as exc:
                if not refused_privilege(exc):
                    raise
                owner = db.execute_sql("SELECT pg_get_userbyid(relowner) FROM pg_class "
                                       "WHERE relname = %s", (index,)).fetchone()
                raise PermissionDenied(
                    f"Only the owner of the search indexes may clean them: run maintain "
                    f"as the database role {owner[0] if owner else 'that owns them'} "
                    f"(the one that ran migrate)") from exc
            done[table] = (0, 0)
            continue
        before = index_segments(table)
        connection = db.connection()
        for _ in range(MAX_MERGE_STEPS):
            changes = connection.total_changes
            with db.atomic():
                # A negative page count: first put all segments on one level, then
                # merge them (the FTS5 'merge' command, done once it writes no pages).
                db.execute_sql(f"INSERT INTO {table}_fts({table}_fts, rank) "
                               f"VALUES ('merge', ?)", (-MERGE_PAGES,))
            if connection.total_changes - changes < 2:
                break
        done[table] = (before, index_segments(table))
    return done

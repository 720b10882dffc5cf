"""What run.py times: the operations users wait for, as calls into the service layer.

Each case is one service call with fixed arguments; cases with the same ``op`` are
pooled into one line of the report (e.g. every filter of the list's first page).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.measure import BareDriver
from crm_tui.db.models import Setting
from crm_tui.domain.records import Actor, Completed, Cursor, OrderFilter, Todo
from crm_tui.services import order_list, registers, todo, users
from crm_tui.services.base import reading

REGISTERS = ("customers", "facilities", "service-objects")
# The register screen asks each register for one screenful of hits (plus one, to know
# whether there are more): about 20 rows at 80x24, 45 on a 50-line terminal.
SEARCH_LIMIT = 50
PAGE = 50
LATER_PAGES = (2, 3, 5, 10)
TOTALS_TARGET_ROWS = 10_000
FIXED_QUERIES = (
    "berg", "lindström", "lindstrom", "ström", "varme", "goteborg", "angelholm", "brf solros",
    "hotell", "gatan 12", "rör", "info@", "gmail.com", "070", "sj", "mattsson", "xyzzy",
)


@dataclass(frozen=True)
class Case:
    """One timed service call."""

    op: str
    name: str
    call: Callable[[], Any]
    rows: Callable[[Any], int]
    replay: bool = True  # also time its SQL on the bare driver


@dataclass(frozen=True)
class World:
    """The dataset's actors and reference points (from generate.py's ``_benchmark`` row)."""

    admin: Actor
    user: Actor
    card_customer: int
    today: dt.date
    info: dict[str, Any]


def load_world() -> World:
    """Read who to act as and the dataset's 'today' from the database."""
    with reading():
        row = Setting.get_or_none(Setting.key == "_benchmark")
    if row is None:
        raise SystemExit("This database was not made by benchmarks/generate.py "
                         "(no '_benchmark' setting)")
    info = json.loads(row.value)
    return World(users.get_actor(info["admin"]), users.get_actor(info["technician"]),
                 int(info["card_customer"]), dt.date.fromisoformat(info["today"]), info)


def search_queries(raw: BareDriver, count: int = 20) -> list[str]:
    """Twenty typical queries: prefix, infix, accent-free, numbers and phone numbers."""
    (middle,) = raw.rows("SELECT COUNT(*) FROM customer")[0]
    number, phone = raw.rows("SELECT number, phone FROM customer WHERE id = ?",
                             (max(1, middle // 2),))[0]
    digits = re.sub(r"\D", "", phone)
    queries = [*FIXED_QUERIES[:count - 3], number, digits, phone[: len(phone) - 3].strip()]
    return queries[:count]


def _hits(result: list[Any]) -> int:
    return len(result)


def _page_rows(result: Any) -> int:
    return len(result.rows)


def _todo_rows(result: Todo) -> int:
    return len(result.overdue) + len(result.today) + len(result.upcoming)


def search_cases(world: World, queries: list[str]) -> list[Case]:
    """Register search: in each register (the manual's search), and in all three at once
    (the register screen's default view)."""
    cases = []
    for register in REGISTERS:
        for q in queries:
            cases.append(Case("search_register", f"{register}: {q}",
                              lambda q=q, r=register: registers.search(
                                  world.admin, q, r, SEARCH_LIMIT), _hits))
    for q in queries:
        cases.append(Case("search_all_registers", q, lambda q=q: registers.search(
            world.admin, q, "all", SEARCH_LIMIT), _hits))
    return cases


def order_filters(world: World) -> dict[str, tuple[Actor, OrderFilter]]:
    """Every filter of the order list, as the admin and as a view-assigned technician."""
    admin, user, today = world.admin, world.user, world.today
    month = OrderFilter(scheduled_from=today, scheduled_to=today + dt.timedelta(days=30))
    filters = {
        "admin/default": OrderFilter(),
        "admin/status": OrderFilter(status="Waiting for customer"),
        "admin/customer": OrderFilter(customer="berg"),
        "admin/scheduled": month,
        "admin/text": OrderFilter(text="alarm e4"),
        "admin/assigned_to": OrderFilter(assigned_to=user.username),
        "admin/mine": OrderFilter(mine=True),
        "admin/completed_include": OrderFilter(completed=Completed.INCLUDE),
        "admin/completed_only": OrderFilter(completed=Completed.ONLY),
        "user/default": OrderFilter(),
        "user/mine": OrderFilter(mine=True),
        "user/status": OrderFilter(status="Waiting for customer"),
        "user/text": OrderFilter(text="alarm e4"),
        "user/completed_include": OrderFilter(completed=Completed.INCLUDE),
    }
    return {name: (admin if name.startswith("admin") else user, f)
            for name, f in filters.items()}


def list_cases(world: World) -> list[Case]:
    """First pages for every filter; later pages (keyset) for a few."""
    cases = []
    filters = order_filters(world)
    for name, (actor, criteria) in filters.items():
        cases.append(Case("list_first_page", name, lambda a=actor, c=criteria:
                          order_list.list_orders(a, c, limit=PAGE), _page_rows))
    for name in ("admin/default", "admin/status", "admin/text", "user/default"):
        actor, criteria = filters[name]
        for page, cursor in _cursors(actor, criteria).items():
            cases.append(Case("list_later_page", f"{name} page {page}",
                              lambda a=actor, c=criteria, k=cursor:
                              order_list.list_orders(a, c, after=k, limit=PAGE), _page_rows))
    return cases


def _cursors(actor: Actor, criteria: OrderFilter) -> dict[int, Cursor]:
    """Keyset cursors of the pages in LATER_PAGES (walking the list once)."""
    out: dict[int, Cursor] = {}
    cursor: Cursor | None = None
    for page in range(2, max(LATER_PAGES) + 1):
        cursor = order_list.list_orders(actor, criteria, after=cursor, limit=PAGE).next_cursor
        if cursor is None:
            break
        if page in LATER_PAGES:
            out[page] = cursor
    return out


def totals_window(world: World, raw: BareDriver) -> OrderFilter:
    """A date window whose orders (completed or not) number up to ~10,000."""
    (total,) = raw.rows("SELECT COUNT(*) FROM contact_order WHERE scheduled IS NOT NULL")[0]
    goal = min(TOTALS_TARGET_ROWS, total)
    low, high = 1, 800
    while low < high:  # the narrowest window ending today with >= goal orders
        days = (low + high) // 2
        start = world.today - dt.timedelta(days=days)
        (n,) = raw.rows("SELECT COUNT(*) FROM contact_order WHERE scheduled >= ? AND "
                        "scheduled <= ?", (start.isoformat(), world.today.isoformat()))[0]
        low, high = (days + 1, high) if n < goal else (low, days)
    start = world.today - dt.timedelta(days=low)
    return OrderFilter(scheduled_from=start, scheduled_to=world.today,
                       completed=Completed.INCLUDE)


def summary_cases(world: World, window: OrderFilter) -> list[Case]:
    """Totals, the to-do and the customer card."""
    admin, user = world.admin, world.user
    return [
        Case("totals", "admin/window", lambda: order_list.totals(admin, window),
             lambda t: t.count),
        Case("totals", "user/window", lambda: order_list.totals(user, window),
             lambda t: t.count),
        Case("totals_all_open", "admin/default", lambda: order_list.totals(admin, OrderFilter()),
             lambda t: t.count),
        Case("totals_all_open", "user/default", lambda: order_list.totals(user, OrderFilter()),
             lambda t: t.count),
        Case("todo", "user/own", lambda: todo.todo(user), _todo_rows),
        Case("todo", "admin/of user", lambda: todo.todo(admin, user.username), _todo_rows),
        Case("customer_card", "admin", lambda: order_list.customer_card(
            admin, world.card_customer), lambda c: len(c.orders)),
        Case("customer_card", "user", lambda: order_list.customer_card(
            user, world.card_customer), lambda c: len(c.orders)),
        *(Case("customer_card", f"admin/orders page {page}",
               lambda k=cursor: order_list.orders_of(
                   admin, customer_id=world.card_customer, after=k,
                   limit=order_list.CARD_PAGE), _page_rows)
          for page, cursor in _card_cursors(admin, world.card_customer).items()),
    ]


def _card_cursors(actor: Actor, customer_id: int) -> dict[int, Cursor]:
    """Keyset cursors of the card's later pages of orders: the middle one and the last."""
    card = order_list.customer_card(actor, customer_id)
    cursors: list[Cursor] = []
    cursor = card.next_cursor
    while cursor is not None:
        cursors.append(cursor)
        cursor = order_list.orders_of(actor, customer_id=customer_id, after=cursor).next_cursor
    if not cursors:
        return {}
    return {len(cursors) // 2 + 2: cursors[len(cursors) // 2], len(cursors) + 1: cursors[-1]}


def _open_and_close() -> int:
    with reading():
        return 0


def connection_case() -> Case:
    """What every service call pays first: opening (and closing) its connection."""
    return Case("connection_open", "reading()", _open_and_close, lambda n: n, replay=False)


def describe_filter(criteria: OrderFilter) -> dict[str, Any]:
    """A filter as JSON-friendly fields (only the ones set)."""
    out = {}
    for key, value in dataclasses.asdict(criteria).items():
        if value not in (None, False):
            out[key] = value.isoformat() if isinstance(value, dt.date) else str(value)
    return out

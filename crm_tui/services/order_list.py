"""The contact-order list: filters, sort by the admin's list mode, keyset pages, totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from peewee import SQL, Expression, Tuple, fn

from crm_tui.db.database import db
from crm_tui.db.models import (
    NO_DATE,
    ContactOrder,
    Customer,
    Involvement,
)
from crm_tui.db.search import MIN_TRIGRAM, contains, in_no_row, is_common, matches
from crm_tui.domain.errors import NotFound, ValidationError
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import (
    Actor,
    Completed,
    Cursor,
    CustomerCard,
    CustomerInfo,
    FacilityInfo,
    ListSort,
    OrderCounts,
    OrderFilter,
    OrderPage,
    OrderRow,
    OrderTotals,
    ServiceObjectInfo,
)
from crm_tui.domain.text import fold, text_terms
from crm_tui.services import registers, settings, statuses
from crm_tui.services.base import fresh, get_user_row, reading, require_some_view
from crm_tui.services.timezone import local_now
from crm_tui.services.visibility import (
    involving,
    involving_sql,
    row_query,
    row_select_sql,
    rows_of_sql,
    to_rows,
)

MAX_PAGE = 500
CARD_PAGE = 50  # a card's orders come a page at a time, as the list's do
_LAST_DAY = NO_DATE - dt.timedelta(days=1)


@dataclass
class _Plan:
    """How a filter is asked of the database.

    ``keys`` is the table holding the list keys (completed, sort_date, serial, hours):
    ``involvement`` when the filter is one user's orders (a view-assigned actor, "mine"
    or "assigned to"), so the page is a range of that user's index; else the orders
    themselves. ``key_clauses`` are on ``keys`` alone, ``order_clauses`` need the order.
    """

    driver: int | None
    keys: Any
    key_clauses: list[Expression] = field(default_factory=list)
    order_clauses: list[Expression] = field(default_factory=list)

    def joined(self, query: Any) -> Any:
        """``query`` (FROM contact_order) joined with the driving user's involvement."""
        if self.driver is None:
            return query
        return query.switch(ContactOrder).join(Involvement, on=(
            (Involvement.order == ContactOrder.id) & (Involvement.user == self.driver)))

    def where(self, query: Any) -> Any:
        for clause in (*self.key_clauses, *self.order_clauses):
            query = query.where(clause)
        return query


def _customer_matches(folded: str, ordered: bool) -> Expression:
    """Orders whose customer's search text contains ``folded``."""
    if ordered and is_common(Customer, folded):
        owner = Customer.alias()  # tested per order as the list walks: stops after a page
        return fn.EXISTS(owner.select(SQL("1")).where(
            (owner.id == ContactOrder.customer) & contains(owner.search_text, folded)))
    return ContactOrder.customer.in_(
        Customer.select(Customer.id).where(matches(Customer, folded)))


def _plan(actor: Actor, criteria: OrderFilter, *, ordered: bool = True) -> _Plan:
    criteria = criteria.resolved(local_now().date())
    require_some_view(actor)
    users: list[int] = []
    if not actor.has(Perm.VIEW):
        users.append(actor.id)
    if criteria.mine:
        users.append(actor.id)
    if criteria.assigned_to:
        users.append(get_user_row(criteria.assigned_to).id)
    users = list(dict.fromkeys(users))
    driver = users[0] if users else None
    keys = Involvement if driver is not None else ContactOrder
    plan = _Plan(driver, keys, [Involvement.user == driver] if driver is not None else [],
                 [involving(user) for user in users[1:]])
    if criteria.status:
        status = statuses.named(criteria.status)
        if status is None:
            raise ValidationError(f"Unknown status '{criteria.status}'", "status")
        plan.order_clauses.append(ContactOrder.status == status.id)
    if criteria.customer and fold(criteria.customer):
        plan.order_clauses.append(_customer_matches(fold(criteria.customer), ordered))
    # sort_date is the scheduled date (NO_DATE when unscheduled) and leads the list's
    # index, so a date window is an index range, in list order.
    if (criteria.scheduled_from and criteria.scheduled_to
            and criteria.scheduled_from > criteria.scheduled_to):
        raise ValidationError("The 'from' date is after the 'to' date", "scheduled_from")
    if criteria.scheduled_from:
        plan.key_clauses.append(keys.sort_date >= criteria.scheduled_from)
    if criteria.scheduled_to:
        plan.key_clauses.append(keys.sort_date <= min(criteria.scheduled_to, _LAST_DAY))
    elif criteria.scheduled_from:
        plan.key_clauses.append(keys.sort_date < NO_DATE)
    ident = Involvement.order if driver is not None else ContactOrder.id
    for term in text_terms(criteria.text):
        text = matches(ContactOrder, term, ordered=ordered, ident=ident)
        # a word shorter than a trigram is sought in the orders' own text only: in the
        # customers' too, it read every customer (60 ms for "alarm e4")
        if len(term) >= MIN_TRIGRAM and not in_no_row(Customer, term):
            text = text | _customer_matches(term, ordered)  # (else spare each order it)
        plan.order_clauses.append(text)
    return plan


def _sort_fields(sort: ListSort, keys: Any = ContactOrder) -> list[Any]:
    """The order within one group (open, then completed)."""
    if sort == ListSort.SERIAL:
        return [keys.serial]
    return [keys.sort_date, keys.serial]


def _cursor_values(cursor: Cursor, sort: ListSort) -> list[object]:
    if sort == ListSort.SERIAL:
        return [cursor.serial]
    return [dt.date.fromisoformat(cursor.key), cursor.serial]


def _groups(criteria: OrderFilter) -> list[bool]:
    """Which completed-groups the list shows, in order: open ones first."""
    return {Completed.EXCLUDE: [False], Completed.ONLY: [True],
            Completed.INCLUDE: [False, True]}[criteria.completed]


def list_orders(actor: Actor, criteria: OrderFilter | None = None, *,
                after: Cursor | None = None, before: Cursor | None = None,
                last: bool = False, limit: int = 50) -> OrderPage:
    """One page of orders the actor may see; completed ones always last: the first
    page, the one ``after`` a cursor, the one ``before`` a cursor, or the ``last`` one
    (End in the list: it took a key press a page to get there).

    Each group (open, completed) is read with an equality on ``completed`` and a keyset
    on (sort key, serial), so every page is an index range (read backwards for
    ``before`` and ``last``); a page that crosses from the open to the completed orders
    reads both.
    """
    criteria = criteria or OrderFilter()
    _page_size(limit)
    if after is not None and (before is not None or last):
        raise ValidationError("A page is after a cursor, or before one, not both")
    backwards = before is not None or last
    edge = before if backwards else after
    sort = settings.list_sort()
    with reading():
        actor = fresh(actor)
        plan = _plan(actor, criteria)
        keys = plan.keys
        fields = _sort_fields(sort, keys)
        base = plan.where(plan.joined(row_query()))
        rows: list[OrderRow] = []
        groups = _groups(criteria)
        for group in reversed(groups) if backwards else groups:
            if edge is not None and edge.completed != group and edge.completed != backwards:
                continue  # the cursor is already past this group
            query = base.where(keys.completed == group)
            if edge is not None and edge.completed == group:
                bound = Tuple(*_cursor_values(edge, sort))
                query = query.where(Tuple(*fields) < bound if backwards
                                    else Tuple(*fields) > bound)
            order = [field.desc() for field in fields] if backwards else fields
            rows += to_rows(query.order_by(*order).limit(limit + 1 - len(rows)))
            if len(rows) > limit:
                break
    if not backwards:
        return _page_of(rows, limit, sort)
    page = list(reversed(rows[:limit]))
    return OrderPage(tuple(page), Cursor.at(page[-1]) if page and before else None, sort,
                     Cursor.at(page[0]) if len(rows) > limit else None)


def orders_around(actor: Actor, criteria: OrderFilter | None, position: Cursor, *,
                  before: int, after: int) -> OrderPage:
    """The orders around an order's place in the list (``Cursor.at`` of it): up to
    ``before`` orders before it, then up to ``after`` from that place on: the order
    itself if it is still there (it may have gone, or moved), or the one after it.
    ``anchor`` is the row at that place. The list reads its loaded rows again this way
    (from the top, an order past the first 500 was lost, and the cursor with it)."""
    head = list_orders(actor, criteria, before=position, limit=before)
    start = Cursor.at(head.rows[-1]) if head.rows else None
    tail = list_orders(actor, criteria, after=start, limit=after)
    return OrderPage(head.rows + tail.rows, tail.next_cursor, tail.sort, head.prev_cursor,
                     anchor=len(head.rows))


def _page_of(rows: list[OrderRow], limit: int, sort: ListSort) -> OrderPage:
    """A page of ``limit`` rows from ``rows`` read with one more, to tell if more exist."""
    more = len(rows) > limit
    rows = rows[:limit]
    return OrderPage(tuple(rows), Cursor.at(rows[-1]) if more and rows else None, sort)


def iter_orders(actor: Actor, criteria: OrderFilter | None = None,
                page_size: int = 500) -> Iterator[OrderRow]:
    """Every matching order in list order, fetched page by page."""
    cursor: Cursor | None = None
    while True:
        page = list_orders(actor, criteria, after=cursor, limit=page_size)
        yield from page.rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def totals(actor: Actor, criteria: OrderFilter | None = None) -> OrderTotals:
    """How many orders match and the sum of their time required."""
    criteria = criteria or OrderFilter()
    with reading():
        actor = fresh(actor)
        plan = _plan(actor, criteria, ordered=False)
        keys = plan.keys
        # both groups spelled out: each is a range of a (completed, sort_date, ...) index
        groups = _groups(criteria)
        plan.key_clauses.append(keys.completed.in_(groups) if len(groups) > 1
                                else keys.completed == groups[0])
        sums = (fn.COUNT(SQL("*")), fn.COALESCE(fn.SUM(keys.hours), 0))
        # No join unless a clause needs the order: the key table's index covers the sum.
        if keys is Involvement and not plan.order_clauses:
            query = plan.where(Involvement.select(*sums))
        else:
            query = plan.where(plan.joined(ContactOrder.select(*sums)))
        count, hours = query.tuples().get()
    return OrderTotals(int(count), Decimal(str(hours)).quantize(Decimal("0.01")))


@dataclass(frozen=True)
class _Owner:
    """Whose orders: ``column`` of contact_order equal to ``value``."""

    column: str
    value: int

    def where(self, actor: Actor) -> tuple[str, list[Any]]:
        """The WHERE clause (on ``t1``) of the owner's orders the actor may see, as SQL
        text: these statements run for every card and page, and built by peewee they
        took longer than their SQL (0.3 ms against 0.2 for a page)."""
        require_some_view(actor)
        clause, params = f"t1.{self.column} = {db.param}", [self.value]
        if not actor.has(Perm.VIEW):
            clause += f" AND {involving_sql(db.param)}"
            params.append(actor.id)
        return clause, params


def _owner(customer_id: int | None, facility_id: int | None,
           service_object_id: int | None) -> _Owner:
    """The orders of one customer, facility or service object."""
    given = [_Owner(column, value) for column, value in (
        ("customer_id", customer_id), ("facility_id", facility_id),
        ("service_object_id", service_object_id)) if value is not None]
    if len(given) != 1:
        raise ValidationError("Give one customer, facility or service object")
    return given[0]


def _owner_page(actor: Actor, owner: _Owner, after: Cursor | None,
                limit: int) -> OrderPage:
    # An owner's orders in list order (open first) are a range of its (owner,
    # completed, sort_date, serial) index (migration 0010), and so is what follows a
    # cursor: one statement, where the list reads each completed-group in turn (a
    # technician's card, whose page crosses into the completed orders, took two walks
    # of the customer's orders).
    sort = settings.list_sort()
    where, params = owner.where(actor)
    keys = ", ".join(["t1.completed", *(["t1.serial"] if sort == ListSort.SERIAL
                                         else ["t1.sort_date", "t1.serial"])])
    mark = db.param
    sql = f"{row_select_sql()} WHERE {where}"
    if after is not None:
        start = [after.completed, *_cursor_values(after, sort)]
        sql += f" AND ({keys}) > ({', '.join(mark for _ in start)})"
        params += [v.isoformat() if isinstance(v, dt.date) else v for v in start]
    rows = rows_of_sql(f"{sql} ORDER BY {keys} LIMIT {mark}", [*params, limit + 1])
    return _page_of(rows, limit, sort)


def _owner_counts(actor: Actor, owner: _Owner) -> OrderCounts:
    where, params = owner.where(actor)
    counts = {bool(completed): int(count) for completed, count in db.execute_sql(
        f"SELECT t1.completed, COUNT(*) FROM contact_order AS t1 WHERE {where} "
        "GROUP BY t1.completed", params)}
    return OrderCounts(counts.get(False, 0), counts.get(True, 0))


def _page_size(limit: int, least: int = 1) -> None:
    if not least <= limit <= MAX_PAGE:
        raise ValidationError(f"Page size must be between {least} and {MAX_PAGE}")


def customer_card(actor: Actor, customer_id: int, order_limit: int = CARD_PAGE) -> CustomerCard:
    """A customer with facilities, service objects, and the first page of the orders the
    actor may see with their counts (``order_limit=0``: no orders and no counts)."""
    _page_size(order_limit, least=0)
    mark = db.param
    # written out as SQL text, as the orders are (see _Owner.where)
    with reading():
        actor = fresh(actor)
        row = db.execute_sql(f"SELECT id, number, name, address, city, phone, email, version "
                             f"FROM customer WHERE id = {mark}", (customer_id,)).fetchone()
        if row is None:
            raise NotFound(registers.gone("customer", customer_id))
        customer = CustomerInfo(*row)
        facilities = tuple(FacilityInfo(fid, name, customer.id, customer.name, *rest)
                           for fid, name, *rest in db.execute_sql(
                               "SELECT id, name, address, city, latitude, longitude FROM "
                               f"facility WHERE customer_id = {mark} ORDER BY name, id",
                               (customer.id,)))
        objects = tuple(ServiceObjectInfo(oid, name, customer.id, customer.name, *rest)
                        for oid, name, *rest in db.execute_sql(
                            "SELECT o.id, o.name, o.facility_id, (SELECT name FROM facility "
                            "WHERE id = o.facility_id), o.model, o.serial_number FROM "
                            f"service_object AS o WHERE o.customer_id = {mark} "
                            "ORDER BY o.name, o.id", (customer.id,)))
        if not order_limit:
            return CustomerCard(customer, facilities, objects, ())
        page, counts = _first_page(actor, _Owner("customer_id", customer.id), order_limit)
        return CustomerCard(customer, facilities, objects, page.rows, page.next_cursor, counts)


def _first_page(actor: Actor, owner: _Owner, limit: int) -> tuple[OrderPage, OrderCounts]:
    page = _owner_page(actor, owner, None, limit)
    if page.next_cursor is not None:
        return page, _owner_counts(actor, owner)
    done = sum(r.completed for r in page.rows)  # the page holds them all
    return page, OrderCounts(len(page.rows) - done, done)


def card_orders(actor: Actor, *, customer_id: int | None = None,
                facility_id: int | None = None, service_object_id: int | None = None,
                limit: int = CARD_PAGE) -> tuple[OrderPage, OrderCounts]:
    """What a card first shows of the orders of one customer, facility or service
    object that the actor may see: the first page, and how many there are."""
    owner = _owner(customer_id, facility_id, service_object_id)
    _page_size(limit)
    with reading():
        return _first_page(fresh(actor), owner, limit)


def orders_of(actor: Actor, *, customer_id: int | None = None, facility_id: int | None = None,
              service_object_id: int | None = None, after: Cursor | None = None,
              limit: int = CARD_PAGE) -> OrderPage:
    """A page of the orders of one customer, facility or service object that the actor
    may see, in list order (open ones first), after ``after``."""
    owner = _owner(customer_id, facility_id, service_object_id)
    _page_size(limit)
    with reading():
        return _owner_page(fresh(actor), owner, after, limit)



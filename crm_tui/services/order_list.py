"""The contact-order list: filters, sort by the admin's list mode, keyset pages, totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from peewee import SQL, Expression, Tuple, fn

from crm_tui.db.models import NO_DATE, ContactOrder, Customer, Facility, ServiceObject, Status
from crm_tui.db.search import matches
from crm_tui.domain.errors import NotFound, ValidationError
from crm_tui.domain.records import (
    Actor,
    Completed,
    Cursor,
    CustomerCard,
    ListSort,
    OrderFilter,
    OrderPage,
    OrderRow,
    OrderTotals,
)
from crm_tui.domain.text import fold
from crm_tui.services import registers, settings
from crm_tui.services.base import fresh, get_user_row, reading
from crm_tui.services.timezone import local_now
from crm_tui.services.visibility import involving, row_query, to_rows, visible_clause

MAX_PAGE = 500
_LAST_DAY = NO_DATE - dt.timedelta(days=1)


def _where(actor: Actor, criteria: OrderFilter, *, ordered: bool = True) -> list[Expression]:
    criteria = criteria.resolved(local_now().date())
    clauses: list[Expression] = []
    visible = visible_clause(actor, ordered=ordered)
    if visible is not None:
        clauses.append(visible)
    if criteria.mine:
        clauses.append(involving(actor.id, ordered=ordered))
    if criteria.assigned_to:
        clauses.append(involving(get_user_row(criteria.assigned_to).id, ordered=ordered))
    if criteria.status:
        status = Status.get_or_none(fn.LOWER(Status.name) == criteria.status.strip().lower())
        if status is None:
            raise ValidationError(f"Unknown status '{criteria.status}'", "status")
        clauses.append(ContactOrder.status == status.id)
    if criteria.customer and fold(criteria.customer):
        clauses.append(ContactOrder.customer.in_(
            Customer.select(Customer.id).where(matches(Customer, fold(criteria.customer)))))
    # sort_date is the scheduled date (NO_DATE when unscheduled) and leads the list's
    # index, so a date window is an index range, in list order.
    if criteria.scheduled_from:
        clauses.append(ContactOrder.sort_date >= criteria.scheduled_from)
    if criteria.scheduled_to:
        clauses.append(ContactOrder.sort_date <= min(criteria.scheduled_to, _LAST_DAY))
    elif criteria.scheduled_from:
        clauses.append(ContactOrder.sort_date < NO_DATE)
    if (criteria.scheduled_from and criteria.scheduled_to
            and criteria.scheduled_from > criteria.scheduled_to):
        raise ValidationError("The 'from' date is after the 'to' date", "scheduled_from")
    if criteria.text and fold(criteria.text):
        folded = fold(criteria.text)
        clauses.append(matches(ContactOrder, folded, ordered=ordered) | ContactOrder.customer.in_(
            Customer.select(Customer.id).where(matches(Customer, folded))))
    if criteria.completed == Completed.EXCLUDE:
        clauses.append(ContactOrder.completed == False)  # noqa: E712
    elif criteria.completed == Completed.ONLY:
        clauses.append(ContactOrder.completed == True)  # noqa: E712
    return clauses


def _apply(query: object, clauses: list[Expression]) -> object:
    for clause in clauses:
        query = query.where(clause)  # type: ignore[attr-defined]
    return query


def _sort_fields(sort: ListSort) -> list[object]:
    """The order within one group (open, then completed)."""
    if sort == ListSort.SERIAL:
        return [ContactOrder.serial]
    return [ContactOrder.sort_date, ContactOrder.serial]


def _cursor_values(cursor: Cursor, sort: ListSort) -> list[object]:
    if sort == ListSort.SERIAL:
        return [cursor.serial]
    return [dt.date.fromisoformat(cursor.key), cursor.serial]


def _groups(criteria: OrderFilter) -> list[bool]:
    """Which completed-groups the list shows, in order: open ones first."""
    return {Completed.EXCLUDE: [False], Completed.ONLY: [True],
            Completed.INCLUDE: [False, True]}[criteria.completed]


def list_orders(actor: Actor, criteria: OrderFilter | None = None, *,
                after: Cursor | None = None, limit: int = 50) -> OrderPage:
    """One page of orders the actor may see; completed ones always last.

    Each group (open, completed) is read with an equality on ``completed`` and a keyset
    on (sort key, serial), so every page is an index range; a page that crosses from the
    open to the completed orders reads both.
    """
    criteria = criteria or OrderFilter()
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(f"Page size must be between 1 and {MAX_PAGE}")
    sort = settings.list_sort()
    fields = _sort_fields(sort)
    rows: list[OrderRow] = []
    with reading():
        actor = fresh(actor)
        clauses = _where(actor, criteria)
        for group in _groups(criteria):
            if after is not None and after.completed and not group:
                continue  # the cursor is already past the open orders
            query = _apply(row_query(), clauses).where(  # type: ignore[attr-defined]
                ContactOrder.completed == group)
            if after is not None and after.completed == group:
                query = query.where(Tuple(*fields) > Tuple(*_cursor_values(after, sort)))
            rows += to_rows(query.order_by(*fields).limit(limit + 1 - len(rows)))
            if len(rows) > limit:
                break
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = None
    if more and rows:
        last = rows[-1]
        cursor = Cursor(last.completed, last.sort_date.isoformat(), last.serial)
    return OrderPage(tuple(rows), cursor, sort)


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
        # COUNT(*) and no join: with a date window the hours index covers the query.
        query = _apply(ContactOrder.select(fn.COUNT(SQL("*")),
                                           fn.COALESCE(fn.SUM(ContactOrder.hours), 0)),
                       _where(actor, criteria, ordered=False))
        count, hours = query.tuples().get()  # type: ignore[attr-defined]
    return OrderTotals(int(count), Decimal(str(hours)).quantize(Decimal("0.01")))


def _orders_where(actor: Actor, clause: Expression, limit: int) -> list[OrderRow]:
    query = row_query().where(clause)  # type: ignore[attr-defined]
    visible = visible_clause(actor)
    if visible is not None:
        query = query.where(visible)
    return to_rows(query.order_by(ContactOrder.completed, *_sort_fields(settings.list_sort()))
                   .limit(limit))


def customer_card(actor: Actor, customer_id: int, order_limit: int = 500) -> CustomerCard:
    """A customer with facilities, service objects and every order the actor may see."""
    with reading():
        actor = fresh(actor)
        customer = Customer.get_or_none(Customer.id == customer_id)
        if customer is None:
            raise NotFound(f"No customer with id {customer_id}")
        facilities = tuple(registers.facility_info(f, customer.name) for f in
                           Facility.select().where(Facility.customer == customer)
                           .order_by(Facility.name))
        objects = tuple(registers.service_object_info(s) for s in
                        ServiceObject.select().where(ServiceObject.customer == customer)
                        .order_by(ServiceObject.name))
        orders = _orders_where(actor, ContactOrder.customer == customer.id, order_limit)
        return CustomerCard(registers.customer_info(customer), facilities, objects,
                            tuple(orders))


def orders_of(actor: Actor, *, facility_id: int | None = None,
              service_object_id: int | None = None, limit: int = 500) -> list[OrderRow]:
    """Orders of a facility or service object that the actor may see."""
    with reading():
        actor = fresh(actor)
        if facility_id is not None:
            return _orders_where(actor, ContactOrder.facility == facility_id, limit)
        if service_object_id is not None:
            return _orders_where(actor, ContactOrder.service_object == service_object_id, limit)
    raise ValidationError("Give a facility or a service object")


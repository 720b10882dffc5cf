"""The contact-order list: filters, sort by the admin's list mode, keyset pages, totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from peewee import SQL, Expression, Tuple, fn

from crm_tui.db.models import (
    NO_DATE,
    ContactOrder,
    Customer,
    Facility,
    Involvement,
    ServiceObject,
    Status,
)
from crm_tui.db.search import contains, in_no_row, is_common, matches
from crm_tui.domain.errors import NotFound, ValidationError
from crm_tui.domain.permissions import Perm
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
    ServiceObjectInfo,
)
from crm_tui.domain.text import fold
from crm_tui.services import registers, settings
from crm_tui.services.base import fresh, get_user_row, reading, require_some_view
from crm_tui.services.timezone import local_now
from crm_tui.services.visibility import involving, row_query, to_rows, visible_clause

MAX_PAGE = 500
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
        status = Status.get_or_none(fn.LOWER(Status.name) == criteria.status.strip().lower())
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
    if criteria.text and fold(criteria.text):
        folded = fold(criteria.text)
        ident = Involvement.order if driver is not None else ContactOrder.id
        text = matches(ContactOrder, folded, ordered=ordered, ident=ident)
        if not in_no_row(Customer, folded):  # else spare every order row the customer test
            text = text | _customer_matches(folded, ordered)
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
    rows: list[OrderRow] = []
    with reading():
        actor = fresh(actor)
        plan = _plan(actor, criteria)
        keys = plan.keys
        fields = _sort_fields(sort, keys)
        base = plan.where(plan.joined(row_query()))
        for group in _groups(criteria):
            if after is not None and after.completed and not group:
                continue  # the cursor is already past the open orders
            query = base.where(keys.completed == group)
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
        site_name = (Facility.select(Facility.name)
                     .where(Facility.id == ServiceObject.facility))  # not a read per object
        objects = tuple(ServiceObjectInfo(oid, name, customer.id, customer.name, site_id, site,
                                          model, serial)
                        for oid, name, site_id, site, model, serial in ServiceObject.select(
                            ServiceObject.id, ServiceObject.name, ServiceObject.facility,
                            site_name, ServiceObject.model, ServiceObject.serial_number)
                        .where(ServiceObject.customer == customer)
                        .order_by(ServiceObject.name).tuples())
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


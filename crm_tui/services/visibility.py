"""Which contact orders a user may see, and row building shared by read paths."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from peewee import JOIN, SQL, Expression, Field, SelectQuery, fn

from crm_tui.db.database import db, ids_sql, is_sqlite, reader
from crm_tui.db.models import (
    AuditEvent,
    ContactOrder,
    Customer,
    Facility,
    Involvement,
    ServiceObject,
    Status,
)
from crm_tui.domain.errors import NotFound
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor, Contact, OrderRow
from crm_tui.services.base import require_some_view
from crm_tui.services.timezone import stored_to_local, zone


def involving(user_id: int) -> Expression:
    """Orders the user is assigned to, or is the assignee of one of its bookings.

    A test per order (one primary-key probe of ``involvement``); a listing of one
    user's orders is better driven from that table (see order_list).
    """
    pair = Involvement.alias()
    return fn.EXISTS(pair.select(SQL("1")).where(
        (pair.order == ContactOrder.id) & (pair.user == user_id)))


def visible_clause(actor: Actor) -> Expression | None:
    """A WHERE clause limiting orders to those the actor may see (None = all)."""
    require_some_view(actor)
    if actor.has(Perm.VIEW):
        return None
    return involving(actor.id)


def is_involved(actor: Actor, order: ContactOrder) -> bool:
    """True if the actor is an assignee of the order or of one of its bookings."""
    return Involvement.select().where((Involvement.order == order.id)
                                      & (Involvement.user == actor.id)).exists()


def visible_order(actor: Actor, serial: int, *, lock: bool = False) -> ContactOrder:
    """The order with ``serial`` if the actor may see it, else NotFound.

    With ``lock`` (write paths) the row is locked until the transaction ends, so
    concurrent edits on PostgreSQL serialise and the version check holds; SQLite's
    write transactions are serial already.
    """
    require_some_view(actor)
    query = ContactOrder.select().where(ContactOrder.serial == serial)
    if lock and not is_sqlite():
        query = query.for_update()
    order = query.first()
    if order is None and actor.has(Perm.VIEW):
        raise NotFound(gone(serial))
    if order is None or (not actor.has(Perm.VIEW) and not is_involved(actor, order)):
        raise NotFound(f"No contact order {serial}")
    return order


def gone(serial: int) -> str:
    """Why there is no order ``serial``, for one who sees every order: deleted by whom
    and when, if it was (an order open in a form and deleted meanwhile said only "No
    contact order 1205"); else that there is none."""
    from crm_tui.services.timezone import to_local

    deleted = (AuditEvent.select(AuditEvent.actor, AuditEvent.at)
               .where((AuditEvent.entity == "order") & (AuditEvent.entity_id == str(serial))
                      & (AuditEvent.action == "order.delete"))
               .order_by(AuditEvent.id.desc()).first())
    if deleted is None:
        return f"No contact order {serial}"
    return (f"Contact order {serial} was deleted by {deleted.actor or 'the system'} on "
            f"{to_local(deleted.at):%Y-%m-%d %H:%M}")


ROW_FIELDS = (ContactOrder.id, ContactOrder.serial, ContactOrder.subject, ContactOrder.customer,
              ContactOrder.facility, ContactOrder.service_object, ContactOrder.contact_name,
              ContactOrder.contact_phone, ContactOrder.contact_email, ContactOrder.status,
              ContactOrder.scheduled, ContactOrder.sort_date, ContactOrder.hours,
              ContactOrder.completed, ContactOrder.completed_at)


# The select list of row_query(), written out: rendered by peewee, its 19 columns and
# four subqueries took 0.3 ms a statement, more than a page's SQL itself (0.2 ms).
# Peewee names the query's tables t1, t2, ... in the order they are rendered: the
# orders first (FROM), then the joins in the order row_query() makes them (SQLite).
_ROW_COLUMNS = ", ".join(f"t1.{field.column_name}" for field in ROW_FIELDS)
_NAMES_BY_SUBQUERY = ", ".join(
    f"(SELECT name FROM {table} WHERE id = t1.{column})" for table, column in (
        ("customer", "customer_id"), ("facility", "facility_id"),
        ("service_object", "service_object_id"), ("status", "status_id")))
ROW_READS: tuple[Field | None, ...] = (*ROW_FIELDS, None, None, None, None)


def row_query() -> Any:
    """SELECT of orders with the names a list row shows (read it with :func:`to_rows`).

    On PostgreSQL the names are scalar subqueries: it then plans a join of at most two
    tables (a page read from the involvement table), not six; planning the six-table
    join took 2.6 ms, longer than running it (1 ms). SQLite plans joins at no cost and
    reads a card's 500 rows faster with them (3.3 ms against 4.4).
    """
    if not is_sqlite():
        return ContactOrder.select(SQL(f"{_ROW_COLUMNS}, {_NAMES_BY_SUBQUERY}"))
    return (ContactOrder
            .select(SQL(f"{_ROW_COLUMNS}, t2.name, t3.name, t4.name, t5.name"))
            .join(Customer, on=ContactOrder.customer == Customer.id)
            .switch(ContactOrder)
            .join(Facility, JOIN.LEFT_OUTER, on=ContactOrder.facility == Facility.id)
            .switch(ContactOrder)
            .join(ServiceObject, JOIN.LEFT_OUTER,
                  on=ContactOrder.service_object == ServiceObject.id)
            .switch(ContactOrder)
            .join(Status, JOIN.LEFT_OUTER, on=ContactOrder.status == Status.id))


def row_select_sql() -> str:
    """:func:`row_query` written out as SQL text up to its WHERE: the orders as ``t1``
    with the names a row shows (read it with :func:`rows_of_sql`)."""
    if not is_sqlite():
        return f"SELECT {_ROW_COLUMNS}, {_NAMES_BY_SUBQUERY} FROM contact_order AS t1"
    return (f"SELECT {_ROW_COLUMNS}, t2.name, t3.name, t4.name, t5.name "
            "FROM contact_order AS t1 JOIN customer AS t2 ON t2.id = t1.customer_id "
            "LEFT JOIN facility AS t3 ON t3.id = t1.facility_id "
            "LEFT JOIN service_object AS t4 ON t4.id = t1.service_object_id "
            "LEFT JOIN status AS t5 ON t5.id = t1.status_id")


def involving_sql(user_param: str) -> str:
    """:func:`involving` written out (``t1`` the order; ``user_param`` the placeholder)."""
    return ("EXISTS (SELECT 1 FROM involvement AS v WHERE v.order_id = t1.id "
            f"AND v.user_id = {user_param})")


def assignees_of(order_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """Usernames assigned to each order."""
    ids = list(order_ids)
    out: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return {}
    test, params = ids_sql("a.order_id", ids)
    for order_id, username in db.execute_sql(
            'SELECT a.order_id, u.username FROM assignment AS a JOIN "user" AS u '
            f"ON u.id = a.user_id WHERE {test} ORDER BY u.username", params):
        out[order_id].append(username)
    return {k: tuple(v) for k, v in out.items()}


def to_rows(query: SelectQuery) -> list[OrderRow]:
    """OrderRows for the orders of ``query``, row_query() with its clauses."""
    sql, params = query.sql()
    return rows_of_sql(sql, params)


def _remembered(parse: Callable[[Any], Any],
                size: int = 4096) -> tuple[dict[Any, Any], Callable[[Any], Any]]:
    """A dict of values already parsed, and the function that parses one it lacks (and
    keeps it; the dict is emptied when full). For immutable values that repeat: the
    dates and hours of a page of orders are a few dozen values, and a lookup costs a
    tenth of parsing (a date from text 0.3 µs, hours to a rounded Decimal 1 µs)."""
    known: dict[Any, Any] = {}

    def miss(value: Any) -> Any:
        parsed = parse(value)
        if len(known) >= size:
            known.clear()
        known[value] = parsed
        return parsed

    return known, miss


_CENT = Decimal("0.01")
# What fetch(query, ROW_READS) would do to each converting column, done in the one pass
# that builds the rows (the completion time: stored_to_local, which reads it as
# read_datetime does).
_DAYS, _NEW_DAY = _remembered(reader(ContactOrder.sort_date) or (lambda value: value))
_HOURS, _NEW_HOURS = _remembered(
    lambda value: (reader(ContactOrder.hours) or Decimal)(value).quantize(_CENT))


def rows_of_sql(sql: str, params: list[Any]) -> list[OrderRow]:
    """OrderRows for the orders of ``sql``: :func:`row_select_sql` with its clauses."""
    rows = db.execute_sql(sql, params).fetchall()
    assigned = assignees_of(r[0] for r in rows)
    tz = zone()
    days, new_day, hours_known, new_hours = _DAYS.get, _NEW_DAY, _HOURS.get, _NEW_HOURS
    return [OrderRow(
        id=oid, serial=serial, subject=subject, customer_id=customer_id, customer=customer,
        facility=facility, service_object=service_object,
        contact=Contact(contact_name, contact_phone, contact_email), status=status,
        scheduled=(None if scheduled is None
                   else d if (d := days(scheduled)) is not None else new_day(scheduled)),
        hours=h if (h := hours_known(hours)) is not None else new_hours(hours),
        assignees=assigned.get(oid, ()), completed=bool(completed),
        completed_at=stored_to_local(completed_at, tz) if completed_at else None,
        sort_date=d if (d := days(sort_date)) is not None else new_day(sort_date),
    ) for (oid, serial, subject, customer_id, _facility_id, _object_id, contact_name,
           contact_phone, contact_email, _status_id, scheduled, sort_date, hours, completed,
           completed_at, customer, facility, service_object, status) in rows]


def row_of(order_id: int) -> OrderRow:
    """One order's row by id."""
    return to_rows(row_query().where(ContactOrder.id == order_id))[0]

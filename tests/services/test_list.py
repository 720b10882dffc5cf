"""The order list: filters, sort modes, completed last, keyset pages, totals, saved filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from crm_tui.domain.errors import AlreadyExists, CrmError, NotFound, ValidationError
from crm_tui.domain.records import (
    Actor,
    Completed,
    Cursor,
    ListSort,
    OrderCounts,
    OrderFilter,
)
from crm_tui.domain.text import text_terms
from crm_tui.services import bookings, filters, order_list, orders, registers, settings
from crm_tui.services.timezone import local_now
from tests.conftest import make_user
from tests.services.helpers import INCLUDE, new_order, refused, serials

D = dt.date.fromisoformat
ONLY = Completed.ONLY


@dataclass
class ListWorld:
    """Eight orders with known dates, customers, statuses and assignees (see list_world)."""

    admin: Actor
    bob: Actor
    carol: Actor
    s: dict[int, int]

    def of(self, *numbers: int) -> list[int]:
        """Serials of the orders numbered 1..8 below, in the given order."""
        return [self.s[n] for n in numbers]


@pytest.fixture
def lw(admin: Actor) -> ListWorld:
    """Orders 1..8 (number: subject, customer, scheduled, hours, assignees, extra).

    1 Heat pump service   Bergström  2026-03-05 1.5  bob    status Contacted
    2 Boiler leak         Acme       2026-03-01 2    carol
    3 Quote for lift      Acme       -          0.5  -
    4 Annual pump check   Bergström  2026-03-01 3    carol  booking for bob
    5 Old job             Acme       2026-01-10 4    bob    completed
    6 Filter change       Ångström   2026-04-20 1.25 -      status Won
    7 Completed pump      Bergström  2026-05-01 2    carol  completed
    8 No date job         Bergström  -          0    bob
    """
    bob = make_user(admin, "bob", "view-assigned")
    carol = make_user(admin, "carol", "view", "create", "edit", "assign")
    berg = registers.add_customer(admin, "Bergström Värme AB", city="Umeå").id
    acme = registers.add_customer(admin, "Acme", city="Lund").id
    angs = registers.add_customer(admin, "Ångström Kyl", city="Kiruna").id
    rows = [
        ("Heat pump service", berg, "2026-03-05", "1.5", ["bob"], "Contacted"),
        ("Boiler leak", acme, "2026-03-01", "2", ["carol"], None),
        ("Quote for lift", acme, None, "0.5", [], None),
        ("Annual heat pump check", berg, "2026-03-01", "3", ["carol"], None),
        ("Old job", acme, "2026-01-10", "4", ["bob"], None),
        ("Filter change", angs, "2026-04-20", "1.25", [], "Won"),
        ("Completed pump", berg, "2026-05-01", "2", ["carol"], None),
        ("No date job", berg, None, "0", ["bob"], None),
    ]
    s = {}
    for number, (subject, customer, scheduled, hours, assignees, status) in enumerate(rows, 1):
        s[number] = new_order(admin, subject, customer=None, customer_id=customer,
                              scheduled=scheduled, hours=hours, assignees=assignees,
                              status=status)
    bookings.add_booking(admin, s[4], "2026-03-01 10:00", "phone", assignee="bob")
    orders.set_completed(admin, s[5], True)
    orders.set_completed(admin, s[7], True)
    return ListWorld(admin, bob, carol, s)


def listed(actor: Actor, **criteria: object) -> list[int]:
    """Serials of one big page for these criteria."""
    return serials(order_list.list_orders(actor, OrderFilter(**criteria), limit=500))


def test_filters(lw: ListWorld) -> None:
    """Each filter narrows the list as the manual says; criteria combine with AND."""
    admin, bob, carol = lw.admin, lw.bob, lw.carol
    of = lw.of
    assert listed(admin) == of(2, 4, 1, 6, 3, 8)
    assert listed(bob, mine=True) == of(4, 1, 8)
    assert listed(bob, mine=True, completed=Completed.INCLUDE) == of(4, 1, 8, 5)
    assert listed(carol, mine=True) == of(2, 4)
    assert listed(admin, assigned_to="carol", completed=Completed.INCLUDE) == of(2, 4, 7)
    assert listed(admin, assigned_to="bob") == of(4, 1, 8)  # booking assignee counts
    assert listed(admin, status="contacted") == of(1)
    assert listed(admin, status="WON") == of(6)
    assert listed(admin, customer="bergstrom") == of(4, 1, 8)
    assert listed(admin, customer="BERGSTRÖM värme") == of(4, 1, 8)
    assert listed(admin, customer="angstrom") == of(6)
    assert listed(admin, customer="umea") == of(4, 1, 8)  # the customer's city
    assert listed(admin, customer="acme", completed=ONLY) == of(5)
    assert listed(admin, scheduled_from=D("2026-03-01"), scheduled_to=D("2026-03-05")
                  ) == of(2, 4, 1)
    assert listed(admin, scheduled_from=D("2026-03-02")) == of(1, 6)
    assert listed(admin, scheduled_to=D("2026-03-01"), completed=Completed.INCLUDE
                  ) == of(2, 4, 5)
    assert listed(admin, text="heat pump") == of(4, 1)
    assert listed(admin, text="LEAK") == of(2)
    assert listed(admin, text="acme") == of(2, 3)  # free text also matches the customer
    # Words, each anywhere in the order's text or its customer's; all of them.
    assert listed(admin, text="pump heat") == of(4, 1)
    assert listed(admin, text="bergstrom check") == of(4)  # the customer's, the order's
    assert listed(admin, text="umea pump leak") == []
    assert listed(admin, text='"pump heat"') == []  # a quoted phrase is one term
    assert listed(admin, text='"heat pump" annual') == of(4)
    assert listed(admin, text="lift for") == of(3)
    assert listed(admin, text="for lift") == of(3)  # in any order
    # its number (a word that short is sought in the order's own text) and customer
    assert listed(admin, text=f"{lw.s[3]} acme") == of(3)
    assert listed(admin, text="pump", completed=ONLY) == of(7)
    assert listed(admin, completed=ONLY) == of(5, 7)
    assert listed(admin, completed=Completed.INCLUDE) == of(2, 4, 1, 6, 3, 8, 5, 7)
    assert listed(bob, customer="berg", text="pump", mine=True) == of(4, 1)
    assert listed(admin, text="%") == [] and listed(admin, text="_") == []
    assert listed(admin, customer="   ", text="") == of(2, 4, 1, 6, 3, 8)


def test_text_terms_are_words_and_short_ones_stay_with_a_neighbour() -> None:
    """Each word is a term, in any order; a quoted phrase is one; a word of one or two
    letters stays with the word beside it, as a phrase (an error code: "alarm e4"),
    unless it is a number (an order's)."""
    assert text_terms("Sandbergs  Ventilation") == ["sandbergs", "ventilation"]
    assert text_terms("alarm E4") == ["alarm e4"]
    assert text_terms("e4 alarm") == ["e4 alarm"]
    assert text_terms("47 sandbergs") == ["47", "sandbergs"]
    assert text_terms('"Heat pump" ab') == ["heat pump", "ab"]
    assert text_terms('pump "x y" 12 ab') == ["pump", "x y", "12", "ab"]
    assert text_terms("pump PUMP") == ["pump"]
    assert text_terms("  ") == [] and text_terms(None) == []


def test_bad_list_criteria_are_refused(lw: ListWorld) -> None:
    """Unknown status or user, reversed dates and bad page sizes raise one-line errors."""
    admin = lw.admin
    cases: list[tuple[object, type[CrmError]]] = [
        (lambda: listed(admin, status="Teleported"), ValidationError),
        (lambda: listed(admin, assigned_to="ghost"), NotFound),
        (lambda: listed(admin, scheduled_from=D("2026-05-01"), scheduled_to=D("2026-04-01")),
         ValidationError),
        (lambda: order_list.list_orders(admin, limit=0), ValidationError),
        (lambda: order_list.list_orders(admin, limit=100_000), ValidationError),
        (lambda: order_list.list_orders(admin, after=Cursor(False, "2026-01-01", 1),
                                        last=True), ValidationError),
        (lambda: order_list.orders_of(admin), ValidationError),
        (lambda: order_list.customer_card(admin, 987654), NotFound),
    ]
    for call, error in cases:
        refused(call, error)  # type: ignore[arg-type]


def test_sort_by_scheduled_date_or_serial_with_completed_last(lw: ListWorld) -> None:
    """The admin's list mode decides the order; completed orders always come last."""
    admin, of = lw.admin, lw.of
    page = order_list.list_orders(admin, INCLUDE, limit=500)
    assert page.sort == ListSort.SCHEDULED
    assert serials(page) == of(2, 4, 1, 6, 3, 8, 5, 7)
    assert [r.completed for r in page.rows] == [False] * 6 + [True] * 2

    settings.set_value(admin, "list_sort", "serial")
    assert settings.list_sort() == ListSort.SERIAL
    page = order_list.list_orders(admin, INCLUDE, limit=500)
    assert page.sort == ListSort.SERIAL
    assert serials(page) == of(1, 2, 3, 4, 6, 8, 5, 7)
    assert serials(order_list.customer_card(admin, page.rows[0].customer_id).orders) == of(
        1, 4, 8, 7)

    # Reopening moves an order back among the open ones; completing moves it last.
    orders.set_completed(admin, lw.s[5], False)
    orders.set_completed(admin, lw.s[1], True)
    assert serials(order_list.list_orders(admin, INCLUDE)) == of(2, 3, 4, 5, 6, 8, 1, 7)
    settings.set_value(admin, "list_sort", "scheduled")
    assert serials(order_list.list_orders(admin, INCLUDE)) == of(5, 2, 4, 6, 3, 8, 1, 7)


def test_keyset_pages_cover_every_order_exactly_once(admin: Actor) -> None:
    """Walking pages with ``after=next_cursor`` equals one big page, in both sort modes."""
    make_user(admin, "bob", "view-assigned")
    dates = ["2026-03-01", None, "2026-03-01", "2026-02-10", None, "2026-03-01",
             "2026-05-05", "2026-02-10", "2025-12-31", None, "2026-03-02", "2026-03-01"]
    made = []
    for i in range(24):  # many equal dates and no-dates: ties must break on the serial
        made.append(new_order(admin, f"Order {i}", customer=("Acme", "Berg", "Cyan")[i % 3],
                              scheduled=dates[i % len(dates)], hours=str(i % 5 * 0.75),
                              assignees=["bob"] if i % 4 == 0 else []))
    for serial in made[::5]:
        orders.set_completed(admin, serial, True)

    walks = [(INCLUDE, (1, 7)), (OrderFilter(), (4,)), (OrderFilter(completed=ONLY), (2,)),
             (OrderFilter(customer="berg", completed=Completed.INCLUDE), (3,)),
             (OrderFilter(assigned_to="bob", completed=Completed.INCLUDE), (2,))]
    for sort in ("serial", "scheduled"):
        settings.set_value(admin, "list_sort", sort)
        for criteria, sizes in walks:
            whole = order_list.list_orders(admin, criteria, limit=500)
            assert whole.next_cursor is None and whole.sort == ListSort(sort)
            for size in sizes:
                walked, cursor, pages = [], None, 0
                while True:
                    page = order_list.list_orders(admin, criteria, after=cursor, limit=size)
                    assert len(page.rows) <= size
                    walked += serials(page)
                    pages += 1
                    if page.next_cursor is None:
                        break
                    cursor = page.next_cursor
                    assert pages <= 30, "paging does not end"
                assert walked == serials(whole), (sort, criteria, size)
                assert len(set(walked)) == len(walked)
                # End, then up: the last page and the ones before it, back to the first
                page = order_list.list_orders(admin, criteria, last=True, limit=size)
                assert page.next_cursor is None
                backwards, pages = serials(page), 1
                while page.prev_cursor is not None:
                    before = page.prev_cursor
                    page = order_list.list_orders(admin, criteria, before=before, limit=size)
                    assert len(page.rows) == size or page.prev_cursor is None
                    # more come after it: from its last row, which is just before ``before``
                    assert page.next_cursor is not None
                    assert page.next_cursor.serial == page.rows[-1].serial
                    backwards = serials(page) + backwards
                    pages += 1
                    assert pages <= 30, "paging back does not end"
                assert backwards == serials(whole), ("backwards", sort, criteria, size)
            # around an order's place: the orders before it, it, and those after it
            rows = whole.rows
            for k in (0, 1, len(rows) // 2, len(rows) - 1):
                around = order_list.orders_around(admin, criteria, Cursor.at(rows[k]),
                                                  before=3, after=4)
                start = max(0, k - 3)
                assert serials(around) == serials(whole)[start:k + 4], (sort, criteria, k)
                assert around.anchor == k - start
                assert (around.prev_cursor is not None) == (start > 0)
                assert (around.next_cursor is not None) == (k + 4 < len(rows))
            total = order_list.totals(admin, criteria)
            assert total.count == len(whole.rows)
            assert total.hours == sum((r.hours for r in whole.rows), Decimal(0))
        everything = order_list.list_orders(admin, INCLUDE, limit=500).rows
        assert sorted(r.serial for r in everything) == sorted(made)
        assert [r.serial for r in order_list.iter_orders(admin, INCLUDE, page_size=5)] == [
            r.serial for r in everything]
        keys = [(r.completed, r.sort_date if sort == "scheduled" else 0, r.serial)
                for r in everything]
        assert keys == sorted(keys)


def test_card_orders_come_in_keyset_pages_with_their_counts(admin: Actor) -> None:
    """A card's orders: the first page in the card, the rest by ``orders_of`` after its
    cursor, together the customer's (or facility's) orders in list order, each once; the
    counts are of every order the actor may see, not of the page."""
    bob = make_user(admin, "bob", "view-assigned")
    dates = ["2026-03-01", None, "2026-03-01", "2026-02-10", None, "2025-12-31"]
    made = []
    for i in range(31):  # equal dates and no-dates: ties break on the serial
        made.append(new_order(admin, f"Order {i}", customer=("Acme", "Berg")[i % 2],
                              scheduled=dates[i % len(dates)],
                              assignees=["bob"] if i % 3 == 0 else []))
    for serial in made[::4]:
        orders.set_completed(admin, serial, True)
    acme_id = next(r.customer_id for r in order_list.list_orders(admin, INCLUDE).rows
                   if r.customer == "Acme")

    def walk(actor: Actor, size: int) -> tuple[list[int], OrderCounts]:
        card = order_list.customer_card(actor, acme_id, order_limit=size)
        walked, cursor, pages = serials(card.orders), card.next_cursor, 1
        assert len(card.orders) <= size
        while cursor is not None:
            page = order_list.orders_of(actor, customer_id=acme_id, after=cursor, limit=size)
            assert 0 < len(page.rows) <= size
            walked += serials(page)
            cursor, pages = page.next_cursor, pages + 1
            assert pages <= 40, "paging does not end"
        return walked, card.counts

    for sort in ("serial", "scheduled"):
        settings.set_value(admin, "list_sort", sort)
        for actor in (admin, bob):
            whole = [r for r in order_list.iter_orders(actor, INCLUDE)
                     if r.customer_id == acme_id]
            assert len(whole) >= (5 if actor is bob else 15)
            done = sum(r.completed for r in whole)
            for size in (1, 4, 50):
                walked, counts = walk(actor, size)
                assert walked == [r.serial for r in whole], (sort, actor.username, size)
                assert (counts.open, counts.completed) == (len(whole) - done, done)
                assert counts.total == len(whole)
            one_page = order_list.orders_of(actor, customer_id=acme_id, limit=500)
            assert serials(one_page) == [r.serial for r in whole]
            assert one_page.next_cursor is None
            first, first_counts = order_list.card_orders(actor, customer_id=acme_id, limit=4)
            assert serials(first) == [r.serial for r in whole][:4] and first_counts == counts

    # The pickers ask for no orders: none are read or counted.
    bare = order_list.customer_card(admin, acme_id, order_limit=0)
    assert bare.orders == () and bare.counts.total == 0 and bare.next_cursor is None
    for call in (lambda: order_list.customer_card(admin, acme_id, order_limit=-1),
                 lambda: order_list.customer_card(admin, acme_id, order_limit=501),
                 lambda: order_list.orders_of(admin, customer_id=acme_id, limit=0),
                 lambda: order_list.orders_of(admin, customer_id=acme_id, facility_id=1),
                 lambda: order_list.card_orders(admin)):
        refused(call, ValidationError)


def test_totals_sum_time_required_over_the_filter(lw: ListWorld) -> None:
    """totals() counts the filtered orders and sums their hours, for each user's view."""
    for actor, criteria in [
        (lw.admin, OrderFilter()),
        (lw.admin, INCLUDE),
        (lw.admin, OrderFilter(customer="bergstrom", completed=Completed.INCLUDE)),
        (lw.bob, INCLUDE),
        (lw.carol, OrderFilter(text="pump")),
        (lw.admin, OrderFilter(status="Won")),
    ]:
        rows = order_list.list_orders(actor, criteria, limit=500).rows
        total = order_list.totals(actor, criteria)
        assert total.count == len(rows)
        assert total.hours == sum((r.hours for r in rows), Decimal(0))
    assert order_list.totals(lw.admin, INCLUDE).hours == Decimal("14.25")
    assert order_list.totals(lw.bob, INCLUDE).hours == Decimal("8.50")
    assert order_list.totals(lw.admin, OrderFilter(text="nothing like this")).hours == 0


def test_saved_filters_default_and_favourites_round_trip(lw: ListWorld) -> None:
    """'Save settings' and named favourites come back equal, per user, and can be reused."""
    bob, carol = lw.bob, lw.carol
    assert filters.get_default(bob) is None and filters.favorites(bob) == []
    criteria = OrderFilter(mine=True, customer="bergström", scheduled_from=D("2026-01-01"),
                           scheduled_to=D("2026-12-31"), text="pump",
                           completed=Completed.INCLUDE)
    saved = filters.save_default(bob, criteria)
    assert saved.is_default and saved.criteria == criteria
    assert filters.get_default(bob) == criteria
    assert listed(bob, **vars(filters.get_default(bob))) == lw.of(4, 1)
    replaced = OrderFilter(status="Contacted", assigned_to="bob")
    filters.save_default(bob, replaced)
    assert filters.get_default(bob) == replaced
    assert filters.get_default(carol) is None

    filters.save_favorite(bob, "Pumps", OrderFilter(text="pump"))
    filters.save_favorite(bob, "Archive", OrderFilter(completed=ONLY))
    filters.save_favorite(bob, "Pumps", OrderFilter(text="heat pump", mine=True))
    favourites = filters.favorites(bob)
    assert [(f.name, f.criteria, f.is_favorite) for f in favourites] == [
        ("Archive", OrderFilter(completed=ONLY), True),
        ("Pumps", OrderFilter(text="heat pump", mine=True), True)]
    assert filters.favorites(carol) == []
    assert filters.get_default(bob) == replaced  # favourites leave the default alone
    filters.delete_favorite(bob, "Archive")
    assert [f.name for f in filters.favorites(bob)] == ["Pumps"]
    refused(lambda: filters.delete_favorite(bob, "Archive"), NotFound, match=("Archive",))
    refused(lambda: filters.delete_favorite(carol, "Pumps"), NotFound)
    refused(lambda: filters.save_favorite(bob, "  ", OrderFilter()), ValidationError)
    refused(lambda: filters.save_favorite(bob, "Pumps", OrderFilter(), replace=False),
            AlreadyExists, match=("favourite named 'Pumps' already",))
    assert filters.save_favorite(carol, "Pumps", OrderFilter(), replace=False).name == "Pumps"
    # A name in another case is the same favourite (two were kept, listed side by side).
    refused(lambda: filters.save_favorite(bob, "PUMPS", OrderFilter(), replace=False),
            AlreadyExists, match=("favourite named 'Pumps' already",))
    filters.save_favorite(bob, "pumps", OrderFilter(text="pump"))
    assert [(f.name, f.criteria) for f in filters.favorites(bob)] == [
        ("pumps", OrderFilter(text="pump"))]
    filters.delete_favorite(bob, "PUMPS")
    assert filters.favorites(bob) == []
    # The default's own name is not a favourite's (it took the default's place).
    refused(lambda: filters.save_favorite(bob, "(Default)", OrderFilter()), ValidationError,
            match=("names your saved default",))
    assert filters.get_default(bob) == replaced


def test_relative_window_is_saved_relative_and_resolved_each_day(admin: Actor) -> None:
    """'Next 30 days' saved today still means the next 30 days tomorrow."""
    window = OrderFilter(scheduled_from_days=0, scheduled_to_days=30)
    filters.save_default(admin, window)
    saved = filters.get_default(admin)
    assert saved == window
    day = dt.date(2026, 11, 28)
    assert saved.resolved(day).scheduled_from == day
    assert saved.resolved(day).scheduled_to == dt.date(2026, 12, 28)
    assert saved.resolved(day + dt.timedelta(days=1)).scheduled_to == dt.date(2026, 12, 29)
    today = local_now().date()
    inside = new_order(admin, "Inside", scheduled=(today + dt.timedelta(days=3)).isoformat())
    new_order(admin, "Outside", scheduled=(today + dt.timedelta(days=40)).isoformat())
    assert serials(order_list.list_orders(admin, saved)) == [inside]


def test_customer_card_lists_facilities_and_service_objects(admin: Actor) -> None:
    """The card's service objects carry their facility's name, with or without one."""
    owner = registers.add_customer(admin, "Kortkund AB")
    site = registers.add_facility(admin, "Pannrum", owner.id, address="Gatan 1")
    registers.add_service_object(admin, "Värmepump", customer=owner.id, facility=site.id,
                                 model="F2120", serial_number="SN-1")
    registers.add_service_object(admin, "Larm", customer=owner.id)
    card = order_list.customer_card(admin, owner.id)
    assert card.facilities == (registers.get_facility(admin, site.id),)
    assert card.service_objects == tuple(
        registers.get_service_object(admin, s.id) for s in card.service_objects)
    assert [(s.name, s.facility_name, s.customer_name) for s in card.service_objects] == [
        ("Larm", None, "Kortkund AB"), ("Värmepump", "Pannrum", "Kortkund AB")]

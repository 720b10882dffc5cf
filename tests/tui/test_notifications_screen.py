"""The notifications screen: unread first in bold; open, mark read, mark all read."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Static

from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import notifications, orders
from crm_tui.tui.app import CrmApp
from crm_tui.tui.screens.notifications import NotificationsScreen
from tests.conftest import make_user
from tests.tui.conftest import settle
from tests.tui.test_orders_list import clock


def assign_to_anna(eva: Actor, subject: str) -> int:
    """Eva creates an order assigned to Anna (which notifies Anna)."""
    return orders.create_order(eva, OrderInput(subject=subject, customer="Nordin AB",
                                               assignees=["anna"])).serial


async def test_mark_read_open_and_mark_all(eva: Actor,
                                           make_app: Callable[..., CrmApp]) -> None:
    """m marks one read, Enter opens the order and marks it read, a marks all read."""
    anna = make_user(eva, "anna", "view", "edit")
    serials = [assign_to_anna(eva, s) for s in ("First [b]job[/b]", "Second", "Third")]
    app = make_app("anna", clock=clock)
    opened: list[int | None] = []
    app.open_order = lambda serial=None, **_kw: opened.append(serial)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.unread == 3
        await pilot.press("4")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, NotificationsScreen) and screen.loaded
        table = screen.table
        listed = [screen.items[k] for k in table.keys()]
        assert [n.order_serial for n in listed] == serials[::-1]  # newest first
        assert all(str(c.style) == "bold" for c in table.get_row_at(0))
        assert "First [b]job[/b]" in table.row_text(str(listed[-1].id))[2]
        detail = screen.query_one("#notes-detail", Static)  # the highlighted one in full
        assert detail.display and str(detail.content) == listed[0].text
        await pilot.press("down", "down")
        await settle(app, pilot)
        assert str(detail.content) == listed[-1].text and "First [b]job[/b]" in str(
            detail.content)
        await pilot.press("up", "up")
        await settle(app, pilot)

        await pilot.press("m")
        await settle(app, pilot)
        assert notifications.unread_count(anna) == 2 and app.unread == 2
        assert table.keys()[-1] == str(listed[0].id)  # read ones sink to the end
        assert str(table.get_row_at(2)[2].style) == ""

        assert screen.current() is not None and screen.current().id == listed[1].id
        await pilot.press("enter")
        await settle(app, pilot)
        assert opened == [serials[1]]
        assert notifications.unread_count(anna) == 1 and app.unread == 1

        await pilot.press("a")
        await settle(app, pilot)
        assert notifications.unread_count(anna) == 0 and app.unread == 0
        assert str(screen.query_one("#notes-summary", Static).content) == "0 unread · 3 shown"
        assert all(n.read for n in notifications.list_notifications(anna, include_read=True))


async def test_no_notifications(eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """A new user sees a helpful empty state."""
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, NotificationsScreen)
        state = screen.query_one("#notes-state", Static)
        assert state.display and "No notifications yet." in str(state.content)


async def test_a_notification_of_an_order_no_longer_yours_says_so(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """Opening the notification of an order you were taken off (or one deleted since)
    showed "No contact order 32" over an empty form that still offered Save; it now
    says so and stays on the list."""
    make_user(eva, "anna", "view-assigned", "edit")
    serial = assign_to_anna(eva, "Taken off again")
    orders.unassign(eva, serial, ["anna"])  # anna no longer sees it
    app = make_app("anna", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, NotificationsScreen) and screen.current() is not None
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        assert any(f"No contact order {serial}" == str(n.message)
                   for n in app._notifications)


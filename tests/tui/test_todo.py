"""The to-do panel: Journey 1's morning (groups, mark done, next booking), safety, empty."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from textual.widgets import Checkbox, Input, Static

from crm_tui.domain.dates import absolute_day, absolute_when
from crm_tui.domain.errors import ValidationError
from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import bookings, notes, orders
from crm_tui.tui.app import CrmApp
from crm_tui.tui.screens.booking_dialog import BookingDialog, parse_lead
from crm_tui.tui.screens.todo import TodoScreen
from tests.conftest import make_user
from tests.tui.conftest import FIXED_NOW, burst, settle
from tests.tui.test_orders_list import clock, type_into


def add_order(actor: Actor, customer: str, subject: str, status: str | None = None) -> int:
    """Create an order through the service; returns its serial."""
    return orders.create_order(actor, OrderInput(
        subject=subject, customer=customer, status=status, assignees=["anna"],
        on_duplicate="create")).serial


async def open_todo(app: CrmApp, pilot: object) -> TodoScreen:
    """The app opens on the to-do panel; wait for it to load."""
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, TodoScreen)
    assert screen.loaded
    return screen


async def test_journey1_todo_groups_done_and_next_booking(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """Overdue / Today / Upcoming with status; d marks done; b books the next contact."""
    anna = make_user(eva, "anna", "view", "edit", "create", "assign-self")
    make_user(eva, "bob", "view", "edit")
    late = add_order(eva, "Bergström Värme AB", "Offer for heat pump", "Contacted")
    today = add_order(eva, "Lindqvist Kyl", "Chiller noise")
    later = add_order(eva, "Åberg Fastigheter", "Annual service")
    b_late = bookings.add_booking(anna, late, "2026-11-26 10:00", "phone")
    b_today = bookings.add_booking(anna, today, "2026-11-28 14:00", "meeting")
    b_later = bookings.add_booking(anna, later, "2026-12-05 09:00", "digital")
    bookings.add_booking(eva, late, "2026-11-28 11:00", "phone", assignee="bob")

    app = make_app("anna", clock=clock)
    opened: list[int | None] = []
    app.open_order = lambda serial=None, **_kw: opened.append(serial)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_todo(app, pilot)
        table = screen.table
        assert table.keys() == ["group:overdue", f"b:{b_late.id}", "group:today",
                                f"b:{b_today.id}", "group:upcoming", f"b:{b_later.id}"]
        assert table.row_text(f"b:{b_late.id}") == [
            "2026-11-26 10:00", "phone", str(late), "Offer for heat pump",
            "Bergström Värme AB", "Contacted"]
        assert table.row_text("group:today")[0] == "Today (1)"
        summary = str(screen.query_one("#todo-summary", Static).content)
        assert summary == "1 overdue · 1 today · 1 upcoming"
        assert screen.current() is not None and screen.current().booking.id == b_late.id

        await pilot.press("enter")
        assert opened == [late]

        await pilot.press("d")
        await settle(app, pilot)
        done = {b.id: b.done for b in orders.get_order(anna, late).bookings}
        assert done[b_late.id] is True
        assert table.keys() == ["group:today", f"b:{b_today.id}", "group:upcoming",
                                f"b:{b_later.id}"]
        assert screen.current() is not None and screen.current().booking.id == b_today.id

        await pilot.press("b")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, BookingDialog) and dialog.serial == today
        assert dialog.focused is not None and dialog.focused.id == "at"
        assert dialog.query_one("#at", Input).value == "2026-11-29 09:00"
        await pilot.press("ctrl+u")
        await type_into(pilot, "in six months")  # refused inline, dialog stays
        error = dialog.query_one("#booking-error", Static)
        await pilot.press("enter")
        assert app.screen is dialog
        assert error.display and "YYYY-MM-DD HH:MM" in str(error.content)
        assert str(error.content).count("tomorrow 9:00") == 1  # the hint was given twice
        await pilot.press("ctrl+u")
        await type_into(pilot, "2027-05-28 10:00")
        assert not error.display
        await pilot.press("tab", "tab")  # kind stays "phone"
        assert dialog.focused is not None and dialog.focused.id == "reminder"
        await type_into(pilot, "1d")
        await pilot.press("enter")
        await settle(app, pilot)

        assert app.screen is screen
        new = [b for b in orders.get_order(anna, today).bookings
               if b.at.replace(tzinfo=None) == dt.datetime(2027, 5, 28, 10, 0)]
        assert len(new) == 1
        assert new[0].kind == "phone" and new[0].assignee == "anna" and not new[0].done
        assert new[0].reminder_at is not None
        assert new[0].at - new[0].reminder_at == dt.timedelta(days=1)
        assert f"b:{new[0].id}" in table.keys()
        assert table.row_text(f"b:{new[0].id}")[:3] == ["2027-05-28 10:00", "phone", str(today)]


async def test_booking_the_next_contact_marks_the_due_one_done(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """Journey 1: the overdue call made, the next one booked; the overdue one stayed
    in Overdue until d was pressed apart (QA20 L2). b on a due booking offers to mark
    it done with the booking, ticked; Space unticks. A booking still ahead is not
    offered."""
    anna = make_user(eva, "anna", "view", "edit", "create", "assign-self")
    late = add_order(eva, "Bergström Värme AB", "Offer for heat pump", "Contacted")
    ahead = add_order(eva, "Lindqvist Kyl", "Chiller noise")
    overdue = bookings.add_booking(anna, late, "2026-11-26 10:00", "phone")
    bookings.add_booking(anna, ahead, "2026-12-05 09:00", "meeting")
    app = make_app("anna", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_todo(app, pilot)
        assert screen.current().booking.id == overdue.id
        await pilot.press("b")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, BookingDialog)
        tick = dialog.query_one("#follows", Checkbox)
        assert tick.value and str(tick.label) == "Mark the phone of 2026-11-26 10:00 done"
        await pilot.press("ctrl+u")
        await type_into(pilot, "+6m 10:00")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
        booked = {(f"{b.at:%Y-%m-%d %H:%M}", b.done) for b in orders.get_order(
            anna, late).bookings}
        assert booked == {("2026-11-26 10:00", True), ("2027-05-28 10:00", False)}
        assert f"b:{overdue.id}" not in screen.table.keys()
        # the one ahead: nothing to mark
        await pilot.press("end")
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        assert isinstance(app.screen, BookingDialog) and not app.screen.query("#follows")


async def test_booking_dialog_shows_the_services_refusal(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """Booking a colleague without 'assign' is refused by the service; the dialog says why."""
    anna = make_user(eva, "anna", "view", "edit", "create", "assign-self")
    make_user(eva, "bob", "view")
    serial = add_order(eva, "Nordin AB", "Follow-up")
    bookings.add_booking(anna, serial, FIXED_NOW + dt.timedelta(hours=2), "phone")
    app = make_app("anna", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_todo(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, BookingDialog)
        dialog.query_one("#assignee", Input).focus()
        await type_into(pilot, "bob")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is dialog
        error = str(dialog.query_one("#booking-error", Static).content)
        assert "assign" in error.lower()
        # a bad When and a bad reminder named together, When focused; an unknown
        # assignee focused when the service names it (one a save, the focus on When)
        dialog.query_one("#at", Input).value = "soon"
        dialog.query_one("#reminder", Input).value = "lots"
        await pilot.press("enter")
        await settle(app, pilot)
        error = str(dialog.query_one("#booking-error", Static).content)
        assert error.startswith("When: ") and "\nReminder: 'lots'" in error
        assert dialog.focused is dialog.query_one("#at", Input)
        dialog.query_one("#at", Input).value = "tomorrow 9:00"
        dialog.query_one("#reminder", Input).value = ""
        dialog.query_one("#assignee", Input).value = "nobody"
        await settle(app, pilot)  # the fields' changes, before the key
        await pilot.press("enter")
        await settle(app, pilot)
        assert "No user named 'nobody'" in str(dialog.query_one("#booking-error",
                                                                 Static).content)
        assert dialog.focused is dialog.query_one("#assignee", Input)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen
        assert len(orders.get_order(anna, serial).bookings) == 1


async def test_booking_dialog_takes_relative_days_and_asks_about_the_past(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """'tomorrow 9:00' and '+7 14.30' are dates like any other; a time in the past (1999
    for 2026) is named once, and Book again books it."""
    anna = make_user(eva, "anna", "view", "edit", "create", "assign-self")
    serial = add_order(eva, "Nordin AB", "Follow-up")
    bookings.add_booking(anna, serial, FIXED_NOW + dt.timedelta(hours=2), "phone")
    app = make_app("anna", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_todo(app, pilot)
        booked = []
        for when, at in (("tomorrow 9:00", "2026-11-29 09:00"),
                         ("+7 14.30", "2026-12-05 14:30")):
            await pilot.press("b")
            await settle(app, pilot)
            dialog = app.screen
            assert isinstance(dialog, BookingDialog)
            dialog.query_one("#at", Input).value = when
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is screen, when
            booked.append(at)
        await pilot.press("b")
        await settle(app, pilot)
        dialog = app.screen
        dialog.query_one("#at", Input).value = "1999-01-01 10:00"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is dialog
        assert "1999-01-01 10:00 is in the past. Book again" in str(
            dialog.query_one("#booking-error", Static).content)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        booked.append("1999-01-01 10:00")
        times = sorted(f"{b.at:%Y-%m-%d %H:%M}" for b in orders.get_order(anna, serial).bookings)
        assert times == sorted([f"{FIXED_NOW + dt.timedelta(hours=2):%Y-%m-%d %H:%M}",
                                *booked])


def test_days_as_people_type_them() -> None:
    today = dt.date(2026, 11, 28)
    assert [absolute_day(v, today) for v in ("today", "Tomorrow", "+30", "-1", "+2d",
                                             "2026-12-01", "soon")] == [
        "2026-11-28", "2026-11-29", "2026-12-28", "2026-11-27", "2026-11-30", "2026-12-01",
        "soon"]
    assert [absolute_when(v, today) for v in ("tomorrow 9:00", "+1 9.05", "today 24:00",
                                              "2026-12-01 10:00", "tomorrow",
                                              "2026-12-01 9:00", "2026-02-30 9:00")] == [
        "2026-11-29 09:00", "2026-11-29 09:05", "today 24:00", "2026-12-01 10:00",
        "tomorrow", "2026-12-01 09:00", "2026-02-30 9:00"]
    # "in six months" (the manual's example) and weeks: '+6m 10:00' was refused (QA20);
    # a month without the day ends on its last
    assert [absolute_day(v, today) for v in ("+6m", "+2w", "-1M", "+3m")] == [
        "2027-05-28", "2026-12-12", "2026-10-28", "2027-02-28"]
    assert absolute_day("+3m", dt.date(2026, 11, 30)) == "2027-02-28"
    assert [absolute_when(v, today) for v in ("+6m 10:00", "+2w 9.30")] == [
        "2027-05-28 10:00", "2026-12-12 09:30"]


def test_reminder_lead_times() -> None:
    """Reminder input: minutes, or with a unit."""
    assert parse_lead("") is None
    assert parse_lead("15") == 15
    assert parse_lead("2h") == 120
    assert parse_lead("1d") == 1440
    assert parse_lead(" 1 w ") == 10080
    assert parse_lead("52w") == 52 * 10080
    for too_long in ("99999999999", "53w"):  # a number: "not a number" was wrong
        with pytest.raises(ValidationError, match="too long before: at most a year"):
            parse_lead(too_long)
    with pytest.raises(ValidationError, match="not a number of minutes"):
        parse_lead("soon")


async def test_empty_todo_and_user_text(eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """No bookings: a helpful message. Markup and escapes in names render literally."""
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_todo(app, pilot)
        state = screen.query_one("#todo-state", Static)
        assert state.display and "Nothing to do — no open bookings." in str(state.content)
        assert not screen.table.display
        offered = {b.binding.action for b in screen.active_bindings.values() if b.enabled}
        assert not {"done", "letter('book')"} & offered  # nothing to mark or book from

        markup = orders.create_order(eva, OrderInput(
            subject="[b]loud[/b]", customer="[bold red]x[/]", on_duplicate="create")).serial
        escape = orders.create_order(eva, OrderInput(
            subject="Evil \x1b]0;pwned\x07", customer="Pwn \x1b]0;pwned\x07 AB",
            on_duplicate="create")).serial
        b1 = bookings.add_booking(eva, markup, "2026-11-28 10:00", "phone")
        b2 = bookings.add_booking(eva, escape, "2026-11-28 11:00", "phone")
        await pilot.press("r")
        await settle(app, pilot)
        assert not state.display
        offered = {b.binding.action for b in screen.active_bindings.values() if b.enabled}
        assert {"done", "letter('book')"} <= offered
        assert screen.table.row_text(f"b:{b1.id}")[3:5] == ["[b]loud[/b]", "[bold red]x[/]"]
        assert screen.table.row_text(f"b:{b2.id}")[3:5] == [
            "Evil \\x1b]0;pwned\\x07", "Pwn \\x1b]0;pwned\\x07 AB"]
        lines = "\n".join("".join(s.text for s in screen.table.render_line(y))
                          for y in range(screen.table.size.height))
        assert "[bold red]x[/]" in lines and "[b]loud[/b]" in lines
        assert "pwned" in lines and "\x1b" not in lines and "\x07" not in lines


async def test_keys_typed_right_after_enter_go_to_the_order_it_opens(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """Enter on a booking and "done, called" typed at once, as a fast typist (or an SSH
    link delivering keys in bursts) does: every key reaches the new note of the order
    Enter opened. None reaches the to-do, where "d" marks the booking done and "b"
    books the next contact."""
    from crm_tui.tui.screens.order_form import OrderFormScreen

    anna = make_user(eva, "anna", "view", "edit", "create", "assign-self")
    late = add_order(eva, "Bergström Värme AB", "Offer for heat pump", "Contacted")
    booking = bookings.add_booking(anna, late, "2026-11-26 10:00", "phone")
    app = make_app("anna", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_todo(app, pilot)
        assert screen.current() is not None and screen.current().booking.id == booking.id
        burst(app, "enter", *"done, called back")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, OrderFormScreen) and form.serial == late and form.ready
        assert form.notes.editor.text == "done, called back"
        assert app.screen_stack[-2] is screen  # no booking dialog under the form
        assert [b.done for b in orders.get_order(anna, late).bookings] == [False]
        # The letters that open a screen do so within the key press too; the palette
        # offers their actions by name, once each.
        titles = [c.title for c in app.get_system_commands(screen)]
        assert titles.count("Next booking") == 1 and titles.count("New order") == 1
        form.notes.editor.clear()
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen
        burst(app, "n", *"Call back")
        await settle(app, pilot)
        new = app.screen
        assert isinstance(new, OrderFormScreen) and new.serial is None
        assert new.query_one("#subject", Input).value == "Call back"


async def test_a_booking_typed_right_after_b_goes_into_the_dialog(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """"b", a new time, tab to the reminder, "2h" and Enter, typed at once: the booking
    dialog has its time field focused before the next key is handled, and each binding
    (ctrl+u, tab, Enter) runs before the keys after it are sent on (see key_order), so
    the dialog takes them all in order and books (on the to-do "2" would switch to the
    order list)."""
    anna = make_user(eva, "anna", "view", "edit", "create", "assign-self")
    serial = add_order(eva, "Nordin AB", "Follow-up")
    first = bookings.add_booking(anna, serial, FIXED_NOW + dt.timedelta(hours=2), "phone")
    app = make_app("anna", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_todo(app, pilot)
        burst(app, "b", "ctrl+u", *"2026-12-02 08:15", "tab", "tab", *"2h", "enter")
        await settle(app, pilot)
        assert app.screen is screen
        found = {b.id: b for b in orders.get_order(anna, serial).bookings}
        assert found.pop(first.id).done is False
        [new] = found.values()
        assert new.at.replace(tzinfo=None) == dt.datetime(2026, 12, 2, 8, 15)
        assert new.reminder_at is not None
        assert new.at - new.reminder_at == dt.timedelta(hours=2)


async def test_booking_enter_twice_books_once_and_the_past_stays_asked(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """Enter twice at once booked twice; a fixed reminder (the focus moving back to
    When) took away the question about a time in the past, and the next Enter booked
    it; keys typed right after Enter went into the field ("+9 10:00No")."""
    anna = make_user(eva, "anna", "view", "edit", "create", "assign-self")
    serial = add_order(eva, "Nordin AB", "Follow-up")
    app = make_app("anna", clock=clock)

    def times() -> list[str]:
        return sorted(f"{b.at:%Y-%m-%d %H:%M}" for b in orders.get_order(anna, serial).bookings)

    async with app.run_test(size=(80, 24)) as pilot:
        app.open_order(serial)
        await settle(app, pilot)
        form = app.screen
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, BookingDialog)
        dialog.query_one("#at", Input).value = "+6 11:00"
        burst(app, "enter", "enter")
        await settle(app, pilot)
        assert app.screen is form and times() == ["2026-12-04 11:00"]
        # The past: a bad reminder first, then fixed; the question is still there.
        await pilot.press("ctrl+b")
        await settle(app, pilot)
        dialog = app.screen
        error = dialog.query_one("#booking-error", Static)
        dialog.query_one("#at", Input).value = "2018-05-05 10:00"
        reminder = dialog.query_one("#reminder", Input)
        reminder.focus()
        await pilot.press(*"abc", "enter")
        await settle(app, pilot)
        assert "reminder" in str(error.content).lower()
        await pilot.press("backspace", "backspace", "backspace", "1", "d", "enter")
        await settle(app, pilot)
        assert "2018-05-05 10:00 is in the past" in str(error.content)
        assert app.screen is dialog and len(times()) == 1
        # Changed to a time to come, typed on at once after Enter: booked as typed.
        when = dialog.query_one("#at", Input)
        when.value = ""
        when.focus()
        burst(app, *"+9 10:00", "enter", *"No")
        await settle(app, pilot)
        assert app.screen is form and times() == ["2026-12-04 11:00", "2026-12-07 10:00"]


async def test_done_twice_at_once_marks_two_bookings(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """d moves on to the next booking at once: "d d" typed in a burst marked the first
    booking twice (it was still under the cursor) and the second not at all."""
    anna = make_user(eva, "anna", "view", "edit", "create", "assign-self")
    first = add_order(eva, "Bergström Värme AB", "Offer for heat pump")
    second = add_order(eva, "Lindqvist Kyl", "Chiller noise")
    third = add_order(eva, "Åberg Fastigheter", "Annual service")
    made = [bookings.add_booking(anna, serial, at, "phone") for serial, at in (
        (first, "2026-11-26 10:00"), (second, "2026-11-28 14:00"), (third, "2026-12-05 09:00"))]
    app = make_app("anna", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_todo(app, pilot)
        assert screen.current() is not None and screen.current().booking.id == made[0].id
        burst(app, "d", "d")
        await settle(app, pilot)
        done = {b.id: b.done for serial in (first, second, third)
                for b in orders.get_order(anna, serial).bookings}
        assert done == {made[0].id: True, made[1].id: True, made[2].id: False}
        assert screen.table.keys() == ["group:upcoming", f"b:{made[2].id}"]
        assert screen.current() is not None and screen.current().booking.id == made[2].id
        burst(app, "u", "u")  # both back, the second first
        await settle(app, pilot)
        assert not any(b.done for serial in (first, second)
                       for b in orders.get_order(anna, serial).bookings)
        await pilot.press("u")  # nothing left to undo: said
        await settle(app, pilot)
        assert any("Nothing to undo" in str(n.message) for n in app._notifications)
        burst(app, "home", "d", "d")
        await settle(app, pilot)
        assert screen.table.keys() == ["group:upcoming", f"b:{made[2].id}"]
        await pilot.press("d")  # the last one: the list is empty, nothing is left to mark
        await settle(app, pilot)
        assert all(b.done for b in orders.get_order(anna, third).bookings)
        assert not screen.items and not screen.table.display


async def test_the_highlighted_booking_shows_in_full_below(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """At 60 columns a booking's subject showed 9 letters and its status one (QA18 M2):
    the highlighted booking shows in full below the table, with its note; markup and
    escapes in it as text."""
    first = orders.create_order(eva, OrderInput(
        subject="Inspection of the ventilation [b]unit[/b]", customer="Bergström Värme AB",
        status="Contacted")).serial
    second = orders.create_order(eva, OrderInput(subject="Boiler \x1b[31m",
                                                 customer="Nordic Pumps")).serial
    bookings.add_booking(eva, first, "2026-11-28 10:00", "phone", note="Ask for Sven")
    bookings.add_booking(eva, second, "2026-11-28 11:00", "meeting")
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_todo(app, pilot)
        detail = screen.query_one("#todo-detail", Static)
        assert detail.display
        # two lines that keep their height, each cut with "…": the booking and its
        # order; the customer, status and note (wrapped, a long subject hid the note)
        assert str(detail.render()) == (
            f"Sat 2026-11-28 10:00 phone · order {first}: Inspection of the ventilation "
            "[b]unit[/b]\nBergström Värme AB · Contacted · Ask for Sven")
        assert detail.size.height == 2
        lines = ["".join(s.text for s in detail.render_line(y)).rstrip() for y in (0, 1)]
        assert lines[0].endswith("…") and lines[1].endswith("Ask for Sven")
        await pilot.press("down")
        await settle(app, pilot)
        assert str(detail.render()) == (
            f"Sat 2026-11-28 11:00 meeting · order {second}: Boiler \\x1b[31m\n"
            "Nordic Pumps · New lead")
        assert detail.size.height == 2


async def test_the_empty_to_do_suggests_only_keys_the_user_may_use(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """One who may not make orders was offered "n new contact order" and told no on
    pressing it (QA18 L12)."""
    make_user(eva, "dina", "view")
    for user, offered in (("eva", True), ("dina", False)):
        app = make_app(user, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_todo(app, pilot)
            text = str(screen.query_one("#todo-state", Static).content)
            assert "2 contact orders · 3 search the registers" in text, user
            assert ("n new contact order" in text) is offered, user


async def test_the_cursor_stays_on_its_booking_when_the_to_do_reads_again(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    """Anyone's change (a note elsewhere) or a resize read the to-do again, and the
    cursor went to the first booking within a second: d then marked a booking the
    user never chose done (QA19 H1)."""
    make_user(eva, "anna", "view")
    serials = [add_order(eva, f"Customer {i}", f"Job {i}") for i in range(5)]
    for i, serial in enumerate(serials):
        bookings.add_booking(eva, serial, FIXED_NOW + dt.timedelta(days=i + 1, hours=1),
                             "phone")
    app = make_app("eva", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_todo(app, pilot)
        for _ in range(3):
            await pilot.press("down")
        await settle(app, pilot)
        chosen = screen.current()
        assert chosen is not None and chosen.order_serial == serials[3]
        for change in ("someone's change", "a resize"):
            if change == "a resize":
                await pilot.resize_terminal(60, 20)
            else:
                notes.add_note(eva, serials[0], "Called")
                screen.refresh_data()  # as the change watcher does
            await settle(app, pilot)
            here = screen.current()
            assert here is not None and here.order_serial == serials[3], change
        await pilot.press("d")
        await settle(app, pilot)
        done = [b for b in orders.get_order(eva, serials[3]).bookings if b.done]
        assert len(done) == 1
        assert not any(b.done for s in serials[:3] for b in orders.get_order(eva, s).bookings)

"""Admin settings (journey 6): statuses, list mode, channels, the permission matrix."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from textual import events
from textual.command import CommandList, CommandPalette
from textual.widgets import Checkbox, DataTable, Input, Select, Static, TabbedContent
from textual.widgets._footer import FooterKey

from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import order_list, orders, settings, statuses, users
from crm_tui.tui.app import CrmApp
from crm_tui.tui.screens.admin import AdminScreen
from crm_tui.tui.screens.admin_common import AddUserDialog, PromptDialog
from crm_tui.tui.screens.admin_settings import ChannelsPane, ListModePane
from crm_tui.tui.screens.admin_statuses import StatusesPane
from crm_tui.tui.screens.dialogs import ConfirmDialog
from crm_tui.tui.widgets.perm_matrix import COLUMNS, NO, YES, PermMatrix
from tests.tui.conftest import burst, settle

MakeApp = Callable[..., CrmApp]


def _seed(eva: Actor) -> None:
    """Bob and Anna, and three orders: Bob holds 1 and 3, Anna holds 2."""
    users.add_user(eva, "bob", display_name="Bob", perms=["view", "edit"])
    users.add_user(eva, "anna", display_name="Anna", perms=["view", "create"])
    for subject, day, who, status in (("Heat pump", 20, "bob", "Contacted"),
                                      ("Boiler", 1, "anna", None),
                                      ("Solar panels", 5, "bob", None)):
        orders.create_order(eva, OrderInput(subject=subject, customer="Berg AB",
                                            scheduled=dt.date(2026, 12, day), status=status,
                                            assignees=[who]))


async def _type(pilot: object, text: str) -> None:
    await pilot.press(*text)  # type: ignore[attr-defined]


async def _open_admin(app: CrmApp, pilot: object) -> AdminScreen:
    await pilot.press("f6")  # type: ignore[attr-defined]
    await settle(app, pilot)
    assert isinstance(app.screen, AdminScreen)
    return app.screen


def _status_names() -> list[str]:
    return [s.name for s in statuses.list_statuses()]


def _table_names(screen: AdminScreen) -> list[str]:
    table = screen.query_one("#status-table", DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def _cursor_to(app: CrmApp, pilot: object, table: DataTable[object], row: int,
                     column: int | None = None) -> None:
    """Move a table's cursor with the arrow keys."""
    table.focus()
    await pilot.pause()  # type: ignore[attr-defined]
    while table.cursor_row != row:
        await pilot.press("down" if table.cursor_row < row else "up")  # type: ignore[attr-defined]
    while column is not None and table.cursor_column != column:
        key = "right" if table.cursor_column < column else "left"
        await pilot.press(key)  # type: ignore[attr-defined]


async def test_journey_6_admin_morning(eva: Actor, make_app: MakeApp,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Eva edits statuses, list mode, channels and Bob's rights; Bob's next session obeys."""
    _seed(eva)
    settings.set_value(eva, "channels.sms", "on")
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = await _open_admin(app, pilot)
        assert _table_names(screen)[:2] == ["New lead", "Contacted"]

        # Add "Offer sent": n focuses the input, Enter adds it at the end. Enter with
        # nothing typed says so and stays (on the list, the letters typed next were
        # its keys: space deactivated a status); a name too long is named, not cut.
        await pilot.press("n")
        assert isinstance(app.focused, Input)
        field = app.focused
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.focused is field
        assert any("Type a name for the new status" in n.message for n in app._notifications)
        field.value = "Q" * 100
        await pilot.press("enter")
        await settle(app, pilot)
        assert any("at most 80" in n.message for n in app._notifications)
        assert "Q" * 80 not in "".join(_status_names()) and app.focused is field
        assert field.value == "Q" * 100  # back in the field, to be fixed
        field.value = ""
        await pilot.press("escape")  # back to the list: "n" and a name typed at once
        burst(app, "n", *"Offer sent")  # (the name lost its first letter to the list)
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert _status_names()[-1] == "Offer sent"
        assert _table_names(screen)[-1] == "Offer sent"
        # and two at once (the second was "AlphanBeta": the field kept the focus)
        burst(app, "n", *"Alpha", "enter", "n", *"Beta", "enter")
        await settle(app, pilot)
        assert _status_names()[-3:] == ["Offer sent", "Alpha", "Beta"]
        for name in ("Alpha", "Beta"):
            statuses.delete_status(eva, name)
        screen.query_one(StatusesPane).reload()
        await settle(app, pilot)

        # Rename "Contacted" (used by order 1) to "Called".
        table = screen.query_one("#status-table", DataTable)
        await pilot.press("escape")
        assert app.focused is table
        await _cursor_to(app, pilot, table, 1)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, PromptDialog)
        await pilot.press("home", "ctrl+k")
        await _type(pilot, "won")  # taken: asked again, with the text and why
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, PromptDialog)
        assert app.screen.query_one("#answer", Input).value == "won"
        assert "already exists" in str(app.screen.query_one("#prompt-error", Static).content)
        await pilot.press("home", "ctrl+k", "enter")  # empty: asked again, saying why
        await settle(app, pilot)
        assert isinstance(app.screen, PromptDialog)
        assert "must not be empty" in str(app.screen.query_one("#prompt-error",
                                                               Static).content)
        await pilot.press("home", "ctrl+k")
        await _type(pilot, "Called")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Called" in _status_names() and "Contacted" not in _status_names()
        assert orders.get_order(eva, 1).row.status == "Called"

        # Move "Offer sent" up four places: [ three times, then ctrl+up.
        await _cursor_to(app, pilot, table, 6)
        for key in ("left_square_bracket",) * 3 + ("ctrl+up",):
            await pilot.press(key)
            await settle(app, pilot)
        expected = ["New lead", "Called", "Offer sent", "Meeting booked",
                    "Waiting for customer", "Won", "Lost"]
        assert _status_names() == expected
        assert _table_names(screen) == expected
        assert table.cursor_row == 2

        # List mode: sort by serial number (a choice saves at once).
        await pilot.press("f8")
        await settle(app, pilot)
        sort = screen.query_one(ListModePane).query_one("#set-list-sort", Select)
        assert app.focused is sort
        await pilot.press("enter", "down", "enter")
        await settle(app, pilot)
        assert sort.value == "serial"
        assert settings.get("list_sort") == "serial"

        # Channels: e-mail on, SMS off.
        await pilot.press("f8")
        await settle(app, pilot)
        email = screen.query_one("#set-channels-email", Checkbox)
        assert app.focused is email
        warning = screen.query_one(ChannelsPane).query_one(".form-warning", Static)
        assert warning.display and "SMS is on but no gateway URL" in str(warning.content)
        await pilot.press("space")
        await settle(app, pilot)
        assert "E-mail is on but no SMTP host" in str(warning.content)
        await pilot.press("tab")
        assert app.focused is screen.query_one("#set-channels-sms", Checkbox)
        await pilot.press("space")
        await settle(app, pilot)
        assert settings.get("channels.email") is True
        assert settings.get("channels.sms") is False
        assert "on" in str(email.label)
        assert str(warning.content).count("⚠") == 1 and "SMS" not in str(warning.content)
        host = screen.query_one("#set-smtp-host", Input)
        host.focus()
        await _type(pilot, "smtp.example.com")
        await pilot.press("enter")
        await settle(app, pilot)
        assert settings.get("smtp.host") == "smtp.example.com" and not warning.display
        email.focus()

        # Users: Bob gets exactly view-assigned + create + assign-self.
        await pilot.press("f8")
        await settle(app, pilot)
        matrix = screen.query_one(PermMatrix)
        assert app.focused is matrix
        bob_row = [u.username for u in matrix.users].index("bob")
        for perm in ("view", "view-assigned", "edit", "create", "assign-self"):
            await _cursor_to(app, pilot, matrix, bob_row, COLUMNS.index(perm))
            await pilot.press("space")
            await settle(app, pilot)
        bob = next(u for u in users.list_users(eva) if u.username == "bob")
        assert bob.perms == ("view-assigned", "create", "assign-self")
        # Presses on one cell while the first is saved (a slow database): each switches
        # the row as last saved (all were computed from the row before the first was
        # saved: Enter Enter left View off, or wrote "on" three times)
        await _cursor_to(app, pilot, matrix, bob_row, COLUMNS.index("edit"))
        real, release = users.set_perms, threading.Event()

        def slow(*args: object, **kwargs: object) -> object:
            release.wait(10)
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(users, "set_perms", slow)
        burst(app, "space", "space")
        await pilot.pause()
        release.set()
        await settle(app, pilot)
        monkeypatch.setattr(users, "set_perms", real)
        assert not users.get_actor("bob").has("edit")  # on, then off again
        # View back on replaces View only assigned (both saw every order), and back;
        # View off again leaves neither, which is said.
        for perm, held in (("view", "view"), ("view-assigned", "view-assigned")):
            await _cursor_to(app, pilot, matrix, bob_row, COLUMNS.index(perm))
            await pilot.press("space")
            await settle(app, pilot)
            assert users.get_actor("bob").perms == {held, "create", "assign-self"}
            detail = str(screen.query_one("#user-detail", Static).content)
            assert "(one or the other: ticking it clears View" in detail  # said, not silent
        await pilot.press("space")  # view-assigned off too: he sees nothing, said so
        await settle(app, pilot)
        assert any("bob now sees no contact orders" in n.message for n in app._notifications)
        await pilot.press("space")
        await settle(app, pilot)
        assert not bob.is_admin
        row = matrix.get_row("bob")
        assert row[COLUMNS.index("create")] == YES and row[COLUMNS.index("view")] == NO

    # Bob's next session reflects all of it.
    bob_app = make_app("bob")
    async with bob_app.run_test(size=(80, 24)) as pilot:
        await settle(bob_app, pilot)
        assert bob_app.actor.perms == {"view-assigned", "create", "assign-self"}
        assert [r.serial for r in order_list.list_orders(bob_app.actor).rows] == [1, 3]
        await pilot.press("f3")
        await settle(bob_app, pilot)
        from crm_tui.tui.widgets.order_table import OrderTable

        assert bob_app.screen.query_one(OrderTable).serials == [1, 3]
        # No key, no footer entry and no palette entry reaches the admin section.
        for key in ("f6", "5"):
            await pilot.press(key)
            await settle(bob_app, pilot)
            assert not isinstance(bob_app.screen, AdminScreen)
            assert bob_app.current_mode == "orders"
        await _assert_palette_has_no_admin(bob_app, pilot)


async def _assert_palette_has_no_admin(app: CrmApp, pilot: object) -> None:
    titles = [c.title for c in app.get_system_commands(app.screen)]
    assert titles and not [t for t in titles if "admin" in t.lower()]
    await pilot.press("ctrl+p")  # type: ignore[attr-defined]
    await settle(app, pilot)
    assert isinstance(app.screen, CommandPalette)
    await _type(pilot, "admin")
    await settle(app, pilot)
    results = app.screen.query_one(CommandList)
    shown = [str(option.prompt) for option in results.options]
    assert not [s for s in shown if "admin" in s.lower()], shown
    # The same palette does find other sections, so the empty answer is real.
    await pilot.press(*["backspace"] * 5)  # type: ignore[attr-defined]
    await _type(pilot, "go to contact")
    await settle(app, pilot)
    shown = [str(option.prompt) for option in results.options]
    assert [s for s in shown if "Contact orders" in s], shown
    await pilot.press("escape")  # type: ignore[attr-defined]


async def test_non_admin_has_no_admin_key_and_sees_no_data(eva: Actor,
                                                           make_app: MakeApp) -> None:
    """No admin key in the footer; forced onto the screen, the services refuse."""
    _seed(eva)
    app = make_app("bob")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        footer_actions = [key.action for key in app.screen.query(FooterKey)]
        assert footer_actions and "section('admin')" not in footer_actions
        assert not [k for k in app.screen.query(FooterKey) if "Admin" in k.description]
        app.switch_mode("admin")  # as if reached by a bug
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        assert not screen.query_one("#admin-tabs").display
        assert screen.query_one("#status-table", DataTable).row_count == 0
        assert screen.query_one(PermMatrix).row_count == 0
        state = str(screen.query_one("#admin-state", Static).render())
        assert "admins only" in state


async def test_bad_value_shows_service_message_and_changes_nothing(
        eva: Actor, make_app: MakeApp) -> None:
    """smtp.port 'abc' is refused with the service's words; nothing is stored."""
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_admin(app, pilot)
        await pilot.press("f8", "f8")
        await settle(app, pilot)
        port = screen.query_one("#set-smtp-port", Input)
        host = screen.query_one("#set-smtp-host", Input)
        host.focus()
        await _type(pilot, "mail.example.com")
        port.focus()
        await pilot.press("home", "ctrl+k")
        await _type(pilot, "abc")
        await pilot.press("enter")
        await settle(app, pilot)
        error = screen.query_one("#set-smtp-port-error", Static)
        assert error.display
        assert "Port must be a whole number, not 'abc'" in str(error.render())
        assert any("Port must be a whole number" in n.message for n in app._notifications)
        assert settings.get("smtp.port") == 25
        assert settings.get("smtp.host") == ""  # all or nothing
        # Fixed, the same form saves.
        await pilot.press("home", "ctrl+k")
        await _type(pilot, "587")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert settings.get("smtp.port") == 587
        assert settings.get("smtp.host") == "mail.example.com"
        assert not error.display


async def test_leaving_typed_settings_unsaved_asks_first(eva: Actor,
                                                         make_app: MakeApp) -> None:
    """A setting typed but not saved looked saved after F2 and F6 (the field kept the
    text, the database the old value); leaving now asks, and No stays."""
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_admin(app, pilot)
        await pilot.press("f8")
        await settle(app, pilot)
        organisation = screen.query_one("#set-organisation", Input)
        organisation.focus()
        await pilot.press("end", *" Nord")
        await pilot.press("f2")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.message.endswith("Not saved: settings: Name (List mode tab)")
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen is screen and organisation.value.endswith(" Nord")
        await pilot.press("enter")  # saved: leaving asks nothing
        await settle(app, pilot)
        assert settings.get("organisation").endswith(" Nord")
        await pilot.press("f2")
        await settle(app, pilot)
        assert not isinstance(app.screen, (ConfirmDialog, AdminScreen))
        # Leave, agreed: what was typed is dropped (it stayed, and the next Enter in
        # another field saved it).
        await pilot.press("f6")
        await settle(app, pilot)
        organisation.focus()
        await pilot.press("end", *" Syd")
        await pilot.press("f2", "y")
        await settle(app, pilot)
        await pilot.press("f6")
        await settle(app, pilot)
        assert organisation.value.endswith(" Nord") and not screen.unsaved()
        await pilot.press("f2")
        await settle(app, pilot)
        assert not isinstance(app.screen, (ConfirmDialog, AdminScreen))
        assert settings.get("organisation").endswith(" Nord")


async def test_secrets_stay_masked(eva: Actor, make_app: MakeApp) -> None:
    """A stored password is never shown back, and saving other fields keeps it."""
    settings.set_value(eva, "smtp.password", "hunter2")
    app = make_app("eva")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_admin(app, pilot)
        await pilot.press("f8", "f8")
        await settle(app, pilot)
        password = screen.query_one("#set-smtp-password", Input)
        assert password.value == settings.SECRET and password.password
        assert "hunter2" not in app.export_screenshot()
        screen.query_one("#set-smtp-from", Input).focus()
        await _type(pilot, "crm@example.com")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        stored = settings.get_all(reveal=True)
        assert stored["smtp.from"] == "crm@example.com"
        assert stored["smtp.password"] == "hunter2"
        assert password.value == settings.SECRET
        # Replacing it: focusing selects the mask, typing replaces it.
        password.focus()
        await pilot.press("home", "ctrl+k")
        await _type(pilot, "s3cret")
        await pilot.press("enter")
        await settle(app, pilot)
        assert settings.get_all(reveal=True)["smtp.password"] == "s3cret"
        assert password.value == settings.SECRET
        assert not [e for e in screen.query_one(ChannelsPane).query(".field-error")
                    if e.display]


async def test_status_deactivate_and_delete(eva: Actor, make_app: MakeApp) -> None:
    """Space deactivates; an in-use status cannot be deleted; an unused one can."""
    _seed(eva)
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_admin(app, pilot)
        pane = screen.query_one(StatusesPane)
        table = pane.table
        await _cursor_to(app, pilot, table, 1)  # Contacted, used by order 1
        await pilot.press("space")
        await settle(app, pilot)
        assert not next(s for s in statuses.list_statuses() if s.name == "Contacted").active
        assert str(table.get_row_at(1)[2]) == "no"
        await pilot.press("delete")
        await settle(app, pilot)
        assert "Contacted" in _status_names()
        assert any("it is deactivated, so new orders cannot get it" in n.message
                   for n in app._notifications)
        await pilot.press("space")  # active again
        await settle(app, pilot)
        assert next(s for s in statuses.list_statuses() if s.name == "Contacted").active
        await _cursor_to(app, pilot, table, 4)  # Won, unused
        await pilot.press("delete")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(app, pilot)
        assert "Won" not in _status_names() and "Won" not in _table_names(screen)
        assert len(_status_names()) == 5
        # the cursor on the status after it (it went to the first: a second Delete
        # was aimed at "New lead")
        assert table.cursor_row == 4 and _table_names(screen)[4] == _status_names()[4]
        # A long name, then deleted: the name column narrows again, so Active and
        # Orders stay on an 80-column screen (they were pushed off for good).
        statuses.add_status(eva, "L" * 80)
        screen.refresh_data()
        await settle(app, pilot)
        assert table.columns["name"].get_render_width(table) > 80
        await _cursor_to(app, pilot, table, 5)
        await pilot.press("delete", "y")
        await settle(app, pilot)
        assert len(_status_names()) == 5
        assert sum(c.get_render_width(table) for c in table.columns.values()) < 60


async def test_add_and_deactivate_user(eva: Actor, make_app: MakeApp) -> None:
    """a opens the add-user form (errors stay in it); x deactivates the user."""
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_admin(app, pilot)
        await pilot.press("f7")  # previous tab wraps round to Audit
        await settle(app, pilot)
        await pilot.press("f7")  # Outbox
        await settle(app, pilot)
        await pilot.press("f7")  # Users
        await settle(app, pilot)
        matrix = screen.query_one(PermMatrix)
        assert app.focused is matrix
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, AddUserDialog)
        await _type(pilot, "Carl!")
        await pilot.press("enter")
        await _type(pilot, "Carl Berg")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, AddUserDialog)
        assert "not a valid username" in str(dialog.query_one("#user-error", Static).render())
        dialog.query_one("#user-username", Input).value = ""
        dialog.query_one("#user-username", Input).focus()
        await _type(pilot, "carl")
        dialog.query_one("#user-email", Input).focus()
        await _type(pilot, "carl@example.com")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        carl = next(u for u in users.list_users(eva) if u.username == "carl")
        assert carl.display_name == "Carl Berg" and carl.email == "carl@example.com"
        assert matrix.current_user() is not None
        assert matrix.current_user().username == "carl"  # type: ignore[union-attr]
        await pilot.press("x")
        await settle(app, pilot)
        assert not next(u for u in users.list_users(eva) if u.username == "carl").active
        assert str(matrix.get_row("carl")[COLUMNS.index("active")]) == "no"
        # Eva cannot take her own admin rights: the service says so.
        eva_row = [u.username for u in matrix.users].index("eva")
        await _cursor_to(app, pilot, matrix, eva_row, COLUMNS.index("admin"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert users.get_actor("eva").is_admin
        assert any("own admin rights" in n.message for n in app._notifications)


async def test_alt_and_a_digit_from_a_terminal_opens_that_tab(
        eva: Actor, make_app: MakeApp) -> None:
    """alt+4 as a terminal sends it (ESC 4, which Textual read as "¢") opens the fourth
    tab, Users; alt+6 the sixth, Audit. From a text field too, which types nothing, in a
    dialog's field as well; a "£" typed as such stays a character."""
    from textual._xterm_parser import XTermParser

    def from_terminal(data: str) -> list[events.Key]:
        return [e for e in XTermParser().feed(data) if isinstance(e, events.Key)]

    assert [key.key for key in from_terminal("\x1b4\x1b6")] == ["alt+4", "alt+6"]
    assert [(key.key, key.character) for key in from_terminal("£§")] == [
        ("pound_sign", "£"), ("section_sign", "§")]
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:

        async def send(data: str) -> None:
            for key in from_terminal(data):
                app.post_message(key)
                await settle(app, pilot)

        screen = await _open_admin(app, pilot)
        tabs = screen.query_one(TabbedContent)
        assert tabs.active == "tab-statuses"
        for data, tab in (("\x1b4", "tab-users"), ("\x1b6", "tab-audit"),
                          ("\x1b2", "tab-list")):
            await send(data)
            assert tabs.active == tab, data
        # F8 typed three times at once: three tabs on (the focus, moved late, pulled
        # the tabs back to its pane, and it landed about anywhere)
        burst(app, "f8", "f8", "f8")
        await settle(app, pilot)
        assert tabs.active == "tab-outbox"
        await send("\x1b2")
        # In a text field: it typed "£" there, and the tab stayed.
        await pilot.press("f8")
        await settle(app, pilot)
        host = screen.query_one("#set-smtp-host", Input)
        host.focus()
        await _type(pilot, "mail")
        await send("\x1b1")
        assert (tabs.active, host.value) == ("tab-statuses", "mail")
        # A "£" or "§" typed on a keyboard that has them is text, not a tab key.
        await send("\x1b3")
        password = screen.query_one("#set-smtp-password", Input)
        password.focus()
        await send("p£§")
        assert (tabs.active, password.value) == ("tab-channels", "p£§")
        # A dialog's field (renaming a status) types nothing for alt+digit either.
        await send("\x1b1")
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen is not screen  # the rename dialog
        field = app.screen.query_one(Input)
        before = field.value
        assert before == "New lead"
        await send("\x1b3\x1b2")
        assert field.value == before and app.screen.query_one(Input) is field


async def test_audit_names_customers_by_their_number(eva: Actor, make_app: MakeApp) -> None:
    """The audit tab named a customer by its internal id ("customer 1"), which users
    never see; it now gives the customer's number, in the table and the detail line."""
    from crm_tui.services import registers

    registers.add_customer(eva, "Berg AB", number="K-7001")
    app = make_app("eva")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open_admin(app, pilot)
        screen.query_one(TabbedContent).active = "tab-audit"
        await settle(app, pilot)
        table = screen.query_one("#audit-table", DataTable)
        assert [str(table.get_row_at(0)[i]) for i in (2, 3)] == ["customer.add",
                                                                 "customer K-7001"]
        detail = str(screen.query_one("#audit-detail", Static).render())
        assert "customer.add customer K-7001: " in detail


async def test_e_edits_a_users_name_email_and_phone(eva: Actor, make_app: MakeApp) -> None:
    """A mistyped e-mail could not be put right anywhere (QA17 M2): e on a user opens
    their name, e-mail and phone; every refused field is named at once, in the add
    dialog too (it took a save per slip)."""
    users.add_user(eva, "bob", display_name="Bob", email="bob@exmaple.com",
                   perms=["view"])
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_admin(app, pilot)
        screen.query_one(TabbedContent).active = "tab-users"
        await settle(app, pilot)
        matrix = screen.query_one(PermMatrix)
        await _cursor_to(app, pilot, matrix, [u.username for u in matrix.users].index("bob"))
        await pilot.press("e")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, AddUserDialog)
        username = dialog.query_one("#user-username", Input)
        assert (username.value, username.disabled) == ("bob", True)
        email = dialog.query_one("#user-email", Input)
        assert email.value == "bob@exmaple.com"
        email.value = "bob-at-home"
        dialog.query_one("#user-phone", Input).value = "phone?"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        shown = str(dialog.query_one("#user-error", Static).render())
        assert "e-mail" in shown and "phone" in shown and app.focused is email
        email.value = "bob@example.com"
        dialog.query_one("#user-phone", Input).value = "070-123 45 67"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is screen
        bob = next(u for u in users.list_users(eva) if u.username == "bob")
        assert (bob.email, bob.phone) == ("bob@example.com", "070-123 45 67")
        assert "bob@example.com" in str(screen.query_one("#user-detail", Static).render())
        # eva, an admin, on a permission she was not given on its own: its cell shows ✓,
        # and the line said "no (implied: …)" beside it
        await _cursor_to(app, pilot, matrix, [u.username for u in matrix.users].index("eva"),
                         COLUMNS.index("delete"))
        assert str(matrix.get_row("eva")[COLUMNS.index("delete")]) == str(YES)
        detail = str(screen.query_one("#user-detail", Static).render())
        assert "Delete: yes, as an admin (admins can do everything" in detail
        await pilot.press("a")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, AddUserDialog)
        await _type(pilot, "Carl!")
        dialog.query_one("#user-email", Input).value = "carl-at-home"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        shown = str(dialog.query_one("#user-error", Static).render())
        assert "not a valid username" in shown and "e-mail" in shown
        assert app.focused is dialog.query_one("#user-username", Input)


async def test_home_and_end_go_to_the_first_and_last_status(eva: Actor,
                                                          make_app: MakeApp) -> None:
    """Home and End did nothing in the statuses (a DataTable's own move between its
    columns); as in every other list, they go to the first and the last row."""
    app = make_app("eva")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_admin(app, pilot)
        table = screen.query_one(StatusesPane).table
        table.focus()
        await pilot.press("end")
        await settle(app, pilot)
        assert table.cursor_row == table.row_count - 1 > 0
        await pilot.press("home")
        await settle(app, pilot)
        assert table.cursor_row == 0


async def test_the_audit_and_outbox_offer_no_open(eva: Actor, make_app: MakeApp) -> None:
    """Their footers showed "⏎ Open", and Enter opened nothing (QA19)."""
    from textual.widgets._footer import FooterKey

    app = make_app("eva")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open_admin(app, pilot)
        for tab, table_id in (("tab-audit", "#audit-table"), ("tab-outbox", "#outbox-table")):
            screen.query_one(TabbedContent).active = tab
            await settle(app, pilot)
            screen.query_one(table_id).focus()
            await settle(app, pilot)
            shown = [key.description for key in screen.query(FooterKey)]
            assert "Open" not in shown, (tab, shown)

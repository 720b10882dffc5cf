"""The admin screen shows the outbox with failures and their errors, and retries them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from textual.widgets import DataTable

from crm_tui.db.models import utcnow
from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import bookings, orders, outbox, settings
from crm_tui.services.timezone import to_local
from crm_tui.tui.app import CrmApp
from crm_tui.tui.screens.admin_outbox import OutboxPane
from crm_tui.worker.run import WorkerOptions, run_once
from tests.conftest import make_user
from tests.notify.conftest import free_port
from tests.tui.conftest import settle


async def test_failed_delivery_is_shown_with_its_error_and_can_be_retried(
        eva: Actor, make_app: Callable[..., CrmApp]) -> None:
    settings.set_value(eva, "channels.email", "on")
    settings.set_value(eva, "smtp.host", "127.0.0.1")
    settings.set_value(eva, "smtp.port", str(free_port()))  # nobody listens there
    anna = make_user(eva, "anna", "view", "edit", "create", email="anna@example.test")
    serial = orders.create_order(anna, OrderInput(subject="Boiler", customer="Acme")).serial
    soon = (to_local(utcnow()) + dt.timedelta(minutes=5)).replace(tzinfo=None)
    bookings.add_booking(anna, serial, soon, "phone", remind_before=10)
    assert run_once(WorkerOptions(max_attempts=1, timeout=5)).failed == 1

    app = make_app("eva")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f6")
        await settle(app, pilot)
        await pilot.press("alt+5")
        await settle(app, pilot)
        pane = app.screen.query_one(OutboxPane)
        table = pane.query_one(DataTable)
        assert table.row_count == 1
        cells = [str(c) for c in table.get_row_at(0)]
        assert cells[1:5] == ["email", "anna@example.test", "failed", "1"]
        assert "SMTP 127.0.0.1" in cells[5]
        table.focus()
        await pilot.press("r")
        await settle(app, pilot)
        assert [r.status for r in outbox.list_outbox(eva, status="pending")] == ["pending"]
        assert [str(c) for c in table.get_row_at(0)][3] == "pending"
        # said in good English (it said "1 deliveries")
        assert any(str(n.message) == "1 delivery queued again" for n in app._notifications)
        # a pending one, waiting out its pause, is tried again now too
        await pilot.press("r")
        await settle(app, pilot)
        assert not any("Only" in str(n.message) for n in app._notifications)
        # a worker's send shows while the tab is open (the app is told of the change;
        # the tab showed it only once left and opened again, QA20 M6)
        [row] = outbox.claim("w1", now=utcnow() + dt.timedelta(hours=2))
        outbox.mark_sent(row)
        app.data_changed()
        await settle(app, pilot)
        assert [str(c) for c in table.get_row_at(0)][3] == "sent"
        # a new delivery comes in on top: the admin's row stays chosen (the cursor went
        # to the first row, and r retried another delivery: QA21 M3)
        chosen = table.key_at()
        orders.create_order(eva, OrderInput(subject="Pump", customer="Acme",
                                            assignees=["anna"]))
        app.data_changed()
        await settle(app, pilot)
        assert table.row_count == 2 and table.key_at() == chosen and table.cursor_row == 1

"""The outbox pane: every delivery by e-mail and SMS, pending, sent or failed, with its
last error; failed ones, and ones waiting to be tried again, can be sent again now."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Static

from crm_tui.domain.errors import CrmError
from crm_tui.domain.text import plural, printable
from crm_tui.services import outbox
from crm_tui.services.outbox import OutboxInfo
from crm_tui.services.timezone import to_local
from crm_tui.tui.screens.admin_common import AdminPane
from crm_tui.tui.widgets.order_table import Col, FittedTable, cell
from crm_tui.tui.work import call_service

STATUS_STYLE = {"failed": "bold red", "pending": "yellow", "sending": "yellow",
                "sent": "green"}


class OutboxTable(FittedTable):
    """Deliveries: the recipient and the last error share the width (at 120 columns the
    recipient was cut at 20, "anna.berg@nordvarme.", beside an empty error column)."""

    COLUMNS = (
        Col("at", "Created", width=11),
        Col("channel", "Channel", width=7),
        Col("to", "Recipient", share=40, minimum=14),
        Col("status", "Status", width=7),
        Col("tries", "Tries", width=5),
        Col("error", "Last error", share=60, minimum=10),
    )


class OutboxPane(AdminPane):
    """Deliveries, newest first; ctrl+r / r tries the highlighted failed or waiting one
    again now."""

    DEFAULT_CSS = """
    OutboxPane { height: 1fr; }
    OutboxPane DataTable { height: 1fr; overflow-x: hidden; }
    OutboxPane #outbox-detail { height: auto; max-height: 4; padding: 0 1; background: $boost; }
    """
    BINDINGS = [
        Binding("r,ctrl+r", "retry", "Retry", tooltip="Try the failed or waiting delivery "
                "again now"),
        Binding("R", "retry_all", "Retry all", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="outbox-pane")
        self.rows: list[OutboxInfo] = []

    def compose(self) -> Iterable[Widget]:
        """The delivery table, its empty state, the highlighted row in full."""
        yield OutboxTable(id="outbox-table")
        yield Static("", id="outbox-empty", classes="empty-state")
        yield Static("", id="outbox-detail")

    def reload(self) -> None:
        """Re-read the outbox."""
        call_service(self, outbox.list_outbox, self.actor, done=self.show, group="outbox")

    def show(self, rows: list[OutboxInfo]) -> None:
        """Fill the table (in-app rows are the notifications themselves: not listed)."""
        self.rows = [r for r in rows if r.channel != "inapp"]
        # read anew as the worker sends: the admin's row stays chosen (r retried another)
        self.query_one(OutboxTable).put_rows((
            (str(row.id), [cell(f"{to_local(row.created_at):%m-%d %H:%M}"),
                           cell(row.channel), cell(row.recipient),
                           cell(row.status, STATUS_STYLE.get(row.status, "")),
                           cell(row.attempts, right=True),
                           cell(row.last_error[:200], "dim")]) for row in self.rows),
            keep=True)
        empty = self.query_one("#outbox-empty", Static)
        empty.update("Nothing sent by e-mail or SMS yet. Turn the channels on in Channels; "
                     "`crm-tui worker` delivers.")
        empty.display = not self.rows
        self._detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted delivery in full."""
        self._detail()

    def _current(self) -> OutboxInfo | None:
        if not self.rows:
            return None
        return self.rows[min(self.query_one(DataTable).cursor_row, len(self.rows) - 1)]

    def _detail(self) -> None:
        detail = self.query_one("#outbox-detail", Static)
        row = self._current()
        detail.display = row is not None
        if row is not None:
            detail.update(Text(printable(
                f"#{row.id} {row.channel} to {row.recipient}: {row.status}, "
                f"{row.attempts} tries. {row.text}"
                + (f" — last error: {row.last_error}" if row.last_error else ""))))

    def action_retry(self) -> None:
        """Try the highlighted failed or waiting delivery again now."""
        row = self._current()
        if row is None or row.status not in ("failed", "pending"):
            self.app.notify("Only a failed or waiting delivery is tried again",
                            severity="warning")
            return
        call_service(self, outbox.retry, self.actor, row.id, done=self._retried,
                     failed=self._not_retried, group="outbox-retry")

    def action_retry_all(self) -> None:
        """Try every failed or waiting delivery again now."""
        call_service(self, outbox.retry, self.actor, None, done=self._retried,
                     group="outbox-retry")

    def _not_retried(self, exc: CrmError) -> None:
        """Refused (sent meanwhile, by a worker): said, and the table read again (it
        showed the delivery pending until another tab was chosen)."""
        self.app.notify(printable(str(exc)), title="Not retried", severity="warning",
                        markup=False)
        self.reload()

    def _retried(self, count: int) -> None:
        self.saved(f"{plural(count, 'delivery', 'deliveries')} queued again")
        self.reload()

"""The order-list filter dialog, the favourite-name prompt and the favourites picker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from crm_tui.domain.dates import day_offset, relative_day
from crm_tui.domain.errors import ValidationError
from crm_tui.domain.records import (
    Completed,
    OrderFilter,
    StatusInfo,
    UserInfo,
)
from crm_tui.domain.text import printable
from crm_tui.services import validate
from crm_tui.services.statuses import list_statuses
from crm_tui.services.users import list_users
from crm_tui.tui.widgets.button_row import ButtonRow
from crm_tui.tui.widgets.tick_list import SpaceTickBox
from crm_tui.tui.work import call_service

COMPLETED_LABELS = {Completed.INCLUDE: "Open and completed",
                    Completed.EXCLUDE: "Open orders only",
                    Completed.ONLY: "Completed only"}
LIST_DEFAULT = OrderFilter(completed=Completed.INCLUDE)
"""The list's filter until the user saves one: every order, the completed last in dark
blue, as the manual has it ("It remains in the list of contact orders"); they were
hidden, and a completed order vanished from the list (QA20 M2)."""

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 78; max-width: 100%; height: auto; max-height: 100%;
    border: round $accent; background: $surface; padding: 0 1; }}
{name} .title {{ text-style: bold; margin-bottom: 1; }}
{name} .row {{ height: auto; margin-bottom: 1; }}
{name} .row > Label {{ width: 12; }}
{name} .row > Input, {name} .row > Select {{ width: 1fr; }}
{name} .dash {{ width: 3; content-align: center middle; }}
{name} .error-text {{ height: auto; }}
{name} .buttons {{ height: auto; margin-top: 1; }}
{name} .buttons > Button {{ margin-right: 2; }}
{name} .hint {{ color: $text-muted; }}
"""


def plain_name(shown: str, username: str) -> Text:
    """A user as the choice shows them: the name, and the username if it differs."""
    text = Text(printable(shown))
    if shown != username:
        text.append(f" ({printable(username)})", style="dim")
    return text


def parse_offset(value: str) -> int | None:
    """Days from today for 'today', 'tomorrow', '+N' or '-N'; None for anything else."""
    return day_offset(value)


def show_day(day: dt.date | None, offset: int | None) -> str:
    """How a filter date is written in the dialog: '+30' stays relative."""
    if offset is not None:
        return "today" if offset == 0 else f"{offset:+d}"
    return day.isoformat() if day else ""


def parse_day(value: str, today: dt.date, field: str) -> dt.date | None:
    """A date as YYYY-MM-DD, 'today', or +N / -N days from today; empty means none."""
    raw = value.strip().lower()
    if not raw:
        return None
    relative = relative_day(raw, today)  # '+6m' too: a fixed date (months vary)
    if relative is not None:
        return relative
    try:
        return validate.date(raw, field)
    except ValidationError:
        raise ValidationError(f"{field.capitalize()}: '{value.strip()}' is not a date — "
                              "use YYYY-MM-DD, 'today', +N days, +Nw or +Nm", field) from None


def describe(criteria: OrderFilter) -> str:
    """A short, human summary of a filter (for the filter bar)."""
    parts: list[str] = []
    if criteria.mine:
        parts.append("mine")
    if criteria.assigned_to:
        parts.append(f"assigned to {criteria.assigned_to}")
    if criteria.status:
        parts.append(f"status {criteria.status}")
    if criteria.customer:
        parts.append(f"customer “{criteria.customer}”")
    start = show_day(criteria.scheduled_from, criteria.scheduled_from_days)
    end = show_day(criteria.scheduled_to, criteria.scheduled_to_days)
    if start or end:
        parts.append(f"{start or '…'}–{end or '…'}")
    if criteria.text:
        parts.append(f"text “{criteria.text}”")
    if criteria.completed != LIST_DEFAULT.completed:
        parts.append(COMPLETED_LABELS[criteria.completed].lower())
    return printable(" · ".join(parts)) if parts else "all orders"


class FilterDialog(ModalScreen[OrderFilter | None]):
    """Edit the list filter; returns the new criteria, or None when cancelled."""

    DEFAULT_CSS = DIALOG_CSS.format(name="FilterDialog") + """
    FilterDialog.-short .row { margin-bottom: 0; }
    FilterDialog.-short .title { margin-bottom: 0; }
    """
    BINDINGS = [
        Binding("ctrl+s,enter", "apply", "Apply"),
        Binding("ctrl+r", "clear", "Clear"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, criteria: OrderFilter, statuses: Sequence[StatusInfo] | None,
                 today: dt.date) -> None:
        """With ``statuses`` None the dialog opens at once and reads them itself (the
        status choice fills in when they arrive), so keys typed right after the key that
        opened it reach the dialog, not the screen below."""
        super().__init__()
        self.criteria = criteria
        self.statuses = statuses
        self.today = today
        self.users: list[UserInfo] = []  # read as the dialog opens (see on_mount)

    def compose(self) -> ComposeResult:
        """The filter fields, with an inline error line under the dates."""
        c = self.criteria
        with Vertical():
            yield Static(Text("Filter contact orders"), classes="title")
            yield SpaceTickBox("Assigned to me", c.mine, id="mine", compact=True,
                           classes="row")
            with Horizontal(classes="row"):
                yield Label("Assigned to")
                yield Select(self._user_options(), value=c.assigned_to or "",
                             allow_blank=False, id="assigned", compact=True)
            with Horizontal(classes="row"):
                yield Label("Status")
                yield Select(self._status_options(), value=c.status or "",
                             allow_blank=False, id="status", compact=True)
            with Horizontal(classes="row"):
                yield Label("Customer")
                yield Input(c.customer or "", placeholder="part of the name",
                            id="customer", compact=True)
            with Horizontal(classes="row"):
                yield Label("Scheduled")
                yield Input(show_day(c.scheduled_from, c.scheduled_from_days),
                            placeholder="from YYYY-MM-DD", id="from", compact=True)
                yield Label("–", classes="dash")
                yield Input(show_day(c.scheduled_to, c.scheduled_to_days),
                            placeholder="to YYYY-MM-DD", id="to", compact=True)
            yield Static("", id="date-error", classes="error-text")
            with Horizontal(classes="row"):
                yield Label("Text")
                yield Input(c.text or "", placeholder="words in subject, contact, customer, "
                            "number (all of them)", id="text", compact=True)
            with Horizontal(classes="row"):
                yield Label("Completed")
                yield Select([(label, str(value)) for value, label in
                              COMPLETED_LABELS.items()], value=str(c.completed),
                             allow_blank=False, id="completed", compact=True)
            with ButtonRow(classes="buttons"):
                yield Button("Apply", id="apply", variant="primary", compact=True)
                yield Button("Clear", id="clear", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
            yield Static(Text("Dates: YYYY-MM-DD, today, +30 (days), +2w, +6m · "
                              "Enter/ctrl+s apply · esc cancel"), classes="hint")

    def _status_options(self) -> list[tuple[Text, str]]:
        """Any status, the statuses read, and the filter's own (even if since removed)."""
        names = [s.name for s in self.statuses or ()]
        if self.criteria.status and self.criteria.status not in names:
            names.append(self.criteria.status)
        return [(Text("Any status"), "")] + [(Text(printable(n)), n) for n in names]

    def _user_options(self) -> list[tuple[Text, str]]:
        """Anyone, the active users, and the filter's own (even if since deactivated)."""
        names = [(u.display_name or u.username, u.username) for u in self.users if u.active]
        wanted = self.criteria.assigned_to
        if wanted and all(name != wanted for _, name in names):
            names.append((wanted, wanted))
        return [(Text("Anyone"), "")] + [(plain_name(shown, name), name)
                                         for shown, name in names]

    def on_mount(self) -> None:
        """Start in the first field (at once: focus() would wait behind keys typed
        already); read the statuses if not given, and the users."""
        self.set_class(self.app.size.height < 28, "-short")  # the fields fit a phone
        self.query_one("#date-error").display = False
        self.set_focus(self.query_one("#mine", Checkbox))
        if self.statuses is None:
            call_service(self, list_statuses, count_use=False, done=self._statuses_read,
                         group="statuses")
        call_service(self, list_users, self.app.actor,  # type: ignore[attr-defined]
                     done=self._users_read, group="users")

    def _users_read(self, user_list: list[UserInfo]) -> None:
        """Fill in the assignee choice."""
        self.users = user_list
        self._refill("#assigned", self._user_options)

    def _statuses_read(self, status_list: list[StatusInfo]) -> None:
        """Fill in the status choice."""
        self.statuses = status_list
        self._refill("#status", self._status_options)

    def _refill(self, selector: str, options: Callable[[], list[tuple[Text, str]]]) -> None:
        """Give a choice its options as read, keeping what is chosen."""
        if not self.is_attached:
            return  # closed meanwhile
        select: Select[str] = self.query_one(selector, Select)
        chosen = select.value
        listed = options()
        select.set_options(listed)
        if any(value == chosen for _, value in listed):
            select.value = chosen

    def _dates(self) -> tuple[dt.date | None, dt.date | None]:
        start = parse_day(self.query_one("#from", Input).value, self.today, "from")
        end = parse_day(self.query_one("#to", Input).value, self.today, "to")
        if start and end and start > end:
            raise ValidationError("The 'from' date is after the 'to' date", "from")
        return start, end

    def _date_problems(self) -> dict[str, str]:
        """Each date's problem, From's and To's together (one a try, it took two)."""
        problems = {}
        for name in ("from", "to"):
            try:
                parse_day(self.query_one(f"#{name}", Input).value, self.today, name)
            except ValidationError as exc:
                problems[name] = str(exc)
        if not problems:
            try:
                self._dates()
            except ValidationError as exc:
                problems[exc.field or "from"] = str(exc)
        return problems

    def _show_date_error(self, *, only_clear: bool = False) -> bool:
        """Validate the dates inline; True if they are fine."""
        error = self.query_one("#date-error", Static)
        problems = self._date_problems()
        if problems:
            if not only_clear:
                error.update(Text("\n".join(problems.values())))
                error.display = True
            return False
        error.update("")
        error.display = False
        return True

    @on(Input.Changed, "#from, #to")
    def _date_changed(self) -> None:
        """While typing, only clear a shown error once the date is right."""
        self._show_date_error(only_clear=True)

    @on(Input.Blurred, "#from, #to")
    def _date_left(self) -> None:
        self._show_date_error()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        """Return the criteria (if the dates are valid)."""
        if not self._show_date_error():
            # the date that is wrong (a wrong To focused From, with its text selected:
            # the fix typed replaced the date that was right)
            wrong = self.query_one(f"#{next(iter(self._date_problems()))}", Input)
            wrong.focus()
            wrong.select_all()  # typed over, not after (it was appended to)
            return
        start, end = self._dates()
        from_days = parse_offset(self.query_one("#from", Input).value)
        to_days = parse_offset(self.query_one("#to", Input).value)
        status = self.query_one("#status", Select).value
        assigned = self.query_one("#assigned", Select).value
        completed = self.query_one("#completed", Select).value
        self.dismiss(OrderFilter(
            mine=self.query_one("#mine", Checkbox).value,
            assigned_to=assigned if isinstance(assigned, str) and assigned else None,
            status=status if isinstance(status, str) and status else None,
            customer=self.query_one("#customer", Input).value.strip() or None,
            scheduled_from=None if from_days is not None else start,
            scheduled_to=None if to_days is not None else end,
            scheduled_from_days=from_days, scheduled_to_days=to_days,
            text=self.query_one("#text", Input).value.strip() or None,
            completed=Completed(completed) if isinstance(completed, str)
            else LIST_DEFAULT.completed))

    @on(Button.Pressed, "#clear")
    def action_clear(self) -> None:
        """Reset every field."""
        self.query_one("#mine", Checkbox).value = False
        self.query_one("#assigned", Select).value = ""
        self.query_one("#status", Select).value = ""
        for name in ("customer", "from", "to", "text"):
            self.query_one(f"#{name}", Input).value = ""
        self.query_one("#completed", Select).value = str(LIST_DEFAULT.completed)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without changing the filter."""
        self.dismiss(None)

"""The booking dialog: the next contact of an order (when, how, reminder, who)."""

from __future__ import annotations

import datetime as dt
import re

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from crm_tui.domain.dates import absolute_when
from crm_tui.domain.errors import CrmError, FieldProblems, ValidationError
from crm_tui.domain.records import BookingInfo, BookingKind
from crm_tui.domain.text import printable
from crm_tui.services import bookings, validate
from crm_tui.services.bookings import MAX_REMIND_MINUTES
from crm_tui.tui.screens.filter_dialog import DIALOG_CSS
from crm_tui.tui.widgets.button_row import ButtonRow
from crm_tui.tui.widgets.tick_list import SpaceTickBox
from crm_tui.tui.work import call_service

_LEAD = re.compile(r"^(\d+)\s*(m|min|h|d|w)?$")
_UNIT_MINUTES = {None: 1, "m": 1, "min": 1, "h": 60, "d": 60 * 24, "w": 60 * 24 * 7}
KIND_LABELS = {BookingKind.PHONE: "Phone call", BookingKind.MEETING: "Meeting",
               BookingKind.DIGITAL: "Digital meeting", BookingKind.EMAIL: "E-mail"}


def parse_when(value: str, today: dt.date) -> dt.datetime:
    """A local date and time: 'YYYY-MM-DD HH:MM', or a day relative to ``today`` and a
    time ('tomorrow 9:00', '+7 14:30')."""
    if not value.strip():
        raise ValidationError("When: give a date and time, e.g. 2026-03-15 10:00", "at")
    try:
        return validate.datetime_local(absolute_when(value, today))
    except ValidationError as exc:
        hint = ("" if "tomorrow" in str(exc)
                else " (or e.g. 'tomorrow 9:00', '+7 14:30', '+6m 10:00')")
        raise ValidationError(f"When: {exc}{hint}", "at") from None


def parse_lead(value: str) -> int | None:
    """Reminder lead time in minutes: '15', '90m', '2h', '1d', '1w'; empty means none."""
    raw = value.strip().lower()
    if not raw:
        return None
    match = _LEAD.match(raw)
    if match is None:
        raise ValidationError(f"Reminder: '{value.strip()}' is not a number of minutes — "
                              "use e.g. 15, 2h or 1d", "reminder")
    minutes = int(match.group(1)) * _UNIT_MINUTES[match.group(2)]
    if minutes > MAX_REMIND_MINUTES:  # a number, but one too large ("not a number" said)
        raise ValidationError(f"Reminder: '{value.strip()}' is too long before: at most "
                              "a year (52w)", "reminder")
    return minutes


class BookingDialog(ModalScreen[BookingInfo | None]):
    """Book the next contact of an order; returns the created booking, or None."""

    DEFAULT_CSS = DIALOG_CSS.format(name="BookingDialog")
    BINDINGS = [
        Binding("ctrl+s", "book", "Book"),
        Binding("escape", "cancel", "Cancel"),
        # Priority: within the key press, so keys typed right after Enter are not typed
        # into the field first ("+9 10:00" Enter "No..." booked "+9 10:00No").
        Binding("enter", "enter_book", show=False, priority=True),
    ]

    def __init__(self, serial: int, *, follows: BookingInfo | None = None) -> None:
        """``follows``: the due booking of the order the user came from (the to-do's),
        offered to be marked done with this one, ticked."""
        super().__init__()
        self.serial = serial
        self.follows = follows
        self._past_agreed: dt.datetime | None = None  # a time in the past, booked anyway
        self._booking = False  # a booking on its way: Enter again books nothing more
        self._error_kind = ""  # "field" (a value is wrong), "past" (asked once), "busy"
        # (booking) or "service" (refused)

    def _now(self) -> dt.datetime:
        """The local time now, naive (as the fields are)."""
        now_fn = getattr(self.app, "now", None)
        now = now_fn() if callable(now_fn) else dt.datetime.now()
        return now.replace(tzinfo=None)

    def _default_when(self) -> str:
        return f"{(self._now() + dt.timedelta(days=1)):%Y-%m-%d} 09:00"

    def compose(self) -> ComposeResult:
        """When, kind, reminder and assignee, an error line, buttons and a hint."""
        with Vertical():
            yield Static(Text(f"Next booking for order {self.serial}"), classes="title")
            with Horizontal(classes="row"):
                yield Label("When")
                yield Input(self._default_when(),
                            placeholder="YYYY-MM-DD HH:MM, tomorrow 9:00, +6m 10:00",
                            id="at", compact=True)
            with Horizontal(classes="row"):
                yield Label("Kind")
                yield Select([(label, str(kind)) for kind, label in KIND_LABELS.items()],
                             value=str(BookingKind.PHONE), allow_blank=False, id="kind",
                             compact=True)
            with Horizontal(classes="row"):
                yield Label("Reminder")
                yield Input(placeholder="before: 15 (minutes), 2h, 1d, 1w (empty: none)",
                            id="reminder", compact=True)
            with Horizontal(classes="row"):
                yield Label("Assignee")
                yield Input(placeholder="username (empty: me)", id="assignee", compact=True)
            if self.follows is not None:
                was = self.follows
                yield SpaceTickBox(f"Mark the {was.kind} of {was.at:%Y-%m-%d %H:%M} done",
                                   True, id="follows", compact=True, classes="row")
            yield Static("", id="booking-error", classes="error-text")
            with ButtonRow(classes="buttons"):
                yield Button("Book", id="book", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
            yield Static(Text("Enter/ctrl+s book · esc cancel"), classes="hint")

    def on_mount(self) -> None:
        """Start in the date field (at once: focus() would wait behind keys typed
        already)."""
        self.query_one("#booking-error").display = False
        self.set_focus(self.query_one("#at", Input))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter books from a text field; on a button or the kind it is theirs."""
        if action == "enter_book":
            return isinstance(self.focused, Input)
        return True

    def action_enter_book(self) -> None:
        """Enter in a text field books."""
        self.action_book()

    def _show_error(self, message: str, kind: str = "field") -> None:
        error = self.query_one("#booking-error", Static)
        error.update(Text(printable(message)))
        error.display = bool(message)
        self._error_kind = kind if message else ""

    def _values(self) -> tuple[dt.datetime, str, int | None, str | None]:
        """When, kind, reminder and assignee; a FieldProblems naming When's and the
        reminder's problems together (one a try, it took two)."""
        problems: dict[str, str] = {}
        at: dt.datetime | None = None
        lead: int | None = None
        try:
            at = parse_when(self.query_one("#at", Input).value, self._now().date())
        except ValidationError as exc:
            problems["at"] = str(exc)
        try:
            lead = parse_lead(self.query_one("#reminder", Input).value)
        except ValidationError as exc:
            problems["reminder"] = str(exc)
        if problems:
            raise FieldProblems(problems)
        assert at is not None  # parsed, or a problem
        kind = self.query_one("#kind", Select).value
        assignee = self.query_one("#assignee", Input).value.strip() or None
        return at, str(kind), lead, assignee

    @on(Input.Changed, "#at, #reminder")
    def _typing(self) -> None:
        """While typing, only clear a shown error once the values are right."""
        self._validate_inline(only_clear=True)

    @on(Input.Blurred, "#at, #reminder")
    def _left_field(self) -> None:
        self._validate_inline()

    def _validate_inline(self, *, only_clear: bool = False) -> None:
        try:
            at, *_ = self._values()
        except FieldProblems as exc:
            if not only_clear:
                self._show_error("\n".join(exc.problems.values()))
        else:
            # the question about a time in the past stays until that time is changed
            # (moving on from the field cleared it, and the next Enter booked it); the
            # service's refusal stays too (moving to the field it names cleared it)
            if self._error_kind == "field" or (self._error_kind == "past"
                                               and at != self._past_agreed):
                self._show_error("")

    @on(Button.Pressed, "#book")
    def action_book(self) -> None:
        """Create the booking through the service; errors stay in the dialog."""
        if self._booking:
            return  # Enter pressed again while the first one books
        try:
            at, kind, lead, assignee = self._values()
        except FieldProblems as exc:
            self._show_error("\n".join(exc.problems.values()))
            self.query_one(f"#{next(iter(exc.problems))}", Input).focus()
            return
        if at < self._now() and self._past_agreed != at:
            # a next contact in the past is most likely a typo (1999 for 2026)
            self._past_agreed = at
            self._show_error(f"{at:%Y-%m-%d %H:%M} is in the past. Book again to book it "
                             "anyway, or change When.", "past")
            self.query_one("#at", Input).focus()
            return
        self._show_error("Booking…", "busy")
        self._booking = True
        actor = self.app.actor  # type: ignore[attr-defined]
        follows = (self.follows.id if self.follows is not None
                   and self.query_one("#follows", SpaceTickBox).value else None)
        call_service(self, bookings.add_booking, actor, self.serial, at, kind,
                     assignee=assignee, remind_before=lead, done_before=follows,
                     done=self._booked, failed=self._failed, group="booking")

    def _booked(self, info: BookingInfo) -> None:
        self.dismiss(info)

    def _failed(self, exc: CrmError) -> None:
        self._booking = False
        self._show_error(str(exc), "service")
        assignee = self.query_one("#assignee", Input)
        if assignee.value.strip() and f"'{assignee.value.strip()}'" in str(exc):
            assignee.focus()  # "No user named 'nobody'": the focus stayed on When

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close without booking."""
        self.dismiss(None)

"""The contact-order form: fields with pickers, notes, save/complete/delete/book."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace

from rich.text import Text
from textual import events, on
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from crm_tui.domain.errors import (
    Candidate,
    ConflictError,
    CrmError,
    NearDuplicate,
    NotFound,
    ValidationError,
)
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import OrderDetail, OrderInput, StatusInfo
from crm_tui.domain.text import printable
from crm_tui.services import orders
from crm_tui.tui.draft_keeper import DraftKeeper
from crm_tui.tui.order_form_model import (
    LINKS,
    ORDER,
    FormData,
    FormValues,
    changed_fields,
    fetch_form_data,
    fetch_fresh,
    form_title,
    order_input,
    values_of,
)
from crm_tui.tui.screens.base import CrmScreen
from crm_tui.tui.screens.dialogs import (
    FIELD_LABELS,
    ConfirmDialog,
    ConflictDialog,
    DuplicateChoice,
    NearDuplicateDialog,
)
from crm_tui.tui.screens.order_actions import OrderActions
from crm_tui.tui.widgets.notes import NotesPanel
from crm_tui.tui.widgets.order_fields import OrderFields
from crm_tui.tui.widgets.picker import Picker, PickItem, plain
from crm_tui.tui.work import call_service

NARROW_BELOW = 110
NEXT_FIELD = "\x00"
"""An Enter or Tab among the keys typed at a new order before it loaded."""
SLOW_SAVE_S = 0.7
"""A save that has not answered after this long says it is on its way."""


READ_ONLY_TOLD_S = 5.0
"""Keys typed at an order one may only read are answered once in this long."""


class OrderFormScreen(OrderActions, CrmScreen):
    """One contact order: its fields, notes and bookings. ctrl+s saves."""

    SECTION = "Contact order"
    AUTO_FOCUS = ""  # no auto-focus ("None" means the app's "*"): see on_mount and _loaded
    DEFAULT_CSS = """
    OrderFormScreen #form-title { height: auto; padding: 0 1; text-style: bold;
                                 text-wrap: nowrap; text-overflow: ellipsis; }
    OrderFormScreen #body { layout: horizontal; height: 1fr; }
    OrderFormScreen #fields { width: 1fr; height: 1fr; padding: 0 1; }
    OrderFormScreen #notes { width: 1fr; height: 1fr; padding: 0 1; }
    OrderFormScreen.narrow #body { layout: vertical; }
    OrderFormScreen.narrow #fields { height: auto; }
    OrderFormScreen.narrow #notes { height: auto; margin: 1 0 0 0; }
    OrderFormScreen.narrow #notes > #timeline { height: auto; max-height: 14; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", show=True),
        Binding("ctrl+o", "add_note", "Add note", show=True),
        Binding("ctrl+b", "booking", "Book", show=True),
        Binding("ctrl+t", "complete", "Complete", show=True),
        Binding("ctrl+t", "reopen", "Reopen", show=True),
        Binding("f8", "delete", "Delete", show=True),
        Binding("f9", "reload_asking", "Reload", show=False),
        Binding("ctrl+g", "customer_card", "Customer card", show=False),
    ]
    # not offered without them (check_action), and their keys say so (see CrmScreen)
    NEEDS = {"complete": Perm.EDIT, "reopen": Perm.EDIT, "delete": Perm.DELETE}

    def __init__(self, serial: int | None, *, prefill: OrderInput | None = None,
                 missing_ok: bool | Callable[[], None] = False) -> None:
        super().__init__()
        self.serial = serial
        self.missing_ok = missing_ok  # opened by a number typed: none is no error
        self.prefill = prefill
        self.detail: OrderDetail | None = None
        self.loaded_values = FormValues()
        self.ready = False
        self.busy = False
        self.on_duplicate = "ask"
        self._told_read_only = -READ_ONLY_TOLD_S
        self._retry: Callable[[int], None] | None = None
        self._after_save: Callable[[], None] | None = None
        self._typed_ahead: list[str] = []  # a new order's subject, typed before it loaded
        self._draft_base: int | None = None  # a restored draft's version, if older
        self._when_ready: list[Callable[[], None]] = []  # keys' actions before it loaded
        self.drafts = DraftKeeper(self)

    # Layout -----------------------------------------------------------------

    def compose_body(self) -> Iterable[Widget]:
        """Title line, the fields, the notes (beside them when wide, below when narrow)."""
        self.set_class(self.app.size.width < NARROW_BELOW, "narrow")  # before children: cheap
        yield Static(Text("Loading…"), id="form-title")
        with VerticalScroll(id="body", can_focus=False):
            # The fields take no keys until the order is in them: keys typed ahead
            # would land in the subject and then be saved with the note.
            fields = OrderFields(id="fields")
            fields.disabled = True
            yield fields
            yield NotesPanel(id="notes")

    @property
    def fields(self) -> OrderFields:
        """The order's fields."""
        return self.query_one("#fields", OrderFields)

    @property
    def notes(self) -> NotesPanel:
        """The note timeline and editor."""
        return self.query_one("#notes", NotesPanel)

    def picker(self, name: str) -> Picker:
        """The customer, facility or service-object picker."""
        return self.fields.picker(name)

    def on_resize(self, event: Resize) -> None:
        """Notes beside the fields on wide terminals, below them on narrow ones."""
        self.set_class(event.size.width < NARROW_BELOW, "narrow")

    def on_mount(self) -> None:
        """Load statuses, users, the order (or the pre-filled links); a saved order's
        new note takes what is typed meanwhile."""
        if self.serial is not None:
            # At once, not with focus(), which waits for the keys already sent: the
            # first key typed after Enter on an order was lost.
            self.set_focus(self.notes.editor)
        self.action_reload()

    def on_key(self, event: events.Key) -> None:
        """Characters typed at a new order before its fields take keys (it is loading,
        nothing has the focus) are kept for its subject; one sent while nothing had the
        focus and handled once the subject has it goes into the subject after them."""
        if self.serial is not None:
            if (event.is_printable and event.character and self.ready
                    and not (self.may_change or self.may_work)
                    and not isinstance(self.focused, (Input, TextArea))):
                # typed at an order one may only read (saved by one who may create but
                # not edit): the text went nowhere without a word (QA20 L6)
                event.stop()
                if time.monotonic() - self._told_read_only > READ_ONLY_TOLD_S:
                    self._told_read_only = time.monotonic()
                    self.notify("This order is read only to you: changing it needs the "
                                "'edit' permission; adding a note, 'edit' or being "
                                "assigned to it", severity="warning")
            return
        if event.key in ("enter", "tab") and self.focused is None:
            # on to the next field, as in a loaded form ("abc" Enter "xyz": the subject,
            # then the customer; all of it went into the subject)
            event.stop()
            self._typed_ahead.append(NEXT_FIELD)
            return
        if not event.is_printable or not event.character:
            return
        focused = self.focused
        if focused is None:
            event.stop()
            self._typed_ahead.append(event.character)
        elif isinstance(focused, Input):  # an input takes its own characters: not from it
            event.stop()
            focused.post_message(events.Paste(event.character))  # in turn (_focus_loaded)

    # Loading ----------------------------------------------------------------

    def action_reload_asking(self) -> None:
        """F9: load the order again; asks first if edited fields would be dropped (a
        typed note stays either way)."""
        if not self.changes():
            self.action_reload()
            return
        self.app.push_screen(ConfirmDialog("Reload the order and drop your changes to its "
                                           "fields?", title="Unsaved changes", yes="Reload"),
                             lambda yes: self.action_reload() if yes else None)

    def action_reload(self) -> None:
        """Load the order again from the database (unsaved field edits are dropped, and
        so is their draft: a typed note, which stays, is kept again at the next tick)."""
        self._draft_base = None
        if self.drafts.started:
            self.drafts.forget()
        call_service(self, fetch_form_data, self.crm.actor, self.serial, self.prefill,
                     done=self._loaded, failed=self._load_failed, group="load")

    def _load_failed(self, exc: CrmError) -> None:
        if self.missing_ok and isinstance(exc, NotFound) and not self.ready:
            more = (": the list shows the orders whose text holds the number"  # (searched)
                    if callable(self.missing_ok) else "")
            self.notify(f"{exc}{more}", timeout=5, markup=False)
            self.dismiss()
            if callable(self.missing_ok):
                self.missing_ok()
            return
        self.query_one("#form-title", Static).update(
            plain(f"Could not open the order: {exc}", style="bold red"))

    @property
    def may_change(self) -> bool:
        """Whether the actor may change the order's fields (or create it). One who may
        not reads them and may still add notes (an assignee) and bookings."""
        return self.crm.actor.has(Perm.EDIT if self.serial is not None else Perm.CREATE)

    def _loaded(self, data: FormData) -> None:
        self.fields.statuses, self.fields.users = data.statuses, data.users
        self.fields.disabled = not self.may_change  # read-only: typing was refused on save
        if data.detail is not None:
            self.apply_detail(data.detail, focus_follows=True)
            target: Widget = self.notes.editor
        else:
            self.fields.show_new(self.prefill or OrderInput(), data.links)
            self.notes.serial = None
            self._show_title()
            self.fields.show_bookings((), saved=False)
            self.loaded_values = self.fields.values()
            target = self.query_one("#subject")
        self.ready = True
        if not self.drafts.started:  # the first load (a reload asked for drops edits)
            if data.draft is not None and self.may_work:
                self.drafts.restore(data.draft)
            self.drafts.start()
        self.call_after_refresh(self._focus_loaded, target)
        waiting, self._when_ready = self._when_ready, []
        for action in waiting:  # after the focus and the text typed ahead (both queued)
            self.call_after_refresh(action)

    def older_base(self, version: int) -> None:
        """The edits are based on an older version (a draft's): saving names what
        changed since."""
        self._draft_base = version
        self._show_title(stale=True)

    @property
    def base_version(self) -> int:
        """The order's version the edits are based on (a restored draft's, if older)."""
        if self._draft_base is not None:
            return self._draft_base
        return self.detail.version if self.detail else 0

    def _focus_loaded(self, target: Widget) -> None:
        """Once the loaded order is laid out (and the fields take keys): focus, and
        scroll to, the note editor of a saved order or a new order's subject (at once:
        keys handled next go where the focus is). A subject brought back from a draft
        is not selected: the next key replaced it."""
        if isinstance(target, Input) and target.value:
            target.select_on_focus = False
            target.cursor_position = len(target.value)
        self.set_focus(target, scroll_visible=False)
        if not self.can_view_entire(target):  # as focusing a widget would have
            self.scroll_to_center(target, animate=False, origin_visible=True)
        if isinstance(target, Input) and self._typed_ahead:
            # As a paste, behind the focus in the field's queue: inserted now, the text
            # would be selected as the field takes the focus and replaced by the next key.
            # Each Enter or Tab typed ahead moves on to the next field.
            first, *others = "".join(self._typed_ahead).split(NEXT_FIELD)
            self._typed_ahead.clear()
            if first:
                target.post_message(events.Paste(first))
            for text in others:
                field = self.focus_next()
                if isinstance(field, Input) and text:
                    field.post_message(events.Paste(text))

    def apply_detail(self, detail: OrderDetail, *, focus_follows: bool = False) -> None:
        """Show a saved order; it becomes the base of the next save."""
        bindings_change = not focus_follows and (
            self.detail is None or self.detail.row.completed != detail.row.completed)
        working = self.may_work
        self.detail, self.serial, self.prefill = detail, detail.serial, None
        # a new order saved by one who may create but not edit: read only from now on
        self.fields.disabled = not self.may_change
        values = values_of(detail)
        self.fields.show(values, creating=False)
        self.notes.serial = detail.serial
        self.notes.show_notes(detail.notes)
        # one who may only read: no note editor to type into in vain (nor ^o, ^b)
        self.notes.allow_new(self.may_work)
        bindings_change = bindings_change or working != self.may_work
        self._show_title()
        self.fields.show_bookings(detail.bookings, saved=True)
        self.loaded_values = values
        if bindings_change:
            self.refresh_bindings()

    def refresh_data(self) -> None:
        """Someone changed the data: show their notes and bookings; fields if untouched."""
        if self.ready and self.serial is not None and not self.busy:
            call_service(self, fetch_fresh, self.crm.actor, self.serial,
                         done=self._changed_elsewhere, failed=lambda exc: None, group="load")

    def _changed_elsewhere(self, fresh: tuple[OrderDetail, list[StatusInfo]]) -> None:
        detail, offered = fresh
        if self.detail is None or detail.serial != self.serial or self.busy:
            return
        if offered != self.fields.statuses:  # a status renamed showed as "(inactive)"
            status = self.fields.values().status  # one the user chose stays chosen
            if ("status" not in self.changes() and detail.version == self.detail.version
                    and detail.row.status):  # renamed: the same one, by its new name
                status = detail.row.status
                self.loaded_values = replace(self.loaded_values, status=status)
            self.fields.offer_statuses(offered, status)
        if detail.version > self.detail.version and not self.changes():
            self.apply_detail(detail)
            self.notify(f"Contact order {detail.serial} was updated by someone else")
            return
        if detail.version == self.detail.version and detail.row != self.detail.row:
            # the same order, named anew around it (a status or customer renamed): shown
            # as it is now; fields being edited stay as typed
            if not self.changes():
                self.apply_detail(detail)
                return
            self.detail = replace(self.detail, row=detail.row)
            self._show_title()
        self._refresh_side(detail)
        if detail.version > self.detail.version:
            self._show_title(stale=True)

    def _refresh_side(self, detail: OrderDetail) -> None:
        """New bookings and notes without touching fields being edited."""
        self.notes.show_notes(detail.notes)
        if self.detail is not None:
            self.detail = replace(self.detail, bookings=detail.bookings, notes=detail.notes)
        self.fields.show_bookings(detail.bookings, saved=True)

    def _show_title(self, *, stale: bool = False) -> None:
        self.query_one("#form-title", Static).update(
            form_title(self.detail, stale=stale, may_change=self.may_change))

    # State ------------------------------------------------------------------

    def changes(self) -> list[str]:
        """Fields changed since the order was loaded (or since a new form opened)."""
        return changed_fields(self.loaded_values, self.fields.values()) if self.ready else []

    def is_dirty(self) -> bool:
        """True if something would be lost by leaving."""
        return self.ready and (bool(self.notes.pending_text()) or bool(self.changes()))

    def unsaved(self) -> list[str]:
        """Edited fields and a typed note, by name (see is_dirty)."""
        if not self.is_dirty():
            return []
        what = [FIELD_LABELS.get(name, name) for name in self.changes()]
        if self.notes.pending_text():
            what.append("the typed note")
        order = f"contact order {self.serial}" if self.serial else "the new contact order"
        return [f"{order}: {', '.join(what)}"]

    # Saving -----------------------------------------------------------------

    def action_save(self) -> None:
        """Save the order (and a typed note); a new order gets its serial here."""
        if self.busy:  # a slow database: said, so that ctrl+s is not pressed on and on
            self.notify("Still saving the order…", timeout=3)
            return
        if not self.ready:  # typed as the order opens: once it has loaded (it was lost)
            self._when_ready.append(self.action_save)
            return
        if self.fields.validate_all():
            self.notify("Please fix the marked fields", severity="error")
            return
        if self.serial is not None and not self.changes():
            if not self.notes.add_pending():
                self.notify("No changes to save")
            return
        self._submit(self.base_version)

    def _submit(self, base_version: int) -> None:
        values = self.fields.values()
        only = None if self.serial is None else changed_fields(self.loaded_values, values)
        data = order_input(values, only, self.on_duplicate)
        self.busy, self._retry = True, self._submit
        self.set_timer(SLOW_SAVE_S, self._still_saving)
        if self.serial is None:
            # the typed note is saved with the new order, in one go (saved after it, a
            # connection dropped in between kept the order and lost the note)
            note = self.notes.editor.text if self.notes.pending_text() else ""
            call_service(self, orders.create_order, self.crm.actor, data, note=note,
                         done=lambda detail: self._saved(detail, note),
                         failed=self._save_failed, group="save")
        else:
            call_service(self, orders.edit_order, self.crm.actor, self.serial, data,
                         base_version, done=self._saved, failed=self._save_failed,
                         group="save")

    def _still_saving(self) -> None:
        if self.busy:
            self.notify("Saving… (the database is slow to answer)", timeout=4)

    def _saved(self, detail: OrderDetail, note: str = "") -> None:
        self.busy, self.on_duplicate = False, "ask"
        if note and self.notes.editor.text == note:
            self.notes.editor.clear()  # saved with the order (in the timeline now)
        was = self.serial
        self.apply_detail(detail)
        self._draft_base = None
        self.drafts.forget(was)
        added = f"; added {', '.join(detail.added)} to the registers" if detail.added else ""
        self.notify(printable(f"Saved contact order {detail.serial}{added}"), markup=False)
        self.notes.add_pending()
        after, self._after_save = self._after_save, None
        if after is not None:
            after()

    def _save_failed(self, exc: CrmError) -> None:
        self.busy = False
        if isinstance(exc, NearDuplicate):
            self.app.push_screen(NearDuplicateDialog(exc),
                                 lambda choice: self._duplicate_chosen(exc, choice))
            return
        if isinstance(exc, ConflictError):
            self.app.push_screen(ConflictDialog(exc, self.changes() or ["completed"]),
                                 lambda choice: self._conflict_chosen(exc, choice))
            return
        self._after_save = None
        field = exc.field if isinstance(exc, ValidationError | NotFound) else None
        if field in ORDER:
            self.fields.show_error(field, str(exc))
            self.query_one(f"#{field}").focus()
        if isinstance(exc, NotFound) and field in LINKS:
            # the entry chosen is gone (deleted meanwhile): its name stays, looked up
            # again for the hint ("✓ 1223" stayed, for a customer no longer there)
            picker = self.picker(field)
            picker.set_value(picker.input.value, None)
        self.notify(plain(str(exc)).plain, title="Not saved", severity="error",
                    markup=False, timeout=8)

    def _duplicate_chosen(self, exc: NearDuplicate, choice: DuplicateChoice) -> None:
        if choice is None:
            self._after_save = None
            self.notify("Not saved: choose the existing entry or create a new one")
            return
        if isinstance(choice, Candidate):
            name = "customer" if exc.kind == "customer" else "facility"
            self.picker(name).set_value(choice.name, PickItem(choice.id, choice.name,
                                                              choice.number or ""))
        else:
            self.on_duplicate = "create"
        self.action_save()

    def _conflict_chosen(self, exc: ConflictError, choice: str | None) -> None:
        if choice == "reapply" and self._retry is not None:
            self._retry(exc.current_version)
            return
        self._after_save = None
        if choice == "reload":
            self.action_reload()
            self.notify("Reloaded the current version; your field changes were dropped")

    # Other actions ----------------------------------------------------------

    @property
    def may_work(self) -> bool:
        """Whether the actor may add notes and bookings here: 'edit', or one of the
        order's assignees (or of its bookings'); a new order is the creator's."""
        actor, detail = self.crm.actor, self.detail
        if actor.has(Perm.EDIT) or detail is None:
            return True
        return actor.username in detail.row.assignees or any(
            b.assignee == actor.username for b in detail.bookings)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Complete or Reopen as fits; Delete only with the permission; needs a saved order.
        Actions the actor may not take are not offered (they were refused on taking)."""
        if action in ("complete", "reopen", "booking", "delete") and self.detail is None:
            return False
        if action in ("add_note", "booking") and not self.may_work:
            return False
        if action == "save" and self.detail is not None and not (self.may_change
                                                                 or self.may_work):
            return False  # one who may only read has nothing to save
        if action in ("complete", "reopen") and not self.crm.actor.has(Perm.EDIT):
            return False
        completed = bool(self.detail and self.detail.row.completed)
        if action == "complete":
            return not completed
        if action == "reopen":
            return completed
        if action == "delete":
            return self.crm.actor.has(Perm.DELETE)
        return True

    def action_add_note(self) -> None:
        """Append the typed note to the order."""
        if not self.ready:  # typed as the order opens: the note so far, once it has loaded
            if self.notes.pending_text():
                text = self.notes.take_pending()
                self._when_ready.append(lambda: self.notes.send(text))
            return
        if not self.notes.pending_text():
            self.set_focus(self.notes.editor)  # at once: typing right after lands there
            self.notify("Type the note in the editor, then ctrl+o")
            return
        self.notes.add_pending()

    @on(NotesPanel.NoteAdded)
    def _note_added(self, event: NotesPanel.NoteAdded) -> None:
        self.notify("Note added")

    def action_back(self) -> None:
        """Back; asks first if something is unsaved."""
        if not self.is_dirty():
            self.dismiss()
            return
        def answered(yes: bool | None) -> None:
            if yes:
                self.discard()
                self.dismiss()

        lost = "; ".join(self.unsaved())  # named, as the section keys' question does
        self.app.push_screen(ConfirmDialog(f"Leave without saving your changes?\nNot "
                                           f"saved: {lost}", title="Unsaved changes",
                                           yes="Leave"), answered)

    def discard(self) -> None:
        """Left without saving: the draft goes too."""
        self.drafts.forget()

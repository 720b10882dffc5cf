"""Keeping a contact-order form's unsaved work as a draft while the user types.

Every few seconds the form's fields and typed note are compared with the draft last
kept; a change is kept through the drafts service in a worker of the app's, one at a
time and in order (a form that closes meanwhile still gets its last word written).
Dropping a draft (saved, left on purpose, or nothing unsaved any more) removes its
file at once, on the UI thread: it must be gone before a quitting app ends, and a keep
still running then is dropped again when it ends.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from crm_tui.domain.errors import CrmError
from crm_tui.domain.records import DraftInfo
from crm_tui.domain.text import printable
from crm_tui.services import drafts
from crm_tui.tui.order_form_model import to_draft, with_draft
from crm_tui.tui.screens.dialogs import FIELD_LABELS
from crm_tui.tui.work import call_service

if TYPE_CHECKING:
    from crm_tui.tui.screens.order_form import OrderFormScreen

INTERVAL_S = 2.0
"""How often the form is compared with its draft: at most this much typing is lost."""

Snapshot = tuple[int | None, int, str, str, str]  # serial, base version, loaded, typed, note


class DraftKeeper:
    """The draft of one order form."""

    def __init__(self, form: OrderFormScreen) -> None:
        self.form = form
        self.kept: Snapshot | None = None  # what the draft holds (None: no draft)
        self._jobs: deque[Callable[[], Any]] = deque()
        self._running = False
        self._told = False  # of a failure, once
        self._dropped: set[int | None] = set()  # the drafts forget() removed
        self.started = False

    def start(self) -> None:
        """Compare every INTERVAL_S from now on (the form has loaded)."""
        self.started = True
        self.form.set_interval(INTERVAL_S, self.tick, name="draft")

    def restore(self, draft: DraftInfo) -> None:
        """Bring back what was typed in this form and not saved (the app or its
        connection ended): the fields the user had changed, over the order as it is
        now, and the note, before what was typed as the form opened (Enter and text at
        once: that won, and the draft's note was dropped). If the order changed since,
        saving shows what changed."""
        form = self.form
        brought: list[str] = []
        if form.may_change:
            values, changed = with_draft(form.loaded_values, draft)
            form.fields.show(values)
            brought = [FIELD_LABELS.get(name, name) for name in changed
                       if name in form.changes()]
        if draft.note.strip():
            form.notes.put_before(draft.note)
            brought.append("the typed note")
        if not brought:
            self.forget()
            return
        if form.detail is not None and draft.base_version != form.detail.version:
            form.older_base(draft.base_version)
        # the draft's file is this form's now: dropped once nothing is unsaved (Reload
        # in the conflict left it, to come back over the other side's version)
        self.kept = (draft.serial, -1, "", "", "")
        form.notify(f"Brought back from {draft.saved_at:%Y-%m-%d %H:%M}: "
                    f"{', '.join(brought)}. ctrl+s saves; Esc asks before dropping it.",
                    title="Unsaved work", timeout=12)

    def snapshot(self) -> Snapshot | None:
        """The form's unsaved work as a draft would keep it (None: nothing unsaved)."""
        form = self.form
        if not form.is_dirty():
            return None
        return (form.serial, form.base_version, json.dumps(to_draft(form.loaded_values)),
                json.dumps(to_draft(form.fields.values())), form.notes.pending_text())

    def tick(self) -> None:
        """Keep what changed since the last tick, or drop a draft no longer needed."""
        snap = self.snapshot()
        if snap == self.kept and (snap is None or self._running
                                  or drafts.exists(self.form.crm.actor, snap[0])):
            return  # (kept again if another session of the user dropped it meanwhile)
        if snap is None:
            self.forget()
            return
        serial, base_version, loaded, typed, note = snap
        self.kept = snap
        self._run(partial(drafts.keep, self.form.crm.actor, serial,
                          base_version=base_version, loaded=json.loads(loaded),
                          values=json.loads(typed), note=note))

    def forget(self, *serials: int | None) -> None:
        """Drop the draft (saved, or left on purpose); ``serials`` names others to drop
        too (a new order's, once it has a serial)."""
        previous = self.kept[0] if self.kept is not None else self.form.serial
        self.kept = None
        self._jobs.clear()  # keeps not yet started
        self._dropped = set(dict.fromkeys((previous, self.form.serial, *serials)))
        self._drop()

    def _drop(self) -> None:
        for serial in self._dropped:
            try:
                drafts.drop(self.form.crm.actor, serial)  # a file's removal: at once
            except CrmError as exc:
                self._failed(exc, go_on=False)

    def _run(self, job: Callable[[], Any]) -> None:
        self._jobs.append(job)
        if not self._running:
            self._next()

    def _next(self, _result: object = None) -> None:
        if self.kept is None and self._dropped:
            self._drop()  # a keep ended after the draft was dropped: it is gone again
        if not self._jobs:
            self._running = False
            return
        self._running = True
        call_service(self.form.app, self._jobs.popleft(), done=self._next,
                     failed=self._failed, group="drafts", exclusive=False)

    def _failed(self, exc: CrmError, *, go_on: bool = True) -> None:
        if not self._told:
            self._told = True
            self.form.app.notify(printable(str(exc)), title="No draft kept",
                                 severity="warning", markup=False, timeout=8)
        if go_on:
            self._next()

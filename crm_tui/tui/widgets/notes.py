"""The note timeline of an order and the editor for a new note (append-only)."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static, TextArea

from crm_tui.domain.records import NoteInfo
from crm_tui.services import notes as notes_service
from crm_tui.tui.widgets.picker import plain
from crm_tui.tui.work import call_service

if TYPE_CHECKING:
    from crm_tui.tui.app import CrmApp


def note_text(note: NoteInfo) -> Text:
    """One timeline entry: date, time and author, then the note as written."""
    text = Text()
    text.append(note.at.strftime("%Y-%m-%d %H:%M"), style="bold")
    text.append("  ")
    text.append_text(plain(note.author_name or note.author, style="bold cyan"))
    text.append("\n")
    text.append_text(plain(note.text))
    return text


class NotesPanel(Vertical):
    """Notes oldest first, newest at the bottom next to the editor for a new one."""

    DEFAULT_CSS = """
    NotesPanel { height: 1fr; }
    NotesPanel > .notes-title { text-style: bold; height: 1; }
    NotesPanel > #timeline { height: 1fr; min-height: 3; border: round $panel; }
    NotesPanel .note { margin: 0 0 1 0; }
    NotesPanel > #new-note { height: 7; min-height: 4; }
    NotesPanel > .notes-hint { color: $text-muted; height: 1; }
    """

    class NoteAdded(Message):
        """A note was appended to the order."""

        def __init__(self, note: NoteInfo) -> None:
            super().__init__()
            self.note = note

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.serial: int | None = None
        self.notes: list[NoteInfo] = []
        self.saving = False
        self._queued: deque[str] = deque()  # notes sent while one was on its way

    def compose(self) -> ComposeResult:
        """Title, timeline, editor and a hint line."""
        yield Static(Text("Notes"), classes="notes-title")
        with VerticalScroll(id="timeline"):
            yield Static(Text("No notes yet.", style="dim"), classes="no-notes")
        yield TextArea(id="new-note", soft_wrap=True, tab_behavior="focus")
        yield Static(Text("New note above · ctrl+o adds it · ctrl+s saves all"),
                     classes="notes-hint")

    def allow_new(self, allowed: bool) -> None:
        """Offer the editor for a new note, or say who adds notes instead."""
        self.editor.disabled = not allowed
        self.query_one(".notes-hint", Static).update(Text(
            "New note above · ctrl+o adds it · ctrl+s saves all" if allowed else
            "Notes are added by the order's assignees and those who may edit it"))

    @property
    def editor(self) -> TextArea:
        """The editor for a new note."""
        return self.query_one("#new-note", TextArea)

    def pending_text(self) -> str:
        """The new note typed but not yet added ('' if none)."""
        return self.editor.text.strip()

    def show_notes(self, notes: Sequence[NoteInfo]) -> None:
        """Replace the timeline with these notes (oldest first); unchanged ones stay put."""
        if self.is_mounted and [n.id for n in notes] == [n.id for n in self.notes] \
                and self.notes:
            return
        self.notes = list(notes)
        timeline = self.query_one("#timeline", VerticalScroll)
        timeline.remove_children()
        if not self.notes:
            timeline.mount(Static(Text("No notes yet.", style="dim"), classes="no-notes"))
            return
        timeline.mount_all([Static(note_text(n), classes="note") for n in self.notes])
        timeline.call_after_refresh(timeline.scroll_end, animate=False)

    def _append(self, note: NoteInfo) -> None:
        self.notes.append(note)
        timeline = self.query_one("#timeline", VerticalScroll)
        for empty in timeline.query(".no-notes"):
            empty.remove()
        timeline.mount(Static(note_text(note), classes="note"))
        timeline.call_after_refresh(timeline.scroll_end, animate=False)

    def add_pending(self) -> bool:
        """Append the typed note to the order; False if there is nothing to add.

        The editor is emptied as the note is sent, so that what is typed next is the
        next note (typed on while it was saved, it was added to it and saved again);
        a note typed and sent while one is on its way goes after it."""
        if not self.pending_text():
            return False
        if self.serial is None:
            self.app.notify("Save the order first (ctrl+s); the note is added with it.",
                            severity="warning")
            return False
        self.send(self.take_pending())
        return True

    def put_before(self, text: str) -> None:
        """Put ``text`` in the editor on lines of its own before what is typed there,
        the cursor at the end: on a line of its own if nothing was typed, so that text
        typed next is not glued to it."""
        typed = self.editor.text.strip("\n")
        self.editor.text = text.rstrip("\n") + "\n" + typed
        self.editor.move_cursor(self.editor.document.end)

    def take_pending(self) -> str:
        """The typed note, taken out of the editor (what is typed next is another)."""
        text = self.editor.text
        self.editor.clear()
        return text

    def send(self, text: str) -> None:
        """Add ``text`` as a note: now, or after the notes on their way."""
        if self.saving:
            self._queued.append(text)
            return
        self.saving = True
        actor = cast("CrmApp", self.app).actor
        call_service(self, notes_service.add_note, actor, self.serial, text,
                     done=self._added, failed=lambda exc: self._failed(exc, text),
                     group="note", exclusive=False)

    def _added(self, note: NoteInfo) -> None:
        self.saving = False
        self._append(note)
        self.post_message(self.NoteAdded(note))
        if self._queued:
            self.send(self._queued.popleft())

    def _failed(self, exc: Exception, sent: str) -> None:
        """Not added: the notes not added go back into the editor, before what was
        typed since."""
        self.saving = False
        self.put_before("\n".join(t.strip("\n") for t in (sent, *self._queued)
                                   if t.strip()))
        self._queued.clear()
        self.app.notify(plain(str(exc)).plain, title="Note not added", severity="error",
                        markup=False, timeout=8)

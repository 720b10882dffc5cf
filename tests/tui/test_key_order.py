"""Keys arriving in one burst are handled in the order typed (crm_tui/tui/key_order.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Checkbox, Input

from crm_tui.tui import key_order
from crm_tui.tui.key_order import KeysInOrder
from tests.tui.conftest import burst


def _form() -> ComposeResult:
    yield Checkbox("Assigned to me", id="mine")
    yield Input("old text", id="first")
    yield Input(id="second")


class InOrder(KeysInOrder):
    """A form on the app that sends keys on in order."""

    submitted: list[str]

    def compose(self) -> ComposeResult:
        self.submitted = []
        yield from _form()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submitted.append(event.value)


async def wait_until(app: App[Any], condition: Any, timeout: float = 5.0) -> None:
    """Let the app run until ``condition()`` holds (bounded)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0)  # yields to the app's tasks: a loop turn, not a delay


async def test_a_binding_in_a_burst_runs_before_the_keys_after_it() -> None:
    """ctrl+u clears before the new text, tab moves on before the next field's text,
    space ticks the checkbox it was typed on, and Enter submits the text typed before
    it. (On a bare Textual app the same burst left "Berg" cleared, "Nord" in the first
    field and space's binding run on the field tab had moved to.)"""
    app = InOrder()
    async with app.run_test() as pilot:
        first, second = app.query_one("#first", Input), app.query_one("#second", Input)
        mine = app.query_one("#mine", Checkbox)
        first.focus()
        await pilot.pause()
        first.cursor_position = len(first.value)
        burst(app, "ctrl+u", *"Berg")  # clear the field, then type
        burst(app, "tab", *"Nord")  # on to the next field, then type
        burst(app, "shift+tab", "shift+tab", "space", "tab", *"x")  # tick, move, type
        # tab into a field selects its text, which the next key replaces: typed slowly
        # or at once, "x" replaces "Berg"
        await wait_until(app, lambda: first.value == "x")
        assert (first.value, second.value, mine.value) == ("x", "Nord", True)
        assert app.focused is first
        burst(app, *" AB", "enter")  # text, then the binding that reads it
        await wait_until(app, lambda: bool(app.submitted))
        assert app.submitted == ["x AB"]


class Dropping(Input):
    """An input that loses the key "a" sent to it, as a widget removed meanwhile does."""

    def post_message(self, message: Message) -> bool:
        if isinstance(message, events.Key) and message.key == "a":
            return True  # accepted, never handled: the key never ends
        return super().post_message(message)


class WithDropping(KeysInOrder):
    def compose(self) -> ComposeResult:
        yield Dropping(id="dropping")
        yield Input(id="other")


async def test_a_key_that_never_ends_holds_the_next_ones_only_briefly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(key_order, "KEY_TIMEOUT_S", 0.05)
    app = WithDropping()
    async with app.run_test() as pilot:
        other = app.query_one("#other", Input)
        app.query_one("#dropping", Dropping).focus()
        await pilot.pause()
        burst(app, "a", "tab", *"bc")  # "a" is lost; tab and the rest go on after it
        await wait_until(app, lambda: other.value == "bc")
        assert app.focused is other
        assert app.query_one("#dropping", Dropping).value == ""

"""Keys handled one at a time, in the order typed: the app's half of each key press.

Textual sends each key to the focused widget and runs a (non-priority) binding only once
the key has come back up to the app through every parent's message queue. The keys read
in the same burst (a quick typist, a busy moment, an SSH link that delivers keys in
packets) have been sent on by then, to whatever had the focus before the binding ran:
"tab" and a name typed at once put the name in the field being left; ctrl+u and new
text cleared the new text; space on a checkbox and tab ran space's binding on the next
field. Here the app sends a key on only once the key before it has ended: taken by a
widget (stopped), or back at the app with its bindings run.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import App
from textual.timer import Timer

# A key that never ends (sent to a widget removed meanwhile) holds the ones after it no
# longer than this.
KEY_TIMEOUT_S = 0.5


class _FollowedKey(events.Key):
    """A key whose end the app hears of: stopped by a handler, or back at the app."""

    def __init__(self, key: str, character: str | None,
                 ended: Callable[[_FollowedKey], None]) -> None:
        super().__init__(key, character)
        self._ended = ended
        # Not sent by the app: Textual stops a message that bubbles to its sender's
        # child, which would look like a widget taking it on its way to the app.
        self._sender = None

    def stop(self, stop: bool = True) -> _FollowedKey:
        """Stop the key where it is, and let the app send on the next one."""
        super().stop(stop)
        if stop:
            self._ended(self)
        return self


_FollowedKey.handler_name = events.Key.handler_name  # handled as any key


class KeysInOrder(App[None]):
    """An app that sends a key on only once the one before it has been handled."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keys_waiting: deque[events.Key] = deque()
        self._key_in_flight: _FollowedKey | None = None
        self._key_timer: Timer | None = None

    async def on_event(self, event: events.Event) -> None:
        """Keys from the terminal wait their turn; one coming back up ends its turn."""
        if isinstance(event, events.Key):
            if isinstance(event, _FollowedKey) and event.is_forwarded:
                await super().on_event(event)  # the app's own bindings for it
                self._key_ended(event)
                return
            if not event.is_forwarded:
                self._keys_waiting.append(event)
                await self._send_keys()
                return
        await super().on_event(event)

    async def _send_keys(self) -> None:
        """Send on the waiting keys while none is on its way."""
        while self._keys_waiting and self._key_in_flight is None:
            typed = self._keys_waiting.popleft()
            key = _FollowedKey(typed.key, typed.character, self._key_ended)
            target = self.focused or self.screen
            self._key_in_flight = key
            # Textual's own handling: priority bindings, else sent to the focus (its
            # last step: the key is not handled before this returns).
            await super().on_event(key)
            if not key.is_forwarded or not target.check_message_enabled(key):
                self._key_in_flight = None  # a priority binding took it, or it was not sent
                continue
            self._key_timer = self.set_timer(KEY_TIMEOUT_S, lambda k=key: self._key_ended(k))

    def _key_ended(self, key: _FollowedKey) -> None:
        """``key`` is done with: the next one may go."""
        if key is not self._key_in_flight:
            return  # ended already (a second stop, or its time ran out)
        self._key_in_flight = None
        if self._key_timer is not None:
            self._key_timer.stop()
            self._key_timer = None
        if self._keys_waiting:
            self.call_next(self._send_keys)

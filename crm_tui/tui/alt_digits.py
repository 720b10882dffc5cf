"""alt and a digit from a terminal as the key alt+digit, never as a character.

Terminals send alt+1 as ESC and "1". Textual reads that as the character macOS types
with Option and the digit ("¡", "™", "£", "¢", "∞", "§" ...), so alt+3 typed "£" into
a text field, and a binding for alt+3 had to be bound to "£" too, which then took a
"£" typed on a keyboard that has one (a British or a Swedish one, for "§"). Read here
as the key "alt+3" with no character: bindings see it, no field types it, and a "£"
typed as such stays a character.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual._ansi_sequences import ANSI_SEQUENCES_KEYS


@dataclass(frozen=True)
class _Key:
    """What Textual's parser reads a mapped key's name from (as from its Keys enum)."""

    value: str


def install() -> None:
    """Map ESC + digit to "alt+digit" (an ESC sequence becomes a key with no character)."""
    for digit in "0123456789":
        ANSI_SEQUENCES_KEYS[f"\x1b{digit}"] = (_Key(f"alt+{digit}"),)  # type: ignore[assignment]


install()

"""Text folding for search and near-duplicate detection; safe display of user text."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w\s]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
COMPANY_SUFFIXES = frozenset(
    {"ab", "hb", "kb", "ltd", "limited", "inc", "llc", "plc", "oy", "oyj", "as", "asa",
     "aps", "gmbh", "ag", "co", "corp", "bv", "nv", "sa", "srl", "spa", "publ"}
)


# Letters with no decomposition that users type without accents.
_UNDECOMPOSED = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss",
                               "đ": "d", "Đ": "D", "ł": "l", "Ł": "L"})


def fold(text: str | None) -> str:
    """Lower-case, strip accents and collapse spaces: 'Bergström  Värme' -> 'bergstrom varme'."""
    if not text:
        return ""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACE.sub(" ", text.casefold()).strip()


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 order', '2 orders' (``many`` where adding an s is wrong: 'facilities')."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def name_key(name: str | None) -> str:
    """Key under which near-duplicate company names collide (case, accents, spacing, suffix)."""
    words = _NON_WORD.sub(" ", fold(name)).split()
    while len(words) > 1 and words[-1] in COMPANY_SUFFIXES:
        words.pop()
    while len(words) > 1 and words[0] in COMPANY_SUFFIXES:
        words.pop(0)
    return "".join(words)


SEPARATOR = " | "  # between the parts of a search blob; a search never matches across it


def search_blob(*parts: str | None) -> str:
    """The folded text a register row is searched by (phone numbers also without spaces)."""
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        folded = fold(part)
        out.append(folded)
        compact = re.sub(r"[\s\-()/.]", "", folded)
        if compact != folded.replace(" ", "") or " " in folded:
            out.append(compact)
    return SEPARATOR.join(out)


def printable(text: str | None) -> str:
    """Text with terminal control characters made visible, safe to print to a terminal."""
    if not text:
        return ""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)

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


_DIGITS = re.compile(r"\d+")
PREFIX_MIN = 6  # a new key this long that starts an existing one is a name typed in part
TYPO_MIN = 5  # keys this long one edit apart (two from TYPO2_MIN) are a typo of each other
TYPO2_MIN = 14
TYPO_EDITS = 2  # the most


def names_alike(new: str, existing: str) -> bool:
    """Whether the name ``new`` looks like a slip for ``existing``: the same key, the
    start of it typed ("Brf Solros" for "Brf Solrosen"), or a letter or two off
    ("Hanson & Söner" for "Hansson & Söner"). Names told apart by a number or a short
    word ("Kontor 1" and "Kontor 2", "Hus A" and "Hus B") are different places."""
    new_key, key = name_key(new), name_key(existing)
    return new_key == key or (_markers(new) == _markers(existing)
                              and keys_alike(new_key, key))


def keys_alike(new_key: str, key: str) -> bool:
    """names_alike for the keys alone (which have lost what tells names apart)."""
    if new_key == key:
        return True
    if not new_key or _DIGITS.findall(new_key) != _DIGITS.findall(key):
        return False
    if len(new_key) >= PREFIX_MIN and key.startswith(new_key):
        return True
    shorter = min(len(new_key), len(key))
    allowed = 2 if shorter >= TYPO2_MIN else 1 if shorter >= TYPO_MIN else 0
    return allowed > 0 and edits_within(new_key, key, allowed)


def _markers(name: str) -> tuple[list[str], list[str]]:
    """What tells two like names apart on purpose: their numbers, and their words of one
    or two letters that are not a company form."""
    words = _NON_WORD.sub(" ", fold(name)).split()
    return (_DIGITS.findall("".join(words)),
            sorted(w for w in words if len(w) <= 2 and not w.isdigit()
                   and w not in COMPANY_SUFFIXES))


def edits_within(a: str, b: str, limit: int) -> bool:
    """Whether ``a`` becomes ``b`` with at most ``limit`` letters inserted, removed or
    changed, or two neighbours swapped ("Bergstorm" for "Bergström"): the optimal
    string alignment distance, computed only near the diagonal."""
    if abs(len(a) - len(b)) > limit or len(set(a) ^ set(b)) > 2 * limit:
        return False  # each edit adds or takes at most one letter of either side's set
    before: list[int] = []  # the row two letters back, for a swap
    previous = list(range(len(b) + 1))
    for i, letter in enumerate(a, 1):
        current = [i] + [limit + 1] * len(b)
        for j in range(max(1, i - limit), min(len(b), i + limit) + 1):
            cost = min(previous[j] + 1, current[j - 1] + 1,
                       previous[j - 1] + (letter != b[j - 1]))
            if before and j > 1 and letter == b[j - 2] and a[i - 2] == b[j - 1]:
                cost = min(cost, before[j - 2] + 1)
            current[j] = cost
        if min(current) > limit:
            return False
        before, previous = previous, current
    return previous[-1] <= limit


MIN_TRIGRAM = 3  # the shortest term the search index holds; shorter words join a neighbour


def text_terms(text: str | None, *, join_short: bool = True) -> list[str]:
    """The terms of a search, folded: its words, each of which a row must hold, in any
    order ("sandbergs ventilation" found nothing as one phrase; the order list's text
    filter seeks each in an order's own text or its customer's); a "quoted phrase" is
    one term.

    A word of one or two letters stays with the word beside it, as a phrase: "alarm
    e4" is an alarm's code (each row's text tested for "e4" alone took 27 ms a page at
    a million orders, against 6 for the phrase). A number that short (an order's "47")
    is a term of its own, sought in the order's own text (see _plan). Without
    ``join_short`` (the register search, whose rows are tested as its walk reads them)
    every word is a term: "forsberg ab", "kv örnen" (as phrases they found nothing)."""
    terms: list[str] = []
    for index, part in enumerate((text or "").split('"')):
        if index % 2:  # inside quotes
            terms.append(fold(part))
            continue
        words, joinable = fold(part).split(), False  # the last term is a word of this part
        while words:
            word = words.pop(0)
            short = join_short and len(word) < MIN_TRIGRAM and not word.isdigit()
            if short and joinable:
                terms[-1] += " " + word
            elif short and words:
                words[0] = f"{word} {words[0]}"
            else:
                terms.append(word)
                joinable = not word.isdigit() or len(word) >= MIN_TRIGRAM
    return [term for term in dict.fromkeys(terms) if term]


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

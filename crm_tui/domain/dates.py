"""Dates as people type them: 'today', 'tomorrow', '+7' (days from today), in any field
that takes a date, and with a time of day ('tomorrow 9:00') where one is needed."""

from __future__ import annotations

import datetime as dt
import re

_OFFSET = re.compile(r"^([+-])\s*(\d{1,4})\s*d?$")
_WHEN = re.compile(r"^(\S+(?:\s*\d{1,4}\s*d)?)\s+(\d{1,2})[:.](\d{2})$")
WORDS = {"today": 0, "tomorrow": 1, "yesterday": -1}
HINT = "YYYY-MM-DD, today, tomorrow or +N days"


def day_offset(value: str) -> int | None:
    """Days from today for 'today', 'tomorrow', 'yesterday', '+N' or '-N' (N days; a
    trailing 'd' is allowed); None for anything else."""
    raw = value.strip().lower()
    if raw in WORDS:
        return WORDS[raw]
    match = _OFFSET.match(raw)
    if match is None:
        return None
    days = int(match.group(2))
    return days if match.group(1) == "+" else -days


def absolute_day(value: str, today: dt.date) -> str:
    """``value`` as YYYY-MM-DD if it is a day relative to ``today``, else unchanged."""
    offset = day_offset(value)
    if offset is None:
        return value
    return (today + dt.timedelta(days=offset)).isoformat()


def absolute_when(value: str, today: dt.date) -> str:
    """'tomorrow 9:00', '+7 14.30' or '2026-12-01 9:00' as 'YYYY-MM-DD HH:MM'; anything
    else unchanged."""
    match = _WHEN.match(value.strip())
    if match is None:
        return value
    offset = day_offset(match.group(1))
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        return value
    if offset is not None:
        day = today + dt.timedelta(days=offset)
    else:
        try:
            day = dt.date.fromisoformat(match.group(1))
        except ValueError:
            return value
    return f"{day:%Y-%m-%d} {hour:02d}:{minute:02d}"

"""Dates as people type them: 'today', 'tomorrow', '+7' (days from today), '+2w'
(weeks), '+6m' (months: "contact them again in six months", the manual's example), in
any field that takes a date, and with a time of day ('tomorrow 9:00') where one is
needed."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_OFFSET = re.compile(r"^([+-])\s*(\d{1,4})\s*([dwm]?)$")
_WHEN = re.compile(r"^(\S+(?:\s*\d{1,4}\s*[dwm])?)\s+(\d{1,2})[:.](\d{2})$")
WORDS = {"today": 0, "tomorrow": 1, "yesterday": -1}
HINT = "YYYY-MM-DD, today, tomorrow, +N days, +Nw weeks or +Nm months"


def day_offset(value: str) -> int | None:
    """Days from today for 'today', 'tomorrow', 'yesterday', '+N' or '-N' (N days; a
    trailing 'd' is allowed, and 'w' counts weeks); None for anything else (months,
    whose days vary, too: see relative_day)."""
    raw = value.strip().lower()
    if raw in WORDS:
        return WORDS[raw]
    match = _OFFSET.match(raw)
    if match is None or match.group(3) == "m":
        return None
    days = int(match.group(2)) * (7 if match.group(3) == "w" else 1)
    return days if match.group(1) == "+" else -days


def relative_day(value: str, today: dt.date) -> dt.date | None:
    """The day ``value`` means relative to ``today`` (day_offset, or '+6m': six months
    on, the same day of the month or the month's last); None if it is no such day."""
    offset = day_offset(value)
    if offset is not None:
        return today + dt.timedelta(days=offset)
    match = _OFFSET.match(value.strip().lower())
    if match is None:
        return None
    months = int(match.group(2)) * (1 if match.group(1) == "+" else -1)
    year, month = divmod(today.year * 12 + today.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        return None
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(today.day, last))


def absolute_day(value: str, today: dt.date) -> str:
    """``value`` as YYYY-MM-DD if it is a day relative to ``today``, else unchanged."""
    day = relative_day(value, today)
    return value if day is None else day.isoformat()


def absolute_when(value: str, today: dt.date) -> str:
    """'tomorrow 9:00', '+7 14.30' or '2026-12-01 9:00' as 'YYYY-MM-DD HH:MM'; anything
    else unchanged."""
    match = _WHEN.match(value.strip())
    if match is None:
        return value
    relative = relative_day(match.group(1), today)
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        return value
    if relative is not None:
        day = relative
    else:
        try:
            day = dt.date.fromisoformat(match.group(1))
        except ValueError:
            return value
    return f"{day:%Y-%m-%d} {hour:02d}:{minute:02d}"

"""Input parsing and validation shared by services: one clear message per problem."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from crm_tui.domain.errors import ValidationError

MAX_SUBJECT = 500
MAX_NAME = 200
MAX_NOTE = 200_000
MAX_HOURS = Decimal(10_000)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()\-. /]{3,50}$")


_LINE_BREAK = re.compile(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def text(value: str | None, field: str, *, required: bool = False,
         max_len: int = MAX_NAME, lines: bool = False) -> str:
    """Strip and bound a text field: one line unless ``lines`` (a note). A name with a
    line break showed as its first line only; other control characters are kept as
    given and shown escaped (\\x1b) wherever they are printed."""
    value = (value or "").strip()
    label = field.replace("_", " ").capitalize()
    if required and not value:
        raise ValidationError(f"{label} must not be empty", field)
    if len(value) > max_len:
        raise ValidationError(
            f"{label} is {len(value)} characters long; at most {max_len} are allowed", field)
    if not lines and _LINE_BREAK.search(value):
        raise ValidationError(f"{label} contains a line break: write it on one line", field)
    if "\x00" in value:  # PostgreSQL refuses it in text (a database error, not a message)
        raise ValidationError(f"{label} contains a NUL character (\\x00), which cannot "
                              "be stored: remove it", field)
    return value


def subject(value: str | None) -> str:
    """A contact order's subject: required, at most 500 characters."""
    return text(value, "subject", required=True, max_len=MAX_SUBJECT)


def email(value: str | None, field: str = "email") -> str:
    """An optional e-mail address."""
    value = text(value, field, max_len=254)
    if value and not _EMAIL.match(value):
        raise ValidationError(f"'{value}' is not a valid e-mail address", field)
    return value


def phone(value: str | None, field: str = "phone") -> str:
    """An optional phone number (digits, spaces, + - ( ) . /)."""
    value = text(value, field, max_len=50)
    if value and not _PHONE.match(value):
        raise ValidationError(f"'{value}' is not a valid phone number", field)
    return value


FIRST_YEAR, LAST_YEAR = 1900, 2199
"""Dates outside these years are typing mistakes (9999-12-31 also broke the calendar
export: a reminder or an end after it overflows)."""


def _in_years(value: dt.date, shown: object, field: str) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(f"'{shown}' is out of range: the year must be between "
                              f"{FIRST_YEAR} and {LAST_YEAR}", field)


def date(value: dt.date | str | None, field: str = "scheduled") -> dt.date | None:
    """A date given as a date or as YYYY-MM-DD; empty means none."""
    if value is None:
        return value
    if isinstance(value, dt.date):
        _in_years(value, value, field)
        return value
    value = value.strip()
    if not value:
        return None
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"'{value}' is not a valid date: use YYYY-MM-DD (e.g. 2026-03-15), today, "
            "tomorrow, +N days, +Nw weeks or +Nm months", field
        ) from None
    _in_years(parsed, value, field)
    return parsed


_PLAIN_NUMBER = re.compile(r"\d+(?:[.,]\d*)?|[.,]\d+")


def hours(value: Decimal | float | str | None) -> Decimal:
    """Time required in hours: a number >= 0 with at most two decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal(0)
    if isinstance(value, str) and not _PLAIN_NUMBER.fullmatch(value.strip().lstrip("-")):
        # Decimal() takes "1e2" (100 h) and "1_000" too: a typo saved as a number
        raise ValidationError(f"Hours must be a number like 1.5 or 1,5, not '{value.strip()}'",
                              "hours")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(f"Hours must be a number, not '{value}'", "hours") from None
    if not number.is_finite():
        raise ValidationError(f"Hours must be a number, not '{value}'", "hours")
    if number < 0:
        raise ValidationError(f"Hours must be 0 or more, not {value}", "hours")
    if number > MAX_HOURS:  # five years of working days: more is a slip of the keys
        raise ValidationError(f"Hours must be at most {MAX_HOURS:,}, not {value}", "hours")
    rounded = number.quantize(Decimal("0.01"))
    if rounded != number:  # 0.001 was stored as 0.00 without a word
        raise ValidationError(f"Hours take at most two decimals (1.33 for 1 h 20 min), "
                              f"not {value}", "hours")
    return rounded


def datetime_local(value: dt.datetime | str, field: str = "at") -> dt.datetime:
    """A local date and time given as 'YYYY-MM-DD HH:MM' (or a naive datetime); a date
    alone is refused rather than read as midnight."""
    if isinstance(value, dt.datetime):
        _in_years(value, f"{value:%Y-%m-%d %H:%M}", field)
        return value
    raw = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(raw.replace("T", " "))
    except ValueError:
        raise ValidationError(
            f"'{raw}' is not a valid date and time: use 'YYYY-MM-DD HH:MM' (or 'tomorrow "
            "9:00', '+7 14:30', '+6m 10:00')", field
        ) from None
    if ":" not in raw:
        raise ValidationError(f"'{raw}' has no time of day: use 'YYYY-MM-DD HH:MM' (or "
                              "'tomorrow 9:00', '+7 14:30', '+6m 10:00')", field)
    _in_years(parsed, raw, field)
    return parsed


def coordinate(value: float | str | None, field: str, limit: float) -> float | None:
    """A latitude (limit 90) or longitude (limit 180)."""
    if isinstance(value, str):
        value = value.strip()
        if value.count(",") == 1 and "." not in value:
            value = value.replace(",", ".")  # a decimal comma, as hours take one
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field.capitalize()} must be a number, not '{value}'",
                              field) from None
    if not -limit <= number <= limit:
        raise ValidationError(f"{field.capitalize()} must be between -{limit:g} and {limit:g}",
                              field)
    return number

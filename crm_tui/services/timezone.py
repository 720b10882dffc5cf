"""Local time (the admin's time zone) to and from stored naive UTC."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from crm_tui.db.database import read_datetime
from crm_tui.db.models import utcnow
from crm_tui.domain.errors import ValidationError
from crm_tui.services import settings


def zone() -> zoneinfo.ZoneInfo:
    """The organisation's time zone."""
    return zoneinfo.ZoneInfo(settings.get("timezone"))


def to_utc(local: dt.datetime) -> dt.datetime:
    """A naive local datetime (or an aware one) as naive UTC."""
    aware = local if local.tzinfo else local.replace(tzinfo=zone())
    return aware.astimezone(dt.UTC).replace(tzinfo=None)


def shown_by_clocks(local: dt.datetime, field: str = "at") -> dt.datetime:
    """``local`` (naive, in the zone()) if the clocks show it at all; a time they skip
    when they go forward (02:30 on the last Sunday of March in Stockholm) is refused
    rather than moved an hour on."""
    if local.tzinfo is not None:
        return local  # an instant (with its offset) always exists
    tz = zone()
    if to_local(to_utc(local), tz).replace(tzinfo=None) != local:
        raise ValidationError(f"{local:%Y-%m-%d %H:%M} does not exist in {tz.key}: the "
                              "clocks go forward then", field)
    return local


def to_local(utc: dt.datetime, tz: zoneinfo.ZoneInfo | None = None) -> dt.datetime:
    """Stored naive UTC as an aware local datetime (in ``tz``, default the zone()).

    What astimezone() does, without its step through UTC (0.8 µs against 1.1: a card
    converts up to 500)."""
    tz = tz or zone()
    return tz.fromutc(utc.replace(tzinfo=tz))


def stored_to_local(value: Any, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """A stored naive-UTC time as the driver reads it (text on SQLite, a datetime on
    PostgreSQL) as an aware local datetime: to_local(read_datetime(value), tz), in one
    step for the usual text (0.5 µs against 1; replace(tzinfo=...) alone takes 0.7)."""
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value + "+00:00").astimezone(tz)
        except ValueError:
            pass  # not the usual text: peewee's reading
    return to_local(read_datetime(value), tz)


def local_now() -> dt.datetime:
    """Now, aware, in the organisation's zone."""
    return to_local(utcnow())

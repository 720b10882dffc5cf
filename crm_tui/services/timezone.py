"""Local time (the admin's time zone) to and from stored naive UTC."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from crm_tui.db.models import utcnow
from crm_tui.services import settings


def zone() -> zoneinfo.ZoneInfo:
    """The organisation's time zone."""
    return zoneinfo.ZoneInfo(settings.get("timezone"))


def to_utc(local: dt.datetime) -> dt.datetime:
    """A naive local datetime (or an aware one) as naive UTC."""
    aware = local if local.tzinfo else local.replace(tzinfo=zone())
    return aware.astimezone(dt.UTC).replace(tzinfo=None)


def to_local(utc: dt.datetime, tz: zoneinfo.ZoneInfo | None = None) -> dt.datetime:
    """Stored naive UTC as an aware local datetime (in ``tz``, default the zone())."""
    return utc.replace(tzinfo=dt.UTC).astimezone(tz or zone())


def local_now() -> dt.datetime:
    """Now, aware, in the organisation's zone."""
    return to_local(utcnow())

"""to_local (tz.fromutc) gives what astimezone gives, fold included, across DST."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from crm_tui.db.database import read_datetime
from crm_tui.services.timezone import stored_to_local, to_local


@pytest.mark.parametrize("name", ["Europe/Stockholm", "America/New_York",
                                  "Australia/Lord_Howe", "Asia/Kolkata", "UTC"])
def test_to_local_is_astimezone(name: str) -> None:
    tz = zoneinfo.ZoneInfo(name)
    checked = folds = 0
    for start in (dt.datetime(2026, 3, 1), dt.datetime(2026, 10, 1)):
        for step in range(0, 24 * 4 * 45):  # every quarter hour for 45 days
            utc = start + dt.timedelta(minutes=15 * step)
            got = to_local(utc, tz)
            want = utc.replace(tzinfo=dt.UTC).astimezone(tz)
            assert (got, got.fold, got.utcoffset(), got.tzinfo) == (
                want, want.fold, want.utcoffset(), want.tzinfo), utc
            checked += 1
            folds += got.fold
    assert checked == 2 * 24 * 4 * 45
    if name in ("Europe/Stockholm", "America/New_York"):
        assert folds == 4  # the repeated hour after the clocks go back


@pytest.mark.parametrize("stored", ["2026-10-25 00:30:00", "2026-10-25 01:30:00",
                                    "2026-03-29 01:15:00.250000", "2026-11-29 23:59:59",
                                    dt.datetime(2026, 10, 25, 1, 30)])
def test_stored_to_local_reads_as_peewee_then_to_local(stored: str | dt.datetime) -> None:
    """The one-step reading of stored text gives what reading it as peewee does and
    then to_local gives (the repeated hour's fold too); a datetime (PostgreSQL) too."""
    tz = zoneinfo.ZoneInfo("Europe/Stockholm")
    got = stored_to_local(stored, tz)
    want = to_local(read_datetime(stored), tz)
    assert (got, got.fold, got.utcoffset()) == (want, want.fold, want.utcoffset())
    assert got.tzinfo is tz

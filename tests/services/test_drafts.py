"""Drafts of the contact-order form: kept as files per database and user."""

from __future__ import annotations

import os
import stat
import time

from crm_tui import config
from crm_tui.db.database import close_database
from crm_tui.domain.records import Actor
from crm_tui.services import drafts, setup
from tests.conftest import make_user, sqlite_url

LOADED = {"subject": "Quote", "hours": ""}
TYPED = {"subject": "Quote for two heat pumps", "hours": "1,5"}


def test_a_draft_is_kept_read_and_dropped_per_order_and_user(admin: Actor) -> None:
    anna = make_user(admin, "anna", "view", "edit")
    drafts.keep(anna, 12, base_version=3, loaded=LOADED, values=TYPED, note="Called.\nÅter")
    drafts.keep(anna, None, base_version=0, loaded={}, values={"subject": "New"}, note="")
    draft = drafts.get(anna, 12)
    assert draft is not None
    assert (draft.serial, draft.base_version, draft.loaded, draft.values, draft.note) == (
        12, 3, LOADED, TYPED, "Called.\nÅter")
    assert draft.saved_at.tzinfo is not None
    assert drafts.get(anna, None).values == {"subject": "New"}  # type: ignore[union-attr]
    assert drafts.get(admin, 12) is None  # another user's: not theirs to see
    assert [d.serial for d in drafts.all_of(anna)] == [None, 12]  # newest first
    # Kept again: replaced whole.
    drafts.keep(anna, 12, base_version=4, loaded=LOADED, values=LOADED, note="")
    assert drafts.get(anna, 12).base_version == 4  # type: ignore[union-attr]
    drafts.drop(anna, 12)
    drafts.drop(anna, 12)  # dropping one that is gone is no error
    assert drafts.get(anna, 12) is None
    assert [d.serial for d in drafts.all_of(anna)] == [None]


def test_drafts_are_private_per_database_and_old_ones_go(admin: Actor, tmp_path) -> None:
    drafts.keep(admin, 7, base_version=1, loaded={}, values=TYPED, note="")
    [path] = (config.data_dir() / "drafts").rglob("order-7.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # the folders up to drafts/ too: anyone could list which users had drafts
    for folder in (path.parent, path.parent.parent, path.parent.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert folder.name == "drafts"
    # Another database (here a second SQLite file) has drafts of its own.
    close_database()
    setup.open_database(sqlite_url(tmp_path / "other.db"))
    from crm_tui.services import users

    other = users.bootstrap_admin(admin.username)
    assert drafts.get(other, 7) is None
    # A draft a month old is dropped when drafts are listed; a broken file is none.
    drafts.keep(other, 8, base_version=1, loaded={}, values=TYPED, note="")
    drafts.keep(other, 9, base_version=1, loaded={}, values=TYPED, note="")
    [old] = (config.data_dir() / "drafts").rglob("order-8.json")
    month = time.time() - (drafts.KEEP_DAYS + 1) * 86400
    os.utime(old, (month, month))
    [broken] = (config.data_dir() / "drafts").rglob("order-9.json")
    broken.write_text("{not json")
    assert drafts.all_of(other) == [] and not old.exists()
    assert drafts.get(other, 9) is None

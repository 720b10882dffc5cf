"""Drafts: what a user typed into a contact-order form and has not saved yet.

The app keeps a draft as the user types, so that a dropped SSH connection, a closed
terminal or a crash loses a few seconds of typing rather than a whole order; the next
form of the same order (or the next new order) brings it back. Drafts are files of the
host the app runs on (in the data directory, per database and user, readable by its
OS user alone), not rows: writing one every few seconds would wake every other user's
app, which reloads its screen when the database changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from crm_tui import config
from crm_tui.db.database import current_url
from crm_tui.domain.errors import CrmError, ValidationError
from crm_tui.domain.records import Actor, DraftInfo
from crm_tui.services.timezone import to_local

KEEP_DAYS = 30
"""A draft older than this is dropped when the user's drafts are listed."""
MAX_BYTES = 1_000_000


class DraftError(CrmError):
    """A draft could not be written or removed (a full disk, a read-only folder)."""


def _folder(actor: Actor) -> Path:
    url = current_url() or ""
    database = hashlib.sha256(url.encode()).hexdigest()[:16]
    return config.data_dir() / "drafts" / database / actor.username


def _make_private(folder: Path) -> None:
    """The folder and those between it and the data directory, readable by their OS
    user only (parents=True made them 755: anyone could list whose drafts there were)."""
    path = config.data_dir() / "drafts"
    path.parent.mkdir(parents=True, exist_ok=True)
    for part in ("", *folder.relative_to(path).parts):
        path = path / part if part else path
        path.mkdir(mode=0o700, exist_ok=True)
        if path.stat().st_mode & 0o077:  # made by an older version
            path.chmod(0o700)


def _file(actor: Actor, serial: int | None) -> Path:
    return _folder(actor) / ("new.json" if serial is None else f"order-{int(serial)}.json")


def keep(actor: Actor, serial: int | None, *, base_version: int, loaded: dict[str, Any],
         values: dict[str, Any], note: str) -> None:
    """Keep (replace) the draft of order ``serial`` (None: a new order): the form's
    values as loaded and as typed, the order's version they were loaded at, the note."""
    text = json.dumps({"serial": serial, "base_version": base_version, "loaded": loaded,
                       "values": values, "note": note,
                       "saved_at": dt.datetime.now(dt.UTC).isoformat()}, ensure_ascii=False)
    if len(text) > MAX_BYTES:
        raise ValidationError("The draft is too large to keep")
    folder = _folder(actor)
    try:
        _make_private(folder)
        handle, temporary = tempfile.mkstemp(prefix=".draft.", dir=folder)
    except OSError as exc:
        raise DraftError(f"Cannot keep a draft in {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, _file(actor, serial))  # whole or not at all
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise DraftError(f"Cannot keep a draft in {folder}: {exc.strerror}") from None
        raise


def _read(path: Path) -> DraftInfo | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        saved = dt.datetime.fromisoformat(data["saved_at"])
        return DraftInfo(serial=data["serial"], base_version=int(data["base_version"]),
                         loaded=dict(data["loaded"]), values=dict(data["values"]),
                         note=str(data["note"]),
                         saved_at=to_local(saved.astimezone(dt.UTC).replace(tzinfo=None)))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # gone meanwhile, or not a draft of ours: nothing to bring back


def get(actor: Actor, serial: int | None) -> DraftInfo | None:
    """The draft of order ``serial`` (None: a new order), if one is kept."""
    return _read(_file(actor, serial))


def exists(actor: Actor, serial: int | None) -> bool:
    """Whether a draft of order ``serial`` is kept (another session may drop one)."""
    return _file(actor, serial).is_file()


def drop(actor: Actor, serial: int | None) -> None:
    """Forget the draft of order ``serial`` (saved, or left on purpose)."""
    try:
        _file(actor, serial).unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise DraftError(f"Cannot remove a draft: {exc.strerror}") from None


def all_of(actor: Actor) -> list[DraftInfo]:
    """The user's drafts, newest first; ones older than KEEP_DAYS are dropped."""
    folder = _folder(actor)
    if not folder.is_dir():
        return []
    cutoff = dt.datetime.now().timestamp() - KEEP_DAYS * 86400
    found = []
    for path in folder.glob("*.json"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                continue
        draft = _read(path)
        if draft is not None:
            found.append(draft)
    return sorted(found, key=lambda d: d.saved_at, reverse=True)

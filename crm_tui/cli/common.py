"""Shared CLI plumbing: the session (database + acting user), output, errors."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import click

from crm_tui import config
from crm_tui.domain.records import Actor, OrderDetail, OrderRow
from crm_tui.domain.text import printable


@dataclass
class Session:
    """What the root command resolved: config; database and actor opened on demand."""

    cfg: config.Config
    demo: bool = False
    _actor: Actor | None = field(default=None, repr=False)
    _opened: bool = False
    created: str = ""  # a note when a database given by name was not there, and was made

    def open(self) -> None:
        """Connect and migrate (once). A SQLite file named by --db, the environment or the
        config file that was not there is made, and said so (a mistyped path gave an
        empty CRM without a word, as if the data were gone)."""
        if not self._opened:
            from crm_tui.db.database import sqlite_file
            from crm_tui.services import setup

            path = sqlite_file(self.cfg.database_url)
            made = (path is not None and not path.exists() and not self.demo
                    and self.cfg.source != "default")
            if made and path is not None and not path.parent.is_dir():
                # a mistyped path made its directories too, from the root down
                raise click.ClickException(
                    f"There is no database at {printable(str(path))}, and no directory "
                    f"{printable(str(path.parent))} to make one in ({self.cfg.source}): "
                    "check the path, or make the directory first")
            setup.open_database(self.cfg.database_url)
            self._opened = True
            if made:
                self.created = (f"There was no database at {path}: a new, empty one was "
                                f"made there. Mistyped? Delete it and give the right path "
                                f"({self.cfg.source}).")
                click.echo(f"Note: {printable(self.created)}", err=True)

    @property
    def actor(self) -> Actor:
        """The acting user: --as, CRM_TUI_USER, else the OS login (first run: admin)."""
        if self._actor is None:
            from crm_tui.services import setup

            self.open()
            self._actor = setup.acting_user(self.cfg.user, config.os_login())
        return self._actor


pass_session = click.make_pass_decorator(Session)


def open_app(session: Session) -> None:
    """Run the app as the session's user; its errors go to DATA_DIR/app.log, and why it
    ended (if it says) is printed once the terminal is back; exits with its code."""
    actor = session.actor
    from crm_tui.tui import log_file
    from crm_tui.tui.app import CrmApp  # imported late: the CLI commands need no textual

    log_file.install(actor.username)
    app = CrmApp(session.cfg.database_url, actor, notice=session.created)
    app.run()
    if app.farewell:  # on the terminal as it is again, not on the app's screen
        sys.stdout.flush()  # the driver's last words (leaving its screen) first
        click.echo(app.farewell)
    if app.return_code:  # e.g. 1 when the account was deactivated: the SSH server logs it
        sys.exit(app.return_code)


def confirmed(question: str) -> bool:
    """The user's yes to ``question`` (on standard error); no answer counts as no."""
    try:
        return click.confirm(question, default=False, err=True)
    except click.Abort:  # end of input: nobody answered
        click.echo(err=True)
        return False


def out(text: str = "") -> None:
    """Print user text harmlessly (control characters made visible)."""
    click.echo(printable(text))  # line breaks and tabs are kept as they are


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def out_json(value: Any) -> None:
    """Print JSON (control characters are escaped by json itself)."""
    click.echo(json.dumps(value, default=_default, ensure_ascii=False, indent=2))


def stored_local(record: object) -> dict[str, Any]:
    """A record's fields with its stored times (naive UTC) as local times with their
    offset, as the app and the rest of the CLI show them."""
    from crm_tui.services.timezone import to_local

    return {key: to_local(value) if isinstance(value, dt.datetime) and value.tzinfo is None
            else value for key, value in vars(record).items()}


def order_json(row: OrderRow) -> dict[str, Any]:
    """An order list row in the documented JSON shape."""
    return {
        "serial": row.serial, "subject": row.subject, "customer": row.customer,
        "facility": row.facility, "service_object": row.service_object,
        "contact": {"name": row.contact.name, "phone": row.contact.phone,
                    "email": row.contact.email},
        "status": row.status, "scheduled": row.scheduled.isoformat() if row.scheduled else None,
        "hours": float(row.hours), "assignees": list(row.assignees),
        "completed": row.completed,
        "completed_at": row.completed_at.isoformat() if row.completed_at else None,
    }


def detail_json(detail: OrderDetail) -> dict[str, Any]:
    """One order with notes, bookings and version."""
    data = order_json(detail.row)
    data["notes"] = [{"at": n.at.isoformat(), "author": n.author, "text": n.text}
                     for n in detail.notes]
    data["bookings"] = [{"id": b.id, "at": b.at.isoformat(), "kind": b.kind,
                         "assignee": b.assignee, "duration_minutes": b.duration_minutes,
                         "reminder_at": b.reminder_at.isoformat() if b.reminder_at else None,
                         "done": b.done} for b in detail.bookings]
    data["version"] = detail.version
    data["created_by"] = detail.created_by
    data["created_at"] = detail.created_at.isoformat()
    return data


def table(headers: list[str], rows: list[list[str]]) -> None:
    """A plain aligned text table; a cell is one line (a name holding a line break or a
    tab broke the alignment of every row after it)."""
    cells = [[printable(str(c)).replace("\n", " ").replace("\t", " ") for c in row]
             for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    widths = [min(w, 48) for w in widths]

    def fit(value: str, width: int) -> str:
        return value.ljust(width) if len(value) <= width else value[:width - 1] + "…"

    def line(values: list[str]) -> str:
        return "  ".join(fit(v, w) for v, w in zip(values, widths, strict=True)).rstrip()

    click.echo(line(headers))
    click.echo(line(["-" * w for w in widths]))
    for row in cells:
        click.echo(line(row))


@contextlib.contextmanager
def replacing(file: str, mode: str = "w") -> Iterator[IO[Any]]:
    """Write ``file`` through a temporary file beside it that replaces it only when the
    block ends without an error: a refused or failed export leaves what was there (it
    truncated the file first, and a refusal left it empty)."""
    target = Path(file)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                             dir=target.parent)
    except OSError as exc:  # named by the file asked for, not the temporary one
        raise type(exc)(exc.errno, exc.strerror, file) from None
    try:
        text = {"newline": "", "encoding": "utf-8"} if "b" not in mode else {}
        with os.fdopen(handle, mode, **text) as stream:
            yield stream
        if target.exists():  # keep the file's permissions
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

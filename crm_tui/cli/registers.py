"""`crm-tui customer|facility|service-object add|edit|delete`, `search`, `export`,
`import`, `todo`."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import click

from crm_tui.cli.common import (
    Session,
    confirmed,
    out,
    out_json,
    pass_session,
    replacing,
    table,
)
from crm_tui.domain.errors import NearDuplicate, ValidationError
from crm_tui.domain.records import TodoItem
from crm_tui.domain.text import plural, printable
from crm_tui.services import exchange, register_deletes, register_edits, registers, todo


@contextmanager
def _create_new_hint(verb: str = "adds") -> Iterator[None]:
    """A near-duplicate name refused, with this command's way past it (it named
    co add's --use-existing, which these commands do not have)."""
    try:
        yield
    except NearDuplicate as exc:
        # the service's "choose to use the existing one" named a choice these lack
        other = "keep the name it has" if exc.renaming else "use that one"
        raise click.ClickException(f"{printable(exc.looks_like())}: {other}, or "
                                   f"--create-new {verb} it anyway") from None


def _changes(options: str, **values: str | None) -> dict[str, str]:
    """The ``options`` given to an edit, as the service's fields; a usage error if none
    was."""
    changes = {key: value for key, value in values.items() if value is not None}
    if not changes:
        raise click.UsageError(f"Nothing to change: give one or more of {options}")
    return changes


def _add_only(action: str, **values: str | None) -> None:
    """Options that only edit takes."""
    for option, value in values.items():
        if action == "add" and value is not None:
            raise click.UsageError(f"--{option} is for edit; add takes the name as its "
                                   "argument")


CREATE_NEW = "Add (or rename) even if a similar name exists"
YES = "delete: do not ask first"


def _delete(yes: bool, delete: Callable[..., Any], named: Callable[[Any], str],
            **given: object) -> None:
    """Delete a register entry: options of add or edit are refused; then the service's
    checks (``delete(check_only=True)``: permission, there, in use), which give the
    entry ``named`` names; then "Delete …?" unless --yes, where no answer (no terminal,
    empty input) deletes nothing."""
    extra = [f"--{key.replace('_', '-')}" for key, value in given.items()
             if value not in (None, False)]
    if extra:
        raise click.UsageError(f"{', '.join(extra)} {'is' if len(extra) == 1 else 'are'} "
                               "not for delete")
    what = named(delete(check_only=True))
    if not yes and not confirmed(f"Delete {what}?"):
        raise click.ClickException(f"Not deleted: {what} (give --yes to delete without "
                                   "asking)")
    delete()
    out(f"Deleted {what}")


@click.command("customer", context_settings={"ignore_unknown_options": False})
@click.argument("action", type=click.Choice(["add", "edit", "delete"]))
@click.argument("name", metavar="NAME|CUSTOMER")
@click.option("--name", "new_name", help="edit: the new name")
@click.option("--number", help="Customer number (add: default the next free one)")
@click.option("--address")
@click.option("--city")
@click.option("--phone")
@click.option("--email")
@click.option("--create-new", is_flag=True, help=CREATE_NEW)
@click.option("--yes", is_flag=True, help=YES)
@pass_session
def customer(session: Session, action: str, name: str, new_name: str | None,
             number: str | None, address: str | None, city: str | None, phone: str | None,
             email: str | None, create_new: bool, yes: bool) -> None:
    """Add a customer to the register (add NAME), change one's details (edit CUSTOMER,
    by number or name; only the options given change), or delete one that has no
    contact orders, facilities or service objects (delete CUSTOMER)."""
    if action == "delete":
        _delete(yes, partial(register_deletes.delete_customer, session.actor, name),
                lambda info: f"customer {info.number} {info.name}", name=new_name,
                number=number, address=address, city=city, phone=phone, email=email,
                create_new=create_new)
        return
    on_duplicate = "create" if create_new else "ask"
    _add_only(action, name=new_name)
    if action == "edit":
        changes = _changes("--name, --number, --address, --city, --phone, --email",
                           name=new_name, number=number, address=address, city=city,
                           phone=phone, email=email)
        with _create_new_hint("saves"):
            info = register_edits.edit_customer(session.actor, name,
                                                on_duplicate=on_duplicate, **changes)
        out(f"Customer {info.number}: {info.name} (saved)")
        return
    with _create_new_hint():
        info = registers.add_customer(session.actor, name, number=number,
                                      address=address or "", city=city or "",
                                      phone=phone or "", email=email or "",
                                      on_duplicate=on_duplicate)
    out(f"Customer {info.number}: {info.name}")


@click.command("facility")
@click.argument("action", type=click.Choice(["add", "edit", "delete"]))
@click.argument("name", metavar="NAME|ID")
@click.option("--customer", "owner", help="add: the customer's name or number")
@click.option("--name", "new_name", help="edit: the new name")
@click.option("--address")
@click.option("--city")
@click.option("--lat", default=None, help="Latitude (edit: \"\" clears it)")
@click.option("--lon", default=None, help="Longitude (edit: \"\" clears it)")
@click.option("--create-new", is_flag=True, help=CREATE_NEW)
@click.option("--yes", is_flag=True, help=YES)
@pass_session
def facility(session: Session, action: str, name: str, owner: str | None,
             new_name: str | None, address: str | None, city: str | None, lat: str | None,
             lon: str | None, create_new: bool, yes: bool) -> None:
    """Add a facility to a customer (add NAME --customer C), change one's details
    (edit ID, the id that `search` shows; only the options given change), or delete
    one that no contact order or service object is at (delete ID)."""
    if action == "delete":
        _delete(yes, partial(register_deletes.delete_facility, session.actor,
                             _id(name, "facility")),
                lambda info: f"facility {info.id} {info.name} ({info.customer_name})",
                customer=owner, name=new_name, address=address, city=city, lat=lat,
                lon=lon, create_new=create_new)
        return
    if (lat is None) != (lon is None):
        raise click.UsageError("--lat and --lon go together")
    on_duplicate = "create" if create_new else "ask"
    _add_only(action, name=new_name)
    if action == "edit":
        if owner is not None:
            raise click.UsageError("--customer is for add: a facility stays with its customer")
        changes = _changes("--name, --address, --city, --lat and --lon", name=new_name,
                           address=address, city=city, latitude=lat, longitude=lon)
        with _create_new_hint("saves"):
            info = register_edits.edit_facility(session.actor, _id(name, "facility"),
                                                on_duplicate=on_duplicate, **changes)
        out(f"Facility {info.id}: {info.name} ({info.customer_name}) (saved)")
        return
    if owner is None:
        raise click.UsageError("Missing option '--customer': whose facility it is")
    with _create_new_hint():
        info = registers.add_facility(session.actor, name, owner, address=address or "",
                                      city=city or "", latitude=lat, longitude=lon,
                                      on_duplicate=on_duplicate)
    out(f"Facility {info.id}: {info.name} ({info.customer_name})")


@click.command("service-object")
@click.argument("action", type=click.Choice(["add", "edit", "delete"]))
@click.argument("name", metavar="NAME|ID")
@click.option("--customer", "owner", help="add: the customer's name or number")
@click.option("--facility", "site", help="add: the facility's name")
@click.option("--name", "new_name", help="edit: the new name")
@click.option("--model")
@click.option("--serial", "serial_number")
@click.option("--create-new", is_flag=True,
              help="edit: rename even if one at the same place has a similar name")
@click.option("--yes", is_flag=True, help=YES)
@pass_session
def service_object(session: Session, action: str, name: str, owner: str | None,
                   site: str | None, new_name: str | None, model: str | None,
                   serial_number: str | None, create_new: bool, yes: bool) -> None:
    """Add a service object at a customer and/or facility (add NAME), change one's
    details (edit ID, the id that `search` shows; only the options given change), or
    delete one that no contact order is about (delete ID)."""
    if action == "delete":
        _delete(yes, partial(register_deletes.delete_service_object, session.actor,
                             _id(name, "service object")),
                lambda info: f"service object {info.id} {info.name}", customer=owner,
                facility=site, name=new_name, model=model, serial=serial_number,
                create_new=create_new)
        return
    _add_only(action, name=new_name)
    if action == "edit":
        if owner is not None or site is not None:
            raise click.UsageError("--customer and --facility are for add")
        changes = _changes("--name, --model, --serial", name=new_name, model=model,
                           serial_number=serial_number)
        with _create_new_hint("saves"):
            info = register_edits.edit_service_object(
                session.actor, _id(name, "service object"),
                on_duplicate="create" if create_new else "ask", **changes)
        out(f"Service object {info.id}: {info.name} ({info.customer_name}) (saved)")
        return
    info = registers.add_service_object(session.actor, name, customer=owner, facility=site,
                                        model=model or "", serial_number=serial_number or "")
    out(f"Service object {info.id}: {info.name} ({info.customer_name})")


def _id(text: str, kind: str) -> int:
    """A register id given on the command line."""
    try:
        return int(text.strip())
    except ValueError:
        raise click.BadParameter(f"give the {kind}'s id (a number, as `search` shows it), "
                                 f"not '{printable(text)}'", param_hint="ID") from None


@click.command("search")
@click.argument("text")
@click.option("--register", type=click.Choice([*registers.REGISTERS, "all"]), default="all",
              show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@pass_session
def search(session: Session, text: str, register: str, as_json: bool, limit: int) -> None:
    """Search the registers (case- and accent-insensitive, any part)."""
    hits = registers.search(session.actor, text, register, limit)
    if as_json:
        out_json([h.__dict__ for h in hits])
        return
    table(["register", "id", "name", "details"],
          [[h.register, str(h.id), h.title, h.subtitle] for h in hits])


def _todo_json(items: tuple[TodoItem, ...]) -> list[dict[str, object]]:
    return [{"booking": i.booking.id, "at": i.booking.at.isoformat(), "kind": i.booking.kind,
             "reminder_at": i.booking.reminder_at.isoformat() if i.booking.reminder_at else None,
             "serial": i.order_serial, "subject": i.subject, "customer": i.customer,
             "status": i.status} for i in items]


@click.command("todo")
@click.option("--json", "as_json", is_flag=True)
@click.option("--user", "username", metavar="USERNAME")
@pass_session
def todo_cmd(session: Session, as_json: bool, username: str | None) -> None:
    """A user's bookings: overdue, today, upcoming."""
    result = todo.todo(session.actor, username)
    groups = (("overdue", result.overdue), ("today", result.today),
              ("upcoming", result.upcoming))
    if as_json:
        out_json({name: _todo_json(items) for name, items in groups}
                 | {"more_upcoming": result.more_upcoming})
        return
    for name, items in groups:
        more = " (the next ones; more later)" if name == "upcoming" and \
            result.more_upcoming else ""
        out(f"{name.capitalize()} ({len(items)}){more}")
        for i in items:
            out(f"  {i.booking.at:%Y-%m-%d %H:%M} {i.booking.kind:<8} #{i.order_serial} "
                f"{i.subject} — {i.customer} [{i.status or '-'}]")


@click.group("export")
def export() -> None:
    """Export data."""


@export.command("csv")
@click.argument("what", type=click.Choice(list(exchange.EXPORTS)))
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@pass_session
def export_csv(session: Session, what: str, file: str) -> None:
    """Write a register or the orders you may see as CSV (FILE '-' = stdout)."""
    if file == "-":
        count = exchange.export_csv(session.actor, what, sys.stdout)
        sys.stdout.flush()  # before the count on stderr (and a harness reads it at once)
    else:
        with replacing(file) as handle:
            count = exchange.export_csv(session.actor, what, handle)
    click.echo(f"Exported {plural(count, *exchange.NOUNS[what])}", err=file == "-")


@export.command("ics")
@click.option("--user", "username", metavar="USERNAME", help="Whose bookings (default: yours)")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@pass_session
def export_ics(session: Session, username: str | None, file: str) -> None:
    """Write open bookings as iCalendar events with reminder alarms (FILE '-' = stdout)."""
    from crm_tui.services.calendar import export_ics as build

    data = build(session.actor, username)
    if file == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        with replacing(file, "wb") as handle:
            handle.write(data)
        click.echo(f"Wrote {data.count(b'BEGIN:VEVENT')} events to {file}")


def _stdin_text() -> io.StringIO:
    """Standard input as text (UTF-8, a byte-order mark dropped)."""
    data = sys.stdin.buffer.read()
    try:
        return io.StringIO(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ValidationError(f"Standard input is not UTF-8 text (byte {exc.start + 1}): "
                              "save it as CSV UTF-8 and import it again") from None


@click.group("import")
def import_() -> None:
    """Import data."""


@import_.command("csv")
@click.argument("what", type=click.Choice(list(exchange.IMPORTS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--allow-similar", is_flag=True,
              help="Add rows named like existing entries too (they are refused)")
@pass_session
def import_csv(session: Session, what: str, file: str, allow_similar: bool) -> None:
    """Add register rows from a CSV file (- for stdin) with a header row: all or
    nothing; rows already there are skipped, rows named like existing ones refused."""
    source = _stdin_text() if file == "-" else Path(file)
    try:
        result = exchange.import_csv(session.actor, what, source,
                                     on_similar="create" if allow_similar else "ask")
    except exchange.ImportRefused as exc:
        if exc.similar:
            raise exchange.ImportRefused(
                f"{exc}. To add the rows named like others anyway: --allow-similar"
            ) from None
        raise
    repeats = ", ".join(f"line {line} = line {first}"
                        for line, first in result.repeated[:exchange.MAX_LISTED])
    click.echo(f"Imported {plural(result.added, *exchange.NOUNS[what])}" + (
        f"; {result.skipped:,} already there" if result.skipped else "") + (
        f"; {plural(len(result.repeated), 'row')} the same as one above it in the file "
        f"({repeats}{', …' if len(result.repeated) > exchange.MAX_LISTED else ''})"
        if result.repeated else ""))
    if result.differing:
        listed = "; ".join(f"line {line}, {printable(name)}: {', '.join(columns)}"
                           for line, name, columns in result.differing[:exchange.MAX_LISTED])
        more = len(result.differing) - exchange.MAX_LISTED
        click.echo(f"Not changed: {plural(len(result.differing), 'row')} already there "
                   f"with columns unlike the register's ({listed}"
                   + (f"; and {more} more" if more > 0 else "")
                   + "). An import adds rows, it does not update them: change them with "
                   "`crm-tui customer edit`.", err=True)

"""`crm-tui customer|facility|service-object add`, `search`, `export`, `import`, `todo`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from crm_tui.cli.common import Session, out, out_json, pass_session, table
from crm_tui.domain.errors import NearDuplicate
from crm_tui.domain.records import TodoItem
from crm_tui.domain.text import plural, printable
from crm_tui.services import exchange, registers, todo


@contextmanager
def _create_new_hint() -> Iterator[None]:
    """A near-duplicate name refused, with this command's way past it (it named
    co add's --use-existing, which these commands do not have)."""
    try:
        yield
    except NearDuplicate as exc:
        raise click.ClickException(f"{printable(str(exc))} (--create-new adds it anyway)"
                                   ) from None


@click.command("customer", context_settings={"ignore_unknown_options": False})
@click.argument("action", type=click.Choice(["add"]))
@click.argument("name")
@click.option("--number", help="Customer number (default: the next free one)")
@click.option("--address", default="")
@click.option("--city", default="")
@click.option("--phone", default="")
@click.option("--email", default="")
@click.option("--create-new", is_flag=True, help="Create even if a similar name exists")
@pass_session
def customer(session: Session, action: str, name: str, number: str | None, address: str,
             city: str, phone: str, email: str, create_new: bool) -> None:
    """Add a customer to the register."""
    with _create_new_hint():
        info = registers.add_customer(session.actor, name, number=number, address=address,
                                      city=city, phone=phone, email=email,
                                      on_duplicate="create" if create_new else "ask")
    out(f"Customer {info.number}: {info.name}")


@click.command("facility")
@click.argument("action", type=click.Choice(["add"]))
@click.argument("name")
@click.option("--customer", "owner", required=True, help="Customer name or number")
@click.option("--address", default="")
@click.option("--city", default="")
@click.option("--lat", default=None, help="Latitude")
@click.option("--lon", default=None, help="Longitude")
@click.option("--create-new", is_flag=True, help="Create even if a similar name exists")
@pass_session
def facility(session: Session, action: str, name: str, owner: str, address: str, city: str,
             lat: str | None, lon: str | None, create_new: bool) -> None:
    """Add a facility to a customer."""
    if (lat is None) != (lon is None):
        raise click.UsageError("--lat and --lon go together")
    with _create_new_hint():
        info = registers.add_facility(session.actor, name, owner, address=address,
                                      city=city, latitude=lat, longitude=lon,
                                      on_duplicate="create" if create_new else "ask")
    out(f"Facility {info.id}: {info.name} ({info.customer_name})")


@click.command("service-object")
@click.argument("action", type=click.Choice(["add"]))
@click.argument("name")
@click.option("--customer", "owner", help="Customer name or number")
@click.option("--facility", "site", help="Facility name")
@click.option("--model", default="")
@click.option("--serial", "serial_number", default="")
@pass_session
def service_object(session: Session, action: str, name: str, owner: str | None,
                   site: str | None, model: str, serial_number: str) -> None:
    """Add a service object at a customer and/or facility."""
    info = registers.add_service_object(session.actor, name, customer=owner, facility=site,
                                        model=model, serial_number=serial_number)
    out(f"Service object {info.id}: {info.name} ({info.customer_name})")


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
        out_json({name: _todo_json(items) for name, items in groups})
        return
    for name, items in groups:
        out(f"{name.capitalize()} ({len(items)})")
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
    else:
        with open(file, "w", newline="", encoding="utf-8") as handle:
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
        Path(file).write_bytes(data)
        click.echo(f"Wrote {data.count(b'BEGIN:VEVENT')} events to {file}")


@click.group("import")
def import_() -> None:
    """Import data."""


@import_.command("csv")
@click.argument("what", type=click.Choice(list(exchange.IMPORTS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@pass_session
def import_csv(session: Session, what: str, file: str) -> None:
    """Add register rows from a CSV file with a header row: all or nothing; rows already
    there are skipped."""
    result = exchange.import_csv(session.actor, what, Path(file))
    click.echo(f"Imported {plural(result.added, *exchange.NOUNS[what])}" + (
        f"; {result.skipped:,} already there" if result.skipped else ""))

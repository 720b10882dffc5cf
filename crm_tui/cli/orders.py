"""`crm-tui co ...` and `crm-tui booking ...`: contact orders from the command line."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click

from crm_tui.cli.common import (
    Session,
    confirmed,
    detail_json,
    order_json,
    out,
    out_json,
    pass_session,
    table,
)
from crm_tui.domain.dates import HINT, absolute_day, absolute_when
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Completed, OrderFilter, OrderInput
from crm_tui.domain.text import plural, printable
from crm_tui.services import bookings, notes, order_list, orders, validate
from crm_tui.services.timezone import local_now


def order_options(func: Any) -> Any:
    """The fields shared by `co add` and `co edit`."""
    options = [
        click.option("--subject", help="What the contact is about"),
        click.option("--customer", help="Customer name or number (new names are created)"),
        click.option("--facility", help="Facility name (new names are created)"),
        click.option("--service-object", "service_object", help="Service object name/serial"),
        click.option("--contact-name", help="The one contact person"),
        click.option("--contact-phone"),
        click.option("--contact-email"),
        click.option("--status", help="A status from the admin's list"),
        click.option("--scheduled", help=f"Scheduled date: {HINT}"),
        click.option("--hours", help="Time required in hours"),
        click.option("--assign", "assign", multiple=True, metavar="USERNAME",
                     help="Assign a user (repeatable); on edit, the order's assignees "
                          "become these (co assign adds one)"),
        click.option("--use-existing", is_flag=True,
                     help="If a similar customer/facility exists, use it"),
        click.option("--create-new", is_flag=True,
                     help="Create the customer/facility even if a similar one exists"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _duplicate_choice(use_existing: bool, create_new: bool) -> str:
    if use_existing and create_new:
        raise click.UsageError("--use-existing and --create-new exclude each other")
    return "use-existing" if use_existing else "create" if create_new else "ask"


def _today(session: Session) -> dt.date:
    """Today in the organisation's time zone (for 'today', 'tomorrow', '+N')."""
    session.open()
    return local_now().date()


def _build(session: Session, kw: dict[str, Any], *, editing: bool) -> OrderInput:
    if kw.get("scheduled"):
        kw["scheduled"] = absolute_day(kw["scheduled"], _today(session))
    choice = _duplicate_choice(kw.pop("use_existing"), kw.pop("create_new"))
    assign = list(kw.pop("assign"))
    data = OrderInput(**kw, assignees=assign if (assign or not editing) else None)
    data.on_duplicate = choice
    return data


@click.group("co")
def co() -> None:
    """Contact orders."""


@co.command("add")
@order_options
@pass_session
def co_add(session: Session, **kw: Any) -> None:
    """Create a contact order; prints its serial number."""
    if kw["subject"] is None:
        raise click.UsageError("--subject is required")
    if not (kw["customer"] or kw["facility"] or kw["service_object"]):
        raise click.UsageError("--customer is required")
    detail = orders.create_order(session.actor, _build(session, kw, editing=False))
    click.echo(detail.serial)
    _say_added(detail.added, err=True)  # standard output stays the serial alone


def _say_added(added: tuple[str, ...], *, err: bool = False) -> None:
    """Name the register entries a save added (new names typed)."""
    if added:
        click.echo(printable(f"Added to the registers: {', '.join(added)}"), err=err)


@co.command("edit")
@click.argument("serial", type=int)
@order_options
@click.option("--expect-version", type=int, help="Fail with a conflict unless at this version")
@pass_session
def co_edit(session: Session, serial: int, expect_version: int | None, **kw: Any) -> None:
    """Change fields of a contact order (options left out stay as they are)."""
    data = _build(session, kw, editing=True)
    was = orders.get_order(session.actor, serial).row
    detail = orders.edit_order(session.actor, serial, data, base_version=expect_version)
    click.echo(f"Contact order {detail.serial} saved (version {detail.version})")
    _say_added(detail.added)
    for label, before, after, named in (
            ("Facility", was.facility, detail.row.facility, data.facility),
            ("Service object", was.service_object, detail.row.service_object,
             data.service_object)):
        if before and after is None and named is None:  # went with the customer before
            click.echo(f"{label} '{printable(before)}' left the order: it is "
                       f"{printable(was.customer)}'s, the customer before")


def _criteria(session: Session, kw: dict[str, Any]) -> OrderFilter:
    days = {key: absolute_day(kw[key], _today(session)) if kw[key] else kw[key]
            for key in ("date_from", "date_to")}
    return OrderFilter(
        mine=kw["mine"], assigned_to=kw["assigned_to"], status=kw["status"],
        customer=kw["customer"], scheduled_from=validate.date(days["date_from"], "from"),
        scheduled_to=validate.date(days["date_to"], "to"), text=kw["text"],
        completed=Completed(kw["completed"]))


@co.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON")
@click.option("--mine", is_flag=True, help="Only orders assigned to me")
@click.option("--assigned-to", metavar="USERNAME")
@click.option("--status")
@click.option("--customer", metavar="TEXT")
@click.option("--from", "date_from", metavar="DATE", help=f"Scheduled from: {HINT}")
@click.option("--to", "date_to", metavar="DATE", help=f"Scheduled up to: {HINT}")
@click.option("--text", metavar="TEXT", help="Words, all of which an order holds in its "
              'subject, contact, customer or number, in any order ("a phrase" in quotes; '
              "a word of one or two letters stays with its neighbour as typed)")
@click.option("--completed", type=click.Choice([c.value for c in Completed]),
              default=Completed.EXCLUDE.value, show_default=True)
@pass_session
def co_list(session: Session, as_json: bool, **kw: Any) -> None:
    """List contact orders sorted as the admin's list mode says, completed last."""
    criteria = _criteria(session, kw)
    rows = list(order_list.iter_orders(session.actor, criteria))
    if as_json:
        out_json([order_json(r) for r in rows])
        return
    table(["serial", "scheduled", "status", "customer", "subject", "assignees", "hours", ""],
          [[str(r.serial), r.scheduled.isoformat() if r.scheduled else "", r.status or "",
            r.customer, r.subject, ",".join(r.assignees), f"{r.hours:.2f}",
            "completed" if r.completed else ""] for r in rows])
    total = sum((r.hours for r in rows), start=0)
    click.echo(f"{plural(len(rows), 'order')}, {total:.2f} hours required")


@co.command("show")
@click.argument("serial", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_session
def co_show(session: Session, serial: int, as_json: bool) -> None:
    """Show one contact order with its notes and bookings."""
    detail = orders.get_order(session.actor, serial)
    if as_json:
        out_json(detail_json(detail))
        return
    r = detail.row
    out(f"Contact order {r.serial} (version {detail.version})"
        + ("  [completed]" if r.completed else ""))
    for label, value in (("Subject", r.subject), ("Customer", r.customer),
                         ("Facility", r.facility), ("Service object", r.service_object),
                         ("Contact", " / ".join(x for x in (r.contact.name, r.contact.phone,
                                                              r.contact.email) if x)),
                         ("Status", r.status), ("Scheduled", r.scheduled),
                         ("Hours", f"{r.hours:.2f}"), ("Assignees", ", ".join(r.assignees)),
                         ("Created", f"{detail.created_at:%Y-%m-%d %H:%M} by "
                                     f"{detail.created_by}")):
        out(f"  {label + ':':<16}{value if value is not None else ''}")
    out("Notes:" if detail.notes else "Notes: none")
    for n in detail.notes:
        out(f"  {n.at:%Y-%m-%d %H:%M} {n.author}:")
        for line in n.text.splitlines() or [""]:
            out(f"    {line}")
    out("Bookings:" if detail.bookings else "Bookings: none")
    for b in detail.bookings:
        remind = f", reminder {b.reminder_at:%Y-%m-%d %H:%M}" if b.reminder_at else ""
        out(f"  #{b.id} {b.at:%Y-%m-%d %H:%M} {b.kind} for {b.assignee}{remind}"
            + (" (done)" if b.done else ""))


@co.command("note")
@click.argument("serial", type=int)
@click.argument("text")
@pass_session
def co_note(session: Session, serial: int, text: str) -> None:
    """Add a note (TEXT '-' reads standard input)."""
    if text == "-":
        text = sys.stdin.read()
    note = notes.add_note(session.actor, serial, text)
    click.echo(f"Note added to contact order {serial} at {note.at:%Y-%m-%d %H:%M}")


@co.command("assign")
@click.argument("serial", type=int)
@click.argument("usernames", nargs=-1, required=True)
@pass_session
def co_assign(session: Session, serial: int, usernames: tuple[str, ...]) -> None:
    """Assign users to a contact order (they are notified)."""
    detail = orders.assign(session.actor, serial, list(usernames))
    click.echo(f"Contact order {serial} assigned to {', '.join(detail.row.assignees)}")


@co.command("complete")
@click.argument("serial", type=int)
@pass_session
def co_complete(session: Session, serial: int) -> None:
    """Complete (archive) a contact order."""
    detail = orders.set_completed(session.actor, serial, True)
    click.echo(printable(orders.completed_message(detail)))


@co.command("reopen")
@click.argument("serial", type=int)
@pass_session
def co_reopen(session: Session, serial: int) -> None:
    """Reopen a completed contact order."""
    orders.set_completed(session.actor, serial, False)
    click.echo(f"Contact order {serial} reopened")


@co.command("delete")
@click.argument("serial", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@pass_session
def co_delete(session: Session, serial: int, yes: bool) -> None:
    """Delete a contact order with its notes and bookings (kept in the audit trail).

    Asks first unless --yes, also when the answer comes through a pipe; with no answer
    (no terminal, empty input) nothing is deleted."""
    orders.get_order(session.actor, serial)  # one that is not there is not asked about
    if not session.actor.has(Perm.DELETE):  # nor one the user may not delete (the
        # service refuses it anyway; asking first only to refuse read wrong)
        raise click.ClickException(f"{session.actor.username} may not delete contact "
                                   "orders: needs the 'delete' permission")
    if not yes and not confirmed(
            f"Delete contact order {serial} with its notes and bookings?"):
        raise click.ClickException(f"Contact order {serial} not deleted "
                                   "(give --yes to delete without asking)")
    orders.delete_order(session.actor, serial)
    click.echo(f"Contact order {serial} deleted")


@click.group("booking")
def booking() -> None:
    """Bookings: the next contact with the customer."""


@booking.command("add")
@click.argument("serial", type=int)
@click.option("--at", "at", required=True, metavar='"YYYY-MM-DD HH:MM"',
              help='Local time; the day may be today, tomorrow, +N days, +Nw or +Nm '
                   '("tomorrow 9:00", "+6m 10:00")')
@click.option("--kind", required=True, type=click.Choice(["phone", "meeting", "digital", "email"]))
@click.option("--assignee", metavar="USERNAME")
@click.option("--minutes", default="30", show_default=True, metavar="N")
@click.option("--remind-before", metavar="MINUTES")
@click.option("--note", default="")
@click.option("--done-before", "done_before", type=int, metavar="BOOKING_ID",
              help="A booking of the order this one follows: marked done with it")
@pass_session
def booking_add(session: Session, serial: int, at: str, kind: str, assignee: str | None,
                minutes: str, remind_before: str | None, note: str,
                done_before: int | None) -> None:
    """Book the next contact on an order (local time)."""
    actor = session.actor
    info = bookings.add_booking(actor, serial, absolute_when(at, _today(session)), kind,
                                assignee=assignee, minutes=minutes,
                                remind_before=remind_before, note=note,
                                done_before=done_before)
    remind = f", reminder at {info.reminder_at:%Y-%m-%d %H:%M}" if info.reminder_at else ""
    if info.at < local_now():  # the app asks first; here it is said (a typo, most likely)
        click.echo(f"Note: {info.at:%Y-%m-%d %H:%M} is in the past", err=True)
    click.echo(f"Booking {info.id}: {info.kind} on {info.at:%Y-%m-%d %H:%M} "
               f"for {info.assignee}{remind}")
    if done_before is not None:
        click.echo(f"Booking {done_before} is done")


@booking.command("done")
@click.argument("booking_id", type=int)
@click.option("--undo", is_flag=True, help="Mark as not done")
@pass_session
def booking_done(session: Session, booking_id: int, undo: bool) -> None:
    """Mark a booking done."""
    info = bookings.set_done(session.actor, booking_id, not undo)
    click.echo(f"Booking {info.id} is {'done' if info.done else 'not done'}")

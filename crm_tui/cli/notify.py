"""`crm-tui worker`, `notifications`, `outbox`: reminders and deliveries."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import traceback

import click

from crm_tui.cli.common import Session, out, out_json, pass_session, stored_local, table
from crm_tui.domain.text import plural
from crm_tui.services import notifications, outbox


@click.command("worker")
@click.option("--once", is_flag=True, help="One pass, then exit (for scripts and cron)")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds between passes")
@click.option("--lease", default=120.0, show_default=True, type=click.FloatRange(1, 86400),
              help="Seconds after which a claimed but unfinished delivery is taken over")
@click.option("--max-attempts", default=5, show_default=True, type=click.IntRange(1, 100))
@click.option("--backoff", default=30.0, show_default=True, type=click.FloatRange(0, 86400),
              help="Seconds before the first retry (doubling, capped at an hour)")
@pass_session
def worker(session: Session, once: bool, interval: float, lease: float, max_attempts: int,
           backoff: float) -> None:
    """Deliver due reminders and notifications by e-mail and SMS."""
    from crm_tui.worker.run import WorkerOptions, run_forever, run_once

    if click.get_current_context().find_root().params.get("as_user"):
        # it acts for no user: it delivers every user's reminders and notifications
        click.echo("Note: the worker delivers for every user; --as is ignored", err=True)
    session.open()
    # the host's local time with its offset: unambiguous whatever the host's zone
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s",
                        datefmt="%Y-%m-%d %H:%M:%S%z")
    # A send ends (or times out) well within the lease, which is renewed before each
    # one: a send longer than the lease let another worker send the row too.
    options = WorkerOptions(interval=interval, lease_seconds=lease, max_attempts=max_attempts,
                            backoff_seconds=backoff, timeout=min(30.0, lease / 2))
    if once:
        result = run_once(options)
        click.echo(f"{plural(result.reminders, 'reminder')}, {result.sent} sent, "
                   f"{result.retried} to retry, {result.failed} failed")
        return
    # The passes run in a thread of their own and the main thread only waits for it. A
    # signal handler runs in the main thread between two of its steps: had that thread
    # been in stop.wait(), holding the Event's lock, stop.set() would wait for that lock
    # forever, and SIGTERM would hang the worker instead of stopping it.
    stop = threading.Event()
    passes = threading.Thread(target=run_forever, args=(options, stop), name="passes")
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    passes.start()  # before the stack printer, which lists threads under start()'s lock
    signal.signal(signal.SIGUSR1, _print_stacks)
    click.echo(f"crm-tui worker running every {interval:g}s (ctrl+c stops)", err=True)
    while passes.is_alive():
        passes.join(1.0)


def _print_stacks(*_: object) -> None:
    """kill -USR1: every thread's stack on stderr; the worker goes on. Python-level, in
    the main thread: faulthandler's dump reads the other threads' frames as they run,
    and crashed the worker (SIGSEGV) in a test."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    text = "".join(
        f"Stack of thread {names.get(ident, ident)} (most recent call last):\n"
        + "".join(traceback.format_stack(frame))
        for ident, frame in sys._current_frames().items())  # noqa: SLF001 - made for this
    data = text.encode("utf-8", "replace")
    while data:  # straight to the file descriptor: sys.stderr may be mid-write
        data = data[os.write(2, data):]


@click.command("notifications")
@click.option("--json", "as_json", is_flag=True)
@click.option("--all", "include_read", is_flag=True, help="Include read ones")
@click.option("--mark-read", is_flag=True, help="Mark them read after listing")
@pass_session
def notifications_cmd(session: Session, as_json: bool, include_read: bool,
                      mark_read: bool) -> None:
    """Your notifications (unread unless --all)."""
    rows = [stored_local(r) for r in notifications.list_notifications(
        session.actor, include_read=include_read)]
    if as_json:
        out_json(rows)
    else:
        for r in rows:
            out(f"{r['created_at']:%Y-%m-%d %H:%M} {'  ' if r['read'] else '* '}{r['text']}")
        if not rows:
            click.echo("No notifications")
    if mark_read:
        notifications.mark_read(session.actor)


@click.group("outbox", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed"]))
@click.pass_context
def outbox_cmd(ctx: click.Context, as_json: bool, status: str | None) -> None:
    """Deliveries: channel, recipient, status, attempts, last error (admins)."""
    if ctx.invoked_subcommand is not None:
        return
    session: Session = ctx.obj
    rows = outbox.list_outbox(session.actor, status=status)
    if as_json:
        out_json([stored_local(r) for r in rows])
        return
    table(["id", "channel", "recipient", "status", "attempts", "last error"],
          [[str(r.id), r.channel, r.recipient, r.status, str(r.attempts), r.last_error]
           for r in rows])


@outbox_cmd.command("retry")
@click.argument("outbox_id", type=int, required=False)
@pass_session
def outbox_retry(session: Session, outbox_id: int | None) -> None:
    """Try deliveries again now (one, or all): failed ones, and pending ones waiting out
    the pause after a failed attempt."""
    count = outbox.retry(session.actor, outbox_id)
    click.echo(f"{plural(count, 'delivery', 'deliveries')} queued again")

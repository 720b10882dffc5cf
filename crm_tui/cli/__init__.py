"""The `crm-tui` command: a thin face on the services (click)."""

from __future__ import annotations

import sys

import click
from peewee import OperationalError, PeeweeException

from crm_tui import config
from crm_tui.cli import admin, notify, orders, registers, ssh
from crm_tui.cli.common import Session, open_app, pass_session
from crm_tui.domain.errors import CrmError, NearDuplicate
from crm_tui.domain.text import printable


@click.group(invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_url", metavar="URL", help="sqlite:///path or postgresql://... "
              "(default: CRM_TUI_DATABASE_URL, the config file, or a file in the data dir)")
@click.option("--as", "as_user", metavar="USERNAME", help="Act as this user")
@click.option("--demo", is_flag=True, help="Open the app on the demo database (seeded once)")
@click.version_option(package_name="crm-tui")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, as_user: str | None, demo: bool) -> None:
    """crm-tui: a keyboard-first contact-order CRM. Without a command, opens the app."""
    if demo and db_url:
        raise click.UsageError("--demo and --db exclude each other")
    cfg = config.load(config.demo_database_url() if demo else db_url, as_user)
    if demo and not as_user:
        cfg.user = "anna"
    session = Session(cfg, demo=demo)
    ctx.obj = session
    if ctx.invoked_subcommand is None:
        _run_app(session)


def _run_app(session: Session) -> None:
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise click.UsageError("The app needs a terminal; use a command (see --help)")
    if session.demo:
        _ensure_demo(session)
    open_app(session)


def _ensure_demo(session: Session) -> None:
    from crm_tui.services import demo

    session.open()
    if not demo.is_seeded():
        click.echo("Seeding the demo database (once)...", err=True)
        demo.seed()


@cli.command()
@pass_session
def migrate(session: Session) -> None:
    """Create or upgrade the database schema."""
    from crm_tui.db.database import init_database
    from crm_tui.db.migrate import migrate as run

    init_database(session.cfg.database_url)
    applied = run()
    click.echo(f"Applied {', '.join(applied)}" if applied else "Schema is up to date")


@cli.command()
@pass_session
def maintain(session: Session) -> None:
    """Merge the search index for fast searches (run nightly; the app may stay open)."""
    from crm_tui.db.search import merge_index

    session.open()
    for table, (before, after) in merge_index().items():
        click.echo(f"{table}: search index merged" + (f", {before} -> {after} segments"
                                                       if before else ""))


@cli.command("demo")
@click.option("--customers", default=220, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--orders", "order_count", default=1200, show_default=True,
              type=click.IntRange(1, 1_000_000))
@click.option("--seed", default=42, show_default=True, help="Random seed")
@pass_session
def demo_cmd(session: Session, customers: int, order_count: int, seed: int) -> None:
    """Fill an empty database with a realistic demo company, its users among it (eva
    is its admin)."""
    from crm_tui.services import demo, demo_data

    session.demo = True  # a database made here is what was asked for: no "Mistyped?"
    you = session.actor  # on an empty database: its first admin, to go on as
    summary = demo.seed(customers, order_count, seed=seed)
    click.echo(", ".join(f"{v} {k.replace('_', ' ')}" for k, v in summary.__dict__.items()))
    names = [u.username for u in demo_data.USERS]
    admins = [u.username for u in demo_data.USERS if u.is_admin]
    # the user acting here is one more (an admin, first on an empty database): said, as
    # an admin named after the OS login beside the demo's own looked like a stray
    click.echo(f"Its users: {', '.join(names)} ({', '.join(admins)} is the admin)"
               + ("" if you.username in names and (not you.is_admin or you.username in admins)
                  else f", and you, {printable(you.username)}"
                  + (", an admin too" if you.is_admin else ""))
               + f". As one of them: crm-tui --db {printable(session.cfg.database_url)} "
               "--as anna")


for command in (orders.co, orders.booking, registers.customer, registers.facility,
                registers.service_object, registers.search, registers.todo_cmd,
                registers.export, registers.import_, admin.user, admin.status,
                admin.settings_cmd, admin.audit, notify.worker, notify.notifications_cmd,
                notify.outbox_cmd, ssh.serve_ssh, ssh.ssh_command):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: one readable line on stderr and a non-zero exit for every error."""
    try:
        cli.main(args=argv, prog_name="crm-tui", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        click.echo(f"Error: {printable(exc.format_message())}", err=True)
        sys.exit(exc.exit_code)
    except NearDuplicate as exc:
        # a name like one there but not its name is not taken for it by --use-existing:
        # "choose to use the existing one" read as if that had not been chosen
        said = (f"{exc.looks_like()}: give that name as it is to use it, or --create-new"
                if exc.similar else f"{exc} (--use-existing or --create-new)")
        click.echo(f"Error: {printable(said)}", err=True)
        sys.exit(1)
    except CrmError as exc:
        click.echo(f"Error: {printable(str(exc))}", err=True)
        sys.exit(1)
    except OperationalError as exc:
        click.echo(f"Error: database: {printable(str(exc).splitlines()[0])}", err=True)
        sys.exit(1)
    except PeeweeException as exc:
        click.echo(f"Error: database: {printable(str(exc).splitlines()[0])}", err=True)
        sys.exit(1)
    except UnicodeError as exc:
        # Bytes that are not UTF-8 in an argument or standard input reach the code as
        # lone surrogates, which fail where the text is encoded. Other encoding errors
        # are bugs, not the user's text: they keep their traceback.
        if not (isinstance(exc, UnicodeDecodeError)
                or (isinstance(exc, UnicodeEncodeError) and "surrogate" in exc.reason)):
            raise
        click.echo("Error: the text given is not valid UTF-8", err=True)
        sys.exit(1)
    except OSError as exc:  # a file to read or write: missing folder, no permission...
        where = f": {printable(str(exc.filename))}" if exc.filename else ""
        click.echo(f"Error: {printable(exc.strerror or str(exc))}{where}", err=True)
        sys.exit(1)

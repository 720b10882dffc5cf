"""`crm-tui serve-ssh` (the SSH front door) and `crm-tui ssh-command` (for OpenSSH's sshd)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import click

from crm_tui import config
from crm_tui.cli.common import Session, open_app, pass_session

HOST_KEY_NAME = "ssh_host_ed25519_key"


@click.command("serve-ssh")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on")
@click.option("--port", default=2222, show_default=True, type=click.IntRange(0, 65535),
              help="0 picks a free port (printed at start)")
@click.option("--host-key", type=click.Path(dir_okay=False, path_type=Path),
              help=f"Host key file, generated on first start [default: DATA_DIR/{HOST_KEY_NAME}]")
@click.option("--max-sessions", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--max-per-user", default=5, show_default=True, type=click.IntRange(1, 1000))
@click.option("--idle-timeout", default=60.0, show_default=True, type=click.FloatRange(0),
              metavar="MINUTES", help="End sessions without input this long (0: never)")
@click.option("--max-auth-tries", default=6, show_default=True, type=click.IntRange(1, 100),
              help="Failed keys before a connection is dropped")
@click.option("--key-check", default=30.0, show_default=True,
              type=click.FloatRange(0.1, 3600), metavar="SECONDS",
              help="How often sessions are checked for a removed key (then ended)")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
@pass_session
def serve_ssh(session: Session, host: str, port: int, host_key: Path | None, max_sessions: int,
              max_per_user: int, idle_timeout: float, max_auth_tries: int,
              key_check: float, log_level: str) -> None:
    """Serve the app over SSH: each user's key opens the app as that user."""
    session.open()
    from crm_tui.ssh.server import serve  # imported late: only this command needs asyncssh
    from crm_tui.ssh.state import ServeOptions

    logging.basicConfig(level=log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    options = ServeOptions(
        database_url=session.cfg.database_url,
        host_key=(host_key or config.data_dir() / HOST_KEY_NAME).expanduser().resolve(),
        host=host, port=port, max_sessions=max_sessions, max_per_user=max_per_user,
        idle_timeout=idle_timeout * 60, max_auth_tries=max_auth_tries, key_check=key_check)

    def announce(line: str) -> None:
        click.echo(line)
        sys.stdout.flush()

    asyncio.run(serve(options, announce))


@click.command("ssh-command")
@pass_session
def ssh_command(session: Session) -> None:
    """For OpenSSH's ForceCommand / command=: open the app as CRM_TUI_USER, terminals only."""
    if os.environ.get("SSH_ORIGINAL_COMMAND"):
        raise click.ClickException("commands are not accepted here; connect with ssh -t HOST")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.ClickException("this is an interactive app and needs a terminal; "
                                   "connect with ssh -t")
    root = click.get_current_context().find_root()
    if not (root.params.get("as_user") or os.environ.get("CRM_TUI_USER")):
        raise click.ClickException("CRM_TUI_USER is not set: name the user in the "
                                   "authorized_keys command= (env CRM_TUI_USER=...)")
    if session.demo:
        raise click.UsageError("ssh-command does not run the demo")
    from crm_tui.services import users

    session.open()
    if not users.has_users():  # else the first login would become the admin
        raise click.ClickException("the database has no users yet; add them first")
    open_app(session)

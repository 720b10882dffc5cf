"""A seeded SQLite file, user keys, and `crm-tui serve-ssh` running as a real process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pytest

from crm_tui.db.database import close_database, sqlite_url
from crm_tui.domain.records import AuditInfo, OrderInput
from crm_tui.services import audit_log, orders, settings, setup, ssh_keys, users
from tests.e2e.helpers import SshServer, Tmux, need_tool, processes_with_env, ssh_argv, wait_until

ORGANISATION = "Fjordvärme Service AB"
SUBJECT_BOB = "Heat pump 2"  # short: list columns are narrow at 80x24
SUBJECT_OTHER = "Boiler check"
TECHS = [f"t{n:02d}" for n in range(1, 21)]


@dataclass
class SshWorld:
    """The database, the users' key files and what was seeded."""

    dir: Path
    url: str
    host_key: Path
    key_files: dict[str, Path] = field(default_factory=dict)
    keys: dict[str, asyncssh.SSHKey] = field(default_factory=dict)
    serials: dict[str, int] = field(default_factory=dict)

    @property
    def marker(self) -> str:
        """The environment entry every app process of this database carries."""
        return f"CRM_TUI_DATABASE_URL={self.url}"

    def new_key(self, name: str) -> Path:
        """A fresh key pair on disk (private key mode 600, as OpenSSH demands)."""
        key = asyncssh.generate_private_key("ssh-ed25519", comment=f"{name}@test")
        path = self.dir / f"{name}_key"
        key.write_private_key(path)
        path.chmod(0o600)
        key.write_public_key(path.with_suffix(".pub"))
        self.key_files[name], self.keys[name] = path, key
        return path

    def audit(self, action_prefix: str = "ssh.") -> list[AuditInfo]:
        """SSH events in the audit trail, newest first (read through the services)."""
        setup.open_database(self.url)
        try:
            eva = users.get_actor("eva")
            return [e for e in audit_log.recent(eva, entity="ssh", limit=1000)
                    if e.action.startswith(action_prefix)]
        finally:
            close_database()


@pytest.fixture(scope="session")
def ssh_world(tmp_path_factory: pytest.TempPathFactory) -> SshWorld:
    """Eva (admin), Bob (view-assigned), Anna (view), Carol (deactivated), 20 technicians."""
    workdir = tmp_path_factory.mktemp("ssh")
    world = SshWorld(dir=workdir, url=sqlite_url(workdir / "crm.db"),
                     host_key=workdir / "host_key")
    setup.open_database(world.url)
    try:
        eva = users.bootstrap_admin("eva")
        users.update_profile(eva, "eva", display_name="Eva Lind")
        settings.set_value(eva, "organisation", ORGANISATION)
        people = {"bob": ("Bob Field", ["view-assigned", "create"]),
                  "anna": ("Anna Berg", ["view", "edit", "create"]),
                  "carol": ("Carol Gone", ["view"]),
                  **{t: (f"Tech {t[1:]}", ["view-assigned"]) for t in TECHS}}
        for name, (display, perms) in people.items():
            users.add_user(eva, name, display_name=display, perms=perms)
        for name in ["eva", *people]:
            ssh_keys.add_key(eva, name, world.new_key(name).with_suffix(".pub").read_text())
        users.set_active(eva, "carol", False)
        world.new_key("stranger")  # a key nobody owns
        world.serials["bob"] = orders.create_order(eva, OrderInput(
            subject=SUBJECT_BOB, customer="Berg Fastigheter AB", contact_name="Lena Berg",
            assignees=["bob"])).row.serial
        world.serials["other"] = orders.create_order(eva, OrderInput(
            subject=SUBJECT_OTHER, customer="Ekström Bostäder AB",
            contact_name="Olof Ekström", assignees=["anna"])).row.serial
    finally:
        close_database()
    return world


@pytest.fixture(scope="module")
def ssh_server(ssh_world: SshWorld) -> Iterator[SshServer]:
    """One server for the module; at the end it must stop cleanly and leave no app behind."""
    server = SshServer(ssh_world.url, ssh_world.dir, ssh_world.host_key)
    yield server
    code = server.stop()
    assert code == 0, server.log()
    wait_until(lambda: not processes_with_env(ssh_world.marker), 10, "no app process left")


@pytest.fixture
def start_server(ssh_world: SshWorld) -> Iterator[Callable[..., SshServer]]:
    """Start a server with extra options; each is stopped after the test."""
    started: list[SshServer] = []

    def start(*args: str, host_key: Path | None = None) -> SshServer:
        server = SshServer(ssh_world.url, ssh_world.dir, host_key or ssh_world.host_key, *args)
        started.append(server)
        return server

    yield start
    codes = [(server.stop(), server) for server in started]  # stop them all, then check
    for code, server in codes:
        assert code == 0, server.log()


@pytest.fixture
def terminal(ssh_world: SshWorld) -> Iterator[Callable[..., Tmux]]:
    """The OpenSSH client (`ssh -tt`) in an 80x24 tmux window, logged in with a user's key."""
    need_tool("ssh")
    need_tool("tmux")
    opened: list[Tmux] = []

    def open_terminal(server: SshServer, username: str, width: int = 80,
                      height: int = 24) -> Tmux:
        term = Tmux(ssh_argv(server.port, ssh_world.key_files[username], "-tt"), width, height)
        opened.append(term)
        return term

    yield open_terminal
    for term in opened:
        term.close()

"""`crm-tui ssh-command`, for sites running OpenSSH's sshd with command= or ForceCommand."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from crm_tui.db.database import close_database, sqlite_url
from crm_tui.services import setup, users
from crm_tui.ssh.child import PtyChild
from tests.cli.test_cli import run

ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b.")


@pytest.fixture
def bob_db(sqlite_db: str) -> str:
    """Eva (admin) and Bob."""
    users.add_user(users.bootstrap_admin("eva"), "bob", display_name="Bob Field",
                   perms=["view-assigned"])
    return sqlite_db


def test_a_command_from_the_client_is_refused(bob_db: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """sshd puts what the client asked for in SSH_ORIGINAL_COMMAND: never run it."""
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", "crm-tui --as eva user list")
    result = run(bob_db, "ssh-command", user="bob", ok=False)
    assert "commands are not accepted here" in result.stderr


def test_a_session_without_a_terminal_is_refused(bob_db: str) -> None:
    """`ssh -T`: no TTY, one line, exit 1."""
    result = run(bob_db, "ssh-command", user="bob", ok=False)
    assert "needs a terminal" in result.stderr


def test_without_a_named_user_nothing_opens(tmp_path: Path) -> None:
    """No CRM_TUI_USER (or --as): refused rather than falling back to the OS account."""
    url = sqlite_url(tmp_path / "crm.db")
    setup.open_database(url)
    users.bootstrap_admin("eva")
    close_database()
    assert "CRM_TUI_USER is not set" in _on_a_pty(url, {}).decode()


def test_on_a_terminal_the_app_opens_as_that_user(bob_db: str) -> None:
    """With a TTY and CRM_TUI_USER=bob, the app renders Bob's header."""
    close_database()
    assert b"Bob Field" in ANSI.sub(b"", _on_a_pty(bob_db, {"CRM_TUI_USER": "bob"},
                                                   until=b"Bob Field"))


def _on_a_pty(url: str, env: dict[str, str], until: bytes | None = None) -> bytes:
    """Run `crm-tui ssh-command` on a PTY; return its output once it exits or shows ``until``."""

    async def go() -> bytes:
        output = bytearray()
        changed = asyncio.Event()
        done = asyncio.Event()

        def out(data: bytes) -> None:
            output.extend(data)
            changed.set()

        child = PtyChild([sys.executable, "-m", "crm_tui", "--db", url, "ssh-command"],
                         {"PATH": os.environ["PATH"], "TERM": "xterm-256color",
                          "LANG": "C.UTF-8", "CRM_TUI_CONFIG": "/nonexistent.toml", **env},
                         80, 24, on_output=out, on_exit=lambda _code: (done.set(),
                                                                         changed.set()))
        child.start()
        async with asyncio.timeout(30):
            while not done.is_set() and not (until and until in ANSI.sub(b"", bytes(output))):
                changed.clear()
                await changed.wait()
        child.terminate()
        await child.wait()
        return bytes(output)

    return asyncio.run(go())

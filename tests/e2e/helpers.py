"""Real processes for the SSH tests: the server, the OpenSSH client under tmux, asyncssh clients."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncssh
import pytest

EXE = [sys.executable, "-m", "crm_tui"]
F2, F3 = b"\x1bOQ", b"\x1bOR"  # what an xterm sends for F2 and F3
_ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[P\]X^_][^\x1b\x07]*(?:\x1b\\|\x07)|\x1b.")
T = TypeVar("T")


def need_tool(name: str) -> None:
    """Skip when a tool is missing, but fail in CI (CI=true), where it must be installed."""
    if shutil.which(name) is None:
        message = f"'{name}' is not installed (apt-get install openssh-client tmux)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def wait_until(check: Callable[[], T], timeout: float = 20.0, what: str = "a condition") -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)  # the polling interval, not a wait for something


def plain(data: bytes) -> str:
    """Terminal output without escape sequences."""
    return _ANSI.sub(b"", data).decode("utf-8", "replace")


def proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state, ppid, pgrp, session, ...)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def children_of(pid: int) -> list[int]:
    """Living (not zombie) children of a process, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = proc_stat(int(entry.name))
            if stat and stat[1] == str(pid) and stat[0] != "Z":
                found.append(int(entry.name))
    return found


def processes_with_env(marker: str) -> list[int]:
    """Processes whose environment contains ``marker`` (our app processes, orphans too)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        stat = proc_stat(int(entry.name))
        if marker.encode() in environ.split(b"\0") and stat and stat[0] != "Z":
            found.append(int(entry.name))
    return found


class SshServer:
    """`python -m crm_tui serve-ssh` on a free port of 127.0.0.1."""

    def __init__(self, url: str, workdir: Path, host_key: Path, *args: str) -> None:
        self.url = url
        self.log_path = workdir / f"server-{time.monotonic_ns()}.log"
        env = {**os.environ, "CRM_TUI_DATA_DIR": str(workdir),
               "CRM_TUI_CONFIG": str(workdir / "none.toml")}
        env.pop("CRM_TUI_DATABASE_URL", None)
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [*EXE, "--db", url, "serve-ssh", "--port", "0", "--host-key", str(host_key), *args],
            stdout=subprocess.PIPE, stderr=self._log, text=True, env=env,
            start_new_session=True)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(lines,), daemon=True).start()
        self.banner: list[str] = []
        deadline = time.monotonic() + 30
        while not any(ln.startswith("Listening on") for ln in self.banner):
            try:
                self.banner.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                self.stop()
                raise AssertionError(f"server did not start: {self.log()}") from None
        self.port = int(self.banner[-1].rsplit(":", 1)[1])

    def _pump(self, lines: queue.Queue[str]) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            lines.put(line.strip())

    def log(self) -> str:
        """What the server logged so far."""
        return self.log_path.read_text()

    def children(self) -> list[int]:
        """The app processes the server runs now."""
        return children_of(self.proc.pid)

    def stop(self) -> int:
        """SIGTERM, then wait (bounded) for a clean exit."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            code = self.proc.wait(timeout=10)
        self._log.close()
        return code


def ssh_argv(port: int, key: Path, *extra: str, command: tuple[str, ...] = (),
             user: str = "tech") -> list[str]:
    """The OpenSSH client, ignoring any user config, agent and known hosts."""
    return ["ssh", "-F", "/dev/null", "-i", str(key), "-p", str(port),
            "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
            "-o", "LogLevel=ERROR", *extra, f"{user}@127.0.0.1", *command]


def run_ssh(port: int, key: Path, *extra: str, command: tuple[str, ...] = (),
            timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run the OpenSSH client to completion (no terminal, no agent)."""
    env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
    return subprocess.run(ssh_argv(port, key, *extra, command=command), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL, env=env)


class Tmux:
    """A private tmux server with one window running a command."""

    def __init__(self, command: list[str], width: int = 80, height: int = 24) -> None:
        self.socket = f"crm-test-{os.getpid()}-{time.monotonic_ns()}"
        line = shlex.join(["env", "-u", "SSH_AUTH_SOCK", *command])
        self.tmux("new-session", "-d", "-s", "main", "-x", str(width), "-y", str(height), line)
        self.tmux("set-option", "-t", "main", "status", "off")

    def tmux(self, *args: str) -> str:
        """Run a tmux command on this server."""
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, timeout=20)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def screen(self) -> str:
        """The visible text of the window."""
        return self.tmux("capture-pane", "-p", "-t", "main")

    def wait_for(self, check: Callable[[str], bool], what: str, timeout: float = 20) -> str:
        """Poll the screen until ``check`` holds; fail with the last screen."""
        last = [""]

        def probe() -> str | None:
            last[0] = self.screen()
            return last[0] if check(last[0]) else None

        try:
            return wait_until(probe, timeout, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; screen:\n{last[0]}") from None

    def send(self, *keys: str) -> None:
        """Type keys (tmux key names)."""
        self.tmux("send-keys", "-t", "main", *keys)

    def resize(self, width: int, height: int) -> None:
        """Resize the window, as a user dragging their terminal."""
        self.tmux("resize-window", "-t", "main", "-x", str(width), "-y", str(height))

    def pane_pid(self) -> int:
        """The pid of the command in the pane (the ssh client)."""
        return int(self.tmux("display-message", "-p", "-t", "main", "#{pane_pid}").strip())

    def close(self) -> None:
        """Stop the tmux server and its command."""
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=20)


class AppClient:
    """An asyncssh client with a PTY, keeping everything the app wrote."""

    def __init__(self) -> None:
        self.output = bytearray()
        self.changed = asyncio.Event()
        self.conn: asyncssh.SSHClientConnection | None = None
        self.proc: Any = None
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, port: int, key: asyncssh.SSHKey, *, size: tuple[int, int] = (80, 24),
                   term: str = "xterm-256color") -> AppClient:
        """Connect, log in with ``key`` and start a PTY shell."""
        self = cls()
        self.conn = await asyncssh.connect(
            "127.0.0.1", port, username="tech", client_keys=[key], known_hosts=None,
            agent_path=None, config=None, preferred_auth="publickey")
        self.proc = await self.conn.create_process(term_type=term, term_size=size,
                                                   encoding=None)
        self._reader = asyncio.create_task(self._read_all())
        return self

    async def _read_all(self) -> None:
        await asyncio.gather(self._read(self.proc.stdout), self._read(self.proc.stderr))

    async def _read(self, stream: Any) -> None:
        """Both streams end up on the one terminal, as with a real client."""
        while True:
            data = await stream.read(65536)
            if not data:
                self.changed.set()
                return
            self.output += data
            self.changed.set()

    def text(self, since: int = 0) -> str:
        """What was written since byte ``since``, without escape sequences."""
        return plain(bytes(self.output[since:]))

    async def wait_for(self, needle: str, since: int = 0, timeout: float = 30) -> None:
        """Wait until ``needle`` appears in the output after byte ``since``."""
        try:
            async with asyncio.timeout(timeout):
                while needle not in self.text(since):
                    if self._reader is not None and self._reader.done():
                        raise AssertionError(f"session ended before {needle!r}: "
                                             f"{self.text(since)[-300:]!r}")
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:  # say what the session did show (a rare CI timeout here)
            raise TimeoutError(f"{needle!r} not shown within {timeout} s; "
                               f"{len(self.output) - since} bytes came, ending: "
                               f"{self.text(since)[-300:]!r}") from None

    def press(self, data: bytes) -> int:
        """Send keys; returns the output position before them."""
        mark = len(self.output)
        self.proc.stdin.write(data)
        return mark

    async def finished(self, timeout: float = 20) -> int | None:
        """Wait for the session to end; returns its exit status."""
        async with asyncio.timeout(timeout):
            await self.proc.wait_closed()
            if self._reader is not None:
                await self._reader
        return self.proc.exit_status

    async def close(self) -> None:
        """Disconnect."""
        if self.conn is not None:
            self.conn.close()
            await self.conn.wait_closed()
        if self._reader is not None:
            self._reader.cancel()

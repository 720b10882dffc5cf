"""N concurrent SSH sessions: first-render time, key round trip and memory per session.

Usage: .venv/bin/python benchmarks/ssh_sessions.py [N] [--rounds R] [--size 80x24]

Starts `crm-tui serve-ssh` on a free port of 127.0.0.1 over a fresh SQLite file with N
users (one key each), opens N asyncssh clients with a PTY at once and prints, per session:
the time from connecting until the header shows the user (first render), the median time
from pressing F3/F2 until the section title is drawn (key round trip), and the RSS/PSS of
the session's app process (from /proc). Not run by CI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from crm_tui.db.database import close_database, sqlite_url
from crm_tui.domain.records import OrderInput
from crm_tui.services import orders, setup, ssh_keys, users

ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[P\]X^_][^\x1b\x07]*(?:\x1b\\|\x07)|\x1b.")
F2, F3 = b"\x1bOQ", b"\x1bOR"


@dataclass
class Result:
    """One session's figures."""

    user: str
    connect: float = 0.0
    first_render: float = 0.0
    round_trips: list[float] = field(default_factory=list)
    pid: int = 0
    rss_kb: int = 0
    pss_kb: int = 0


def seed(workdir: Path, count: int) -> tuple[str, dict[str, asyncssh.SSHKey]]:
    """A database with ``count`` users, one key each, and a few orders."""
    url = sqlite_url(workdir / "crm.db")
    setup.open_database(url)
    keys = {}
    try:
        admin = users.bootstrap_admin("admin")
        for n in range(1, count + 1):
            name = f"u{n:03d}"
            users.add_user(admin, name, display_name=f"User {n:03d}", perms=["view"])
            keys[name] = asyncssh.generate_private_key("ssh-ed25519")
            ssh_keys.add_key(admin, name, keys[name].export_public_key().decode())
        for n in range(20):
            orders.create_order(admin, OrderInput(subject=f"Order {n}", customer=f"Customer {n}",
                                                  contact_name="Contact", assignees=["u001"]))
    finally:
        close_database()
    return url, keys


def start_server(url: str, workdir: Path, count: int) -> tuple[subprocess.Popen[str], int]:
    """`crm-tui serve-ssh` as a real process; returns it and its port."""
    env = {**os.environ, "CRM_TUI_DATA_DIR": str(workdir),
           "CRM_TUI_CONFIG": str(workdir / "none.toml")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crm_tui", "--db", url, "serve-ssh", "--port", "0",
         "--host-key", str(workdir / "host_key"), "--max-sessions", str(count + 5),
         "--log-level", "warning"], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("Listening on"):
            return proc, int(line.rsplit(":", 1)[1])
    raise SystemExit("the server did not start")


class Client:
    """An asyncssh client with a PTY that keeps what the app drew."""

    def __init__(self) -> None:
        self.output = bytearray()
        self.changed = asyncio.Event()

    async def run(self, port: int, user: str, key: asyncssh.SSHKey, size: tuple[int, int],
                  rounds: int, result: Result, all_rendered: asyncio.Event) -> None:
        """Connect, wait for the first render, then time key round trips."""
        started = time.perf_counter()
        self.conn = await asyncssh.connect("127.0.0.1", port, username=user, client_keys=[key],
                                           known_hosts=None, agent_path=None, config=None)
        result.connect = time.perf_counter() - started
        self.proc = await self.conn.create_process(term_type="xterm-256color", term_size=size,
                                                   encoding=None)
        reader = asyncio.create_task(self._read())
        await self.wait_for(f"User {user[1:]}", 0)
        result.first_render = time.perf_counter() - started
        await all_rendered.wait()
        for n in range(rounds):
            # the header's "›  Section": the footer names sections too
            key_bytes, title = (F3, "›  Contact orders") if n % 2 == 0 else (F2, "›  To-do")
            mark = len(self.output)
            pressed = time.perf_counter()
            self.proc.stdin.write(key_bytes)
            await self.wait_for(title, mark)
            result.round_trips.append(time.perf_counter() - pressed)
        reader.cancel()

    async def _read(self) -> None:
        while data := await self.proc.stdout.read(65536):
            self.output += data
            self.changed.set()

    async def wait_for(self, needle: str, since: int, timeout: float = 120) -> None:
        """Wait until ``needle`` is drawn after byte ``since``."""
        async with asyncio.timeout(timeout):
            while needle not in ANSI.sub(b"", bytes(self.output[since:])).decode("utf-8",
                                                                                  "replace"):
                self.changed.clear()
                await self.changed.wait()

    def close(self) -> None:
        """Disconnect."""
        self.conn.close()


def memory(pid: int) -> tuple[int, int]:
    """RSS and PSS of a process in kB (PSS shares common pages fairly)."""
    rss = pss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    if rollup.exists():
        for line in rollup.read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def children(pid: int) -> dict[str, int]:
    """The server's app processes by CRM user (CRM_TUI_USER in their environment)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if stat[1] == str(pid):
            user = next((e[13:].decode() for e in environ if e.startswith(b"CRM_TUI_USER=")), "")
            found[user] = int(entry.name)
    return found


def summary(label: str, values: list[float], unit: str = "s", scale: float = 1.0) -> str:
    """min / median / max of a column."""
    if not values:
        return f"{label}: -"
    v = sorted(x * scale for x in values)
    return (f"{label}: min {v[0]:.3f} {unit}, median {statistics.median(v):.3f} {unit}, "
            f"max {v[-1]:.3f} {unit}")


async def bench(count: int, rounds: int, size: tuple[int, int]) -> None:
    """Run the benchmark and print the table."""
    with tempfile.TemporaryDirectory(prefix="crm-ssh-bench-") as tmp:
        workdir = Path(tmp)
        url, keys = seed(workdir, count)
        server, port = start_server(url, workdir, count)
        clients = [Client() for _ in keys]
        results = [Result(user) for user in keys]
        try:
            all_rendered = asyncio.Event()
            tasks = [asyncio.create_task(c.run(port, r.user, keys[r.user], size, rounds, r,
                                               all_rendered))
                     for c, r in zip(clients, results, strict=True)]
            started = time.perf_counter()
            while not all(r.first_render for r in results):
                done = [t for t in tasks if t.done() and t.exception()]
                if done:
                    raise done[0].exception()  # type: ignore[misc]
                await asyncio.sleep(0.05)
            everyone = time.perf_counter() - started
            pids = children(server.pid)
            for r in results:
                r.pid = pids.get(r.user, 0)
                r.rss_kb, r.pss_kb = memory(r.pid) if r.pid else (0, 0)
            all_rendered.set()
            await asyncio.gather(*tasks)
            server_rss, _ = memory(server.pid)
        finally:
            for c in clients:
                if hasattr(c, "conn"):
                    c.close()
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    print(f"{count} concurrent sessions at {size[0]}x{size[1]}, {rounds} key round trips each, "
          f"{os.cpu_count()} CPUs")
    print(f"{'user':<6} {'login s':>8} {'render s':>9} {'key ms (median)':>16} "
          f"{'RSS MB':>7} {'PSS MB':>7}")
    for r in results:
        print(f"{r.user:<6} {r.connect:8.3f} {r.first_render:9.3f} "
              f"{statistics.median(r.round_trips) * 1000 if r.round_trips else 0:16.1f} "
              f"{r.rss_kb / 1024:7.1f} {r.pss_kb / 1024:7.1f}")
    print(summary("first render", [r.first_render for r in results]))
    print(f"all {count} rendered after {everyone:.3f} s")
    print(summary("key round trip", [t for r in results for t in r.round_trips], "ms", 1000))
    print(summary("RSS per session", [r.rss_kb / 1024 for r in results], "MB"))
    print(summary("PSS per session", [r.pss_kb / 1024 for r in results], "MB"))
    print(f"server RSS {server_rss / 1024:.1f} MB")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sessions", nargs="?", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=6, help="key presses per session")
    parser.add_argument("--size", default="80x24", help="terminal size, COLSxROWS")
    args = parser.parse_args()
    cols, rows = (int(x) for x in args.size.lower().split("x"))
    asyncio.run(bench(args.sessions, args.rounds, (cols, rows)))


if __name__ == "__main__":
    main()

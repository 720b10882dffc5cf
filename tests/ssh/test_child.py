"""The PTY child: own session and terminal, signals, resizes, bounded output, no orphans."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crm_tui.ssh.child import PtyChild, session_members

PROBE = textwrap.dedent("""
    import json, os, signal, sys
    print(json.dumps({
        "pid": os.getpid(), "sid": os.getsid(0), "pgrp": os.getpgrp(),
        "foreground": os.tcgetpgrp(0), "tty": os.ttyname(0), "same": os.ttyname(1),
        "size": list(os.get_terminal_size(0)), "user": os.environ.get("CRM_TUI_USER"),
        "hup": signal.getsignal(signal.SIGHUP) == signal.SIG_DFL,
        "int": signal.getsignal(signal.SIGINT) == signal.default_int_handler,
    }), flush=True)
""")


class Recorder:
    """Collects a child's output and exit."""

    def __init__(self) -> None:
        self.output = bytearray()
        self.exit_code: int | None = None
        self.event = asyncio.Event()

    def out(self, data: bytes) -> None:
        """on_output."""
        self.output += data
        self.event.set()

    def exited(self, code: int) -> None:
        """on_exit."""
        self.exit_code = code
        self.event.set()

    async def until(self, check: Callable[[], object], timeout: float = 20) -> None:
        """Wait for output or exit until ``check`` holds."""
        async with asyncio.timeout(timeout):
            while not check():
                self.event.clear()
                await self.event.wait()


async def poll(check: Callable[[], object], timeout: float = 10) -> None:
    """Poll ``check`` until it holds (bounded)."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.05)  # polling interval


def spawn(script: str, rec: Recorder, cols: int = 80, rows: int = 24) -> PtyChild:
    """Start ``script`` in a PtyChild."""
    env = {"PATH": os.environ["PATH"], "CRM_TUI_USER": "bob", "LANG": "C.UTF-8"}
    child = PtyChild([sys.executable, "-c", script], env, cols, rows, on_output=rec.out,
                     on_exit=rec.exited)
    child.start()
    return child


@pytest.fixture
def sighup_ignored() -> Iterator[None]:
    """The server ignoring SIGHUP (as under nohup) must not leak into the app."""
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    yield
    signal.signal(signal.SIGHUP, before)


def _report(rec: Recorder) -> dict[str, object]:
    line = next(ln for ln in rec.output.decode().splitlines() if ln.startswith("{"))
    return json.loads(line)


async def test_the_child_leads_its_own_session_on_its_pty(sighup_ignored: None) -> None:
    """setsid, the PTY on 0/1/2 as controlling terminal, foreground group, default signals."""
    rec = Recorder()
    child = spawn(PROBE, rec, cols=100, rows=30)
    await rec.until(lambda: rec.exit_code is not None)
    report = _report(rec)
    assert report["pid"] == report["sid"] == report["pgrp"] == report["foreground"] == child.pid
    assert report["tty"] == report["same"] and str(report["tty"]).startswith("/dev/pts/")
    assert report["size"] == [100, 30]
    assert report["user"] == "bob"
    assert report["hup"] and report["int"]
    assert rec.exit_code == 0


async def test_a_resize_reaches_the_child_as_sigwinch() -> None:
    """TIOCSWINSZ on the master: the app gets SIGWINCH and reads the new size."""
    rec = Recorder()
    child = spawn(textwrap.dedent("""
        import os, signal, sys
        def winch(*_):
            os.write(1, b"size %dx%d\\n" % tuple(os.get_terminal_size(0)))
        signal.signal(signal.SIGWINCH, winch)
        print("ready", flush=True)
        while True:
            signal.pause()
    """), rec)
    await rec.until(lambda: b"ready" in rec.output)
    child.resize(132, 43)
    await rec.until(lambda: b"size 132x43" in rec.output)
    child.terminate()
    assert await child.wait() == -signal.SIGHUP


async def test_terminate_ends_everything_the_child_started(tmp_path: Path) -> None:
    """A grandchild in another process group (same session) is killed too, after the grace."""
    rec = Recorder()
    child = spawn(textwrap.dedent("""
        import os, signal, subprocess, sys, time
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a stubborn app
        grand = subprocess.Popen([sys.executable, "-c",
            "import signal, time; signal.signal(signal.SIGHUP, signal.SIG_IGN); time.sleep(600)"],
            process_group=0)
        print("grandchild", grand.pid, flush=True)
        time.sleep(600)
    """), rec)
    await rec.until(lambda: b"grandchild" in rec.output)
    grand = int(rec.output.decode().split("grandchild", 1)[1].split()[0])
    assert grand in session_members(child.pid)
    child.terminate(grace=0.5)
    assert await asyncio.wait_for(child.wait(), 10) == -signal.SIGKILL

    def gone() -> bool:
        try:
            state = Path(f"/proc/{grand}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        return state == "Z"  # killed; reaped by init

    await poll(gone)
    assert session_members(child.pid) == []


async def test_paused_output_is_not_buffered_the_child_waits() -> None:
    """With output paused, the app blocks on the full PTY; resumed, every byte arrives."""
    rec = Recorder()
    total = 4 * 1024 * 1024
    child = spawn(textwrap.dedent(f"""
        import os, sys
        os.system("stty raw -echo")
        print("ready", flush=True)
        sys.stdin.buffer.read(1)
        block = b"x" * 65536
        for _ in range({total} // 65536):
            os.write(1, block)
        os.write(1, b"DONE")
    """), rec)
    await rec.until(lambda: b"ready" in rec.output)
    child.pause_output()
    before = len(rec.output)
    child.write(b"g")

    def written() -> int:
        return int(next(ln.split()[1] for ln in Path(f"/proc/{child.pid}/io").read_text()
                        .splitlines() if ln.startswith("wchar")))

    async def blocked() -> int:
        """Bytes the app managed to write, once that stops growing."""
        last = -1
        async with asyncio.timeout(20):
            while True:
                now = written()
                if now == last and now > 0:
                    return now
                last = now
                await asyncio.sleep(0.2)  # polling interval while watching a counter

    stuck_at = await blocked()
    assert child.running
    assert len(rec.output) == before, "nothing read while paused"
    assert stuck_at < total // 4, "the app is blocked, not writing into a buffer of ours"
    child.resume_output()
    await rec.until(lambda: rec.exit_code is not None, timeout=30)
    assert rec.output.count(b"x") == total and rec.output.endswith(b"DONE")

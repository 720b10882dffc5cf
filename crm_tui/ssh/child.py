"""One app process on its own pseudo-terminal: spawn, resize, bridge bytes, end it all."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import termios
from collections.abc import Callable
from pathlib import Path

READ_CHUNK = 16_384
MAX_PENDING_INPUT = 64 * 1024
DRAIN_LIMIT = 1024 * 1024
# Reset in the child: an ignored SIGHUP (nohup, systemd) would outlive a closed session.
DEFAULT_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM,
                   signal.SIGPIPE, signal.SIGXFSZ, signal.SIGTSTP, signal.SIGTTIN,
                   signal.SIGTTOU, signal.SIGCHLD)


def set_window_size(fd: int, cols: int, rows: int, px_width: int = 0, px_height: int = 0) -> None:
    """Set a terminal's size; on a PTY master the kernel sends SIGWINCH to the app."""
    size = struct.pack("HHHH", max(1, min(rows, 9999)), max(1, min(cols, 9999)),
                       px_width & 0xFFFF, px_height & 0xFFFF)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, size)


def session_members(sid: int) -> list[int]:
    """Living (not zombie) processes whose session id is ``sid`` (read from /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 3 and fields[3] == str(sid) and fields[0] != "Z":
            members.append(int(entry.name))
    return members


class PtyChild:
    """A child process in a new session with a PTY as its controlling terminal."""

    def __init__(self, argv: list[str], env: dict[str, str], cols: int, rows: int, *,
                 on_output: Callable[[bytes], None], on_exit: Callable[[int], None],
                 on_input_full: Callable[[bool], None] | None = None) -> None:
        self.argv = argv
        self.env = env
        self.cols, self.rows = cols, rows
        self.on_output = on_output
        self.on_exit = on_exit
        self.on_input_full = on_input_full
        self.pid = 0
        self.exit_code: int | None = None
        self._master = -1
        self._pidfd = -1
        self._loop = asyncio.get_running_loop()
        self._paused = False
        self._pending = bytearray()
        self._input_full = False
        self._exited = self._loop.create_future()
        self._kill_timer: asyncio.TimerHandle | None = None
        self._poll_timer: asyncio.TimerHandle | None = None

    @property
    def running(self) -> bool:
        """True until the child has been reaped."""
        return self.pid > 0 and self.exit_code is None

    def start(self) -> int:
        """Spawn the child (setsid, PTY on 0/1/2 as controlling terminal); returns its pid."""
        master, slave = os.openpty()
        try:
            set_window_size(master, self.cols, self.rows)
            tty = os.ttyname(slave)
            # posix_spawn runs setsid() before the file actions, so opening the tty
            # (without O_NOCTTY) as a session leader makes it the controlling terminal.
            self.pid = os.posix_spawn(
                self.argv[0], self.argv, self.env,
                file_actions=[(os.POSIX_SPAWN_OPEN, 0, tty, os.O_RDWR, 0),
                              (os.POSIX_SPAWN_DUP2, 0, 1), (os.POSIX_SPAWN_DUP2, 0, 2)],
                setsid=True, setsigdef=DEFAULT_SIGNALS, setsigmask=())
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self._master = master
        os.set_blocking(master, False)
        self._loop.add_reader(master, self._read)
        self._watch_exit()
        return self.pid

    def _watch_exit(self) -> None:
        try:
            self._pidfd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            self._poll_timer = self._loop.call_later(0.2, self._poll_exit)
            return
        self._loop.add_reader(self._pidfd, self._check_exit)

    def _poll_exit(self) -> None:
        self._check_exit()
        if self.exit_code is None:
            self._poll_timer = self._loop.call_later(0.2, self._poll_exit)

    def _check_exit(self) -> None:
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid:
            self._finish(os.waitstatus_to_exitcode(status))

    # Output: PTY -> client ---------------------------------------------------

    def _read(self) -> None:
        try:
            data = os.read(self._master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:  # EIO: every slave end is closed
            data = b""
        if not data:
            self._loop.remove_reader(self._master)
            return
        self.on_output(data)

    def pause_output(self) -> None:
        """Stop reading the PTY: the app blocks on a full PTY instead of us buffering."""
        if not self._paused and self._master >= 0:
            self._paused = True
            self._loop.remove_reader(self._master)

    def resume_output(self) -> None:
        """Read the PTY again."""
        if self._paused and self._master >= 0:
            self._paused = False
            self._loop.add_reader(self._master, self._read)

    # Input: client -> PTY ----------------------------------------------------

    def write(self, data: bytes) -> None:
        """Queue client bytes for the app; signals on_input_full(True) past a bound."""
        if self._master < 0:
            return
        had_pending = bool(self._pending)
        self._pending += data
        if not had_pending:
            self._flush_input()
        if len(self._pending) > MAX_PENDING_INPUT and not self._input_full:
            self._input_full = True
            if self.on_input_full:
                self.on_input_full(True)

    def _flush_input(self) -> None:
        try:
            while self._pending:
                written = os.write(self._master, self._pending[:READ_CHUNK])
                del self._pending[:written]
        except BlockingIOError:
            pass
        except OSError:
            self._pending.clear()
        if self._pending:
            self._loop.add_writer(self._master, self._flush_input)
            return
        self._loop.remove_writer(self._master)
        if self._input_full:
            self._input_full = False
            if self.on_input_full:
                self.on_input_full(False)

    def resize(self, cols: int, rows: int, px_width: int = 0, px_height: int = 0) -> None:
        """Forward a window size change (the kernel signals SIGWINCH to the app)."""
        self.cols, self.rows = cols, rows
        if self._master >= 0:
            with contextlib.suppress(OSError):
                set_window_size(self._master, cols, rows, px_width, px_height)

    # Ending ------------------------------------------------------------------

    def terminate(self, grace: float = 2.0) -> None:
        """Hang up the app's process group; SIGKILL its whole session after ``grace``."""
        if not self.running:
            return
        for sig in (signal.SIGHUP, signal.SIGCONT):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)
        if self._kill_timer is None:
            self._kill_timer = self._loop.call_later(grace, self._kill_session)

    def _kill_session(self) -> None:
        targets = set(session_members(self.pid))
        if self.running:
            targets.add(self.pid)
        for pid in targets:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    async def wait(self) -> int:
        """Wait until the child has exited and been reaped; returns its exit code."""
        return await asyncio.shield(self._exited)

    def _finish(self, code: int) -> None:
        self.exit_code = code
        if self._pidfd >= 0:
            self._loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = -1
        if self._poll_timer:
            self._poll_timer.cancel()
        if self._kill_timer:
            self._kill_timer.cancel()
        self._drain()
        self._kill_session()  # anything the app started outlives it only until here
        self._close_master()
        if not self._exited.done():
            self._exited.set_result(code)
        self.on_exit(code)

    def _drain(self) -> None:
        if self._master < 0:
            return
        total = 0
        while total < DRAIN_LIMIT:
            try:
                data = os.read(self._master, READ_CHUNK)
            except OSError:
                break
            if not data:
                break
            total += len(data)
            self.on_output(data)

    def _close_master(self) -> None:
        if self._master >= 0:
            self._loop.remove_reader(self._master)
            self._loop.remove_writer(self._master)
            os.close(self._master)
            self._master = -1

"""One SSH session: refuse what is not an interactive terminal, else bridge it to the app."""

from __future__ import annotations

import asyncio
import os
import re

import asyncssh

from crm_tui.ssh.child import PtyChild
from crm_tui.ssh.state import Login, ServerState, log

# What a killed app leaves switched on in the client's terminal. Leaving the app's
# screen (ALT_SCREEN_OFF) only if it is still on: sent again, it also put the cursor back
# where the app had started, and what the app printed last was written over.
ALT_SCREEN_ON, ALT_SCREEN_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
TERMINAL_RESET = (b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l"
                  b"\x1b[?2004l\x1b[?1004l\x1b[?25h\x1b[0m\r\n")
_TERM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
_PASSED_ENV = ("PATH", "HOME", "TZ", "CRM_TUI_CONFIG", "CRM_TUI_DATA_DIR", "PYTHONPATH",
               "VIRTUAL_ENV", "XDG_CONFIG_HOME", "XDG_DATA_HOME")


def app_environment(database_url: str, username: str, term: str) -> dict[str, str]:
    """The app's whole environment: nothing from the client except a checked TERM."""
    env = {k: os.environ[k] for k in _PASSED_ENV if os.environ.get(k)}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    lang = os.environ.get("LANG", "")
    env["LANG"] = lang if "utf" in lang.lower() else "C.UTF-8"
    env["TERM"] = term if _TERM.match(term or "") else "xterm-256color"
    env["CRM_TUI_USER"] = username
    env["CRM_TUI_DATABASE_URL"] = database_url  # not on the command line: ps shows that
    return env


class AppSession(asyncssh.SSHServerSession[bytes]):
    """A session channel: a PTY shell runs the app as the key's user; all else is refused."""

    def __init__(self, state: ServerState, login: Login) -> None:
        self.state = state
        self.login = login
        self.chan: asyncssh.SSHServerChannel[bytes] | None = None
        self.term: str | None = None
        self.size = (80, 24)
        self.kind = ""
        self.detail = ""
        self.child: PtyChild | None = None
        self._counted = False
        self._closed = False
        self._ending = ""
        self._loop = asyncio.get_running_loop()
        self._last_input = self._loop.time()
        self._idle_timer: asyncio.TimerHandle | None = None
        self._alt_screen = False  # the app's own screen is on (see ALT_SCREEN_OFF)
        self._tail = b""  # the end of the last output read

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        """Keep the channel."""
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int],
                      term_modes: dict[int, int]) -> bool:
        """Accept a PTY; remember its type and size."""
        self.term = term_type
        self.size = (term_size[0] or 80, term_size[1] or 24)
        return True

    def shell_requested(self) -> bool:
        """Accepted here; refused in session_started if there is no PTY."""
        self.kind = "shell"
        return True

    def exec_requested(self, command: str) -> bool:
        """Accepted only to be refused with a reason."""
        self.kind, self.detail = "exec", command[:60]
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        """Accepted only to be refused with a reason."""
        self.kind, self.detail = "subsystem", subsystem[:40]
        return True

    def _refusal(self) -> str | None:
        if self.kind == "exec":
            return "commands are not accepted here; connect without one (ssh -t HOST)"
        if self.kind == "subsystem":
            return f"the subsystem '{self.detail}' is not available here"
        if self.term is None:
            return "this is an interactive app and needs a terminal; connect with ssh -t"
        return None

    def session_started(self) -> None:
        """Start the app on a PTY, or refuse with one line on stderr and exit status 1."""
        reason = self._refusal() or self.state.reserve(self.login)
        if reason:
            self._refuse(reason)
            return
        self._counted = True
        cols, rows = self.size
        child = PtyChild(self.state.options.argv(),
                         app_environment(self.state.options.database_url, self.login.username,
                                         self.term or ""),
                         cols, rows, on_output=self._output, on_exit=self._exited,
                         on_input_full=self._input_full)
        try:
            child.start()
        except OSError as exc:
            log.error("cannot start the app for %s: %s", self.login.username, exc)
            self._release()
            self._refuse("the app could not be started; see the server log")
            return
        self.child = child
        self.state.children.add(child)
        self.state.open_sessions.add(self)
        log.info("session user=%s pid=%d term=%s size=%dx%d from=%s", self.login.username,
                 child.pid, self.term, cols, rows, self.login.address)
        self._schedule_idle_check()

    def _refuse(self, reason: str) -> None:
        self.state.record("refused", self.login.username, self.login.fingerprint,
                          self.login.address, request=self.kind or "session", detail=self.detail,
                          reason=reason)
        if self.chan is not None and not self.chan.is_closing():
            self.chan.write_stderr(f"crm-tui: {reason}\r\n".encode())
            self.chan.exit(1)

    # Bridging ----------------------------------------------------------------

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        """Keystrokes go to the app."""
        self._last_input = self._loop.time()
        if self.child is not None:
            self.child.write(data)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int,
                              pixheight: int) -> None:
        """The client's window changed: resize the PTY (the app gets SIGWINCH)."""
        self._last_input = self._loop.time()
        self.size = (width or 80, height or 24)
        if self.child is not None:
            self.child.resize(*self.size, pixwidth, pixheight)

    def _output(self, data: bytes) -> None:
        seen = self._tail + data  # a switch split across two reads is still seen
        on, off = seen.rfind(ALT_SCREEN_ON), seen.rfind(ALT_SCREEN_OFF)
        if on != off:
            self._alt_screen = on > off
        self._tail = data[-(len(ALT_SCREEN_ON) - 1):]
        if self.chan is not None and not self.chan.is_closing():
            self.chan.write(data)

    def pause_writing(self) -> None:
        """The client is not keeping up: stop reading the app's output."""
        log.debug("output paused user=%s from=%s", self.login.username, self.login.address)
        if self.child is not None:
            self.child.pause_output()

    def resume_writing(self) -> None:
        """The client caught up."""
        if self.child is not None:
            self.child.resume_output()

    def _input_full(self, full: bool) -> None:
        if self.chan is not None and not self.chan.is_closing():
            if full:
                self.chan.pause_reading()
            else:
                self.chan.resume_reading()

    def break_received(self, msec: int) -> bool:
        """Breaks are not passed on."""
        return False

    def signal_received(self, signal: str) -> None:
        """Signals from the client are ignored: the app decides what keys do."""

    # Ending ------------------------------------------------------------------

    def _schedule_idle_check(self) -> None:
        idle = self.state.options.idle_timeout
        if idle > 0:
            self._idle_timer = self._loop.call_later(min(idle, 30.0), self._check_idle)

    def _check_idle(self) -> None:
        idle = self.state.options.idle_timeout
        quiet = self._loop.time() - self._last_input
        if quiet < idle:
            self._idle_timer = self._loop.call_later(min(idle - quiet, 30.0), self._check_idle)
            return
        minutes = idle / 60
        self._ending = f"no input for {minutes:g} minute{'' if minutes == 1 else 's'}"
        if self.child is not None:
            self.child.terminate()

    def eof_received(self) -> bool:
        """The client closed its input: end the app."""
        self._end("client sent EOF")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """The channel closed (client gone, or we ended it): end the app and its children."""
        self._closed = True
        self._end("client closed the session")
        if self.child is None:
            self._release()

    def end(self, why: str) -> None:
        """End the app; the client is told ``why`` and gets its terminal back."""
        self._end(why)

    def _end(self, why: str) -> None:
        self._ending = self._ending or why
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        if self.child is not None:
            self.child.terminate()

    def _exited(self, code: int) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._release()
        if self.child is not None:
            self.state.children.discard(self.child)
        self.state.open_sessions.discard(self)
        why = self._ending or f"app exited with status {code}"
        log.info("session end user=%s pid=%d: %s", self.login.username,
                 self.child.pid if self.child else 0, why)
        if self.chan is None or self.chan.is_closing():
            return
        if code != 0 or self._ending:  # ended from outside: the app may not have
            # restored the terminal
            self.chan.write((ALT_SCREEN_OFF if self._alt_screen else b"") + TERMINAL_RESET)
        if self._ending:
            self.chan.write(f"crm-tui: session closed: {self._ending}\r\n".encode())
        self.chan.exit(code if 0 <= code < 256 else 128 + abs(code) % 128)

    def _release(self) -> None:
        if self._counted:
            self._counted = False
            self.state.release(self.login)

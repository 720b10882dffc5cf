"""The asyncssh server: host key, key-only login as a CRM user, limits, start and stop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncssh

from crm_tui.domain.errors import CrmError
from crm_tui.services import ssh_keys
from crm_tui.ssh.session import AppSession
from crm_tui.ssh.state import Login, ServeOptions, ServerState, log

SHUTDOWN_GRACE = 5.0


class HostKeyError(CrmError):
    """The host key file cannot be read or written."""


class ListenError(CrmError):
    """The server cannot listen on the address asked for."""


def load_or_create_host_key(path: Path) -> asyncssh.SSHKey:
    """Read the host key; on first start generate an Ed25519 key and keep it (mode 600)."""
    if path.exists():
        try:
            return asyncssh.read_private_key(path)
        except (OSError, asyncssh.KeyImportError, ValueError) as exc:
            raise HostKeyError(f"Cannot read the host key {path}: {exc}") from None
    key = asyncssh.generate_private_key("ssh-ed25519", comment="crm-tui host key")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.export_private_key("openssh"))
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise HostKeyError(f"Cannot write the host key {path}: {exc}") from None
    return key


class CrmSshServer(asyncssh.SSHServer):
    """One connection: the offered key decides the CRM user; only PTY shells get the app."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self.ssh_user = ""
        self.login: Login | None = None
        self._owners: dict[str, ssh_keys.KeyOwner | None] = {}
        self._accepted: tuple[ssh_keys.KeyOwner, str] | None = None
        self._failures = 0
        self._denied: list[str] = []
        self._started = time.monotonic()

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        """Note the peer; refuse beyond the limit of connections not yet logged in."""
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.address = f"{peer[0]}:{peer[1]}"
        waiting = sum(1 for s in self.state.connections if s.login is None)
        self.state.connections.add(self)
        log.info("connect from=%s", self.address)
        if waiting >= self.state.options.max_startups:
            log.warning("refused from=%s: %d connections waiting to log in", self.address,
                        waiting)
            self._disconnect(asyncssh.DISC_TOO_MANY_CONNECTIONS, "Too many connections")
            return
        # Agent and X11 forwarding are off; these hooks only make the refusal visible.
        conn.create_agent_listener = self._refuse_agent  # type: ignore[method-assign]
        conn.attach_x11_listener = self._refuse_x11  # type: ignore[method-assign]

    def connection_lost(self, exc: Exception | None) -> None:
        """Log and record the disconnect (or the failed login)."""
        self.state.connections.discard(self)
        if self.login is not None:
            self.state.record("logout", self.login.username, self.login.fingerprint,
                              self.address, seconds=round(time.monotonic() - self._started),
                              error=str(exc) if exc else None)
        elif self.ssh_user or self._denied:
            self.state.record("denied", None, ",".join(self._denied[:6]) or None, self.address,
                              ssh_user=self.ssh_user, reason=self._denial_reason(exc))
        else:
            log.info("disconnect from=%s before login", self.address)

    def _denial_reason(self, exc: Exception | None) -> str:
        if self._failures >= self.state.options.max_auth_tries:
            return "too many failed keys"
        if self._denied:
            return "unknown or deactivated key"
        return str(exc) if exc else "no key offered"

    def _disconnect(self, code: int, reason: str) -> None:
        conn = self.conn
        if conn is not None:
            asyncio.get_running_loop().call_soon(conn.disconnect, code, reason)

    async def _refuse_agent(self) -> bool:
        self._refused("agent-forwarding", "agent forwarding is not allowed")
        return False

    async def _refuse_x11(self, *args: Any) -> None:
        self._refused("x11-forwarding", "X11 forwarding is not allowed")

    def _refused(self, request: str, reason: str) -> None:
        login = self.login
        self.state.record("refused", login.username if login else None,
                          login.fingerprint if login else None, self.address,
                          request=request, reason=reason)

    # Authentication: public keys only -----------------------------------------

    def begin_auth(self, username: str) -> bool:
        """Any SSH user name is accepted; the key decides who you are."""
        self.ssh_user = username[:64]
        return True

    def password_auth_supported(self) -> bool:
        """Never."""
        return False

    def kbdint_auth_supported(self) -> bool:
        """Never."""
        return False

    def host_based_auth_supported(self) -> bool:
        """Never."""
        return False

    def public_key_auth_supported(self) -> bool:
        """The only way in."""
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """True for a key of an active CRM user; too many failures end the connection."""
        fingerprint = key.get_fingerprint("sha256")
        if fingerprint not in self._owners:
            try:
                owner = await asyncio.to_thread(ssh_keys.find_user_by_key, key.public_data)
            except Exception as exc:  # noqa: BLE001 - a database error denies, never crashes
                log.error("key lookup failed from=%s: %s", self.address, exc)
                owner = None
            self._owners[fingerprint] = owner
        owner = self._owners[fingerprint]
        if owner is not None and owner.active:
            self._accepted = (owner, fingerprint)
            return True
        self._failures += 1
        if fingerprint not in self._denied:
            self._denied.append(fingerprint)
        log.info("key denied from=%s key=%s: %s", self.address, fingerprint,
                 f"user {owner.username} is deactivated" if owner else "unknown key")
        if self._failures >= self.state.options.max_auth_tries:
            self._disconnect(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE,
                             "Too many authentication failures")
        return False

    def auth_completed(self) -> None:
        """Logged in: remember and record who."""
        assert self._accepted is not None
        owner, fingerprint = self._accepted
        self.login = Login(username=owner.username, display_name=owner.display_name,
                           fingerprint=fingerprint, address=self.address,
                           ssh_user=self.ssh_user)
        self.state.record("login", owner.username, fingerprint, self.address,
                          ssh_user=self.ssh_user)

    # Channels ----------------------------------------------------------------

    def session_requested(self) -> AppSession | bool:
        """A session channel; what it may run is decided when it starts."""
        if self.login is None:
            return False
        return AppSession(self.state, self.login)

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str,
                             orig_port: int) -> bool:
        """Local port forwarding (ssh -L) is refused."""
        self._refused("port-forwarding", "port forwarding is not allowed")
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED,
                                        "Port forwarding is not allowed on this server")

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        """Remote port forwarding (ssh -R) is refused."""
        self._refused("remote-forwarding", "remote port forwarding is not allowed")
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        """UNIX socket forwarding is refused."""
        self._refused("socket-forwarding", "socket forwarding is not allowed")
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED,
                                        "Socket forwarding is not allowed on this server")

    def unix_server_requested(self, listen_path: str) -> bool:
        """Remote UNIX socket forwarding is refused."""
        self._refused("socket-forwarding", "socket forwarding is not allowed")
        return False


async def serve(options: ServeOptions, announce: Callable[[str], None] = print,
                stop: asyncio.Event | None = None) -> None:
    """Run the server until SIGTERM/SIGINT (or ``stop``); then end every session."""
    host_key = load_or_create_host_key(options.host_key)
    state = ServerState(options)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    try:
        acceptor = await asyncssh.create_server(
            lambda: CrmSshServer(state), options.host, options.port,
            server_host_keys=[host_key], encoding=None, line_editor=False, allow_pty=True,
            agent_forwarding=False, x11_forwarding=False, allow_scp=False,
            password_auth=False, kbdint_auth=False, public_key_auth=True, gss_host=None,
            login_timeout=options.login_timeout, keepalive_interval=30,
            keepalive_count_max=3, server_version="crm-tui")
    except OSError as exc:
        raise ListenError(f"Cannot listen on {options.host}:{options.port}: "
                          f"{exc.strerror or exc}") from None
    port = acceptor.get_port()
    announce(f"Host key {options.host_key} ({host_key.get_fingerprint('sha256')})")
    announce(f"Listening on {options.host}:{port}")
    checker = asyncio.ensure_future(_end_sessions_of_removed_keys(state, stop))
    try:
        await stop.wait()
    finally:
        checker.cancel()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        acceptor.close()
        await _shutdown(state)
        await acceptor.wait_closed()
        announce("Stopped")


async def _shutdown(state: ServerState) -> None:
    """End every app first, so each client is told why and gets its terminal back (cut
    off first, they were left in the app's screen with the mouse on and no cursor);
    then close every connection; wait (bounded) until every app process is gone."""
    for session in list(state.open_sessions):
        session.end("the server is shutting down")
    children = list(state.children)
    for child in children:
        child.terminate()
    if children:
        await asyncio.wait([asyncio.ensure_future(c.wait()) for c in children],
                           timeout=SHUTDOWN_GRACE)
    for server in list(state.connections):
        if server.conn is not None:
            server.conn.disconnect(asyncssh.DISC_BY_APPLICATION, "Server shutting down")
    await state.flush()


async def _end_sessions_of_removed_keys(state: ServerState, stop: asyncio.Event) -> None:
    """Every ``key_check`` seconds, end the sessions whose key was removed: the key of
    a lost phone, removed, left its sessions open."""
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), state.options.key_check)
            return
        except TimeoutError:
            pass
        sessions = list(state.open_sessions)
        logins = {(s.login.username, s.login.fingerprint) for s in sessions}
        try:
            valid = await asyncio.to_thread(ssh_keys.still_valid, logins)
        except Exception as exc:  # noqa: BLE001 - a database error ends nobody's session
            log.error("key check failed: %s", exc)
            continue
        for session in sessions:
            if (session.login.username, session.login.fingerprint) not in valid:
                session.end("the SSH key of this session was removed")

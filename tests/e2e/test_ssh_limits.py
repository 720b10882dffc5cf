"""Limits with asyncssh clients asking for a PTY: counts, idle, a stalled client, 20 at once."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

import asyncssh

from crm_tui.db.database import close_database
from crm_tui.services import setup, ssh_keys, users
from tests.e2e.conftest import TECHS, SshWorld
from tests.e2e.helpers import F2, F3, AppClient, SshServer, processes_with_env, wait_until


async def test_sessions_per_user_and_in_total_are_limited(
        ssh_world: SshWorld, start_server: Callable[..., SshServer]) -> None:
    """--max-per-user 1 --max-sessions 2: the extra sessions get one line and exit 1."""
    server = start_server("--max-per-user", "1", "--max-sessions", "2")
    bob = await AppClient.open(server.port, ssh_world.keys["bob"])
    await bob.wait_for("Bob Field")
    second = await AppClient.open(server.port, ssh_world.keys["bob"])
    assert await second.finished() == 1
    assert "crm-tui: bob already has 1 session open; close one first" in second.text()
    anna = await AppClient.open(server.port, ssh_world.keys["anna"])
    await anna.wait_for("Anna Berg")
    third = await AppClient.open(server.port, ssh_world.keys["t01"])
    assert await third.finished() == 1
    assert "the server is full (2 sessions)" in third.text()
    await bob.close()
    # Bob's place is given back when his app has exited, a moment after his client left
    # (the reconnect raced it: "server is full"): wait for the server's word on that.
    wait_until(lambda: "session end user=bob" in server.log(), 10, "bob's session to end")
    again = await AppClient.open(server.port, ssh_world.keys["bob"])  # the count was released
    await again.wait_for("Bob Field")
    for client in (second, third, anna, again):
        await client.close()


async def test_the_idle_timeout_ends_the_session(ssh_world: SshWorld,
                                                 start_server: Callable[..., SshServer]) -> None:
    """No input for the idle timeout: the app is ended and the client told why."""
    server = start_server("--idle-timeout", "0.04")  # 2.4 s
    client = await AppClient.open(server.port, ssh_world.keys["bob"])
    await client.wait_for("Bob Field")
    pids = wait_until(server.children, 10, "the app process")
    status = await client.finished(timeout=30)
    assert status not in (None, 0)
    assert "crm-tui: session closed: no input for 0.04 minutes" in client.text()
    assert "\x1b[?1049l" in client.output.decode("utf-8", "replace")  # terminal restored
    wait_until(lambda: not set(server.children()) & set(pids), 10, "the app to end")
    await client.close()


class _Stalled(asyncssh.SSHClientSession[bytes]):
    """A client that never reads what it is sent."""

    def connection_made(self, chan: asyncssh.SSHClientChannel[bytes]) -> None:
        """Stop reading at once: the server's window to us never reopens."""
        chan.pause_reading()


async def test_a_client_that_stops_reading_does_not_starve_the_others(
        ssh_world: SshWorld, ssh_server: SshServer) -> None:
    """A tiny window and no reading: its app blocks on the PTY, everyone else stays quick."""
    conn = await asyncssh.connect("127.0.0.1", ssh_server.port, username="tech",
                                  client_keys=[ssh_world.keys["t19"]], known_hosts=None,
                                  agent_path=None, config=None)
    chan, _ = await conn.create_session(_Stalled, term_type="xterm-256color",
                                        term_size=(200, 60), window=1024, encoding=None)
    for n in range(60):  # each resize makes the app repaint the whole screen
        chan.change_terminal_size(120 + n % 80, 40 + n % 20)
    bob = await AppClient.open(ssh_server.port, ssh_world.keys["bob"])
    await bob.wait_for("Bob Field")
    for _ in range(5):
        started = time.monotonic()
        await bob.wait_for("›  Contact orders", since=bob.press(F3), timeout=10)
        assert time.monotonic() - started < 3
        await bob.wait_for("›  To-do", since=bob.press(F2), timeout=10)  # header, not footer
    await bob.close()
    conn.close()
    await conn.wait_closed()


async def test_twenty_sessions_at_once_all_render_and_answer_a_key(
        ssh_world: SshWorld, ssh_server: SshServer) -> None:
    """20 technicians log in together on this small machine; each sees its header and F3."""

    async def session(user: str) -> AppClient:
        client = await AppClient.open(ssh_server.port, ssh_world.keys[user])
        await client.wait_for(f"Tech {user[1:]}", timeout=90)
        await client.wait_for("Contact orders", since=client.press(F3), timeout=60)
        return client

    clients = await asyncio.gather(*(session(user) for user in TECHS))
    running = processes_with_env(ssh_world.marker)
    assert len(running) >= len(TECHS)
    await asyncio.gather(*(c.close() for c in clients))
    wait_until(lambda: len(ssh_server.children()) == 0, 20, "every app to end")


async def test_stopping_the_server_ends_every_session(
        ssh_world: SshWorld, start_server: Callable[..., SshServer]) -> None:
    """SIGTERM to the server: sessions are closed and no app process is left behind."""
    server = start_server()
    clients = [await AppClient.open(server.port, ssh_world.keys[u]) for u in ("bob", "anna")]
    for client, name in zip(clients, ("Bob Field", "Anna Berg"), strict=True):
        await client.wait_for(name)
    pids = server.children()
    assert len(pids) == 2
    assert await asyncio.to_thread(server.stop) == 0
    for client in clients:
        await client.finished()
        # told why, with the terminal given back (it was cut off inside the app's screen)
        assert "crm-tui: session closed: the server is shutting down" in client.text()
        assert "\x1b[?1049l" in client.output.decode("utf-8", "replace")
        await client.close()
    wait_until(lambda: not any(p in processes_with_env(ssh_world.marker) for p in pids), 10,
               "the apps to end")


async def test_removing_a_key_ends_the_sessions_opened_with_it(
        ssh_world: SshWorld, start_server: Callable[..., SshServer]) -> None:
    """The key of a lost phone, removed, left its sessions open until the idle timeout;
    the others' go on."""
    spare = ssh_world.new_key("anna_phone")
    setup.open_database(ssh_world.url)
    try:
        eva = users.get_actor("eva")
        added = ssh_keys.add_key(eva, "anna", spare.with_suffix(".pub").read_text())
    finally:
        close_database()
    server = start_server("--key-check", "0.3")
    phone = await AppClient.open(server.port, ssh_world.keys["anna_phone"])
    desk = await AppClient.open(server.port, ssh_world.keys["anna"])
    for client in (phone, desk):
        await client.wait_for("Anna Berg")
    setup.open_database(ssh_world.url)
    try:
        ssh_keys.remove_key(users.get_actor("eva"), "anna", added.fingerprint)
    finally:
        close_database()
    status = await phone.finished(timeout=30)
    assert status not in (None, 0)
    assert "crm-tui: session closed: the SSH key of this session was removed" in phone.text()
    assert "\x1b[?1049l" in phone.output.decode("utf-8", "replace")
    assert desk._reader is not None and not desk._reader.done()  # still open
    for client in (phone, desk):
        await client.close()


def test_the_host_key_is_created_once_and_kept(ssh_world: SshWorld,
                                               start_server: Callable[..., SshServer]) -> None:
    """First start writes the key (mode 600); the next start shows the same fingerprint."""
    path = ssh_world.dir / "keys" / "new_host_key"
    first = start_server(host_key=path)
    assert path.stat().st_mode & 0o777 == 0o600
    fingerprint = first.banner[0]
    assert fingerprint.startswith(f"Host key {path} (SHA256:")
    first.stop()
    assert start_server(host_key=path).banner[0] == fingerprint


def test_connections_that_never_log_in_are_capped(ssh_world: SshWorld,
                                                  start_server: Callable[..., SshServer]) -> None:
    """32 silent TCP connections hold their places; the 33rd is turned away at once."""
    server = start_server()
    silent = [socket.create_connection(("127.0.0.1", server.port), timeout=10)
              for _ in range(32)]
    try:
        wait_until(lambda: server.log().count("connect from=") >= 32, 10, "32 connections")
        extra = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        received = b""
        while chunk := extra.recv(4096):  # ends when the server closes it
            received += chunk
        extra.close()
        assert received.startswith(b"SSH-2.0-crm-tui")
        assert "32 connections waiting to log in" in server.log()
    finally:
        for sock in silent:
            sock.close()


async def test_a_deactivated_users_session_ends_with_a_short_message(
        ssh_world: SshWorld, start_server: Callable[..., SshServer]) -> None:
    """The app tells why it ended once its screen is left, in short lines: printed on
    its screen, the words went with it, and the server leaving that screen again put
    the cursor back up, where ssh's "Connection ... closed." covered them."""
    server = start_server()
    client = await AppClient.open(server.port, ssh_world.keys["anna"], size=(60, 20))
    await client.wait_for("Anna Berg")
    setup.open_database(ssh_world.url)
    try:
        users.set_active(users.get_actor("eva"), "anna", False)
    finally:
        close_database()
    try:
        status = await client.finished(timeout=30)
    finally:  # anna again, for the other tests of the run
        setup.open_database(ssh_world.url)
        try:
            users.set_active(users.get_actor("eva"), "anna", True)
        finally:
            close_database()
    assert status not in (None, 0)
    text = client.text()
    assert "Your account was deactivated: the session ended." in text
    assert "Ask an admin if this is a mistake." in text
    # after the app's screen is left (printed on it, it went with the screen), and
    # not followed by leaving it again: that put the cursor back up, and the next
    # words (ssh's "Connection ... closed.") were written over these
    output = client.output.decode("utf-8", "replace")
    assert output.count("\x1b[?1049l") == 1
    assert output.index("\x1b[?1049l") < output.index("Your account was deactivated")
    await client.close()

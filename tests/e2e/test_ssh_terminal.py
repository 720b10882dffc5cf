"""Journey 2 over SSH with the real OpenSSH client in a tmux window: render, keys, resize, kill."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

from tests.e2e.conftest import ORGANISATION, SUBJECT_BOB, SUBJECT_OTHER, SshWorld
from tests.e2e.helpers import SshServer, Tmux, proc_stat, processes_with_env, wait_until


def _header(screen: str) -> str:
    return screen.splitlines()[0] if screen else ""


def _new_child(server: SshServer, before: set[int]) -> int:
    found = wait_until(lambda: set(server.children()) - before, 20, "the session's app process")
    assert len(found) == 1, found
    return found.pop()


def test_the_key_decides_the_user_and_view_assigned_sees_only_assigned_orders(
        ssh_world: SshWorld, ssh_server: SshServer, terminal: Callable[..., Tmux]) -> None:
    """Bob's key opens the app as Bob; F3 lists his order and not the other one."""
    before = set(ssh_server.children())
    bob = terminal(ssh_server, "bob")
    screen = bob.wait_for(lambda s: "Bob Field" in _header(s) and ORGANISATION in _header(s),
                          "the header with the organisation and Bob's name")
    assert "Anna" not in _header(screen)
    child = _new_child(ssh_server, before)
    stat = proc_stat(child)
    assert stat is not None and stat[2] == stat[3] == str(child), "own session and group"
    assert int(stat[4]) != 0 and stat[5] == str(child), "the PTY is its controlling terminal"
    bob.send("F3")
    screen = bob.wait_for(lambda s: "Contact orders" in _header(s) and SUBJECT_BOB in s,
                          "Bob's order in the contact-order list")
    assert SUBJECT_OTHER not in screen


def test_a_view_user_sees_every_order(ssh_world: SshWorld, ssh_server: SshServer,
                                      terminal: Callable[..., Tmux]) -> None:
    """Anna (view) sees both orders: the list above was filtered, not broken."""
    anna = terminal(ssh_server, "anna")
    anna.wait_for(lambda s: "Anna Berg" in _header(s), "Anna's header")
    anna.send("F3")
    anna.wait_for(lambda s: SUBJECT_BOB in s and SUBJECT_OTHER in s, "both orders")


def test_resizing_the_window_reflows_the_app(ssh_world: SshWorld, ssh_server: SshServer,
                                             terminal: Callable[..., Tmux]) -> None:
    """The client's window size reaches the app, which redraws at the new width."""
    bob = terminal(ssh_server, "bob")
    bob.wait_for(lambda s: "Bob Field" in _header(s), "the header")
    assert len(_header(bob.screen()).rstrip()) <= 80
    bob.resize(120, 30)
    screen = bob.wait_for(lambda s: "Bob Field" in _header(s) and len(_header(s).rstrip()) > 100,
                          "the header at 120 columns")
    assert len(screen.splitlines()) == 30
    bob.resize(60, 20)
    bob.wait_for(lambda s: 50 < len(_header(s).rstrip()) <= 60 and "Bob Field" in _header(s),
                 "the header at 60 columns")


def test_killing_the_client_ends_its_app_and_everything_in_its_session(
        ssh_world: SshWorld, ssh_server: SshServer, terminal: Callable[..., Tmux]) -> None:
    """SIGKILL on the ssh client: the server notices and the app process group is gone."""
    before = set(ssh_server.children())
    bob = terminal(ssh_server, "bob")
    bob.wait_for(lambda s: "Bob Field" in _header(s), "the header")
    child = _new_child(ssh_server, before)
    os.kill(bob.pane_pid(), signal.SIGKILL)
    wait_until(lambda: child not in ssh_server.children(), 5, "the app to end")
    in_session = [pid for pid in processes_with_env(ssh_world.marker)
                  if (proc_stat(pid) or ["", "", "", ""])[3] == str(child)]
    assert in_session == []
    assert "client closed the session" in wait_until(
        lambda: (log := ssh_server.log()) and f"pid={child}:" in log and log, 5, "the log line")

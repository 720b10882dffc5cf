"""Who gets in and what is refused, with the real OpenSSH client; all of it audited."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import asyncssh
import pytest

from tests.e2e.conftest import SshWorld
from tests.e2e.helpers import (
    SshServer,
    need_tool,
    processes_with_env,
    run_ssh,
    ssh_argv,
    wait_until,
)


@pytest.fixture(autouse=True)
def _openssh() -> None:
    need_tool("ssh")


def _no_app_running(server: SshServer, world: SshWorld) -> None:
    wait_until(lambda: not server.children(), 10, "no session running")
    assert processes_with_env(world.marker) == []


def _events(world: SshWorld, action: str,
            where: Callable[[dict[str, str]], bool] = lambda _: True) -> list[dict[str, str]]:
    """Audit events of ``action`` that match ``where``, once there is one (written async)."""

    def found() -> list[dict[str, str]]:
        rows = [json.loads(e.after) | {"actor": e.actor} for e in world.audit(action)]
        return [r for r in rows if where(r)]

    return wait_until(found, 10, f"a matching '{action}' audit event")


def test_an_unknown_key_is_denied_and_only_keys_are_offered(ssh_world: SshWorld,
                                                             ssh_server: SshServer) -> None:
    """A stranger's key gets 'Permission denied (publickey)': no password, no keyboard login."""
    done = run_ssh(ssh_server.port, ssh_world.key_files["stranger"], "-tt")
    assert done.returncode == 255
    assert "Permission denied (publickey)." in done.stderr
    fingerprint = ssh_world.keys["stranger"].get_fingerprint("sha256")
    denied = _events(ssh_world, "ssh.denied", lambda e: e["fingerprint"] == fingerprint)
    assert denied[0]["address"].startswith("127.0.0.1:")
    assert denied[0]["actor"] == ""
    _no_app_running(ssh_server, ssh_world)


def test_a_deactivated_users_key_is_denied(ssh_world: SshWorld, ssh_server: SshServer) -> None:
    """Carol is deactivated: her key no longer opens anything."""
    done = run_ssh(ssh_server.port, ssh_world.key_files["carol"], "-tt")
    assert done.returncode == 255
    assert "Permission denied" in done.stderr
    _no_app_running(ssh_server, ssh_world)


@pytest.mark.parametrize(("extra", "command", "reason"), [
    (["-T"], (), "crm-tui: this is an interactive app and needs a terminal; connect with ssh -t"),
    ([], ("id",), "crm-tui: commands are not accepted here; connect without one (ssh -t HOST)"),
    (["-tt"], ("id",), "crm-tui: commands are not accepted here"),
    (["-s"], ("sftp",), "crm-tui: the subsystem 'sftp' is not available here"),
], ids=["no-pty", "exec", "exec-with-pty", "subsystem"])
def test_sessions_that_are_not_a_terminal_are_refused_with_one_line(
        ssh_world: SshWorld, ssh_server: SshServer, extra: list[str], command: tuple[str, ...],
        reason: str) -> None:
    """`ssh -T`, `ssh host id`, subsystems: one line on stderr, exit 1, no process left."""
    done = run_ssh(ssh_server.port, ssh_world.key_files["bob"], *extra, command=command)
    assert done.returncode == 1, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("crm-tui:")]
    assert len(lines) == 1 and lines[0].startswith(reason), done.stderr
    assert done.stdout.strip() == ""
    _no_app_running(ssh_server, ssh_world)


def test_port_forwarding_is_refused(ssh_world: SshWorld, ssh_server: SshServer) -> None:
    """-W (like -L) opens a direct-tcpip channel: refused, and recorded."""
    done = run_ssh(ssh_server.port, ssh_world.key_files["bob"],
                   "-W", f"127.0.0.1:{ssh_server.port}")
    assert done.returncode == 255
    assert "stdio forwarding failed" in done.stderr
    refused = _events(ssh_world, "ssh.refused", lambda e: e.get("request") == "port-forwarding")
    assert refused[0]["actor"] == "bob"
    _no_app_running(ssh_server, ssh_world)


def test_remote_forwarding_is_refused(ssh_world: SshWorld, ssh_server: SshServer) -> None:
    """-R is refused; ExitOnForwardFailure makes the client give up."""
    done = run_ssh(ssh_server.port, ssh_world.key_files["bob"], "-N", "-o",
                   "ExitOnForwardFailure=yes", "-R", "127.0.0.1:0:127.0.0.1:9")
    assert done.returncode == 255
    assert "remote port forwarding failed" in done.stderr.lower()


def test_too_many_failed_keys_end_the_connection(
        ssh_world: SshWorld, start_server: Callable[..., SshServer]) -> None:
    """With --max-auth-tries 2, two unknown keys drop the connection before Bob's key."""
    server = start_server("--max-auth-tries", "2")
    strangers = [ssh_world.new_key(f"stranger{n}") for n in (1, 2)]
    argv = ssh_argv(server.port, strangers[0], "-i", str(strangers[1]), "-i",
                    str(ssh_world.key_files["bob"]), "-tt")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 255
    assert not server.children()
    log = wait_until(lambda: "too many failed keys" in server.log() and server.log(), 10,
                     "the denial in the log")
    assert "login user=bob" not in log


def test_logins_and_logouts_are_logged_and_audited(ssh_world: SshWorld,
                                                   ssh_server: SshServer) -> None:
    """Who, which key, from where: in the server log and in the audit trail."""
    run_ssh(ssh_server.port, ssh_world.key_files["anna"], "-T")
    fingerprint = ssh_world.keys["anna"].get_fingerprint("sha256")
    login = _events(ssh_world, "ssh.login", lambda e: e["actor"] == "anna")
    assert login[0]["fingerprint"] == fingerprint
    assert login[0]["ssh_user"] == "tech"
    _events(ssh_world, "ssh.logout", lambda e: e["actor"] == "anna")
    log = ssh_server.log()
    assert f"login user=anna key={fingerprint} from=127.0.0.1:" in log
    assert f"logout user=anna key={fingerprint} from=127.0.0.1:" in log


async def test_port_forwarding_refusal_gives_the_reason(ssh_world: SshWorld,
                                                        ssh_server: SshServer) -> None:
    """The channel-open failure carries a readable reason."""
    conn = await asyncssh.connect("127.0.0.1", ssh_server.port, username="tech",
                                  client_keys=[ssh_world.keys["bob"]], known_hosts=None,
                                  agent_path=None, config=None)
    try:
        with pytest.raises(asyncssh.ChannelOpenError) as refused:
            await conn.open_connection("127.0.0.1", ssh_server.port)
        assert refused.value.reason == "Port forwarding is not allowed on this server"
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 9)
    finally:
        conn.close()
        await conn.wait_closed()


def test_agent_and_x11_forwarding_are_refused(ssh_world: SshWorld, ssh_server: SshServer,
                                              tmp_path: Path) -> None:
    """`ssh -A -X`: both requests are refused, logged and audited."""
    need_tool("ssh-agent")
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        wait_until(sock.exists, 10, "the agent's socket")
        env = {**os.environ, "SSH_AUTH_SOCK": str(sock), "DISPLAY": ":0"}
        done = subprocess.run(ssh_argv(ssh_server.port, ssh_world.key_files["bob"], "-A", "-X",
                                       "-tt", command=("id",)),
                              capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL, env=env)
    finally:
        agent.terminate()
        agent.wait(timeout=10)
    assert done.returncode == 1
    assert "X11 forwarding request failed" in done.stderr
    for request in ("agent-forwarding", "x11-forwarding"):
        refused = _events(ssh_world, "ssh.refused", lambda e, r=request: e.get("request") == r)
        assert refused[0]["actor"] == "bob"

"""The SSH server process stays lean: no Textual in it (each session's app has its own)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import crm_tui.cli, crm_tui.ssh.server, crm_tui.ssh.session, crm_tui.ssh.child
print(",".join(m for m in sys.modules if m.split(".")[0] == "textual"
               or m.startswith("crm_tui.tui")))
"""


def test_the_server_never_imports_textual() -> None:
    """The server imports asyncssh and the services only."""
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""

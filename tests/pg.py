"""A throw-away PostgreSQL server for the test run (initdb + pg_ctl on 127.0.0.1)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PgServer:
    """A running server: its data dir, port, and a runner for its binaries."""

    bindir: Path
    datadir: Path
    port: int
    as_postgres: list[str]

    def url(self, dbname: str = "postgres") -> str:
        """A peewee URL for a database on this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def stop(self) -> None:
        """Stop the server and remove its files."""
        subprocess.run([*self.as_postgres, str(self.bindir / "pg_ctl"), "-D",
                        str(self.datadir), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60, check=False)
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are (Debian keeps them out of PATH)."""
    for name in ("initdb",):
        found = shutil.which(name)
        if found:
            return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start() -> PgServer:
    """initdb a temp dir and start the server; raises RuntimeError with the reason."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb); .ci/run installs it")
    root = Path(tempfile.mkdtemp(prefix="crm-tui-pg-"))
    datadir = root / "data"
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres user
        as_postgres = ["runuser", "-u", "postgres", "--"]
        os.chmod(root, 0o755)
        shutil.chown(root, "postgres", "postgres")
    subprocess.run([*as_postgres, str(bindir / "initdb"), "-D", str(datadir), "-A", "trust",
                    "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
                   check=True, capture_output=True, timeout=120)
    port = _free_port()
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    result = subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(datadir), "-o",
                             options, "-l", str(root / "log"), "-w", "-t", "60", "start"],
                            capture_output=True, text=True, timeout=90)
    if result.returncode != 0:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {result.stderr}{log}")
    server = PgServer(bindir, datadir, port, as_postgres)
    STARTED.append(server)
    return server


STARTED: list[PgServer] = []


def describe() -> str:
    """Version and address of the server(s) this run started."""
    if not STARTED:
        return "none started"
    server = STARTED[0]
    version = subprocess.run([str(server.bindir / "postgres"), "--version"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    return f"{version} on 127.0.0.1:{server.port}"

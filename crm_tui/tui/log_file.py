"""Where the app writes what went wrong: a file in the data directory.

The app owns the terminal (over SSH, a pseudo-terminal the server reads), so an error
logged to stderr was lost, or drawn over the screen; a service call that failed
unexpectedly was shown as a toast and then gone. Warnings and errors of crm-tui's own
loggers go to ``app.log`` instead, with the time, process and user, for the admin.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from crm_tui import config

MAX_BYTES = 5_000_000
BACKUPS = 3


def install(username: str, path: Path | None = None) -> Path | None:
    """Send crm-tui's warnings and errors to ``path`` (default: DATA_DIR/app.log);
    returns the file, or None if it cannot be written (the app runs on without it)."""
    path = path or config.data_dir() / "app.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES,
                                                       backupCount=BACKUPS, encoding="utf-8")
    except OSError:
        return None
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter(
        f"%(asctime)s pid=%(process)d user={username} %(name)s %(levelname)s %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z"))
    logger = logging.getLogger("crm_tui")
    logger.addHandler(handler)
    logger.propagate = False  # not to stderr: that is the user's screen
    return path


def written_to() -> Path | None:
    """The file crm-tui's errors go to in this process (see install), if any."""
    for handler in logging.getLogger("crm_tui").handlers:
        if isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None

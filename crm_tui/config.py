"""Settings of this installation: TOML in the platformdirs config dir, env overrides."""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from crm_tui.db.database import sqlite_url
from crm_tui.domain.errors import CrmError

APP = "crm-tui"


class ConfigError(CrmError):
    """The config file cannot be read."""


def data_dir() -> Path:
    """Where the default database and the SSH host key live."""
    override = os.environ.get("CRM_TUI_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP))


def config_path() -> Path:
    """The TOML config file (CRM_TUI_CONFIG overrides)."""
    override = os.environ.get("CRM_TUI_CONFIG")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP)) / "config.toml"


@dataclass
class Config:
    """Resolved configuration."""

    database_url: str
    user: str | None
    settings: dict[str, Any] = field(default_factory=dict)
    source: str = "default"


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc}") from None


def default_database_url() -> str:
    """The embedded default: a SQLite file in the data dir."""
    return sqlite_url(data_dir() / "crm.db")


def demo_database_url() -> str:
    """The demo database in the data dir."""
    return sqlite_url(data_dir() / "demo.db")


def load(db_url: str | None = None, user: str | None = None) -> Config:
    """Command line beats environment beats config file beats defaults."""
    file = _read_file(config_path())
    source = "default"
    url = default_database_url()
    if file.get("database_url"):
        url, source = str(file["database_url"]), f"config file {config_path()}"
    if os.environ.get("CRM_TUI_DATABASE_URL"):
        url, source = os.environ["CRM_TUI_DATABASE_URL"], "CRM_TUI_DATABASE_URL"
    if db_url:
        url, source = db_url, "--db"
    who = user or os.environ.get("CRM_TUI_USER") or file.get("user") or None
    settings = dict(file.get("settings", {}))
    return Config(database_url=url, user=who, settings=settings, source=source)


def os_login() -> str:
    """The operating-system login name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "admin"

"""Admin settings: list mode, notification channels, gateways, organisation."""

from __future__ import annotations

import email.utils
import json
import os
import re
import threading
import time
import urllib.parse
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm_tui.db.database import generation
from crm_tui.db.models import Setting
from crm_tui.domain.errors import ValidationError
from crm_tui.domain.records import Actor, ListSort
from crm_tui.services import validate
from crm_tui.services.base import audit, fresh, reading, require_admin, writing

SECRET = "********"


def _on_off(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("on", "true", "yes", "1"):
        return True
    if lowered in ("off", "false", "no", "0"):
        return False
    raise ValidationError(f"Expected on or off, not '{value}'")


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip().lower()
        if value not in choices:
            raise ValidationError(f"Expected one of {', '.join(choices)}, not '{value}'")
        return value
    return parse


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise ValidationError(f"Port must be a whole number, not '{value}'") from None
    if not 1 <= port <= 65535:
        raise ValidationError(f"Port must be between 1 and 65535, not {port}")
    return port


MAX_DOCUMENT_MB = 10_000


def _megabytes(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValidationError(f"Expected a whole number, not '{value}'") from None
    if not 0 < number <= MAX_DOCUMENT_MB:
        raise ValidationError(f"Expected a number from 1 to {MAX_DOCUMENT_MB:,}, not {number}")
    return number


def _timezone(value: str) -> str:
    """A zone of the zone database, by its name in any case ("utc", "europe/stockholm")."""
    name = value.strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a folder of the zone database ("Europe") is not a zone
        named = {zone.casefold(): zone for zone in zoneinfo.available_timezones()}
        if name.casefold() in named:
            return named[name.casefold()]
        raise ValidationError(f"Unknown time zone '{value}' (e.g. Europe/Stockholm)") from None
    return name


def _organisation(value: str) -> str:
    if not value.strip():
        raise ValidationError("The organisation's name must not be empty")
    return validate.text(value, "organisation", max_len=200)


def _host(value: str) -> str:
    value = value.strip()
    if ":" in value and value.count(":") == 1:
        raise ValidationError(f"'{value}': give the host alone and the port in smtp.port")
    if any(c.isspace() for c in value) or "/" in value or value.startswith("-"):
        raise ValidationError(f"'{value}' is not a host name (e.g. smtp.example.com)")
    return value


def _sender(value: str) -> str:
    """An e-mail From: 'crm@example.com' or 'Company <crm@example.com>'; empty: the
    worker's default. One address, in ASCII: servers without SMTPUTF8 refused every
    mail from 'crm@nordvärme.se'."""
    value = value.strip()
    if value:
        found = email.utils.getaddresses([value])
        if len(found) != 1:
            raise ValidationError(f"'{value}' is not one e-mail address")
        address = found[0][1]
        if not address or validate.email(address, "from") != address:
            raise ValidationError(f"'{value}' is not an e-mail address (e.g. crm@example.com)")
        if not address.isascii():
            local, _, domain = address.rpartition("@")
            where = ("write the domain in its xn-- form" if local.isascii() else
                     "use a sender name in ASCII before the @")
            raise ValidationError(f"'{address}' has letters beyond ASCII, which many mail "
                                  f"servers refuse: {where}")
    return value


# A brace that opens a placeholder: one not followed by a quote (a JSON object's
# keys are quoted), up to the next brace or quote.
_PLACEHOLDER = re.compile(r"\{(?![\s\"{}]*[\"{}])[^{}\"]*\}?")


def _placeholders(value: str, *, any_brace: bool = False) -> None:
    """Only {number} and {text}, exactly so, are filled in: '{numbr}', '{ number }' or
    '{number!r}' went out as typed. In a URL (``any_brace``) no other brace may be."""
    found = {m.group(0) for m in _PLACEHOLDER.finditer(value)} - {"{number}", "{text}"}
    if any_brace and not found:
        rest = value.replace("{number}", "").replace("{text}", "")
        found = {c for c in rest if c in "{}"}
    if found:
        raise ValidationError(f"Unknown placeholder {', '.join(sorted(found))}: use "
                              "{number} and {text}, exactly so")


SAMPLE_NUMBER, SAMPLE_TEXT = "+46701234567", 'Reminder: "call" at 10:00'


def _gateway_url(value: str) -> str:
    value = value.strip()
    if any(c.isspace() or not c.isprintable() for c in value):
        raise ValidationError(f"'{value}' holds a space or control character: write it "
                              "as %20 (e.g. https://sms.example.com/send)")
    _placeholders(value, any_brace=True)
    if value:
        url = urllib.parse.urlsplit(value.replace("{number}", SAMPLE_NUMBER)
                                    .replace("{text}", "x"))
        try:
            url.port  # noqa: B018 - a port out of range raises
        except ValueError:
            raise ValidationError(f"'{value}' has a port out of range") from None
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValidationError(f"'{value}' is not an http(s) address "
                                  "(e.g. https://sms.example.com/send)")
    return value


def _sms_body(value: str) -> str:
    """A body template; one that looks like JSON must be JSON once {number} and {text}
    are filled in (as the worker fills them)."""
    value = value.strip()
    _placeholders(value)
    if value.startswith(("{", "[")):
        filled = value.replace("{number}", SAMPLE_NUMBER).replace(
            "{text}", json.dumps(SAMPLE_TEXT)[1:-1])
        try:
            json.loads(filled)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"The body is not valid JSON: {exc.msg} at character "
                                  f"{exc.pos + 1}") from None
    return value


def _headers(value: str) -> str:
    if not value.strip():
        return "{}"
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        raise ValidationError("sms.headers must be a JSON object, e.g. "
                              '{"Authorization": "Bearer X"}') from None
    if not isinstance(parsed, dict):
        raise ValidationError("sms.headers must be a JSON object")
    return json.dumps(parsed)


def _plain(value: str) -> str:
    return value.strip()


def _system_zone() -> str:
    """The machine's IANA zone name (TZ, /etc/timezone, /etc/localtime), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text().strip())
    except OSError:
        pass
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                zoneinfo.ZoneInfo(name)
                return name
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC"


@dataclass(frozen=True)
class SettingSpec:
    """One known setting: default, parser, and whether it is secret."""

    default: Any
    parse: Callable[[str], Any]
    secret: bool = False
    help: str = ""


SPECS: dict[str, SettingSpec] = {
    "organisation": SettingSpec("My company", _organisation, help="Name shown in the header"),
    "list_sort": SettingSpec(ListSort.SCHEDULED.value, _choice("scheduled", "serial"),
                             help="Order list sorted by scheduled date or serial number"),
    "timezone": SettingSpec(_system_zone(), _timezone, help="Time zone of bookings and reminders"),
    "channels.email": SettingSpec(False, _on_off, help="Send notifications by e-mail"),
    "channels.sms": SettingSpec(False, _on_off, help="Send notifications by SMS"),
    "documents.max_mb": SettingSpec(20, _megabytes, help="Largest uploaded document (MB)"),
    "smtp.host": SettingSpec("", _host),
    "smtp.port": SettingSpec(25, _port),
    "smtp.security": SettingSpec("none", _choice("none", "starttls", "ssl")),
    "smtp.username": SettingSpec("", _plain),
    "smtp.password": SettingSpec("", _plain, secret=True),
    "smtp.from": SettingSpec("", _sender),
    "sms.url": SettingSpec("", _gateway_url),
    "sms.method": SettingSpec("POST", lambda v: _choice("get", "post", "put")(v).upper()),
    "sms.headers": SettingSpec("{}", _headers, secret=True),
    "sms.body": SettingSpec('{"to": "{number}", "text": "{text}"}', _sms_body),
}


def env_name(key: str) -> str:
    """The environment variable that may set a setting: smtp.host -> CRM_TUI_SMTP_HOST."""
    return "CRM_TUI_" + key.upper().replace(".", "_")


def _overrides() -> dict[str, Any]:
    """Values from the config file's [settings] table, then the environment."""
    from crm_tui import config

    values: dict[str, Any] = {}
    for key, raw in config.load().settings.items():
        if key in SPECS:
            values[key] = SPECS[key].parse(str(raw).lower() if isinstance(raw, bool) else
                                           str(raw))
    for key, spec in SPECS.items():
        if env_name(key) in os.environ:
            values[key] = spec.parse(os.environ[env_name(key)])
    return values


def _load_all() -> dict[str, Any]:
    """Defaults, then config file and environment, then what admins saved (wins)."""
    values = {key: spec.default for key, spec in SPECS.items()}
    values.update(_overrides())
    for row in Setting.select():
        if row.key in SPECS:
            values[row.key] = json.loads(row.value)
    return values


_CACHE_SECONDS = 1.0
_cache: dict[int, tuple[float, dict[str, Any]]] = {}
_cache_lock = threading.Lock()


def _values() -> dict[str, Any]:
    """All effective values, cached for a second per database (set_value clears it)."""
    key = generation()
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < _CACHE_SECONDS:
            return hit[1]
    with reading():
        values = _load_all()
    with _cache_lock:
        _cache[key] = (now, values)
    return values


def clear_cache() -> None:
    """Forget cached values (after a change, or when switching databases)."""
    with _cache_lock:
        _cache.clear()


def get_all(*, reveal: bool = False) -> dict[str, Any]:
    """Every setting with its value; secrets masked unless ``reveal``."""
    values = dict(_values())
    if not reveal:
        for key, spec in SPECS.items():
            if spec.secret and values[key] not in ("", "{}"):
                values[key] = SECRET
    return values


def for_admin(actor: Actor) -> dict[str, Any]:
    """Every setting (secrets masked) for the admin screen; admins only."""
    with reading():
        require_admin(fresh(actor), "read the settings")
    return get_all()


def channel_problems(values: Mapping[str, Any] | None = None) -> list[str]:
    """What keeps a channel that is on from sending, in words for the admin (the worker
    keeps such messages pending); ``values`` as get_all gives them (default: stored)."""
    values = get_all() if values is None else values
    problems = []
    if values["channels.email"] and not values["smtp.host"]:
        problems.append("E-mail is on but no SMTP host is set: nothing is sent by e-mail "
                        "until smtp.host is set.")
    if values["channels.sms"] and not values["sms.url"]:
        problems.append("SMS is on but no gateway URL is set: nothing is sent by SMS until "
                        "sms.url is set.")
    if values["channels.sms"] and not any("{text}" in str(values[key])
                                          for key in ("sms.url", "sms.body")):
        problems.append("SMS messages would have no text: put {text} in sms.body (or in "
                        "sms.url for a GET gateway).")
    return problems


def get(key: str) -> Any:
    """One setting's value (inside or outside a unit of work)."""
    if key not in SPECS:
        raise ValidationError(f"Unknown setting '{key}'")
    return _values()[key]


def list_sort() -> ListSort:
    """The admin's list mode."""
    return ListSort(get("list_sort"))


def set_value(actor: Actor, key: str, value: str) -> Any:
    """Set one setting (admins only: said before anything about the value); returns the
    parsed value."""
    with writing():
        actor = fresh(actor)
        require_admin(actor, "change settings")
        if key not in SPECS:
            raise ValidationError(f"Unknown setting '{key}'; known: {', '.join(SPECS)}")
        parsed = SPECS[key].parse(str(value))
        row = Setting.get_or_none(Setting.key == key)
        before = json.loads(row.value) if row else SPECS[key].default
        Setting.insert(key=key, value=json.dumps(parsed)).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: json.dumps(parsed)}
        ).execute()
        secret = SPECS[key].secret
        audit(actor, "setting.set", "setting", key,
              {"value": SECRET if secret else before}, {"value": SECRET if secret else parsed})
    clear_cache()
    return parsed

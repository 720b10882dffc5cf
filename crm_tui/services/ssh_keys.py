"""SSH public keys of CRM users (the key is the identity) and SSH access events."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from crm_tui.db.models import SshKey, User
from crm_tui.domain.errors import NotFound, ValidationError
from crm_tui.domain.records import Actor
from crm_tui.services.base import (
    actor_from_row,
    audit,
    fresh,
    get_user_row,
    reading,
    require_admin,
    writing,
)

MAX_KEY_TEXT = 16_384
EVENTS = ("login", "denied", "refused", "logout")


@dataclass(frozen=True)
class ParsedKey:
    """A validated public key: OpenSSH text without comment, fingerprint, comment."""

    algorithm: str
    openssh: str
    fingerprint: str
    comment: str


@dataclass(frozen=True)
class SshKeyInfo:
    """One key on a user's account."""

    username: str
    fingerprint: str
    algorithm: str
    comment: str
    added_at: dt.datetime


@dataclass(frozen=True)
class KeyOwner:
    """Who a key belongs to, as the SSH server needs it."""

    username: str
    display_name: str
    active: bool


MIN_RSA_BITS = 2048  # OpenSSH itself refuses RSA keys under 1024 bits; NIST: 2048


def fingerprint_of(key_blob: bytes) -> str:
    """The OpenSSH SHA256 fingerprint of a public key blob (as `ssh-keygen -l` shows it)."""
    digest = base64.b64encode(hashlib.sha256(key_blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def parse_public_key(text: str) -> ParsedKey:
    """Validate one public key (OpenSSH or RFC 4716 text); one clear line if it is not."""
    import asyncssh  # imported late: only key handling needs it

    text = (text or "").strip()
    if not text:
        raise ValidationError("The key file is empty", "key")
    if len(text) > MAX_KEY_TEXT:
        raise ValidationError("The key file is too large to be a public key", "key")
    if "PRIVATE KEY" in text:
        raise ValidationError("This is a private key: give the public key (the .pub file)",
                              "key")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) > 1 and not text.startswith("---- BEGIN SSH2 PUBLIC KEY"):
        raise ValidationError(f"The file holds {len(lines)} lines; give exactly one public key",
                              "key")
    try:
        key = asyncssh.import_public_key(text)
    except (asyncssh.KeyImportError, ValueError, UnicodeError) as exc:
        raise ValidationError(f"Not a valid SSH public key: {exc}", "key") from None
    algorithm = key.get_algorithm()
    bits = getattr(getattr(key, "pyca_key", None), "key_size", None)
    if algorithm == "ssh-rsa" and isinstance(bits, int) and bits < MIN_RSA_BITS:
        raise ValidationError(f"An RSA key of {bits} bits is too weak: use {MIN_RSA_BITS} "
                              "or more, or better an Ed25519 key (ssh-keygen -t ed25519)",
                              "key")
    blob = key.public_data
    comment = (key.get_comment() or "").strip()[:200]
    openssh = f"{algorithm} {base64.b64encode(blob).decode()}"
    return ParsedKey(algorithm=algorithm, openssh=openssh, fingerprint=fingerprint_of(blob),
                     comment="".join(c for c in comment if c.isprintable()))


def _require_self_or_admin(actor: Actor, user: User, action: str) -> None:
    if user.id != actor.id:
        require_admin(actor, action)


def _info(row: SshKey, username: str) -> SshKeyInfo:
    return SshKeyInfo(username=username, fingerprint=row.fingerprint,
                      algorithm=row.public_key.split(" ", 1)[0], comment=row.comment,
                      added_at=row.added_at)


def add_key(actor: Actor, username: str, public_key_text: str) -> SshKeyInfo:
    """Add a public key to a user's account (admins, or the user themself)."""
    parsed = parse_public_key(public_key_text)
    with writing():
        actor = fresh(actor)
        user = get_user_row(username)
        _require_self_or_admin(actor, user, "add SSH keys for other users")
        existing = SshKey.get_or_none(SshKey.fingerprint == parsed.fingerprint)
        if existing is not None:
            owner = User.get_by_id(existing.user_id).username
            raise ValidationError(f"Key {parsed.fingerprint} already belongs to user '{owner}'",
                                  "key")
        row = SshKey.create(user=user, fingerprint=parsed.fingerprint,
                            public_key=parsed.openssh, comment=parsed.comment)
        audit(actor, "user.key_add", "user", username, None,
              {"fingerprint": parsed.fingerprint, "comment": parsed.comment})
    return _info(row, username)


def list_keys(actor: Actor, username: str) -> list[SshKeyInfo]:
    """A user's keys, oldest first (admins, or the user themself)."""
    with reading():
        actor = fresh(actor)
        user = get_user_row(username)
        _require_self_or_admin(actor, user, "see other users' SSH keys")
        rows = SshKey.select().where(SshKey.user == user).order_by(SshKey.added_at, SshKey.id)
        return [_info(r, username) for r in rows]


def remove_key(actor: Actor, username: str, fingerprint: str) -> SshKeyInfo:
    """Remove one key by fingerprint (admins, or the user themself)."""
    fingerprint = fingerprint.strip()
    if fingerprint and not fingerprint.startswith("SHA256:"):
        fingerprint = f"SHA256:{fingerprint}"
    with writing():
        actor = fresh(actor)
        user = get_user_row(username)
        _require_self_or_admin(actor, user, "remove SSH keys of other users")
        row = SshKey.get_or_none((SshKey.user == user) & (SshKey.fingerprint == fingerprint))
        if row is None:
            raise NotFound(f"User '{username}' has no key {fingerprint}")
        info = _info(row, username)
        row.delete_instance()
        audit(actor, "user.key_remove", "user", username,
              {"fingerprint": fingerprint, "comment": info.comment}, None)
    return info


def find_user_by_key(key_blob: bytes) -> KeyOwner | None:
    """The owner of a public key (by its blob), active or not; None if nobody owns it."""
    fingerprint = fingerprint_of(key_blob)
    openssh_data = base64.b64encode(key_blob).decode()
    with reading():
        row = (SshKey.select(SshKey, User).join(User)
               .where(SshKey.fingerprint == fingerprint).first())
        if row is None or row.public_key.split(" ")[1:2] != [openssh_data]:
            return None
        return KeyOwner(username=row.user.username, display_name=row.user.display_name,
                        active=row.user.active)


def still_valid(logins: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Of (username, fingerprint) pairs, the ones whose key still belongs to that user
    (the SSH server ends the sessions of a removed key; a deactivated user's app ends
    itself, saying so)."""
    if not logins:
        return set()
    with reading():
        rows = (SshKey.select(SshKey.fingerprint, User.username).join(User)
                .where(SshKey.fingerprint.in_([f for _, f in logins])).tuples())
        return {(username, fingerprint) for fingerprint, username in rows} & logins


def record_event(event: str, username: str | None, fingerprint: str | None, address: str,
                 **detail: Any) -> None:
    """Record an SSH access event (login, denied, refused, logout) in the audit trail."""
    if event not in EVENTS:
        raise ValueError(f"unknown SSH event {event!r}")
    after = {"address": address, "fingerprint": fingerprint or ""}
    after.update({k: v for k, v in detail.items() if v not in (None, "")})
    with writing():
        user = User.get_or_none(User.username == username) if username else None
        actor = actor_from_row(user) if user is not None else None
        entity_id = (username or fingerprint or address)[:60]
        audit(actor, f"ssh.{event}", "ssh", entity_id, None, after)

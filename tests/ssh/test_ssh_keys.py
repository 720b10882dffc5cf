"""SSH keys of CRM users: services (SQLite and PostgreSQL) and the `crm-tui user` commands."""

from __future__ import annotations

import json
from pathlib import Path

import asyncssh
import pytest

from crm_tui.db.models import AuditEvent
from crm_tui.domain.errors import NotFound, PermissionDenied, ValidationError
from crm_tui.domain.records import Actor
from crm_tui.services import ssh_keys, users
from crm_tui.services.base import reading
from tests.cli.test_cli import run
from tests.conftest import make_user


def new_key(comment: str = "bob@phone") -> asyncssh.SSHKey:
    """A fresh Ed25519 key pair."""
    return asyncssh.generate_private_key("ssh-ed25519", comment=comment)


def public_text(key: asyncssh.SSHKey) -> str:
    """The .pub file's text."""
    return key.export_public_key("openssh").decode()


def test_a_key_is_added_listed_found_and_removed(admin: Actor) -> None:
    """The admin adds Bob's key; the server finds Bob by it; removing it locks him out."""
    make_user(admin, "bob", "view-assigned")
    key = new_key()
    info = ssh_keys.add_key(admin, "bob", public_text(key))
    assert info.fingerprint == key.get_fingerprint("sha256")
    assert (info.algorithm, info.comment) == ("ssh-ed25519", "bob@phone")
    assert [k.fingerprint for k in ssh_keys.list_keys(admin, "bob")] == [info.fingerprint]
    owner = ssh_keys.find_user_by_key(key.public_data)
    assert owner is not None and (owner.username, owner.active) == ("bob", True)
    assert [u.key_count for u in users.list_users(admin) if u.username == "bob"] == [1]
    ssh_keys.remove_key(admin, "bob", info.fingerprint)
    assert ssh_keys.find_user_by_key(key.public_data) is None
    with reading():
        actions = [e.action for e in AuditEvent.select().where(AuditEvent.entity == "user")]
    assert {"user.key_add", "user.key_remove"} <= set(actions)


def test_users_manage_their_own_keys_only(admin: Actor) -> None:
    """Bob may add, list and remove his own keys, never Anna's."""
    bob = make_user(admin, "bob", "view-assigned")
    make_user(admin, "anna", "view")
    own = ssh_keys.add_key(bob, "bob", public_text(new_key()))
    assert ssh_keys.list_keys(bob, "bob")[0].fingerprint == own.fingerprint
    with pytest.raises(PermissionDenied, match="admins only"):
        ssh_keys.add_key(bob, "anna", public_text(new_key()))
    anna_key = ssh_keys.add_key(admin, "anna", public_text(new_key()))
    with pytest.raises(PermissionDenied):
        ssh_keys.list_keys(bob, "anna")
    with pytest.raises(PermissionDenied):
        ssh_keys.remove_key(bob, "anna", anna_key.fingerprint)
    ssh_keys.remove_key(bob, "bob", own.fingerprint.removeprefix("SHA256:"))
    assert ssh_keys.list_keys(bob, "bob") == []


def test_deactivated_users_are_found_but_marked(admin: Actor) -> None:
    """The server needs to tell 'unknown key' from 'deactivated user'."""
    make_user(admin, "carol", "view")
    key = new_key()
    ssh_keys.add_key(admin, "carol", public_text(key))
    users.set_active(admin, "carol", False)
    owner = ssh_keys.find_user_by_key(key.public_data)
    assert owner is not None and not owner.active


@pytest.mark.parametrize(("text", "message"), [
    ("", "The key file is empty"),
    ("hello world", "Not a valid SSH public key"),
    ("ssh-ed25519 AAAAnotbase64!!", "Not a valid SSH public key"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----",
     "This is a private key: give the public key (the .pub file)"),
    ("x" * 20_000, "too large"),
])
def test_bad_key_text_is_refused_with_one_line(admin: Actor, text: str, message: str) -> None:
    """Garbage, private keys and huge files: one readable line, nothing stored."""
    with pytest.raises(ValidationError) as refused:
        ssh_keys.add_key(admin, "eva", text)
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert ssh_keys.list_keys(admin, "eva") == []


def test_two_keys_in_one_file_and_a_key_owned_twice_are_refused(admin: Actor) -> None:
    """One key per file; a key belongs to one user only."""
    make_user(admin, "bob", "view")
    one, two = public_text(new_key()), public_text(new_key())
    with pytest.raises(ValidationError, match="exactly one public key"):
        ssh_keys.add_key(admin, "bob", f"{one}\n{two}\n")
    ssh_keys.add_key(admin, "eva", one)
    with pytest.raises(ValidationError, match="already belongs to user 'eva'"):
        ssh_keys.add_key(admin, "bob", one)
    with pytest.raises(NotFound):
        ssh_keys.remove_key(admin, "bob", "SHA256:nope")


def test_weak_rsa_keys_are_refused(admin: Actor) -> None:
    """An RSA key under 2048 bits is refused (it was accepted); 2048 bits is not."""
    weak = asyncssh.generate_private_key("ssh-rsa", key_size=1024)
    with pytest.raises(ValidationError, match="RSA key of 1024 bits is too weak"):
        ssh_keys.add_key(admin, "eva", public_text(weak))
    strong = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
    assert ssh_keys.add_key(admin, "eva", public_text(strong)).algorithm == "ssh-rsa"


def test_rfc4716_keys_are_accepted(admin: Actor) -> None:
    """`ssh-keygen -e` output (RFC 4716) is a public key too."""
    key = new_key()
    info = ssh_keys.add_key(admin, "eva", key.export_public_key("rfc4716").decode())
    assert info.fingerprint == key.get_fingerprint("sha256")


def test_access_events_are_audited(admin: Actor) -> None:
    """record_event writes ssh.* rows with address and fingerprint; no actor when unknown."""
    ssh_keys.record_event("login", "eva", "SHA256:abc", "10.0.0.1:5000", ssh_user="x")
    ssh_keys.record_event("denied", None, "SHA256:def", "10.0.0.2:5001", reason="unknown")
    with reading():
        rows = list(AuditEvent.select().where(AuditEvent.entity == "ssh").order_by(AuditEvent.id))
    assert [(r.actor, r.action, r.entity_id) for r in rows] == [
        ("eva", "ssh.login", "eva"), ("", "ssh.denied", "SHA256:def")]
    assert json.loads(rows[1].after) == {"address": "10.0.0.2:5001", "fingerprint": "SHA256:def",
                                         "reason": "unknown"}
    with pytest.raises(ValueError):
        ssh_keys.record_event("party", None, None, "")


def test_the_cli_adds_lists_and_removes_keys(admin: Actor, db_url: str, tmp_path: Path) -> None:
    """`user add-key`, `user keys`, `user remove-key`; errors are one line."""
    make_user(admin, "bob", "view-assigned")
    make_user(admin, "anna", "view")
    cli_db = db_url
    key = new_key("bob@laptop")
    pub = tmp_path / "bob.pub"
    pub.write_text(public_text(key))
    fingerprint = key.get_fingerprint("sha256")
    added = run(cli_db, "user", "add-key", "bob", str(pub)).stdout
    assert f"Key {fingerprint} (ssh-ed25519, bob@laptop) added to bob" in added
    listed = run(cli_db, "user", "keys", "bob").stdout
    assert fingerprint in listed and "bob@laptop" in listed
    as_json = json.loads(run(cli_db, "user", "keys", "bob", "--json").stdout)
    assert as_json[0]["fingerprint"] == fingerprint
    run(cli_db, "user", "keys", "anna", user="bob", ok=False)
    run(cli_db, "user", "add-key", "bob", str(tmp_path / "missing.pub"), ok=False)
    private = tmp_path / "id"
    key.write_private_key(private)
    assert "private key" in run(cli_db, "user", "add-key", "bob", str(private), ok=False).stderr
    run(cli_db, "user", "add-key", "anna", str(pub), user="bob", ok=False)
    assert f"Key {fingerprint} removed from bob" in run(
        cli_db, "user", "remove-key", "bob", fingerprint, user="bob").stdout
    assert "bob has no SSH keys" in run(cli_db, "user", "keys", "bob").stdout

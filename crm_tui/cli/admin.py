"""`crm-tui user|status|settings|audit`: administration from the command line."""

from __future__ import annotations

import json
from typing import TextIO

import click

from crm_tui.cli.common import Session, out, out_json, pass_session, stored_local, table
from crm_tui.domain.permissions import ALL_PERMS
from crm_tui.services import audit_log, settings, ssh_keys, statuses, users
from crm_tui.services.base import AUDITED


@click.group("user")
def user() -> None:
    """Users and their permissions."""


@user.command("add")
@click.argument("username")
@click.option("--name", default="", help="Display name")
@click.option("--email", default="")
@click.option("--phone", default="")
@click.option("--admin", "is_admin", is_flag=True)
@click.option("--perm", "perms", multiple=True, metavar="PERM",
              help=f"Repeatable; one of {', '.join(ALL_PERMS)}")
@pass_session
def user_add(session: Session, username: str, name: str, email: str, phone: str,
             is_admin: bool, perms: tuple[str, ...]) -> None:
    """Add a user (admins)."""
    info = users.add_user(session.actor, username, display_name=name, email=email,
                          phone=phone, is_admin=is_admin, perms=perms)
    out(f"User {info.username} added" + (" (admin)" if info.is_admin else "")
        + (f" with {', '.join(info.perms)}" if info.perms else ""))


@user.command("edit")
@click.argument("username")
@click.option("--name", default=None, help="Display name")
@click.option("--email", default=None, help="E-mail ('' clears it)")
@click.option("--phone", default=None, help="Phone ('' clears it)")
@pass_session
def user_edit(session: Session, username: str, name: str | None, email: str | None,
              phone: str | None) -> None:
    """Change a user's name, e-mail or phone (admins; anyone their own)."""
    if name is None and email is None and phone is None:
        raise click.UsageError("Give what to change: --name, --email and/or --phone")
    info = users.update_profile(session.actor, username, display_name=name, email=email,
                                phone=phone)
    out(f"User {info.username}: " + " · ".join(
        part for part in (info.display_name, info.email, info.phone) if part))


@user.command("perms")
@click.argument("username")
@click.argument("perms", nargs=-1)
@pass_session
def user_perms(session: Session, username: str, perms: tuple[str, ...]) -> None:
    """Replace a user's permission set (admins)."""
    info = users.set_perms(session.actor, username, perms)
    out(f"{info.username}: {', '.join(info.perms) or 'no permissions'}")


@user.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_session
def user_list(session: Session, as_json: bool) -> None:
    """List users with their permissions."""
    rows = users.list_users(session.actor)
    if as_json:
        out_json([u.__dict__ for u in rows])
        return
    table(["username", "name", "admin", "active", "permissions"],
          [[u.username, u.display_name, "yes" if u.is_admin else "", "yes" if u.active else "no",
            ",".join(u.perms)] for u in rows])


@user.command("deactivate")
@click.argument("username")
@pass_session
def user_deactivate(session: Session, username: str) -> None:
    """Deactivate a user: they can no longer log in (admins)."""
    users.set_active(session.actor, username, False)
    out(f"User {username} deactivated")


@user.command("activate")
@click.argument("username")
@pass_session
def user_activate(session: Session, username: str) -> None:
    """Reactivate a user (admins)."""
    users.set_active(session.actor, username, True)
    out(f"User {username} activated")


@user.command("add-key")
@click.argument("username")
@click.argument("keyfile", type=click.File("r", encoding="utf-8", errors="replace"))
@pass_session
def user_add_key(session: Session, username: str, keyfile: TextIO) -> None:
    """Add an SSH public key (a .pub file, - for stdin) to a user (admins, or yourself)."""
    info = ssh_keys.add_key(session.actor, username, keyfile.read(ssh_keys.MAX_KEY_TEXT + 1))
    out(f"Key {info.fingerprint} ({info.algorithm}"
        + (f", {info.comment}" if info.comment else "") + f") added to {username}")


@user.command("keys")
@click.argument("username")
@click.option("--json", "as_json", is_flag=True)
@pass_session
def user_keys(session: Session, username: str, as_json: bool) -> None:
    """List a user's SSH keys (admins, or yourself)."""
    rows = [stored_local(k) for k in ssh_keys.list_keys(session.actor, username)]
    if as_json:
        out_json(rows)
        return
    if not rows:
        out(f"{username} has no SSH keys")
    for k in rows:  # not table(): it would cut the fingerprint short
        out(f"{k['fingerprint']}  {k['algorithm']}  {k['added_at']:%Y-%m-%d %H:%M}  "
            f"{k['comment']}".rstrip())


@user.command("remove-key")
@click.argument("username")
@click.argument("fingerprint")
@pass_session
def user_remove_key(session: Session, username: str, fingerprint: str) -> None:
    """Remove an SSH key by its SHA256 fingerprint (admins, or yourself)."""
    info = ssh_keys.remove_key(session.actor, username, fingerprint)
    out(f"Key {info.fingerprint} removed from {username}")


@click.group("status")
def status() -> None:
    """The admin's status list."""


@status.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_session
def status_list(session: Session, as_json: bool) -> None:
    """List statuses in order, with how many orders use each."""
    session.open()
    rows = statuses.list_statuses()
    if as_json:
        out_json([s.__dict__ for s in rows])
        return
    table(["#", "status", "active", "orders"],
          [[str(s.position), s.name, "yes" if s.active else "no", str(s.in_use)] for s in rows])


@status.command("add")
@click.argument("name")
@pass_session
def status_add(session: Session, name: str) -> None:
    """Add a status at the end of the list."""
    info = statuses.add_status(session.actor, name)
    out(f"Status '{info.name}' added at position {info.position}")


@status.command("rename")
@click.argument("old")
@click.argument("new")
@pass_session
def status_rename(session: Session, old: str, new: str) -> None:
    """Rename a status (orders follow)."""
    statuses.rename_status(session.actor, old, new)
    out(f"Status '{old}' renamed to '{new}'")


@status.command("move")
@click.argument("name")
@click.argument("position", type=int)
@pass_session
def status_move(session: Session, name: str, position: int) -> None:
    """Move a status to a position (1 = first)."""
    statuses.move_status(session.actor, name, position)
    out(f"Status '{name}' moved to position {position}")


@status.command("deactivate")
@click.argument("name")
@pass_session
def status_deactivate(session: Session, name: str) -> None:
    """Hide a status from new choices; orders keep it."""
    statuses.set_status_active(session.actor, name, False)
    out(f"Status '{name}' deactivated")


@status.command("delete")
@click.argument("name")
@pass_session
def status_delete(session: Session, name: str) -> None:
    """Delete a status no order uses (one in use can be deactivated instead)."""
    out(f"Status '{statuses.delete_status(session.actor, name)}' deleted")


@status.command("activate")
@click.argument("name")
@pass_session
def status_activate(session: Session, name: str) -> None:
    """Offer a deactivated status again."""
    statuses.set_status_active(session.actor, name, True)
    out(f"Status '{name}' activated")


@click.group("settings")
def settings_cmd() -> None:
    """Admin settings."""


@settings_cmd.command("show")
@click.option("--json", "as_json", is_flag=True)
@pass_session
def settings_show(session: Session, as_json: bool) -> None:
    """Show every setting (admins; secrets masked)."""
    values = settings.for_admin(session.actor)
    if as_json:
        out_json(values)
        return
    table(["key", "value"], [[k, _setting_text(v)] for k, v in values.items()])
    _warn_channels()


def _warn_channels() -> None:
    """Name what keeps a channel that is on from sending (on stderr)."""
    for problem in settings.channel_problems():
        click.echo(f"Warning: {problem}", err=True)


def _setting_text(value: object) -> str:
    """A value as `settings set` takes it: on/off, not True/False."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


# A value may start with "-" ("-1" is refused by the setting, not taken as an option).
@settings_cmd.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("key")
@click.argument("value")
@pass_session
def settings_set(session: Session, key: str, value: str) -> None:
    """Set a setting, e.g. list_sort serial, channels.email on (admins)."""
    parsed = settings.set_value(session.actor, key, value)
    shown = settings.SECRET if settings.SPECS[key].secret else _setting_text(parsed)
    out(f"{key} = {shown}")
    _warn_channels()


@click.command("audit")
@click.option("--entity", type=click.Choice([*AUDITED, "service-object"]),
              help="What the events are of (service-object as the other commands name it)")
@click.option("--id", "entity_id",
              help="The entity's id, an order's serial or a customer's number")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True)
@pass_session
def audit(session: Session, entity: str | None, entity_id: str | None, limit: int,
          as_json: bool) -> None:
    """The audit trail, newest first (admins)."""
    entity = "service_object" if entity == "service-object" else entity
    rows = [stored_local(r) for r in audit_log.recent(
        session.actor, entity=entity, entity_id=entity_id, limit=limit)]
    if as_json:
        out_json([r | {"before": _parsed(r["before"]), "after": _parsed(r["after"])}
                  for r in rows])
        return
    table(["at", "who", "action", "entity", "before", "after"],
          [[f"{r['at']:%Y-%m-%d %H:%M:%S}", r["actor"], r["action"],
            r["label"] or f"{r['entity']} {r['entity_id']}", r["before"], r["after"]]
           for r in rows])


def _parsed(value: object) -> object:
    """An audit snapshot (stored as JSON text) as JSON itself, not a string in it."""
    if value == "":
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value

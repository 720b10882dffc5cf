"""Admin: statuses, settings (validated, secrets masked), users and their permissions."""

from __future__ import annotations

import pytest

from crm_tui.domain.errors import NotFound, PermissionDenied, ValidationError
from crm_tui.domain.records import Actor, OrderInput
from crm_tui.services import orders, settings, setup, statuses, users
from tests.conftest import make_user
from tests.services.helpers import audit_events, loads, new_order, refused


def names(include_inactive: bool = True) -> list[str]:
    """Status names in the admin's order."""
    return [s.name for s in statuses.list_statuses(include_inactive=include_inactive)]


def test_statuses_add_rename_move_deactivate_and_delete(admin: Actor) -> None:
    """The status list is edited by admins; statuses in use are never lost."""
    assert names() == list(setup.DEFAULT_STATUSES)
    added = statuses.add_status(admin, "Quoted")
    assert (added.name, added.position, added.active) == ("Quoted", 7, True)
    refused(lambda: statuses.add_status(admin, " quoted "), ValidationError,
            match=("The status 'Quoted' already exists ('quoted' is the same name)",))
    refused(lambda: statuses.add_status(admin, "  "), ValidationError, match=("empty",))
    refused(lambda: statuses.add_status(admin, "x" * 81), ValidationError, match=("80",))

    serial = new_order(admin, "Uses Quoted", status="quoted")  # names are case-insensitive
    assert orders.get_order(admin, serial).row.status == "Quoted"
    statuses.rename_status(admin, "Quoted", "Offer sent")
    assert orders.get_order(admin, serial).row.status == "Offer sent"
    refused(lambda: statuses.rename_status(admin, "Offer sent", "won"), ValidationError,
            match=("already exists",))
    refused(lambda: statuses.rename_status(admin, "Nope", "Other"), NotFound, match=("Nope",))

    statuses.move_status(admin, "Offer sent", 1)
    assert names() == ["Offer sent", *setup.DEFAULT_STATUSES]
    assert [s.position for s in statuses.list_statuses()] == list(range(1, 8))
    statuses.move_status(admin, "Won", 7)
    assert names()[-1] == "Won"
    refused(lambda: statuses.move_status(admin, "Won", 0), ValidationError, match=("position",))
    refused(lambda: statuses.move_status(admin, "Won", 9), ValidationError, match=("position",))

    # New orders get the first active status; a deactivated one is refused for new orders.
    assert orders.get_order(admin, new_order(admin, "Default status")).row.status == (
        "Offer sent")
    statuses.set_status_active(admin, "Offer sent", False)
    assert "Offer sent" not in names(include_inactive=False)
    assert orders.get_order(admin, new_order(admin, "Default again")).row.status == "New lead"
    refused(lambda: new_order(admin, "x", status="Offer sent"), ValidationError,
            match=("deactivated",))
    other = new_order(admin, "Other")
    refused(lambda: orders.edit_order(admin, other, OrderInput(status="Offer sent")),
            ValidationError, match=("deactivated",))
    # ...but the order that has it keeps it, also through edits.
    kept = orders.edit_order(admin, serial, OrderInput(subject="Still quoted"))
    assert kept.row.status == "Offer sent"
    assert orders.edit_order(admin, serial, OrderInput(status="Offer sent", hours="1")
                             ).row.status == "Offer sent"
    assert {s.name: s.in_use for s in statuses.list_statuses()}["Offer sent"] == 2
    # a choice of status does without the counts: the same statuses, in order, no counts
    uncounted = statuses.list_statuses(count_use=False)
    assert [(s.id, s.name, s.active) for s in uncounted] == [
        (s.id, s.name, s.active) for s in statuses.list_statuses()]
    assert {s.in_use for s in uncounted} == {0}

    refused(lambda: statuses.delete_status(admin, "Offer sent"), ValidationError,
            match=("used by 2 orders; it is deactivated, so new orders cannot get it",))
    statuses.set_status_active(admin, "Offer sent", True)
    refused(lambda: statuses.delete_status(admin, "Offer sent"), ValidationError,
            match=("used by 2 orders; deactivate it instead",))
    statuses.set_status_active(admin, "Offer sent", False)
    statuses.delete_status(admin, "Lost")
    assert "Lost" not in names()
    assert [s.position for s in statuses.list_statuses()] == list(range(1, 7))
    statuses.set_status_active(admin, "Offer sent", True)
    assert orders.get_order(admin, new_order(admin, "y", status="Offer sent")).row.status == (
        "Offer sent")
    assert [e.action for e in audit_events("status")] == [
        "status.add", "status.rename", "status.move", "status.move", "status.active",
        "status.active", "status.active", "status.delete", "status.active"]


def test_settings_are_validated_and_secrets_masked(admin: Actor) -> None:
    """Known keys only, each value parsed; secrets never shown by get_all() or the audit."""
    assert settings.get_all() == {k: spec.default for k, spec in settings.SPECS.items()}
    assert settings.get("list_sort") == "scheduled"
    assert settings.set_value(admin, "list_sort", " Serial ") == "serial"
    assert settings.get("list_sort") == "serial"
    assert settings.set_value(admin, "channels.email", "on") is True
    assert settings.set_value(admin, "smtp.port", "587") == 587
    assert settings.set_value(admin, "timezone", "Europe/Stockholm") == "Europe/Stockholm"
    # in any case, as named in the zone database ("utc" was unknown, "UTC" known)
    assert settings.set_value(admin, "timezone", " utc ") == "UTC"
    assert settings.set_value(admin, "timezone", "europe/stockholm") == "Europe/Stockholm"
    assert settings.set_value(admin, "sms.method", "get") == "GET"
    good = {"smtp.from": "Nordvärme <crm@example.com>", "smtp.host": "smtp.example.com",
            "sms.url": "https://sms.example.com/send?to={number}&msg={text}",
            "sms.body": '{"to": "{number}", "text": "{text}"}', "documents.max_mb": "10000"}
    for key, value in good.items():
        assert str(settings.set_value(admin, key, value)) == value
    assert settings.set_value(admin, "sms.body", "to={number}&text={text}") == (
        "to={number}&text={text}")  # not JSON: a form body, taken as it is

    bad = [("list_sort", "random"), ("smtp.port", "abc"), ("smtp.port", "70000"),
           ("timezone", "Mars/Olympus_Mons"), ("channels.email", "maybe"),
           ("documents.max_mb", "0"), ("documents.max_mb", "lots"), ("smtp.security", "tls1"),
           ("sms.headers", "[1, 2]"), ("sms.headers", "{not json"), ("no.such.key", "1"),
           # a folder of the zone database ended in IsADirectoryError (a traceback)
           ("timezone", "Europe"), ("timezone", "../etc"),
           ("documents.max_mb", "99999999999999999999"), ("organisation", "  "),
           ("smtp.host", "a b"), ("smtp.from", "not-an-address"), ("smtp.from", "a@b"),
           ("sms.url", "not a url"), ("sms.url", "ftp://sms.example.com"),
           ("sms.body", '{"to": "{number}", "text": "{text}"'),
           ("sms.body", '{"text": {text}}'),
           ("sms.url", "http://127.0.0.1:42580/se nd"), ("sms.url", "https://x.se/?t=\x07"),
           ("sms.body", '{"to": "{numbr}", "text": "{text}"}'),
           ("sms.url", "https://sms.example.com/send?to={nummer}"),
           ("smtp.from", "Nordvärme <crm@nordvärme.se>"), ("smtp.from", "a@b.se, c@d.se"),
           ("smtp.host", "localhost:2525"), ("smtp.host", "-x"),
           ("sms.url", "https://gw.example.com/{number!r}"),
           ("sms.url", "https://gw.example.com/{text.upper}"),
           ("sms.url", "https://gw.example.com/{number"), ("sms.url", "https://x.se:99999/"),
           ("sms.body", '{"a": "{ number }"}'), ("sms.body", '{"to": "{number:>9}"}')]
    for key, value in bad:
        refused(lambda k=key, v=value: settings.set_value(admin, k, v), ValidationError)
    assert settings.get("list_sort") == "serial" and settings.get("smtp.port") == 587

    settings.set_value(admin, "smtp.password", "hunter2")
    settings.set_value(admin, "sms.headers", '{"Authorization": "Bearer s3cret"}')
    shown = settings.get_all()
    assert set(shown) == set(settings.SPECS)
    assert shown["smtp.password"] == shown["sms.headers"] == settings.SECRET
    assert shown["smtp.port"] == 587 and shown["channels.email"] is True
    revealed = settings.get_all(reveal=True)
    assert revealed["smtp.password"] == "hunter2"
    assert "s3cret" in revealed["sms.headers"]
    trail = " ".join(e.before + e.after for e in audit_events("setting"))
    assert "hunter2" not in trail and "s3cret" not in trail
    [sort_event] = audit_events("setting", "list_sort")
    assert (sort_event.actor, loads(sort_event.before), loads(sort_event.after)) == (
        "eva", {"value": "scheduled"}, {"value": "serial"})


def test_users_add_list_and_change_permissions(admin: Actor) -> None:
    """Admins add users and replace their permission sets; bad input changes nothing."""
    dave = users.add_user(admin, "dave", display_name="Dave Berg", email="dave@example.com",
                          phone="070-123 45 67", perms=["edit", "view"])
    assert (dave.username, dave.display_name, dave.email, dave.is_admin, dave.active) == (
        "dave", "Dave Berg", "dave@example.com", False, True)
    assert dave.perms == ("view", "edit")
    make_user(admin, "anna", "view-assigned,assign-self")
    listed = {u.username: u for u in users.list_users(admin)}
    assert list(listed) == ["anna", "dave", "eva"]
    assert listed["anna"].perms == ("view-assigned", "assign-self")
    assert listed["eva"].is_admin

    assert users.set_perms(admin, "dave", ["create"]).perms == ("create",)
    actor = users.get_actor("dave")
    assert actor.perms == frozenset({"create"}) and not actor.has("view")
    assert users.set_perms(admin, "dave", ["delete-files"], is_admin=True).is_admin
    assert users.get_actor("dave").has("edit")  # admins hold every permission

    refused(lambda: users.set_perms(admin, "dave", ["view", "fly"]), ValidationError,
            match=("fly",))
    refused(lambda: users.set_perms(admin, "ghost", ["view"]), NotFound, match=("ghost",))
    # "view" with "view-assigned" saw every order: the two are refused together.
    refused(lambda: users.set_perms(admin, "dave", ["view", "view-assigned"]),
            ValidationError, match=("exclude each other",))
    refused(lambda: users.add_user(admin, "vic", perms=["view-assigned,view"]),
            ValidationError, match=("exclude each other",))
    refused(lambda: users.add_user(admin, "dave"), ValidationError, match=("already exists",))
    refused(lambda: users.add_user(admin, "Bad Name"), ValidationError, match=("username",))
    refused(lambda: users.add_user(admin, "erin", email="erin-at-home"), ValidationError,
            match=("e-mail",))
    refused(lambda: users.add_user(None, "mallory", is_admin=True), PermissionDenied)
    refused(lambda: users.set_perms(admin, "eva", [], is_admin=False), ValidationError,
            match=("own admin",))
    refused(lambda: users.set_active(admin, "eva", False), ValidationError,
            match=("yourself",))

    users.set_active(admin, "anna", False)
    assert not {u.username: u for u in users.list_users(admin)}["anna"].active
    refused(lambda: users.get_actor("anna"), PermissionDenied, match=("deactivated",))
    users.set_active(admin, "anna", True)
    anna = users.get_actor("anna")
    assert users.update_profile(anna, "anna", email="anna@example.com").email == (
        "anna@example.com")
    assert [(e.action, e.entity_id) for e in audit_events("user")][-5:] == [
        ("user.perms", "dave"), ("user.perms", "dave"), ("user.active", "anna"),
        ("user.active", "anna"), ("user.edit", "anna")]
    # the audit names what changed; the same values again change nothing
    users.update_profile(admin, "anna", display_name="Anna B", email="anna@example.com")
    edits = audit_events("user", "anna")
    assert [(e.before, e.after) for e in edits if e.action == "user.edit"][-2:] == [
        ('{"email": ""}', '{"email": "anna@example.com"}'),
        ('{"display_name": "Anna"}', '{"display_name": "Anna B"}')]
    users.update_profile(admin, "anna", display_name="Anna B")
    assert len(audit_events("user", "anna")) == len(edits)


def test_profile_problems_names_every_refused_field_at_once() -> None:
    """A form shows every slip together (the add-user dialog showed one a save)."""
    assert users.profile_problems(username="anna", display_name="Anna",
                                  email="anna@example.com", phone="070-123 45 67") == {}
    problems = users.profile_problems(username="Carl!", display_name="x\x00",
                                      email="carl-at-home", phone="phone?")
    assert list(problems) == ["username", "name", "email", "phone"]
    assert "not a valid username" in problems["username"]
    assert "e-mail" in problems["email"]
    assert list(users.profile_problems(email="bad")) == ["email"]  # editing: no username


def test_adding_or_editing_a_user_names_every_refused_field(admin: Actor) -> None:
    """A taken username beside a bad e-mail and phone: all three in one refusal (the
    taken name came a save later, QA18 L6); so an edit's e-mail and phone (L5)."""
    from crm_tui.domain.errors import FieldProblems

    make_user(admin, "anna", "view")
    with pytest.raises(FieldProblems) as refused_add:
        users.add_user(admin, "anna", email="x@", phone="q")
    assert list(refused_add.value.problems) == ["username", "email", "phone"]
    assert "A user named 'anna' already exists" in str(refused_add.value)
    with pytest.raises(FieldProblems) as refused_edit:
        users.update_profile(admin, "anna", email="notanemail", phone="abc")
    assert list(refused_edit.value.problems) == ["email", "phone"]
    assert users.get_actor("anna").username == "anna"


def test_settings_for_the_admin_screen_are_admins_only(admin: Actor) -> None:
    """The admin screen's read is checked in the service, not only hidden in the UI."""
    anna = make_user(admin, "anna", "view", "edit")
    settings.set_value(admin, "smtp.password", "hunter2")
    shown = settings.for_admin(admin)
    assert shown["smtp.password"] == settings.SECRET
    try:
        settings.for_admin(anna)
    except PermissionDenied as exc:
        assert "admins only" in str(exc)
    else:
        raise AssertionError("a non-admin read the settings")
    # a bad value or key is not told before the refusal: "admins only" comes first
    for key, value in (("list_sort", "random"), ("no.such.key", "1"), ("smtp.port", "x")):
        refused(lambda k=key, v=value: settings.set_value(anna, k, v), PermissionDenied,
                match=("admins only",))

"""The `crm-tui` command as scripts use it: real processes on a real database."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from crm_tui.cli import main
from crm_tui.db.database import close_database

EXE = [sys.executable, "-m", "crm_tui"]


@dataclass
class Result:
    """What a run printed and how it exited."""

    returncode: int
    stdout: str
    stderr: str


def _in_process(argv: list[str], stdin: str | None) -> Result:
    runner = CliRunner()
    with runner.isolation(input=stdin) as (out, err, _):
        code = 0
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        return Result(code, out.getvalue().decode(), err.getvalue().decode())


def _process(argv: list[str], stdin: str | None) -> Result:
    done = subprocess.run([*EXE, *argv], capture_output=True, text=True, input=stdin,
                          timeout=60)
    return Result(done.returncode, done.stdout, done.stderr)


def run(url: str, *args: str, user: str | None = "eva", stdin: str | None = None,
        ok: bool = True, real: bool = False) -> Result:
    """Run crm-tui --db URL ARGS (in this process, or as a real one); check how it ended."""
    argv = ["--db", url] + (["--as", user] if user else []) + list(args)
    result = (_process if real else _in_process)(argv, stdin)
    if ok:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("Error: ")
        assert "Traceback" not in result.stderr
    return result


@pytest.fixture
def cli_db(db_url: str) -> str:
    """A migrated database with eva (admin), anna (sales) and bob (technician)."""
    close_database()
    run(db_url, "user", "list", user=None)  # the first run makes the OS login an admin
    first = json.loads(run(db_url, "user", "list", "--json", user=None).stdout)[0]["username"]
    run(db_url, "user", "add", "eva", "--name", "Eva Lind", "--admin", user=first)
    run(db_url, "user", "add", "anna", "--name", "Anna Berg", "--perm", "view", "--perm",
        "edit", "--perm", "create", "--perm", "assign")
    run(db_url, "user", "add", "bob", "--perm", "view-assigned", "--perm", "create",
        "--perm", "assign-self")
    return db_url


def snapshot(url: str) -> str:
    """Everything a user can see of the orders, to prove a failed command changed nothing."""
    return run(url, "co", "list", "--json", "--completed", "include").stdout


def test_order_round_trip(cli_db: str) -> None:
    serial = run(cli_db, "co", "add", "--subject", "Wants a quote", "--customer",
                 "Bergström Värme AB", "--facility", "Umeå plant", "--contact-name", "Kim",
                 "--contact-phone", "070-123 45 67", "--status", "Contacted", "--scheduled",
                 "2026-12-01", "--hours", "1.5", "--assign", "anna", user="anna").stdout.strip()
    assert serial.isdigit()
    run(cli_db, "co", "note", serial, "-", stdin="Called.\nWants an offer in March.",
        user="anna")
    run(cli_db, "booking", "add", serial, "--at", "2027-05-28 10:00", "--kind", "phone",
        "--remind-before", "1440", user="anna")
    shown = json.loads(run(cli_db, "co", "show", serial, "--json").stdout)
    assert shown["subject"] == "Wants a quote"
    assert shown["customer"] == "Bergström Värme AB"
    assert shown["facility"] == "Umeå plant"
    assert shown["contact"] == {"name": "Kim", "phone": "070-123 45 67", "email": ""}
    assert shown["status"] == "Contacted" and shown["hours"] == 1.5
    assert shown["assignees"] == ["anna"]
    assert [(n["author"], n["text"]) for n in shown["notes"]] == [
        ("anna", "Called.\nWants an offer in March.")]
    assert shown["bookings"][0]["kind"] == "phone" and not shown["bookings"][0]["done"]
    assert shown["bookings"][0]["reminder_at"].startswith("2027-05-27T10:00")
    found = json.loads(run(cli_db, "search", "bergstrom", "--json").stdout)
    assert [h["title"] for h in found if h["register"] == "customers"] == ["Bergström Värme AB"]
    run(cli_db, "co", "complete", serial, user="anna")
    listed = json.loads(run(cli_db, "co", "list", "--json", "--completed", "only").stdout)
    assert [o["serial"] for o in listed] == [int(serial)]
    assert listed[0]["completed"] is True and listed[0]["completed_at"]


@pytest.mark.parametrize("args", [
    ["--subject", "", "--customer", "X"],
    ["--subject", "x" * 10_000, "--customer", "X"],
    ["--subject", "s", "--customer", "X", "--hours", "-1"],
    ["--subject", "s", "--customer", "X", "--hours", "many"],
    ["--subject", "s", "--customer", "X", "--scheduled", "2026-02-30"],
    ["--subject", "s", "--customer", "X", "--status", "No such status"],
    ["--subject", "s", "--customer", "X", "--assign", "nobody"],
    ["--subject", "--customer", "X"],
    ["--customer", "X"],
    ["--subject", "s", "--customer", "X", "--use-existing", "--create-new"],
    ["--subject", "s", "--customer", "X", "--bogus"],
])
def test_bad_co_add_changes_nothing(cli_db: str, args: list[str]) -> None:
    before = snapshot(cli_db)
    customers = run(cli_db, "export", "csv", "customers", "-").stdout
    run(cli_db, "co", "add", *args, ok=False)
    assert snapshot(cli_db) == before
    assert run(cli_db, "export", "csv", "customers", "-").stdout == customers


@pytest.mark.parametrize("args", [
    ["co", "edit", "1", "--subject", ""],
    ["co", "edit", "1", "--hours", "-3"],
    ["co", "edit", "1", "--scheduled", "2026-13-01"],
    ["co", "edit", "1", "--status", "Nope"],
    ["co", "edit", "999", "--subject", "x"],
    ["co", "edit", "one", "--subject", "x"],
    ["co", "edit", "1", "--expect-version", "7", "--subject", "x"],
    ["booking", "add", "1", "--at", "2026-02-30 10:00", "--kind", "phone"],
    ["booking", "add", "1", "--at", "tomorrow", "--kind", "phone"],
    ["booking", "add", "1", "--at", "2026-12-01 10:00", "--kind", "pigeon"],
    ["booking", "add", "1", "--at", "2026-12-01 10:00", "--kind", "phone", "--minutes", "x"],
    ["booking", "add", "1", "--at", "2026-12-01 10:00", "--kind", "phone", "--assignee", "zed"],
    ["booking", "add", "999", "--at", "2026-12-01 10:00", "--kind", "phone"],
    ["co", "note", "1", ""],
    ["co", "assign", "1", "nobody"],
    ["co", "show", "999"],
])
def test_bad_edits_change_nothing(cli_db: str, args: list[str]) -> None:
    run(cli_db, "co", "add", "--subject", "Base", "--customer", "Acme")
    before = run(cli_db, "co", "show", "1", "--json").stdout
    run(cli_db, *args, ok=False)
    assert run(cli_db, "co", "show", "1", "--json").stdout == before


def test_markup_and_escapes_stored_as_is_and_printed_harmlessly(cli_db: str) -> None:
    nasty = "[bold red]x[/] \x1b]0;pwned\x07 end"
    serial = run(cli_db, "co", "add", "--subject", nasty, "--customer", nasty).stdout.strip()
    run(cli_db, "co", "note", serial, nasty)
    shown = json.loads(run(cli_db, "co", "show", serial, "--json").stdout)
    assert shown["subject"] == nasty and shown["customer"] == nasty
    assert shown["notes"][0]["text"] == nasty
    for args in (["co", "show", serial], ["co", "list"], ["search", "bold"]):
        text = run(cli_db, *args).stdout
        assert "\x1b" not in text and "\x07" not in text
        assert "[bold red]x[/]" in text and "\\x1b]0;pwned\\x07" in text
    # A line break in a name is refused (it showed as its first line only); a tab
    # keeps each table row on one line.
    for args in (["co", "add", "--subject", "Two\nlines", "--customer", "A"],
                 ["customer", "add", "Zebra\nNewline AB"],
                 ["co", "add", "--subject", "s", "--customer", "Two\r\nlines"]):
        refused = run(cli_db, *args, ok=False)
        assert "contains a line break: write it on one line" in refused.stderr
    run(cli_db, "co", "add", "--subject", "Tab\tsubject", "--customer", "Tab\there")
    listed = run(cli_db, "co", "list").stdout.splitlines()
    assert len(listed) == 2 + 2 + 1  # header, rule, two orders, the totals
    assert any("Tab subject" in line and "Tab here" in line for line in listed)


def test_permissions_from_the_cli(cli_db: str) -> None:
    mine = run(cli_db, "co", "add", "--subject", "Bob's", "--customer", "A",
               "--assign", "bob").stdout.strip()
    other = run(cli_db, "co", "add", "--subject", "Not Bob's", "--customer", "A").stdout.strip()
    listed = json.loads(run(cli_db, "co", "list", "--json", user="bob").stdout)
    assert [o["serial"] for o in listed] == [int(mine)]
    run(cli_db, "co", "show", other, user="bob", ok=False)
    before = snapshot(cli_db)
    run(cli_db, "co", "edit", mine, "--subject", "changed", user="bob", ok=False)
    run(cli_db, "co", "delete", mine, "--yes", user="anna", ok=False)
    run(cli_db, "settings", "set", "list_sort", "serial", user="anna", ok=False)
    run(cli_db, "user", "add", "mallory", "--admin", user="anna", ok=False)
    assert snapshot(cli_db) == before
    run(cli_db, "co", "list", user="nobody", ok=False)


def test_delete_asks_and_without_a_yes_keeps_the_order(cli_db: str) -> None:
    """`co delete` asks first, also when the answer comes through a pipe: "n", or no
    answer at all (empty input, no terminal), keeps the order; "y" or --yes deletes."""
    serials = [run(cli_db, "co", "add", "--subject", f"Order {i}", "--customer", "A"
                   ).stdout.strip() for i in range(3)]
    argv = ["--db", cli_db, "--as", "eva", "co", "delete", serials[0]]
    for answer, way in (("n\n", _in_process), ("", _in_process), ("", _process)):
        refused = way(argv, answer)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert refused.stderr.rstrip().endswith(
            f"Error: Contact order {serials[0]} not deleted (give --yes to delete without "
            "asking)")
        run(cli_db, "co", "show", serials[0])
    for serial, user, words in (("999999", "eva", "No contact order 999999"),
                                (serials[0], "anna", "may not delete")):
        refused = run(cli_db, "co", "delete", serial, stdin="y\n", user=user, ok=False)
        assert words in refused.stderr and "[y/N]" not in refused.stderr  # not asked
    run(cli_db, "co", "delete", serials[0], stdin="y\n")
    run(cli_db, "co", "delete", serials[1], "--yes", stdin="")
    run(cli_db, "co", "show", serials[0], ok=False)
    run(cli_db, "co", "show", serials[1], ok=False)
    run(cli_db, "co", "show", serials[2])


def test_register_entries_nothing_uses_are_deleted_after_asking(cli_db: str) -> None:
    """A customer, facility or object made by mistake stayed for good (QA17 M4): delete
    asks first (no answer keeps it), refuses one in use naming its uses, and options of
    add or edit."""
    run(cli_db, "customer", "add", "Typo AB", "--number", "C-9")
    run(cli_db, "customer", "add", "Real AB", "--number", "C-1")
    site = run(cli_db, "facility", "add", "Lager", "--customer", "C-1").stdout.split(":")[0]
    unit = run(cli_db, "service-object", "add", "Pump", "--customer", "C-1").stdout.split(
        ":")[0]
    site, unit = site.split()[-1], unit.split()[-1]
    run(cli_db, "co", "add", "--subject", "x", "--customer", "C-1")
    argv = ["--db", cli_db, "--as", "eva", "customer", "delete", "C-9"]
    for answer, way in (("n\n", _in_process), ("", _process)):
        kept = way(argv, answer)
        assert kept.returncode == 1 and kept.stderr.rstrip().endswith(
            "Error: Not deleted: customer C-9 Typo AB (give --yes to delete without asking)")
    for args, words in (
            (("customer", "delete", "C-1"), "Customer C-1 'Real AB' has 1 contact order, "
                                            "1 facility and 1 service object"),
            (("customer", "delete", "C-9", "--city", "X"), "--city is not for delete"),
            (("facility", "delete", "x"), "give the facility's id"),
            (("customer", "delete", "C-404"), "C-404")):
        refused = run(cli_db, *args, stdin="y\n", ok=False)
        assert words in refused.stderr and "[y/N]" not in refused.stderr, refused.stderr
    refused = run(cli_db, "customer", "delete", "C-9", user="anna", stdin="y\n", ok=False)
    assert "delete customers" in refused.stderr and "[y/N]" not in refused.stderr
    assert run(cli_db, "customer", "delete", "C-9", stdin="y\n").stdout == (
        "Deleted customer C-9 Typo AB\n")
    assert run(cli_db, "service-object", "delete", unit, "--yes").stdout.startswith(
        f"Deleted service object {unit} Pump")
    assert run(cli_db, "facility", "delete", site, "--yes").stdout.startswith(
        f"Deleted facility {site} Lager (Real AB)")
    assert "Typo AB" not in run(cli_db, "export", "csv", "customers", "-").stdout


def test_near_duplicates_name_the_options_of_their_command(cli_db: str) -> None:
    """customer add and facility add have --create-new only; co add has both."""
    run(cli_db, "customer", "add", "Bergström Värme AB")
    for args in (["customer", "add", "bergstrom varme"],
                 ["facility", "add", "Plant", "--customer", "Bergström Värme AB"]):
        if args[0] == "facility":
            run(cli_db, *args)
            args = [*args[:2], "PLANT", *args[3:]]
        refused = run(cli_db, *args, ok=False)
        assert refused.stderr.rstrip().endswith(": use that one, or --create-new adds it "
                                                "anyway")  # (no "choose to use" to choose)
        run(cli_db, *args, "--create-new")
    refused = run(cli_db, "co", "add", "--subject", "s", "--customer", "Bergström  Värme",
                  ok=False)
    assert "(--use-existing or --create-new)" in refused.stderr
    # a name like one there, but not its name: use-existing does not guess which
    refused = run(cli_db, "co", "add", "--subject", "s", "--customer", "Bergström Värm",
                  "--use-existing", ok=False)
    assert refused.stderr.strip() == (
        "Error: Customer 'Bergström Värm' looks like existing 'Bergström Värme AB (1001)': "
        "give that name as it is to use it, or --create-new")


def test_register_edits(cli_db: str) -> None:
    """customer/facility/service-object edit change only the options given; the search
    finds the new names, also through what shows them (a facility its customer's)."""
    run(cli_db, "customer", "add", "Bergström Värme AB", "--number", "C-1", "--city", "Umeå")
    facility = run(cli_db, "facility", "add", "Plant", "--customer", "C-1",
                   "--city", "Umeå").stdout.split(":")[0].split()[-1]
    heat_pump = run(cli_db, "service-object", "add", "Heat pump", "--customer", "C-1",
                    "--serial", "SN-1").stdout.split(":")[0].split()[-1]
    assert run(cli_db, "customer", "edit", "C-1", "--name", "Zeta AB").stdout == (
        "Customer C-1: Zeta AB (saved)\n")
    assert run(cli_db, "facility", "edit", facility, "--name", "North plant", "--lat", "63.8",
               "--lon", "20.3").stdout == f"Facility {facility}: North plant (Zeta AB) (saved)\n"
    run(cli_db, "service-object", "edit", heat_pump, "--model", "F2120")
    hits = json.loads(run(cli_db, "search", "zeta", "--json").stdout)
    assert [(h["register"], h["title"]) for h in hits] == [
        ("customers", "Zeta AB"), ("facilities", "North plant"),
        ("service-objects", "Heat pump")]
    [hit] = json.loads(run(cli_db, "search", "f2120", "--json").stdout)
    assert "SN-1" in hit["subtitle"]  # the serial number kept
    [hit] = json.loads(run(cli_db, "search", "umea", "--register", "customers",
                           "--json").stdout)
    assert hit["title"] == "Zeta AB"  # the city kept
    # Bad edits: one line each, nothing changed.
    for args, words in (
            (["facility", "edit", facility], "Nothing to change"),
            (["facility", "edit", "Plant", "--city", "X"], "the facility's id"),
            (["facility", "edit", facility, "--lat", "1"], "--lat and --lon go together"),
            (["facility", "edit", facility, "--customer", "C-1", "--city", "X"], "add"),
            (["facility", "edit", "999999", "--city", "X"], "No facility with id 999999"),
            (["service-object", "edit", heat_pump, "--serial", ""], None),
            (["customer", "edit", "99999", "--city", "X"],
             "No customer with the number or name '99999'"),
            (["customer", "add", "X", "--name", "Y"], "--name is for edit")):
        if words is None:
            run(cli_db, *args)  # clearing the serial number is an edit like any other
            continue
        assert words in run(cli_db, *args, ok=False).stderr
    run(cli_db, "customer", "add", "Bergström Värme AB")
    refused = run(cli_db, "customer", "edit", "C-1", "--name", "Bergstrom varme ab", ok=False)
    assert refused.stderr.rstrip().endswith(
        ": keep the name it has, or --create-new saves it anyway")
    run(cli_db, "customer", "edit", "C-1", "--name", "Bergstrom varme ab", "--create-new")
    refused = run(cli_db, "facility", "edit", facility, "--city", "X", user="bob", ok=False)
    assert "edit facilities" in refused.stderr
    edits = json.loads(run(cli_db, "audit", "--entity", "service-object", "--json").stdout)
    assert [(e["action"], e["before"], e["after"]) for e in edits] == [
        ("service_object.edit", {"serial_number": "SN-1"}, {"serial_number": ""}),
        ("service_object.edit", {"model": ""}, {"model": "F2120"}),
        ("service_object.add", None, edits[-1]["after"])]
    [renamed, *_] = json.loads(run(cli_db, "audit", "--entity", "customer", "--json").stdout)
    assert (renamed["before"], renamed["after"]) == ({"name": "Zeta AB"},
                                                     {"name": "Bergstrom varme ab"})
    # customers are named by their number, as users know them, not the internal id
    assert renamed["label"] == "customer C-1"
    assert "customer C-1" in run(cli_db, "audit", "--entity", "customer").stdout
    by_number = json.loads(run(cli_db, "audit", "--entity", "customer", "--id", "C-1",
                               "--json").stdout)
    assert [e["action"] for e in by_number] == ["customer.edit", "customer.edit", "customer.add"]
    assert {e["label"] for e in by_number} == {"customer C-1"}
    unknown = run(cli_db, "audit", "--entity", "customer", "--id", "C-404", ok=False)
    assert "No customer number C-404" in unknown.stderr


def test_conflict_with_expect_version(cli_db: str) -> None:
    serial = run(cli_db, "co", "add", "--subject", "One", "--customer", "A").stdout.strip()
    run(cli_db, "co", "edit", serial, "--subject", "Two", "--expect-version", "1")
    result = run(cli_db, "co", "edit", serial, "--hours", "4", "--expect-version", "1",
                 ok=False)
    assert "subject" in result.stderr and "changed" in result.stderr
    assert json.loads(run(cli_db, "co", "show", serial, "--json").stdout)["hours"] == 0


def test_admin_commands(cli_db: str) -> None:
    run(cli_db, "status", "add", "Offer sent")
    run(cli_db, "status", "rename", "Contacted", "Called")
    run(cli_db, "status", "move", "Offer sent", "1")
    names = [s["name"] for s in json.loads(run(cli_db, "status", "list", "--json").stdout)]
    assert names[0] == "Offer sent" and "Called" in names and "Contacted" not in names
    run(cli_db, "settings", "set", "list_sort", "serial")
    on = run(cli_db, "settings", "set", "channels.email", "on")
    assert on.stdout == "channels.email = on\n"  # and what keeps it from sending:
    assert "Warning: E-mail is on but no SMTP host is set" in on.stderr
    assert "Warning: E-mail is on" in run(cli_db, "settings", "show").stderr
    assert "Warning" not in run(cli_db, "settings", "set", "smtp.host",
                                "smtp.example.com").stderr
    run(cli_db, "settings", "set", "smtp.password", "hunter2")
    shown = json.loads(run(cli_db, "settings", "show", "--json").stdout)
    assert shown["list_sort"] == "serial" and shown["channels.email"] is True
    assert shown["smtp.password"] == "********"
    assert "channels.email    on" in run(cli_db, "settings", "show").stdout  # as set
    run(cli_db, "settings", "set", "smtp.port", "abc", ok=False)
    negative = run(cli_db, "settings", "set", "smtp.port", "-1", ok=False)
    assert "Port must be between 1 and 65535" in negative.stderr  # not "No such option"
    run(cli_db, "settings", "set", "no.such", "1", ok=False)
    run(cli_db, "status", "add", "Spare")
    assert run(cli_db, "status", "delete", "SPARE").stdout == "Status 'Spare' deleted\n"
    serial = run(cli_db, "co", "add", "--subject", "s", "--customer", "A", "--status",
                 "Called").stdout.strip()
    used = run(cli_db, "status", "delete", "Called", ok=False)
    assert "used by 1 order; deactivate it instead" in used.stderr
    assert json.loads(run(cli_db, "co", "show", serial, "--json").stdout)["status"] == "Called"
    statuses = json.loads(run(cli_db, "audit", "--entity", "status", "--json").stdout)
    assert {e["action"] for e in statuses} == {"status.add", "status.rename", "status.move",
                                               "status.delete"}
    unknown = run(cli_db, "audit", "--entity", "statuses", ok=False)  # not an empty table
    assert "'statuses' is not one of 'booking'" in unknown.stderr
    run(cli_db, "settings", "set", "timezone", "Asia/Kolkata")  # +05:30 all year
    [event] = json.loads(run(cli_db, "audit", "--limit", "1", "--json").stdout)
    assert event["at"].endswith("+05:30")  # local, as everywhere else (it was UTC)
    assert event["after"] == {"value": "Asia/Kolkata"} and event["before"] is not None
    refused = run(cli_db, "settings", "show", user="anna", ok=False)  # not an admin
    assert "admins only" in refused.stderr and "hunter2" not in refused.stdout
    run(cli_db, "user", "perms", "bob", "view-assigned", "create")
    users = {u["username"]: u for u in json.loads(run(cli_db, "user", "list", "--json").stdout)}
    assert users["bob"]["perms"] == ["view-assigned", "create"]
    run(cli_db, "user", "perms", "bob", "fly", ok=False)


def test_csv_export_import(cli_db: str, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("number,name,city,phone,email\n5001,Öberg & Söner,Luleå,0920-111,"
                      "info@oberg.se\n,Åkesson Fastigheter,Malmö,,\n,,Nowhere,,\n")
    result = run(cli_db, "import", "csv", "customers", str(source), ok=False)
    assert "line 4" in result.stderr and "Customer must not be empty" in result.stderr
    assert "nothing imported" in result.stderr
    assert "Öberg" not in run(cli_db, "export", "csv", "customers", "-").stdout
    source.write_text(source.read_text().replace("\n,,Nowhere,,\n", "\n"))
    assert run(cli_db, "import", "csv", "customers", str(source)).stdout == (
        "Imported 2 customers\n")
    assert run(cli_db, "import", "csv", "customers", str(source)).stdout == (
        "Imported 0 customers; 2 already there\n")
    out = tmp_path / "out.csv"
    run(cli_db, "export", "csv", "customers", str(out))
    text = out.read_text()
    assert "5001,Öberg & Söner,,Luleå,0920-111,info@oberg.se" in text
    assert "Åkesson Fastigheter" in text
    edited = tmp_path / "edited.csv"
    edited.write_text(text.replace("5001,Öberg & Söner,,Luleå", "5001,Öberg & Söner,,Kiruna"))
    again = run(cli_db, "import", "csv", "customers", str(edited))
    assert again.stdout == "Imported 0 customers; 2 already there\n"
    assert again.stderr == (
        "Not changed: 1 row already there with columns unlike the register's (line 2, "
        "Öberg & Söner (5001): city). An import adds rows, it does not update them: "
        "change them with `crm-tui customer edit`.\n")
    # From standard input; a name like an existing one is refused unless allowed.
    alike = "name,city\nAkesson fastigheter,Lund\n"
    refused = run(cli_db, "import", "csv", "customers", "-", stdin=alike, ok=False)
    assert ("line 2: customer 'Akesson fastigheter' looks like existing 'Åkesson "
            "Fastigheter") in refused.stderr and "--allow-similar" in refused.stderr
    assert run(cli_db, "import", "csv", "customers", "-", "--allow-similar",
               stdin=alike).stdout == "Imported 1 customer\n"
    assert "Akesson fastigheter" in run(cli_db, "export", "csv", "customers", "-").stdout


def test_real_process_errors_are_one_line(cli_db: str) -> None:
    """As a script sees it: exit status, one line on stderr, no traceback."""
    run(cli_db, "co", "add", "--subject", "s", "--customer", "X", "--hours", "-1", ok=False,
        real=True)
    run(cli_db, "co", "list", "--completed", "sometimes", ok=False, real=True)
    assert run(cli_db, "co", "add", "--subject", "s", "--customer", "X",
               real=True).stdout.strip() == "1"


def test_bad_bytes_and_unwritable_files_are_one_line_errors(cli_db: str,
                                                           tmp_path: Path) -> None:
    """Arguments or standard input that are not UTF-8, and files that cannot be written,
    end in one line on stderr (they ended in tracebacks), and nothing is saved."""
    before = snapshot(cli_db)
    base = [*EXE, "--db", cli_db, "--as", "eva"]
    for argv, data in (([*base, "customer", "add", b"Bad\xffName"], None),
                       ([*base, "search", b"\xfe"], None),
                       ([*base, "co", "add", "--subject", "s", "--customer", "X"], None),
                       ([*base, "co", "note", "1", "-"], b"Called \xff\xfe back")):
        done = subprocess.run(argv, input=data, capture_output=True, timeout=60)
        if argv[-1] == "X":  # the order the note goes to
            assert done.returncode == 0, done.stderr
            before = snapshot(cli_db)
            continue
        assert done.returncode == 1
        assert done.stderr.decode() == "Error: the text given is not valid UTF-8\n"
    assert snapshot(cli_db) == before
    for what in ("customers", "orders"):  # the folder does not exist
        missing = run(cli_db, "export", "csv", what, str(tmp_path / "no" / "x.csv"), ok=False,
                      real=True)
        assert missing.stderr == (f"Error: No such file or directory: "
                                  f"{tmp_path / 'no' / 'x.csv'}\n")
    ics = run(cli_db, "export", "ics", str(tmp_path / "no" / "x.ics"), ok=False, real=True)
    assert ics.stderr.startswith("Error: No such file or directory")
    # A refused export leaves the file it would have written as it was (it emptied it).
    kept = tmp_path / "orders.csv"
    run(cli_db, "export", "csv", "orders", str(kept))
    made = kept.read_bytes()
    assert made.count(b"\n") == 2  # the header and the order
    run(cli_db, "user", "add", "nils")  # no permissions
    for user in ("nils", "nobody"):
        refused = run(cli_db, "export", "csv", "orders", str(kept), user=user, ok=False)
        assert "nils may not" in refused.stderr or "No user named 'nobody'" in refused.stderr
        assert kept.read_bytes() == made
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []
    run(cli_db, "export", "ics", str(tmp_path / "no.ics"), user="nils", ok=False)
    assert not (tmp_path / "no.ics").exists()


def test_demo_then_list_prints_every_order_sorted_completed_last(tmp_path: Path) -> None:
    """The issue's acceptance line, as a real process: demo, then co list --json."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    seeded = _process(["--db", url, "demo"], None)
    assert seeded.returncode == 0, seeded.stderr
    # making the database is what demo is for: no "Mistyped?" note after it; its users
    # are named, with the one acting here (first on an empty database: an admin)
    assert seeded.stderr == ""
    you = getpass.getuser()
    assert seeded.stdout.splitlines()[1] == (
        f"Its users: eva, anna, bob, carl, dina (eva is the admin), and you, {you}, an "
        f"admin too. As one of them: crm-tui --db {url} --as anna")
    listed = _process(["--db", url, "co", "list", "--json", "--completed", "include"], None)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) >= 1000
    flags = [r["completed"] for r in rows]
    assert flags == sorted(flags) and any(flags) and not all(flags)  # completed last
    open_rows = [r for r in rows if not r["completed"]]
    keys = [(r["scheduled"] or "9999-12-31", r["serial"]) for r in open_rows]
    assert keys == sorted(keys)  # by scheduled date (the default list mode)
    assert _process(["--db", url, "settings", "set", "list_sort", "serial"], None).returncode == 0
    by_serial = json.loads(_process(["--db", url, "co", "list", "--json", "--completed",
                                     "include"], None).stdout)
    open_serials = [r["serial"] for r in by_serial if not r["completed"]]
    assert open_serials == sorted(open_serials) and len(by_serial) == len(rows)
    assert [r["completed"] for r in by_serial] == sorted(r["completed"] for r in by_serial)


def test_a_database_named_but_not_there_is_made_and_said_so(tmp_path) -> None:
    """A mistyped --db gave an empty CRM without a word, as if the data were gone; one
    in a directory that is not there is refused (its directories were made, from the
    root down, and a read-only command then "succeeded" on the empty database)."""
    close_database()
    nowhere = tmp_path / "no" / "such" / "crm.db"
    refused = run(f"sqlite:///{nowhere}", "todo", ok=False)
    assert refused.stderr.strip() == (
        f"Error: There is no database at {nowhere}, and no directory {nowhere.parent} to "
        "make one in (--db): check the path, or make the directory first")
    assert not (tmp_path / "no").exists()
    path = tmp_path / "crm.db"
    first = run(f"sqlite:///{path}", "user", "list", user=None)
    assert path.exists()
    assert f"Note: There was no database at {path}: a new, empty one was made" in (
        first.stderr)
    assert "(--db)" in first.stderr
    close_database()
    assert "Note:" not in run(f"sqlite:///{path}", "user", "list", user=None).stderr


def test_dates_relative_to_today_as_in_the_app(cli_db: str) -> None:
    """--scheduled, --from/--to and a booking's --at take today, tomorrow and +N as the
    app does (the CLI took YYYY-MM-DD only)."""
    from crm_tui.services.timezone import local_now

    today = local_now().date()
    serial = run(cli_db, "co", "add", "--subject", "Soon", "--customer", "Berg AB",
                 "--scheduled", "+7").stdout.strip()
    run(cli_db, "co", "add", "--subject", "Later", "--customer", "Berg AB", "--scheduled",
        "+40")
    shown = json.loads(run(cli_db, "co", "show", serial, "--json").stdout)
    assert shown["scheduled"] == (today + dt.timedelta(days=7)).isoformat()
    listed = json.loads(run(cli_db, "co", "list", "--json", "--from", "today", "--to",
                            "+30").stdout)
    assert [str(row["serial"]) for row in listed] == [serial]  # not the one in 40 days
    run(cli_db, "co", "edit", serial, "--scheduled", "tomorrow")
    assert json.loads(run(cli_db, "co", "show", serial, "--json").stdout)["scheduled"] == (
        today + dt.timedelta(days=1)).isoformat()
    booked = run(cli_db, "booking", "add", serial, "--at", "tomorrow 9:00", "--kind",
                 "phone").stdout
    assert f"on {today + dt.timedelta(days=1):%Y-%m-%d} 09:00" in booked
    past = run(cli_db, "booking", "add", serial, "--at", "yesterday 9:00", "--kind", "phone")
    assert f"Note: {today - dt.timedelta(days=1):%Y-%m-%d} 09:00 is in the past" in past.stderr
    bad = run(cli_db, "booking", "add", serial, "--at", "tomorrow", "--kind", "phone",
              ok=False)
    assert "'tomorrow 9:00'" in bad.stderr  # the forms it takes
    run(cli_db, "co", "add", "--subject", "s", "--customer", "Berg AB", "--scheduled",
        "+x", ok=False)


def test_the_worker_says_it_acts_for_no_user(cli_db: str) -> None:
    """--as was taken in silence, as if the worker delivered one user's messages."""
    once = run(cli_db, "worker", "--once", user=None, real=True)
    assert "Note:" not in once.stderr and "0 reminders" in once.stdout
    named = run(cli_db, "worker", "--once", user="anna", real=True)
    assert "Note: the worker delivers for every user; --as is ignored" in named.stderr


def test_user_edit_changes_a_name_email_or_phone(cli_db: str) -> None:
    """A mistyped e-mail could not be put right (only a new username would do); `user
    edit` changes a user's name, e-mail or phone: an admin anyone's, a user their own."""
    out = run(cli_db, "user", "edit", "anna", "--email", "anna@example.com", "--phone",
              "070-123 45 67").stdout
    assert out.strip() == "User anna: Anna Berg · anna@example.com · 070-123 45 67"
    run(cli_db, "user", "edit", "bob", "--name", "Bob Nilsson", user="bob")
    listed = {u["username"]: u for u in json.loads(run(cli_db, "user", "list",
                                                       "--json").stdout)}
    assert (listed["anna"]["email"], listed["bob"]["display_name"]) == (
        "anna@example.com", "Bob Nilsson")
    before = snapshot(cli_db)
    both = run(cli_db, "user", "edit", "anna", "--email", "x", "--phone", "abc", ok=False)
    assert "'x' is not a valid e-mail address; 'abc' is not a valid phone number" in (
        both.stderr)
    for args, words in ((("anna", "--email", "anna-at-home"), "not a valid e-mail"),
                        (("anna",), "Give what to change"),
                        (("nobody", "--name", "X"), "No user named 'nobody'")):
        assert words in run(cli_db, "user", "edit", *args, ok=False).stderr
    refused = run(cli_db, "user", "edit", "anna", "--name", "X", user="bob", ok=False)
    assert "edit other users: admins only" in refused.stderr
    assert snapshot(cli_db) == before

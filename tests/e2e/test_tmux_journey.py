"""Issue 3's acceptance walk, as a person at an 80x24 terminal (tmux), then the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

from crm_tui.db.database import close_database, sqlite_url
from crm_tui.services import demo, setup
from tests.e2e.helpers import Tmux, need_tool


def test_find_customer_add_order_write_note_then_cli(tmp_path: Path) -> None:
    need_tool("tmux")
    url = sqlite_url(tmp_path / "crm.db")
    setup.open_database(url)
    demo.seed(customers=40, orders=80, today=dt.date.today())
    close_database()
    term = Tmux([sys.executable, "-m", "crm_tui", "--db", url, "--as", "anna"], 80, 24)
    try:
        term.wait_for(lambda s: "Anna Berg" in s and "To-do" in s, "the to-do panel")
        term.send("F4")
        term.wait_for(lambda s: "Registers" in s and "shown ·" in s, "the registers")
        term.send("angelholms")  # typed without the accent of Ängelholms
        term.wait_for(lambda s: "Ängelholms Bostäder" in s, "the search result")
        term.send("Enter")
        term.wait_for(lambda s: "Ängelholms Bostäder" in s and "customer 1004" in s,
                      "the customer card")
        term.send("C-n")
        term.wait_for(lambda s: "New contact order" in s and "Ängelholms Bostäder" in s,
                      "a new order for the customer")
        term.send("Wants a quote for a second heat pump")
        term.send("C-s")
        screen = term.wait_for(lambda s: re.search(r"Contact order \d+ .*created", s)
                               is not None, "the saved order")
        serial = int(re.search(r"Contact order (\d+)", screen).group(1))  # type: ignore[union-attr]
        term.send("C-o")  # to the note editor
        term.wait_for(lambda s: "Type the note" in s, "the note editor focused")
        term.send("Called, wants an offer in March")
        term.wait_for(lambda s: "Called, wants an offer" in s, "the typed note")
        term.send("C-o")
        term.wait_for(lambda s: "Note added" in s, "the note saved")
        term.send("Escape")
        term.send("F3")
        term.wait_for(lambda s: "Contact orders" in s and "Filter" in s, "the order list")
        term.send("/")
        term.wait_for(lambda s: "Search subject" in s, "the quick search box")
        term.send("second heat")
        term.wait_for(lambda s: str(serial) in s and "Wants a quote" in s, "the order listed")
    finally:
        term.close()
    done = subprocess.run([sys.executable, "-m", "crm_tui", "--db", url, "--as", "anna", "co",
                           "show", str(serial), "--json"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["subject"] == "Wants a quote for a second heat pump"
    assert shown["customer"] == "Ängelholms Bostäder"
    assert shown["created_by"] == "anna"
    assert [(n["author"], n["text"]) for n in shown["notes"]] == [
        ("anna", "Called, wants an offer in March")]

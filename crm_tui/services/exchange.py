"""CSV export of registers and orders, and CSV import of registers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from peewee import fn

from crm_tui.db.database import db
from crm_tui.db.models import Customer, Facility, ServiceObject
from crm_tui.domain.errors import CrmError, NearDuplicate, ValidationError
from crm_tui.domain.permissions import Perm
from crm_tui.domain.records import Actor, Completed, OrderFilter
from crm_tui.domain.text import plural
from crm_tui.services import order_list, registers
from crm_tui.services.base import fresh, require, writing

EXPORTS = ("customers", "facilities", "service-objects", "orders")
NOUNS = {"customers": ("customer", "customers"), "facilities": ("facility", "facilities"),
         "service-objects": ("service object", "service objects"),
         "orders": ("order", "orders")}
"""Each register's name for one row and for several (plural() takes them)."""
IMPORTS = ("customers", "facilities", "service-objects")

COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("number", "name", "address", "city", "phone", "email"),
    "facilities": ("customer_number", "customer", "name", "address", "city", "latitude",
                   "longitude"),
    "service-objects": ("customer_number", "customer", "facility", "name", "model",
                        "serial_number"),
    "orders": ("serial", "subject", "customer", "facility", "service_object", "contact_name",
               "contact_phone", "contact_email", "status", "scheduled", "hours", "assignees",
               "completed", "completed_at"),
}


def _rows(actor: Actor, what: str) -> Iterator[dict[str, Any]]:
    if what == "customers":
        for c in registers.iter_customers(actor):
            yield {k: getattr(c, k) for k in COLUMNS["customers"]}
    elif what == "facilities":
        numbers = {c.id: c.number for c in registers.iter_customers(actor)}
        for f in registers.iter_facilities(actor):
            yield {"customer_number": numbers.get(f.customer_id, ""),
                   "customer": f.customer_name, "name": f.name, "address": f.address,
                   "city": f.city, "latitude": f.latitude, "longitude": f.longitude}
    elif what == "service-objects":
        numbers = {c.id: c.number for c in registers.iter_customers(actor)}
        for s in registers.iter_service_objects(actor):
            yield {"customer_number": numbers.get(s.customer_id, ""),
                   "customer": s.customer_name or "", "facility": s.facility_name or "",
                   "name": s.name, "model": s.model, "serial_number": s.serial_number}
    else:
        for o in order_list.iter_orders(actor, OrderFilter(completed=Completed.INCLUDE)):
            yield {"serial": o.serial, "subject": o.subject, "customer": o.customer,
                   "facility": o.facility or "", "service_object": o.service_object or "",
                   "contact_name": o.contact.name, "contact_phone": o.contact.phone,
                   "contact_email": o.contact.email, "status": o.status or "",
                   "scheduled": o.scheduled.isoformat() if o.scheduled else "",
                   "hours": str(o.hours), "assignees": " ".join(o.assignees),
                   "completed": "yes" if o.completed else "no",
                   "completed_at": o.completed_at.isoformat() if o.completed_at else ""}


def export_csv(actor: Actor, what: str, out: TextIO) -> int:
    """Write a register (or the orders the actor may see) as CSV; returns rows written."""
    if what not in EXPORTS:
        raise ValidationError(f"Cannot export '{what}'; choose one of {', '.join(EXPORTS)}")
    writer = csv.DictWriter(out, fieldnames=COLUMNS[what])
    writer.writeheader()
    count = 0
    for row in _rows(actor, what):
        writer.writerow({k: _cell(v) for k, v in row.items()})
        count += 1
    return count


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""How a cell starts that a spreadsheet runs as a formula (CSV injection)."""


def _cell(value: Any) -> Any:
    """A value as a CSV cell. Text a spreadsheet would run as a formula (a customer
    named =HYPERLINK(...), a phone number +46 ...) gets a leading apostrophe, which
    spreadsheets show as text and the import takes off again; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and _marked(value):
        return "'" + value
    return value


def _marked(text: str) -> bool:
    """Whether the export puts an apostrophe before ``text``: it starts as a formula,
    or with apostrophes before one (a value of its own that starts so keeps them)."""
    return text.lstrip("'").startswith(FORMULA_START)


def _uncell(text: str) -> str:
    """A cell as the export wrote it, without the apostrophe that kept it from being
    run as a formula."""
    return text[1:] if text.startswith("'") and _marked(text[1:]) else text


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows added, and rows skipped as already there (the same
    record: importing a file twice adds nothing the second time)."""

    added: int
    skipped: int = 0
    differing: tuple[tuple[int, str, tuple[str, ...]], ...] = ()
    """Rows skipped as already there whose other columns differ from the register:
    (line, the record's name, the columns), not changed (an import adds, it does not
    update)."""
    repeated: tuple[tuple[int, int], ...] = ()
    """Rows the same as one above them in the file: (line, the line it repeats)."""


MAX_LISTED = 20  # rejected rows named in the error; the count says how many more


@dataclass(frozen=True)
class _Row:
    line: int  # where the record starts in the file
    values: dict[str, str]
    fields: int  # how many fields the record had


def _read(source: Path | TextIO) -> tuple[list[str], list[_Row]]:
    """The header's column names (stripped, lower-case) and the records."""
    if isinstance(source, Path):
        try:
            text = source.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(f"{source} is not UTF-8 text (byte {exc.start + 1}): save "
                                  "it as CSV UTF-8 and import it again") from None
        except OSError as exc:
            raise ValidationError(f"Cannot read {source}: {exc.strerror}") from None
    else:
        text = source.read()
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        header: list[str] = []
        while not any(header):  # blank lines before the header are skipped
            record = next(reader, None)
            if record is None:
                break
            header = [name.strip().lower() for name in record]
        rows = []
        start = reader.line_num + 1
        for record in reader:
            if any(field.strip() for field in record):  # blank lines are skipped
                rows.append(_Row(start, {k: _uncell(v.strip()) for k, v in zip(
                    header, record, strict=False)}, len(record)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError(f"The CSV file cannot be read near line {reader.line_num}: "
                              f"{exc}") from None
    return header, rows


def _delimiter(text: str) -> str:
    """"," or, for a file whose header row has semicolons and no commas, ";": a
    spreadsheet set to Swedish (and other languages with a decimal comma) saves "CSV"
    so; its header came out as one unknown column "number;name;address;…"."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if ";" in first and "," not in first else ","


def _count_error(row: _Row, columns: int) -> str:
    """Why a record has the wrong number of fields, with a likely cause: a quote that
    is not closed swallows the rest of the line (and the lines after it)."""
    message = f"{plural(row.fields, 'field')} where the header has {columns}"
    if row.fields < columns and any("\n" in v or "," in v or ";" in v
                                    for v in row.values.values()):
        message += ' (is a quote " in it not closed?)'
    return message


def _check_header(what: str, header: list[str]) -> None:
    if not any(header):
        raise ValidationError("The CSV file is empty: it needs a header row")
    known = IMPORT_COLUMNS[what]
    if "" in header:
        raise ValidationError(f"The CSV header's column {header.index('') + 1} has no name")
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise ValidationError(f"The CSV header names {', '.join(twice)} more than once")
    unknown = [name for name in header if name not in known]
    if unknown:
        raise ValidationError(f"The CSV file has unknown column(s): {', '.join(unknown)} "
                              f"(known: {', '.join(known)})")
    if "name" not in header:
        raise ValidationError("The CSV file lacks the column: name")
    if what == "facilities" and not {"customer", "customer_number"} & set(header):
        raise ValidationError("The CSV file lacks the column: customer_number or customer")


IMPORT_COLUMNS = {what: COLUMNS[what] for what in IMPORTS}  # an import reads its export


class ImportRefused(ValidationError):
    """An import with rejected rows; ``similar`` of them were named like existing ones
    (imported with on_similar "create")."""

    similar = 0


def import_csv(actor: Actor, what: str, source: Path | TextIO, *,
               on_similar: str = "ask") -> ImportResult:
    """Add register rows from CSV (a header row naming columns of export_csv).

    All or nothing: one transaction, and a file with any rejected row adds none (the
    error lists them) and can be imported again once fixed. A row whose record is
    already there (the same customer number and name, the same facility or object) is
    skipped, so a file imported twice adds nothing the second time. A row named like an
    existing entry (a customer, a facility of the same customer, an object at the same
    place) is rejected, naming that entry, unless ``on_similar`` is "create".
    """
    if on_similar not in ("ask", "create"):
        raise ValidationError("on_similar must be 'ask' or 'create'")
    if what not in IMPORTS:
        raise ValidationError(f"Cannot import '{what}'; choose one of {', '.join(IMPORTS)}")
    header, rows = _read(source)
    _check_header(what, header)
    errors = [(row.line, _count_error(row, len(header)))
              for row in rows if row.fields != len(header)]
    added = skipped = similar = 0
    differing: list[tuple[int, str, tuple[str, ...]]] = []
    repeated: list[tuple[int, int]] = []
    seen: dict[tuple[tuple[str, str], ...], int] = {}  # a row's values: its first line
    model = MODELS[what]
    made: dict[int, int] = {}  # ids this import made: the line of each
    with writing():
        actor = fresh(actor)
        require(actor, Perm.CREATE, action=f"import {what}")
        for row in rows:
            if row.fields != len(header):
                continue
            values = tuple(sorted(row.values.items()))
            if values in seen:  # the same row again: it was "already there"
                repeated.append((row.line, seen[values]))
                continue
            seen[values] = row.line
            try:
                with db.atomic():  # a savepoint: a rejected row leaves nothing behind
                    done = _import_row(actor, what, row.values, on_similar)
                if done is True:
                    added += 1
                    made[model.select(fn.MAX(model.id)).scalar()] = row.line
                else:
                    skipped += 1
                    if done:
                        differing.append((row.line, *done))
            except NearDuplicate as exc:
                similar += 1
                first = exc.candidates[0]
                line = made.get(first.id)
                # one made by this import: named by its line, and by its number only if
                # the file gave it (one given by the import goes with it)
                number = (first.number if line is None
                          else next(r.values.get("number") for r in rows if r.line == line))
                like = f"{first.name} ({number})" if number else first.name
                errors.append((row.line, f"{exc.kind} '{exc.name}' looks like "
                               + (f"'{like}' of line {line} of this file"
                                  if line is not None else f"existing '{like}'")))
            except CrmError as exc:
                errors.append((row.line, str(exc)))
        if errors:
            listed = "; ".join(f"line {line}: {message}"
                               for line, message in sorted(errors)[:MAX_LISTED])
            more = len(errors) - MAX_LISTED
            refused = ImportRefused(f"{plural(len(errors), 'row')} rejected, nothing "
                                    "imported: " + listed
                                    + (f"; and {more} more" if more > 0 else ""))
            refused.similar = similar
            raise refused
    return ImportResult(added, skipped, tuple(differing), tuple(repeated))


MODELS: dict[str, Any] = {"customers": Customer, "facilities": Facility,
                          "service-objects": ServiceObject}


Skipped = tuple[str, tuple[str, ...]]
"""A row already there whose other columns differ: its name, and those columns."""


def _import_row(actor: Actor, what: str, row: dict[str, str], on_similar: str
                ) -> bool | Skipped:
    """Add one row (inside the import's transaction): True; False if it is already
    there, or what differs (see Skipped)."""
    if what == "customers":
        return _import_customer(actor, row, on_similar)
    if what == "facilities":
        owner = _owner(row)
        if owner is None:
            raise ValidationError("a facility needs customer_number or customer")
        name = row.get("name", "")
        same = Facility.select().where(
            (Facility.customer == owner) & (Facility.name == name)
            & (Facility.address == row.get("address", ""))
            & (Facility.city == row.get("city", ""))).exists()
        if same:
            return False
        registers.create_facility(actor, owner, name, address=row.get("address", ""),
                                  city=row.get("city", ""),
                                  latitude=row.get("latitude") or None,
                                  longitude=row.get("longitude") or None,
                                  on_duplicate=on_similar)
        return True
    owner = _owner(row)
    return registers.create_service_object(
        actor, row.get("name", ""), customer=owner.id if owner is not None else None,
        facility=row.get("facility") or None,
        model=row.get("model", ""), serial_number=row.get("serial_number", ""),
        same=True, on_duplicate=on_similar) is not None


def _owner(row: dict[str, str]) -> Customer | None:
    """A row's customer: by customer_number, which the customer column (a name) must
    then agree with (a row naming one customer by number and another by name went to
    the number's without a word), else by the customer column; None if neither."""
    number, name = row.get("customer_number", ""), row.get("customer", "")
    if number:
        owner = Customer.get_or_none(Customer.number == number)
        if owner is None:
            raise ValidationError(f"No customer number {number}", "customer_number")
        if name and name.casefold() != owner.name.casefold():
            raise ValidationError(f"Customer number {number} is '{owner.name}', not "
                                  f"'{name}'", "customer")
        return owner
    return registers.find_customer(name) if name else None


def _import_customer(actor: Actor, row: dict[str, str], on_similar: str
                     ) -> bool | Skipped:
    name, number = row.get("name", "").strip(), row.get("number", "").strip()
    details = {key: row.get(key, "") for key in ("address", "city", "phone", "email")}
    if number:
        taken = Customer.get_or_none(Customer.number == number)
        if taken is not None:
            if taken.name.casefold() == name.casefold():
                differ = tuple(key for key in ("name", *details) if key in row
                               and row[key].strip() != (getattr(taken, key) or "").strip())
                return (f"{taken.name} ({number})", differ) if differ else False
            raise ValidationError(f"Customer number {number} is already taken by "
                                  f"'{taken.name}'", "number")
    elif Customer.select().where(
            (Customer.name == name) & (Customer.address == details["address"])
            & (Customer.city == details["city"]) & (Customer.phone == details["phone"])
            & (Customer.email == details["email"])).exists():
        return False
    registers.create_customer(actor, name, number=number or None, on_duplicate=on_similar,
                              **details)
    return True


def rows_of(actor: Actor, what: str) -> Iterable[dict[str, Any]]:
    """The rows an export would write (for JSON output)."""
    if what not in EXPORTS:
        raise ValidationError(f"Cannot export '{what}'; choose one of {', '.join(EXPORTS)}")
    return _rows(actor, what)

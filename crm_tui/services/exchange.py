"""CSV export of registers and orders, and CSV import of registers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from crm_tui.domain.errors import CrmError, ValidationError
from crm_tui.domain.records import Actor, Completed, OrderFilter
from crm_tui.services import order_list, registers

EXPORTS = ("customers", "facilities", "service-objects", "orders")
IMPORTS = ("customers", "facilities", "service-objects")

COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("number", "name", "address", "city", "phone", "email"),
    "facilities": ("customer_number", "customer", "name", "address", "city", "latitude",
                   "longitude"),
    "service-objects": ("customer", "facility", "name", "model", "serial_number"),
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
        for s in registers.iter_service_objects(actor):
            yield {"customer": s.customer_name or "", "facility": s.facility_name or "",
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
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
        count += 1
    return count


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows added, and one message per rejected row."""

    added: int
    errors: tuple[str, ...]


def _read(source: Path | TextIO) -> list[dict[str, str]]:
    if isinstance(source, Path):
        try:
            text = source.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"Cannot read {source}: {exc}") from None
        source = io.StringIO(text)
    reader = csv.DictReader(source)
    if not reader.fieldnames:
        raise ValidationError("The CSV file is empty: it needs a header row")
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]


def import_csv(actor: Actor, what: str, source: Path | TextIO) -> ImportResult:
    """Add register rows from CSV (header row names the columns of export_csv)."""
    if what not in IMPORTS:
        raise ValidationError(f"Cannot import '{what}'; choose one of {', '.join(IMPORTS)}")
    rows = _read(source)
    required = {"customers": {"name"}, "facilities": {"name"},
                "service-objects": {"name"}}[what]
    missing = required - set(rows[0]) if rows else set()
    if missing:
        raise ValidationError(f"The CSV file lacks the column(s): {', '.join(sorted(missing))}")
    added, errors = 0, []
    for line, row in enumerate(rows, start=2):
        try:
            _import_row(actor, what, row)
            added += 1
        except CrmError as exc:
            errors.append(f"line {line}: {exc}")
    return ImportResult(added, tuple(errors))


def _import_row(actor: Actor, what: str, row: dict[str, str]) -> None:
    if what == "customers":
        registers.add_customer(actor, row.get("name", ""), number=row.get("number") or None,
                               address=row.get("address", ""), city=row.get("city", ""),
                               phone=row.get("phone", ""), email=row.get("email", ""),
                               on_duplicate="create")
    elif what == "facilities":
        owner = row.get("customer_number") or row.get("customer") or ""
        if not owner:
            raise ValidationError("a facility needs customer_number or customer")
        registers.add_facility(actor, row.get("name", ""), owner,
                               address=row.get("address", ""), city=row.get("city", ""),
                               latitude=row.get("latitude") or None,
                               longitude=row.get("longitude") or None, on_duplicate="create")
    else:
        registers.add_service_object(actor, row.get("name", ""),
                                     customer=row.get("customer") or None,
                                     facility=row.get("facility") or None,
                                     model=row.get("model", ""),
                                     serial_number=row.get("serial_number", ""))


def rows_of(actor: Actor, what: str) -> Iterable[dict[str, Any]]:
    """The rows an export would write (for JSON output)."""
    if what not in EXPORTS:
        raise ValidationError(f"Cannot export '{what}'; choose one of {', '.join(EXPORTS)}")
    return _rows(actor, what)

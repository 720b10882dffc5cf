"""The contact-order form's data: values, differences, service input, loading, pickers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from rich.text import Text

from crm_tui.domain.errors import ValidationError
from crm_tui.domain.records import (
    Actor,
    DraftInfo,
    OrderDetail,
    OrderInput,
    StatusInfo,
    UserInfo,
)
from crm_tui.domain.text import fold, printable
from crm_tui.services import drafts, order_list, orders, registers, statuses, users, validate
from crm_tui.tui.widgets.order_table import COMPLETED_STYLE
from crm_tui.tui.widgets.picker import PickItem, plain

LINKS = ("customer", "facility", "service_object")
ORDER = ("subject", "customer", "facility", "service_object", "contact_name", "contact_phone",
         "contact_email", "status", "scheduled", "hours", "assignees")
VALIDATORS: dict[str, Callable[[str], object]] = {
    "subject": validate.subject,
    "contact_name": lambda v: validate.text(v, "contact_name"),
    "contact_phone": lambda v: validate.phone(v, "contact_phone"),
    "contact_email": lambda v: validate.email(v, "contact_email"),
    "scheduled": validate.date,
    "hours": validate.hours,
}
LABELS = {"subject": "Subject", "customer": "Customer", "facility": "Facility",
          "service_object": "Service obj.", "contact_name": "Contact", "contact_phone": "Phone",
          "contact_email": "E-mail", "status": "Status", "scheduled": "Scheduled",
          "hours": "Hours", "assignees": "Assigned"}
PLACEHOLDERS = {"subject": "what the contact is about", "customer": "type to search or add",
                "facility": "type to search or add", "service_object": "type to search",
                "contact_name": "one contact person", "contact_phone": "e.g. +46 70 123 45 67",
                "contact_email": "e.g. name@example.com",
                "scheduled": "YYYY-MM-DD, today, +7, +2w, +6m",
                "hours": "time required, e.g. 1.5"}


@dataclass(frozen=True)
class FormValues:
    """What the form holds, comparable with what was loaded."""

    subject: str = ""
    customer: str = ""
    customer_id: int | None = None
    facility: str = ""
    facility_id: int | None = None
    service_object: str = ""
    service_object_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    status: str = ""
    scheduled: str = ""
    hours: str = ""
    assignees: tuple[str, ...] = ()


def _hours_key(value: str) -> object:
    try:
        return validate.hours(value)
    except ValidationError:
        return value


def changed_fields(old: FormValues, new: FormValues) -> list[str]:
    """Order fields that differ (in form order)."""
    out = []
    for name in ORDER:
        if name in LINKS:
            differs = (getattr(old, name), getattr(old, f"{name}_id")) != (
                getattr(new, name), getattr(new, f"{name}_id"))
        elif name == "hours":
            differs = _hours_key(old.hours) != _hours_key(new.hours)
        elif name == "assignees":
            differs = sorted(old.assignees) != sorted(new.assignees)
        else:
            differs = getattr(old, name) != getattr(new, name)
        if differs:
            out.append(name)
    return out


def to_draft(values: FormValues) -> dict[str, Any]:
    """Form values as a draft keeps them (JSON)."""
    kept = asdict(values)
    kept["assignees"] = list(values.assignees)
    return kept


def from_draft(kept: dict[str, Any]) -> FormValues:
    """Form values from a draft (fields a later version has not are left out)."""
    known = {f.name for f in fields(FormValues)}
    values = FormValues(**{k: v for k, v in kept.items() if k in known})
    return replace(values, assignees=tuple(str(u) for u in values.assignees))


def with_draft(now: FormValues, draft: DraftInfo) -> tuple[FormValues, list[str]]:
    """The order as it is ``now`` with the fields the draft changed from what it loaded
    set as typed (another field someone changed since stays theirs); and those fields."""
    loaded, typed = from_draft(draft.loaded), from_draft(draft.values)
    changed = changed_fields(loaded, typed)
    moved = {}
    for name in changed:
        moved[name] = getattr(typed, name)
        if name in LINKS:
            moved[f"{name}_id"] = getattr(typed, f"{name}_id")
    return replace(now, **moved), changed


def order_input(values: FormValues, only: list[str] | None, on_duplicate: str) -> OrderInput:
    """The service input: every field (new order) or only the changed ones (edit)."""
    data = OrderInput(on_duplicate=on_duplicate)
    for name in ORDER:
        if only is not None and name not in only:
            continue
        value = getattr(values, name)
        if name in LINKS:
            link_id = getattr(values, f"{name}_id")
            if link_id is not None:
                setattr(data, f"{name}_id", link_id)
            elif value or only is not None:
                setattr(data, name, value)
        elif name == "assignees":
            data.assignees = list(value)
        elif name == "status" and only is None:
            data.status = value or None
        else:
            setattr(data, name, value)
    return data


def safe_values(values: FormValues) -> FormValues:
    """Loaded text made safe to show in an Input (no terminal control characters)."""
    return replace(values, **{f.name: printable(getattr(values, f.name)) for f in fields(values)
                              if isinstance(getattr(values, f.name), str)})


@dataclass(frozen=True)
class FormData:
    """What the form needs from the services to open."""

    statuses: list[StatusInfo]
    users: list[UserInfo]
    detail: OrderDetail | None
    links: dict[str, PickItem]
    draft: DraftInfo | None = None  # unsaved work kept from an earlier form


def join(*parts: str | None) -> str:
    """Non-empty parts joined with a middle dot."""
    return " · ".join(p for p in parts if p)


def matches(text: str, *parts: str | None) -> bool:
    """True if ``text`` occurs in the parts, ignoring case and accents."""
    return fold(text) in fold(" ".join(p for p in parts if p))


def values_of(detail: OrderDetail) -> FormValues:
    """The form values of a saved order (shown safely)."""
    row = detail.row
    return safe_values(FormValues(
        subject=row.subject, customer=row.customer, customer_id=row.customer_id,
        facility=row.facility or "", facility_id=detail.facility_id,
        service_object=row.service_object or "", service_object_id=detail.service_object_id,
        contact_name=row.contact.name, contact_phone=row.contact.phone,
        contact_email=row.contact.email, status=row.status or "",
        scheduled=row.scheduled.isoformat() if row.scheduled else "",
        hours=f"{row.hours.normalize():f}" if row.hours else "",
        assignees=tuple(sorted(row.assignees))))


def prefill_links(actor: Actor, pre: OrderInput) -> dict[str, PickItem]:
    """Customer, facility and service object named by the ids of a pre-filled order."""
    links: dict[str, PickItem] = {}
    customer_id, facility_id = pre.customer_id, pre.facility_id
    if pre.service_object_id is not None:
        obj = registers.get_service_object(actor, pre.service_object_id)
        links["service_object"] = PickItem(obj.id, obj.name, join(obj.model, obj.serial_number))
        facility_id = facility_id or obj.facility_id
        customer_id = customer_id or obj.customer_id
    if facility_id is not None:
        fac = registers.get_facility(actor, facility_id)
        links["facility"] = PickItem(fac.id, fac.name, join(fac.address, fac.city))
        customer_id = customer_id or fac.customer_id
    if customer_id is not None:
        cust = registers.get_customer(actor, customer_id)
        links["customer"] = PickItem(cust.id, cust.name, join(cust.number, cust.city),
                                     cust.number)
    return links


def fetch_form_data(actor: Actor, serial: int | None, prefill: OrderInput | None) -> FormData:
    """Everything the form needs to open (runs in a worker thread)."""
    detail = orders.get_order(actor, serial) if serial is not None else None
    links = prefill_links(actor, prefill) if detail is None and prefill is not None else {}
    return FormData(statuses.list_statuses(include_inactive=False, count_use=False),
                    users.list_users(actor), detail, links, drafts.get(actor, serial))


def fetch_fresh(actor: Actor, serial: int) -> tuple[OrderDetail, list[StatusInfo]]:
    """The order as it is now and the statuses to offer (someone changed the data; runs
    in a worker thread)."""
    return (orders.get_order(actor, serial),
            statuses.list_statuses(include_inactive=False, count_use=False))


def customers_matching(actor: Actor, text: str) -> list[PickItem]:
    """Customers for the customer picker."""
    return [PickItem(h.id, h.title, h.subtitle, h.number)
            for h in registers.search(actor, text, "customers", 8)]


def facilities_matching(actor: Actor, text: str, customer: PickItem | None,
                        new_customer: bool = False) -> list[PickItem]:
    """The chosen customer's facilities; none for a new customer; else any facility."""
    if new_customer:
        return []
    if customer is not None:
        card = order_list.customer_card(actor, customer.id, order_limit=0)
        return [PickItem(f.id, f.name, join(f.address, f.city)) for f in card.facilities
                if matches(text, f.name, f.address, f.city)][:20]
    return [PickItem(h.id, h.title, h.subtitle)
            for h in registers.search(actor, text, "facilities", 8)]


def objects_matching(actor: Actor, text: str, customer: PickItem | None,
                     facility: PickItem | None, new_customer: bool = False) -> list[PickItem]:
    """Service objects of the chosen customer (and facility); none for a new customer."""
    if new_customer:
        return []
    if customer is not None:
        card = order_list.customer_card(actor, customer.id, order_limit=0)
        return [PickItem(s.id, s.name, join(s.model, s.serial_number, s.facility_name))
                for s in card.service_objects
                if (facility is None or s.facility_id == facility.id)
                and matches(text, s.name, s.model, s.serial_number)][:20]
    return [PickItem(h.id, h.title, h.subtitle)
            for h in registers.search(actor, text, "service-objects", 8)]


def form_title(detail: OrderDetail | None, *, stale: bool, may_change: bool) -> Text:
    """The form's title: the order, who made it, whether it is done, what it is about
    in a line, and whether it changed meanwhile or is read only."""
    if detail is None:
        return Text("New contact order · fill in and press ctrl+s")
    text = Text(f"Contact order {detail.serial}", style="bold")
    text.append(f"  ·  created {detail.created_at:%Y-%m-%d %H:%M} by ", style="dim")
    text.append_text(plain(detail.created_by, style="dim"))
    if detail.row.completed:
        text.append("  ·  COMPLETED", style=f"bold {COMPLETED_STYLE}")
        if detail.row.completed_at is not None:
            text.append(f" {detail.row.completed_at:%Y-%m-%d}", style=COMPLETED_STYLE)
    # What the order is about, in one line: on a small terminal the fields are
    # scrolled away below the notes' editor, which has the focus.
    row = detail.row
    about = plain(" · ".join(x for x in (row.subject, row.customer, row.facility,
                                         row.status) if x))
    about.stylize("not bold")
    text.append("\n")
    text.append_text(about)
    if stale:
        text.append("\nChanged by someone else meanwhile: saving shows what changed.",
                    style="bold yellow")
    if not may_change:
        text.append("\nRead only: changing the order needs the 'edit' permission.",
                    style="dim italic")
    return text

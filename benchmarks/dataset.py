"""The large dataset's registers and users: deterministic rows built in plain Python.

Rows are tuples in the column order of ``*_COLS`` (peewee field names) with explicit ids
(1..n), so later tables can refer to them without reading anything back. Every row
keeps the invariants the services keep: ``name_key``, and ``search_text`` made by the
services' own blob functions.
"""

from __future__ import annotations

import datetime as dt
import random
from array import array
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from benchmarks import names
from crm_tui.domain.text import name_key, search_blob
from crm_tui.services import demo_data as demo
from crm_tui.services.registers import customer_blob, facility_blob

Row = tuple[Any, ...]

USER_COLS = ("id", "username", "display_name", "email", "phone", "is_admin", "active",
             "permissions", "created_at", "preferences")
CUSTOMER_COLS = ("id", "number", "name", "name_key", "address", "city", "phone", "email",
                 "search_text", "created_at", "version")
FACILITY_COLS = ("id", "customer", "name", "name_key", "address", "city", "latitude",
                 "longitude", "search_text", "created_at")
OBJECT_COLS = ("id", "name", "customer", "facility", "model", "serial_number", "search_text",
               "created_at")

BASE_SIZES = {"customers": 100_000, "facilities": 150_000, "service_objects": 200_000,
              "orders": 1_000_000, "notes": 3_000_000, "bookings": 300_000, "users": 50}
MIN_USERS = 6
CARD_ORDERS = 500
PERMS = {
    "sales": "assign,assign-self,create,edit,view",
    "office": "assign,create,delete,edit,view",
    "viewer": "view",
    "technician": "assign-self,create,view-assigned",
}


@dataclass(frozen=True)
class Sizes:
    """How many rows of each kind: the issue's numbers times the scale."""

    customers: int
    facilities: int
    service_objects: int
    orders: int
    notes: int
    bookings: int
    users: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        """Sizes for ``scale`` (1.0 = the issue's large dataset); at least one customer."""
        if scale <= 0:
            raise ValueError("scale must be above 0")
        n = {k: round(v * scale) for k, v in BASE_SIZES.items()}
        n["customers"] = max(n["customers"], 1)
        n["users"] = max(n["users"], MIN_USERS)
        n["notes"] = max(n["notes"], n["orders"])  # every order has a first note
        return cls(**n)

    @property
    def card_orders(self) -> int:
        """Orders of the one customer whose card is benchmarked (~500 when large enough)."""
        return min(CARD_ORDERS, self.orders // 2)


@dataclass
class Staff:
    """Users by role (ids); the admin and one technician are the benchmark's actors."""

    rows: list[Row]
    admin: int
    sales: list[int]
    office: list[int]
    technicians: list[int]
    usernames: dict[int, str]

    @property
    def editors(self) -> list[int]:
        """Users who edit and complete orders."""
        return [self.admin, *self.sales, *self.office]


@dataclass
class Registers:
    """What order generation needs to know about customers, facilities and objects."""

    names: list[str] = field(default_factory=list)
    company: bytearray = field(default_factory=bytearray)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    fac_start: array[int] = field(default_factory=lambda: array("l"))
    fac_count: array[int] = field(default_factory=lambda: array("l"))
    fac_names: list[str] = field(default_factory=list)
    obj_start: array[int] = field(default_factory=lambda: array("l"))
    obj_count: array[int] = field(default_factory=lambda: array("l"))
    obj_names: list[str] = field(default_factory=list)
    obj_models: list[str] = field(default_factory=list)
    obj_kinds: list[str] = field(default_factory=list)


def staff(rng: random.Random, count: int, created_at: dt.datetime) -> Staff:
    """``count`` users: one admin, then sales, office, viewers and technicians."""
    rest = count - 1
    sales, office, viewers = (max(1, round(rest * share)) for share in (0.2, 0.1, 0.06))
    roles = (["sales"] * sales + ["office"] * office + ["viewer"] * viewers
             + ["technician"] * (rest - sales - office - viewers))
    rows: list[Row] = [(1, "admin", "Eva Lind", "admin@" + demo.USER_DOMAIN, "070-412 33 01",
                        True, True, "", created_at, "{}")]
    usernames = {1: "admin"}
    by_role: dict[str, list[int]] = {r: [] for r in PERMS}
    for user_id, role in enumerate(roles, start=2):
        first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.SURNAMES)
        base = f"{name_key(first)}.{name_key(last)}"
        username, n = base, 1
        while username in usernames.values():
            n += 1
            username = f"{base}{n}"
        usernames[user_id] = username
        by_role[role].append(user_id)
        rows.append((user_id, username, f"{first} {last}", f"{username}@{demo.USER_DOMAIN}",
                     names.mobile(rng), False, True, PERMS[role], created_at, "{}"))
    return Staff(rows, 1, by_role["sales"], by_role["office"], by_role["technician"], usernames)


def _spread(rng: random.Random, total: int, owners: int, extra_to: list[int]) -> array[int]:
    """Children per owner: one each while they last, the rest to random ``extra_to``."""
    counts = array("l", [1 if i < total else 0 for i in range(owners)])
    if total > owners and extra_to:
        for owner in rng.choices(extra_to, k=total - owners):
            counts[owner] += 1
    return counts


def customers(rng: random.Random, count: int, created_from: dt.datetime,
              regs: Registers) -> list[Row]:
    """Customer rows (60 % companies with unique names, 40 % private persons)."""
    rows: list[Row] = []
    taken: dict[str, int] = {}
    step = dt.timedelta(days=1500) / max(count, 1)
    for i in range(count):
        number = str(demo.FIRST_CUSTOMER_NUMBER + i)
        if i < len(demo.FIXED_COMPANIES):
            name, town_name = demo.FIXED_COMPANIES[i]
            place = next(t for t in names.TOWNS if t.name == town_name)
            company = True
        else:
            place = names.town(rng)
            company = rng.random() < 0.6
            if company:
                name = names.company_name(rng, place)
            else:
                name = " ".join(names.person_name(rng))
        key = name_key(name)
        if company and key in taken:
            base, serial = name, taken[key]
            taken[key] += 1
            name = names.distinct_company(base, place, serial)
            while name_key(name) in taken:
                serial += 1
                name = names.distinct_company(base, place, serial)
            key = name_key(name)
        taken.setdefault(key, 1)
        if company:
            domain = f"{key[:30]}.se"
            phone = names.landline(rng, place)
            email = f"{rng.choice(('info', 'kontakt', 'order'))}@{domain}"
            weight = 15.0 if i == 0 else rng.uniform(1.0, 4.0)
        else:
            first, *rest = name.split(" ")
            domain = rng.choice(demo.MAIL_DOMAINS)
            phone = names.mobile(rng)
            email = f"{name_key(first)}.{name_key(rest[-1])}@{domain}"
            weight = rng.uniform(0.3, 1.0)
        row = {"id": i + 1, "number": number, "name": name, "name_key": key,
               "address": names.street_address(rng), "city": place.name, "phone": phone,
               "email": email, "search_text": "", "created_at": created_from + step * i,
               "version": 1}
        row["search_text"] = customer_blob(SimpleNamespace(**row))  # type: ignore[arg-type]
        rows.append(tuple(row[c] for c in CUSTOMER_COLS))
        regs.names.append(name)
        regs.company.append(company)
        regs.phones.append(phone)
        regs.emails.append(email)
        regs.domains.append(domain)
        regs.weights.append(weight)
    return rows


def facilities(rng: random.Random, count: int, customer_rows: list[Row],
               regs: Registers) -> list[Row]:
    """Facility rows, grouped by customer: one per customer, extra sites for companies."""
    companies = [i for i, c in enumerate(regs.company) if c]
    regs.fac_count = _spread(rng, count, len(customer_rows), companies or [0])
    rows: list[Row] = []
    towns = {t.name: t for t in names.TOWNS}
    for c, cust in enumerate(customer_rows):
        regs.fac_start.append(len(rows))
        home = towns[cust[5]]
        company = regs.company[c]
        patterns = demo.COMPANY_SITES if company else demo.PRIVATE_SITES
        used: set[str] = set()
        for k in range(regs.fac_count[c]):
            place = home if k == 0 or rng.random() < 0.7 else names.town(rng)
            street, n = rng.choice(names.STREETS), rng.randint(1, 80)
            pattern = patterns[0] if k == 0 else rng.choice(patterns[1:])
            name = pattern.format(street=street, n=n, town=place.name,
                                  surname=regs.names[c].split()[-1], word=rng.choice(names.WORDS))
            if name in used:
                name = f"{name} {k + 1}"
            used.add(name)
            row = {"id": len(rows) + 1, "customer": c + 1, "name": name,
                   "name_key": name_key(name), "address": f"{street} {n}", "city": place.name,
                   "latitude": round(place.lat + rng.uniform(-0.03, 0.03), 5),
                   "longitude": round(place.lon + rng.uniform(-0.05, 0.05), 5),
                   "search_text": "", "created_at": cust[9]}
            row["search_text"] = facility_blob(SimpleNamespace(**row),  # type: ignore[arg-type]
                                                regs.names[c])
            rows.append(tuple(row[col] for col in FACILITY_COLS))
            regs.fac_names.append(name)
    return rows


def service_objects(rng: random.Random, count: int, facility_rows: list[Row],
                    regs: Registers) -> list[Row]:
    """Service-object rows, grouped by facility, with unique serial numbers."""
    regs.obj_count = _spread(rng, count, len(facility_rows), list(range(len(facility_rows))))
    rows: list[Row] = []
    for f, site in enumerate(facility_rows):
        regs.obj_start.append(len(rows))
        cust = site[1] - 1
        kinds = [e for e in demo.EQUIPMENT if e.private or regs.company[cust]]
        used: set[str] = set()
        for _ in range(regs.obj_count[f]):
            kind = rng.choice(kinds)
            prefix, model = rng.choice(kind.models)
            name = f"{kind.kind} ({rng.choice(demo.LOCATIONS)})"
            if name in used:
                name = f"{name} {len(used) + 1}"
            used.add(name)
            object_id = len(rows) + 1
            serial = f"{prefix}{rng.randint(12, 25)}{object_id * 7919 % 10_000_000:07d}"
            # the same blob as services.registers.add_service_object builds
            blob = search_blob(name, model, serial, regs.names[cust], site[2])
            rows.append((object_id, name, cust + 1, f + 1, model, serial, blob, site[9]))
            regs.obj_names.append(name)
            regs.obj_models.append(model)
            regs.obj_kinds.append(kind.kind)
    return rows

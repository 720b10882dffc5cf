"""The demo company's world: Swedish towns, names, equipment, texts, and its registers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from crm_tui.domain.text import name_key

ORGANISATION = "Nordvärme Service AB"
TIMEZONE = "Europe/Stockholm"
USER_DOMAIN = "nordvarme.example"
FIRST_CUSTOMER_NUMBER = 1001

STATUSES = ("New lead", "Contacted", "Meeting booked", "Offer requested",
            "Waiting for customer", "Won", "Lost")
OPEN_FUTURE_STATUSES = ("New lead", "Contacted", "Meeting booked", "Offer requested")
OPEN_PAST_STATUSES = ("Contacted", "Meeting booked", "Offer requested", "Waiting for customer")


@dataclass(frozen=True)
class DemoUser:
    """A demo user and their permission set."""

    username: str
    display_name: str
    is_admin: bool
    perms: tuple[str, ...]
    phone: str


USERS = (
    DemoUser("eva", "Eva Lind", True, (), "070-412 33 01"),
    DemoUser("anna", "Anna Berg", False,
             ("view", "edit", "create", "assign", "assign-self"), "070-412 33 02"),
    DemoUser("bob", "Bob Nilsson", False, ("view-assigned", "create", "assign-self"),
             "070-412 33 03"),
    DemoUser("carl", "Carl Ekström", False, ("view", "edit", "create", "delete", "assign"),
             "070-412 33 04"),
    DemoUser("dina", "Dina Öhman", False, ("view",), "070-412 33 05"),
)


@dataclass(frozen=True)
class Town:
    """A Swedish town with its real coordinates, phone area code and postcode prefix."""

    name: str
    lat: float
    lon: float
    area: str
    postcode: str
    weight: int = 1


TOWNS = (
    Town("Stockholm", 59.3293, 18.0686, "08", "11", 8),
    Town("Göteborg", 57.7089, 11.9746, "031", "41", 5),
    Town("Malmö", 55.6050, 13.0038, "040", "21", 4),
    Town("Uppsala", 59.8586, 17.6389, "018", "75", 3),
    Town("Västerås", 59.6099, 16.5448, "021", "72", 2),
    Town("Örebro", 59.2753, 15.2134, "019", "70", 2),
    Town("Linköping", 58.4108, 15.6214, "013", "58", 2),
    Town("Helsingborg", 56.0465, 12.6945, "042", "25", 2),
    Town("Jönköping", 57.7826, 14.1618, "036", "55", 2),
    Town("Norrköping", 58.5877, 16.1924, "011", "60", 2),
    Town("Lund", 55.7047, 13.1910, "046", "22", 2),
    Town("Umeå", 63.8258, 20.2630, "090", "90", 1),
    Town("Gävle", 60.6749, 17.1413, "026", "80", 1),
    Town("Borås", 57.7210, 12.9401, "033", "50", 1),
    Town("Södertälje", 59.1955, 17.6253, "08", "15", 2),
    Town("Eskilstuna", 59.3666, 16.5077, "016", "63", 1),
    Town("Karlstad", 59.4022, 13.5115, "054", "65", 1),
    Town("Täby", 59.4439, 18.0687, "08", "18", 2),
    Town("Växjö", 56.8777, 14.8091, "0470", "35", 1),
    Town("Halmstad", 56.6745, 12.8578, "035", "30", 1),
    Town("Sundsvall", 62.3908, 17.3069, "060", "85", 1),
    Town("Luleå", 65.5848, 22.1547, "0920", "97", 1),
    Town("Östersund", 63.1792, 14.6357, "063", "83", 1),
    Town("Ängelholm", 56.2428, 12.8622, "0431", "26", 1),
    Town("Kalmar", 56.6634, 16.3568, "0480", "39", 1),
    Town("Falun", 60.6065, 15.6355, "023", "79", 1),
    Town("Kristianstad", 56.0294, 14.1567, "044", "29", 1),
    Town("Åre", 63.3990, 13.0815, "0647", "83", 1),
)

# Customers every demo has (if there is room), so examples and tests can rely on them.
FIXED_COMPANIES = (
    ("Bergström Värme AB", "Stockholm"),
    ("Åkesson Fastigheter", "Malmö"),
    ("Öberg & Söner", "Uppsala"),
    ("Ängelholms Bostäder", "Ängelholm"),
    ("Sjöberg Rör & Svets AB", "Göteborg"),
    ("Brf Solrosen", "Täby"),
)

FIRST_NAMES = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Kerstin", "Emma", "Ingrid", "Malin",
    "Åsa", "Linnéa", "Märta", "Sofia", "Johanna", "Elin", "Ida", "Helena", "Ulla", "Birgitta",
    "Lars", "Mikael", "Johan", "Anders", "Per", "Erik", "Karl", "Peter", "Thomas", "Jan",
    "Daniel", "Fredrik", "Hans", "Mattias", "Magnus", "Björn", "Göran", "Jörgen", "Åke",
    "Örjan", "Stefan", "Niklas", "Oskar", "Axel", "Sören", "Agneta", "Gunnel", "Ronja",
)

SURNAMES = (
    "Bergström", "Åkesson", "Öberg", "Sjöberg", "Lindström", "Söderberg", "Nyström",
    "Håkansson", "Ågren", "Ström", "Löfgren", "Sandström", "Engström", "Holmström", "Wiklund",
    "Lundgren", "Björk", "Hellström", "Dahlström", "Andersson", "Johansson", "Karlsson",
    "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson",
    "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg",
    "Jakobsson", "Magnusson", "Lindgren", "Axelsson", "Berg", "Lundberg", "Mattsson",
    "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjögren", "Danielsson",
    "Lindholm", "Ekström", "Öhman", "Åström", "Östlund", "Bäckström", "Blomqvist", "Lindqvist",
)

COMPANY_PATTERNS = (
    "{surname} Värme AB", "{surname} Fastigheter AB", "{surname}s Rör AB",
    "{surname} & Söner", "{surname} Bygg & Service AB", "{surname} Energiteknik AB",
    "{surname}s Livs", "{surname} Förvaltning", "{surname} Kyl & Klimat AB",
)
TOWN_PATTERNS = ("{town_gen} Bostäder", "{town} Energi & Fastighet AB", "{town_gen} Hamnbolag",
                 "{town_gen} Tandvård", "Hotell {town}")
WORD_PATTERNS = ("Brf {word}", "Fastighets AB {word}", "Restaurang {word}", "{word} Förvaltning AB",
                 "Förskolan {word}")
WORDS = ("Solrosen", "Eken", "Björken", "Linden", "Måsen", "Tallen", "Lärkan", "Svanen",
         "Ugglan", "Örnen", "Hägern", "Kastanjen", "Rönnen", "Älgen", "Näktergalen", "Sälgen")

STREETS = (
    "Storgatan", "Drottninggatan", "Kungsgatan", "Västra vägen", "Östra Långgatan",
    "Björkvägen", "Ekvägen", "Industrivägen", "Hamngatan", "Järnvägsgatan", "Skolgatan",
    "Kyrkogatan", "Sjövägen", "Åsvägen", "Ängsvägen", "Lärkvägen", "Tallvägen", "Parkgatan",
    "Bruksgatan", "Verkstadsgatan", "Fabriksgatan", "Norra allén", "Södra Förstadsgatan",
)
MAIL_DOMAINS = ("gmail.com", "outlook.com", "hotmail.se", "telia.com", "icloud.com")

COMPANY_SITES = ("Huvudkontor", "Lager {street}", "Depå {town}", "Fastighet {street} {n}",
                 "Butik {town}", "Kontor {town}", "Verkstad {street}", "Kv. {word} {n}")
PRIVATE_SITES = ("Villa {surname}", "Fritidshus {town}", "Radhus {street} {n}")


@dataclass(frozen=True)
class Equipment:
    """A kind of serviced equipment: models (brand, model) and typical faults."""

    kind: str
    models: tuple[tuple[str, str], ...]
    private: bool


EQUIPMENT = (
    Equipment("Heat pump", (("NB", "NIBE F2120-12"), ("TH", "Thermia Atlas 12"),
                            ("IV", "IVT AirX 170"), ("DK", "Daikin Altherma 3 H HT")), True),
    Equipment("Gas boiler", (("BO", "Bosch Condens 7000 W"),
                             ("VI", "Viessmann Vitodens 200-W")), True),
    Equipment("Pellet boiler", (("PE", "PellX Compact 24"), ("CT", "CTC EcoHeat 400")), True),
    Equipment("Solar inverter", (("FR", "Fronius Symo 10.0-3-M"),
                                 ("SM", "SMA Sunny Tripower 8.0"),
                                 ("HW", "Huawei SUN2000-10KTL-M1")), True),
    Equipment("Lift", (("KO", "KONE MonoSpace 500"), ("SC", "Schindler 3300"),
                       ("OT", "Otis Gen2 Life")), False),
    Equipment("Ventilation unit", (("SW", "Swegon GOLD RX 12"),
                                   ("SY", "Systemair SAVE VTR 300"),
                                   ("FG", "FläktGroup eQ Prime 08")), False),
    Equipment("District heating substation", (("AL", "Alfa Laval Mini City"),
                                              ("CE", "Cetetherm Maxi Flex")), False),
    Equipment("Chiller", (("CA", "Carrier AquaSnap 30RB"), ("CL", "Climaveneta i-BX2")),
              False),
)
LOCATIONS = ("boiler room", "roof", "basement", "stairwell A", "stairwell B", "attic",
             "garage", "plant room", "laundry room", "technical room")

OBJECT_SUBJECTS = (
    "Annual service of {obj}", "Fault: {obj} shows alarm {code}", "{obj} makes a noise",
    "Replace filters in {obj}", "Inspection of {obj}", "Warranty claim, {model}",
    "{obj} gives no heat", "Quote: replace {kind}", "Software update, {model}",
)
GENERAL_SUBJECTS = (
    "Service agreement renewal {year}", "Follow-up call after installation",
    "Energy survey at {facility}", "Question about invoice {invoice}",
    "Offer request: new {kind}", "New lead via website", "Referral from {surname}",
    "Price list {year} to {contact}",
)
PARTS = ("expansion valve", "circulation pump", "filter set", "pressure sensor", "fan motor",
         "door operator", "control board", "gaskets", "safety valve", "display unit")
NOTES = (
    "Called {contact}; agreed to get back about {topic}.",
    "Customer reports alarm code {code} on {obj}.",
    "Offer sent: {amount} kr excl. VAT, valid 30 days.",
    "On site: replaced the {part}; test run OK.",
    "{contact} wants a visit before the end of the month.",
    "Waiting for spare part ({part}) from the supplier, ETA {days} days.",
    "Meeting with {contact} at {facility}. Next step: offer.",
    "Customer accepted the offer; installation to be booked.",
    "No answer; left a voicemail for {contact}.",
    "Checked the {part}, everything within tolerances.",
    "{contact} asked for a second quote including ROT deduction.",
    "Access code for the {location} received from the caretaker.",
)
CLOSING_NOTES = ("Job done, {hours} h reported. Invoice sent.",
                 "Customer declined the offer; closing.",
                 "Work completed and signed off by {contact}.")
BOOKING_NOTES = {
    "phone": "Call {contact} about {topic}",
    "meeting": "Site visit at {facility}",
    "digital": "Teams meeting with {contact}",
    "email": "Send offer to {contact}",
}


@dataclass
class CustomerPlan:
    """A customer to be stored, with its sites; ``id`` is filled in once inserted."""

    number: str
    name: str
    company: bool
    town: Town
    domain: str
    weight: float
    fields: dict[str, Any]
    sites: list[SitePlan] = field(default_factory=list)
    id: int = 0


@dataclass
class SitePlan:
    """A facility to be stored, with its service objects."""

    cust: CustomerPlan
    name: str
    fields: dict[str, Any]
    objects: list[ObjectPlan] = field(default_factory=list)
    id: int = 0


@dataclass
class ObjectPlan:
    """A service object to be stored."""

    site: SitePlan
    name: str
    kind: str
    model: str
    serial: str
    id: int = 0


def _town(rng: random.Random) -> Town:
    return rng.choices(TOWNS, weights=[t.weight for t in TOWNS])[0]


def _genitive(word: str) -> str:
    return word if word[-1] in "sxz" else word + "s"


def _digits(rng: random.Random, *groups: int) -> str:
    return " ".join("".join(str(rng.randint(0, 9)) for _ in range(n)) for n in groups)


def mobile(rng: random.Random) -> str:
    """A Swedish mobile number, e.g. 070-123 45 67."""
    return f"07{rng.choice('02369')}-{_digits(rng, 3, 2, 2)}"


def _landline(rng: random.Random, town: Town) -> str:
    groups = (3, 2, 2) if len(town.area) <= 2 else (2, 2, 2)
    return f"{town.area}-{_digits(rng, *groups)}"


def _company_name(rng: random.Random, town: Town) -> str:
    roll = rng.random()
    if roll < 0.6:
        return rng.choice(COMPANY_PATTERNS).format(surname=rng.choice(SURNAMES))
    if roll < 0.8:
        return rng.choice(TOWN_PATTERNS).format(town=town.name,
                                                     town_gen=_genitive(town.name))
    return rng.choice(WORD_PATTERNS).format(word=rng.choice(WORDS))


def _unique(name: str, used: set[str], *fallbacks: str) -> str:
    for candidate in (name, *fallbacks):
        if name_key(candidate) not in used:
            used.add(name_key(candidate))
            return candidate
    return ""


def plan_customers(rng: random.Random, count: int) -> list[CustomerPlan]:
    """``count`` customers with unique names, their facilities and service objects."""
    used: set[str] = set()
    out: list[CustomerPlan] = []
    towns = {t.name: t for t in TOWNS}
    for i in range(count):
        number = str(FIRST_CUSTOMER_NUMBER + i)
        person: tuple[str, str] | None = None
        if i < len(FIXED_COMPANIES):
            name, town_name = FIXED_COMPANIES[i]
            town = towns[town_name]
            used.add(name_key(name))
        else:
            town = _town(rng)
            name = ""
            for _ in range(30):
                if rng.random() < 0.6:
                    person = None
                    candidate = _company_name(rng, town)
                else:
                    person = (rng.choice(FIRST_NAMES), rng.choice(SURNAMES))
                    candidate = " ".join(person)
                name = _unique(candidate, used)
                if name:
                    break
            if not name:
                name = _unique(candidate, used, f"{candidate} ({town.name})",
                               f"{candidate} {number}")
        address = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"
        if person is None:
            domain = f"{name_key(name)[:30]}.se"
            phone, email = _landline(rng, town), f"{rng.choice(('info', 'kontakt'))}@{domain}"
            weight = 15.0 if i == 0 else rng.uniform(1.0, 4.0)
        else:
            domain = rng.choice(MAIL_DOMAINS)
            phone = mobile(rng)
            email = f"{name_key(person[0])}.{name_key(person[1])}@{domain}"
            weight = rng.uniform(0.3, 1.0)
        fields = {"number": number, "name": name, "name_key": name_key(name),
                  "address": address, "city": town.name, "phone": phone, "email": email}
        out.append(CustomerPlan(number, name, person is None, town, domain, weight, fields))
    serials: set[str] = set()
    for cust in out:
        _plan_sites(rng, cust, serials)
    return out


def _plan_sites(rng: random.Random, cust: CustomerPlan, serials: set[str]) -> None:
    if cust.company:
        count = rng.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0]
        patterns = COMPANY_SITES
    else:
        count = 1 if rng.random() < 0.85 else 2
        patterns = PRIVATE_SITES
    surname = cust.name.split()[-1]
    used: set[str] = set()
    for i in range(count):
        town = cust.town if i == 0 or rng.random() < 0.7 else _town(rng)
        street, n = rng.choice(STREETS), rng.randint(1, 80)
        pattern = patterns[0] if i == 0 else rng.choice(patterns[1:])
        name = pattern.format(street=street, n=n, town=town.name, surname=surname,
                              word=rng.choice(WORDS))
        name = _unique(name, used, f"{name} {i + 1}")
        if not name:
            continue
        fields = {"name": name, "name_key": name_key(name), "address": f"{street} {n}",
                  "city": town.name,
                  "latitude": round(town.lat + rng.uniform(-0.03, 0.03), 5),
                  "longitude": round(town.lon + rng.uniform(-0.05, 0.05), 5)}
        site = SitePlan(cust, name, fields)
        cust.sites.append(site)
        _plan_objects(rng, site, serials)


def _plan_objects(rng: random.Random, site: SitePlan, serials: set[str]) -> None:
    kinds = [e for e in EQUIPMENT if e.private or site.cust.company]
    count = (1 if rng.random() < 0.7 else 2) if not site.cust.company else rng.randint(1, 3)
    used: set[str] = set()
    for _ in range(count):
        kind = rng.choice(kinds)
        prefix, model = rng.choice(kind.models)
        name = _unique(f"{kind.kind} ({rng.choice(LOCATIONS)})", used)
        if not name:
            continue
        serial = f"{prefix}{rng.randint(12, 25)}{rng.randint(0, 999_999):06d}"
        while serial in serials:
            serial = f"{prefix}{rng.randint(12, 25)}{rng.randint(0, 999_999):06d}"
        serials.add(serial)
        site.objects.append(ObjectPlan(site, name, kind.kind, model, serial))

"""Tables for the demo seeder: Swedish towns, names, streets, equipment, texts."""

from __future__ import annotations

from dataclasses import dataclass

ORGANISATION = "Nordvärme Service AB"
TIMEZONE = "Europe/Stockholm"
USER_DOMAIN = "nordvarme.example"

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

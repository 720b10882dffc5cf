"""Name and place tables for the large dataset: the demo's, widened for 100,000 customers."""

from __future__ import annotations

import random

from crm_tui.services import demo_data as demo
from crm_tui.services.demo_data import Town

EXTRA_TOWNS = (
    Town("Trollhättan", 58.2837, 12.2886, "0520", "46"),
    Town("Skövde", 58.3903, 13.8461, "0500", "54"),
    Town("Karlskrona", 56.1612, 15.5869, "0455", "37"),
    Town("Varberg", 57.1056, 12.2508, "0340", "43"),
    Town("Nyköping", 58.7530, 17.0079, "0155", "61"),
    Town("Motala", 58.5373, 15.0365, "0141", "59"),
    Town("Uddevalla", 58.3498, 11.9356, "0522", "45"),
    Town("Skellefteå", 64.7507, 20.9528, "0910", "93"),
    Town("Örnsköldsvik", 63.2909, 18.7153, "0660", "89"),
    Town("Piteå", 65.3172, 21.4794, "0911", "94"),
    Town("Hudiksvall", 61.7290, 17.1036, "0650", "82"),
    Town("Visby", 57.6348, 18.2948, "0498", "62"),
    Town("Kiruna", 67.8558, 20.2253, "0980", "98"),
    Town("Mora", 61.0070, 14.5430, "0250", "79"),
    Town("Borlänge", 60.4858, 15.4371, "0243", "78"),
    Town("Sollentuna", 59.4280, 17.9510, "08", "19", 2),
    Town("Nacka", 59.3105, 18.1637, "08", "13", 2),
    Town("Huddinge", 59.2372, 17.9819, "08", "14", 2),
    Town("Mölndal", 57.6554, 12.0138, "031", "43", 2),
    Town("Kungsbacka", 57.4872, 12.0761, "0300", "43"),
    Town("Landskrona", 55.8708, 12.8302, "0418", "26"),
    Town("Trelleborg", 55.3751, 13.1569, "0410", "23"),
    Town("Ystad", 55.4295, 13.8200, "0411", "27"),
    Town("Hässleholm", 56.1589, 13.7668, "0451", "28"),
    Town("Värnamo", 57.1860, 14.0400, "0370", "33"),
    Town("Alingsås", 57.9300, 12.5362, "0322", "44"),
    Town("Enköping", 59.6361, 17.0777, "0171", "74"),
    Town("Norrtälje", 59.7580, 18.7049, "0176", "76"),
    Town("Höganäs", 56.1996, 12.5577, "042", "26"),
    Town("Lidköping", 58.5052, 13.1577, "0510", "53"),
    Town("Falkenberg", 56.9055, 12.4912, "0346", "31"),
    Town("Strängnäs", 59.3775, 17.0311, "0152", "64"),
)
TOWNS: tuple[Town, ...] = demo.TOWNS + EXTRA_TOWNS
TOWN_WEIGHTS = tuple(t.weight for t in TOWNS)

FIRST_NAMES: tuple[str, ...] = demo.FIRST_NAMES + (
    "Zoë", "José", "Renée", "Øystein", "Jürgen", "Chloé", "Noël", "André", "Léa", "Mikaël",
    "Signe", "Tove", "Vera", "Alva", "Maja", "Elsa", "Ebba", "Hugo", "Nils", "Olle", "Tor",
    "Gösta", "Bengt", "Leif", "Rut", "Siv", "Britt", "Ylva", "Åsa-Lena", "Anna-Karin",
)
SURNAMES: tuple[str, ...] = demo.SURNAMES + (
    "Nordén", "Ståhl", "Åberg", "Dahlén", "Grönlund", "Rosén", "Östberg", "Wallén",
    "Lövgren", "Nordström", "Sjöström", "Hedström", "Fältskog", "Lindén", "Åhlund", "Sundén",
    "Öquist", "Bergkvist", "Holmgren", "Sundqvist", "Ekman", "Lundqvist", "Strömberg",
    "Fransson", "Hägglund", "Näslund", "Byström", "Söderström", "Kjellberg", "Wahlström",
    "Engdahl", "Löfstedt", "Törnqvist", "Mårtensson", "Göransson", "Sjödin", "Ljungberg",
    "Åman", "Ödman", "Müller", "Ødegaard", "García", "Nguyễn", "Kowalczyk", "Yılmaz",
    "Łukasiewicz", "Dubois-Ström", "O'Brien", "Al-Hassan", "Virtanen",
)
STREETS: tuple[str, ...] = demo.STREETS + (
    "Götgatan", "Rönnvägen", "Skogsvägen", "Mårtensgatan", "Nygatan", "Strandvägen",
    "Österlånggatan", "Sveavägen", "Vasagatan", "Fjällgatan", "Älvgatan", "Tingsgatan",
    "Högbergsgatan", "Gärdesvägen", "Bäckvägen", "Lövängsvägen", "Kvarngatan", "Mästargatan",
)
WORDS: tuple[str, ...] = demo.WORDS + (
    "Blåsippan", "Vitsippan", "Gläntan", "Höjden", "Ängen", "Sjöutsikten", "Fyren",
    "Kvarnen", "Hamnen", "Åsen", "Bryggan", "Smedjan", "Linnéan", "Skeppet", "Ekorren",
)
COMPANY_PATTERNS: tuple[str, ...] = demo.COMPANY_PATTERNS + (
    "{surname} El & Energi AB", "{surname}s Ventilation AB", "{surname} Fastighetsservice AB",
    "{surname} Måleri AB", "{surname}s Bageri", "{surname}s Åkeri AB", "{surname} Rörteknik AB",
    "{surname}s Tandläkarpraktik", "{surname} & Co", "{surname} Redovisning AB",
    "{surname} Golv & Kakel AB", "{surname}s Café", "Bilverkstad {surname} AB",
    "{surname} Värmeteknik HB", "{surname} Industriservice AB",
)
TOWN_PATTERNS: tuple[str, ...] = demo.TOWN_PATTERNS + (
    "{town} Kommunfastigheter", "{town_gen} Simhall", "{town} Vårdcentral",
)
WORD_PATTERNS: tuple[str, ...] = demo.WORD_PATTERNS + ("Brf {word} {n}", "Kv. {word} {n}")


def town(rng: random.Random) -> Town:
    """A town, big towns more often."""
    return rng.choices(TOWNS, weights=TOWN_WEIGHTS)[0]


def _genitive(word: str) -> str:
    return word if word[-1] in "sxz" else word + "s"


def company_name(rng: random.Random, place: Town) -> str:
    """A Swedish-looking company or housing-association name."""
    roll = rng.random()
    if roll < 0.7:
        return rng.choice(COMPANY_PATTERNS).format(surname=rng.choice(SURNAMES))
    if roll < 0.85:
        return rng.choice(TOWN_PATTERNS).format(town=place.name, town_gen=_genitive(place.name))
    return rng.choice(WORD_PATTERNS).format(word=rng.choice(WORDS), n=rng.randint(1, 40))


def person_name(rng: random.Random) -> tuple[str, str]:
    """(first name, surname); a few have double surnames."""
    last = rng.choice(SURNAMES)
    if rng.random() < 0.05:
        last = f"{last} {rng.choice(SURNAMES)}"
    return rng.choice(FIRST_NAMES), last


def distinct_company(name: str, place: Town, serial: int) -> str:
    """A variant of a taken company name: in the town, then numbered."""
    base, suffix = (name[:-3], " AB") if name.endswith(" AB") else (name, "")
    if serial == 0:
        return f"{base} i {place.name}{suffix}"
    return f"{base} {serial + 1}{suffix}"


def street_address(rng: random.Random) -> str:
    """A street address, sometimes with a flat number."""
    address = f"{rng.choice(STREETS)} {rng.randint(1, 140)}"
    if rng.random() < 0.1:
        address += f" lgh {rng.randint(1001, 1405)}"
    return address


def mobile(rng: random.Random) -> str:
    """A Swedish mobile number, e.g. 070-123 45 67 (as the demo's, in one random draw)."""
    n = int(rng.random() * 50_000_000)
    return f"07{'02369'[n % 5]}-{n // 50_000:03d} {n // 500 % 100:02d} {n // 5 % 100:02d}"


def landline(rng: random.Random, place: Town) -> str:
    """A landline in the town's area code, e.g. 031-12 34 56."""
    if len(place.area) <= 2:
        n = int(rng.random() * 10_000_000)
        return f"{place.area}-{n // 10_000:03d} {n // 100 % 100:02d} {n % 100:02d}"
    n = int(rng.random() * 1_000_000)
    return f"{place.area}-{n // 10_000:02d} {n // 100 % 100:02d} {n % 100:02d}"

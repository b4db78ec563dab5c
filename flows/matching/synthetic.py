"""Realistic synthetic participants for demos and benchmarks: invented people, never real ones.

First and last names are drawn separately from lists of names common in each place, so every
person is an invented combination. The same seed always gives the same people.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from flows.matching.profile import MatchProfile, profile_hours
from flows.vocabulary import CANADA_REGIONS, COUNTRY_ZONES

FIRST_NAMES = {
    "BO": (
        "Carmen", "Rosa", "María", "Juana", "Lourdes", "Ximena", "Paola", "Gabriela", "Wara",
        "Nayra", "Sisa", "Killa", "Micaela", "Fernanda", "Daniela", "Verónica", "Roxana",
        "Elena", "Mariela", "Claudia", "Patricia", "Jhovana", "Sonia", "Inés", "Amaru",
    ),
    "SN": (
        "Awa", "Fatou", "Aminata", "Mariama", "Khady", "Ndeye", "Coumba", "Aïssatou", "Rokhaya",
        "Astou", "Binta", "Sokhna", "Dieynaba", "Adama", "Mame Diarra", "Seynabou",
        "Ramatoulaye", "Oumou", "Penda", "Yacine", "Fatimata", "Ngoné", "Maimouna",
    ),
    "QC": (
        "Geneviève", "Isabelle", "Marie-Ève", "Nathalie", "Chantal", "Sophie", "Julie", "Mélanie",
        "Audrey", "Catherine", "Véronique", "Josée", "Annie", "Émilie", "Valérie", "Maude",
        "Roxanne", "Karine", "Stéphanie", "Marie-Claude",
    ),
    "EN": (
        "Sarah", "Jennifer", "Emily", "Jessica", "Megan", "Ashley", "Laura", "Rachel", "Heather",
        "Amanda", "Kaitlyn", "Lindsay", "Olivia", "Hannah", "Priya", "Mei", "Simran", "Grace",
        "Chloé", "Aaliyah", "Leah", "Meaghan",
    ),
}  # fmt: skip

LAST_NAMES = {
    "BO": (
        "Mamani", "Quispe", "Condori", "Choque", "Flores", "Rojas", "Gutiérrez", "Vargas",
        "Torrez", "Apaza", "Limachi", "Huanca", "Ticona", "Saavedra", "Arce", "Villca",
    ),
    "SN": (
        "Diop", "Ndiaye", "Fall", "Sow", "Diallo", "Gueye", "Faye", "Sarr", "Ba", "Mbaye",
        "Cissé", "Thiam", "Ndour", "Seck", "Kane", "Diouf",
    ),
    "QC": (
        "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin",
        "Gagné", "Pelletier", "Bélanger", "Lévesque", "Ouellet",
    ),
    "EN": (
        "Smith", "Brown", "Wilson", "MacDonald", "Campbell", "Anderson", "Stewart", "Thompson",
        "Reid", "Fraser", "Clarke", "Murphy", "Singh", "Chen", "Patel", "Martin",
    ),
}  # fmt: skip

CITIES = {
    "BO": (
        "La Paz", "El Alto", "Cochabamba", "Santa Cruz de la Sierra", "Sucre", "Oruro", "Potosí",
        "Tarija",
    ),
    "SN": ("Dakar", "Thiès", "Saint-Louis", "Ziguinchor", "Kaolack", "Touba", "Mbour", "Rufisque"),
}  # fmt: skip

# Canadian regions, weighted towards Quebec where the programme recruits most; a few cities each.
CANADA_CITIES: dict[str, tuple[int, tuple[str, ...]]] = {
    "QC": (45, ("Montréal", "Québec", "Gatineau", "Sherbrooke", "Trois-Rivières", "Rimouski")),
    "ON": (22, ("Toronto", "Ottawa", "Hamilton", "London", "Sudbury")),
    "BC": (12, ("Vancouver", "Victoria", "Kelowna")),
    "AB": (10, ("Calgary", "Edmonton")),
    "MB": (4, ("Winnipeg", "Brandon")),
    "SK": (3, ("Regina", "Saskatoon")),
    "ATL": (7, ("Halifax", "Moncton", "Charlottetown", "Fredericton")),
    "NL": (2, ("St. John's",)),
    "NORTH": (2, ("Whitehorse", "Yellowknife", "Iqaluit")),
}

# Business names: a word for the trade and a flourish, in the language she works in.
TRADE_WORDS = {
    "es": {
        "agrifood": ("Sabores", "Quinua", "Café", "Cacao", "Miel"),
        "crafts": ("Tejidos", "Artesanías", "Alpaca", "Aguayo"),
        "retail": ("Tienda", "Almacén", "Comercial"),
        "beauty": ("Belleza", "Spa", "Estética"),
        "tech": ("Digital", "Soluciones", "Apps"),
        "education": ("Academia", "Aprende", "Centro"),
        "tourism": ("Hostal", "Turismo", "Restaurante"),
        "services": ("Consultora", "Servicios", "Asesoría"),
        "manufacturing": ("Industrias", "Fábrica", "Taller"),
        "other": ("Emprendimientos", "Proyecto"),
    },
    "fr": {
        "agrifood": ("Saveurs", "Jardin", "Épices", "Délices", "Bissap"),
        "crafts": ("Atelier", "Tissages", "Couture", "Créations"),
        "retail": ("Boutique", "Comptoir", "Marché"),
        "beauty": ("Beauté", "Soins", "Institut"),
        "tech": ("Numérique", "Solutions", "Labo"),
        "education": ("Académie", "Formation", "École"),
        "tourism": ("Auberge", "Voyages", "Restaurant"),
        "services": ("Conseil", "Services", "Bureau"),
        "manufacturing": ("Fabrique", "Industries", "Production"),
        "other": ("Projet", "Entreprise"),
    },
    "en": {
        "agrifood": ("Harvest", "Kitchen", "Farm", "Bakery", "Preserves"),
        "crafts": ("Studio", "Threads", "Pottery", "Knits"),
        "retail": ("Shop", "Market", "Goods"),
        "beauty": ("Beauty", "Wellness", "Spa"),
        "tech": ("Digital", "Labs", "Software"),
        "education": ("Academy", "Learning", "Tutoring"),
        "tourism": ("Inn", "Tours", "Café"),
        "services": ("Consulting", "Services", "Partners"),
        "manufacturing": ("Works", "Manufacturing", "Makers"),
        "other": ("Ventures", "Projects"),
    },
}
FLOURISHES = {
    "BO": ("Illimani", "Wara", "Andina", "del Valle", "Sol", "Pachamama", "Killa", "Chuquiago"),
    "SN": ("Teranga", "Baobab", "Yaye", "Sahel", "Jamm", "Dakar", "Lac Rose", "Casamance"),
    "QC": ("Boréal", "du Fleuve", "des Cantons", "Érable", "Belle-Rive", "Nordet"),
    "EN": ("North Star", "Maple", "Harbour", "Prairie", "Cedar", "Lakeside", "Northern Lights"),
}

SECTOR_WEIGHTS = {
    "agrifood": 20, "crafts": 14, "retail": 12, "beauty": 9, "tech": 8, "education": 8,
    "tourism": 8, "services": 10, "manufacturing": 6, "other": 5,
}  # fmt: skip
STAGE_WEIGHTS = {"idea": 10, "early": 30, "growing": 35, "established": 25}
SIZE_WEIGHTS = {"solo": 40, "small": 35, "medium": 18, "large": 7}
# Southern women more often want export, finance and digital skills; Canadians more often want
# sustainability, networking and resilience-building skills: that is what makes exchange work.
SKILL_WEIGHTS = {
    "south_offers": {
        "sales": 14, "leadership": 10, "sustainability": 14, "networking": 12,
        "communication": 12, "strategy": 8, "finance": 6, "digital_marketing": 8,
        "export": 6, "digital_tools": 5,
    },
    "south_wants": {
        "digital_marketing": 16, "export": 14, "finance": 14, "digital_tools": 12,
        "strategy": 10, "sales": 6, "leadership": 6, "networking": 8, "communication": 6,
        "sustainability": 4,
    },
    "north_offers": {
        "digital_marketing": 14, "finance": 12, "export": 10, "digital_tools": 12,
        "strategy": 12, "leadership": 10, "communication": 8, "sales": 8, "networking": 8,
        "sustainability": 6,
    },
    "north_wants": {
        "sustainability": 14, "networking": 14, "export": 10, "leadership": 10,
        "communication": 10, "sales": 10, "strategy": 8, "finance": 8,
        "digital_marketing": 8, "digital_tools": 6,
    },
}  # fmt: skip
BLOCK_WEIGHTS = {"wd_morning": 18, "wd_afternoon": 16, "wd_evening": 30, "sat": 22, "sun": 14}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _pick_some(rng: random.Random, weights: dict[str, int], k: int, avoid: set[str]) -> list[str]:
    """k distinct keys drawn by weight, none of them in `avoid`."""
    pool = {key: w for key, w in weights.items() if key not in avoid}
    chosen: list[str] = []
    while len(chosen) < k and pool:
        key = _pick(rng, pool)
        chosen.append(key)
        del pool[key]
    return chosen


def _person(rng: random.Random, person_id: int) -> dict[str, Any]:
    country = rng.choices(("CA", "BO", "SN"), weights=(40, 30, 30))[0]
    ties: list[str] = []
    if country == "CA":
        region = _pick(rng, {key: w for key, (w, _cities) in CANADA_CITIES.items()})
        city = rng.choice(CANADA_CITIES[region][1])
        zone = CANADA_REGIONS[region].zone
        culture = "QC" if region == "QC" or rng.random() < 0.05 else "EN"
        if rng.random() < 0.15:
            ties = [rng.choice(("BO", "SN"))]
        # A diaspora woman often carries a name from her family's country.
        name_from = ties[0] if ties and rng.random() < 0.7 else culture
    else:
        region, city, zone = None, rng.choice(CITIES[country]), COUNTRY_ZONES[country]
        culture = name_from = country
    languages = _languages(rng, country, culture, ties)
    work_language = {"BO": "es", "SN": "fr", "QC": "fr", "EN": "en"}[culture]
    sector = _pick(rng, SECTOR_WEIGHTS)
    side = "north" if country == "CA" else "south"
    offers = _pick_some(rng, SKILL_WEIGHTS[f"{side}_offers"], rng.randint(2, 4), set())
    wants = _pick_some(rng, SKILL_WEIGHTS[f"{side}_wants"], rng.randint(2, 4), set(offers))
    blocks = _pick_some(rng, BLOCK_WEIGHTS, rng.choices((1, 2, 3), weights=(35, 45, 20))[0], set())
    business = f"{rng.choice(TRADE_WORDS[work_language][sector])} {rng.choice(FLOURISHES[culture])}"
    return {
        "id": person_id,
        "first_name": rng.choice(FIRST_NAMES[name_from]),
        "last_name": rng.choice(LAST_NAMES[name_from]),
        "business_name": business,
        "country": country,
        "region": region,
        "city": city,
        "timezone": zone,
        "ui_language": work_language,
        "languages": languages,
        "sector": sector,
        "stage": _pick(rng, STAGE_WEIGHTS),
        "size": _pick(rng, SIZE_WEIGHTS),
        "offers": offers,
        "wants": wants,
        "availability": blocks,
        "diaspora_ties": ties,
    }


def _languages(rng: random.Random, country: str, culture: str, ties: list[str]) -> list[str]:
    if country == "BO":
        spoken = ["es"]
        if rng.random() < 0.25:
            spoken.append("qu")
        if rng.random() < 0.10:
            spoken.append("ay")
        if rng.random() < 0.15:
            spoken.append("en")
    elif country == "SN":
        spoken = ["fr"]
        if rng.random() < 0.70:
            spoken.append("wo")
        if rng.random() < 0.15:
            spoken.append("en")
    else:
        spoken = ["fr"] if culture == "QC" else ["en"]
        if culture == "QC" and rng.random() < 0.5:
            spoken.append("en")
        if culture == "EN" and rng.random() < 0.35:
            spoken.append("fr")
        if "BO" in ties and rng.random() < 0.7 or rng.random() < 0.15:
            spoken.append("es")
        if "SN" in ties:
            spoken.extend(
                lang for lang in ("fr", "wo") if lang not in spoken and rng.random() < 0.6
            )
    return list(dict.fromkeys(spoken))


def generate_people(n: int, seed: int) -> list[dict[str, Any]]:
    """`n` invented participants as plain dicts (ids 1..n), the same for the same seed."""
    rng = random.Random(seed)
    return [_person(rng, person_id) for person_id in range(1, n + 1)]


def to_profile(person: dict[str, Any]) -> MatchProfile:
    """The matching view of one `generate_people` dict."""
    return MatchProfile(
        id=person["id"],
        first_name=person["first_name"],
        country=person["country"],
        timezone=person["timezone"],
        sector=person["sector"],
        stage=person["stage"],
        size=person["size"],
        offers=frozenset(person["offers"]),
        wants=frozenset(person["wants"]),
        languages=frozenset(person["languages"]),
        availability=frozenset(person["availability"]),
        diaspora_ties=frozenset(person["diaspora_ties"]),
    )


def generate_profiles(n: int, seed: int, *, reference: datetime) -> list[MatchProfile]:
    """`n` synthetic match profiles; their UTC hours for the week of `reference` are cached now."""
    profiles = [to_profile(person) for person in generate_people(n, seed)]
    for profile in profiles:
        profile_hours(profile, reference)
    return profiles

"""The fixed lists a profile is built from: languages, countries, zones, sectors, skills, hours.

Every list is an ordered mapping from a stable key (stored in the database, used by matching and
reports) to a translatable label. Order is the order options are offered in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

from flows.messages import Msg, Option, _, _p
from flows.text import normalise

# Languages the bot speaks, each named in itself ("Español" for every reader).
UI_LANGUAGES: dict[str, Msg] = {
    "es": _p("language name in itself", "Español"),
    "fr": _p("language name in itself", "Français"),
    "en": _p("language name in itself", "English"),
}

# Words that name the language she writes in, answering "which language?" ("bonjour", "inglés"):
# greetings and yes in that language, and each language's name in the three (normalised).
LANGUAGE_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("hola", "buenas", "buenos dias", "buenas tardes", "buenas noches", "si", "espanol")
        + ("castellano", "en espanol", "espagnol", "spanish")
        + ("buen dia", "buenos", "wenas", "ola", "alo"),  # as typed on a phone; "¿aló?"
        "es",
    ),
    **dict.fromkeys(
        ("bonjour", "bonsoir", "salut", "coucou", "oui", "francais", "en francais", "frances")
        + ("french",)
        + ("bjr", "bsr", "slt", "bonjr", "bnjr", "allo")  # as typed on a phone; "allô"
        # Greetings in Wolof and Arabic, as a woman in Senegal writes, in French otherwise.
        + ("salam", "salaam", "asalamalekum", "assalamou", "assalamu", "nanga def", "nangadef"),
        "fr",
    ),
    **dict.fromkeys(
        ("hello", "hi", "hey", "good morning", "good afternoon", "good evening", "yes")
        + ("english", "in english", "ingles", "anglais")
        + ("hii", "helo", "hiya"),  # as typed on a phone
        "en",
    ),
}

# Languages a woman can hold a mentoring conversation in, named in the reader's language.
SPOKEN_LANGUAGES: dict[str, Msg] = {
    "es": _("Spanish"),
    "fr": _("French"),
    "en": _p("spoken language", "English"),
    "wo": _("Wolof"),
    "qu": _("Quechua"),
    "ay": _("Aymara"),
    "pt": _("Portuguese"),
}

COUNTRIES: dict[str, Msg] = {
    "BO": _("Bolivia"),
    "SN": _("Senegal"),
    "CA": _("Canada"),
    "OTHER": _("Another country"),
}

# Countries a Canadian participant may have family or heritage ties with (diaspora pairing).
DIASPORA_COUNTRIES: dict[str, Msg] = {
    "BO": _("Bolivia"),
    "SN": _("Senegal"),
}

# Where her family lives, as a sentence ends: "Vous avez de la famille au Sénégal".
FAMILY_IN: dict[str, Msg] = {
    "BO": _p("she has family", "in Bolivia"),
    "SN": _p("she has family", "in Senegal"),
}

SOUTH = frozenset({"BO", "SN"})
NORTH = frozenset({"CA"})

# One zone per country, except Canada where the province decides.
COUNTRY_ZONES: dict[str, str] = {
    "BO": "America/La_Paz",
    "SN": "Africa/Dakar",
}


@dataclass(frozen=True)
class Region:
    """A province or territory and the IANA zone most of its people live in."""

    label: Msg
    zone: str


CANADA_REGIONS: dict[str, Region] = {
    "BC": Region(_("British Columbia"), "America/Vancouver"),
    "AB": Region(_("Alberta"), "America/Edmonton"),
    "SK": Region(_("Saskatchewan"), "America/Regina"),
    "MB": Region(_("Manitoba"), "America/Winnipeg"),
    "ON": Region(_("Ontario"), "America/Toronto"),
    "QC": Region(_("Quebec"), "America/Toronto"),
    "ATL": Region(_("New Brunswick, Nova Scotia or P.E.I."), "America/Halifax"),
    "NL": Region(_("Newfoundland and Labrador"), "America/St_Johns"),
    "NORTH": Region(_("Yukon, N.W.T. or Nunavut"), "America/Yellowknife"),
}

# Zones offered to someone from "another country", so any woman can still join.
# Where the diaspora lives, by the clock: each option names the countries of one zone (or one a
# few minutes from it), so a woman in Italy or the United States finds hers.
OTHER_ZONES: dict[str, Msg] = {
    "America/Lima": _("Peru, Colombia or Ecuador"),
    "America/Sao_Paulo": _("Brazil, Argentina or Chile"),
    "America/Mexico_City": _("Mexico or Central America"),
    "America/New_York": _("United States, East"),
    "America/Los_Angeles": _("United States, West"),
    "Africa/Abidjan": _("Côte d'Ivoire, Mali or Guinea"),
    "Africa/Lagos": _("Cameroon, Niger or Benin"),
    "Europe/London": _("United Kingdom or Portugal"),
    # Belgium, Germany, Switzerland... are understood too when she types them (ANSWER_WORDS).
    "Europe/Paris": _("France, Spain or Italy"),
}

SECTORS: dict[str, Msg] = {
    "agrifood": _("Agriculture and food"),
    "crafts": _("Crafts, textiles and fashion"),
    "retail": _("Shop and trade"),
    "beauty": _("Beauty and wellness"),
    "tech": _("Technology and digital"),
    "education": _("Education and training"),
    "tourism": _("Tourism, hotels and restaurants"),
    "services": _("Services to businesses"),
    "manufacturing": _("Production and manufacturing"),
    "other": _("Other sector"),
}

# How a cohort may pair women (`PairingMode` values), as the console names them.
PAIRING_MODES: dict[str, Msg] = {
    "north_south": _p("pairing mode", "North–South"),
    "south_south": _p("pairing mode", "South–South"),
    "national": _p("pairing mode", "Same country"),
    "diaspora": _p("pairing mode", "Diaspora"),
    "open": _p("pairing mode", "Any two women"),
}

STAGES: dict[str, Msg] = {
    "idea": _("Idea, not started yet"),
    "early": _("Started less than 2 years ago"),
    "growing": _("Growing"),
    "established": _("Established for years"),
}

SIZES: dict[str, Msg] = {
    "solo": _("Just me"),
    "small": _("2 to 5 people"),
    "medium": _("6 to 20 people"),
    "large": _("More than 20 people"),
}

# Skills a woman can offer and want; they follow the outcomes the programme reports on.
SKILLS: dict[str, Msg] = {
    "digital_marketing": _("Digital marketing"),
    "sales": _("Sales and customers"),
    "finance": _("Finance and credit"),
    "export": _("Export and international markets"),
    "leadership": _("Leadership and teams"),
    "strategy": _("Strategy and planning"),
    "networking": _("Networking and partners"),
    "communication": _("Communication and public speaking"),
    "digital_tools": _("AI and digital tools"),
    "sustainability": _("Sustainable practices"),
}

# The same skills inside a sentence, with the article French needs ("aider Awa pour le
# marketing numérique"); same keys as SKILLS.
SKILLS_IN_SENTENCE: dict[str, Msg] = {
    "digital_marketing": _p("skill in a sentence", "digital marketing"),
    "sales": _p("skill in a sentence", "sales and customers"),
    "finance": _p("skill in a sentence", "finance and credit"),
    "export": _p("skill in a sentence", "export and new markets"),
    "leadership": _p("skill in a sentence", "leadership and teams"),
    "strategy": _p("skill in a sentence", "strategy and planning"),
    "networking": _p("skill in a sentence", "networking and partners"),
    "communication": _p("skill in a sentence", "public speaking"),
    "digital_tools": _p("skill in a sentence", "AI and digital tools"),
    "sustainability": _p("skill in a sentence", "sustainable practices"),
}


@dataclass(frozen=True)
class Block:
    """A weekly slot of local time: days of the week (0 = Monday) and hours [start, end)."""

    label: Msg
    days: tuple[int, ...]
    start: int
    end: int


WEEKDAYS = (0, 1, 2, 3, 4)
AVAILABILITY: dict[str, Block] = {
    "wd_morning": Block(_("Mon–Fri 8–12"), WEEKDAYS, 8, 12),
    "wd_afternoon": Block(_("Mon–Fri 12–17"), WEEKDAYS, 12, 17),
    "wd_evening": Block(_("Mon–Fri 17–21"), WEEKDAYS, 17, 21),
    "sat": Block(_("Saturday 9–13"), (5,), 9, 13),
    "sun": Block(_("Sunday 9–13"), (6,), 9, 13),
}


def options(labels: dict[str, Msg]) -> tuple[Option, ...]:
    """The options of a fixed list, in order."""
    return tuple(Option(key, label) for key, label in labels.items())


def region_labels() -> dict[str, Msg]:
    return {key: region.label for key, region in CANADA_REGIONS.items()}


def block_labels() -> dict[str, Msg]:
    return {key: block.label for key, block in AVAILABILITY.items()}


# Numbers as people write them in words, up to the longest list the bot offers.
NUMBER_WORDS: dict[str, str] = {
    word: str(number)
    for number, words in enumerate(
        [
            ("cero", "zero", "zéro"),
            ("uno", "una", "un", "une", "one"),
            ("dos", "deux", "two"),
            ("tres", "trois", "three"),
            ("cuatro", "quatre", "four"),
            ("cinco", "cinq", "five"),
            ("seis", "six"),
            ("siete", "sept", "seven"),
            ("ocho", "huit", "eight"),
            ("nueve", "neuf", "nine"),
            ("diez", "dix", "ten"),
        ]
    )
    for word in (normalise(w) for w in words)
}

# Ordinals as people name an option ("la primera", "le deuxième", "3e", "1ro"), normalised.
ORDINAL_WORDS: dict[str, str] = {
    word: str(number)
    for number, words in enumerate(
        [
            ("primero", "primera", "1ro", "1ra", "premier", "premiere", "1er", "1ere", "1re")
            + ("first", "1st"),
            ("segundo", "segunda", "2do", "2da", "deuxieme", "2e", "2eme", "second", "2nd"),
            ("tercero", "tercera", "3ro", "3ra", "troisieme", "3e", "3eme", "third", "3rd"),
            ("cuarto", "cuarta", "4to", "4ta", "quatrieme", "4e", "4eme", "fourth", "4th"),
            ("quinto", "quinta", "5to", "5ta", "cinquieme", "5e", "5eme", "fifth", "5th"),
        ],
        start=1,
    )
    for word in words
}
# Words that may come before an option's number and add nothing: "la 4", "el dos", "opción 2",
# "le deux", "número 3", "n° 5", "the first". ("no", as in "nº", is left out: "no 2" may be
# "not 2".)
NUMBER_PREFIXES = frozenset(
    {"el", "la", "lo", "le", "l", "the", "opcion", "option", "numero", "number", "num", "nro"}
    | {"n", "choice", "choix", "respuesta", "reponse", "answer"}
)
# A 1–5 rating said in a word of its own, whatever the scale's labels: "regular" (so-so, as said
# in La Paz), "comme ci comme ça", "excelente".
SCALE_WORDS: dict[str, str] = {
    **dict.fromkeys(("pesimo", "pesima", "horrible", "nul", "nulle"), "1"),
    **dict.fromkeys(("regular", "comme ci comme ca", "couci couca", "bof", "so so"), "3"),
    **dict.fromkeys(("excelente", "excellent", "excellente", "completamente"), "5"),
}

# How much, in everyday words, on the survey's scale from "not at all" to "completely"
# ("mucho", "beaucoup", "more or less"; "pantoute" is "not at all" in Québec), normalised.
AMOUNT_WORDS: dict[str, str] = {
    **dict.fromkeys(("pantoute", "pas pantoute", "para nada", "en absoluto", "not really"), "1"),
    **dict.fromkeys(("poco", "muy poco", "un poquito", "poquito", "un poquito nomas"), "2")
    | dict.fromkeys(("un petit peu", "peu", "un peu seulement", "a bit", "a little bit"), "2"),
    **dict.fromkeys(("mas o menos", "maso", "plus ou moins", "more or less", "kind of"), "3")
    | dict.fromkeys(("sort of", "somewhat", "moyen", "moyennement"), "3"),
    **dict.fromkeys(("mucho", "bastante", "harto", "beaucoup", "pas mal", "a lot", "lots"), "4")
    | dict.fromkeys(("very", "quite a lot", "much"), "4"),
    **dict.fromkeys(("muchisimo", "totalmente", "enormement", "tout a fait", "totally"), "5")
    | dict.fromkeys(("completely", "fully", "absolutely", "a fond"), "5"),
}

# "Right now" to "propose a new time now?": yes, now ("ahorita", as said in La Paz).
NOW_WORDS = frozenset(
    {"ahorita", "ahoritita", "ya mismo", "ahora mismo", "si ahorita", "ahorita nomas", "de una"}
    | {"tout de suite", "oui tout de suite", "maintenant oui", "oui maintenant", "direct"}
    | {"right now", "yes right now", "now please", "go ahead", "let s do it"}
)

# "Later" to "propose a new time now?": not now, as she says it ("más tarde", "plus tard").
LATER_WORDS = frozenset(
    {"mas tarde", "mas tardecito", "despues", "luego", "otro dia", "otro rato", "en otro momento"}
    | {"mas adelante", "tal vez mas tarde", "quizas mas tarde", "despuesito", "ahorita no"}
    | {"plus tard", "tout a l heure", "apres", "une autre fois", "un autre jour", "plus tard svp"}
    | {"peut etre plus tard", "pas tout de suite", "a plus tard", "tantot", "plus tard merci"}
    | {"later", "later on", "another time", "another day", "maybe later", "not right now"}
    | {"not yet", "some other time", "after", "mas tarde gracias", "later thanks"}
)

# Everyday words for an option, as women describe their business or their place (normalised).
ANSWER_WORDS: dict[str, str] = {
    # No other language (or no family ties): "nada", "non", "no other".
    **dict.fromkeys(
        ("no", "non", "nada", "rien", "nothing", "ningun otro", "ninguno mas", "aucune autre")
        + ("aucun autre", "no other", "none other"),
        "none",
    ),
    # A session that was moved, as she says it ("la movimos", "on l'a reportée", "postponed").
    **dict.fromkeys(
        ("la movimos", "se movio", "movida", "la cambiamos", "se cambio", "cambiada")
        + ("pospuesta", "la pospusimos", "postergada", "la postergamos", "reprogramada")
        + ("la reprogramamos", "aplazada", "la aplazamos", "reportee", "on l a reportee")
        + ("elle a ete reportee", "deplacee", "on l a deplacee", "decalee", "on l a decalee")
        + ("elle a ete decalee", "moved", "we moved it", "postponed", "we postponed it")
        + ("it was postponed", "rescheduled", "we rescheduled it", "it was rescheduled")
        # With the no she answers "did it take place?" with ("no, se postergó", "non, reporté").
        + ("se postergo", "se pospuso", "fue movida", "la movieron", "se reprogramo", "movimos")
        + ("cambiamos la fecha", "cambiamos el dia", "la pasamos", "reporte", "on a reporte")
        + ("on l a repoussee", "repoussee", "on a change la date", "on a decale", "decale")
        + ("it got moved", "we changed the date", "it was moved", "we moved it to another day"),
        "moved",
    ),
    # A session that did not take place, said without a "no" before it ("no se hizo", "pas eu
    # lieu", "didn't happen"); and that did, so no near miss of one reads as the other.
    **dict.fromkeys(
        ("no se hizo", "no se realizo", "no hubo", "no nos vimos", "no nos reunimos", "no se pudo")
        + ("no la hicimos", "no pudimos", "no se dio", "pas eu lieu", "elle n a pas eu lieu")
        + ("n a pas eu lieu", "ca n a pas eu lieu", "on ne s est pas vues", "on s est pas vues")
        + ("on n a pas pu", "pas de seance", "didn t happen", "it didn t happen", "did not happen")
        + ("it did not happen", "we didn t meet", "we did not meet", "it didn t take place")
        + ("it did not take place", "we couldn t meet", "no se llevo a cabo")
        # Not yet, or called off: it did not take place either ("todavía no", "annulée"). ("Pas
        # encore" and "not yet" alone stay unread: tests/test_checkin_yes_no_words.py.)
        + ("todavia no", "aun no", "se cancelo", "la cancelamos")
        + ("cancelada", "se suspendio", "suspendida", "annulee", "elle a ete annulee")
        + ("on l a annulee", "cancelled", "canceled", "it was cancelled", "it was canceled"),
        "no",
    ),
    # Why a session did not take place, in her words ("no vino", "pas de réseau", "I was sick").
    **dict.fromkeys(
        ("no vino", "no se conecto", "no aparecio", "no contesto", "ella no pudo", "elle n est")
        + ("elle n est pas venue", "elle n a pas pu", "elle ne s est pas connectee", "absente")
        + ("she didn t come", "she did not come", "she couldn t", "she could not", "no show")
        + ("she didn t show up", "she didn t answer"),
        "peer_absent",
    ),
    **dict.fromkeys(
        ("no pude", "yo no pude", "me olvide", "se me olvido", "olvide", "estaba enferma")
        + ("tuve un imprevisto", "j ai oublie", "j etais malade", "je n ai pas pu venir")
        + ("j ai eu un empechement", "i couldn t", "i could not", "i forgot", "i was sick")
        + ("i couldn t make it", "i was busy", "estaba ocupada", "j etais occupee"),
        "me_absent",
    ),
    **dict.fromkeys(
        ("no habia internet", "sin internet", "no tenia internet", "sin senal", "no habia senal")
        + ("sin saldo", "no tenia saldo", "sin megas", "se corto", "se corto la luz", "sin luz")
        + ("pas de reseau", "pas d internet", "pas de connexion", "plus de credit", "coupure")
        + ("no signal", "no internet", "no data", "bad connection", "my phone died"),
        "tech",
    ),
    **dict.fromkeys(
        ("se hizo", "si se hizo", "se realizo", "nos vimos", "nos reunimos", "la hicimos")
        + ("a eu lieu", "elle a eu lieu", "on s est vues", "it happened", "it took place")
        + ("we met", "it did happen"),
        "yes",
    ),
    "agro": "agrifood",
    "agricultura": "agrifood",
    "agriculture": "agrifood",
    "alimentos": "agrifood",
    "comida": "agrifood",
    "food": "agrifood",
    "textiles": "crafts",
    "textil": "crafts",
    "tejidos": "crafts",
    "artesania": "crafts",
    "artisanat": "crafts",
    "couture": "crafts",
    "moda": "crafts",
    "mode": "crafts",
    "fashion": "crafts",
    "comercio": "retail",
    "commerce": "retail",
    "tienda": "retail",
    "boutique": "retail",
    "shop": "retail",
    "belleza": "beauty",
    "beaute": "beauty",
    "coiffure": "beauty",
    "peluqueria": "beauty",
    "tecnologia": "tech",
    "numerique": "tech",
    "educacion": "education",
    "formation": "education",
    "turismo": "tourism",
    "tourisme": "tourism",
    "restaurante": "tourism",
    "restaurant": "tourism",
    "hotel": "tourism",
    "servicios": "services",
    "produccion": "manufacturing",
    "fabrication": "manufacturing",
    # A business's size as people write it: "2-5", "6 à 20", "más de 20", "yo sola".
    **dict.fromkeys(("solo yo", "yo sola", "sola", "seule", "juste moi", "only me"), "solo"),
    **dict.fromkeys(("2 5", "2 a 5", "de 2 a 5", "entre 2 y 5", "entre 2 et 5"), "small"),
    **dict.fromkeys(("6 20", "6 a 20", "de 6 a 20", "entre 6 y 20", "entre 6 et 20"), "medium"),
    **dict.fromkeys(("mas de 20", "plus de 20", "more than 20", "over 20", "20 o mas"), "large"),
    # "Another country" as typed without its article, then the countries and cities of the
    # diaspora's zones (OTHER_ZONES), in the three languages.
    **dict.fromkeys(("autre pays", "autre", "otro", "other country", "other"), "OTHER"),
    **dict.fromkeys(
        ("peru", "perou", "colombia", "colombie", "ecuador", "equateur"), "America/Lima"
    ),
    **dict.fromkeys(
        ("brasil", "bresil", "brazil", "argentina", "argentine", "chile", "chili", "uruguay"),
        "America/Sao_Paulo",
    ),
    **dict.fromkeys(
        ("mexico", "mexique", "guatemala", "honduras", "el salvador", "nicaragua", "costa rica"),
        "America/Mexico_City",
    ),
    **dict.fromkeys(
        ("new york", "nueva york", "miami", "boston", "washington", "atlanta", "florida"),
        "America/New_York",
    ),
    **dict.fromkeys(
        ("los angeles", "california", "californie", "san francisco", "seattle"),
        "America/Los_Angeles",
    ),
    **dict.fromkeys(
        ("mali", "guinea", "guinee", "gambia", "gambie", "mauritania", "mauritanie", "ghana")
        + ("burkina faso", "togo", "costa de marfil", "ivory coast", "cote d ivoire"),
        "Africa/Abidjan",
    ),
    **dict.fromkeys(
        ("camerun", "cameroun", "cameroon", "niger", "benin", "nigeria", "gabon", "chad", "tchad"),
        "Africa/Lagos",
    ),
    **dict.fromkeys(
        ("reino unido", "royaume uni", "united kingdom", "uk", "inglaterra", "angleterre")
        + ("england", "london", "londres", "portugal", "lisboa", "lisbonne", "lisbon"),
        "Europe/London",
    ),
    **dict.fromkeys(
        ("italia", "italie", "italy", "francia", "france", "espana", "espagne", "spain")
        + ("belgica", "belgique", "belgium", "alemania", "allemagne", "germany", "suiza")
        + ("suisse", "switzerland", "paris", "madrid", "roma", "rome", "milan", "milano"),
        "Europe/Paris",
    ),
    # Canada's cities, for her province: "3 Toronto" needs no province question. (London,
    # Ontario, is left out: "London" is the diaspora's.)
    **dict.fromkeys(("vancouver", "victoria", "surrey", "burnaby", "kelowna"), "BC"),
    **dict.fromkeys(("calgary", "edmonton", "red deer", "lethbridge"), "AB"),
    **dict.fromkeys(("regina", "saskatoon"), "SK"),
    **dict.fromkeys(("winnipeg", "brandon"), "MB"),
    **dict.fromkeys(
        ("toronto", "ottawa", "mississauga", "brampton", "hamilton", "kitchener", "waterloo")
        + ("windsor", "markham", "sudbury", "kingston", "oshawa", "thunder bay"),
        "ON",
    ),
    **dict.fromkeys(
        ("montreal", "laval", "longueuil", "gatineau", "sherbrooke", "trois rivieres")
        + ("quebec city", "ville de quebec", "saguenay", "levis"),
        "QC",
    ),
    **dict.fromkeys(
        ("halifax", "moncton", "fredericton", "saint john", "dartmouth", "charlottetown"),
        "ATL",
    ),
    **dict.fromkeys(("st john s", "saint john s", "st johns", "corner brook"), "NL"),
    **dict.fromkeys(("whitehorse", "yellowknife", "iqaluit"), "NORTH"),
}


def _said(*parts: Sequence[str]) -> tuple[str, ...]:
    """Every phrase made of one wording of each part, in order ("" leaves the part out):
    _said(("en", "por"), ("la tarde", "las tardes")) → "en la tarde", "en las tardes", …"""
    return tuple(" ".join(word for word in words if word) for words in product(*parts))


# Her free time (AVAILABILITY) as people write it. A time of day alone is the weekdays' block
# ("mornings", "le soir": Mon–Fri), said with "entre semana", "en semaine", "weekday" or not:
# the weekend is offered only in the morning, so "sábados en la mañana" is Saturday, while
# "sábado tarde" names no option and is asked again. "Mañana" alone is left out: it is also
# "tomorrow". "Tarde" is the afternoon and "noche" the evening, as the blocks are cut.
_ES_WEEKDAYS = ("entre semana", "en semana", "en la semana", "durante la semana", "de semana")
_ES_WEEKDAYS += ("de lunes a viernes", "lunes a viernes", "los dias de semana", "dias de semana")
_FR_WEEKDAYS = ("en semaine", "de semaine", "la semaine", "pendant la semaine")
_FR_WEEKDAYS += ("du lundi au vendredi", "lundi au vendredi", "les jours de semaine")
_EN_WEEKDAYS = ("on weekdays", "during the week", "in the week", "monday to friday")
_EN_WEEKDAY = ("weekday", "weekdays", "week day", "week days")
_ES_MORNING = _said(("", "en", "por", "de"), ("la manana", "las mananas"))
_FR_MORNING = ("matin", "matins", "le matin", "les matins", "matinee", "en matinee")
_FR_MORNING += ("la matinee", "les matinees", "dans la matinee")
_EN_MORNING = _said(("", "in the"), ("morning", "mornings"))


def _weekday_phrases(
    spanish: Sequence[str], french: Sequence[str], english: Sequence[str]
) -> tuple[str, ...]:
    """One time of day on weekdays, in the three languages: "en las tardes", "tardes entre
    semana", "les après-midi en semaine", "en semaine le soir", "weekday evenings"."""
    es = _said(("", "en", "por", "de"), spanish)
    en = _said(("", "in the"), english)
    return (
        *_said(es, ("", *_ES_WEEKDAYS)),
        *_said(_ES_WEEKDAYS, es),
        *_said(french, ("", *_FR_WEEKDAYS)),
        *_said(_FR_WEEKDAYS, french),
        *_said(en, ("", *_EN_WEEKDAYS)),
        *_said(_EN_WEEKDAY, english),
    )


def _weekend_phrases(
    spanish: Sequence[str], french: Sequence[str], english: Sequence[str]
) -> tuple[str, ...]:
    """A weekend day or the weekend, alone or in the morning (its only block): "sábados en la
    mañana", "sábado mañana", "le samedi matin", "Saturday mornings", "le week-end"."""
    return (
        *_said(spanish, ("", "manana", "mananas", *_ES_MORNING)),
        *_said(french, ("", *_FR_MORNING)),
        *_said(english, ("", *_EN_MORNING)),
    )


_SATURDAY = _weekend_phrases(
    ("sabado", "sabados", "el sabado", "los sabados"),
    ("samedi", "samedis", "le samedi", "les samedis"),
    ("saturday", "saturdays", "on saturday", "on saturdays"),
)
_SUNDAY = _weekend_phrases(
    ("domingo", "domingos", "el domingo", "los domingos"),
    ("dimanche", "dimanches", "le dimanche", "les dimanches"),
    ("sunday", "sundays", "on sunday", "on sundays"),
)
_WEEKEND = _weekend_phrases(
    _said(("", "el", "los", "en el", "en los", "por el"), ("fin de semana", "fines de semana"))
    + _said(("", "el", "los"), ("finde", "findes")),
    _said(("", "le", "les", "en", "pendant le"), ("week end", "week ends", "weekend", "weekends"))
    + _said(("", "la", "les", "en"), ("fin de semaine", "fins de semaine")),
    _said(("", "the", "on", "on the", "at the", "at"), ("weekend", "weekends", "week end")),
)

# The session rhythm (keys of `flows.nudges.RHYTHMS`) as people write it, beyond the options' own
# words ("Cada dos semanas"), and "just this once".
_RHYTHM_WORDS = {
    "weekly": ("semanal", "semanalmente", "todas las semanas")
    + _said(("una", "1"), ("vez",), ("por", "a la", "cada"), ("semana",))
    + ("hebdomadaire", "toutes les semaines", "tous les 7 jours")
    + _said(("une", "1"), ("fois",), ("par", "chaque"), ("semaine",))
    + ("each week", "once a week", "once per week", "1 time a week"),
    "biweekly": ("quincenal", "quincenalmente", "cada quincena", "una semana si y otra no")
    + _said(("cada",), ("2", "dos"), ("semanas",))
    + _said(("cada",), ("15", "quince", "14", "catorce"), ("dias",))
    + _said(("dos", "2"), ("veces",), ("al", "por", "cada"), ("mes",))
    + _said(("toutes les",), ("2", "deux"), ("semaines",))
    + _said(("tous les",), ("15", "quinze", "14", "quatorze"), ("jours",))
    + _said(("deux", "2"), ("fois",), ("par",), ("mois",))
    + ("une semaine sur deux", "every other week", "every second week", "every 2 weeks")
    + ("fortnightly", "every fortnight", "bi weekly", "twice a month", "twice per month")
    + ("2 times a month",),
    "monthly": ("mensual", "mensualmente", "todos los meses")
    + _said(("una", "1"), ("vez",), ("al", "por", "cada"), ("mes",))
    + ("mensuel", "mensuellement", "tous les mois")
    + _said(("une", "1"), ("fois",), ("par",), ("mois",))
    + ("each month", "once a month", "once per month"),
    # "No" answers "would you like to meet regularly?": just this once.
    "once": ("solo una vez", "una sola vez", "una vez", "no", "no gracias")
    + ("une seule fois", "juste une fois", "une fois", "seulement cette fois", "non", "non merci")
    + ("just once", "only once", "one time", "no thanks"),
}

# Everyday phrases that name one option or several at once (normalised), understood only as
# written: unlike ANSWER_WORDS no near miss counts, since phrases one word apart often mean
# something else ("tous les mois" is monthly, "tous les jours" is no rhythm offered).
ANSWER_PHRASES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        _weekday_phrases(
            ("la manana", "las mananas", "mananas"),
            _FR_MORNING,
            ("morning", "mornings"),
        ),
        ("wd_morning",),
    ),
    **dict.fromkeys(
        _weekday_phrases(
            ("tarde", "tardes", "la tarde", "las tardes"),
            _said(("", "l", "les", "en", "dans l"), ("apres midi", "aprem", "aprems")),
            ("afternoon", "afternoons"),
        ),
        ("wd_afternoon",),
    ),
    **dict.fromkeys(
        _weekday_phrases(
            ("noche", "noches", "la noche", "las noches"),
            _said(("", "le", "les", "la", "en", "dans la"), ("soir", "soirs", "soiree", "soirees")),
            ("evening", "evenings", "night", "nights"),
        )
        + ("at night", "weeknight", "weeknights", "after work", "despues del trabajo")
        + ("apres le travail", "apres le boulot"),
        ("wd_evening",),
    ),
    **dict.fromkeys(_SATURDAY, ("sat",)),
    **dict.fromkeys(_SUNDAY, ("sun",)),
    **dict.fromkeys(_WEEKEND, ("sat", "sun")),
    # Any of them: "todas", "a cualquier hora", "n'importe quand", "any time".
    **dict.fromkeys(
        ("todas", "todos", "todo", "todas las opciones", "cualquiera", "cualquier hora")
        + ("a cualquier hora", "cuando sea", "toutes", "tous", "tout", "n importe quand")
        + ("a tout moment", "toutes les options", "all", "all of them", "any time", "anytime")
        + ("whenever",),
        tuple(AVAILABILITY),
    ),
    **{phrase: (key,) for key, phrases in _RHYTHM_WORDS.items() for phrase in phrases},
}

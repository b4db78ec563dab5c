"""Onboarding: consent (with sharing her contact), then the profile in few short questions, then
her thanks. Eleven messages from the bot on a phone, every question answerable with digits; her
profile's summary (to see or correct it) is one menu choice away.

```mermaid
graph LR
  language --> consent --> name --> country
  country -->|Canada| province --> business
  country -->|"3 Toronto"| business
  country -->|other| zone --> city
  country -->|"Bolivia, Senegal (no city given)"| city --> business
  country -->|"1 El Alto"| business
  business -->|"name only"| sector --> stage
  business -->|"sector only"| business_name --> stage
  business -->|"Tejidos Carmen 2"| stage
  stage --> size --> skills
  skills -->|"2 7 / 4 1"| languages
  skills -->|"2 7"| wants --> languages --> availability
  availability -->|Canada| diaspora --> done
  availability --> done
  menu --> summary -->|correct| fix --> field --> summary
```

Some questions take two answers at once ("1 El Alto", "Tejidos Carmen 2", "2 7 / 4 1"); when
she gives only one, the other is asked on its own. Her languages start with the one she chose
for the bot; she is only asked which others she speaks. "Atrás", "retour" or "back" goes to the
previous question. Every answer is written to her profile as soon as she gives it, so a restart
(or a week's silence) loses nothing. The same steps serve profile editing: with
`data["editing"]` set, a step returns to the summary instead of going on (country also walks
through the questions that depend on it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from flows import choices, home
from flows import vocabulary as vocab
from flows.cohort_join import after_onboarding
from flows.messages import Msg, Option, Reply, _, nested
from flows.profile import summary
from flows.registry import register
from flows.steps import (
    INVALID_MANY,
    INVALID_ONE,
    ONLY_ONE,
    Answer,
    AskText,
    Choose,
    ChooseMany,
    Context,
    Outcome,
    Step,
    WithBack,
    go,
    invalid_many,
    several_named,
    stay,
    too_long,
)
from flows.text import clean_text, name_case, normalise, without_intro
from storage.models import Participant

MOST_SKILLS = 3
NAME_LONGEST = 30
CITY_LONGEST = 30
BUSINESS_LONGEST = 50
SKILL_OPTIONS = vocab.options(vocab.SKILLS)
SKILL_KEYS = frozenset(vocab.SKILLS)
# "2 7 / 4 1", or the two on separate lines.
GROUPS = re.compile(r"\s*(?:/|\n|\|)\s*")
PROVINCES = vocab.options(vocab.region_labels())

CONSENT = _(
    "Before we start: Entrepairs keeps your answers and today's date to find you a peer. Only "
    "the programme team sees them. Your peer will see your first name, country and business, "
    "and your contact if you both accept. You can erase it all at any time. Do you agree?"
)
CONSENT_YES = _("Yes, I agree")
CONSENT_PRIVATE = _("Yes, without sharing my contact")
CONSENT_NO = _("No")
DECLINED = _("No problem, nothing has been kept. If you change your mind, just write to me again.")
ASK_NAME = _("What is your first name?")
NAME_UNREADABLE = _(
    "Sorry, I did not understand. What is your first name? Please write it in letters."
)
ASK_COUNTRY = _("Which country and city do you live in? E.g. 1 El Alto")
ASK_COUNTRY_CITY = _(
    "Nice to meet you, {name}! Which country and city do you live in? E.g. 1 El Alto"
)
# The same, with an example from her own country when it is known (her phone number's, or the
# one she is correcting): "3 Montréal, Québec" for a woman in Québec, not "2 Thiès".
ASK_COUNTRY_EXAMPLE = _("Which country and city do you live in? E.g. {number} {city}")
ASK_COUNTRY_CITY_EXAMPLE = _(
    "Nice to meet you, {name}! Which country and city do you live in? E.g. {number} {city}"
)
# Translators: a Canadian city and its province, as an example of an answer; keep the comma.
CANADIAN_EXAMPLE = _("Toronto, Ontario")
ASK_PROVINCE = _("Which province or territory?")
GREETED = "greeted"  # she has read "Nice to meet you" once
ASK_ZONE = _("Which region of the world?")
ASK_CITY = _("Which city or town do you live in?")
ASK_BUSINESS = _("What is the name of your business or project?")
ASK_BUSINESS_SECTOR = _("What is your business called, and what is its sector? E.g. Maple Bakery 1")
ASK_SECTOR = _("What is its sector?")
ASK_STAGE = _("How far along is your business?")
ASK_SIZE = _("How many people work in it, counting you?")
ASK_OFFERS = _("What could you teach another entrepreneur? Choose up to 3.")
ASK_WANTS = _("What would you like to learn? Choose up to 3.")
ASK_SKILLS = _("What can you teach, and what do you want to learn? Up to 3 each, e.g. 2 7 / 4 1")
TOO_MANY_SKILLS = _("Please choose 3 at most, e.g. 1 4 7.")
# Asked again, the two lists' format with it: "send the numbers, e.g. 1 3" would lose the "/".
SKILLS_NOT_UNDERSTOOD = _(
    "Sorry, I did not understand. Please send: teach / learn, e.g. 2 7 / 4 1."
)
ASK_LANGUAGES = _("Besides English, which languages can you hold a conversation in?")
NO_OTHER_LANGUAGE = _("None")
# "1 2" when 1 is "None": which does she mean? ("None" is always first, so always 1.)
NONE_AND_LANGUAGES = _(
    'You chose "{none}" and also a language. Please send only the numbers of the languages you '
    "speak, e.g. 2 4, or just 1 if none."
)
ASK_AVAILABILITY = _("When are you usually free for a one-hour call? (your local time)")
ASK_DIASPORA = _("Do you have family ties with Bolivia or Senegal?")
ASK_CONTACT = _(
    "When you and your peer both agree to meet, may I give her your contact from this chat?"
)
CONTACT_YES = _("Yes, share my contact")
CONTACT_NO = _("No, keep it private")
IS_IT_RIGHT = _("{profile}\n\nIs everything right?")
# The same question without her profile: after a voice note, the profile is not sent again.
IS_IT_RIGHT_SHORT = _("Is everything right in your profile?")
CONFIRM = _("Yes, it's right")
CORRECT = _("Correct something")
ASK_FIX = _("What would you like to correct?")
DONE = _(
    "Thank you, {name}! Your profile is ready. I will write to you as soon as we have found "
    "your peer. To see or correct your profile, write {menu}."
)
SAVED = _("Saved.")

# How she may introduce herself before her name, as `normalise` writes it ("Je m'appelle" →
# "je m appelle"); what follows is her name.
NAME_INTROS = frozenset(
    {
        "me llamo",
        "mi nombre es",
        "soy",
        "je m appelle",
        "moi c est",
        "je suis",
        "mon nom est",
        "mon prenom est",
        "my name is",
        "i m",
        "im",
        "i am",
        # As typed on a phone: "yo soy Rosa", "c moi Fatou", "this is Grace".
        "yo soy",
        "yo me llamo",
        "c moi",
        "c est",
        "c est moi",
        "this is",
        "it s",
    }
)
# A greeting before her introduction, one word at a time ("Hola, soy Carmen", "Buenos días,
# me llamo Rosa", "slt c moi Fatou", "Hi! I'm Emily"): no part of her name.
NAME_GREETINGS = frozenset(
    {"hola", "holaa", "buenas", "buenos", "buen", "dia", "dias", "tardes", "noches", "alo"}
    | {"bonjour", "bjr", "bonsoir", "salut", "slt", "coucou", "allo"}
    | {"hello", "hi", "hey", "good", "morning", "afternoon", "evening"}
)
# How she may say where she lives before her city ("vivo en El Alto", "j'habite à Thiès", "I
# live in Toronto"), and what her business is called before its name ("mi negocio se llama",
# "mon entreprise s'appelle", "it's called"), as `normalise` writes them.
CITY_INTROS = frozenset(
    {"vivo en", "vivo en la ciudad de", "estoy en", "soy de", "en", "en la ciudad de", "de"}
    | {"desde", "la ciudad de", "j habite a", "j habite au", "j habite", "je vis a", "je suis a"}
    | {"je suis de", "je viens de", "a", "a la ville de", "la ville de", "depuis"}
    | {"i live in", "i m in", "i am in", "i m from", "i am from", "in", "from", "the city of"}
)
BUSINESS_INTROS = frozenset(
    {"mi negocio se llama", "mi negocio es", "mi emprendimiento se llama", "mi empresa se llama"}
    | {"mi emprendimiento es", "mi empresa es", "mi tienda se llama", "se llama", "es"}
    | {"mon entreprise s appelle", "mon entreprise c est", "mon entreprise est", "c est"}
    | {"mon business s appelle", "elle s appelle", "ca s appelle", "il s appelle", "ma boutique"}
    | {"my business is called", "my business is", "my company is called", "my company is"}
    | {"it s called", "it is called", "it s", "called"}
)


def _her_words(text: str, intros: frozenset[str]) -> str:
    """Her city or her business's name, without the words she introduced it with."""
    return " ".join(without_intro(text.split(), intros)).strip(" ,;:-.") or text.strip()


BOTH = "both"
NONE = "none"
DIASPORA_OPTIONS = (
    Option("BO", vocab.DIASPORA_COUNTRIES["BO"]),
    Option("SN", vocab.DIASPORA_COUNTRIES["SN"]),
    Option(BOTH, _("Both")),
    Option(NONE, _("No")),
)


def _in_canada(p: Participant) -> bool:
    return p.country == "CA"


def _elsewhere(p: Participant) -> bool:
    return p.country == "OTHER"


def _always(p: Participant) -> bool:
    return True


def _never(p: Participant) -> bool:
    return False


def _city_missing(p: Participant) -> bool:
    return p.country != "CA" and not p.region


def _province_missing(p: Participant) -> bool:
    return p.country == "CA" and p.region not in vocab.CANADA_REGIONS


def _name_missing(p: Participant) -> bool:
    return not p.business_name


def _sector_missing(p: Participant) -> bool:
    return not p.sector


def _wants_missing(p: Participant) -> bool:
    return not p.skills_wanted


# The questions in order, each with the condition under which it is asked.
ORDER: list[tuple[str, Callable[[Participant], bool]]] = [
    ("name", _always),
    ("country", _always),
    ("province", _province_missing),
    ("zone", _elsewhere),
    ("city", _city_missing),
    ("business", _always),
    ("business_name", _name_missing),
    ("sector", _sector_missing),
    ("stage", _always),
    ("size", _always),
    ("skills", _always),
    ("wants", _wants_missing),
    ("languages", _always),
    ("availability", _always),
    ("diaspora", _in_canada),
    ("summary", _always),
]
# Questions that only ask what she left out of a two-answer question ("back" skips them).
FILL_INS = frozenset({"city", "business_name", "sector", "wants"})
# Whether each question of ORDER that applies to her has its answer in her profile. A fill-in
# applies only while its answer is missing; family ties may rightly be none.
ANSWERED: dict[str, Callable[[Participant], bool]] = {
    "name": lambda p: bool(p.name),
    "country": lambda p: bool(p.country),
    "province": lambda p: p.region in vocab.CANADA_REGIONS,
    "zone": lambda p: bool(p.timezone),
    "business": lambda p: bool(p.business_name or p.sector),
    "stage": lambda p: bool(p.stage),
    "size": lambda p: bool(p.size),
    "skills": lambda p: bool(p.skills_offered),
    "languages": lambda p: bool(p.mentor_languages),
    "availability": lambda p: bool(p.availability),
    "diaspora": _always,
}
# When one of these is corrected, the questions that depend on it are asked again too.
DEPENDENTS = {
    "country": {"province", "zone", "city", "diaspora"},
    "zone": {"city"},
    "business": {"business_name", "sector"},
    "skills": {"wants"},
}


def next_step(ctx: Context, current: str) -> Outcome:
    """The next question that applies to her, or back to the summary when she is correcting."""
    names = [name for name, _cond in ORDER]
    editing = ctx.data.get("editing")
    later = ORDER[names.index(current) + 1 :] if current in names else []
    for name, applies in later:
        if name == "summary":
            break
        if applies(ctx.participant) and (not editing or name in DEPENDENTS.get(editing, set())):
            return go("onboarding", name)
    ctx.data.pop("editing", None)
    if ctx.participant.onboarded_at is None:
        return finish(ctx)
    return go("onboarding", "summary")


def unanswered(participant: Participant) -> str | None:
    """The first question she still owes (consent first), or None when her profile is whole."""
    if participant.consent_at is None:
        return "consent"
    for name, applies in ORDER:
        if name == "summary":
            break
        if applies(participant) and not ANSWERED.get(name, _never)(participant):
            return name
    return None


def finish(ctx: Context) -> Outcome:
    """Her profile is complete: thank her (the summary waits in the menu, to save a message).

    A profile with a gap (no consent above all) is never finished: the missing question is asked
    instead, however she got here, since matching skips anyone without consent.
    """
    gap = unanswered(ctx.participant)
    if gap is not None:
        return go("onboarding", gap)
    ctx.participant.onboarded_at = ctx.now
    ctx.session.add(ctx.participant)
    done = _(DONE.msgid, name=ctx.participant.name or "", menu={"$kw": "menu"})
    return after_onboarding(ctx, done)  # may ask for a cohort code (flows.cohort_join)


def previous_step(ctx: Context, current: str) -> Outcome:
    """ "Atrás": the question before this one (the summary while she is correcting).

    Before consent comes her language; before her name, consent.
    """
    names = [name for name, _cond in ORDER]
    if current == "consent":
        ctx.data.pop("editing", None)
        return go("home", "language")
    if ctx.data.get("editing") or current not in names:
        ctx.data.pop("editing", None)
        # Only a finished profile has a summary to go back to; otherwise what she still owes.
        gap = unanswered(ctx.participant) if ctx.participant.onboarded_at is None else None
        return go("onboarding", gap or "summary")
    for name, applies in reversed(ORDER[: names.index(current)]):
        if name not in FILL_INS and applies(ctx.participant):
            return go("onboarding", name)
    return go("onboarding", "consent")


def _save(ctx: Context, step: str, **fields: object) -> Outcome:
    moved = "timezone" in fields and fields["timezone"] != ctx.participant.timezone
    for name, value in fields.items():
        setattr(ctx.participant, name, value)
    ctx.session.add(ctx.participant)
    if moved and fields["timezone"]:
        home.zone_changed(ctx)
    return next_step(ctx, step)


def _on_consent(ctx: Context, key: str) -> Outcome:
    if key == "no":
        home.erase(ctx)
        return stay(DECLINED)
    ctx.participant.consent_at = ctx.now
    ctx.participant.share_contact = key == "yes"
    ctx.session.add(ctx.participant)
    return go("onboarding", "name")


def _on_country(ctx: Context, key: str, city: str = "") -> Outcome:
    """Her country, and her city when she wrote it too ("1 El Alto"); in Canada her city
    names her province ("3 Toronto"), which is then not asked."""
    # Until her province (or zone) says where, her zone stays what it was: she may leave that
    # question unanswered for days, and every time shown and every night kept needs one.
    known = ctx.participant.timezone
    city = _her_words(city, CITY_INTROS)
    if key == "CA":
        province = _province_of(city)
        zone = vocab.CANADA_REGIONS[province].zone if province else known
        return _save(ctx, "country", country=key, timezone=zone, region=province)
    ctx.participant.diaspora_ties = []
    region = city if 0 < len(city) <= CITY_LONGEST else None
    zone = vocab.COUNTRY_ZONES.get(key, known)
    return _save(ctx, "country", country=key, timezone=zone, region=region)


def _province_of(city: str) -> str | None:
    """The province a Canadian city or province name points to; never a bare digit, which she
    wrote before seeing the provinces' list."""
    if not city or normalise(city).isdigit():
        return None
    found = choices.choose_one(city, PROVINCES)
    if found is None and "," in city:  # "Montréal, Québec", as the question's example writes it
        found = choices.choose_one(city.rpartition(",")[2], PROVINCES)
    return found


def _on_business(ctx: Context, sector: str | None, name: str) -> Outcome:
    """Her business's name and sector from one answer; what she left out is asked next."""
    name = _her_words(name, BUSINESS_INTROS)
    if name:
        ctx.participant.business_name = name[:BUSINESS_LONGEST]
    return _save(ctx, "business", sector=sector or ctx.participant.sector)


def _on_skills(ctx: Context, offers: list[str], wants: list[str] | None) -> Outcome:
    if wants is not None:
        ctx.participant.skills_wanted = wants
    return _save(ctx, "skills", skills_offered=offers)


def tidy_name(text: str) -> str | None:
    """Her name from her answer: without "me llamo" or "je m'appelle", without the punctuation or
    emoji around it, capitalised if she wrote it all small; None when it has no letter at all."""
    words = clean_text(text).split()
    while len(words) > 1 and normalise(words[0]) in NAME_GREETINGS:
        words = words[1:]
    name = " ".join(_without_place(without_intro(words, NAME_INTROS)))
    # Letters (and their accents) at both ends: "Elena!", "¿Awa?" and "Rosa 🙂" lose the rest.
    kept = [i for i, char in enumerate(name) if unicodedata.category(char)[0] == "L"]
    if not kept:
        return None
    return name_case(name[kept[0] : kept[-1] + 1])


# Where she says she is from after her name ("soy Carmen de El Alto", "je suis Awa de Thiès",
# "I'm Emily from Toronto"): the cities of the programme's countries, as `normalise` writes them.
# "de" alone may start a surname ("María de la Cruz"), so only before one of these it is cut.
HOME_PLACES = frozenset(
    {"el alto", "la paz", "cochabamba", "santa cruz", "sucre", "oruro", "potosi", "tarija"}
    | {"trinidad", "cobija", "bolivia", "dakar", "thies", "saint louis", "ziguinchor", "kaolack"}
    | {"touba", "mbour", "rufisque", "pikine", "guediawaye", "louga", "tambacounda", "kolda"}
    | {"senegal", "montreal", "toronto", "quebec", "ottawa", "vancouver", "gatineau", "laval"}
    | {"calgary", "edmonton", "winnipeg", "halifax", "moncton", "sherbrooke", "canada"}
)
# Words that always start where she is from, never a name: "desde El Alto", "from Toronto".
_FROM = frozenset({"from", "desde", "depuis"})
_OF = frozenset({"de", "d", "du"})


def _without_place(words: list[str]) -> list[str]:
    """Her name without the place she said she is from after it ("carmen de el alto")."""
    plain = [normalise(word) for word in words]
    for index in range(1, len(words)):
        rest = " ".join(plain[index + 1 :])
        if plain[index] in _FROM or (
            plain[index] in _OF and (rest in HOME_PLACES or rest.startswith("el "))
        ):
            return words[:index]
    return words


class AskName:
    """Her first name, as `tidy_name` reads it; its length limit is the name's, so "je m'appelle"
    does not count against it."""

    def offered(self, ctx: Context) -> Sequence[Option]:
        return ()

    def ask(self, ctx: Context) -> list[Reply]:
        return [Reply(ASK_NAME)]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        name = tidy_name(answer.text)
        if name is None:
            return stay(NAME_UNREADABLE)
        if len(name) > NAME_LONGEST:
            return stay(too_long(NAME_LONGEST))
        return _save(ctx, "name", name=name)


def _other_languages(ctx: Context) -> Sequence[Option]:
    others = vocab.options(vocab.SPOKEN_LANGUAGES)
    mine = ctx.participant.locale
    return (Option(NONE, NO_OTHER_LANGUAGE), *(o for o in others if o.key != mine))


def _on_languages(ctx: Context, keys: list[str]) -> Outcome:
    spoken = [ctx.participant.locale, *(key for key in keys if key != NONE)]
    return _save(ctx, "languages", mentor_languages=list(dict.fromkeys(spoken)))


def _on_province(ctx: Context, key: str) -> Outcome:
    return _save(ctx, "province", region=key, timezone=vocab.CANADA_REGIONS[key].zone)


def _on_diaspora(ctx: Context, key: str) -> Outcome:
    ties = {"BO": ["BO"], "SN": ["SN"], BOTH: ["BO", "SN"], NONE: []}[key]
    return _save(ctx, "diaspora", diaspora_ties=ties)


def _saver(step: str, field: str) -> Callable[[Context, object], Outcome]:
    """The answer handler of a question that fills one profile field."""
    return lambda ctx, value: _save(ctx, step, **{field: value})


COUNTRY_OPTIONS = vocab.options(vocab.COUNTRIES)
# A city of each country, named alike in every language ("El Alto", "Thiès").
_CITY_EXAMPLES: dict[str, str] = {"BO": "El Alto", "SN": "Thiès"}
# Where a phone number's calling code says she lives.
_CALLING_CODES = (("+591", "BO"), ("+221", "SN"), ("+1", "CA"))


def _country_guess(ctx: Context) -> str | None:
    """Her country when known: the one she gave, else her WhatsApp or SMS number's."""
    if ctx.participant.country in _CITY_EXAMPLES or ctx.participant.country == "CA":
        return ctx.participant.country
    address = ctx.address
    if address is None or address.channel not in ("whatsapp", "sms"):
        return None
    number = "+" + address.address.rpartition("+")[2] if "+" in address.address else ""
    return next((country for code, country in _CALLING_CODES if number.startswith(code)), None)


def _country_example(ctx: Context) -> dict[str, object] | None:
    """ "1 El Alto", "3 Montréal, Québec": an answer as she would write it, from her country."""
    country = _country_guess(ctx)
    if country is None:
        return None
    number = next(i for i, o in enumerate(COUNTRY_OPTIONS, 1) if o.key == country)
    return {"number": number, "city": _CITY_EXAMPLES.get(country) or nested(CANADIAN_EXAMPLE)}


def _ask_country(ctx: Context) -> Msg:
    """ "Nice to meet you" the first time; the bare question when it comes again (after MENU or
    HELP, a wrong answer) or when she corrects it. Its example is from her country when known,
    else the one her language's translators chose."""
    example = _country_example(ctx)
    greet = not (ctx.data.get("editing") or not ctx.participant.name or ctx.data.get(GREETED))
    if greet:
        ctx.data[GREETED] = True
    if example is None and greet:
        return _(ASK_COUNTRY_CITY.msgid, name=ctx.participant.name)
    if example is None:
        return ASK_COUNTRY
    if greet:
        return _(ASK_COUNTRY_CITY_EXAMPLE.msgid, name=ctx.participant.name, **example)
    return _(ASK_COUNTRY_EXAMPLE.msgid, **example)


def _ask_summary(ctx: Context) -> Msg:
    return _(IS_IT_RIGHT.msgid, profile=nested(summary(ctx.participant)))


@dataclass
class ChooseWithText:
    """A choice and her own words in one answer ("1 El Alto"); either part may be missing."""

    prompt: Callable[[Context], Msg] | Msg
    options: Sequence[Option]
    on_answer: Callable[[Context, str | None, str], Outcome]
    named_first: bool = True
    need_choice: bool = True

    def offered(self, ctx: Context) -> Sequence[Option]:
        return self.options

    def ask(self, ctx: Context) -> list[Reply]:
        prompt = self.prompt(ctx) if callable(self.prompt) else self.prompt
        return [Reply(prompt, tuple(self.options))]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        if answer.option_key in {option.key for option in self.options}:
            return self.on_answer(ctx, answer.option_key, "")
        text = clean_text(answer.text)
        # "1 2" or "1 2 El Alto": two options, not country 1 and the city "2 El Alto". (Only at
        # her answer's start when her words come second: "5 Estrellas 2" is a business's name.)
        leading = " ".join(text.split()[:2]) if self.named_first else text
        if several_named(text, self.options) or several_named(leading, self.options):
            return stay(Reply(ONLY_ONE, tuple(self.options)))
        key, words = choices.choice_and_text(text, self.options, named_first=self.named_first)
        if key is None and (self.need_choice or not words):
            return stay(Reply(INVALID_ONE, tuple(self.options)))
        return self.on_answer(ctx, key, words)


@dataclass
class TeachAndLearn:
    """What she can teach and what she wants to learn from one list: "2 7 / 4 1"."""

    def offered(self, ctx: Context) -> Sequence[Option]:
        return SKILL_OPTIONS

    def ask(self, ctx: Context) -> list[Reply]:
        return [Reply(ASK_SKILLS, SKILL_OPTIONS, multi=True)]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        if answer.option_key is not None:
            chosen = [answer.option_key] if answer.option_key in SKILL_KEYS else None
            return _on_skills(ctx, chosen, None) if chosen else self._invalid(INVALID_MANY)
        groups = [g for g in GROUPS.split(answer.text) if normalise(g)][:2]
        picked = [choices.choose_many(group, SKILL_OPTIONS) for group in groups]
        if not picked or not all(picked):
            return self._invalid(SKILLS_NOT_UNDERSTOOD)
        if any(len(keys or []) > MOST_SKILLS for keys in picked):
            return self._invalid(TOO_MANY_SKILLS)
        return _on_skills(ctx, picked[0] or [], picked[1] if len(picked) > 1 else None)

    def _invalid(self, msg: Msg) -> Outcome:
        return stay(invalid_many(msg, SKILL_OPTIONS))


class Summary(Choose):
    """Her profile and the question in one message."""


SUMMARY_OPTIONS = (Option("ok", CONFIRM), Option("fix", CORRECT))
home.add_short_question(
    "onboarding", "summary", lambda ctx: [Reply(IS_IT_RIGHT_SHORT, SUMMARY_OPTIONS)]
)


def _on_summary(ctx: Context, key: str) -> Outcome:
    if key == "fix":
        return go("onboarding", "fix")
    if ctx.participant.onboarded_at is None:  # a profile from before the summary was dropped
        return finish(ctx)
    return go("home", "idle", SAVED)


# What can be corrected from the summary, and the question that corrects it.
FIXABLE: dict[str, Msg] = {
    "name": _("First name"),
    "country": _("Country and city"),
    "business_name": _("Business name"),
    "sector": _("Sector"),
    "stage": _("Stage of the business"),
    "size": _("Size of the business"),
    "offers": _("What I can share"),
    "wants": _("What I want to learn"),
    "languages": _("Other languages"),
    "availability": _("Free time"),
    "diaspora": _("Family ties"),
    "contact": _("Sharing my contact"),
}


def _fix_options(ctx: Context) -> Sequence[Option]:
    return tuple(
        Option(key, label)
        for key, label in FIXABLE.items()
        if key != "diaspora" or _in_canada(ctx.participant)
    )


def _on_fix(ctx: Context, key: str) -> Outcome:
    ctx.data["editing"] = key
    return go("onboarding", key)


STEPS: dict[str, Step] = {
    "consent": Choose(
        CONSENT,
        (Option("yes", CONSENT_YES), Option("private", CONSENT_PRIVATE), Option("no", CONSENT_NO)),
        _on_consent,
    ),
    "name": AskName(),
    "country": ChooseWithText(
        _ask_country, COUNTRY_OPTIONS, lambda c, k, w: _on_country(c, k or "", w)
    ),
    "province": Choose(ASK_PROVINCE, PROVINCES, _on_province),
    "zone": Choose(ASK_ZONE, vocab.options(vocab.OTHER_ZONES), _saver("zone", "timezone")),
    "city": AskText(
        ASK_CITY,
        lambda ctx, text: _save(ctx, "city", region=_her_words(text, CITY_INTROS)),
        longest=CITY_LONGEST,
    ),
    "business": ChooseWithText(
        ASK_BUSINESS_SECTOR,
        vocab.options(vocab.SECTORS),
        _on_business,
        named_first=False,
        need_choice=False,
    ),
    "business_name": AskText(
        ASK_BUSINESS,
        lambda ctx, text: _save(
            ctx, "business_name", business_name=_her_words(text, BUSINESS_INTROS)
        ),
        longest=BUSINESS_LONGEST,
    ),
    "sector": Choose(ASK_SECTOR, vocab.options(vocab.SECTORS), _saver("sector", "sector")),
    "stage": Choose(ASK_STAGE, vocab.options(vocab.STAGES), _saver("stage", "stage")),
    "size": Choose(ASK_SIZE, vocab.options(vocab.SIZES), _saver("size", "size")),
    "skills": TeachAndLearn(),
    "offers": ChooseMany(
        ASK_OFFERS,
        SKILL_OPTIONS,
        _saver("offers", "skills_offered"),
        most=MOST_SKILLS,
        too_many=TOO_MANY_SKILLS,
    ),
    "wants": ChooseMany(
        ASK_WANTS,
        SKILL_OPTIONS,
        _saver("wants", "skills_wanted"),
        most=MOST_SKILLS,
        too_many=TOO_MANY_SKILLS,
    ),
    "languages": ChooseMany(
        ASK_LANGUAGES,
        _other_languages,
        _on_languages,
        alone=NONE,
        not_alone=_(NONE_AND_LANGUAGES.msgid, none=nested(NO_OTHER_LANGUAGE)),
    ),
    "availability": ChooseMany(
        ASK_AVAILABILITY,
        vocab.options(vocab.block_labels()),
        _saver("availability", "availability"),
    ),
    "diaspora": Choose(
        ASK_DIASPORA, DIASPORA_OPTIONS, _on_diaspora, together={frozenset({"BO", "SN"}): BOTH}
    ),
    "contact": Choose(
        ASK_CONTACT,
        (Option("yes", CONTACT_YES), Option("no", CONTACT_NO)),
        lambda ctx, key: _save(ctx, "contact", share_contact=key == "yes"),
    ),
    "summary": Summary(_ask_summary, SUMMARY_OPTIONS, _on_summary),
    "fix": Choose(ASK_FIX, _fix_options, _on_fix),
}

register(
    "onboarding",
    {
        name: WithBack(step, partial(previous_step, current=name), hint=False)
        for name, step in STEPS.items()
    },
)

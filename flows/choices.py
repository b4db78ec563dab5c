"""Understanding a typed answer to a question with options: "2", "2.", "español", "1, 3 y 5".

An answer is matched against the options by number, by key, or by the option's words in any of
the bot's languages, ignoring case, accents, punctuation and emoji, so "Espanol", "ESPAÑOL!" and
"2️⃣" all work on a basic phone keyboard. Digits written as words ("dos", "trois"), a few
everyday words for an option ("textiles", "agro": `vocabulary.ANSWER_WORDS`), everyday phrases
("en las tardes", "cada 15 días", "le week-end" for Saturday and Sunday:
`vocabulary.ANSWER_PHRASES`) and small typos ("Bolibia", "comerce") are understood too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import get_close_matches
from functools import cache

from flows import i18n
from flows.keywords import without_courtesy
from flows.messages import Msg, Option, _
from flows.render import Reader, render_msg
from flows.text import normalise
from flows.vocabulary import (
    AMOUNT_WORDS,
    ANSWER_PHRASES,
    ANSWER_WORDS,
    LANGUAGE_WORDS,
    NUMBER_PREFIXES,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    SCALE_WORDS,
)

# From strongest to weakest: "a, b" then "a y b" (or "a, y b") then "1 3".
_SPLITS = (
    re.compile(r"\s*[,;/+&]\s*|(?<=\d)\.(?=\d)"),  # "2.3" too, typed where a comma is far
    re.compile(r"(?:^|\s+)(?:y|et|and|e)\s+", re.IGNORECASE),
    re.compile(r"\s+"),
)


# Short answers that mean yes or no in any of the bot's languages, as typed on a phone: they pick
# the option keyed "yes" or "no" wherever a question offers one ("sí", "si", "ok", "non").
_YES_NO = {
    "yes": frozenset(
        {"si", "yes", "y", "yep", "yeah", "yup", "ok", "okay", "oki", "oui", "ouais", "ouai"}
        | {"d accord", "daccord", "dac", "claro", "vale", "dale", "bueno", "sure", "of course"}
        # "ya": yes, all right, as said in La Paz ("ya, dale"); "waaw": yes, in Wolof.
        | {"ya", "waaw"}
        | {"si claro", "oui oui", "claro que si", "bien sur", "por supuesto"}
        # As said in Québec: "ouin" (yes), "c'est correct" (all right), "mets-en" (absolutely).
        | {"ouin", "ouin ouin", "correct", "c est correct", "mets en", "ben oui", "bin oui"}
        # As typed on a phone: "sip", "sí pues" (La Paz), "wi" (Dakar), "yes ma'am".
        | {"sip", "sipi", "si pues", "ya pues", "claro pues", "obvio", "wi", "oui madame"}
        | {"ok dac", "dakor", "yes ma am", "yes please"}
    ),
    "no": frozenset({"no", "non", "n", "nope", "nah", "nop", "no gracias", "non merci"})
    # Nothing is needed: "no hace falta", "pas besoin", "no need".
    | {"no hace falta", "no es necesario", "pas besoin", "pas la peine", "no need"}
    | {"deedeet", "dedet"}  # no, in Wolof ("déedéet")
    # Not at all, as said in Québec: "pantoute", "pas pantoute", "ben non".
    | {"pantoute", "pas pantoute", "non pantoute", "ben non", "bin non"}
    | {"noup", "no pues", "naa", "nan", "non madame", "no ma am"},
}


# What says a time or a plan suits her, alone or after a yes: "me parece bien", "ça me va",
# "that works".
_AGREE = frozenset(
    {"me parece bien", "me queda bien", "me va bien", "esta bien", "perfecto", "de acuerdo"}
    | {"ca me va", "ca me convient", "ca marche", "parfait", "c est parfait", "c est bon"}
    | {"that works", "works for me", "that suits me", "perfect", "fine", "that s fine"}
)


# What may follow a yes or a no and only repeats it ("sí, se hizo", "yes it did", "no, no pudimos",
# "non, pas encore"), as people answer "did it take place?" or "is that right?". Only after a
# yes or no word, never alone, and only these: "no sé" (I do not know) is no "no".
_YES_NO_TAILS = {
    "yes": frozenset(
        {"se hizo", "se realizo", "si se hizo", "la hicimos", "nos reunimos", "nos vimos"}
        | {"dale", "ok", "jerejef"}
        | {"hubo", "gracias", "es correcto", "asi es", "elle a eu lieu", "c est fait", "merci"}
        | {"on s est vues", "on s est parle", "c est ca", "c est bien ca", "c est correct"}
        | {"it did", "it happened", "it took place", "we did", "we met", "thanks", "thank you"}
        | {"that s right", "correct", "it is"}
        # How it went, said with the yes: "sí, muy bien", "oui c'était super", "yes it was great".
        | {"muy bien", "estuvo bien", "estuvo muy bien", "excelente", "c etait bien", "super"}
        | {"c etait super", "tres bien", "it was great", "it went well", "great", "very good"}
        # Gladly, as one accepts an introduction: "sí, me encantaría", "oui avec plaisir".
        | {"me encantaria", "con gusto", "con mucho gusto", "por favor", "claro", "claro que si"}
        | {"avec plaisir", "bien sur", "volontiers", "svp", "s il vous plait", "please"}
        | {"of course", "gladly", "with pleasure", "i would love to", "i d love to", "sure"}
        # It suits her, as one accepts a time: "sí, me parece bien", "oui ça me va".
        | _AGREE
        # Asking to be called: "sí, llámenme", "oui appelez-moi", "yes call me".
        | {"llamenme", "que me llamen", "contactenme", "appelez moi", "contactez moi"}
        | {"call me", "contact me", "please call me"}
    ),
    "no": frozenset(
        {"no pudimos", "no se hizo", "no se realizo", "no hubo", "todavia no", "aun no"}
        | {"todavia", "aun", "gracias", "pas encore", "elle n a pas eu lieu", "on n a pas pu"}
        | {"jerejef"}
        | {"pas du tout", "merci", "not yet", "it didn t", "it did not", "we didn t"}
        | {"we did not", "we couldn t", "we could not", "thanks", "thank you"}
        | {"lamentablemente", "malheureusement", "unfortunately", "sadly"}
        | {"lo siento", "desolee", "sorry", "no puedo", "je ne peux pas", "i can t"}
        # All is well, nothing is needed: "no, todo bien", "non ça va", "no thanks, all good".
        | {"todo bien", "estoy bien", "todo esta bien", "ca va", "tout va bien", "ca va merci"}
        | {"all good", "i m fine", "i m ok", "thanks all good", "gracias todo bien"}
        | {"merci ca va", "no hace falta", "pas besoin", "no need"}
    ),
}


# What only acknowledges or thanks ("ok", "gracias", "ok merci", "merci bcp", "thanks a lot"):
# an answer to a reminder or a confirmation, asking for nothing.
_OK = frozenset(
    {"ok", "okay", "oki", "okey", "okk", "vale", "dale", "bueno", "listo", "perfecto", "genial"}
    | {"entendido", "muy bien", "de acuerdo", "d accord", "daccord", "dac", "parfait", "super"}
    | {"tres bien", "bien recu", "c est note", "compris", "great", "perfect", "cool", "got it"}
    | {"noted", "good", "all right", "alright", "sure", "ya", "correct", "c est correct", "ouin"}
)
_THANKS = frozenset(
    {"gracias", "muchas gracias", "mil gracias", "merci", "merci beaucoup", "merci bcp", "mrc"}
    | {"mrci", "mci", "thanks", "thank you", "thx", "thanks a lot", "thank you so much"}
    | {"jerejef"}  # thank you, in Wolof ("jërëjëf")
)
_ACKNOWLEDGED = (
    _OK
    | _THANKS
    | {f"{ok} {thanks}" for ok in _OK for thanks in _THANKS}
    | {f"{thanks} {ok}" for ok in _OK for thanks in _THANKS}
)


def is_thanks(text: str) -> bool:
    """True when her message only acknowledges or thanks: "ok", "gracias", "Ok merci !", or
    emoji alone ("👍", "🙏🏾"); not a question mark."""
    plain = normalise(text)
    if not plain:
        return bool(text.strip()) and "?" not in text
    return plain in _ACKNOWLEDGED or _unheld(plain) in _held_acknowledged()


@cache
def _held_acknowledged() -> frozenset[str]:
    """What only acknowledges, with letters held down typed once ("graciass", "merciii")."""
    return frozenset(map(_unheld, _ACKNOWLEDGED))


# Emoji sent alone as a yes or a no (a thumbs up in any skin tone, a check mark, a cross).
_YES_NO_EMOJI = {"yes": frozenset("👍👌✅✔☑"), "no": frozenset("👎❌✖")}
_EMOJI_MODIFIERS = frozenset("\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")


def _emoji_yes_or_no(text: str, options: Sequence[Option]) -> str | None:
    """The "yes" or "no" option a message of emoji alone names ("👍🏽", "✅", "👎"), if offered."""
    marks = {char for char in text if not char.isspace() and char not in _EMOJI_MODIFIERS}
    keys = {option.key for option in options}
    for key, emoji in _YES_NO_EMOJI.items():
        if marks and marks <= emoji and key in keys:
            return key
    return None


def _yes_or_no(wanted: str, options: Sequence[Option]) -> str | None:
    """The "yes" or "no" option that a short yes/no word names, if the question has one: alone
    ("sí", "non merci") or followed by words that only repeat it ("sí se hizo", "not yet")."""
    said = _said_yes_or_no(wanted)
    return said if said in {option.key for option in options} else None


def _said_yes_or_no(wanted: str) -> str | None:
    """ "yes" or "no" when a normalised answer only says that, else None; with a letter held
    down too ("siii", "nooo", "ouiii gracias")."""
    for table, tails, said in (
        (_YES_NO, _YES_NO_TAILS, wanted),
        (_held_yes_no(), _held_tails(), _unheld(wanted)),
    ):
        first, _space, rest = said.partition(" ")
        for key, words in table.items():
            if said in words or (len(first) > 1 and first in words and rest in tails[key]):
                return key
    return None


_HELD = re.compile(r"(.)\1+")


def _unheld(text: str) -> str:
    """Her words with every letter held down typed once: "siii" → "si", "nooo" → "no"."""
    return _HELD.sub(r"\1", text)


@cache
def _held_yes_no() -> dict[str, frozenset[str]]:
    return {key: frozenset(map(_unheld, words)) for key, words in _YES_NO.items()}


@cache
def _held_tails() -> dict[str, frozenset[str]]:
    return {key: frozenset(map(_unheld, words)) for key, words in _YES_NO_TAILS.items()}


def is_yes(text: str) -> bool:
    """True when her answer only says yes, or that it suits her: "sí", "Oui ça me va",
    "yes that works", "me parece bien 👍", "perfecto"."""
    wanted = normalise(text)
    return _said_yes_or_no(wanted) == "yes" or wanted in _AGREE


def _labels(option: Option) -> frozenset[str]:
    if option.label.params:
        return _words(option.key, option.label)
    return _cached_words(option.key, option.label.msgid, option.label.context)


@cache
def _cached_words(key: str, msgid: str, context: str | None) -> frozenset[str]:
    return _words(key, Msg(msgid, context=context))


def _words(key: str, label: Msg) -> frozenset[str]:
    """The option's key and its label in every language, as people would type them."""
    words = {normalise(key)}
    words.update(normalise(render_msg(label, Reader(language))) for language in i18n.LANGUAGES)
    words.discard("")
    return frozenset(words)


def choose_one(
    text: str, options: Sequence[Option], *, phrases: bool = True, everyday: bool = True
) -> str | None:
    """The key of the option the answer names, or None when it names none (or several).

    `phrases`: a typo in an answer of several words ("en croisance") is forgiven too; not when
    the text may name several options at once (`choose_many`), which a near miss could merge.
    `everyday=False`: only the option's number or its own words count, not an everyday word or
    a near miss (for one word cut out of a sentence, see `_split_choices`)."""
    rated = _rating(text, options)
    if rated is not None:
        return rated
    wanted = normalise(text)
    if not wanted:
        return _emoji_yes_or_no(text, options)
    key = _choose(NUMBER_WORDS.get(wanted, wanted), options, phrases, everyday)
    if key is not None or not everyday:
        return key
    # What is left once courtesy, an article or "option" before a number are set aside: "2
    # gracias", "la 4", "opción dos", "le premier".
    plain = number_named(text)
    return _choose(plain, options, phrases, everyday) if plain else None


def number_named(text: str) -> str | None:
    """The option number an answer names with words around it that add nothing ("la 4", "el
    dos", "opción 3", "le premier", "the first one", "n° 5", "3 svp"), as digits; else None."""
    words = without_courtesy(normalise(text.replace("º", "°")).split(), greetings=False)
    while len(words) > 1 and words[0] in NUMBER_PREFIXES:
        words = words[1:]
    if len(words) == 2 and words[1] == "one" and words[0] in ORDINAL_WORDS:  # "the first one"
        words = words[:1]
    if len(words) != 1:
        return None
    word = words[0]
    number = ORDINAL_WORDS.get(word) or NUMBER_WORDS.get(word, word)
    return number if number.isdigit() else None


def _choose(wanted: str, options: Sequence[Option], phrases: bool, everyday: bool) -> str | None:
    """`choose_one` for a normalised answer, a number word already read as its digits."""
    if not wanted:
        return None
    if wanted.isdigit():
        index = int(wanted) - 1 if len(wanted) <= 3 else -1
        return options[index].key if 0 <= index < len(options) else None
    exact = [option.key for option in options if wanted in _labels(option)]
    if len(exact) == 1:
        return exact[0]
    yes_or_no = _yes_or_no(wanted, options)
    if yes_or_no is not None:
        return yes_or_no
    if len(wanted) >= 3:
        prefixed = [
            option.key
            for option in options
            if any(_begins(label, wanted) for label in _labels(option))
        ]
        if len(prefixed) == 1:
            return prefixed[0]
        unsaid = _unsaid(wanted, options)
        if unsaid is not None:
            return unsaid
    if not everyday:
        return None
    named = _everyday(wanted, options)
    if named:
        return named[0] if len(named) == 1 else None
    return _close_match(wanted, options, phrases)


# Words that turn what comes before them around: "Ahora no", "Pas maintenant", "Not now".
_NEGATIONS = frozenset({"no", "non", "pas", "not", "ne"})


def _begins(label: str, wanted: str) -> bool:
    """The label starts with her words, and does not go on to say no to them: "ahora" begins
    "ahora mismo", never "ahora no"."""
    if not label.startswith(wanted):
        return False
    rest = label[len(wanted) :]
    return not rest.startswith(" ") or rest.split()[0] not in _NEGATIONS


def _unsaid(wanted: str, options: Sequence[Option]) -> str | None:
    """ "ahora" under "Sí, ahora" / "Ahora no": where one option says no to her words, the one
    other option that says them without a no ("ahora", "now", "maintenant" are now)."""
    negated = {f"{wanted} {no}" for no in _NEGATIONS} | {f"{no} {wanted}" for no in _NEGATIONS}
    if not any(negated & _labels(option) for option in options):
        return None
    said = [
        option.key
        for option in options
        if not negated & _labels(option)
        and any(f" {wanted} " in f" {label} " for label in _labels(option))
    ]
    return said[0] if len(said) == 1 else None


# A rating as people write one: "4/5", "4 sur 5", "4 de 5", "4 out of 5", "4 étoiles", "⭐⭐⭐⭐".
_RATING = re.compile(
    r"\s*(\d{1,2})\s*(?:(?:/|sur|de|of|out of)\s*(\d{1,2}))?\s*"
    r"(?:estrellas?|[eé]toiles?|stars?)?\s*[.!]*\s*",
    re.IGNORECASE,
)
_STARS = frozenset("⭐★🌟")


def _rating(text: str, options: Sequence[Option]) -> str | None:
    """The option a rating names, on a scale whose options are its numbers ("1" to "5"): out of
    as many as it offers ("4/5", not "4/10"), or one star an option (emoji alone)."""
    keys = [option.key for option in options]
    if keys != [str(number) for number in range(1, len(keys) + 1)]:
        return None
    if len(keys) == 5 and normalise(text) in SCALE_WORDS:  # "regular", "excelente"
        return SCALE_WORDS[normalise(text)]
    found = _RATING.fullmatch(text) or _RATING.fullmatch(_number_first(text))
    if found is not None:
        value, scale = found.groups()
        if scale is not None and int(scale) != len(keys):
            return None
    else:
        marks = [char for char in text if not char.isspace() and char != "\ufe0f"]
        if not marks or any(char not in _STARS for char in marks):
            return None
        value = str(len(marks))
    return value if value in keys else None


def _number_first(text: str) -> str:
    """A rating whose number is written in a word, in digits: "cinq étoiles" → "5 etoiles"."""
    first, space, rest = normalise(text).partition(" ")
    return NUMBER_WORDS.get(first, first) + space + rest


def amount_named(text: str) -> str | None:
    """The 1–5 scale's number for how much she says in a word ("mucho", "beaucoup", "more or
    less"), with courtesy around it ("mucho, gracias"); never for a thanks ("merci beaucoup",
    "thanks a lot")."""
    if is_thanks(text):
        return None
    return AMOUNT_WORDS.get(" ".join(without_courtesy(normalise(text).split(), greetings=False)))


def language_named(text: str) -> str | None:
    """The language her first words are in or name ("Bonjour, je suis Awa" → fr, "inglés" → en),
    or None."""
    words = normalise(text).split()
    for size in (2, 1):
        language = LANGUAGE_WORDS.get(" ".join(words[:size]))
        if language is not None:
            return language
    return None


def _everyday(wanted: str, options: Sequence[Option]) -> tuple[str, ...]:
    """ "textiles" → crafts, "fin de semana" → Saturday and Sunday: the options an everyday word
    or phrase names, when every one of them is offered (else none)."""
    offered = {option.key for option in options}
    word = ANSWER_WORDS.get(wanted)
    # The same words may name options of different questions ("no": just this once, or no
    # other language): the reading whose options this question offers.
    for keys in (ANSWER_PHRASES.get(wanted), (word,) if word else None):
        if keys and offered.issuperset(keys):
            return keys
    return ()


def _close_match(wanted: str, options: Sequence[Option], phrases: bool) -> str | None:
    """The one option a small typo points to ("Bolibia", "comerce", "en croisance"), if only one
    is that close."""
    if len(wanted) < 4 or (" " in wanted and not phrases):
        return None
    by_label = {label: option.key for option in options for label in _labels(option)}
    by_label.update({word: key for word, key in ANSWER_WORDS.items() if key in by_label.values()})
    close = get_close_matches(wanted, list(by_label), n=3, cutoff=0.8)
    # A near miss never changes a number: "cada tres semanas" is not "cada dos semanas".
    keys = {by_label[label] for label in close if _numbers(label) == _numbers(wanted)}
    return keys.pop() if len(keys) == 1 else None


def _numbers(text: str) -> frozenset[str]:
    """The numbers in a normalised text, in digits ("cada dos semanas" → {"2"})."""
    words = (NUMBER_WORDS.get(word, word) for word in text.split())
    return frozenset(word for word in words if word.isdigit())


def names_a_number(text: str) -> bool:
    """True when the answer holds a number, in digits or in words ("martes 3", "jueves tres")."""
    return bool(_numbers(normalise(text)))


def choose_many(text: str, options: Sequence[Option]) -> list[str] | None:
    """The keys of every option named ("1 3", "ventas y finanzas", "mañanas y fin de semana");
    None if one piece is unknown."""
    whole = _named(text, options, everyday=True) or _range(text, options)
    if whole is not None:
        return whole
    chosen: list[str] = []
    for key in _split_choices(text, options, 0) or []:
        if key not in chosen:
            chosen.append(key)
    return chosen or None


# "1 a 5", "1-5", "del 1 al 5", "de 1 à 3", "1 to 5": every option from one number to the other.
_RANGE = re.compile(
    r"\s*(?:del?|from)?\s*(\d{1,2})\s*(?:-|–|a|al|à|to|hasta|jusqu'?à)\s*(\d{1,2})\s*\.?\s*",
    re.IGNORECASE,
)


def _range(text: str, options: Sequence[Option]) -> list[str] | None:
    """The options a range of their numbers names, in order ("2 a 4"); None when it is no range
    of the list's numbers."""
    found = _RANGE.fullmatch(text)
    if found is None:
        return None
    first, last = (int(number) for number in found.groups())
    if not 1 <= first < last <= len(options):
        return None
    return [option.key for option in options[first - 1 : last]]


def _named(text: str, options: Sequence[Option], *, everyday: bool) -> list[str] | None:
    """The options one piece of the answer names: one, or several at once ("le week-end")."""
    several = _everyday(normalise(text), options) if everyday else ()
    if len(several) > 1:
        return list(several)
    key = choose_one(text, options, phrases=False, everyday=everyday)
    return [key] if key is not None else None


def _split_choices(text: str, options: Sequence[Option], level: int) -> list[str] | None:
    """Each piece names an option, splitting more finely only where a piece names none.

    A single word cut out at a space counts only by its number or the option's own words:
    "sábado tarde" is Saturday afternoon, which is no option, not Saturday and weekday
    afternoons."""
    if level == len(_SPLITS):
        return None
    everyday = level < len(_SPLITS) - 1
    keys: list[str] = []
    for part in _SPLITS[level].split(text.strip()):
        if not normalise(part):
            continue
        found = _named(part, options, everyday=everyday) or _split_choices(part, options, level + 1)
        if not found:
            return None
        keys.extend(found)
    return keys or None


def choice_and_text(
    text: str, options: Sequence[Option], *, named_first: bool = True
) -> tuple[str | None, str]:
    """One option and her own words in one answer: "1 El Alto", "El Alto, Bolivia", "Tejidos 2".

    A number is looked for at either end, then an option's words at the end or the start. With
    `named_first=False` (her words are a name, like "Awa Couture") option words only count after
    a comma: "Awa Couture, textiles". Returns (None, text) when no option is named, (key, "") when
    nothing else was written.
    """
    whole = choose_one(text, options)
    if whole is not None:
        return whole, ""
    words = text.split()
    for named, rest in ((words[:1], words[1:]), (words[-1:], words[:-1])):
        if rest and _is_number(named[0]) and (key := choose_one(named[0], options)):
            return key, _joined(rest)
    if not named_first:
        head, comma, tail = text.rpartition(",")
        key = choose_one(tail, options) if comma else None
        return (key, _joined(head.split())) if key else (None, text.strip())
    for size in range(len(words) - 1, 0, -1):
        for named, rest in ((words[-size:], words[:-size]), (words[:size], words[size:])):
            key = choose_one(" ".join(named), options)
            if key is not None:
                return key, _joined(rest)
    return None, text.strip()


def _is_number(word: str) -> bool:
    wanted = normalise(word)
    return NUMBER_WORDS.get(wanted, wanted).isdigit()


def _joined(words: list[str]) -> str:
    return " ".join(words).strip(" ,;:-.")


# Translators: one-word answers that skip an optional question, separated by commas.
SKIP_WORDS = _("skip, pass, no, nothing, none, next")


@cache
def _skip_words() -> frozenset[str]:
    words = {"0", "", "-", "skip"}
    for language in i18n.LANGUAGES:
        text = i18n.gettext(language, SKIP_WORDS.msgid)
        words.update(normalise(word) for word in text.split(","))
    return frozenset(words)


def is_skip(text: str) -> bool:
    """One word or a digit that means "skip" an optional question: 0, "no", "pasar", "rien",
    "-"..."""
    return normalise(text) in _skip_words()

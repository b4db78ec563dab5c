"""Global words: understood at any step, in any of the bot's languages.

Each keyword is a catalog entry whose translation lists the words people type, separated by
commas; the first is the one shown in messages ("Write HELP ..."). So translators, not code, decide
that "ayuda" or "aide" means help, and a Spanish speaker who types "help" is understood too.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from flows import i18n
from flows.messages import Msg, _
from flows.text import normalise


class Keyword(StrEnum):
    HELP = "help"
    MENU = "menu"
    LANGUAGE = "language"
    STOP = "stop"
    START = "start"
    MY_DATA = "my data"
    DELETE = "delete my data"
    REPORT = "report a problem"


# Translators: words a person types to get help, separated by commas; the first is shown.
_WORDS: dict[Keyword, Msg] = {
    Keyword.HELP: _("help"),
    # Translators: words that open the menu, separated by commas; the first is shown.
    Keyword.MENU: _("menu"),
    # Translators: words to change the bot's language, separated by commas; the first is shown.
    Keyword.LANGUAGE: _("language"),
    # Translators: words to stop all messages (opt out), separated by commas; the first is shown.
    Keyword.STOP: _("stop, unsubscribe, stopall"),
    # Translators: words to receive messages again after stopping; the first is shown.
    Keyword.START: _("start, unstop"),
    # Translators: words to see the data held about oneself; the first is shown.
    Keyword.MY_DATA: _("my data"),
    # Translators: words to erase one's data; the first is shown.
    Keyword.DELETE: _("delete my data, erase my data"),
    # Translators: words to report a problem to the coordinators at any time; the first is shown.
    Keyword.REPORT: _("report, report a problem, problem"),
}


def _synonyms(keyword: Keyword, language: str) -> list[str]:
    translated = i18n.gettext(language, _WORDS[keyword].msgid)
    return [word.strip() for word in translated.split(",") if word.strip()]


@cache
def _table() -> dict[str, Keyword]:
    table: dict[str, Keyword] = {}
    for keyword in Keyword:
        for language in i18n.LANGUAGES:
            for word in [keyword.value, *_synonyms(keyword, language)]:
                table.setdefault(normalise(word), keyword)
    return table


# Courtesy around a global word ("ayuda por favor", "AIDE SVP", "bjr menu", "Help please") asks
# for nothing more: without it the word is read; what is left must still be the whole word, so
# "stop it please" stays a sentence.
_PLEASE_THANKS = tuple(
    tuple(phrase.split())
    for phrase in (
        *("por favor", "porfa", "porfavor", "xfa", "plis", "gracias", "s il vous plait"),
        *("s il te plait", "svp", "stp", "merci", "please", "pls", "plz", "thanks", "thank you"),
    )
)
_COURTESY = _PLEASE_THANKS + tuple(
    tuple(phrase.split())
    for phrase in (
        *("hola", "buenas", "buenos dias", "buenas tardes", "bonjour", "bjr", "bonsoir"),
        *("salut", "slt", "hello", "hi"),
    )
)


def without_courtesy(words: list[str], *, greetings: bool = True) -> list[str]:
    """Her words without the courtesies at their start and end; without `greetings`, only
    "please" and "thanks" ("2 gracias"), since a greeting may say her language ("hola, 2")."""
    trimmed = True
    while trimmed and words:
        trimmed = False
        for phrase in _COURTESY if greetings else _PLEASE_THANKS:
            size = len(phrase)
            if len(words) > size and tuple(words[:size]) == phrase:
                words, trimmed = words[size:], True
            elif len(words) > size and tuple(words[-size:]) == phrase:
                words, trimmed = words[:-size], True
    return words


def recognise(text: str) -> Keyword | None:
    """The global word her whole message is, if it is one ("/help", "AYUDA", "Aide !"), with
    or without courtesy around it ("ayuda por favor")."""
    plain = normalise(text)
    found = _table().get(plain)
    if found is None:
        found = _table().get(" ".join(without_courtesy(plain.split())))
    return found


def shown(keyword: Keyword, language: str) -> str:
    """The word to show her, in capitals: "AYUDA", "AIDE", "HELP"."""
    return _synonyms(keyword, language)[0].upper()

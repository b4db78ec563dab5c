"""What the coordinator-facing commands print, in her language.

Every such command takes `--lang en|es|fr`; without it the deployment's `DEFAULT_LOCALE` is used.
The words are gettext messages (`flows.messages._`) rendered the way the bot renders its own, so
they live in the same catalogs and are checked by the same tests.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from flows.i18n import DEFAULT_LANGUAGE, supported
from flows.messages import Msg, _
from flows.render import Reader, render_msg

# Any command's refusal, its reason filled in ("Erreur : …").
ERROR = _("Error: {error}")

# One command runs per process: the language it chose, for every line it prints.
_reader: list[Reader] = [Reader(DEFAULT_LANGUAGE)]

Lang = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="Language of what the command prints: en, es or fr (default: DEFAULT_LOCALE).",
    ),
]


def choose(lang: str | None, default: str | None) -> str:
    """Print in `lang`, else in the deployment's default language; returns the one chosen."""
    _reader[0] = Reader(supported(lang or default))
    return _reader[0].language


def language() -> str:
    return _reader[0].language


def say(msg: Msg, **params: Any) -> str:
    """The message in the chosen language, `params` filling its placeholders (`n`: the plural)."""
    values = {**msg.params, **params}
    n = values.get("n") if msg.plural is not None else msg.n
    return render_msg(Msg(msg.msgid, values, msg.plural, n, msg.context), _reader[0])


def echo(msg: Msg, *, err: bool = False, **params: Any) -> None:
    typer.echo(say(msg, **params), err=err)

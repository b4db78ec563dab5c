"""Home: first contact, the menu, language, help, stop, "my data" and "delete my data".

The global words (see `flows.keywords`) work at every step. Those that open a question of their
own (language, delete, menu) remember where she was in `data["return_to"]`, so that afterwards
she is taken back to the very question she left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from flows import choices
from flows import vocabulary as vocab
from flows.i18n import LANGUAGES, supported
from flows.keywords import Keyword
from flows.messages import Msg, Option, Reply, _, keyword, stacked
from flows.profile import data_held
from flows.registry import register
from flows.render import MULTILINGUAL
from flows.steps import INVALID_ONE, Answer, Choose, Context, Outcome, go, stay
from storage import outbox, participants

WELCOME = _(
    "Welcome to Entrepairs, where women entrepreneurs learn from each other. "
    "Which language do you prefer?"
)
# The same welcome when it is shown in all three languages at once (kept short: on SMS, one
# letter outside GSM-7 makes the whole message cost a segment per 67 characters).
WELCOME_SHORT = _("Welcome to Entrepairs! Which language do you prefer?")
# The same question for a woman already in the programme who asks to change it: no welcome.
ASK_LANGUAGE = _("Which language do you prefer?")
HELP = _(
    "I am the Entrepairs assistant. I help you meet another woman entrepreneur: "
    "each of you shares what she knows and learns from the other.\n\n"
    "You can write at any time:\n"
    "{menu}: see what I can do\n"
    "{report}: tell the team about a problem, in confidence\n"
    "{language}: change language\n"
    "{my_data}: see what I keep about you\n"
    "{delete}: erase your data\n"
    "{stop}: receive no more messages\n\n"
    "To answer a question, send the number of your choice."
)
STOPPED = _(
    "Done: you will receive no more messages from Entrepairs. "
    "If you change your mind, write {start}."
)
CAME_BACK = _("Welcome back! Let's continue where we left off.")
WELCOME_BACK = _("Welcome back, {name}! Let's continue where we left off.")
NOT_TEXT = _("I can only read text. Please answer with words or a number.")
EDITED = _("I only read new messages. If you changed your answer, please send it again.")
LANGUAGE_SET = _("Done, I will write to you in English.")
MENU = _("What would you like to do?")
CONFIRM_DELETE = _(
    "Do you really want to erase all your data? Your profile and your messages will be "
    "deleted and you will leave the programme."
)
DELETED = _("Your data has been erased. Thank you for your time. Take care!")
NOT_DELETED = _("Nothing was erased.")
NOTED = _("Noted, thank you! Write {menu} whenever you need me.")
# On SMS, what a word the bot does not know gets at rest: one segment, not the whole menu.
WRITE_MENU = _("Write {menu} to see what I can do, or {help} if you need help.")
YES = _("Yes")
NO = _("No")


def help_text() -> Msg:
    return Msg(
        HELP.msgid,
        {
            "menu": keyword(Keyword.MENU),
            "language": keyword(Keyword.LANGUAGE),
            "my_data": keyword(Keyword.MY_DATA),
            "delete": keyword(Keyword.DELETE),
            "stop": keyword(Keyword.STOP),
            "report": keyword(Keyword.REPORT),
        },
    )


# Outcomes the engine asks for when no step is in charge ------------------------------------


def first_contact(ctx: Context, hint: str | None) -> Outcome:
    """A new number or chat: offer the three languages at once, the likely one first."""
    ctx.data = {"hint": supported(hint)} if hint else {}
    return go("home", "language")


def come_back(ctx: Context) -> Outcome:
    ctx.participant.opted_out_at = None
    ctx.session.add(ctx.participant)
    return stay(CAME_BACK, ask=True)


def welcome_back(ctx: Context) -> Outcome:
    if ctx.participant.name:
        return stay(_(WELCOME_BACK.msgid, name=ctx.participant.name), ask=True)
    return stay(CAME_BACK, ask=True)


def not_text(ctx: Context, kind: str) -> Outcome:
    if kind == "edited":
        return stay(EDITED)
    reader = MEDIA_READERS.get((ctx.flow, ctx.step)) if kind == "media" else None
    outcome = reader(ctx) if reader is not None else None
    if outcome is not None:
        return outcome
    if (ctx.flow, ctx.step) in RESTING:  # a tip on screen asks nothing: it is not sent again
        return stay(NOT_TEXT)
    short = SHORT_QUESTIONS.get((ctx.flow, ctx.step))
    if short is not None:  # "I can only read text" and the question, in one message
        first, *rest = short(ctx)
        return stay(replace(first, msg=stacked([NOT_TEXT, first.msg])), *rest)
    return stay(NOT_TEXT, ask=True)


# Steps where a voice note or a photo means something even unread (a problem she reports):
# each returns an outcome, or None for the usual "I can only read text".
MediaReader = Callable[[Context], "Outcome | None"]
MEDIA_READERS: dict[tuple[str, str], MediaReader] = {}


def add_media_reader(flow: str, step: str, reader: MediaReader) -> None:
    MEDIA_READERS[(flow, step)] = reader


# Steps whose question comes after a long message (her introduction): a voice note or a sticker
# gets the question alone again, not the whole introduction (three SMS, some 600 characters).
ShortQuestion = Callable[[Context], list[Reply]]
SHORT_QUESTIONS: dict[tuple[str, str], ShortQuestion] = {}


def add_short_question(flow: str, step: str, question: ShortQuestion) -> None:
    """Declare what `flow`/`step` asks again after a message it cannot read."""
    SHORT_QUESTIONS[(flow, step)] = question


def global_word(ctx: Context, word: Keyword) -> Outcome:
    """What each global word does, wherever she is."""
    if word is Keyword.HELP:
        return stay(help_text(), ask=True)
    if word is Keyword.START:  # she is already here: the pending question, or the menu
        return go("home", "menu") if (ctx.flow, ctx.step) == ("home", "idle") else stay(ask=True)
    if word is Keyword.MY_DATA:
        return stay(*data_held(ctx.participant), ask=True)
    if word is Keyword.STOP:
        return opt_out(ctx)
    if word is Keyword.REPORT:  # flows/problems.py
        remember_place(ctx, opening="problems")
        return go("problems", "write")
    remember_place(ctx)
    if word is Keyword.LANGUAGE:
        return go("home", "language")
    if word is Keyword.DELETE:
        return go("home", "confirm_delete")
    return go("home", "menu")


def opt_out(ctx: Context) -> Outcome:
    """Stop every message to her until she writes START; where she was is kept."""
    ctx.participant.opted_out_at = ctx.now
    ctx.session.add(ctx.participant)
    outbox.skip_pending_for(ctx.session, ctx.participant.id or 0)
    return stay(_(STOPPED.msgid, start=keyword(Keyword.START)))


# Set while a "delete my data" confirmation asked after STOP waits for her answer: only that
# answer passes her silence, not a confirmation left pending when she wrote STOP.
ERASE_ASKED_STOPPED = "erase_asked_stopped"


def while_stopped(ctx: Context, word: Keyword | None, answer: Answer) -> Outcome | None:
    """Her rights of access and erasure, answered after STOP: a reply to her own request is no
    message she did not ask for. None for everything else, which stays unanswered."""
    if word is Keyword.MY_DATA:
        return stay(*data_held(ctx.participant))
    if word is Keyword.DELETE:
        remember_place(ctx)
        ctx.data[ERASE_ASKED_STOPPED] = True
        return go("home", "confirm_delete")
    if word is None and ctx.data.get(ERASE_ASKED_STOPPED) and ctx.step == "confirm_delete":
        return CONFIRM_DELETE_STEP.answer(ctx, answer)
    return None


# Steps where she is at rest, as on the home step: what is on screen asks nothing of her (a
# tip, with "another tip" and "done" under it), so leaving it keeps no place to come back to.
RESTING: set[tuple[str, str]] = set()


# Questions another flow answers when it opens: planning a session answers the check-in's
# "propose a new time now?", which would come back moot after the session is agreed.
ANSWERED_BY: dict[tuple[str, str], set[str]] = {}


def add_resting(flow: str, step: str) -> None:
    """Declare a step at rest (see `RESTING`)."""
    RESTING.add((flow, step))


def add_answered_by(flow: str, step: str, opening: str) -> None:
    """Declare that opening the flow `opening` answers the question `flow`/`step`."""
    ANSWERED_BY.setdefault((flow, step), set()).add(opening)


def keeps_place(flow: str, step: str, opening: str = "home") -> bool:
    """Whether leaving `flow`/`step` for `opening` keeps it as the place to come back to: not a
    home step, not the flow she is opening again, not a step at rest, not a question that
    `opening` answers."""
    return (
        flow not in ("home", opening)
        and (flow, step) not in RESTING
        and opening not in ANSWERED_BY.get((flow, step), ())
    )


def remember_place(ctx: Context, opening: str = "home") -> None:
    """Keep the question she left, unless she is already in a home step or in the flow she is
    opening again (REPORT written at the report's own question): the place kept before stays, so
    she is not asked that question again once it is answered. A step at rest is no question:
    kept, it would hide "plan a session" from her menu and come back after all she does."""
    if keeps_place(ctx.flow, ctx.step, opening):
        ctx.data["return_to"] = [ctx.flow, ctx.step]


def resume(ctx: Context, *say: Reply | Msg) -> Outcome:
    """Back to the question she left, or to the quiet home step."""
    place = ctx.data.pop("return_to", None)
    if place:
        return go(place[0], place[1], *say)
    if ctx.participant.onboarded_at is None:
        return go("onboarding", "consent", *say)
    return go("home", "idle", *say)


# Steps ---------------------------------------------------------------------------------------


def _language_order(ctx: Context) -> list[str]:
    """Always the same order (es, fr, en); a likely language goes first and English second, so
    that a woman writing from Dakar or La Paz never reads a last line in English."""
    first = ctx.data.get("hint")
    if not first:
        return list(LANGUAGES)
    return list(dict.fromkeys([first, "en", *LANGUAGES]))


def _language_prompt(ctx: Context) -> Msg:
    """The welcome in her likely language alone, or in all three when nothing hints at one; to
    a woman who already agreed to take part (she wrote LANGUAGE), the question alone."""
    hint = ctx.data.get("hint")
    if hint:
        return Msg(MULTILINGUAL, {"msg": WELCOME.to_json(), "languages": [hint]})
    question = WELCOME_SHORT if ctx.participant.consent_at is None else ASK_LANGUAGE
    return Msg(MULTILINGUAL, {"msg": question.to_json(), "languages": list(LANGUAGES)})


def in_languages_asked(ctx: Context, msg: Msg) -> Msg:
    """`msg` in the languages the language question was asked in: before she answers it, her
    own is not known yet."""
    languages = [ctx.data["hint"]] if ctx.data.get("hint") else list(LANGUAGES)
    return Msg(MULTILINGUAL, {"msg": msg.to_json(), "languages": languages})


def _language_invalid(ctx: Context) -> Msg:
    """The "did not understand" reply in the languages she was asked in."""
    return in_languages_asked(ctx, INVALID_ONE)


def _language_options(ctx: Context) -> Sequence[Option]:
    return tuple(Option(key, vocab.UI_LANGUAGES[key]) for key in _language_order(ctx))


@dataclass
class ChooseLanguage(Choose):
    """The language question, answered also by a greeting or a language's name in any of the
    three ("bonjour", "inglés", "spanish"); not when she gives a number too ("hola, 2"), which
    the usual reading decides."""

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        named = None
        if answer.option_key is None and not choices.names_a_number(answer.text):
            named = choices.language_named(answer.text)
        if named is not None:
            return self.on_answer(ctx, named)
        return super().answer(ctx, answer)


def _on_language(ctx: Context, key: str) -> Outcome:
    ctx.participant.locale = key
    ctx.session.add(ctx.participant)
    ctx.data.pop("hint", None)
    if ctx.participant.consent_at is None and "return_to" not in ctx.data:
        return go("onboarding", "consent")
    return resume(ctx, LANGUAGE_SET)


@dataclass(frozen=True)
class MenuItem:
    """One line of the menu; later features add theirs with `add_menu_item`."""

    key: str
    label: Msg
    visible: Callable[[Context], bool]
    run: Callable[[Context], Outcome]
    # Shown on SMS too, where each line costs her: the account entries are left to the words
    # HELP lists (LANGUAGE, MY DATA, DELETE, STOP), which work at every step.
    on_sms: bool = True


def _continue(ctx: Context) -> Outcome:
    return resume(ctx)


def _edit_profile(ctx: Context) -> Outcome:
    ctx.data.pop("return_to", None)
    return go("onboarding", "summary")


def _my_data(ctx: Context) -> Outcome:
    return go("home", "idle", *data_held(ctx.participant))


def _help(ctx: Context) -> Outcome:
    return go("home", "idle", help_text())


def _language(ctx: Context) -> Outcome:
    return go("home", "language")


def _delete(ctx: Context) -> Outcome:
    return go("home", "confirm_delete")


def _has_place(ctx: Context) -> bool:
    return "return_to" in ctx.data


def _onboarded(ctx: Context) -> bool:
    return ctx.participant.onboarded_at is not None and "return_to" not in ctx.data


def _always(ctx: Context) -> bool:
    return True


MENU_ITEMS: list[MenuItem] = [
    MenuItem("continue", _("Continue where I was"), _has_place, _continue),
    MenuItem("profile", _("See or edit my profile"), _onboarded, _edit_profile),
    MenuItem("my_data", _("My data"), _always, _my_data, on_sms=False),
    MenuItem("language", _("Change language"), _always, _language, on_sms=False),
    MenuItem("help", _("Help"), _always, _help),
    MenuItem("stop", _("Stop messages"), _always, opt_out, on_sms=False),
    MenuItem("delete", _("Erase my data"), _always, _delete, on_sms=False),
]


def add_menu_item(item: MenuItem, *, before: str = "my_data") -> None:
    """Let a feature put its entry in the menu (above the account entries by default)."""
    keys = [existing.key for existing in MENU_ITEMS]
    MENU_ITEMS.insert(keys.index(before) if before in keys else len(MENU_ITEMS), item)


def _menu_options(ctx: Context) -> Sequence[Option]:
    return ctx.read_once("menu", lambda: _visible_items(ctx))


def _visible_items(ctx: Context) -> tuple[Option, ...]:
    return tuple(
        Option(item.key, item.label)
        for item in MENU_ITEMS
        if (item.on_sms or not ctx.sms) and item.visible(ctx)
    )


def _on_menu(ctx: Context, key: str) -> Outcome:
    item = next(item for item in MENU_ITEMS if item.key == key)
    return item.run(ctx)


# Features that must act while her profile is still there, before her data goes (her pairs end
# and her peers are told, flows/pair_requests.py): each gets her context.
BeforeErase = Callable[[Context], None]
BEFORE_ERASE: list[BeforeErase] = []


def add_before_erase(hook: BeforeErase) -> None:
    BEFORE_ERASE.append(hook)


# Features that follow her when her time zone changes (she moved, or corrected her country in
# her profile): what they planned on her old wall clock (flows/sessions.py).
ZoneChanged = Callable[[Context], None]
ZONE_CHANGED: list[ZoneChanged] = []


def add_zone_changed(hook: ZoneChanged) -> None:
    ZONE_CHANGED.append(hook)


def zone_changed(ctx: Context) -> None:
    """Her time zone has just changed: each feature follows (`add_zone_changed`)."""
    for hook in ZONE_CHANGED:
        hook(ctx)


def erase(ctx: Context) -> None:
    """Erase her data: first what features must do about her (`add_before_erase`), then
    `storage.participants.erase`."""
    for hook in BEFORE_ERASE:
        hook(ctx)
    participants.erase(ctx.session, ctx.participant, now=ctx.now)


def _on_confirm_delete(ctx: Context, key: str) -> Outcome:
    ctx.data.pop(ERASE_ASKED_STOPPED, None)
    if key == "no":
        outcome = resume(ctx, NOT_DELETED)
        # After STOP she gets the answer she asked for, not the question she left.
        outcome.ask = ctx.participant.opted_out_at is None
        return outcome
    erase(ctx)
    ctx.data = {}
    return stay(DELETED)


CONFIRM_DELETE_STEP = Choose(
    CONFIRM_DELETE, (Option("yes", YES), Option("no", NO)), _on_confirm_delete
)


# Features that understand a message written when nothing is asked (a group code, say): each
# returns an outcome, or None to let the next one (and in the end the menu) have it.
IdleReader = Callable[[Context, str], "Outcome | None"]
IDLE_READERS: list[IdleReader] = []


def add_idle_reader(reader: IdleReader) -> None:
    IDLE_READERS.append(reader)


class Idle:
    """Nothing is being asked: whatever she writes brings up the menu, unless a feature knows it."""

    def ask(self, ctx: Context) -> list[Reply]:
        return []

    def offered(self, ctx: Context) -> Sequence[Option]:
        return ()

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        for reader in IDLE_READERS:
            outcome = reader(ctx, answer.text)
            if outcome is not None:
                return outcome
        if choices.is_thanks(answer.text):
            # "ok", "gracias", "👍" after a reminder: a kind word back, not a menu of twelve
            # lines (whose next "ok" would be "I did not understand"). A move, so a thanks after
            # days of silence is not met with "welcome back" and nothing to answer.
            return noted()
        return unknown_at_rest(ctx)


def unknown_at_rest(ctx: Context) -> Outcome:
    """What a message no feature understands gets while nothing is asked: the menu; on SMS,
    where the menu costs her two or three segments, one line saying what she can write."""
    if ctx.sms:
        words = {"menu": keyword(Keyword.MENU), "help": keyword(Keyword.HELP)}
        return go("home", "idle", Msg(WRITE_MENU.msgid, words))
    return go("home", "menu")


def noted() -> Outcome:
    """At rest, with "Noted, thank you! Write MENU whenever you need me." """
    return go("home", "idle", Msg(NOTED.msgid, {"menu": keyword(Keyword.MENU)}))


@dataclass
class Menu(Choose):
    """The menu; an "ok" or a thanks that picks nothing closes it: back to the question she
    left, or at rest with a kind word (not "I did not understand")."""

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        if answer.option_key is None and choices.is_thanks(answer.text):
            return resume(ctx) if ctx.data.get("return_to") else noted()
        return super().answer(ctx, answer)


register(
    "home",
    {
        # The numbered languages speak for themselves: no hint in a language she may not read.
        "language": ChooseLanguage(
            _language_prompt, _language_options, _on_language, hint=False, invalid=_language_invalid
        ),
        "menu": Menu(MENU, _menu_options, _on_menu),
        "confirm_delete": CONFIRM_DELETE_STEP,
        "idle": Idle(),
    },
)

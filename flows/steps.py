"""The building blocks of every flow: a question, the answer it expects, and where to go next.

A flow is a dict of named steps. Each step can `ask` (the replies that pose its question) and
`answer` (what to do with what she said). The three kinds cover every question the bot asks:
pick one option, pick several, or type a short text. Invalid answers never leave the step: the
step re-asks, showing the valid choices again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlmodel import Session

from flows import choices
from flows.messages import ChannelKind, Msg, Option, Reply, _, _n
from flows.text import beginning, clean_text, normalise

if TYPE_CHECKING:
    from flows.config import FlowConfig
    from storage.models import ChannelAddress, Participant


T = TypeVar("T")


@dataclass
class Context:
    """What a step may read and change while handling one message."""

    session: Session
    participant: Participant
    address: ChannelAddress | None
    data: dict[str, Any]
    now: datetime
    config: FlowConfig
    flow: str = ""
    step: str = ""
    # Reads shared while nothing is written (see `reading`); None the rest of the time, so a
    # read that follows a write always sees it.
    reads: dict[Hashable, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def language(self) -> str:
        return self.participant.locale

    @property
    def sms(self) -> bool:
        """Whether she reads this by SMS, where every segment is billed to her."""
        return self.address is not None and self.address.channel == ChannelKind.SMS.value

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Within the block, `read_once` answers each key from the first read (nested: shared)."""
        if self.reads is not None:
            yield
            return
        self.reads = {}
        try:
            yield
        finally:
            self.reads = None

    def read_once(self, key: Hashable, read: Callable[[], T]) -> T:
        """`read()`, done once per `reading` block: the menu asks for her pairs several times."""
        if self.reads is None:
            return read()
        if key not in self.reads:
            self.reads[key] = read()
        return self.reads[key]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Answer:
    """What she sent, as the step sees it."""

    text: str = ""
    option_key: str | None = None


@dataclass
class Outcome:
    """What a step decided: what to say, and which step (of which flow) comes next.

    `goto=None` stays on the same step; `ask=True` poses the (next) step's question after `say`
    (`go` always asks; a move with `ask=False` is silent, for a woman who wrote STOP).
    """

    say: list[Reply] = field(default_factory=list)
    goto: tuple[str, str] | None = None
    ask: bool = True


def go(flow: str, step: str, *say: Reply | Msg) -> Outcome:
    """Move to `flow`/`step`, after saying `say`, and ask its question."""
    return Outcome([_as_reply(item) for item in say], (flow, step))


def stay(*say: Reply | Msg, ask: bool = False) -> Outcome:
    """Stay on the current step; optionally ask its question again."""
    return Outcome([_as_reply(item) for item in say], None, ask)


def _as_reply(item: Reply | Msg) -> Reply:
    return item if isinstance(item, Reply) else Reply(item)


class Step(Protocol):
    def ask(self, ctx: Context) -> list[Reply]:
        """The replies that pose this step's question."""
        ...

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        """Handle her answer to this step's question."""
        ...

    def offered(self, ctx: Context) -> Sequence[Option]:
        """The options this step offers (empty for free text)."""
        ...


MsgFactory = Callable[[Context], Msg]
OptionsFactory = Callable[[Context], Sequence[Option]]

EMPTY = _("Please write a short answer in text.")

# Her own words (a check-in answer, a problem report) are kept whole up to this: more than a
# WhatsApp message (1,600) or a long SMS holds, so what she wrote at length on her phone is never
# refused, to be typed again shorter.
LONGEST_OWN_WORDS = 2000


def kept_beginning(most: int) -> Msg:
    """Her answer was longer than the bot keeps: thanks, and which part was kept."""
    return _n(
        "Thank you for writing so much! I kept the first {n} character of your message.",
        "Thank you for writing so much! I kept the first {n} characters of your message.",
        most,
    )


def too_long(most: int) -> Msg:
    return _n(
        "Please keep it shorter: {n} character at most.",
        "Please keep it shorter: {n} characters at most.",
        most,
    )


INVALID_ONE = _("Sorry, I did not understand. Please choose one of the options.")
INVALID_MANY = _("Sorry, I did not understand. Please send the numbers of your choices, e.g. 1 3.")
# She named several options ("1 2") where one answer is asked for: understood, but which one?
ONLY_ONE = _("Just one, please: send the number of the answer that fits you best.")


def several_named(text: str, options: Sequence[Option]) -> list[str]:
    """The options an answer names when it names more than one ("1 2", "Bolivia y Senegal"),
    else [] (one option, or none)."""
    named = list(dict.fromkeys(choices.choose_many(text, options) or []))
    return named if len(named) > 1 else []


def _const(msg: Msg) -> MsgFactory:
    return lambda _ctx: msg


@dataclass
class Choose:
    """A question with one answer among options (a tap, a digit or the option's words)."""

    prompt: Msg | MsgFactory
    options: Sequence[Option] | OptionsFactory
    on_answer: Callable[[Context, str], Outcome]
    hint: bool = True  # "reply with a number" under the options, on text channels
    invalid: Msg | MsgFactory = INVALID_ONE  # the reply to an answer that is none of them
    # Several options named at once that mean one of them ("1 2": Bolivia and Senegal, "both").
    together: dict[frozenset[str], str] = field(default_factory=dict)

    def offered(self, ctx: Context) -> Sequence[Option]:
        return self.options(ctx) if callable(self.options) else self.options

    def ask(self, ctx: Context) -> list[Reply]:
        prompt = self.prompt(ctx) if callable(self.prompt) else self.prompt
        return [Reply(prompt, tuple(self.offered(ctx)), hint=self.hint)]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        with ctx.reading():  # building the options only reads; choosing may write
            options = self.offered(ctx)
        keys = [option.key for option in options]
        key = answer.option_key if answer.option_key in keys else None
        if key is None and answer.option_key is None:
            key = choices.choose_one(answer.text, options)
            several = several_named(answer.text, options) if key is None else []
            key = self.together.get(frozenset(several)) if several else key
            if key is None and several and self.invalid is INVALID_ONE:
                return stay(Reply(ONLY_ONE, tuple(options), hint=self.hint))
        if key is None:
            invalid = self.invalid(ctx) if callable(self.invalid) else self.invalid
            return stay(Reply(invalid, tuple(options), hint=self.hint))
        return self.on_answer(ctx, key)


@dataclass
class ChooseMany:
    """A question with one or more answers among options ("1 3" or "ventas, finanzas")."""

    prompt: Msg | MsgFactory
    options: Sequence[Option] | OptionsFactory
    on_answer: Callable[[Context, list[str]], Outcome]
    most: int | None = None
    too_many: Msg | None = None
    # An option that goes only alone ("None" among languages), and what she is told when she
    # chooses it with others ("1 2"): she is asked which she means, never read one way silently.
    alone: str | None = None
    not_alone: Msg | None = None

    def offered(self, ctx: Context) -> Sequence[Option]:
        return self.options(ctx) if callable(self.options) else self.options

    def ask(self, ctx: Context) -> list[Reply]:
        prompt = self.prompt(ctx) if callable(self.prompt) else self.prompt
        return [Reply(prompt, tuple(self.offered(ctx)), multi=True)]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        with ctx.reading():  # building the options only reads; choosing may write
            options = self.offered(ctx)
        keys = [option.key for option in options]
        if answer.option_key is not None:
            chosen = [answer.option_key] if answer.option_key in keys else None
        else:
            chosen = choices.choose_many(answer.text, options)
        if not chosen:
            return stay(invalid_many(INVALID_MANY, options))
        if self.most is not None and len(chosen) > self.most:
            return stay(invalid_many(self.too_many or INVALID_MANY, options))
        if self.alone in chosen and len(set(chosen)) > 1:
            return stay(invalid_many(self.not_alone or INVALID_MANY, options))
        return self.on_answer(ctx, chosen)


def invalid_many(msg: Msg, options: Sequence[Option]) -> Reply:
    """A question of several choices asked again: `msg` already says how to answer ("e.g. 1
    3"), so no "Reply with one or more numbers, e.g. 1 3" under the list says it twice."""
    return Reply(msg, tuple(options), multi=True, hint=False)


@dataclass
class AskText:
    """A question answered in her own words, kept short so it fits every screen and report.

    `keep`: past `longest`, her answer's beginning is kept and she is told so, rather than asked
    to type it all again shorter (her own words at length: a check-in, a reason)."""

    prompt: Msg | MsgFactory
    on_answer: Callable[[Context, str], Outcome]
    longest: int = 80
    keep: bool = False

    def offered(self, ctx: Context) -> Sequence[Option]:
        return ()

    def ask(self, ctx: Context) -> list[Reply]:
        return [Reply(self.prompt(ctx) if callable(self.prompt) else self.prompt)]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        text = clean_text(answer.text, lines=self.keep)  # at length, her paragraphs are kept
        if not text:
            return stay(EMPTY)
        if len(text) <= self.longest:
            return self.on_answer(ctx, text)
        if not self.keep:
            return stay(too_long(self.longest))
        outcome = self.on_answer(ctx, beginning(text, self.longest))
        outcome.say.insert(0, Reply(kept_beginning(self.longest)))
        return outcome


# "Atrás" / "retour" / "back": the question before, wherever a flow offers it.
BACK_WORDS = frozenset({"atras", "volver", "retour", "precedent", "back", "previous"})


def is_back(answer: Answer) -> bool:
    """True when her whole message asks to go back ("Atrás", "retour", "back")."""
    return answer.option_key is None and normalise(answer.text) in BACK_WORDS


@dataclass
class WithBack:
    """A question that also understands "atrás" / "retour" / "back": `back` says where to."""

    step: Step
    back: Callable[[Context], Outcome]
    hint: bool = True  # False: no "reply with a number" (a wrong answer brings it back)

    def offered(self, ctx: Context) -> Sequence[Option]:
        return self.step.offered(ctx)

    def ask(self, ctx: Context) -> list[Reply]:
        replies = self.step.ask(ctx)
        return replies if self.hint else [replace(reply, hint=False) for reply in replies]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        if is_back(answer):
            return self.back(ctx)
        return self.step.answer(ctx, answer)

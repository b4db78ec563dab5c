"""Learning tips: short practical advice, chosen for what she wants to learn, never twice.

The tips themselves are content (`flows/content/tips.json`), each in es, fr and en and tagged
with one skill key of `flows.vocabulary.SKILLS`. After a check-in she may get one; she can ask for
another, stop them (after check-ins) or turn them back on, and ask for one from the menu.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flows import choices
from flows import vocabulary as vocab
from flows.home import MenuItem, add_menu_item, add_resting, resume, unknown_at_rest
from flows.messages import Msg, Option, Reply, _, in_languages, nested
from flows.registry import register
from flows.steps import INVALID_ONE, Answer, Context, Outcome, go, stay
from storage import checkins
from storage.models import Participant

CONTENT = Path(__file__).parent / "content" / "tips.json"
LONGEST = 400

TIP = _("💡 Tip · {skill}\n{tip}")
MORE = _("Another tip")
STOP = _("No more tips after sessions")
RESTART = _("Tips after sessions again")
DONE = _("Done, thank you")
NO_MORE = _("You have seen all the tips I have for now. Well done!")
STOPPED = _("Done: no more tips after your sessions. You can still ask for one from the menu.")
RESTARTED = _("Done: you will get a tip after your sessions again.")
MENU_LABEL = _("A learning tip")


@dataclass(frozen=True)
class Tip:
    id: str
    skill: str
    text: dict[str, str]  # language → text


@cache
def library() -> tuple[Tip, ...]:
    """Every tip, in file order."""
    raw = json.loads(CONTENT.read_text(encoding="utf-8"))
    return tuple(
        Tip(item["id"], item["skill"], {lang: item[lang] for lang in ("es", "fr", "en")})
        for item in raw["tips"]
    )


def by_id(tip_id: str | None) -> Tip | None:
    return next((tip for tip in library() if tip.id == tip_id), None)


def choose(session, participant: Participant) -> Tip | None:
    """The next tip for her: from the skills she wants to learn, spreading them evenly
    (the skill she has had fewest tips about first, in her own order), never one she has seen.
    When her skills are exhausted, any other unseen tip; None when she has seen them all."""
    seen = checkins.tips_seen(session, participant.id or 0)
    unseen = [tip for tip in library() if tip.id not in seen]
    if not unseen:
        return None
    wanted = [skill for skill in participant.skills_wanted if skill in vocab.SKILLS]
    had = Counter(tip.skill for tip in library() if tip.id in seen)
    for pool in (wanted, [skill for skill in vocab.SKILLS if skill not in wanted]):
        open_skills = [skill for skill in pool if any(tip.skill == skill for tip in unseen)]
        if open_skills:
            skill = min(open_skills, key=lambda s: (had[s], pool.index(s)))
            return next(tip for tip in unseen if tip.skill == skill)
    return None


def give(ctx: Context, *, checkin_id: int | None = None, say: Sequence[Msg] = ()) -> Outcome:
    """Record the next tip for her and show it; or say there are none left."""
    tip = choose(ctx.session, ctx.participant)
    if tip is None:
        return resume(ctx, *say, NO_MORE)
    checkins.record_tip(
        ctx.session,
        participant_id=ctx.participant.id or 0,
        tip_id=tip.id,
        skill=tip.skill,
        now=ctx.now,
        checkin_id=checkin_id,
    )
    ctx.data["tip_id"] = tip.id
    return go("tips", "shown", *say)


def after_checkin(ctx: Context, checkin_id: int | None, *say: Msg) -> Outcome:
    """After a check-in: one tip if she has not stopped them and one is left."""
    if checkins.tips_on(ctx.session, ctx.participant.id or 0) and choose(
        ctx.session, ctx.participant
    ):
        return give(ctx, checkin_id=checkin_id, say=say)
    return resume(ctx, *say)


def tip_message(tip: Tip) -> Msg:
    """The tip, in her language when it is sent (tips are content, not catalog entries)."""
    return _(TIP.msgid, skill=nested(vocab.SKILLS[tip.skill]), tip=in_languages(tip.text))


class Shown:
    """A tip on screen, with "another tip", "stop/restart tips" and "done" under it.

    A thanks ("gracias", "ok merci", "👍") is her "done, thank you"; anything else she writes is
    not an answer to a tip: it brings up the menu, as at rest.
    """

    def offered(self, ctx: Context) -> Sequence[Option]:
        on = ctx.participant.id is None or checkins.tips_on(ctx.session, ctx.participant.id)
        return (
            Option("more", MORE),
            Option("stop", STOP) if on else Option("restart", RESTART),
            Option("done", DONE),
        )

    def ask(self, ctx: Context) -> list[Reply]:
        tip = by_id(ctx.data.get("tip_id")) or library()[0]
        return [Reply(tip_message(tip), tuple(self.offered(ctx)))]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        options = self.offered(ctx)
        keys = [option.key for option in options]
        key = answer.option_key if answer.option_key in keys else None
        if key is None and answer.option_key is None:
            key = choices.choose_one(answer.text, options)
            if key is None and choices.is_thanks(answer.text):
                key = "done"
        pid = ctx.participant.id or 0
        if key == "more":
            return give(ctx)
        if key == "stop":
            checkins.set_tips(ctx.session, pid, on=False, now=ctx.now)
            return resume(ctx, STOPPED)
        if key == "restart":
            checkins.set_tips(ctx.session, pid, on=True, now=ctx.now)
            return resume(ctx, RESTARTED)
        if key == "done":
            return resume(ctx)
        if key is None and choices.number_named(answer.text) is not None:
            # "5" under three options was meant as one of them: asked again, not the menu.
            return stay(Reply(INVALID_ONE, tuple(options)))
        return unknown_at_rest(ctx)


def _from_menu(ctx: Context) -> Outcome:
    return give(ctx)


register("tips", {"shown": Shown()})
add_resting("tips", "shown")  # a tip asks nothing: the menu from it is the whole menu
add_menu_item(
    MenuItem("tip", MENU_LABEL, lambda ctx: ctx.participant.onboarded_at is not None, _from_menu)
)

"""Onboarding: consent, then the profile one short question at a time, then a summary to confirm.

```mermaid
graph LR
  language --> consent --> name --> country
  country -->|Canada| province --> business
  country -->|other| zone --> city
  country -->|Bolivia, Senegal| city --> business
  business --> sector --> stage --> size --> offers --> wants --> languages --> availability
  availability -->|Canada| diaspora --> contact
  availability --> contact --> summary
  summary -->|correct| fix --> field --> summary
```

Every answer is written to her profile as soon as she gives it, so a restart (or a week's silence)
loses nothing. Every multiple choice takes a digit. The same steps serve profile editing: with
`data["editing"]` set, a step returns to the summary instead of going on (country also walks
through the questions that depend on it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flows import vocabulary as vocab
from flows.cohort_join import after_onboarding
from flows.messages import Msg, Option, Reply, _
from flows.profile import summary
from flows.registry import register
from flows.steps import AskText, Choose, ChooseMany, Context, Outcome, Step, go, stay
from storage import participants
from storage.models import Participant

MOST_SKILLS = 3

CONSENT = _(
    "Before we start: to find you a good peer, Entrepairs keeps your first name, where you "
    "live, your business, what you can share and want to learn, your languages and free "
    "hours, and the date you agreed.\n\n"
    "Only the programme team sees it. Your peer sees your first name, country and business; "
    "your contact only if you both agree. You can see or erase your data at any time.\n\n"
    "Do you agree?"
)
CONSENT_YES = _("Yes, I agree")
CONSENT_NO = _("No")
DECLINED = _("No problem, nothing has been kept. If you change your mind, just write to me again.")
ASK_NAME = _("What is your first name?")
ASK_COUNTRY = _("Nice to meet you, {name}! Which country do you live in?")
ASK_PROVINCE = _("Which province or territory?")
ASK_ZONE = _("Which region of the world?")
ASK_CITY = _("Which city or town do you live in?")
ASK_BUSINESS = _("What is the name of your business or project?")
ASK_SECTOR = _("What is its sector?")
ASK_STAGE = _("How far along is your business?")
ASK_SIZE = _("How many people work in it, counting you?")
ASK_OFFERS = _("What could you teach another entrepreneur? Choose up to 3.")
ASK_WANTS = _("What would you like to learn? Choose up to 3.")
TOO_MANY_SKILLS = _("Please choose 3 at most, e.g. 1 4 7.")
ASK_LANGUAGES = _("In which languages can you hold a conversation?")
ASK_AVAILABILITY = _("When are you usually free for a one-hour call? (your local time)")
ASK_DIASPORA = _("Do you have family ties with Bolivia or Senegal?")
ASK_CONTACT = _(
    "When you and your peer both agree to meet, may I give her your contact from this chat?"
)
CONTACT_YES = _("Yes, share my contact")
CONTACT_NO = _("No, keep it private")
IS_IT_RIGHT = _("Is everything right?")
CONFIRM = _("Yes, it's right")
CORRECT = _("Correct something")
ASK_FIX = _("What would you like to correct?")
DONE = _(
    "Thank you, {name}! Your profile is ready. I will write to you as soon as we have found "
    "your peer. Write {menu} at any time to see what I can do."
)
SAVED = _("Saved.")

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


def _not_canada(p: Participant) -> bool:
    return p.country != "CA"


def _always(p: Participant) -> bool:
    return True


# The questions in order, each with the condition under which it is asked.
ORDER: list[tuple[str, Callable[[Participant], bool]]] = [
    ("name", _always),
    ("country", _always),
    ("province", _in_canada),
    ("zone", _elsewhere),
    ("city", _not_canada),
    ("business", _always),
    ("sector", _always),
    ("stage", _always),
    ("size", _always),
    ("offers", _always),
    ("wants", _always),
    ("languages", _always),
    ("availability", _always),
    ("diaspora", _in_canada),
    ("contact", _always),
    ("summary", _always),
]
# When one of these is corrected, the questions that depend on it are asked again too.
DEPENDENTS = {"country": {"province", "zone", "city", "diaspora"}, "zone": {"city"}}


def next_step(ctx: Context, current: str) -> Outcome:
    """The next question that applies to her, or back to the summary when she is correcting."""
    names = [name for name, _cond in ORDER]
    editing = ctx.data.get("editing")
    for name, applies in ORDER[names.index(current) + 1 :]:
        if name == "summary":
            break
        if applies(ctx.participant) and (not editing or name in DEPENDENTS.get(editing, set())):
            return go("onboarding", name)
    ctx.data.pop("editing", None)
    return go("onboarding", "summary")


def _save(ctx: Context, step: str, **fields: object) -> Outcome:
    for name, value in fields.items():
        setattr(ctx.participant, name, value)
    ctx.session.add(ctx.participant)
    return next_step(ctx, step)


def _on_consent(ctx: Context, key: str) -> Outcome:
    if key == "no":
        participants.erase(ctx.session, ctx.participant, now=ctx.now)
        return stay(DECLINED)
    ctx.participant.consent_at = ctx.now
    ctx.session.add(ctx.participant)
    return go("onboarding", "name")


def _on_country(ctx: Context, key: str) -> Outcome:
    zone = vocab.COUNTRY_ZONES.get(key)
    region = ctx.participant.region if key == ctx.participant.country else None
    if key != "CA":
        ctx.participant.diaspora_ties = []
    return _save(ctx, "country", country=key, timezone=zone, region=region)


def _on_province(ctx: Context, key: str) -> Outcome:
    return _save(ctx, "province", region=key, timezone=vocab.CANADA_REGIONS[key].zone)


def _on_diaspora(ctx: Context, key: str) -> Outcome:
    ties = {"BO": ["BO"], "SN": ["SN"], BOTH: ["BO", "SN"], NONE: []}[key]
    return _save(ctx, "diaspora", diaspora_ties=ties)


def _saver(step: str, field: str) -> Callable[[Context, object], Outcome]:
    """The answer handler of a question that fills one profile field."""
    return lambda ctx, value: _save(ctx, step, **{field: value})


def _ask_country(ctx: Context) -> Msg:
    return _(ASK_COUNTRY.msgid, name=ctx.participant.name or "")


class Summary(Choose):
    """Her profile in one message, then the question in a second one (each fits a screen)."""

    def ask(self, ctx: Context) -> list[Reply]:
        return [Reply(summary(ctx.participant)), *super().ask(ctx)]


def _on_summary(ctx: Context, key: str) -> Outcome:
    if key == "fix":
        return go("onboarding", "fix")
    first_time = ctx.participant.onboarded_at is None
    if first_time:
        ctx.participant.onboarded_at = ctx.now
        ctx.session.add(ctx.participant)
        done = _(DONE.msgid, name=ctx.participant.name or "", menu={"$kw": "menu"})
        return after_onboarding(ctx, done)  # may ask for a cohort code (flows.cohort_join)
    return go("home", "idle", SAVED)


# What can be corrected from the summary, and the question that corrects it.
FIXABLE: dict[str, Msg] = {
    "name": _("First name"),
    "country": _("Country and city"),
    "business": _("Business name"),
    "sector": _("Sector"),
    "stage": _("Stage of the business"),
    "size": _("Size of the business"),
    "offers": _("What I can share"),
    "wants": _("What I want to learn"),
    "languages": _("Languages"),
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
    "consent": Choose(CONSENT, (Option("yes", CONSENT_YES), Option("no", CONSENT_NO)), _on_consent),
    "name": AskText(ASK_NAME, _saver("name", "name"), longest=30),
    "country": Choose(_ask_country, vocab.options(vocab.COUNTRIES), _on_country),
    "province": Choose(ASK_PROVINCE, vocab.options(vocab.region_labels()), _on_province),
    "zone": Choose(ASK_ZONE, vocab.options(vocab.OTHER_ZONES), _saver("zone", "timezone")),
    "city": AskText(ASK_CITY, _saver("city", "region"), longest=30),
    "business": AskText(ASK_BUSINESS, _saver("business", "business_name"), longest=50),
    "sector": Choose(ASK_SECTOR, vocab.options(vocab.SECTORS), _saver("sector", "sector")),
    "stage": Choose(ASK_STAGE, vocab.options(vocab.STAGES), _saver("stage", "stage")),
    "size": Choose(ASK_SIZE, vocab.options(vocab.SIZES), _saver("size", "size")),
    "offers": ChooseMany(
        ASK_OFFERS,
        vocab.options(vocab.SKILLS),
        _saver("offers", "skills_offered"),
        most=MOST_SKILLS,
        too_many=TOO_MANY_SKILLS,
    ),
    "wants": ChooseMany(
        ASK_WANTS,
        vocab.options(vocab.SKILLS),
        _saver("wants", "skills_wanted"),
        most=MOST_SKILLS,
        too_many=TOO_MANY_SKILLS,
    ),
    "languages": ChooseMany(
        ASK_LANGUAGES,
        vocab.options(vocab.SPOKEN_LANGUAGES),
        _saver("languages", "mentor_languages"),
    ),
    "availability": ChooseMany(
        ASK_AVAILABILITY,
        vocab.options(vocab.block_labels()),
        _saver("availability", "availability"),
    ),
    "diaspora": Choose(ASK_DIASPORA, DIASPORA_OPTIONS, _on_diaspora),
    "contact": Choose(
        ASK_CONTACT,
        (Option("yes", CONTACT_YES), Option("no", CONTACT_NO)),
        lambda ctx, key: _save(ctx, "contact", share_contact=key == "yes"),
    ),
    "summary": Summary(IS_IT_RIGHT, (Option("ok", CONFIRM), Option("fix", CORRECT)), _on_summary),
    "fix": Choose(ASK_FIX, _fix_options, _on_fix),
}

register("onboarding", STEPS)

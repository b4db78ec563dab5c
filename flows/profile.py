"""How a profile reads back to its owner: the onboarding summary and the "my data" answer."""

from __future__ import annotations

from flows import vocabulary as vocab
from flows.messages import Msg, _, listing, nested, when
from storage.models import Participant

NOT_GIVEN = _("not given")
NONE = _("none")
YES = _("yes")
NO = _("no")


def _label(table: dict[str, Msg], key: str | None) -> dict[str, object]:
    return nested(table[key]) if key in table else nested(NOT_GIVEN)


def _labels(table: dict[str, Msg], keys: list[str]) -> dict[str, object]:
    return listing([nested(table[key]) for key in keys if key in table], style="unit")


def place(participant: Participant) -> dict[str, object]:
    """Where she lives, as words: "Quebec, Canada" or "El Alto, Bolivia"."""
    country = _label(vocab.COUNTRIES, participant.country)
    region = participant.region
    if participant.country == "CA" and region in vocab.CANADA_REGIONS:
        return nested(
            _(
                "{region}, {country}",
                region=nested(vocab.CANADA_REGIONS[region].label),
                country=country,
            )
        )
    if region:
        return nested(_("{region}, {country}", region=region, country=country))
    return country


def _lower(table: dict[str, Msg], key: str | None) -> dict[str, object]:
    """One label inside a sentence, with a small letter ("crafts, textiles and fashion")."""
    return listing([_label(table, key)], style="unit", lower=True)


def summary(participant: Participant) -> Msg:
    """Her whole profile in one short message; family ties only for women in Canada."""
    values: dict[str, object] = {
        "name": participant.name or "—",
        "place": place(participant),
        "business": participant.business_name or "—",
        "sector": _lower(vocab.SECTORS, participant.sector),
        "stage": _lower(vocab.STAGES, participant.stage),
        "size": _lower(vocab.SIZES, participant.size),
        "offers": listing(
            _items(vocab.SKILLS, participant.skills_offered), style="unit", lower=True
        ),
        "wants": listing(_items(vocab.SKILLS, participant.skills_wanted), style="unit", lower=True),
        "languages": listing(
            _items(vocab.SPOKEN_LANGUAGES, participant.mentor_languages), lower="names"
        ),
        "availability": listing(
            _items(vocab.block_labels(), participant.availability), style="unit", lower="names"
        ),
        "contact": nested(YES if participant.share_contact else NO),
    }
    if participant.country != "CA":
        return Msg(SUMMARY.msgid, values)
    values["ties"] = (
        _labels(vocab.DIASPORA_COUNTRIES, participant.diaspora_ties)
        if participant.diaspora_ties
        else nested(NONE)
    )
    return Msg(SUMMARY_CANADA.msgid, values)


def _skills(keys: list[str]) -> dict[str, object]:
    return listing(_items(vocab.SKILLS, keys), style="unit", lower=True)


def _items(table: dict[str, Msg], keys: list[str]) -> list[object]:
    return [nested(table[key]) for key in keys if key in table]


SUMMARY = _(
    "Your profile:\n"
    "{name}, {place}\n"
    "Business: {business} ({sector}, {stage}, {size})\n"
    "Can teach: {offers}\n"
    "Wants to learn: {wants}\n"
    "Languages: {languages}\n"
    "Free time: {availability}\n"
    "Contact shared: {contact}"
)
SUMMARY_CANADA = _(
    "Your profile:\n"
    "{name}, {place}\n"
    "Business: {business} ({sector}, {stage}, {size})\n"
    "Can teach: {offers}\n"
    "Wants to learn: {wants}\n"
    "Languages: {languages}\n"
    "Free time: {availability}\n"
    "Family ties: {ties}\n"
    "Contact shared: {contact}"
)


def data_held(participant: Participant) -> list[Msg]:
    """The answer to "my data": what is kept, since when, and how to erase it (two messages)."""
    consent = (
        nested(_("You agreed on {date}.", date=when(participant.consent_at)))
        if participant.consent_at
        else nested(_("You have not given your consent yet."))
    )
    note = _(
        "This is all Entrepairs keeps about you, with this chat's address. {consent} "
        "Only the programme team sees it. Write {delete} to erase it.",
        consent=consent,
        delete={"$kw": "delete my data"},
    )
    return [summary(participant), note]

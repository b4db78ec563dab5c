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


def summary(participant: Participant) -> Msg:
    """Her whole profile in one short message."""
    ties = (
        _labels(vocab.DIASPORA_COUNTRIES, participant.diaspora_ties)
        if participant.diaspora_ties
        else nested(NONE)
    )
    return _(
        "Your profile:\n"
        "Name: {name}\n"
        "Lives in: {place}\n"
        "Business: {business} ({sector}, {stage}, {size})\n"
        "Can share: {offers}\n"
        "Wants to learn: {wants}\n"
        "Languages: {languages}\n"
        "Free time: {availability}\n"
        "Family ties: {ties}\n"
        "Contact shared: {contact}",
        name=participant.name or "—",
        place=place(participant),
        business=participant.business_name or "—",
        sector=_label(vocab.SECTORS, participant.sector),
        stage=_label(vocab.STAGES, participant.stage),
        size=_label(vocab.SIZES, participant.size),
        offers=_labels(vocab.SKILLS, participant.skills_offered),
        wants=_labels(vocab.SKILLS, participant.skills_wanted),
        languages=_labels(vocab.SPOKEN_LANGUAGES, participant.mentor_languages),
        availability=_labels(vocab.block_labels(), participant.availability),
        ties=ties,
        contact=nested(YES if participant.share_contact else NO),
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

"""What one coordinator may see and act on: the whole programme, or the women of some countries
and/or some cohorts (both given: the women in both).

The console computes her scope once per request (`scope_of`) and every page, report and export
reads through it, so a coordinator scoped to Senegal sees Senegalese women, the pairs and reports
that involve at least one of them, and the announcements written only to her countries (or her
cohorts). A cohort-wide action (matching again, publishing) needs every woman of the cohort in her
scope. Operators at the command line see everything (`EVERYONE`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.coordination import Broadcast
from storage.models import Participant
from storage.pairs import Cohort, CohortMember, Pair


@dataclass(frozen=True)
class Scope:
    """Her countries and cohorts (empty: all) and the ids of her women (None: everyone)."""

    countries: tuple[str, ...] = ()
    cohorts: tuple[int, ...] = ()
    women: frozenset[int] | None = None
    # Her cohorts as an announcement's audience may name them: ids (as text) and names.
    cohort_keys: frozenset[str] = frozenset()

    @property
    def whole(self) -> bool:
        return self.women is None

    def sees(self, participant_id: int | None) -> bool:
        return self.women is None or (participant_id or 0) in self.women

    def sees_pair(self, pair: Pair) -> bool:
        """A pair is hers when at least one of the two women is."""
        return any(self.sees(member) for member in pair.members())

    def sees_all(self, participant_ids: Iterable[int]) -> bool:
        return all(self.sees(member) for member in participant_ids)

    def sees_cohort(self, cohort_id: int | None, members: Iterable[int]) -> bool:
        """One of her cohorts; without cohorts in her scope, one holding a woman of hers or
        none yet (so she can fill it)."""
        if self.cohorts:
            return cohort_id in self.cohorts
        found = list(members)
        return not found or any(self.sees(member) for member in found)

    def sees_broadcast(self, broadcast: Broadcast) -> bool:
        """An announcement is hers when it was written only to her countries and her cohorts."""
        audience = broadcast.audience or {}
        countries = {str(c).upper() for c in audience.get("countries", [])}
        cohorts = {str(c) for c in audience.get("cohorts", [])}
        if self.countries and not (countries and countries <= set(self.countries)):
            return False
        return not self.cohorts or bool(cohorts and cohorts <= self.cohort_keys)


EVERYONE = Scope()


def scope_of(session: Session, countries: Iterable[str], cohorts: Iterable[int] = ()) -> Scope:
    """The scope of a coordinator limited to `countries` and/or `cohorts` (none: everything)."""
    chosen = tuple(sorted({c.upper() for c in countries if c}))
    groups = tuple(sorted(set(cohorts)))
    if not chosen and not groups:
        return EVERYONE
    query = select(Participant.id)
    if chosen:
        query = query.where(col(Participant.country).in_(chosen))
    if groups:
        members = select(CohortMember.participant_id).where(col(CohortMember.cohort_id).in_(groups))
        query = query.where(col(Participant.id).in_(members))
    names = session.exec(select(Cohort.name).where(col(Cohort.id).in_(groups))) if groups else []
    return Scope(
        chosen,
        groups,
        frozenset(pid for pid in session.exec(query) if pid is not None),
        frozenset([*(str(g) for g in groups), *names]),
    )

"""What one coordinator may see and act on: the whole programme, or the women of some countries
and/or some cohorts (both given: the women in both).

The console computes her scope once per request (`scope_of`) and every page, report and export
reads through it, so a coordinator scoped to Senegal sees Senegalese women, the pairs and reports
that involve at least one of them, and the announcements written only to her countries (or her
cohorts). A cohort-wide action (matching again, publishing) needs every woman of the cohort in her
scope. Operators at the command line see everything (`EVERYONE`).

Every count of her women (the dashboard, the women list, the cohorts and a cohort's page, the
programme report, the chat's /stats and /match, the participants export) is one query,
`members`, counted with `count_members` or, cohort by cohort, `member_counts`. A coordinator
scoped to cohorts may also add a woman who is in no cohort yet to one of them (`Scope.may_add`):
that is how a newcomer becomes hers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, func, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.checkins import ProblemReport, concerned
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

    def may_add(self, person: Participant, in_a_cohort: bool) -> bool:
        """Whether she may put this woman in one of the cohorts she may open: a woman of hers,
        or, when her scope names cohorts, a newcomer in no cohort yet (of her countries, if she
        has some). Adding her is what makes her hers; a woman of another cohort never is."""
        if person.erased_at is not None:
            return False
        if self.sees(person.id):
            return True
        if not self.cohorts or in_a_cohort:
            return False
        return not self.countries or (person.country or "") in self.countries

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


def sees_report(session: Session, scope: Scope, report: ProblemReport) -> bool:
    """An alert is hers when it concerns one of her women (`storage.checkins.concerned`): the
    coordinators its alert went to, so the console's inbox and the report's pairs at risk agree."""
    return scope.whole or any(scope.sees(woman) for woman in concerned(session, report))


def members(
    scope: Scope, *, staff: Collection[int] = (), cohort_id: int | None = None
) -> SelectOfScalar[Participant]:
    """The women a coordinator counts and lists: in her scope and, when one is named, in that
    cohort. Every figure of her women on every page, in the chat and in the report is this query.

    A woman counts from the moment she joins (by her group's code, or added by a coordinator),
    whatever became of her since, because a coordinator following her group expects its size not
    to change behind her back:
    - with her profile finished or not ("Onboarded" tells how many finished);
    - whether or not she stopped messages (still in her group, she may start again; "Stopped
      messages" tells how many);
    - after erasing her data too, anonymous (her pseudonymous id only, marked "Erased her data"
      in the lists): the programme's counts stay true, as the report's funnel and export keep her;
    - but not a coordinator's own work account (`staff`: `flows.coordination.coordinator_ids`),
      unless she finished her own profile as a participant too.
    """
    query = select(Participant)
    if scope.women is not None:
        query = query.where(col(Participant.id).in_(sorted(scope.women)))
    if staff:
        query = query.where(
            or_(
                col(Participant.id).not_in(sorted(set(staff))),
                col(Participant.onboarded_at).is_not(None),
            )
        )
    if cohort_id is not None:
        joined = select(CohortMember.participant_id).where(CohortMember.cohort_id == cohort_id)
        query = query.where(col(Participant.id).in_(joined))
    return query


def count_members(session: Session, query: SelectOfScalar[Participant]) -> int:
    """How many women a `members` query holds (narrowed by a list's filters or not)."""
    return int(session.exec(select(func.count()).select_from(query.subquery())).one())


def member_counts(session: Session, scope: Scope, *, staff: Collection[int] = ()) -> dict[int, int]:
    """Each cohort's members as `members` counts them ({cohort id: count}; none: absent)."""
    ids = members(scope, staff=staff).with_only_columns(col(Participant.id))
    rows = session.exec(
        select(CohortMember.cohort_id, func.count())
        .where(col(CohortMember.participant_id).in_(ids))
        .group_by(col(CohortMember.cohort_id))
    )
    return {cohort_id: int(n) for cohort_id, n in rows}

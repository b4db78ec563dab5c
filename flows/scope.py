"""What one coordinator may see and act on: the whole programme, or the women of some countries.

The console computes her scope once per request (`scope_of`) and every page, report and export
reads through it, so a coordinator scoped to Senegal sees Senegalese women, the pairs and reports
that involve at least one of them, and the announcements written only to her countries. A
cohort-wide action (matching again, publishing) needs every woman of the cohort in her scope.
Operators at the command line see everything (`EVERYONE`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.coordination import Broadcast
from storage.models import Participant
from storage.pairs import Pair


@dataclass(frozen=True)
class Scope:
    """Her countries (empty: all) and the ids of the women in them (None: everyone)."""

    countries: tuple[str, ...] = ()
    women: frozenset[int] | None = None

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

    def sees_broadcast(self, broadcast: Broadcast) -> bool:
        """An announcement is hers when it was written only to women of her countries."""
        if self.whole:
            return True
        written_to = {str(c).upper() for c in (broadcast.audience or {}).get("countries", [])}
        return bool(written_to) and written_to <= set(self.countries)


EVERYONE = Scope()


def scope_of(session: Session, countries: Iterable[str]) -> Scope:
    """The scope of a coordinator limited to `countries` (none given: the whole programme)."""
    chosen = tuple(sorted({c.upper() for c in countries if c}))
    if not chosen:
        return EVERYONE
    ids = session.exec(select(Participant.id).where(col(Participant.country).in_(chosen)))
    return Scope(chosen, frozenset(pid for pid in ids if pid is not None))

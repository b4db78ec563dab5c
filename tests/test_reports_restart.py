"""Pairs at risk: a pair back from a pause is counted from its restart, not across the pause.

A pair that rested for a month by choice and restarted three days ago has not "gone 35 days
without a session": the report the coordinators give funders would list it at risk the day it
came back. After its restart it is at risk again only when it stays quiet long enough, and the
reason says so ("no session since its restart 25 days ago").
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from flows import pair_lifecycle as lifecycle
from flows import reports
from flows.messages import Msg
from flows.render import Reader, render_msg
from tests.support import programme

WORDS = {
    "es": "sin sesión desde que se retomó hace 25 días",
    "fr": "aucune séance depuis sa reprise il y a 25 jours",
    "en": "no session since its restart 25 days ago",
}


def rested(db, now, *, restarted_days_ago: int) -> int:  # type: ignore[no-untyped-def]
    """A pair active 60 days, its last session 50 days ago, paused 48 days ago, restarted."""
    with db.session() as s:
        a = programme.woman(s, "b0", now=now, country="BO")
        b = programme.woman(s, "c0", now=now, country="CA")
        group = programme.cohort(s, "Ola 1", [a, b], now=now)
        pair = programme.pair(s, group, a, b, now=now, active_days_ago=60)
        programme.meeting(s, pair, now - timedelta(days=50))
        lifecycle.pause(s, pair, actor="system", now=now - timedelta(days=48))
        lifecycle.resume(s, pair, actor="system", now=now - timedelta(days=restarted_days_ago))
        return pair.id or 0


def test_a_pair_restarted_three_days_ago_is_not_at_risk(db, clock):
    pair_id = rested(db, clock.now(), restarted_days_ago=3)
    with db.session() as s:
        found = reports.at_risk(s, now=clock.now())
    assert pair_id not in {item.pair_id for item in found}


@pytest.mark.parametrize("lang", sorted(WORDS))
def test_a_pair_quiet_since_its_restart_says_so(db, clock, lang):
    pair_id = rested(db, clock.now(), restarted_days_ago=25)
    with db.session() as s:
        found = reports.at_risk(s, now=clock.now())
    reasons = {item.pair_id: item.reasons for item in found}[pair_id]
    assert reasons == (("quiet_restarted", {"days": 25}),)
    key, params = reasons[0]
    label = render_msg(Msg(reports.RISK_LABELS[key].msgid, params), Reader(lang))
    assert label == WORDS[lang]

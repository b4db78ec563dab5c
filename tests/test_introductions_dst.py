"""An introduction held for her night says the hour difference true when she reads it.

Published at 05:00 UTC on Sunday 8 March 2026, the night Canada moves its clocks forward
(Montréal at 07:00 UTC, Vancouver at 10:00 UTC): Carmen (La Paz, UTC−4 all year), Julie
(Montréal) and Emily (Vancouver) are asleep, and read their introductions at 08:00 their time,
after the change; Awa (Dakar, UTC) reads hers at 08:00 UTC, before Vancouver's.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.support.pairing import inbox, publish_four_at

PUBLISHED = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


def test_a_held_introduction_says_the_hour_difference_of_the_morning_she_reads_it(
    app, clock, recorder
):
    publish_four_at(app, clock, PUBLISHED)
    assert not any(inbox(app, recorder, key) for key in ("carmen", "julie", "emily", "awa"))
    while clock.now() < PUBLISHED + timedelta(hours=11):
        clock.advance(minutes=30)
        asyncio.run(app.delivery.drain())
    # Montréal moved to UTC−4: the same time as La Paz now, an hour behind it the evening before.
    carmen = inbox(app, recorder, "carmen")
    assert "Hora local de Julie: Montréal, la misma hora que usted." in carmen, carmen
    julie = inbox(app, recorder, "julie")
    assert "Heure locale chez Carmen\u00a0: La Paz, la même heure que chez vous." in julie, julie
    # Vancouver moved to UTC−7 before Emily woke: Dakar is seven hours ahead of her now.
    emily = inbox(app, recorder, "emily")
    assert "Awa's local time: Dakar, 7 hours ahead of you." in emily, emily
    # Awa read hers at 08:00 UTC, when Vancouver was still on UTC−8.
    awa = inbox(app, recorder, "awa")
    assert "Vancouver, 8 heures de moins que chez vous." in awa, awa

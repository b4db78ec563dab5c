"""The local chat: each terminal shows its own person's messages, and nothing is lost.

Two coordinators' terminals on one database: `chat --as carmen` and `chat --as julie`. Carmen's
terminal must not print Julie's introduction; Julie sees it, once, when she opens her own chat.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime

from bot.app import build
from bot.channels.console import ConsoleChannel, chat
from flows.config import FlowConfig
from flows.introductions import publish_cohort
from flows.matching import service
from tests.support.pairing import cohort_of_four

NOON_EVERYWHERE = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def _terminal(settings, db, clock, name: str, typed: str) -> str:
    """Run `chat --as name` with `typed` piped in; returns what the terminal printed."""
    printed: list[str] = []
    app = build(settings, channels=[ConsoleChannel(name, write=printed.append)], clock=clock, db=db)
    asyncio.run(chat(app.engine, app.delivery, name, io.StringIO(typed)))
    return "\n".join(printed)


def test_each_terminal_shows_only_its_own_person(settings, db, clock):
    clock.set(NOON_EVERYWHERE)
    with db.session() as session:
        cohort, _women = cohort_of_four(session, clock.now())
        service.run(session, cohort, now=clock.now(), actor="coordinator:test")
        publish_cohort(
            session, cohort, now=clock.now(), actor="coordinator:test", config=FlowConfig()
        )

    carmen = _terminal(settings, db, clock, "carmen", "1\n")  # she accepts
    assert "¡Carmen, le encontré una compañera!" in carmen
    assert "¡Gracias! Le aviso apenas Julie también responda." in carmen
    assert "Julie, je vous ai trouvé une partenaire" not in carmen
    assert "Awa" not in carmen and "Emily" not in carmen

    julie = _terminal(settings, db, clock, "julie", "1\n")
    assert julie.count("Julie, je vous ai trouvé une partenaire") == 1
    assert "Carmen, le encontré" not in julie and "¡Gracias!" not in julie

    # Carmen hears that Julie accepted the next time she opens her chat, and only then.
    assert "Julie" in _terminal(settings, db, clock, "carmen", "")

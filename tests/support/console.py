"""The coordinator console under test: an app with coordinators, a signed-in browser (httpx)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from bot import console
from bot.app import build
from bot.server import create_app
from bot.settings import Settings
from flows import console_auth
from storage import coordination as store
from storage.models import OutboundMessage
from tests.support import programme

BASE = "http://testserver"


def make_app(tmp_path, db, clock, recorder, *, public: str | None = None):  # type: ignore[no-untyped-def]
    """Amina (console:amina) is an admin from the settings; Vera is a viewer row; Nora is nobody."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        coordinators=["console:amina"],
        public_base_url=public,
    )
    app = build(settings, channels=[recorder], clock=clock, db=db)
    now = clock.now()
    with db.session() as s:
        amina = programme.woman(s, "amina", now=now, country="SN", locale="fr")
        vera = programme.woman(s, "vera", now=now, country="CA", locale="en")
        programme.woman(s, "nora", now=now, country="BO")
        s.add(
            store.Coordinator(
                participant_id=vera.id, added_by="operator:test", added_at=now, role="viewer"
            )
        )
        ids = {"amina": amina.id, "vera": vera.id}
    return app, create_app(app, console.routes(app)), ids


def client(server, base: str = BASE) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=server), base_url=base, follow_redirects=False
    )


def session_cookie(app, participant_id: int) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(cookie token, csrf) of a fresh console session, as after signing in."""
    with app.db.session() as s:
        opened = console_auth.open_session(
            s, app.settings.flow_config(), participant_id, now=app.clock.now()
        )
        assert opened is not None
        token, row = opened
        return token, row.csrf


def last_code(app) -> str:  # type: ignore[no-untyped-def]
    """The sign-in code in the newest outbox message."""
    from sqlmodel import col, select

    with app.db.session() as s:
        row = s.exec(select(OutboundMessage).order_by(col(OutboundMessage.id).desc())).first()
        assert row is not None and row.purpose == "console_code"
        return re.search(r"\d{6}", str(row.payload)).group(0)  # type: ignore[union-attr]


def later(clock, minutes: int) -> None:  # type: ignore[no-untyped-def]
    clock.advance(timedelta(minutes=minutes))


def scoped_coordinator(  # type: ignore[no-untyped-def]
    app, address: str, *, country: str, countries=(), cohorts=()
) -> int:
    """A new woman who is a coordinator limited to `countries` and/or `cohorts`; her id."""
    with app.db.session() as s:
        person = programme.woman(s, address, now=app.clock.now(), country=country, locale="en")
        person_id = person.id
    limit_coordinator(app, person_id, countries=countries, cohorts=cohorts)
    return person_id


def limit_coordinator(app, participant_id: int, *, countries=(), cohorts=()) -> None:  # type: ignore[no-untyped-def]
    """Make her a coordinator limited to `countries` and/or `cohorts`."""
    with app.db.session() as s:
        s.add(
            store.Coordinator(
                participant_id=participant_id,
                added_by="operator:test",
                added_at=app.clock.now(),
                role="coordinator",
                countries=list(countries),
                cohorts=list(cohorts),
            )
        )

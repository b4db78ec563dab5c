"""What a woman on SMS pays for: each segment is billed to her (160 GSM-7 characters, 70 once
one character is outside GSM-7). A word the bot does not know, a nudge, a voice note at her
introduction: each answered in as few segments as can be read, in Spanish, French and English.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.channels.base import Outgoing
from bot.channels.twilio_text import TYPOGRAPHY, is_gsm7, sms_body, sms_cost
from flows.messages import ChannelKind
from flows.nudges import scan_pairs
from flows.render import Reader, Rendered, render_msg
from flows.tips import library, tip_message
from tests.support.dialog import Person
from tests.support.pairing import publish_four_at
from tests.support.recorder import RecordingChannel
from tests.support.sessions import AWA, AWA_FR, CARMEN, JULIE, Member, active_pair, add_woman
from tests.test_introductions import NOON_EVERYWHERE
from tests.test_sessions_conversations import propose, run_until

EMILY = {"name": "Emily", "locale": "en", "country": "CA", "timezone": "America/Vancouver"}
PROFILES = {"es": CARMEN, "fr": AWA_FR, "en": AWA}
PHONE = "+59170000001"


@pytest.fixture
def recorder() -> RecordingChannel:
    """The recording channel, taking SMS too."""
    channel = RecordingChannel()
    channel.kinds = (ChannelKind.CONSOLE.value, ChannelKind.SMS.value)
    return channel


def bill(messages: list[Outgoing]) -> int:
    """Segments the carrier bills for these messages sent as SMS."""
    return sum(sms_cost(sms_body(m.rendered, m.language)) for m in messages)


class SmsWoman(Person):
    """A woman whose phone takes SMS only: what she receives, and what it costs her."""

    def __init__(self, app, address: str = PHONE) -> None:  # type: ignore[no-untyped-def]
        super().__init__(app, address, ChannelKind.SMS)
        self._read = 0
        self.answer: list[Outgoing] = []

    def _sent(self) -> list[Outgoing]:
        return [m for m in self.recorder.sent if m.address == self.address]

    def inbox(self) -> list[Outgoing]:
        """What reached her unasked since she last looked (drains the outbox)."""
        asyncio.run(self.app.delivery.drain())
        fresh = self._sent()[self._read :]
        self._read += len(fresh)
        return fresh

    def says(self, text: str, *, kind: str = "text", option_key: str | None = None) -> list[str]:
        self.inbox()
        replies = super().says(text, kind=kind, option_key=option_key)
        self.answer = self.inbox()
        return replies

    @property
    def bill(self) -> int:
        """Segments of everything she received in answer to her last message."""
        return bill(self.answer)


def sms_woman(app, clock, profile: dict) -> SmsWoman:  # type: ignore[no-untyped-def]
    add_woman(app.db, PHONE, profile, now=clock.now(), channel=ChannelKind.SMS.value)
    return SmsWoman(app)


MENU_WORD = {"es": "MENÚ", "fr": "MENU", "en": "MENU"}
WRITE_MENU = {
    "es": "Escriba MENÚ para ver lo que puedo hacer, o AYUDA si necesita ayuda.",
    "fr": "Écrivez MENU pour voir ce que je peux faire, ou AIDE si vous avez besoin d'aide.",
    "en": "Write MENU to see what I can do, or HELP if you need help.",
}


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_a_word_the_bot_does_not_know_at_rest_costs_one_segment(app, clock, language):
    """Before: the whole menu, 3 segments in each language. Now: one SMS, what she can write."""
    her = sms_woman(app, clock, PROFILES[language])
    her.says("hola que tal")
    assert her.text == WRITE_MENU[language]
    assert her.bill == 1
    her.says(MENU_WORD[language])  # the menu when she asks for it: shorter on SMS
    assert len(her.last) == 1 and her.bill <= 2, her.text


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_the_menu_on_sms_leaves_the_account_lines_to_help(app, clock, language):
    """Language, my data, stop and erase are words HELP lists: on SMS they are not menu lines
    (the menu then fits two segments, not three); on other channels they still are."""
    her = sms_woman(app, clock, PROFILES[language])
    her.says(MENU_WORD[language])
    keys = [key for key, _label in her.answer[0].rendered.options]
    assert "help" in keys and not {"my_data", "language", "stop", "delete"} & set(keys), keys
    assert her.bill <= 2
    add_woman(app.db, "console-her", PROFILES[language], now=clock.now())
    other = Person(app, "console-her")
    other.says(MENU_WORD[language])
    keys = [key for key, _label in other.recorder.sent[-1].rendered.options]
    assert {"my_data", "language", "stop", "delete"} <= set(keys)


NUDGE = {
    "es": ("Ya pasaron 7 días", "sí", "¿Cuándo le gustaría reunirse con", "ahora no"),
    "fr": ("Cela fait 7 jours", "oui", "Quand aimeriez-vous rencontrer", "pas maintenant"),
    "en": ("It has been 7 days", "yes", "When would you like to meet", "not now"),
}
WHEN_READY = {
    "es": "Muy bien. Cuando esté lista, escriba MENÚ y elija «Planificar una sesión».",
    "fr": "D'accord. Quand vous serez prête, écrivez MENU et choisissez «\u00a0Planifier une "
    "séance\u00a0».",
    "en": 'All right. When you are ready, write MENU and choose "Plan a session".',
}


def _nudged(app, clock, language: str) -> SmsWoman:  # type: ignore[no-untyped-def]
    her = sms_woman(app, clock, PROFILES[language])
    peer = add_woman(app.db, "peer", JULIE if language != "fr" else EMILY, now=clock.now())
    active_pair(app.db, 1, peer, now=clock.now())
    with app.db.session() as session:
        scan_pairs(session, now=clock.now(), config=app.engine.config)
    run_until(app, clock, clock.now() + timedelta(days=7, hours=12))
    return her


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_the_no_session_nudge_on_sms_is_one_message_that_asks_first(app, clock, language):
    """Before: the invitation, then her times in a second message (4 segments or more). Now: one
    SMS, "Shall we find a time? 1 Yes 2 Not now"; her times only once she says yes."""
    nudged, yes, asked, no = NUDGE[language]
    her = _nudged(app, clock, language)
    got = her.inbox()
    assert len(got) == 1, [m.rendered.text for m in got]
    assert nudged in got[0].rendered.text and bill(got) <= 2
    assert [o[0] for o in got[0].rendered.options] == ["yes", "no"]
    her.says(yes)
    her.expect(asked)
    her.says("back")  # nothing else changed: the usual times question, with "back"


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_the_no_session_nudge_on_sms_answered_not_now(app, clock, language):
    _nudged_text, _yes, _asked, no = NUDGE[language]
    her = _nudged(app, clock, language)
    her.inbox()
    her.says(no)
    assert her.text == WHEN_READY[language]
    assert her.bill <= 2


INTRO_QUESTION = {
    "carmen": ("Solo puedo leer texto.", "¿Le gustaría conocer a Julie?", "Tejidos"),
    "awa": ("Je ne peux lire que du texte.", "Souhaitez-vous rencontrer Emily\u00a0?", "Maple"),
    "emily": ("I can only read text.", "Would you like to meet Awa?", "Saveurs"),
}


@pytest.mark.parametrize("who", ["carmen", "awa", "emily"])
@pytest.mark.parametrize("kind", ["media", "sticker"])
def test_a_voice_note_at_the_introduction_gets_the_question_alone(app, clock, who, kind):
    """Before: the whole introduction again, 3 messages and some 600 characters. Now: one
    message, "I can only read text" and the question with its two answers."""
    publish_four_at(app, clock, NOON_EVERYWHERE)
    her = Person(app, who)
    her.says("", kind=kind)
    assert len(her.last) == 1, her.text
    for fragment in INTRO_QUESTION[who][:2]:
        her.expect(fragment)
    assert INTRO_QUESTION[who][2] not in her.text  # the peer's business: the introduction
    assert bill(her.recorder.sent[-1:]) <= 2
    her.says("1")  # and the question still stands
    assert INTRO_QUESTION[who][0] not in her.text


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_a_tip_on_sms_drops_its_decorative_emoji(language):
    """ "💡 Tip · Sales": the bulb and the middle dot are outside GSM-7, and one such character
    makes the whole SMS UCS-2 (70 characters a segment, not 160). On SMS the bulb goes and the
    dot becomes a dash; the accents of Spanish and French stay where they are free."""
    reader = Reader(language, None, None)
    costs = []
    for tip in library():
        rendered = Rendered(render_msg(tip_message(tip), reader))
        body = sms_body(rendered, language, "never")  # accents kept: only the emoji can go
        assert "💡" not in body and "·" not in body, body
        assert body.split("\n", 1)[1] == rendered.text.split("\n", 1)[1].translate(TYPOGRAPHY)
        costs.append((sms_cost(sms_body(rendered, language)), sms_cost(rendered.text)))
    assert sum(now for now, _before in costs) < sum(before for _now, before in costs)
    if language == "en":  # English has no accent: every tip is GSM-7 now
        assert all(is_gsm7(sms_body(Rendered(render_msg(tip_message(t), reader)), "en"))
                   for t in library())  # fmt: skip


NOT_TEXT = {
    "es": "Solo puedo leer texto. Por favor, responda con palabras o con un número.",
    "fr": "Je ne peux lire que du texte. Merci de répondre avec des mots ou un numéro.",
    "en": "I can only read text. Please answer with words or a number.",
}


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_a_sticker_under_a_tip_does_not_send_the_tip_again(app, clock, language):
    """A tip asks nothing: a sticker under it ("👍") got "I can only read text" and the whole
    tip again (3 SMS segments); now the first line alone, one segment."""
    her = sms_woman(app, clock, PROFILES[language])
    her.says(MENU_WORD[language])
    her.taps("tip")
    her.says("", kind="sticker")
    assert her.text == NOT_TEXT[language]
    assert her.bill == 1
    her.says("hola que tal")  # a word it does not know, as at rest: what she can write
    assert her.text == WRITE_MENU[language] and her.bill == 1


SUMMARY_QUESTION = {
    "es": ("¿Está todo correcto en su perfil?", "Sí, está bien"),
    "fr": ("Tout est-il correct dans votre profil\u00a0?", "Oui, c'est juste"),
    "en": ("Is everything right in your profile?", "Yes, it's right"),
}


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_a_voice_note_at_her_profile_gets_the_question_alone(app, clock, language):
    """Her profile and "is everything right?" (5 SMS segments in Spanish): a voice note there
    got it all again; now "I can only read text" and the question, one message."""
    her = sms_woman(app, clock, PROFILES[language])
    her.says(MENU_WORD[language])
    her.taps("profile")
    her.says("", kind="media")
    assert len(her.last) == 1 and her.bill <= 2, her.text
    her.expect(NOT_TEXT[language], *SUMMARY_QUESTION[language])
    assert PROFILES[language]["name"] not in her.text  # the profile is not sent again


PENDING = {  # what the ladder says, her yes, the proposal she then reads; her peer's "Thursday"
    "es": ("sigue abierta", "sí", "Julie propone una sesión", "jeudi 15h"),
    "fr": ("est toujours ouverte", "oui", "Emily propose une séance", "Thursday 3pm"),
    "en": ("is still open", "yes", "Julie proposes a session", "jeudi 15h"),
}


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_the_nudge_about_an_open_proposal_on_sms_is_one_message(app, clock, language):
    """Her peer proposed next Thursday and she has not answered: the ladder's nudge asks "would
    you like to answer it?" in one SMS, and the proposal comes on yes (before: two messages)."""
    fragment, yes, proposal, thursday = PENDING[language]
    her = sms_woman(app, clock, PROFILES[language])
    peer_id = add_woman(app.db, "peer", JULIE if language != "fr" else EMILY, now=clock.now())
    active_pair(app.db, 1, peer_id, now=clock.now())
    with app.db.session() as session:
        scan_pairs(session, now=clock.now(), config=app.engine.config)
    run_until(app, clock, clock.now() + timedelta(days=6))  # Sunday: the ladder is tomorrow
    her.inbox()
    propose(Member(app, "peer"), thursday)
    assert her.inbox()  # the proposal itself
    run_until(app, clock, clock.now() + timedelta(days=1, hours=12))
    got = [m for m in her.inbox() if fragment in m.rendered.text]
    assert len(got) == 1 and bill(got) <= 2, [m.rendered.text for m in got]
    assert [key for key, _label in got[0].rendered.options] == ["yes", "no"]
    her.says(yes)
    assert proposal in her.text, her.text

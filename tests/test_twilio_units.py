"""Phone numbers, text splitting and SMS segments, Twilio errors, settings, pacing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select
from twilio.base.exceptions import TwilioRestException

from bot.channels.twilio import SEND_THREADS, send_error, twilio_channels
from bot.channels.twilio_text import SMS_LIMIT, WHATSAPP_LIMIT, segments, sms_parts, split, units
from bot.channels.twilio_window import Templates, needs_template
from bot.phones import e164, language_hint, parse_address, twilio_address
from bot.settings import Settings, SettingsError, load
from flows.messages import ChannelKind
from storage import outbox
from storage.models import Participant
from tests.support.twilio_standin import TwilioBot, running_standin, twilio_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("whatsapp:+221771234567", (ChannelKind.WHATSAPP, "+221771234567")),
        ("whatsapp:+221 77 123 45 67", (ChannelKind.WHATSAPP, "+221771234567")),
        ("+59171234567", (ChannelKind.SMS, "+59171234567")),
        ("+1 (416) 555-0199", (ChannelKind.SMS, "+14165550199")),
        ("messenger:12345", None),
        ("not a number", None),
        ("", None),
    ],
)
def test_addresses_are_normalised_to_e164(raw, expected):
    assert parse_address(raw) == expected


def test_whatsapp_ids_and_back():
    assert e164("221771234567") == "+221771234567"  # WaId comes without the plus
    assert twilio_address(ChannelKind.WHATSAPP, "+221771234567") == "whatsapp:+221771234567"
    assert twilio_address(ChannelKind.SMS, "+59171234567") == "+59171234567"


def test_country_code_hints_but_north_america_asks():
    assert language_hint("+221771234567") == "fr"
    assert language_hint("+59171234567") == "es"
    assert language_hint("+14165550199") is None
    assert language_hint("+4915112345678") is None


def test_segments_gsm7_and_ucs2():
    assert segments("Hola Carmen, ¿cómo está?") == ("UCS-2", 1)  # ó is not GSM-7
    assert segments("Hola Carmen, ¿qué tal? ñ é ü") == ("GSM-7", 1)
    assert segments("a" * 160) == ("GSM-7", 1)
    assert segments("a" * 161) == ("GSM-7", 2)
    assert segments("a" * 306) == ("GSM-7", 2)
    assert segments("a" * 307) == ("GSM-7", 3)
    assert segments("€" * 80) == ("GSM-7", 1)  # two septets each
    assert segments("€" * 81) == ("GSM-7", 2)
    assert segments("ç" * 70) == ("UCS-2", 1)  # lower-case ç is not GSM-7
    assert segments("ç" * 71) == ("UCS-2", 2)
    assert segments("ç" * 135) == ("UCS-2", 3)


def test_split_prefers_paragraphs_then_sentences():
    paragraphs = ["Uno. " * 40, "Dos. " * 40, "Tres. " * 30]  # 200 + 200 > 320
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split(text, 320)
    assert parts == [p.strip() for p in paragraphs]
    long_sentence_text = "Una frase. " * 100
    parts = split(long_sentence_text, 320)
    assert all(units(part) <= 320 and part.endswith(".") for part in parts)


@given(st.text(min_size=0, max_size=3000))
def test_split_never_exceeds_the_limit_and_keeps_every_word(text):
    for limit in (SMS_LIMIT, WHATSAPP_LIMIT):
        parts = split(text, limit)
        assert all(0 < units(part) <= limit for part in parts)
        assert "".join("".join(parts).split()) == "".join(text.split())


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abcé€ç😀", min_size=1, max_size=120),
            st.sampled_from([". ", "! ", " ", "\n", "\n\n", ", "]),
        ),
        max_size=40,
    )
)
def test_sms_parts_are_short_keep_every_word_and_cost_no_more_than_a_greedy_cut(pieces):
    text = "".join(words + gap for words, gap in pieces)
    parts = sms_parts(text)
    assert all(0 < units(part) <= SMS_LIMIT for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())
    greedy = split(text, SMS_LIMIT)
    assert sum(segments(p)[1] for p in parts) <= sum(segments(p)[1] for p in greedy)


def test_window_rules(clock):
    now = clock.now()
    from datetime import timedelta

    assert needs_template("whatsapp", now - timedelta(hours=30), now, None)
    assert not needs_template("whatsapp", now - timedelta(hours=2), now, None)
    assert needs_template("whatsapp", now - timedelta(hours=2), now, "63016")
    assert needs_template("whatsapp", None, now, None)
    assert not needs_template("sms", now - timedelta(days=9), now, None)
    templates = Templates({"default": {"fr": "HXd"}, "nudge": {"fr": "HXn"}})
    assert templates.find("nudge", "fr") == "HXn"
    assert templates.find("broadcast", "fr") == "HXd"
    assert templates.find("nudge", "es") is None


@pytest.mark.parametrize(
    "status, code, transient, blocked",
    [
        (429, 20429, True, False),
        (500, None, True, False),
        (503, 20503, True, False),
        (400, 21610, False, True),
        (400, 21211, False, False),
        (404, 20404, False, False),
    ],
)
def test_twilio_errors_map_to_send_errors(status, code, transient, blocked):
    error = send_error(TwilioRestException(status, "uri", msg="x", code=code))
    assert (error.transient, error.blocked) == (transient, blocked)
    assert error.code == str(code or status)


def test_settings_defaults_and_requirements(tmp_path):
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.twilio_whatsapp_mps, settings.twilio_sms_mps) == (25.0, 1.0)
    assert twilio_channels(settings) == []
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN"):
        twilio_channels(Settings(_env_file=None, twilio_account_sid="AC1"))  # type: ignore[call-arg]
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        twilio_channels(load(_env_file=None, twilio_account_sid="AC1", twilio_auth_token="t"))
    with pytest.raises(SettingsError, match="TWILIO_WHATSAPP_FROM"):
        twilio_channels(
            load(
                _env_file=None,
                twilio_account_sid="AC1",
                twilio_auth_token="t",
                public_base_url="https://x",
            )
        )
    with pytest.raises(SettingsError, match="TWILIO_TEMPLATES"):
        load(_env_file=None, twilio_templates={"default": {"fr": "nope"}})
    channels = twilio_channels(
        load(
            _env_file=None,
            twilio_account_sid="AC1",
            twilio_auth_token="t",
            public_base_url="https://x",
            twilio_messaging_service_sid="MG1",
        )
    )
    assert [(c.kinds, c.rate, c.webhooks) for c in channels] == [
        (("whatsapp",), 25.0, True),
        (("sms",), 1.0, False),
    ]


def test_runtime_builds_the_twilio_channels():
    from bot.runtime import platform_channels

    settings = load(
        _env_file=None,
        twilio_account_sid="AC1",
        twilio_auth_token="t",
        public_base_url="https://x",
        twilio_sms_from="+15005550006",
    )
    (sms,) = platform_channels(settings)
    assert sms.kinds == ("sms",)


def test_sends_are_paced_under_the_stand_ins_limit(db, clock, tmp_path):
    """A burst of 30 messages at 20 per second: the stand-in enforcing 20/s never says 429."""
    with running_standin() as standin:
        settings = twilio_settings(standin, f"sqlite:///{tmp_path}/u.db", twilio_whatsapp_mps=20.0)
        bot = TwilioBot(standin, settings, db, clock)
        with bot.app.db.session() as session:
            person = Participant(locale="fr", created_at=clock.now())
            session.add(person)
            session.flush()
            for index in range(30):
                outbox.enqueue(
                    session,
                    participant_id=person.id,
                    channel="whatsapp",
                    address=f"+2217700000{index:02d}",
                    payload={"msg": {"id": "Saved.", "params": {}}, "options": []},
                    now=clock.now(),
                )
        from storage.participants import link_address

        with bot.app.db.session() as session:
            for index in range(30):
                link = link_address(
                    session,
                    participant_id=person.id,
                    channel="whatsapp",
                    address=f"+2217700000{index:02d}",
                    now=clock.now(),
                )
                link.last_inbound_at = clock.now()
        standin.enforce_mps(20.0)
        channel = bot.app.delivery.channels["whatsapp"]
        create, threads = channel._create, set()  # type: ignore[attr-defined]

        def noting_thread(*args, **kwargs):  # type: ignore[no-untyped-def]
            threads.add(threading.current_thread().name.split("_")[0])
            return create(*args, **kwargs)

        channel._create = noting_thread  # type: ignore[attr-defined]
        asyncio.run(bot.app.delivery.drain())
        assert len(standin.accepted) == 30
        assert standin.rejected_429 == 0
        # The blocking client and its spacer run on the channel's own threads, never on the
        # shared pool the webhooks and the workers use.
        assert threads == {"twilio-whatsapp"}
        with bot.app.db.session() as session:
            assert session.exec(select(Participant)).one().opted_out_at is None


# Both channels' sending threads at once through the real twilio client, to the stand-in served
# over TLS; then what it cost: TLS contexts made on the way, connections opened.
TLS_SENDS = """
import gc, ssl, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.channels.twilio import SEND_THREADS, make_client
from tests.support.tls import Certificates
from tests.support.twilio_standin import WHATSAPP_FROM, running_standin, twilio_settings


def contexts():
    return sum(isinstance(thing, ssl.SSLContext) for thing in gc.get_objects())


def send(n):
    return messages.create(to=f"whatsapp:+5917{n:07d}", from_=WHATSAPP_FROM, body="Hola")


with running_standin(tls=Certificates(Path(sys.argv[1])).server_context()) as standin:
    before = contexts()
    messages = make_client(twilio_settings(standin, "sqlite://"))
    with ThreadPoolExecutor(2 * SEND_THREADS) as senders:
        sids = set(senders.map(send, range(20 * SEND_THREADS)))
    print(len(sids), len(standin.accepted), contexts() - before, standin.connections)
"""


@pytest.fixture
def certificates(tmp_path):
    from tests.support.tls import make_certificates

    try:
        return make_certificates(tmp_path)
    except FileNotFoundError:
        pytest.skip("needs the openssl command to make test certificates")


def _sends_over_tls(certificates, bundle) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REQUESTS_CA_BUNDLE": str(bundle)}
    return subprocess.run(
        [sys.executable, "-c", TLS_SENDS, str(certificates.folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_sends_over_tls_share_one_context_and_keep_their_connections(certificates):
    """In production Twilio is reached over TLS. Each connection made its own TLS context with
    the CA bundle loaded (0.8 MB with certifi's), and the pool kept fewer connections than
    threads send, so the others were handshaken again for each message."""
    out = _sends_over_tls(certificates, certificates.authority)
    assert out.returncode == 0, out.stderr
    sids, accepted, contexts, connections = map(int, out.stdout.split())
    assert sids == accepted == 20 * SEND_THREADS
    assert contexts == 1
    assert connections <= 2 * SEND_THREADS


def test_a_server_the_bundle_does_not_vouch_for_is_refused(certificates):
    """One shared context still verifies: without the stand-in's CA in the bundle, no send."""
    certifi = subprocess.run(
        [sys.executable, "-c", "import certifi; print(certifi.where())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    out = _sends_over_tls(certificates, certifi)
    assert out.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in out.stderr

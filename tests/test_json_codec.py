"""JSON through orjson, with the standard library for what orjson refuses (storage/json_codec)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram.error import TelegramError

from bot.channels.telegram_http import AiohttpRequest
from storage import conversations, json_codec
from storage.db import Database
from tests.support import programme

NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
# What this project writes: 64-bit integers (see storage/json_codec.py) and any text, lone
# surrogates included (what a local terminal's surrogateescape can hand us).
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)


@given(JSON_VALUES)
def test_what_it_writes_is_json_and_reads_back_the_same(value: Any) -> None:
    text = json_codec.dumps(value)
    assert json.loads(text) == value  # standard JSON, for any reader
    assert json_codec.loads(text) == value
    assert json_codec.loads(text.encode("utf-8", "surrogatepass")) == value


def test_what_orjson_refuses_takes_the_standard_librarys_path() -> None:
    lone = "caf\udce9"  # a byte a terminal could not decode
    with pytest.raises(TypeError):
        orjson.dumps(lone)
    assert json_codec.dumps(lone) == json.dumps(lone) == '"caf\\udce9"'
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads('"caf\\udce9"')
    assert json_codec.loads('"caf\\udce9"') == lone
    assert json_codec.dumps({1: "un"}) == '{"1": "un"}'  # a key that is not a string
    assert json_codec.dumps([2**70]) == "[1180591620717411303424]"  # beyond 64 bits
    with pytest.raises(ValueError):
        json_codec.loads("{not json")


def test_the_engine_stores_json_columns_through_it(db: Database) -> None:
    """Non-ASCII as it is (orjson), not \\u-escaped (the standard library's default); a lone
    surrogate still stored and read back."""
    with db.session() as session:
        her = programme.woman(session, "+221770000001", now=NOW, country="SN").id or 0

    def saved(data: dict[str, str]) -> tuple[str, dict[str, Any]]:
        with db.session() as session:
            conversations.save(
                session,
                participant_id=her,
                flow="home",
                step="idle",
                data=data,
                offered=[],
                now=NOW,
            )
        with db.engine.connect() as connection:
            raw = connection.exec_driver_sql("SELECT data FROM conversation").scalar_one()
        with db.session() as session:
            state = conversations.load(session, her)
        assert state is not None
        return raw, state.data

    assert saved({"name": "Aïssatou"}) == ('{"name":"Aïssatou"}', {"name": "Aïssatou"})
    assert saved({"typed": "caf\udce9"})[1] == {"typed": "caf\udce9"}


def test_telegram_answers_are_parsed_through_it_and_fail_as_ptb_fails() -> None:
    answer = {"ok": True, "result": {"message_id": 7, "text": "¡Hola, Ximena! 🌱"}}
    assert AiohttpRequest.parse_json_payload(json.dumps(answer).encode()) == answer
    # Bad UTF-8: PTB's own way, the byte replaced.
    assert AiohttpRequest.parse_json_payload(b'{"ok": true, "result": "caf\xe9"}') == {
        "ok": True,
        "result": "caf\ufffd",
    }
    with pytest.raises(TelegramError, match="Invalid server response"):
        AiohttpRequest.parse_json_payload(b"<html>502 Bad Gateway</html>")

"""PTB's transport on aiohttp (bot/channels/telegram_http.py) against the Bot API stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from telegram import Bot, Message
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.channels.telegram_http import AiohttpRequest
from tests.support.cluster import free_port
from tests.support.telegram_standin import TOKEN, StandIn, standin_server


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with standin_server() as state:
        yield state


def bot_for(base_url: str, **options: float) -> Bot:
    return Bot(TOKEN, base_url=f"{base_url}/bot", request=AiohttpRequest(**options))  # type: ignore[arg-type]


def test_calls_go_through_and_errors_are_ptbs(standin: StandIn) -> None:
    async def main() -> None:
        bot = bot_for(standin.base_url)
        async with bot:
            sent = await bot.send_message(591700, "¿Cómo está? ✓", reply_markup=None)
            assert isinstance(sent, Message)
            standin.fail("sendMessage", 400)
            with pytest.raises(BadRequest):
                await bot.send_message(591700, "")

    asyncio.run(main())
    texts = [call.params["text"] for call in standin.calls_to("sendMessage", ok=True)]
    assert texts == ["¿Cómo está? ✓"]


def test_shutdown_lets_the_calls_under_way_finish(standin: StandIn) -> None:
    """40 sends over 2 connections, shut down while most wait for one: every one arrives once."""

    async def main() -> list[object]:
        bot = bot_for(standin.base_url, connection_pool_size=2)
        await bot.initialize()
        sends = [asyncio.create_task(bot.send_message(591700 + n, f"n{n}")) for n in range(40)]
        await asyncio.sleep(0.01)
        await asyncio.wait_for(bot.shutdown(), 30)
        results = await asyncio.wait_for(asyncio.gather(*sends, return_exceptions=True), 30)
        with pytest.raises(NetworkError):  # closed: refused at once, never hanging
            await bot.send_message(591700, "late")
        return results

    results = asyncio.run(main())
    assert all(isinstance(result, Message) for result in results)
    assert sorted(call.params["text"] for call in standin.calls_to("sendMessage")) == sorted(
        f"n{n}" for n in range(40)
    )


def test_a_silent_server_times_out_and_a_closed_port_is_a_network_error() -> None:
    async def main() -> None:
        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(100_000)  # and never answers

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        request = AiohttpRequest(read_timeout=0.3)
        await request.initialize()
        async with server:
            with pytest.raises(TimedOut):
                await request.do_request(f"http://127.0.0.1:{port}/bot1:x/getMe", "POST")
        with pytest.raises(NetworkError) as refused:
            await request.do_request(f"http://127.0.0.1:{free_port()}/bot1:x/getMe", "POST")
        assert not isinstance(refused.value, TimedOut)
        await request.shutdown()

    asyncio.run(main())

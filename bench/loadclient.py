"""An out-of-process HTTP load client (raw asyncio sockets, keep-alive); prints ONE JSON object.

Sends Telegram-shaped updates (`POST /webhooks/telegram`, one update_id each, `--women` chats) or
empty posts (any other path) to `--url` (given several times: connections take them in turn, as a
load balancer would). Closed loop (`--rate 0`): `--connections` requests in
flight at all times. Open loop (`--rate R`): request i is due at start + i/R whatever the server
does, and its latency counts from that moment, so queueing is measured, not hidden.

python bench/loadclient.py --url http://127.0.0.1:8080/webhooks/telegram --requests 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def update(n: int, women: int, first_id: int) -> bytes:
    """Her n-th message: a private text message from one of `women` chats."""
    chat = 700_000_000 + n % women
    person = {"id": chat, "is_bot": False, "first_name": "W", "language_code": "fr"}
    body = {
        "update_id": first_id + n,
        "message": {
            "message_id": n + 1,
            "from": person,
            "chat": {"id": chat, "first_name": "W", "type": "private"},
            "date": 1741533000,
            "text": "/start" if n < women else "menu",
        },
    }
    return json.dumps(body).encode()


def request(host: str, path: str, body: bytes, secret: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"{SECRET_HEADER}: {secret}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


def target(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80, parts.path


async def run(args: argparse.Namespace) -> dict[str, object]:
    targets = [target(url) for url in args.url]
    telegram = targets[0][2].endswith("/webhooks/telegram")
    payloads = [
        update(n, args.women, args.first_id) if telegram else b"{}" for n in range(args.requests)
    ]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(args.requests):
        queue.put_nowait(n)
    start = time.perf_counter()

    async def connection(index: int) -> None:
        host, port, path = targets[index % len(targets)]
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while not queue.empty():
                n = queue.get_nowait()
                due = start + n / args.rate if args.rate else time.perf_counter()
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(request(f"{host}:{port}", path, payloads[n], args.secret))
                status = await read_response(reader)
                latencies.append(time.perf_counter() - due)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(connection(index) for index in range(args.connections)))
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(ordered[-1] * 1000, 2),
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, action="append")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rate", type=float, default=0.0, help="0: closed loop")
    parser.add_argument("--women", type=int, default=500)
    parser.add_argument("--first-id", type=int, default=1)
    parser.add_argument("--secret", default="")
    args = parser.parse_args()
    try:
        from uvloop import new_event_loop as factory
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        print(json.dumps(runner.run(run(args))))


if __name__ == "__main__":
    main()

"""A real HTTP receiver for webhooks on loopback: a minimal HTTP/1.1 server (plain asyncio, like
the SMS gateway of tests/delivery) that keeps every request's raw body and headers and answers
the statuses it is told, in order (the last one repeats)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    answers: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    """Seconds to wait before answering (to make two senders overlap)."""
    port: int = 0
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/hooks/fairs"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")[:-2]
            _, path, _ = request_line.split(" ", 2)
            headers = {name.strip().lower(): value.strip()
                       for name, value in (line.split(":", 1) for line in header_lines)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.received.append(Received(path, headers, body))
            status = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            if self.delay:
                await asyncio.sleep(self.delay)
            writer.write(f"HTTP/1.1 {status} Answer\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".encode())
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def receiver(*answers: int, delay: float = 0.0) -> AsyncIterator[Receiver]:
    """A receiver on a free loopback port in this test's event loop."""
    made = Receiver(list(answers) or [200], delay)
    server = await asyncio.start_server(made.serve, HOST, 0)
    made.port = server.sockets[0].getsockname()[1]
    try:
        yield made
    finally:
        server.close()
        await server.wait_closed()

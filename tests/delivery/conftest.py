"""Real servers on loopback for the senders: an SMTP server (aiosmtpd) and a minimal HTTP
server standing in for the SMS gateway. No database: nothing here is autouse."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"


@dataclass
class Arrival:
    """One message as the SMTP server accepted it."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    encrypted: bool
    authenticated: bool


@dataclass
class Mailbox:
    """aiosmtpd handler: keeps what arrives; refuses recipients by the start of the address
    (``nobody@``: 550, no such user; ``busy@``: 451, try later)."""

    arrivals: list[Arrival] = field(default_factory=list)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes) and envelope.mail_from is not None
        self.arrivals.append(Arrival(
            mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), content=envelope.content,
            encrypted=server.transport.get_extra_info("ssl_object") is not None,  # type: ignore[union-attr]
            authenticated=bool(session.authenticated),
        ))
        return "250 Message accepted for delivery"


@dataclass
class MailServer:
    port: int
    mailbox: Mailbox


def credentials_check(login: str, password: str) -> Callable[..., AuthResult]:
    def authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            login.encode(), password.encode())
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself

    return authenticator


@asynccontextmanager
async def mail_server(*, implicit_tls: ssl.SSLContext | None = None, **options: Any) -> AsyncIterator[MailServer]:
    """An SMTP server in this test's event loop on a free loopback port."""
    mailbox = Mailbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(mailbox, hostname="mx.fairs.test", loop=loop, **options), HOST, 0, ssl=implicit_tls)
    port = server.sockets[0].getsockname()[1]
    try:
        yield MailServer(port, mailbox)
    finally:
        server.close()
        await server.wait_closed()


def closed_port() -> int:
    """A loopback port nobody listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
    return port


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """Accepts connections and never says a word (a hung server: the client must time out)."""
    connections: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)

    server = await asyncio.start_server(hold, HOST, 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def loopback_certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", f"subjectAltName=IP:{HOST}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return Certificate(cert, key)


# --- the SMS gateway -------------------------------------------------------------------------


@dataclass
class GatewayRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Gateway:
    """A minimal HTTP/1.1 server: records each request, answers ``status`` with a JSON body."""

    port: int = 0
    status: int = 200
    requests: list[GatewayRequest] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/v1/sms"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")[:-2]
            method, path, _ = request_line.split(" ", 2)
            headers = {name.strip().lower(): value.strip()
                       for name, value in (line.split(":", 1) for line in header_lines)}
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(GatewayRequest(method, path, headers, json.loads(raw) if raw else None))
            answer = json.dumps({"ok": 200 <= self.status < 300}).encode()
            writer.write(
                f"HTTP/1.1 {self.status} Gateway\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(answer)}\r\nConnection: close\r\n\r\n".encode() + answer)
            await writer.drain()
        finally:
            writer.close()


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    gateway = Gateway()
    server = await asyncio.start_server(gateway.serve, HOST, 0)
    gateway.port = server.sockets[0].getsockname()[1]
    yield gateway
    server.close()
    await server.wait_closed()

"""Senders that deliver outbox rows for real: e-mail over SMTP (calendar invitations as iMIP,
RFC 6047) and text messages through an HTTP gateway, many attendees never reading e-mail.

Every sender follows :class:`fairs.services.outbox.Sender`: ``send`` returns when the channel
has accepted the message and raises otherwise. It raises :class:`TransientDeliveryError`
when trying again later may work (server down, timeouts, 4xx SMTP replies, 5xx or 429 from
the gateway, refused credentials) and :class:`PermanentDeliveryError` when this message will
never be accepted (recipient refused with 5xx, message rejected, malformed row). Error
messages carry status codes only: no addresses, phone numbers or bodies.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import parseaddr
from pathlib import Path
from typing import Literal, Protocol

import httpx

from fairs.core import imip
from fairs.services.context import SYSTEM_CLOCK, Clock
from fairs.services.outbox import FolderSender, Sender

SmtpSecurity = Literal["none", "starttls", "tls"]
SMTP_SECURITY: tuple[SmtpSecurity, ...] = ("none", "starttls", "tls")
CalendarToken = Callable[[Mapping[str, object]], Awaitable[str | None]]
"""Gives the token of the short calendar link ``{public_base_url}/c/{token}`` for an outbox
row with a calendar attachment, or ``None`` for no link (tokens are designed with feeds)."""

_CJK = re.compile(r"[\u4e00-\u9fff]")
_RETRY_STATUSES = frozenset({401, 403, 408, 425, 429})  # our credentials, or the gateway busy


class DeliveryError(Exception):
    """The channel did not accept the message."""


class TransientDeliveryError(DeliveryError):
    """Not accepted now; the same message may be accepted later (the outbox retries it)."""


class PermanentDeliveryError(DeliveryError):
    """This message will never be accepted as it is; retrying it is pointless."""


# --- e-mail ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand e-mail over. ``security``: ``tls`` (implicit TLS, usually port
    465), ``starttls`` (usually 587) or ``none`` (a relay on the same host or network only)."""

    host: str
    port: int = 587
    security: SmtpSecurity = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    mail_from: str = "fairs-noreply@example.org"
    timeout: float = 30.0


class SmtpSender:
    """Sends ``email`` outbox rows over SMTP, one message per row (one recipient).

    A row with a calendar attachment becomes an iMIP invitation (:func:`fairs.core.imip.
    invitation_email`) whose method is the one in the row's ``attachment_type``; a row
    without one becomes a plain text-and-HTML message. The Message-ID derives from the row's
    idempotency key, so a row sent twice (at-least-once delivery) is recognisably one message.
    smtplib runs in a worker thread; ``timeout`` bounds each network operation.
    """

    def __init__(self, settings: SmtpSettings, *, clock: Clock = SYSTEM_CLOCK,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        if settings.security not in SMTP_SECURITY:
            raise ValueError(f"security must be one of {', '.join(SMTP_SECURITY)}, not {settings.security!r}")
        self.settings = settings
        self.clock = clock
        self.ssl_context = ssl_context
        self.from_address = parseaddr(settings.mail_from)[1]
        local, at, self.domain = self.from_address.rpartition("@")
        if not (local and at and self.domain):
            raise ValueError("mail_from must be an e-mail address")

    def compose(self, message: Mapping[str, object]) -> EmailMessage:
        """The e-mail for one outbox row; :class:`PermanentDeliveryError` if the row cannot be one."""
        body = str(message.get("body") or "")
        subject = str(message.get("subject") or "") or next((line for line in body.splitlines() if line.strip()), "")
        attachment = str(message.get("attachment") or "")
        calendar = attachment.encode("utf-8") if attachment else None
        method: str | None = None
        if calendar is not None:
            content_type = Message()
            content_type["Content-Type"] = str(message.get("attachment_type") or "")
            if content_type.get_content_type() != "text/calendar":
                raise PermanentDeliveryError("an e-mail attachment must be text/calendar")
            raw_method = content_type.get_param("method")
            method = raw_method if isinstance(raw_method, str) else None
        try:
            return imip.invitation_email(
                sender=self.settings.mail_from, recipient=str(message.get("recipient") or ""), subject=subject,
                text=body, html=None, calendar=calendar, method=method,
                message_id_key=str(message["idempotency_key"]), domain=self.domain, sent_at=self.clock.now(),
            )
        except imip.InvalidInvitation as error:
            raise PermanentDeliveryError(f"the outbox row is not a valid e-mail ({error.field})") from error

    async def send(self, message: dict[str, object]) -> None:
        mail = self.compose(message)
        recipient = parseaddr(str(message["recipient"]))[1]
        await asyncio.to_thread(self._hand_over, mail, recipient)

    def _hand_over(self, mail: EmailMessage, recipient: str) -> None:
        settings = self.settings
        try:
            if settings.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                        context=self._context())
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            with client:
                client.ehlo()
                if settings.security == "starttls":
                    client.starttls(context=self._context())
                    client.ehlo()
                if settings.username:
                    client.login(settings.username, settings.password)
                client.send_message(mail, from_addr=self.from_address, to_addrs=[recipient])
        except (smtplib.SMTPException, OSError) as error:
            raise _smtp_failure(error) from error

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()


def _smtp_failure(error: smtplib.SMTPException | OSError) -> DeliveryError:
    """Only the server's verdict on this recipient or this message is permanent; refused
    credentials or sender, missing STARTTLS and network trouble are fixed by waiting or by
    configuration, after which the waiting messages go out."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted(code for code, _ in error.recipients.values())
        if codes and all(500 <= code < 600 for code in codes):
            return PermanentDeliveryError(f"the SMTP server refused the recipient ({codes[0]})")
        return TransientDeliveryError(f"the SMTP server deferred the recipient ({codes[0] if codes else '?'})")
    if isinstance(error, smtplib.SMTPDataError) and 500 <= error.smtp_code < 600:
        return PermanentDeliveryError(f"the SMTP server rejected the message ({error.smtp_code})")
    if isinstance(error, smtplib.SMTPResponseException):
        return TransientDeliveryError(f"the SMTP server answered {error.smtp_code} ({type(error).__name__})")
    return TransientDeliveryError(f"SMTP delivery failed: {type(error).__name__}")


# --- text messages -----------------------------------------------------------------------


def calendar_link(public_base_url: str, token: str) -> str:
    """The short link to a calendar file: ``{public_base_url}/c/{token}``."""
    return f"{public_base_url.rstrip('/')}/c/{token}"


class SmsGatewaySender:
    """Sends ``sms`` outbox rows by POSTing ``{"to": phone, "text": ...}`` as JSON to an HTTP
    gateway, with ``Authorization: Bearer <token>`` (when a token is set) and the row's
    idempotency key as ``Idempotency-Key``, so a gateway that honours it sends a retried row once.

    The text is the row's body (it already says what and when in plain words); a row with a
    calendar attachment also gets the short link to its ``.ics`` when ``calendar_token`` gives
    a token. Any 2xx is success; 5xx, 401, 403, 408, 425, 429, redirects and network errors
    are transient; other 4xx (e.g. a number the gateway refuses) are permanent.
    Pass ``client`` to reuse one connection pool across sends (the caller closes it).
    """

    def __init__(self, url: str, token: str, public_base_url: str, *, calendar_token: CalendarToken | None = None,
                 timeout: float = 10.0, client: httpx.AsyncClient | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("the SMS gateway URL must start with http:// or https://")
        self.url = url
        self.token = token
        self.public_base_url = public_base_url
        self.calendar_token = calendar_token
        self.timeout = timeout
        self.client = client

    async def text_of(self, message: Mapping[str, object]) -> str:
        """The message as sent: the body, then the calendar link on its own line if there is one."""
        body = str(message.get("body") or "").strip()
        if not message.get("attachment") or self.calendar_token is None:
            return body
        token = await self.calendar_token(message)
        if not token:
            return body
        label = "加入日历：" if _CJK.search(body) or not body else "Add to calendar: "
        return f"{body}\n{label}{calendar_link(self.public_base_url, token)}"

    async def send(self, message: dict[str, object]) -> None:
        payload = {"to": str(message["recipient"]), "text": await self.text_of(message)}
        headers = {"Idempotency-Key": str(message["idempotency_key"])}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            if self.client is not None:
                answer = await self.client.post(self.url, json=payload, headers=headers, timeout=self.timeout)
            else:
                async with httpx.AsyncClient(timeout=self.timeout) as client:
                    answer = await client.post(self.url, json=payload, headers=headers)
        except httpx.HTTPError as error:
            raise TransientDeliveryError(f"the SMS gateway could not be reached: {type(error).__name__}") from error
        status = answer.status_code
        if 200 <= status < 300:
            return
        if 400 <= status < 500 and status not in _RETRY_STATUSES:
            raise PermanentDeliveryError(f"the SMS gateway refused the message ({status})")
        raise TransientDeliveryError(f"the SMS gateway answered {status}")


# --- routing and configuration ---------------------------------------------------------------


class RoutingSender:
    """Hands each outbox row to the sender of its channel (``email`` or ``sms``)."""

    def __init__(self, *, email: Sender, sms: Sender) -> None:
        self.routes: dict[str, Sender] = {"email": email, "sms": sms}

    async def send(self, message: dict[str, object]) -> None:
        sender = self.routes.get(str(message.get("channel")))
        if sender is None:
            raise PermanentDeliveryError(f"no sender for channel {message.get('channel')!r}")
        await sender.send(message)


class DeliveryConfig(Protocol):
    """The plain values :func:`senders_from` needs (``fairs.settings.Settings`` once it has them)."""

    @property
    def smtp_host(self) -> str: ...
    @property
    def smtp_port(self) -> int: ...
    @property
    def smtp_security(self) -> str: ...
    @property
    def smtp_username(self) -> str: ...
    @property
    def smtp_password(self) -> str: ...
    @property
    def mail_from(self) -> str: ...
    @property
    def sms_gateway_url(self) -> str: ...
    @property
    def sms_gateway_token(self) -> str: ...
    @property
    def public_base_url(self) -> str: ...
    @property
    def var_dir(self) -> Path: ...


def senders_from(config: DeliveryConfig, *, calendar_token: CalendarToken | None = None,
                 clock: Clock = SYSTEM_CLOCK) -> RoutingSender:
    """The sender for the outbox: SMTP when ``smtp_host`` is set and the gateway when
    ``sms_gateway_url`` is set; a channel without either writes files under
    ``var_dir/outbox`` instead (development: nothing leaves the machine).
    Raises ``ValueError`` naming the ``FAIRS_*`` variable for an invalid value."""
    folder = FolderSender(config.var_dir / "outbox")
    email: Sender = folder
    sms: Sender = folder
    if config.smtp_host:
        if config.smtp_security not in SMTP_SECURITY:
            raise ValueError(f"FAIRS_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, "
                             f"got {config.smtp_security!r}")
        if not 1 <= config.smtp_port <= 65535:
            raise ValueError(f"FAIRS_SMTP_PORT must be between 1 and 65535, got {config.smtp_port}")
        if "@" not in parseaddr(config.mail_from)[1]:
            raise ValueError("FAIRS_MAIL_FROM must be an e-mail address (optionally with a name)")
        email = SmtpSender(SmtpSettings(
            host=config.smtp_host, port=config.smtp_port, security=config.smtp_security,
            username=config.smtp_username, password=config.smtp_password, mail_from=config.mail_from,
        ), clock=clock)
    if config.sms_gateway_url:
        if not config.sms_gateway_url.startswith(("http://", "https://")):
            raise ValueError("FAIRS_SMS_GATEWAY_URL must start with http:// or https://")
        sms = SmsGatewaySender(config.sms_gateway_url, config.sms_gateway_token, config.public_base_url,
                               calendar_token=calendar_token)
    return RoutingSender(email=email, sms=sms)

"""The real senders against real servers on loopback: what the SMTP server and the SMS
gateway receive is parsed back and checked whole; failures are told apart (retry or give up)."""

from __future__ import annotations

import email
import smtplib
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import vobject
from icalendar import Calendar

from fairs.core.imip import calendar_content_type, message_id
from fairs.services.context import FixedClock
from fairs.services.delivery import (
    PermanentDeliveryError,
    RoutingSender,
    SmsGatewaySender,
    SmtpSender,
    SmtpSettings,
    TransientDeliveryError,
    senders_from,
)
from fairs.services.outbox import FolderSender
from tests.delivery.conftest import (
    HOST,
    Arrival,
    Certificate,
    Gateway,
    credentials_check,
    mail_server,
    silent_server,
)
from tests.delivery.conftest import (
    closed_port as free_closed_port,
)
from tests.unit.test_ics_samples import Form, file_of

FROM = "株洲市人社局 <fairs@hrss.zhuzhou.example.cn>"
DOMAIN = "hrss.zhuzhou.example.cn"
UID = "3f1c9a7e-5b2d-4c11-9f0e-6a8b2d1c4e70@fairs"
CLOCK = FixedClock(datetime(2027, 3, 1, 12, 15, tzinfo=UTC))
SMS_TEXT = ("【就业服务】您有一场面试：株洲中车时代电气股份有限公司（维修电工），03-11 09:30，"
            "株洲市2027年“311”就业服务节。")


def row(**changes: Any) -> dict[str, object]:
    """An outbox row as deliver_pending hands it to a sender."""
    values: dict[str, object] = {
        "id": 1, "idempotency_key": "interview-invite:17:0:email", "channel": "email",
        "recipient": "wangfang@example.com", "subject": "面试邀请：株洲中车时代电气股份有限公司 · 维修电工",
        "body": "王芳您好：\n您有一场面试，3月11日 09:30。", "attachment": "", "attachment_type": "",
        "attempts": 0, "last_error": "", "created_at": CLOCK.now(), "sent_at": None,
    }
    return values | changes


def invitation_row(form: Form, **changes: Any) -> dict[str, object]:
    method = "CANCEL" if form == "cancel" else "REQUEST"
    return row(**({"idempotency_key": f"interview-invite:17:{form}:email",
                   "attachment": file_of("interview", form).decode(),
                   "attachment_type": calendar_content_type(method)} | changes))


def smtp(port: int, **changes: Any) -> SmtpSender:
    settings = SmtpSettings(**({"host": HOST, "port": port, "security": "none", "mail_from": FROM, "timeout": 5}
                               | changes))
    return SmtpSender(settings, clock=CLOCK)


def parsed(arrival: Arrival) -> EmailMessage:
    message = email.message_from_bytes(arrival.content, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def itip(message: EmailMessage) -> tuple[str, str, int, str, bytes]:
    """(Content-Type method, UID, SEQUENCE, METHOD in the file, attached invite.ics) of an invitation."""
    [inline] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    [attached] = list(message.iter_attachments())
    raw, file = inline.get_payload(decode=True), attached.get_payload(decode=True)
    assert isinstance(raw, bytes) and isinstance(file, bytes)
    calendar = Calendar.from_ical(raw)
    [event] = calendar.walk("VEVENT")
    return str(inline.get_param("method")), str(event["UID"]), int(event["SEQUENCE"]), str(calendar["METHOD"]), file


# --- e-mail over SMTP ------------------------------------------------------------------------


async def test_an_invitation_its_update_and_its_cancellation_arrive_as_one_calendar_item() -> None:
    async with mail_server() as server:
        sender = smtp(server.port)
        for form in ("request", "update", "cancel"):
            await sender.send(invitation_row(form))
    arrivals = server.mailbox.arrivals
    assert [(a.mail_from, a.rcpt_tos) for a in arrivals] == [
        ("fairs@hrss.zhuzhou.example.cn", ["wangfang@example.com"])] * 3
    messages = [parsed(a) for a in arrivals]
    assert [itip(m)[:4] for m in messages] == [
        ("REQUEST", UID, 0, "REQUEST"), ("REQUEST", UID, 1, "REQUEST"), ("CANCEL", UID, 2, "CANCEL")]
    assert [itip(m)[4] for m in messages] == [file_of("interview", f) for f in ("request", "update", "cancel")]
    assert [m["Message-ID"] for m in messages] == [
        message_id(f"interview-invite:17:{form}:email", DOMAIN) for form in ("request", "update", "cancel")]
    first = messages[0]
    assert (first["From"], first["To"], first["Subject"], first["Date"]) == (
        FROM, "wangfang@example.com", "面试邀请：株洲中车时代电气股份有限公司 · 维修电工",
        "Mon, 01 Mar 2027 12:15:00 +0000")
    assert first.get_body(("plain",)).get_content() == "王芳您好：\r\n您有一场面试，3月11日 09:30。\r\n"  # type: ignore[union-attr]
    # what vobject (and so Evolution/Radicale-style readers) makes of the cancellation
    cancelled = vobject.readOne(itip(messages[2])[4].decode("utf-8"))
    assert (cancelled.method.value, cancelled.vevent.status.value, cancelled.vevent.sequence.value) == (
        "CANCEL", "CANCELLED", "2")


async def test_a_row_sent_twice_arrives_twice_as_the_same_message() -> None:
    """At-least-once delivery: a resend after a lost acknowledgement carries the same
    Message-ID, so mail programs show it once."""
    async with mail_server() as server:
        sender = smtp(server.port)
        await sender.send(invitation_row("request"))
        await sender.send(invitation_row("request"))
    first, second = (parsed(a) for a in server.mailbox.arrivals)
    assert first["Message-ID"] == second["Message-ID"] == message_id("interview-invite:17:request:email", DOMAIN)


async def test_a_row_without_calendar_arrives_as_text_and_html() -> None:
    async with mail_server() as server:
        await smtp(server.port).send(row(idempotency_key="participation:3:approved", subject="招聘会参会审核结果",
                                         body="您的参会申请已通过。"))
    [message] = [parsed(a) for a in server.mailbox.arrivals]
    assert [p.get_content_type() for p in message.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    assert (message["Subject"], message.get_body(("plain",)).get_content()) == (  # type: ignore[union-attr]
        "招聘会参会审核结果", "您的参会申请已通过。\r\n")


async def test_smtp_server_down_is_a_transient_error() -> None:
    with pytest.raises(TransientDeliveryError) as caught:
        await smtp(free_closed_port()).send(invitation_row("request"))
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)


async def test_a_server_that_never_answers_times_out_as_a_transient_error() -> None:
    async with silent_server() as port:
        with pytest.raises(TransientDeliveryError) as caught:
            await smtp(port, timeout=0.3).send(invitation_row("request"))
    # smtplib reports the timeout as a disconnection caused by it
    assert isinstance(caught.value.__cause__, smtplib.SMTPServerDisconnected)
    assert isinstance(caught.value.__cause__.__context__, TimeoutError)


async def test_an_unknown_recipient_550_is_permanent_and_nothing_arrives() -> None:
    async with mail_server() as server:
        with pytest.raises(PermanentDeliveryError, match=r"refused the recipient \(550\)") as caught:
            await smtp(server.port).send(invitation_row("request", recipient="nobody@example.com"))
    assert server.mailbox.arrivals == []
    assert "nobody" not in str(caught.value)  # no personal data in what gets logged


async def test_a_temporary_recipient_failure_451_is_transient() -> None:
    async with mail_server() as server:
        with pytest.raises(TransientDeliveryError, match=r"deferred the recipient \(451\)"):
            await smtp(server.port).send(invitation_row("request", recipient="busy@example.com"))
    assert server.mailbox.arrivals == []


async def test_a_row_whose_attachment_type_disagrees_with_its_calendar_is_permanent() -> None:
    async with mail_server() as server:
        with pytest.raises(PermanentDeliveryError, match=r"\(method\)"):
            await smtp(server.port).send(invitation_row("cancel", attachment_type=calendar_content_type("REQUEST")))
        with pytest.raises(PermanentDeliveryError, match="must be text/calendar"):
            await smtp(server.port).send(invitation_row("request", attachment_type="application/pdf"))
    assert server.mailbox.arrivals == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_credentials_are_presented_and_wrong_ones_are_transient() -> None:
    """Refused credentials are the operator's to fix; the messages wait for that."""
    options = {"authenticator": credentials_check("fairs", "s3cret"), "auth_required": True,
               "auth_require_tls": False}
    async with mail_server(**options) as server:
        await smtp(server.port, username="fairs", password="s3cret").send(invitation_row("request"))
        with pytest.raises(TransientDeliveryError, match="535"):
            await smtp(server.port, username="fairs", password="wrong").send(invitation_row("update"))
        with pytest.raises(TransientDeliveryError, match="530"):
            await smtp(server.port).send(invitation_row("update"))
    assert [(a.authenticated, itip(parsed(a))[2]) for a in server.mailbox.arrivals] == [(True, 0)]


async def test_starttls_encrypts_before_the_message_and_its_absence_is_transient(
        loopback_certificate: Certificate) -> None:
    async with mail_server(tls_context=loopback_certificate.server_context(), require_starttls=True) as server:
        sender = SmtpSender(SmtpSettings(host=HOST, port=server.port, security="starttls", mail_from=FROM, timeout=5),
                            clock=CLOCK, ssl_context=loopback_certificate.client_context())
        await sender.send(invitation_row("request"))
        with pytest.raises(TransientDeliveryError, match="530"):  # plain text refused by the server
            await smtp(server.port).send(invitation_row("update"))
        with pytest.raises(TransientDeliveryError) as caught:  # a certificate the client does not trust
            await smtp(server.port, security="starttls").send(invitation_row("update"))
        assert isinstance(caught.value.__cause__, ssl.SSLCertVerificationError)
    async with mail_server() as plain:
        with pytest.raises(TransientDeliveryError, match="SMTPNotSupportedError"):
            await smtp(plain.port, security="starttls").send(invitation_row("update"))
    assert [(a.encrypted, itip(parsed(a))[2]) for a in server.mailbox.arrivals] == [(True, 0)]
    assert plain.mailbox.arrivals == []


async def test_implicit_tls_delivers(loopback_certificate: Certificate) -> None:
    async with mail_server(implicit_tls=loopback_certificate.server_context()) as server:
        sender = SmtpSender(SmtpSettings(host=HOST, port=server.port, security="tls", mail_from=FROM, timeout=5),
                            clock=CLOCK, ssl_context=loopback_certificate.client_context())
        await sender.send(invitation_row("cancel"))
    assert [(a.encrypted, itip(parsed(a))[:3]) for a in server.mailbox.arrivals] == [(True, ("CANCEL", UID, 2))]


# --- text messages through the gateway -------------------------------------------------------


def sms_row(**changes: Any) -> dict[str, object]:
    return row(**({"idempotency_key": "interview-invite:18:0:sms", "channel": "sms", "recipient": "13812345678",
                   "subject": "", "body": SMS_TEXT} | changes))


async def token_of(message: Mapping[str, object]) -> str | None:
    return "k7Qp2x" if message["idempotency_key"] == "interview-invite:18:0:sms" else None


async def test_the_gateway_receives_the_text_with_the_bearer_token(gateway: Gateway) -> None:
    await SmsGatewaySender(gateway.url, "gw-token-123", "https://fairs.example.cn").send(sms_row())
    [request] = gateway.requests
    assert (request.method, request.path, request.body) == ("POST", "/v1/sms", {"to": "13812345678", "text": SMS_TEXT})
    assert (request.headers["authorization"], request.headers["content-type"], request.headers["idempotency-key"]) == (
        "Bearer gw-token-123", "application/json", "interview-invite:18:0:sms")


async def test_a_text_with_a_calendar_carries_the_short_link(gateway: Gateway) -> None:
    sender = SmsGatewaySender(gateway.url, "gw-token-123", "https://fairs.example.cn/", calendar_token=token_of)
    await sender.send(sms_row(attachment=file_of("interview", "request").decode(),
                              attachment_type=calendar_content_type("REQUEST")))
    await sender.send(sms_row(body="fairs: interview with CRRC on 03-11 09:30.", attachment="BEGIN:VCALENDAR"))
    await sender.send(sms_row(idempotency_key="seat-offer:4", attachment="BEGIN:VCALENDAR"))  # no token: no link
    assert [r.body["text"] for r in gateway.requests] == [
        f"{SMS_TEXT}\n加入日历：https://fairs.example.cn/c/k7Qp2x",
        "fairs: interview with CRRC on 03-11 09:30.\nAdd to calendar: https://fairs.example.cn/c/k7Qp2x",
        SMS_TEXT,
    ]


@pytest.mark.parametrize("status", [500, 502, 503, 429, 401])
async def test_a_busy_or_failing_gateway_is_a_transient_error(gateway: Gateway, status: int) -> None:
    gateway.status = status
    with pytest.raises(TransientDeliveryError, match=f"answered {status}"):
        await SmsGatewaySender(gateway.url, "gw-token-123", "https://fairs.example.cn").send(sms_row())
    assert len(gateway.requests) == 1


@pytest.mark.parametrize("status", [400, 422])
async def test_a_gateway_that_refuses_the_message_is_a_permanent_error(gateway: Gateway, status: int) -> None:
    gateway.status = status
    with pytest.raises(PermanentDeliveryError, match=f"refused the message \\({status}\\)"):
        await SmsGatewaySender(gateway.url, "gw-token-123", "https://fairs.example.cn").send(sms_row())


async def test_an_unreachable_gateway_is_a_transient_error() -> None:
    sender = SmsGatewaySender(f"http://{HOST}:{free_closed_port()}/v1/sms", "t", "https://fairs.example.cn")
    with pytest.raises(TransientDeliveryError, match="ConnectError"):
        await sender.send(sms_row())


# --- routing and configuration -----------------------------------------------------------


async def test_each_channel_goes_to_its_own_sender(gateway: Gateway) -> None:
    async with mail_server() as server:
        router = RoutingSender(email=smtp(server.port),
                               sms=SmsGatewaySender(gateway.url, "gw-token-123", "https://fairs.example.cn"))
        await router.send(sms_row())
        await router.send(invitation_row("request"))
        with pytest.raises(PermanentDeliveryError, match="no sender for channel 'fax'"):
            await router.send(row(channel="fax"))
    assert [r.body["to"] for r in gateway.requests] == ["13812345678"]
    assert [a.rcpt_tos for a in server.mailbox.arrivals] == [["wangfang@example.com"]]


def config(**changes: Any) -> SimpleNamespace:
    values = {"smtp_host": "", "smtp_port": 587, "smtp_security": "starttls", "smtp_username": "",
              "smtp_password": "", "mail_from": FROM, "sms_gateway_url": "", "sms_gateway_token": "",
              "public_base_url": "https://fairs.example.cn", "var_dir": Path("/nonexistent/var")}
    return SimpleNamespace(**(values | changes))


def test_unconfigured_channels_write_files_and_configured_ones_send() -> None:
    plain = senders_from(config())
    assert [type(s) for s in plain.routes.values()] == [FolderSender, FolderSender]
    real = senders_from(config(smtp_host="smtp.example.cn", smtp_port=465, smtp_security="tls", smtp_username="u",
                               smtp_password="p", sms_gateway_url="https://sms.example.cn/send",
                               sms_gateway_token="t"))
    email_sender, sms_sender = real.routes["email"], real.routes["sms"]
    assert isinstance(email_sender, SmtpSender) and isinstance(sms_sender, SmsGatewaySender)
    assert email_sender.settings == SmtpSettings(host="smtp.example.cn", port=465, security="tls", username="u",
                                                 password="p", mail_from=FROM)
    assert (sms_sender.url, sms_sender.token, sms_sender.public_base_url) == (
        "https://sms.example.cn/send", "t", "https://fairs.example.cn")


@pytest.mark.parametrize(("changes", "variable"), [
    ({"smtp_host": "smtp.example.cn", "smtp_security": "ssl"}, "FAIRS_SMTP_SECURITY"),
    ({"smtp_host": "smtp.example.cn", "smtp_port": 0}, "FAIRS_SMTP_PORT"),
    ({"smtp_host": "smtp.example.cn", "mail_from": "fairs"}, "FAIRS_MAIL_FROM"),
    ({"sms_gateway_url": "sms.example.cn/send"}, "FAIRS_SMS_GATEWAY_URL"),
])
def test_an_invalid_value_names_its_variable(changes: dict[str, Any], variable: str) -> None:
    with pytest.raises(ValueError, match=variable):
        senders_from(config(**changes))


@pytest.mark.parametrize("settings", [
    SmtpSettings(host=HOST, mail_from="fairs"),
    SmtpSettings(host=HOST, mail_from="株洲市人社局 <@example.cn>"),
    SmtpSettings(host=HOST, mail_from=FROM, security="ssl"),  # type: ignore[arg-type]
])
def test_an_smtp_sender_needs_a_sender_address_and_a_known_security(settings: SmtpSettings) -> None:
    with pytest.raises(ValueError):
        SmtpSender(settings)

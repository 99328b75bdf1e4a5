"""Calendar invitations by e-mail (iMIP, RFC 6047): one message per recipient.

Pure: only the standard library's ``email``; the send time, if any, is passed in.

Shape of every invitation (as Google Calendar and Outlook write theirs, so every calendar
program offers "accept / decline" and applies updates and cancellations)::

    multipart/mixed
      multipart/alternative
        text/plain; charset=utf-8                      the message in words
        text/html; charset=utf-8                       the same, as HTML
        text/calendar; method=REQUEST; charset=UTF-8   the iTIP object (no Content-Disposition)
      application/ics; name=invite.ics                 the same bytes, as a file to keep
        (Content-Disposition: attachment)

A calendar without METHOD (a plain download, not an iTIP message) is only attached; the
alternative part then holds text and HTML. Without a calendar the message is just the
``multipart/alternative`` of text and HTML.
"""

from __future__ import annotations

import hashlib
import html as html_text
import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses

from fairs.core.errors import InvalidInput

ATTACHMENT_NAME = "invite.ics"
ITIP_METHODS = ("PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER", "DECLINECOUNTER")

_MAILBOX = re.compile(r"[^\s@\"<>;:,\\()\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_NAME = re.compile(r"[A-Za-z0-9-]+")
_FOLD = re.compile(r"\r?\n[ \t]")


class InvalidInvitation(InvalidInput, ValueError):
    """The parts of an invitation do not fit together; ``field`` names the part.

    Also a ``ValueError``: callers that build from stored data treat it as a bug.
    """


def method_of(calendar: bytes) -> str | None:
    """The METHOD of a VCALENDAR (upper case), or ``None`` when it has none.

    Reads only the calendar's own properties: a METHOD inside a component does not count.
    Lines are unfolded first (RFC 5545 §3.1). Raises :class:`InvalidInvitation` for bytes
    that are not UTF-8, do not start with ``BEGIN:VCALENDAR``, or carry more than one METHOD.
    Cost: linear in the size of the calendar.
    """
    try:
        text = calendar.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise _invalid("calendar", "calendar must be UTF-8") from error
    lines = _FOLD.sub("", text).splitlines()
    if not lines or lines[0].strip().upper() != "BEGIN:VCALENDAR":
        raise _invalid("calendar", "calendar must start with BEGIN:VCALENDAR")
    depth = 0
    methods: list[str] = []
    for line in lines:
        name = _NAME.match(line)
        if name is None:
            continue
        key = name.group().upper()
        if key == "BEGIN":
            depth += 1
        elif key == "END":
            depth -= 1
        elif key == "METHOD" and depth == 1:
            methods.append(line.partition(":")[2].strip().upper())
    if len(methods) > 1:
        raise _invalid("calendar", "calendar carries more than one METHOD")
    return methods[0] if methods else None


def message_id(key: str, domain: str) -> str:
    """``<first 32 hex digits of sha256(key)@domain>``: the same key always gives the same id,
    so a re-sent outbox row is recognisably the same message. The key itself is not revealed."""
    if not key:
        raise _invalid("message_id_key", "message_id_key must not be empty")
    if not _DOMAIN.fullmatch(domain):
        raise _invalid("domain", f"domain must be a host name, not {domain!r}")
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{domain.lower()}>"


def invitation_email(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None,
    calendar: bytes | None,
    method: str | None,
    message_id_key: str,
    domain: str,
    sent_at: datetime | None = None,
) -> EmailMessage:
    """Build the e-mail for one recipient (shape in the module docstring).

    * ``method`` (case-insensitive, written upper case) must equal the calendar's own METHOD,
      both or neither: the ``Content-Type: text/calendar; method=...`` of the inline part is
      what calendar programs act on, and a mismatch makes them ignore or misapply it. A
      method without a calendar is refused too.
    * The calendar's bytes are carried unchanged (base64), twice: inline and as ``invite.ics``.
    * Text and HTML parts are UTF-8 (base64); without ``html`` the HTML part is ``text``
      escaped, one line per line.
    * ``Message-ID`` is :func:`message_id` of ``message_id_key`` and ``domain``; the MIME
      boundaries derive from the key too, so the same arguments give the same bytes.
    * ``Subject`` is one line (whitespace runs, line breaks included, become one space) and
      is written with RFC 2047 encoded words when not ASCII, so it reaches any server.
    * ``Date`` is ``sent_at`` when given (timezone-aware); this module never reads a clock.

    ``sender`` and ``recipient`` are single mailboxes, optionally with a display name
    (``"名字 <a@b.cn>"``). Raises :class:`InvalidInvitation` naming the field otherwise.
    The message uses the ``email.policy.SMTP`` policy (CRLF line ends).
    """
    _mailbox(sender, "sender")
    _mailbox(recipient, "recipient")
    subject = " ".join(subject.split())
    if not subject:
        raise _invalid("subject", "subject must not be empty")
    if sent_at is not None and (sent_at.tzinfo is None or sent_at.utcoffset() is None):
        raise _invalid("sent_at", "sent_at must be timezone-aware")
    written = method_of(calendar) if calendar is not None else None
    wanted = method.strip().upper() if method is not None else None
    if wanted is not None and calendar is None:
        raise _invalid("method", "a method needs a calendar")
    if wanted is not None and wanted not in ITIP_METHODS:
        raise _invalid("method", f"method must be an iTIP method ({', '.join(ITIP_METHODS)}), not {method!r}")
    if wanted != written:
        raise _invalid("method", f"method {wanted or 'none'} does not match the calendar's METHOD {written or 'none'}")

    mail = EmailMessage(policy=SMTP)
    mail["From"] = sender
    mail["To"] = recipient
    mail["Subject"] = subject
    mail["Message-ID"] = message_id(message_id_key, domain)
    if sent_at is not None:
        mail["Date"] = format_datetime(sent_at)
    mail.set_content(text, subtype="plain", charset="utf-8", cte="base64")
    mail.add_alternative(html if html is not None else _as_html(text), subtype="html", charset="utf-8",
                         cte="base64")
    if wanted is not None:
        mail.add_alternative(calendar, maintype="text", subtype="calendar", cte="base64")
        [*_, inline] = mail.iter_parts()
        inline.replace_header("Content-Type", calendar_content_type(wanted))
    tag = hashlib.sha256(message_id_key.encode("utf-8")).hexdigest()[:24]
    mail.set_boundary(f"=_fairs.alt.{tag}")  # no base64 line starts with "--": no part can hold it
    if calendar is not None:
        mail.add_attachment(calendar, maintype="application", subtype="ics", cte="base64",
                            filename=ATTACHMENT_NAME, params={"name": ATTACHMENT_NAME})
        mail.set_boundary(f"=_fairs.mixed.{tag}")
    for part in mail.walk():
        if part is not mail:
            del part["MIME-Version"]  # the email package repeats it on every part; only the top needs it
    return mail


def calendar_content_type(method: str) -> str:
    """``text/calendar; method=<METHOD>; charset=UTF-8``: the Content-Type of an iTIP part
    (and of an outbox row's calendar attachment)."""
    return f"text/calendar; method={method.strip().upper()}; charset=UTF-8"


def _as_html(text: str) -> str:
    lines = "<br>\n".join(html_text.escape(line) for line in text.splitlines())
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body><p>{lines}</p></body></html>\n'


def _mailbox(value: str, field: str) -> None:
    """One mailbox, optionally with a display name; nothing else on the line."""
    if "\r" in value or "\n" in value:
        raise _invalid(field, f"{field} must be one line")
    parsed = getaddresses([value])
    if len(parsed) != 1 or not _MAILBOX.fullmatch(parsed[0][1]):
        raise _invalid(field, f"{field} must be one e-mail address")


def _invalid(field: str, message: str) -> InvalidInvitation:
    return InvalidInvitation(message, field=field, code="invalid_invitation")

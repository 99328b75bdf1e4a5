"""Specification of calendar invitations by e-mail (fairs.core.imip, RFC 6047), checked by
parsing the message bytes back as a mail program would."""

from __future__ import annotations

import email
import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
import vobject
from icalendar import Calendar

from fairs.core.errors import InvalidInput
from fairs.core.imip import InvalidInvitation, calendar_content_type, invitation_email, message_id, method_of
from tests.unit.test_ics_samples import FORMS, KINDS, Form, file_of

SUBJECT = "面试邀请：株洲中车时代电气股份有限公司 · 维修电工（持证上岗），3月11日 09:30，株洲国际会展中心 A03 展位"
TEXT = "王芳您好：\n您有一场面试，3月11日 09:30，株洲国际会展中心 A03 展位。\n请带好签到码。"
KEY = "interview-invite:17:0:email"
DOMAIN = "hrss.zhuzhou.example.cn"


def invitation(**changes: Any) -> EmailMessage:
    arguments: dict[str, Any] = {
        "sender": "株洲市人社局 <fairs@hrss.zhuzhou.example.cn>",
        "recipient": "王芳 <wangfang@example.com>",
        "subject": SUBJECT,
        "text": TEXT,
        "html": None,
        "calendar": file_of("interview", "request"),
        "method": "REQUEST",
        "message_id_key": KEY,
        "domain": DOMAIN,
        "sent_at": datetime(2027, 3, 1, 12, 15, tzinfo=UTC),
    }
    return invitation_email(**(arguments | changes))


def parsed(message: EmailMessage) -> EmailMessage:
    """The message as a receiving mail program sees it."""
    raw = message.as_bytes()
    assert raw.isascii(), "every header and part is 7-bit: any server relays it"
    received = email.message_from_bytes(raw, policy=default)
    assert isinstance(received, EmailMessage)
    return received


def tree(message: EmailMessage) -> list[tuple[str, str | None, dict[str, str]]]:
    """Each part in order: content type, disposition and parameters other than the boundary."""
    return [
        (part.get_content_type(), part.get_content_disposition(),
         {k: v for k, v in part.get_params()[1:] if k != "boundary"})  # type: ignore[index]
        for part in message.walk()
    ]


def calendar_parts(message: EmailMessage) -> tuple[bytes, bytes]:
    """(the inline text/calendar part, the attached invite.ics), decoded."""
    [inline] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    [attached] = list(message.iter_attachments())
    inline_bytes, attached_bytes = inline.get_payload(decode=True), attached.get_payload(decode=True)
    assert isinstance(inline_bytes, bytes) and isinstance(attached_bytes, bytes)
    return inline_bytes, attached_bytes


def method_of_form(form: Form) -> str:
    return "CANCEL" if form == "cancel" else "REQUEST"


# --- the shape of an invitation ------------------------------------------------------------


def test_an_invitation_is_text_html_and_calendar_as_alternatives_plus_the_file_attached() -> None:
    assert tree(parsed(invitation())) == [
        ("multipart/mixed", None, {}),
        ("multipart/alternative", None, {}),
        ("text/plain", None, {"charset": "utf-8"}),
        ("text/html", None, {"charset": "utf-8"}),
        ("text/calendar", None, {"method": "REQUEST", "charset": "UTF-8"}),
        ("application/ics", "attachment", {"name": "invite.ics"}),
    ]


def test_the_calendar_travels_unchanged_inline_and_as_invite_ics() -> None:
    received = parsed(invitation())
    assert calendar_parts(received) == (file_of("interview", "request"), file_of("interview", "request"))
    [attached] = list(received.iter_attachments())
    assert attached.get_filename() == "invite.ics"


@pytest.mark.parametrize("form", [f for f in FORMS if f != "download"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_content_type_method_equals_the_calendars_method(kind: str, form: Form) -> None:
    raw = file_of(kind, form)
    received = parsed(invitation(calendar=raw, method=method_of_form(form)))
    [inline] = [p for p in received.walk() if p.get_content_type() == "text/calendar"]
    inline_bytes, _ = calendar_parts(received)
    assert (inline.get_param("method"), str(Calendar.from_ical(inline_bytes)["METHOD"])) == (
        method_of_form(form), method_of_form(form))


def test_the_method_may_be_given_in_any_case_and_is_written_in_upper_case() -> None:
    [inline] = [p for p in parsed(invitation(method=" request ")).walk() if p.get_content_type() == "text/calendar"]
    assert inline.get_param("method") == "REQUEST"


def test_the_content_type_of_an_itip_part_is_written_as_the_outbox_stores_it() -> None:
    assert calendar_content_type("cancel") == "text/calendar; method=CANCEL; charset=UTF-8"


def test_the_calendar_part_reads_in_icalendar_and_in_vobject() -> None:
    inline_bytes, attached_bytes = calendar_parts(parsed(invitation(calendar=file_of("interview", "update"))))
    [event] = Calendar.from_ical(inline_bytes).walk("VEVENT")
    assert (str(event["UID"]), int(event["SEQUENCE"]), str(event["ATTENDEE"])) == (
        "3f1c9a7e-5b2d-4c11-9f0e-6a8b2d1c4e70@fairs", 1, "mailto:wangfang@example.com")
    card = vobject.readOne(attached_bytes.decode("utf-8"))
    assert (card.method.value, card.vevent.uid.value, card.vevent.sequence.value) == (
        "REQUEST", "3f1c9a7e-5b2d-4c11-9f0e-6a8b2d1c4e70@fairs", "1")
    assert card.vevent.dtstart.value == datetime(2027, 3, 11, 2, 0, tzinfo=UTC)


def test_a_calendar_without_method_is_attached_but_not_offered_as_an_invitation() -> None:
    download = file_of("interview", "download")
    received = parsed(invitation(calendar=download, method=None))
    assert tree(received) == [
        ("multipart/mixed", None, {}),
        ("multipart/alternative", None, {}),
        ("text/plain", None, {"charset": "utf-8"}),
        ("text/html", None, {"charset": "utf-8"}),
        ("application/ics", "attachment", {"name": "invite.ics"}),
    ]
    [attached] = list(received.iter_attachments())
    assert attached.get_payload(decode=True) == download


def test_without_a_calendar_the_message_is_text_and_html() -> None:
    received = parsed(invitation(calendar=None, method=None, html="<p>审核通过</p>"))
    assert tree(received) == [
        ("multipart/alternative", None, {}),
        ("text/plain", None, {"charset": "utf-8"}),
        ("text/html", None, {"charset": "utf-8"}),
    ]
    # text parts travel in canonical form: CRLF line ends (RFC 2046)
    assert received.get_body(("html",)).get_content() == "<p>审核通过</p>\r\n"  # type: ignore[union-attr]


# --- text, headers and identity ------------------------------------------------------------


def test_text_and_escaped_html_carry_the_message_in_chinese() -> None:
    received = parsed(invitation(text="面试 <现场> & “签到”\n第二行"))
    assert received.get_body(("plain",)).get_content() == "面试 <现场> & “签到”\r\n第二行\r\n"  # type: ignore[union-attr]
    assert received.get_body(("html",)).get_content() == (  # type: ignore[union-attr]
        '<!DOCTYPE html>\r\n<html><head><meta charset="utf-8"></head><body>'
        "<p>面试 &lt;现场&gt; &amp; “签到”<br>\r\n第二行</p></body></html>\r\n"
    )


def test_a_chinese_subject_and_names_round_trip_through_encoded_words() -> None:
    message = invitation(subject=SUBJECT + "\r\n  （第二行）")
    raw = message.as_bytes()
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in header_block and "面试".encode() not in header_block
    received = parsed(message)
    assert (received["Subject"], received["From"], received["To"]) == (
        SUBJECT + " （第二行）",
        "株洲市人社局 <fairs@hrss.zhuzhou.example.cn>",
        "王芳 <wangfang@example.com>",
    )


def test_message_id_derives_from_the_key_so_a_resent_row_is_the_same_message() -> None:
    expected = f"<{hashlib.sha256(KEY.encode()).hexdigest()[:32]}@{DOMAIN}>"
    first, again = invitation(), invitation()
    assert (parsed(first)["Message-ID"], parsed(again)["Message-ID"]) == (expected, expected)
    assert first.as_bytes() == again.as_bytes()
    assert parsed(invitation(message_id_key="interview-invite:17:1:email"))["Message-ID"] != expected
    assert message_id(KEY, DOMAIN) == expected


def test_the_date_is_the_given_send_time_and_absent_without_one() -> None:
    assert parsed(invitation())["Date"] == "Mon, 01 Mar 2027 12:15:00 +0000"
    assert parsed(invitation(sent_at=None))["Date"] is None


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "field"), [
    ({"method": "CANCEL"}, "method"),  # the file says REQUEST
    ({"method": None}, "method"),  # the file says REQUEST
    ({"calendar": file_of("interview", "cancel"), "method": "REQUEST"}, "method"),
    ({"calendar": file_of("interview", "download"), "method": "REQUEST"}, "method"),
    ({"calendar": None, "method": "REQUEST"}, "method"),
    ({"method": "INVITE"}, "method"),
    ({"calendar": b"not a calendar"}, "calendar"),
    ({"recipient": "wangfang@example.com, li@example.com"}, "recipient"),
    ({"recipient": "wangfang"}, "recipient"),
    ({"recipient": "wangfang@example.com\r\nBcc: x@example.com"}, "recipient"),
    ({"sender": ""}, "sender"),
    ({"subject": " \n "}, "subject"),
    ({"message_id_key": ""}, "message_id_key"),
    ({"domain": "bad domain>"}, "domain"),
    ({"sent_at": datetime(2027, 3, 1, 12, 15)}, "sent_at"),
])
def test_parts_that_do_not_fit_together_are_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInvitation) as caught:
        invitation(**changes)
    assert caught.value.field == field
    assert isinstance(caught.value, InvalidInput) and isinstance(caught.value, ValueError)


def test_a_method_mismatch_says_both_methods() -> None:
    with pytest.raises(InvalidInvitation, match="method CANCEL does not match the calendar's METHOD REQUEST"):
        invitation(method="CANCEL")


# --- method_of -----------------------------------------------------------------------------


@pytest.mark.parametrize(("form", "expected"), [("request", "REQUEST"), ("update", "REQUEST"),
                                                ("cancel", "CANCEL"), ("download", None)])
def test_method_of_reads_the_calendars_own_method(form: Form, expected: str | None) -> None:
    assert method_of(file_of("training_cohort", form)) == expected


def test_method_of_ignores_a_method_inside_a_component_and_unfolds_lines() -> None:
    raw = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nMETHOD:PUBLISH\r\nEND:VEVENT\r\n"
           b"METH\r\n OD:can\r\n cel\r\nEND:VCALENDAR\r\n")
    assert method_of(raw) == "CANCEL"


@pytest.mark.parametrize("raw", [
    b"",
    b"BEGIN:VEVENT\r\nEND:VEVENT\r\n",
    b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n",
    b"BEGIN:VCALENDAR\r\nSUMMARY:\xff\r\nEND:VCALENDAR\r\n",
])
def test_method_of_refuses_what_is_not_one_calendar(raw: bytes) -> None:
    with pytest.raises(InvalidInvitation) as caught:
        method_of(raw)
    assert caught.value.field == "calendar"

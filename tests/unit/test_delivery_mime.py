"""The reminder email as sent (compliance.delivery.mime_message and send_email): the MIME
structure, headers and attachment, read back the way a mail client reads them."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any

import pytest

from compliance import clients
from compliance.delivery import mime_message, send_email
from compliance.mail import Attachment, RenderedEmail

SENDER = "reminders@compliance.example.cn"
RECIPIENT = "compliance@fuzhou-motors.example.cn"
SENT_AT = datetime(2026, 10, 9, 0, 30, tzinfo=UTC)
CSV = (
    "\ufeff对象,义务,到期日\r\n"
    "车辆 LFZCE4CB6P0000024,上传销售溯源信息,2026-09-30\r\n"
    "'=1+1,上传生产溯源信息,2026-10-10\r\n"
).encode()
EMAIL = RenderedEmail(
    subject="新能源汽车动力电池合规提醒：1项已逾期（福州新能源汽车有限公司，2026-10-09）",
    text="新能源汽车动力电池合规提醒\n1项已逾期。\n",
    html="<!DOCTYPE html><html><body><p>新能源汽车动力电池合规提醒</p></body></html>\n",
    attachments=(
        Attachment(
            filename="reminders-91350100M000100Y43-2026-10-09.csv",
            content_type="text/csv; charset=utf-8",
            data=CSV,
        ),
    ),
)


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_the_message_has_date_message_id_and_the_subject_in_its_headers() -> None:
    # Given a rendered email
    # When it is made a MIME message sent at a known time
    message = parsed(mime_message(SENDER, RECIPIENT, EMAIL, sent_at=SENT_AT))
    # Then it has every header a mail client and a spam filter expect
    assert message["Date"] == "Fri, 09 Oct 2026 00:30:00 +0000"
    assert message["Date"].datetime == SENT_AT
    message_id = message["Message-ID"]
    assert message_id.startswith("<")
    assert message_id.endswith("@compliance.example.cn>")
    assert message["Subject"] == EMAIL.subject
    assert message["To"] == RECIPIENT
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["MIME-Version"] == "1.0"
    # And raw headers are 7-bit ASCII (the Chinese is encoded)
    raw = mime_message(SENDER, RECIPIENT, EMAIL, sent_at=SENT_AT)
    head = raw.split(b"\n\n", 1)[0]
    assert head.isascii()


def test_the_date_keeps_the_time_zone_it_is_given_and_a_naive_time_is_refused() -> None:
    # Given a time in Beijing time, and one without a time zone
    beijing = datetime(2026, 10, 9, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    # When each is used as the sending time
    message = parsed(mime_message(SENDER, RECIPIENT, EMAIL, sent_at=beijing))
    # Then the Date header states that instant, and a naive time is refused
    assert message["Date"] == "Fri, 09 Oct 2026 08:30:00 +0800"
    with pytest.raises(ValueError, match="no time zone"):
        mime_message(SENDER, RECIPIENT, EMAIL, sent_at=datetime(2026, 10, 9, 8, 30))  # noqa: DTZ001


def test_each_message_has_its_own_message_id() -> None:
    # Given the same email made a message twice
    first = parsed(mime_message(SENDER, RECIPIENT, EMAIL, sent_at=SENT_AT))
    second = parsed(mime_message(SENDER, RECIPIENT, EMAIL, sent_at=SENT_AT))
    # Then the two Message-IDs differ (a client threads or deduplicates by it)
    assert first["Message-ID"] != second["Message-ID"]


def test_the_body_is_text_and_html_alternatives_beside_the_attachment() -> None:
    # Given a rendered email with a CSV attachment
    # When it is made a MIME message
    message = parsed(mime_message(SENDER, RECIPIENT, EMAIL, sent_at=SENT_AT))
    # Then it is multipart/mixed: the alternatives (text first, HTML last) and the attachment
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert attachment.get_content_type() == "text/csv"
    text, page = alternative.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert page.get_content_type() == "text/html"
    assert text.get_content() == EMAIL.text
    assert page.get_content() == EMAIL.html
    # And the body a client picks is the HTML
    body = message.get_body(preferencelist=("html", "plain"))
    assert body is not None
    assert body.get_content() == EMAIL.html


def test_the_attachment_arrives_with_its_name_and_exact_bytes() -> None:
    # Given a rendered email with a CSV attachment
    # When it is made a MIME message and read back
    message = parsed(mime_message(SENDER, RECIPIENT, EMAIL, sent_at=SENT_AT))
    (attachment,) = message.iter_attachments()
    # Then the attachment is a base64 text/csv file with its name and exactly its bytes (byte
    # order mark and CRLF line ends included)
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "reminders-91350100M000100Y43-2026-10-09.csv"
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_content_charset() == "utf-8"
    assert attachment["Content-Transfer-Encoding"] == "base64"
    assert attachment.get_payload(decode=True) == CSV


def test_a_file_name_that_is_not_ascii_is_encoded_for_any_client() -> None:
    # Given an attachment whose file name is Chinese
    named = RenderedEmail(
        subject=EMAIL.subject,
        text=EMAIL.text,
        html=EMAIL.html,
        attachments=(Attachment("提醒清单-2026-10-09.csv", "text/csv; charset=utf-8", CSV),),
    )
    # When it is made a MIME message
    raw = mime_message(SENDER, RECIPIENT, named, sent_at=SENT_AT)
    # Then the raw header carries it in RFC 2231 form, and a client reads it back whole
    assert b"filename*=utf-8''%E6%8F%90%E9%86%92" in raw
    (attachment,) = parsed(raw).iter_attachments()
    assert attachment.get_filename() == "提醒清单-2026-10-09.csv"
    assert attachment.get_payload(decode=True) == CSV


def test_parts_take_the_smaller_encoding_and_read_back_exactly() -> None:
    # Given a part that is mostly Chinese and one that is mostly ASCII
    chinese = "新能源汽车动力电池合规提醒：2项已逾期，1项今天到期。\n" * 40
    english = '<p style="margin:0;">NEV battery compliance: 2 overdue</p>\n' * 40
    # When they are made a MIME message
    message = parsed(
        mime_message(
            SENDER,
            RECIPIENT,
            RenderedEmail(subject="x", text=chinese, html=english),
            sent_at=SENT_AT,
        )
    )
    text, page = message.iter_parts()
    # Then the Chinese goes base64 (quoted-printable would triple it), the ASCII
    # quoted-printable, and each reads back exactly
    assert text["Content-Transfer-Encoding"] == "base64"
    assert page["Content-Transfer-Encoding"] == "quoted-printable"
    assert text.get_content() == chinese
    assert page.get_content() == english


def test_an_email_without_attachments_is_just_the_alternatives() -> None:
    # Given a rendered email with nothing attached
    bare = RenderedEmail(subject=EMAIL.subject, text=EMAIL.text, html=EMAIL.html)
    # When it is made a MIME message
    message = parsed(mime_message(SENDER, RECIPIENT, bare, sent_at=SENT_AT))
    # Then it is multipart/alternative with the text and the HTML
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert list(message.iter_attachments()) == []


class FakeSes:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def send_email(self, **request: Any) -> dict[str, str]:
        self.calls.append(request)
        return {"MessageId": "0100018f-ses-id"}


def test_send_email_sends_the_raw_message_dated_now_through_ses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given SES (a stand-in that records the request) and a sender address
    ses = FakeSes()
    monkeypatch.setattr(clients, "client", lambda service: ses)
    # When the email is sent from the sender address
    message_id = send_email(SENDER, RECIPIENT, EMAIL, SENT_AT)
    # Then SES receives the raw MIME message, dated now and with its attachment, and its id is
    # returned
    assert message_id == "0100018f-ses-id"
    (request,) = ses.calls
    assert request["FromEmailAddress"] == SENDER
    assert request["Destination"] == {"ToAddresses": [RECIPIENT]}
    sent = parsed(request["Content"]["Raw"]["Data"])
    assert sent["Date"].datetime == SENT_AT
    (attachment,) = sent.iter_attachments()
    assert attachment.get_payload(decode=True) == CSV

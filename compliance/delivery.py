"""Talking to the messaging services: the reminder queue (SQS) and email (SES v2).

The clients are compliance/clients.py's. Failures leave as DeliveryError with a flag that says
whether retrying can help (throttling, a service hiccup) or not (a rejected address).
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import format_datetime, formataddr, make_msgid
from functools import partial
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from compliance import clients

if TYPE_CHECKING:  # the sweep, which only enqueues, need not load the renderer
    from compliance.mail import RenderedEmail

_RETRYABLE = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "ServiceUnavailable",
    "InternalFailure",
    "LimitExceededException",
}


class DeliveryError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def _error(what: str, error: Exception) -> DeliveryError:
    code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
    return DeliveryError(f"{what} failed: {error}", retryable=code in _RETRYABLE or not code)


def queue(url: str) -> Callable[[Sequence[dict[str, Any]]], None]:
    """What puts reminder tasks on the queue at ``url`` (the `Enqueue` the sweep, gathers and
    rescheduling pages are given)."""
    return partial(enqueue_to, url)


def enqueue_to(url: str, messages: Sequence[dict[str, Any]]) -> None:
    """Put reminder tasks on the queue at ``url``, ten to a call (SQS's batch limit); a message
    SQS refuses fails the whole call, so the caller's retry puts it again (the tasks are
    idempotent)."""
    for start in range(0, len(messages), 10):
        entries = [
            {"Id": str(n), "MessageBody": json.dumps(message, sort_keys=True)}
            for n, message in enumerate(messages[start : start + 10])
        ]
        try:
            response = clients.client("sqs").send_message_batch(QueueUrl=url, Entries=entries)
        except (ClientError, BotoCoreError) as error:
            raise _error("enqueueing reminder tasks", error) from error
        if failed := response.get("Failed"):
            codes = ", ".join(sorted({str(f.get("Code")) for f in failed}))
            raise DeliveryError(
                f"enqueueing reminder tasks failed for {len(failed)} of {len(entries)} ({codes})",
                retryable=True,
            )


def _content_type(value: str) -> tuple[str, str, dict[str, str]]:
    """A Content-Type value split: `text/csv; charset=utf-8` is text, csv, {charset: utf-8}."""
    header = Message()
    header["Content-Type"] = value
    params = {str(k): str(v) for k, v in header.get_params(failobj=[])[1:]}
    return header.get_content_maintype(), header.get_content_subtype(), params


def _transfer_encoding(text: str) -> str:
    """The smaller 7-bit encoding of `text` (SES takes 7-bit parts only): quoted-printable for
    text that is mostly ASCII (English, markup), base64 for text that is mostly Chinese, which
    quoted-printable triples. Gmail clips an HTML part past about 102 KB, so the encoded size
    counts too."""
    data = text.encode("utf-8")
    quoted = len(binascii.b2a_qp(data))
    base64 = (len(data) + 2) // 3 * 4 * 77 // 76  # with a line break every 76 characters
    return "quoted-printable" if quoted <= base64 else "base64"


def mime_message(sender: str, recipient: str, email: RenderedEmail, *, sent_at: datetime) -> bytes:
    """The email as sent: UTF-8, headers encoded for any mail client, parts in the smaller
    7-bit transfer encoding.

    multipart/mixed holding multipart/alternative (plain text, then HTML: clients show the last
    part they can) and each attachment, base64, its file name in RFC 2231 form when it is not
    ASCII; multipart/alternative alone when there is nothing attached. `Date` is `sent_at`
    (which must carry its time zone) and `Message-ID` is unique, on the sender's domain.
    """
    if sent_at.tzinfo is None or sent_at.utcoffset() is None:
        raise ValueError(f"sent_at {sent_at.isoformat()} has no time zone")
    message = EmailMessage()
    message["From"] = formataddr(("NEV battery compliance / 动力电池合规", sender))
    message["To"] = recipient
    message["Subject"] = email.subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(email.text, cte=_transfer_encoding(email.text))
    message.add_alternative(email.html, subtype="html", cte=_transfer_encoding(email.html))
    for attachment in email.attachments:
        maintype, subtype, params = _content_type(attachment.content_type)
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    return message.as_bytes()


def mailer(sender: str) -> Callable[[str, RenderedEmail, datetime], str]:
    """What sends digests from ``sender`` (the `Send` deliveries are given)."""
    return partial(send_email, sender)


def send_email(sender: str, recipient: str, email: RenderedEmail, now: datetime) -> str:
    """Send one email from ``sender`` through SES v2 (raw content, so that attachments go too);
    returns SES's message id."""
    raw = mime_message(sender, recipient, email, sent_at=now)
    try:
        response = clients.client("sesv2").send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": [recipient]},
            Content={"Raw": {"Data": raw}},
        )
    except (ClientError, BotoCoreError) as error:
        raise _error(f"sending the digest to {recipient}", error) from error
    return str(response["MessageId"])

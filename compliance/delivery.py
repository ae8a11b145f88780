"""Talking to the messaging services: the reminder queue (SQS) and email (SES v2).

Each client is made once per process. Failures leave as DeliveryError with a flag that says
whether retrying can help (throttling, a service hiccup) or not (a rejected address).
"""

from __future__ import annotations

import json
import os
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import cache
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

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


@cache
def _client(service: str) -> Any:
    return boto3.client(service)


def enqueue_job(job_id: str) -> None:
    """Put one digest job on the reminder queue (the message carries only the job's id)."""
    try:
        _client("sqs").send_message(
            QueueUrl=os.environ["REMINDER_QUEUE_URL"], MessageBody=json.dumps({"job": job_id})
        )
    except (ClientError, BotoCoreError) as error:
        raise _error("enqueueing a reminder job", error) from error


def mime_message(sender: str, recipient: str, subject: str, text: str, html: str) -> bytes:
    """The email as sent: multipart/alternative, UTF-8, headers encoded for any mail client."""
    message = EmailMessage()
    message["From"] = formataddr(("NEV battery compliance / 动力电池合规", sender))
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    return message.as_bytes()


def send_email(recipient: str, subject: str, text: str, html: str) -> str:
    """Send one email through SES v2; returns SES's message id."""
    sender = os.environ.get("SES_SENDER", "reminders@example.cn")
    raw = mime_message(sender, recipient, subject, text, html)
    try:
        response = _client("sesv2").send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": [recipient]},
            Content={"Raw": {"Data": raw}},
        )
    except (ClientError, BotoCoreError) as error:
        raise _error(f"sending the digest to {recipient}", error) from error
    return str(response["MessageId"])

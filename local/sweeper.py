"""Run the daily sweep and send its reminders on the local stack, as AWS would.

`run(today)` invokes functions/sweep.py with the event EventBridge Scheduler sends, then plays
the SQS event source: it receives the queued jobs and invokes functions/remind.py with real SQS
batch events, deleting the messages the function reports as done. Every email SES accepted is
written to the outbox (git-ignored) as `.eml` (the exact message) and `.html` (its HTML part)
so that a person can open them.
"""

from __future__ import annotations

import email
import json
import os
import re
from datetime import UTC, date, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import boto3

from local.calls import function_settings

OUTBOX = Path(__file__).resolve().parent.parent / "outbox"
ACCOUNT = "123456789012"


def schedule_event(today: date) -> dict[str, Any]:
    """What the ScheduleV2 target receives: the schedule's Input, here naming the day."""
    return {"today": today.isoformat()}


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """An SQS event source batch as Lambda's poller builds it."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-1"),
            }
            for m in messages
        ]
    }


def _sent_messages() -> list[Any]:
    from moto.ses.models import ses_backends

    region = os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-1")
    return list(ses_backends[ACCOUNT][region].sent_messages)


def run(parameters: dict[str, str]) -> dict[str, Any]:
    """The control behind `POST /_local/sweep?today=YYYY-MM-DD` (and `make sweep`)."""
    from functions.remind import handler as remind
    from functions.sweep import handler as sweep

    raw = parameters.get("today") or datetime.now(UTC).date().isoformat()
    try:
        today = date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"today must be a date like 2026-10-12; got {raw!r}") from None
    before = len(_sent_messages())
    report = sweep(schedule_event(today), function_settings("SweepFunction").context())
    sqs = boto3.client("sqs")
    url = os.environ["REMINDER_QUEUE_URL"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    failures: list[str] = []
    while True:
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = received.get("Messages", [])
        if not messages:
            break
        result = remind(sqs_event(messages, arn), function_settings("RemindFunction").context())
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        failures.extend(failed)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        if failed and not done:
            break  # only failures left: they come back after the visibility timeout
    sent = _sent_messages()[before:]
    written = _write_outbox(today, sent)
    return {
        "sweep": report,
        "emails": len(sent),
        "failed_messages": failures,
        "outbox": str(OUTBOX / today.isoformat()),
        "files": [str(p) for p in written],
    }


def _write_outbox(today: date, messages: list[Any]) -> list[Path]:
    folder = OUTBOX / today.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for message in messages:
        raw = getattr(message, "raw_data", None)
        if raw is None:
            continue
        parsed = email.message_from_string(raw)
        recipient = str(parsed.get("To", "unknown"))
        name = re.sub(r"[^A-Za-z0-9@._-]", "_", f"{recipient}--{message.id[:12]}")
        eml = folder / f"{name}.eml"
        eml.write_text(raw, encoding="utf-8")
        written.append(eml)
        html = _html_part(parsed)
        if html is not None:
            page = folder / f"{name}.html"
            page.write_text(html, encoding="utf-8")
            written.append(page)
    return written


def _html_part(message: Message) -> str | None:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8")
    return None


def main() -> int:
    """`python -m local.sweeper --today 2026-10-12`: ask the running stack to sweep."""
    import argparse
    import urllib.request

    parser = argparse.ArgumentParser(prog="python -m local.sweeper")
    parser.add_argument("--today", help="the China date to sweep (default: today)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 3000))
    args = parser.parse_args()
    query = f"?today={args.today}" if args.today else ""
    request = urllib.request.Request(
        f"http://127.0.0.1:{args.port}/_local/sweep{query}", data=b"", method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            result = json.loads(response.read())
    except OSError as error:
        print(f"sweep: is the local stack running (make run) on port {args.port}? {error}")
        return 1
    report = result["sweep"]
    print(
        f"swept {report['sweep_date']} (horizon to {report['horizon_end']}): "
        f"{report['items_read']} open obligations read, {report['marked_overdue']} marked overdue, "
        f"{report['reminders_due']} reminders due, {report['jobs_enqueued']} digests queued"
    )
    print(f"sent {result['emails']} emails; outbox: {result['outbox']}")
    for path in result["files"]:
        print(f"  {path}")
    if result["failed_messages"]:
        print(f"{len(result['failed_messages'])} messages failed and will be retried")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

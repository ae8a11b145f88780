"""The reminder Lambda: an SQS batch of reminder tasks in, partial batch failures out.

A message is an enterprise's gather task for a day (read what is due, freeze it, move the
schedule, queue a job per contact), one contact's digest job (send it once), or one page of the
rescheduling a calendar load queued (move the deadlines of up to 200 open obligations, record
the page, queue the next). A duplicate delivery of finished work is a success that does
nothing. A failure is reported for that message only, so SQS retries it alone; a message that
can never succeed ends in the dead-letter queue after the retries.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from msgspec.structs import asdict

from compliance.delivery import mailer, queue
from compliance.services.reminders import DeliverJob, deliver, gather, task_of
from compliance.store.calendars import current_calendar
from compliance.store.rescheduling import Page, run_page
from functions.settings import remind_settings

logger = Logger()
metrics = Metrics()
# A batch whose every message failed is still a list of failures for SQS to retry, not a
# crashed invocation: the function-errors alarm is kept for real crashes.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
# A task started with less time than this left is handed back to the queue instead: the
# largest enterprise's gather or digest, and a rescheduling page (a few seconds), take well
# under it, and a timeout mid-task would fail the whole batch.
TIME_NEEDED_MS = 90_000


class OutOfTimeError(Exception):
    """Too little of the invocation is left to start this task; the queue brings it back."""


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    task = task_of(record.body)
    if lambda_context is not None and lambda_context.get_remaining_time_in_millis() < (
        TIME_NEEDED_MS
    ):
        raise OutOfTimeError(f"message {record.message_id} left for the next invocation")
    now = datetime.now(UTC)
    settings = remind_settings()
    enqueue = queue(settings.queue_url)
    if isinstance(task, Page):
        page = run_page(task, calendar=current_calendar(), now=now, enqueue=enqueue)
        logger.info("calendar load rescheduled a page", extra=asdict(page))
        for name, value in (
            ("RescheduleExamined", page.examined),
            ("RescheduleMoved", page.moved),
            ("RescheduleConfirmed", page.confirmed),
        ):
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        return
    if isinstance(task, DeliverJob):
        outcome = deliver(
            task.job,
            now=now,
            calendar=current_calendar(),
            send=mailer(settings.sender),
            rules=settings.rules,
            link_template=settings.link_template,
        )
        logger.info(
            "reminder job",
            extra={
                "job": outcome.job_id,
                "outcome": outcome.outcome,
                "obligations": outcome.obligations,
            },
        )
        name = f"Digests{outcome.outcome.title().replace('_', '')}"
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        return
    gathered = gather(
        task.day, task.enterprise, now=now, calendar=current_calendar(), enqueue=enqueue
    )
    report = asdict(gathered) | {"sweep_date": task.day.isoformat()}
    logger.info("reminders gathered", extra=report)
    for name, value in (
        ("ObligationsRead", gathered.items_read),
        ("RemindersDue", gathered.reminders_due),
        ("MarkedOverdue", gathered.marked_overdue),
        ("JobsEnqueued", gathered.jobs_enqueued),
        ("EnterprisesWithoutContacts", int(gathered.without_contacts)),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)

"""The reminder Lambda: an SQS batch of digest jobs in, partial batch failures out.

Each message carries a job id. A job is sent once: a duplicate delivery of a sent job is a
success that sends nothing. A failed send is reported for that message only, so SQS retries it
alone; a message that can never succeed ends in the dead-letter queue after the retries.
"""

from __future__ import annotations

import json
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

from compliance.delivery import send_email
from compliance.reminding import UnknownJobError, deliver
from compliance.store.calendars import current_calendar

logger = Logger()
metrics = Metrics()
# A batch whose every message failed is still a list of failures for SQS to retry, not a
# crashed invocation: the function-errors alarm is kept for real crashes.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def job_of(record: SQSRecord) -> str:
    try:
        job = json.loads(record.body).get("job")
    except (json.JSONDecodeError, AttributeError):
        job = None
    if not isinstance(job, str) or not job:
        raise UnknownJobError(f"message {record.message_id} names no job: {record.body[:200]!r}")
    return job


def record_handler(record: SQSRecord) -> None:
    outcome = deliver(
        job_of(record), now=datetime.now(UTC), calendar=current_calendar(), send=send_email
    )
    logger.info(
        "reminder job",
        extra={
            "job": outcome.job_id,
            "outcome": outcome.outcome,
            "obligations": outcome.obligations,
        },
    )
    metrics.add_metric(
        name=f"Digests{outcome.outcome.title().replace('_', '')}", unit=MetricUnit.Count, value=1
    )


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)

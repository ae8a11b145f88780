"""The export Lambda: one export queue message in (an export to write), partial batch failures
out.

The message names an export; its record says what list it holds. The run reads that list page
by page, writes the file and marks the export READY (compliance/store/exports.py); a duplicate
delivery of finished work does nothing. A run that fails is queued again once and then marked
FAILED; a message that cannot even be recorded so is reported failed, comes back after the
queue's visibility timeout, and ends in the dead-letter queue after its retries.
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
from msgspec.json import decode
from msgspec.structs import asdict

from compliance.store.exports import Task, produce
from functions.settings import export_settings

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
# What a run keeps in hand after its last page: closing the file (zipping an XLSX of a million
# rows takes about 15 s) and uploading it. With less left, the file ends there with a note.
TIME_NEEDED_MS = 120_000


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    settings = export_settings()

    def out_of_time() -> bool:
        if lambda_context is None:
            return False
        return lambda_context.get_remaining_time_in_millis() < TIME_NEEDED_MS

    produced = produce(
        decode(record.body, type=Task),
        bucket=settings.bucket,
        queue_url=settings.queue_url,
        rules=settings.rules,
        clock=lambda: datetime.now(UTC),
        out_of_time=out_of_time,
    )
    logger.info("export", extra=asdict(produced))
    if produced.outcome == "written":
        metrics.add_metric(name="ExportRows", unit=MetricUnit.Count, value=produced.rows)
        metrics.add_metric(name="ExportBytes", unit=MetricUnit.Bytes, value=produced.bytes)
        metrics.add_metric(name="ExportsTruncated", unit=MetricUnit.Count, value=produced.truncated)
    metrics.add_metric(name=f"Exports{produced.outcome.title()}", unit=MetricUnit.Count, value=1)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)

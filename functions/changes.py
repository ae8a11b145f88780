"""The changes Lambda: a batch of the events and obligations tables' stream records in, each
enterprise's change feed and the changes bus out (compliance/changes.py says what a write
means, and for whom).

The bus is sent to first, then the feed appended: a batch that fails after publishing is
delivered again, publishes again (consumers deduplicate on `changeId`) and appends what it had
not; the other order could append, fail, and on redelivery find everything appended and
publish nothing. Any failure fails the batch, which the event source retries, halves and
finally sets aside in the dead-letter queue (template.yaml).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBStreamEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from compliance import bus
from compliance.changes import PUBLISHED, Change, event_changes, obligation_changes
from compliance.store import changes as feed
from functions.settings import ChangesSettings, changes_settings

logger = Logger()


def changes_of(record: DynamoDBRecord, settings: ChangesSettings, now: datetime) -> list[Change]:
    """The changes one stream record means; none for a table or write that is no change."""
    table = (record.event_source_arn or "").split(":table/", 1)[-1].split("/", 1)[0]
    stream = record.dynamodb
    if stream is None or record.event_name is None or record.event_name.name == "REMOVE":
        return []
    epoch = stream.approximate_creation_date_time
    at = datetime.fromtimestamp(epoch, UTC) if epoch is not None else now
    if table == settings.events_table and record.event_name.name == "INSERT":
        return event_changes(stream.new_image, at)
    if table == settings.obligations_table:
        return obligation_changes(stream.old_image or None, stream.new_image, at)
    return []


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext | None) -> dict[str, Any]:
    settings = changes_settings()
    now = datetime.now(UTC)
    changes = [
        change
        for record in DynamoDBStreamEvent(event).records
        for change in changes_of(record, settings, now)
    ]
    published = bus.publish(settings.bus_name, [c for c in changes if c.kind in PUBLISHED])
    appended = feed.append(changes, now)
    logger.info(
        "changes appended",
        extra={"changes": len(changes), "appended": len(appended), "published": published},
    )
    return {"changes": len(changes), "appended": len(appended), "published": published}

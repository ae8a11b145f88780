"""The tables' DynamoDB streams on the local stack: what Lambda's stream poller does on AWS (read
each shard in order, hand the changes function batches of up to 100 records in the event shape
Lambda gives it), played by a thread of the stack or called directly by tests.

Only the tables whose template declares a stream are read. A reader starts at the end of each
stream (`LATEST`) unless told to start at its beginning: the local stack starts it after its
tables were restored, whose writes are not news.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from local.calls import function_settings
from local.tables import DEFAULT_PREFIX, table_definitions

CHANGES_FUNCTION = "ChangesFunction"
BATCH_SIZE = 100  # the template's BatchSize
POLL_SECONDS = 0.5
_log = logging.getLogger("local.streams")

Handler = Callable[[dict[str, Any], Any], Any]


def invoke_changes(event: dict[str, Any], context: Any = None) -> Any:
    """The changes function on one batch, with its context as Lambda would give it."""
    from functions.changes import handler

    given: Any = context or function_settings(CHANGES_FUNCTION).context()
    return handler(event, given)


def streams_client() -> Any:
    """A DynamoDB Streams client moto answers. Botocore sends a request naming a stream to an
    account endpoint (`<account>.streams-ddb.<region>...`), which in-process moto does not
    know; the regional endpoint it does. Against the moto server, AWS_ENDPOINT_URL decides."""
    import boto3

    if os.environ.get("AWS_ENDPOINT_URL"):
        return boto3.client("dynamodbstreams")
    region = boto3.session.Session().region_name
    return boto3.client(
        "dynamodbstreams", endpoint_url=f"https://streams.dynamodb.{region}.amazonaws.com"
    )


def streamed_tables(prefix: str = DEFAULT_PREFIX) -> list[str]:
    """The names of the template's tables that have a stream."""
    return [
        f"{prefix}{logical_id}"
        for logical_id, definition in table_definitions().items()
        if definition.get("StreamSpecification")
    ]


def _lambda_record(record: dict[str, Any], arn: str) -> dict[str, Any]:
    """A record as GetRecords answers it, in the shape Lambda passes to a function."""
    stream = dict(record["dynamodb"])
    created = stream.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        stream["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": stream, "eventSourceARN": arn}


class StreamReader:
    """Each shard of each streamed table read in order, from where the last read stopped."""

    def __init__(
        self, dynamodb: Any, streams: Any, tables: Iterable[str], *, from_start: bool = False
    ) -> None:
        self._streams = streams
        self._iterators: dict[str, str] = {}
        kind = "TRIM_HORIZON" if from_start else "LATEST"
        for table in tables:
            arn = dynamodb.describe_table(TableName=table)["Table"].get("LatestStreamArn")
            if not arn:
                continue
            shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
            for shard in shards:
                iterator = streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType=kind
                )["ShardIterator"]
                self._iterators[arn] = iterator

    def deliver(self, handler: Handler = invoke_changes, context: Any = None) -> int:
        """Hand `handler` every record written since the last call, in order, as Lambda events
        of at most 100 records; how many. A batch that fails is raised and read again by the
        next call, as Lambda retries it."""
        delivered = 0
        for arn, iterator in list(self._iterators.items()):
            while True:
                answer = self._streams.get_records(ShardIterator=iterator, Limit=BATCH_SIZE)
                records = answer.get("Records", [])
                if records:
                    handler({"Records": [_lambda_record(r, arn) for r in records]}, context)
                    delivered += len(records)
                iterator = answer.get("NextShardIterator") or iterator
                self._iterators[arn] = iterator
                if len(records) < BATCH_SIZE:
                    break
        return delivered


class StreamPoller:
    """Delivers the streams' records to the changes function while the stack runs."""

    def __init__(self, reader: StreamReader, handler: Handler) -> None:
        self._reader, self._handler = reader, handler
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="table-streams", daemon=True)

    def start(self) -> StreamPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                if delivered := self._reader.deliver(self._handler):
                    _log.info("table streams: %d records delivered", delivered)
            except Exception:  # one bad batch must not stop the feed for the rest of the run
                _log.exception("table streams: delivering a batch failed; polling goes on")

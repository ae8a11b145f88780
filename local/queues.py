"""The template's SQS queues on the local stack, with their redrive policies, and the event
sources of the reminder and export queues: what Lambda's SQS poller does on AWS, played by a
thread of the stack for each."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from local.calls import function_settings
from local.sweeper import sqs_event
from local.tables import DEFAULT_PREFIX
from local.template import TEMPLATE, load_template, resources_of_type

QUEUE_TYPE = "AWS::SQS::Queue"
REMIND_FUNCTION = "RemindFunction"
EXPORT_FUNCTION = "ExportFunction"
# How long the poller waits when the queue was empty; Lambda's poller long-polls for up to 20 s.
POLL_SECONDS = 1.0
_log = logging.getLogger("local.queues")


def create_queues(client: Any, prefix: str = DEFAULT_PREFIX) -> dict[str, str]:
    """Create every queue (dead-letter queues first); logical id -> queue URL."""
    queues = resources_of_type(load_template(TEMPLATE), QUEUE_TYPE)
    urls: dict[str, str] = {}
    arns: dict[str, str] = {}
    # A queue whose redrive names another queue is created after it.
    ordered = sorted(queues, key=lambda q: "RedrivePolicy" in (queues[q].get("Properties") or {}))
    for logical_id in ordered:
        properties = dict(queues[logical_id].get("Properties") or {})
        attributes: dict[str, str] = {}
        for name in ("VisibilityTimeout", "MessageRetentionPeriod"):
            if name in properties:
                attributes[name] = str(properties[name])
        redrive = properties.get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arns[target], "maxReceiveCount": redrive["maxReceiveCount"]}
            )
        url = client.create_queue(QueueName=f"{prefix}{logical_id}", Attributes=attributes)[
            "QueueUrl"
        ]
        urls[logical_id] = url
        arns[logical_id] = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
    return urls


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def deliver_batch(
    client: Any, url: str, arn: str, handler: Handler, function: str = REMIND_FUNCTION
) -> tuple[int, int]:
    """Receive up to ten messages, invoke `handler` with them as an SQS event source batch (in
    a context of `function` as the template declares it), and delete those it did not report
    as failed (a failed one comes back after the queue's visibility timeout). How many were
    received and how many failed."""
    messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    if not messages:
        return 0, 0
    result = handler(sqs_event(messages, arn), function_settings(function).context())
    failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
    done = [m for m in messages if m["MessageId"] not in failed]
    if done:
        client.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)
            ],
        )
    return len(messages), len(failed)


class ReminderQueuePoller:
    """Delivers the reminder queue's messages to the remind function while the stack runs, so
    that work the API queues (a calendar load's rescheduling, page after page) is done as on
    AWS. A sweep (`make sweep`) drains the queue itself and writes the emails of its run to the
    outbox: it runs inside `exclusive()`, during which the poller takes nothing. Given another
    queue and `function`, it is that queue's event source (the export queue's)."""

    def __init__(
        self,
        client: Any,
        url: str,
        handler: Handler,
        function: str = REMIND_FUNCTION,
        name: str = "reminder queue",
    ) -> None:
        self._client, self._url, self._handler = client, url, handler
        self._function, self._name = function, name
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name.replace(" ", "-"), daemon=True)

    def start(self) -> ReminderQueuePoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the queue: the poller takes no message until the block ends."""
        with self._lock:
            yield

    def _run(self) -> None:
        arn = self._client.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        while not self._stop.wait(POLL_SECONDS):
            try:
                with self._lock:
                    while not self._stop.is_set():
                        received, failed = deliver_batch(
                            self._client, self._url, arn, self._handler, self._function
                        )
                        if received:
                            _log.info("%s: %d delivered, %d failed", self._name, received, failed)
                        if not received or failed == received:
                            break  # empty, or only failures left: they come back later
            except Exception:  # one bad batch must not stop the queue for the rest of the run
                _log.exception("%s: delivering a batch failed; polling goes on", self._name)

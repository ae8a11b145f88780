"""The template's EventBridge buses on the local stack, and a tap that shows what goes out on
them: a rule on each bus (as a partner would subscribe) sends every event to a local queue, and
a thread writes each one to a file and a short line to the console.

On AWS partners subscribe with their own rules (an API destination for a webhook, or another
account's bus); locally the tap is that subscriber, so a frontend or integration developer sees
exactly the events a rule would receive.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from compliance.bus import SOURCE
from local.tables import DEFAULT_PREFIX
from local.template import TEMPLATE, load_template, resources_of_type

BUS_TYPE = "AWS::Events::EventBus"
TAP = "bus-tap"
BUS_FILE = "changes-bus.jsonl"  # in the local data folder
POLL_SECONDS = 1.0
_log = logging.getLogger("local.bus")


def create_buses(client: Any, prefix: str = DEFAULT_PREFIX) -> dict[str, str]:
    """Create every bus of the template; logical id -> bus name (what `!Ref` gives)."""
    names = {}
    for logical_id in resources_of_type(load_template(TEMPLATE), BUS_TYPE):
        name = f"{prefix}{logical_id}"
        if not any(b["Name"] == name for b in client.list_event_buses()["EventBuses"]):
            client.create_event_bus(Name=name)
        names[logical_id] = name
    return names


class BusTap:
    """Every event put on the buses, appended to `path` as a JSON line and told on the console."""

    def __init__(self, events: Any, sqs: Any, buses: dict[str, str], path: Path) -> None:
        self._sqs, self._path = sqs, path
        self._queue = sqs.create_queue(QueueName=f"{DEFAULT_PREFIX}{TAP}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self._queue, AttributeNames=["QueueArn"])
        pattern = json.dumps({"source": [SOURCE]})
        for bus in buses.values():
            events.put_rule(Name=TAP, EventBusName=bus, EventPattern=pattern)
            target = {"Id": TAP, "Arn": arn["Attributes"]["QueueArn"]}
            events.put_targets(Rule=TAP, EventBusName=bus, Targets=[target])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bus-tap", daemon=True)

    def start(self) -> BusTap:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def drain(self) -> int:
        """Write out what the tap's queue holds, and one console line saying what it was; how
        many events."""
        kinds: Counter[str] = Counter()
        while messages := self._sqs.receive_message(
            QueueUrl=self._queue, MaxNumberOfMessages=10
        ).get("Messages", []):
            with self._path.open("a", encoding="utf-8") as out:
                for message in messages:
                    event = json.loads(message["Body"])
                    out.write(json.dumps(event, ensure_ascii=False) + "\n")
                    kinds[str(event.get("detail-type"))] += 1
            self._sqs.delete_message_batch(
                QueueUrl=self._queue,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(messages)
                ],
            )
        if kinds:
            said = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
            _log.info("changes bus: %s (%s)", said, self._path.name)
        return kinds.total()

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.drain()
            except Exception:  # the tap must not stop because one event could not be written
                _log.exception("bus tap: writing events failed; it goes on")

"""The template's SQS queues on the local stack, with their redrive policies."""

from __future__ import annotations

import json
from typing import Any

from local.tables import DEFAULT_PREFIX
from local.template import TEMPLATE, load_template, resources_of_type

QUEUE_TYPE = "AWS::SQS::Queue"


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

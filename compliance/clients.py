"""The boto3 clients of the services the functions send to besides DynamoDB (SQS, SES v2,
EventBridge, S3), and of those the local stack sets up: one per service and endpoint, made on
first use, all from boto3's one default session (a session of its own per client would read
botocore's endpoint and service lists again, about 0.05 s each).

boto3 is imported only when the first one is made. The API function imports the modules that
send (calendar loads enqueue rescheduling pages, exports queue their job and sign their file's
address), but few requests send, and boto3 with s3transfer and multiprocessing would add 15-20
ms to every cold start (tests/unit/test_cold_start_imports.py). Keyed by endpoint because a
local stack's moto moves between runs. `forget` drops them all: in-process moto
(local.aws.local_aws) wants clients made after it starts."""

import os
import threading
from functools import cache
from typing import Any

from botocore.config import Config

# Threads (the local stack's pollers, the gateway's requests) may ask for a client first at
# the same moment: they get the same one.
_making = threading.Lock()


def client(service: str) -> Any:
    with _making:
        return _made(service, os.environ.get("AWS_ENDPOINT_URL"))


def forget() -> None:
    with _making:
        _made.cache_clear()


@cache
def _made(service: str, endpoint: str | None) -> Any:
    import boto3

    # Presigned S3 addresses must be SigV4: the bucket's region refuses anything else.
    config = Config(signature_version="s3v4") if service == "s3" else None
    return boto3.client(service, config=config)

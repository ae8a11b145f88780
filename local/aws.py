"""Embedded AWS for the local stack: a moto server on loopback, and the environment pointing at it;
and, for tests and tools that need no server, moto in this process (``local_aws()``).

Every boto3, botocore and PynamoDB client created after ``start_aws()`` reads the standard AWS
environment, so setting ``AWS_ENDPOINT_URL`` sends all of them to moto without a code path of
their own. DynamoDB can be elsewhere: when ``AWS_ENDPOINT_URL_DYNAMODB`` is set (DynamoDB Local,
another moto), or with ``LOCAL_USE_REAL_AWS=1`` (real DynamoDB with the caller's credentials),
DynamoDB requests go there; SES, SQS and the rest stay on moto, so a local run never sends mail.

The region is ``ap-southeast-1``: the China regions are in moto, but SES is not offered there
(neither by AWS nor by moto), and the stack needs DynamoDB, SES and SQS in one region.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto import mock_aws
from moto.server import ThreadedMotoServer

from compliance import clients
from local import dynamo_rules, moto_fixes
from local.tables import create_tables

REGION = "ap-southeast-1"
# moto accepts any credentials; fixed dummies also keep real ones out of local requests.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
_CLEARED = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE")


@dataclass
class LocalAws:
    """What ``start_aws`` started and where requests go; ``stop()`` undoes both."""

    endpoint: str
    """moto's endpoint, e.g. ``http://127.0.0.1:51234``."""
    dynamodb_endpoint: str
    """Where DynamoDB requests go."""
    region: str
    _server: ThreadedMotoServer | None = field(default=None, repr=False)
    _environ: MutableMapping[str, str] = field(default_factory=lambda: os.environ, repr=False)
    _previous: dict[str, str | None] = field(default_factory=dict, repr=False)

    @property
    def dynamodb_embedded(self) -> bool:
        """Whether DynamoDB is this moto, in this process (not another endpoint, not AWS)."""
        return self.dynamodb_endpoint == self.endpoint

    def stop(self) -> None:
        """Stop moto (if started) and restore the variables ``start_aws`` changed."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        for name, value in self._previous.items():
            if value is None:
                self._environ.pop(name, None)
            else:
                self._environ[name] = value
        self._previous.clear()


def _real_dynamodb_endpoint(region: str) -> str:
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://dynamodb.{region}.{suffix}"


def start_aws(environ: MutableMapping[str, str] | None = None) -> LocalAws:
    """Start moto on 127.0.0.1 (a free port) and point the AWS environment at it.

    Changes ``environ`` (the process environment unless given): ``AWS_ENDPOINT_URL``, region,
    and, unless ``LOCAL_USE_REAL_AWS=1``, dummy credentials. An ``AWS_ENDPOINT_URL_DYNAMODB``
    already set is kept; with ``LOCAL_USE_REAL_AWS=1`` it is set to the real regional endpoint.
    """
    env = os.environ if environ is None else environ
    # werkzeug would otherwise log every moto request on stderr, drowning the gateway's lines.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    use_real_aws = env.get("LOCAL_USE_REAL_AWS") == "1"
    region = REGION
    if use_real_aws:
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or REGION

    moto_fixes.apply()
    dynamo_rules.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"

    changes: dict[str, str | None] = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }
    if use_real_aws:
        changes["AWS_ENDPOINT_URL_DYNAMODB"] = env.get(
            "AWS_ENDPOINT_URL_DYNAMODB", _real_dynamodb_endpoint(region)
        )
    else:
        changes |= DUMMY_CREDENTIALS
        changes |= {name: None for name in _CLEARED}
    handle = LocalAws(
        endpoint=endpoint,
        dynamodb_endpoint=changes.get("AWS_ENDPOINT_URL_DYNAMODB")
        or env.get("AWS_ENDPOINT_URL_DYNAMODB")
        or endpoint,
        region=region,
        _server=server,
        _environ=env,
    )
    for name, value in changes.items():
        handle._previous[name] = env.get(name)
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return handle


@contextmanager
def local_aws() -> Iterator[Any]:
    """In-process moto with every table of template.yaml created, as the local stack has."""
    moto_fixes.apply()
    dynamo_rules.install()
    with mock_aws():
        client = boto3.client("dynamodb")
        create_tables(client)
        from compliance.store.models import share_one_connection

        share_one_connection()  # a new mock needs a new client
        clients.forget()  # and so do the other services'
        try:
            yield client
        finally:
            clients.forget()  # made under this mock, they would outlive it

"""Idempotency keys: a request sent again with the same `Idempotency-Key` header has one effect
and gets the first answer back, byte for byte, for 24 hours.

Partner systems retry on timeouts; with a key, a retry never records anything twice, whatever
the operation (the content-derived ids of events already make most retries harmless; the key
makes all of them so, and returns the same response). The key is scoped to the caller, so two
enterprises can never collide, and reusing a key for a different request is refused. Records
live in the idempotency table through Powertools' DynamoDB persistence layer. A replayed answer
is the first one as it was, in the language it was said in (its Content-Language says which).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from compliance.messages import ENGLISH, Message, render, t
from graph.http import HttpResponse

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

HEADER = "idempotency-key"
RETENTION_SECONDS = 24 * 3600
_KEY = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")


class _Unstored(Exception):  # noqa: N818 - control flow: an answer that must not be replayed
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


@cache
def _persistence() -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=os.environ.get("IDEMPOTENCY_TABLE", "nev-local-IdempotencyTable")
    )


def _encode(response: HttpResponse) -> dict[str, Any]:
    return {
        "status": response.status,
        "body": response.body.decode(),
        "content_type": response.content_type,
        "headers": dict(response.headers),
    }


def _decode(stored: dict[str, Any]) -> HttpResponse:
    return HttpResponse(
        int(stored["status"]), stored["body"].encode(), stored["content_type"], stored["headers"]
    )


def _refusal(status: int, code: str, message: Message, language: str) -> HttpResponse:
    error = {"message": render(message, language), "extensions": {"code": code}}
    body = json.dumps({"errors": [error]}, ensure_ascii=False)
    return HttpResponse(status, body.encode(), "application/json", {"content-language": language})


def _retryable(response: HttpResponse) -> bool:
    """Answers that say "try again" are not kept: the retry must really run."""
    return response.status >= 500 or b'"SERVICE_UNAVAILABLE"' in response.body


def once(
    key: str,
    caller: str,
    body: bytes,
    run: Callable[[], HttpResponse],
    language: str = ENGLISH,
) -> HttpResponse:
    """`run()` the first time `caller` sends `key`; the stored answer every later time. Its
    own refusals are said in `language`."""
    if not _KEY.match(key):
        return _refusal(400, "BAD_REQUEST", t("idempotency.invalid_key"), language)
    # Imported here, not at the top: most requests carry no key, and the cold start of every
    # execution environment would otherwise pay for loading the idempotency utility.
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="payload",
        expires_after_seconds=RETENTION_SECONDS,
    )

    @idempotent_function(
        data_keyword_argument="request", persistence_store=_persistence(), config=config
    )
    def first_time(request: dict[str, str]) -> dict[str, Any]:
        response = run()
        if _retryable(response):
            raise _Unstored(response)
        return _encode(response)

    request = {"key": f"{caller}\x1f{key}", "payload": hashlib.sha256(body).hexdigest()}
    try:
        return _decode(first_time(request=request))
    except _Unstored as unstored:
        return unstored.response
    except IdempotencyValidationError:
        return _refusal(422, "IDEMPOTENCY_KEY_REUSED", t("idempotency.key_reused"), language)
    except IdempotencyAlreadyInProgressError:
        return _refusal(409, "REQUEST_IN_PROGRESS", t("idempotency.in_progress"), language)

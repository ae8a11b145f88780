"""One place that runs a TransactWrite and names its failure in domain terms."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from botocore.exceptions import BotoCoreError
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from compliance.errors import ConflictError
from compliance.store.models import ObligationItem
from compliance.store.reads import store_failure

_CONFLICTS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
# A transaction that met another one in flight on an item (a shared counter, typically) is
# cancelled with nothing written; the other finishes within milliseconds, so the same
# transaction is sent again after a short pause, this many times at most.
CONFLICT_RETRIES = 3
_PAUSE_S = 0.02


def commit(
    build: Callable[[TransactWrite], None], *, conflict: str, token: str | None = None
) -> None:
    """Run the writes `build` adds as one transaction.

    A failed condition is a ConflictError with the message `conflict`: nothing was written and
    the caller may read again and retry. A cancellation only because another transaction was
    in flight on an item is retried here first. `token` makes DynamoDB treat a repeat of the
    same transaction within ten minutes as done.
    """
    for attempt in range(CONFLICT_RETRIES + 1):
        reasons = _attempt(build, conflict, token)
        if reasons is None:
            return
        if reasons != {"TransactionConflict"} or attempt == CONFLICT_RETRIES:
            raise ConflictError(conflict)
        time.sleep(_PAUSE_S * (attempt + 1) * (1 + random.random()))


def _attempt(
    build: Callable[[TransactWrite], None], conflict: str, token: str | None
) -> set[str] | None:
    """None when written; the cancellation reasons when cancelled for a conflict."""
    try:
        # Reuse the models' connection: a new botocore client per transaction costs more than
        # the transaction itself.
        connection = ObligationItem._get_connection().connection
        with TransactWrite(connection=connection, client_request_token=token) as tx:
            build(tx)
    except TransactWriteError as error:
        reasons = {
            r.code for r in (error.cancellation_reasons or []) if r is not None and r.code != "None"
        }
        if reasons & _CONFLICTS:
            return reasons
        raise store_failure(error, "DynamoDB transaction failed") from error
    except (PynamoDBException, BotoCoreError) as error:
        raise store_failure(error, "DynamoDB request failed") from error
    return None

"""One place that runs a TransactWrite and names its failure in domain terms."""

from __future__ import annotations

from collections.abc import Callable

from botocore.exceptions import BotoCoreError
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from compliance.errors import ConflictError
from compliance.store.models import ObligationItem
from compliance.store.reads import store_failure

_CONFLICTS = frozenset({"ConditionalCheckFailed", "TransactionConflict"})


def commit(
    build: Callable[[TransactWrite], None], *, conflict: str, token: str | None = None
) -> None:
    """Run the writes `build` adds as one transaction.

    A failed condition or a concurrent transaction on the same items is a ConflictError with
    the message `conflict`: nothing was written and the caller may read again and retry.
    `token` makes DynamoDB treat a repeat of the same transaction within ten minutes as done.
    """
    try:
        # Reuse the models' connection: a new botocore client per transaction costs more than
        # the transaction itself.
        connection = ObligationItem._get_connection().connection
        with TransactWrite(connection=connection, client_request_token=token) as tx:
            build(tx)
    except TransactWriteError as error:
        reasons = {r.code for r in (error.cancellation_reasons or []) if r is not None}
        if reasons & _CONFLICTS:
            raise ConflictError(conflict) from error
        raise store_failure(error, "DynamoDB transaction failed") from error
    except (PynamoDBException, BotoCoreError) as error:
        raise store_failure(error, "DynamoDB request failed") from error

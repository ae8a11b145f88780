"""Top-level GraphQL errors with stable codes, and which errors may reach clients unmasked.

Expected business failures are not errors: mutations return them as `userErrors`. These are
for requests that cannot be served at all: no or bad credentials, a role that may not do this,
an argument that cannot be understood. Anything else is masked as INTERNAL and logged.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from compliance.errors import StoreUnavailableError
from compliance.messages import Message, t


class ClientError(Exception):
    """An error the client caused and can fix; its `message` (a catalog message) is shown as it
    is, in the language of the request."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = {"code": self.code, **extensions}


class Unauthenticated(ClientError):  # noqa: N818 - named for the GraphQL error code
    code = "UNAUTHENTICATED"


class Forbidden(ClientError):  # noqa: N818
    code = "FORBIDDEN"


class BadUserInput(ClientError):  # noqa: N818
    code = "BAD_USER_INPUT"


class CursorExpired(ClientError):  # noqa: N818
    """A change-feed cursor after which some change is no longer kept: the client loads the
    current state again and continues from a new cursor."""

    code = "CURSOR_EXPIRED"


class QueryTooCostly(ClientError):  # noqa: N818
    """The document could make more DynamoDB calls than one request may (graph/cost.py)."""

    code = "QUERY_TOO_COSTLY"


class QueryTooLarge(ClientError):  # noqa: N818
    """The document selects more fields than any client needs, or one field more often than
    makes sense; refused before validation, whose cost grows with them (graph/limits.py)."""

    code = "QUERY_TOO_LARGE"


class Unavailable(ClientError):  # noqa: N818
    """The store kept failing after retries: the request may be retried later."""

    code = "SERVICE_UNAVAILABLE"


# What a client is told when the store kept failing: the request may be sent again as it is.
# (The English texts of "api.unavailable_read" and "api.unavailable_write", for callers that
# need them as text.)
UNAVAILABLE_READ = "Storage is unavailable; retry shortly."
UNAVAILABLE_WRITE = "Storage is unavailable; nothing was written. Retry shortly."


def unavailable(*, mutation: bool) -> Message:
    return t("api.unavailable_write" if mutation else "api.unavailable_read")


def client_error(error: GraphQLError, *, mutation: bool) -> ClientError | None:
    """The one translation of what a resolver raised into what the client is told: its own
    error as it is, a store that kept failing as SERVICE_UNAVAILABLE (a mutation wrote
    nothing); None for anything else, which is internal."""
    original = error.original_error
    if isinstance(original, ClientError):
        return original
    if isinstance(original, StoreUnavailableError):
        return Unavailable(unavailable(mutation=mutation))
    return None


def about_the_request(error: GraphQLError) -> bool:
    """Errors raised before any resolver ran (syntax, validation, variables that do not fit
    their types) have no path: they describe the request, and their messages are safe and
    useful to the client."""
    return error.original_error is None or error.path is None

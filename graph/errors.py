"""Top-level GraphQL errors with stable codes, and which errors may reach clients unmasked.

Expected business failures are not errors: mutations return them as `userErrors`. These are
for requests that cannot be served at all: no or bad credentials, a role that may not do this,
an argument that cannot be understood. Anything else is masked as INTERNAL and logged.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class ClientError(Exception):
    """An error the client caused and can fix; its message is shown as it is."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions = {"code": self.code, **extensions}


class Unauthenticated(ClientError):  # noqa: N818 - named for the GraphQL error code
    code = "UNAUTHENTICATED"


class Forbidden(ClientError):  # noqa: N818
    code = "FORBIDDEN"


class BadUserInput(ClientError):  # noqa: N818
    code = "BAD_USER_INPUT"


class Unavailable(ClientError):  # noqa: N818
    """The store kept failing after retries: the request may be retried later."""

    code = "SERVICE_UNAVAILABLE"


def should_mask(error: GraphQLError) -> bool:
    """Mask everything except client errors and GraphQL's own parse/validation errors."""
    original = error.original_error
    if original is None:
        return False  # syntax and validation errors: about the query, safe and useful
    return not isinstance(original, ClientError)


def error_code(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, ClientError):
        return str(original.extensions["code"])
    if original is None:
        return "GRAPHQL_VALIDATION_FAILED"
    return "INTERNAL"

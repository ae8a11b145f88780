"""Storage failures as the domain names them; AWS error types never leave compliance/store."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every storage failure."""


class ConflictError(StoreError):
    """Another request changed the same record first (a version or existence check failed).

    Nothing of the failed write was applied; reading again and retrying is safe.
    """


class StoreUnavailableError(StoreError):
    """DynamoDB could not be reached or kept throttling after the client's retries."""


class TooLargeError(StoreError, ValueError):
    """One change would write more items than one DynamoDB transaction can hold."""

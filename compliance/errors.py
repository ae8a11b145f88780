"""Storage failures as the domain names them: what the use cases and adapters catch. AWS error
types never leave compliance/store; it raises these instead."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every storage failure."""


class ConflictError(StoreError):
    """Another request changed the same record first (a version or existence check failed).

    Nothing of the failed write was applied; reading again and retrying is safe.
    """


class StoreUnavailableError(StoreError):
    """Storage could not be reached, or kept throttling after the client's retries; nothing is
    known to have been written."""


class TooLargeError(StoreError):
    """One change would write more records than storage can change at once."""

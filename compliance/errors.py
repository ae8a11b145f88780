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


class StoreRejectedError(StoreError):
    """DynamoDB refused the request as invalid (a ValidationException): a defect in this code,
    not a state of the service. Retrying cannot help; it is logged and answered INTERNAL."""


class PartlyWrittenError(StoreError):
    """A change written in several transactions stopped after some of them: what they wrote
    stands, the rest was not written. Sending the same request again records only the rest (its
    events are recognised where they were recorded)."""

    def __init__(self, written: int, of: int, cause: StoreError) -> None:
        self.written, self.of, self.cause = written, of, cause
        why = (
            "another request changed the same records at the same time"
            if isinstance(cause, ConflictError)
            else "storage stopped answering"
        )
        super().__init__(
            f"Part of this change was written ({written} of {of} parts) before {why}; the rest "
            "was not. Send the same request again: what was written is recognised, and only the "
            "rest is recorded."
        )


class TooLargeError(StoreError):
    """One change would write more records than storage can change at once."""

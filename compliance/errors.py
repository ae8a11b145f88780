"""Storage failures as the domain names them: what the use cases and adapters catch. AWS error
types never leave compliance/store; it raises these instead."""

from __future__ import annotations

from compliance.messages import t


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
        why = t("store.why_conflict" if isinstance(cause, ConflictError) else "store.why_stopped")
        super().__init__(t("store.partly_written", written=written, of=of, why=why))


class TooLargeError(StoreError):
    """One change would write more records than storage can change at once."""

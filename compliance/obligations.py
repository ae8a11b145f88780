"""An obligation's life after it arises: its stored record, and closing it by fulfilment or
waiver, with who did it and when.

Closing is idempotent: the same fulfilment or waiver sent again is the same success and writes
nothing; a different one for a closed obligation is a conflict, because a recorded fulfilment is
evidence and is not silently replaced. A coverage duty (a service point in a region) closes only
when a point covers the region, or by a waiver with its reason. Pure: the caller reads and
writes.
"""

from __future__ import annotations

from datetime import date, datetime
from unicodedata import east_asian_width

from msgspec import Struct
from msgspec.structs import replace

from compliance.lifecycle import Violation
from compliance.messages import t, too_long
from compliance.network import POINT_TYPE_OF_RULE, TYPE_NAMES
from compliance.rules import Obligation, ObligationStatus, status_on

OPEN_STATUSES = frozenset({ObligationStatus.OPEN, ObligationStatus.OVERDUE})
FULFILLED_STATUSES = frozenset({ObligationStatus.FULFILLED, ObligationStatus.FULFILLED_LATE})
RECEIPT_MAX_LENGTH = 200
REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 2000


class RescheduleEntry(Struct, frozen=True):
    before: date
    after: date
    calendar_version: int
    at: datetime
    # Set when a change of the deployment's rule-set timeline moved it: the rule set it follows
    # since (`<id>@<version>`). None for a calendar load.
    rule_set: str | None = None


class ObligationRecord(Struct, frozen=True):
    obligation: Obligation
    stored_status: ObligationStatus
    fulfilled_on: date | None
    platform_receipt: str | None
    waived_reason: str | None
    reschedules: tuple[RescheduleEntry, ...]
    created_at: datetime
    updated_at: datetime
    version: int
    # Who closed it (a person's subject, `partner-key:<id>`, or the point that covered the
    # region) and when; None while it is open.
    closed_by: str | None = None
    closed_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.obligation.id

    @property
    def is_open(self) -> bool:
        return self.stored_status in OPEN_STATUSES


def new_record(obligation: Obligation, now: datetime) -> ObligationRecord:
    """An obligation as stored the moment it arises: open, at version 1."""
    return ObligationRecord(
        obligation=obligation,
        stored_status=ObligationStatus.OPEN,
        fulfilled_on=None,
        platform_receipt=None,
        waived_reason=None,
        reschedules=(),
        created_at=now,
        updated_at=now,
        version=1,
    )


class Closing(Struct, frozen=True):
    """What closing an obligation comes to: the record after it (or as it already was), what
    stands in its way, and whether anything is to be written."""

    record: ObligationRecord
    violations: tuple[Violation, ...] = ()
    changed: bool = False


def fulfil(
    record: ObligationRecord,
    fulfilled_on: date,
    receipt: str | None,
    *,
    covered: bool,
    today: date,
    now: datetime,
    by: str,
) -> Closing:
    """Mark `record` fulfilled on `fulfilled_on` with the platform's `receipt`. `covered` says
    whether an active service point covers the region of a coverage duty."""
    receipt = (receipt or "").strip() or None
    obligation = record.obligation
    if record.stored_status in FULFILLED_STATUSES:
        if record.fulfilled_on == fulfilled_on and record.platform_receipt == receipt:
            return Closing(record)
        return Closing(record, (_fulfilled_already(record),))
    if record.stored_status is ObligationStatus.WAIVED:
        return Closing(record, (_waived_already(record),))
    found: list[Violation] = []
    if fulfilled_on > today:
        found.append(
            Violation(
                "FUTURE_DATE",
                "fulfilled_on",
                t("obligation.in_future", on=fulfilled_on.isoformat(), today=today.isoformat()),
            )
        )
    if fulfilled_on < obligation.trigger_date:
        found.append(
            Violation(
                "BEFORE_TRIGGER",
                "fulfilled_on",
                t(
                    "obligation.before_trigger",
                    on=fulfilled_on.isoformat(),
                    trigger=obligation.trigger_date.isoformat(),
                ),
            )
        )
    if obligation.deadline is not None and receipt is None:
        found.append(
            Violation("RECEIPT_REQUIRED", "platform_receipt", t("obligation.receipt_required"))
        )
    if receipt is not None and len(receipt) > RECEIPT_MAX_LENGTH:
        found.append(
            Violation(
                "TOO_LONG",
                "platform_receipt",
                too_long("what.receipt", len(receipt), RECEIPT_MAX_LENGTH),
            )
        )
    if obligation.rule_id in POINT_TYPE_OF_RULE and not covered:
        kind = t(TYPE_NAMES[POINT_TYPE_OF_RULE[obligation.rule_id]])
        found.append(
            Violation(
                "NOT_COVERED",
                "id",
                t("obligation.not_covered", kind=kind, region=obligation.subject_id),
            )
        )
    if found:
        return Closing(record, tuple(found))
    status = status_on(obligation.deadline, today, fulfilled_on=fulfilled_on)
    closed = replace(
        record,
        stored_status=status,
        fulfilled_on=fulfilled_on,
        platform_receipt=receipt,
        closed_by=by,
        closed_at=now,
        updated_at=now,
    )
    return Closing(closed, changed=True)


def weighed(text: str) -> int:
    """How long a reason is, counted fairly across scripts: a wide (CJK) character says about
    what two Latin letters do, so "车型未投产" (the model never went into production) weighs 10,
    like "not in use"."""
    return sum(2 if east_asian_width(char) in ("W", "F") else 1 for char in text)


def waive(record: ObligationRecord, reason: str, *, now: datetime, by: str) -> Closing:
    """Waive `record` because it does not apply, for `reason` (kept as evidence)."""
    reason = reason.strip()
    if record.stored_status is ObligationStatus.WAIVED:
        if record.waived_reason == reason:
            return Closing(record)
        return Closing(record, (_waived_already(record),))
    if record.stored_status in FULFILLED_STATUSES:
        return Closing(record, (_fulfilled_already(record),))
    if weighed(reason) < REASON_MIN_LENGTH:
        return Closing(
            record,
            (
                Violation(
                    "REASON_REQUIRED",
                    "reason",
                    t(
                        "obligation.reason_required",
                        least=REASON_MIN_LENGTH,
                        least_wide=REASON_MIN_LENGTH // 2,
                    ),
                ),
            ),
        )
    if len(reason) > REASON_MAX_LENGTH:
        return Closing(
            record,
            (
                Violation(
                    "TOO_LONG", "reason", too_long("what.reason", len(reason), REASON_MAX_LENGTH)
                ),
            ),
        )
    waived = replace(
        record,
        stored_status=ObligationStatus.WAIVED,
        waived_reason=reason,
        closed_by=by,
        closed_at=now,
        updated_at=now,
    )
    return Closing(waived, changed=True)


def covered_by_point(
    record: ObligationRecord, on: date, now: datetime, by: str
) -> ObligationRecord:
    """A coverage duty closed the day a service point starts covering its region."""
    return replace(
        record,
        stored_status=ObligationStatus.FULFILLED,
        fulfilled_on=on,
        closed_by=by,
        closed_at=now,
        updated_at=now,
    )


def coverage_lost(record: ObligationRecord, now: datetime) -> ObligationRecord:
    """A coverage duty open again: the last active point covering its region was deactivated
    or moved away, so the enterprise again has no point there. The region's duty stands for as
    long as the enterprise sells there; the point's own record keeps who changed it and when."""
    return replace(
        record,
        stored_status=ObligationStatus.OPEN,
        fulfilled_on=None,
        platform_receipt=None,
        closed_by=None,
        closed_at=None,
        updated_at=now,
    )


def _fulfilled_already(record: ObligationRecord) -> Violation:
    assert record.fulfilled_on is not None
    said = t(
        "obligation.fulfilled_with_receipt" if record.platform_receipt else "obligation.fulfilled",
        id=record.id,
        on=record.fulfilled_on.isoformat(),
        receipt=record.platform_receipt,
    )
    return Violation("CONFLICT", "id", said)


def _waived_already(record: ObligationRecord) -> Violation:
    return Violation(
        "CONFLICT",
        "id",
        t("obligation.waived", id=record.id, reason=record.waived_reason),
    )

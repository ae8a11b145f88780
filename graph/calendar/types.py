"""The calendar's types: a loaded calendar's version, a load's rescheduling progress, and the
answers of the calendar's read-only helpers (a working day, a deadline)."""

from datetime import date, datetime
from enum import Enum

import strawberry

from compliance.store import rescheduling
from graph.obligations.types import ObligationType

strawberry.enum(
    rescheduling.ReschedulingStatus,
    name="ReschedulingStatus",
    description="QUEUED: no page done yet. RUNNING: some partitions still being read. DONE: "
    "every open deadline the load changes has been moved or confirmed.",
)


@strawberry.type
class Rescheduled:
    obligation: ObligationType
    before: date
    after: date


@strawberry.type
class CalendarInfo:
    version: int
    announced_years: list[int]


@strawberry.type(
    description="How far the rescheduling of a calendar load has got: the open obligations "
    "due from the loaded year on are read partition by partition of the national open index."
)
class ReschedulingSummary:
    version: int = strawberry.field(description="The calendar version the load produced.")
    year: int
    status: rescheduling.ReschedulingStatus
    partitions: int
    partitions_done: int
    examined: int = strawberry.field(
        description="Open obligations read; one whose deadline moved later may be read again."
    )
    moved: int = strawberry.field(description="Deadlines moved to another day.")
    confirmed: int = strawberry.field(
        description="Deadlines kept on their day and no longer provisional."
    )
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, summary: rescheduling.Summary) -> "ReschedulingSummary":
        return cls(
            version=summary.version,
            year=summary.year,
            status=summary.status,
            partitions=summary.partitions,
            partitions_done=summary.partitions_done,
            examined=summary.examined,
            moved=summary.moved,
            confirmed=summary.confirmed,
            queued_at=summary.queued_at,
            started_at=summary.started_at,
            finished_at=summary.finished_at,
        )


@strawberry.enum(
    name="RestDayReason",
    description="Why a day is not a working day. A year's schedule lists only the rest days "
    "falling Monday to Friday as holidays: a Saturday or Sunday inside a holiday period is a "
    "WEEKEND.",
)
class RestDayReason(Enum):
    WEEKEND = "WEEKEND"
    STATUTORY_HOLIDAY = "STATUTORY_HOLIDAY"


@strawberry.type(description="Whether a China civil date is a working day, and why not.")
class WorkingDayAnswer:
    day: date = strawberry.field(name="date")
    working_day: bool
    rest_reason: RestDayReason | None = strawberry.field(
        description="Why it is a rest day; null for a working day."
    )
    make_up_workday: bool = strawberry.field(
        description="A Saturday or Sunday declared a working day (调休上班)."
    )
    announced: bool = strawberry.field(
        description="Whether the State Council's schedule of the date's year is loaded."
    )
    provisional: bool = strawberry.field(
        description="True while the year is not announced: the answer follows an estimate of "
        "its statutory holidays (no make-up days) and may change when it is."
    )
    calendar_version: int


@strawberry.type(description="The deadline a period gives from a trigger date.")
class DeadlineAnswer:
    trigger: date
    period: str = strawberry.field(description="The period as understood, e.g. '10WD'.")
    due_date: date
    due_at: datetime = strawberry.field(
        description="End of the due day, China time (23:59:59.999+08:00)."
    )
    provisional: bool = strawberry.field(
        description="True while the deadline depends on an unannounced year."
    )
    calendar_version: int

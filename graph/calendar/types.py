"""The calendar's types: a loaded calendar's version, and a load's rescheduling progress."""

from datetime import date, datetime

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

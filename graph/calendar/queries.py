"""The calendar's root query field: `calendarRescheduling`."""

from typing import Annotated

import strawberry

from compliance.store import rescheduling
from graph.calendar.types import ReschedulingSummary
from graph.permissions import Overseer


@strawberry.field(
    description="How far a calendar load's rescheduling has got (platform admins and "
    "regulators); null when that version queued none.",
    permission_classes=[Overseer],
)
def calendar_rescheduling(
    version: int,
    year: Annotated[
        int | None,
        strawberry.argument(
            description="The year rescheduled; omitted: the year the version loaded (the first "
            "rescheduling queued at that version)."
        ),
    ] = None,
) -> ReschedulingSummary | None:
    found = rescheduling.summary(version, year)
    return ReschedulingSummary.of(found) if found else None

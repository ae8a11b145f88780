"""Mutation: load a year's announced holiday schedule (the platform), and queue the moving or
confirming of the open deadlines it changes; the query resolver that says how far that got.

The load is stored with the progress of its rescheduling, then the rescheduling is queued as one
message per partition of the national open index (compliance/store/rescheduling.py): the
request reads and writes the same few items however many deadlines the load changes, and its
payload is a summary, not the obligations.
"""

from datetime import date, datetime
from typing import Annotated

import strawberry

from compliance.calendar import CalendarError, YearSchedule
from compliance.delivery import DeliveryError, enqueue
from compliance.store import rescheduling
from compliance.store.calendars import current_calendar, same_as_loaded, store_load
from graph.context import Role
from graph.inputs import LoadCalendarYearInput
from graph.limits import input_errors
from graph.mutations.common import Failed, error, run
from graph.permissions import require_role
from graph.types import Info, ObligationType, UserError


@strawberry.type
class Rescheduled:
    obligation: ObligationType
    before: date
    after: date


@strawberry.type
class CalendarInfo:
    version: int
    announced_years: list[int]


ReschedulingStatusType = strawberry.enum(
    rescheduling.ReschedulingStatus,
    name="ReschedulingStatus",
    description="QUEUED: no page done yet. RUNNING: some partitions still being read. DONE: "
    "every open deadline the load changes has been moved or confirmed.",
)


@strawberry.type(
    description="How far the rescheduling of a calendar load has got: the open obligations "
    "due from the loaded year on are read partition by partition of the national open index."
)
class ReschedulingSummary:
    version: int = strawberry.field(description="The calendar version the load produced.")
    year: int
    status: ReschedulingStatusType  # type: ignore[valid-type]
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


_MOVED_LATER = (
    "Deadlines are moved after the load, in the background; this list is always empty. Use "
    "`rescheduling` (and the query `calendarRescheduling`) for what the load changes."
)


@strawberry.type
class CalendarPayload:
    calendar: CalendarInfo | None
    rescheduling: ReschedulingSummary | None = strawberry.field(
        description="The rescheduling the load queued (or, for a schedule loaded before, how "
        "far its rescheduling has got); null when the load was refused."
    )
    rescheduled: list[Rescheduled] = strawberry.field(deprecation_reason=_MOVED_LATER)
    obligations: list[ObligationType] = strawberry.field(
        description="The obligations whose deadline the load moved or confirmed in this request.",
        deprecation_reason=_MOVED_LATER,
    )
    user_errors: list[UserError]


# Where in LoadCalendarYearInput each part of a year's schedule (CalendarError.field) was sent;
# an error about no field (or one this map does not know) is about the whole input.
_SCHEDULE_FIELDS: dict[str | None, tuple[str, ...]] = {
    "year": ("year",),
    "holidays": ("holidays",),
    "makeup_workdays": ("makeUpWorkdays",),
    "source": ("source",),
    "announced_on": ("announcedOn",),
}


def _refused(errors: list[UserError]) -> CalendarPayload:
    return CalendarPayload(
        calendar=None, rescheduling=None, rescheduled=[], obligations=[], user_errors=errors
    )


@strawberry.type
class CalendarMutations:
    @strawberry.mutation(description="Load a year's announced holiday schedule (platform).")
    def load_calendar_year(self, info: Info, input: LoadCalendarYearInput) -> CalendarPayload:
        principal = require_role(info.context, Role.PLATFORM_ADMIN)
        if over := input_errors(info, input):
            return _refused(over)
        schedule = YearSchedule(
            year=input.year,
            holidays=frozenset(input.holidays),
            makeup_workdays=frozenset(input.make_up_workdays),
            source=input.source.strip(),
            announced_on=input.announced_on,
        )
        now = info.context.now
        try:
            before = run(current_calendar)
            try:
                before.with_year(schedule)  # validates; the stored load below repeats it
            except CalendarError as invalid:
                where = _SCHEDULE_FIELDS.get(invalid.field, ())
                return _refused([error("INVALID_SCHEDULE", str(invalid), "input", *where)])
            if same_as_loaded(before, schedule):
                # Loading the same schedule again stores nothing, and queues again what its
                # rescheduling has not finished (a page that failed for good, or never queued).
                after = before
                progress, pages = run(lambda: rescheduling.resume(after.version, input.year, now))
            else:
                after = run(lambda: store_load(before, schedule, now, principal.subject))
                progress = rescheduling.queued(after.version, input.year, now)
                pages = rescheduling.first_pages(after.version, input.year)
        except Failed as failure:
            return _refused(failure.user_errors)
        calendar = CalendarInfo(
            version=after.version, announced_years=sorted(after.announced_years())
        )
        try:
            if pages:
                enqueue([page.message() for page in pages])
        except DeliveryError as failure:
            message = (
                f"The {input.year} schedule is stored as calendar version {after.version}, but "
                f"moving the deadlines it changes could not be queued ({failure}). Send the "
                "same load again: it queues what is not done."
            )
            return CalendarPayload(
                calendar=calendar,
                rescheduling=None,
                rescheduled=[],
                obligations=[],
                user_errors=[error("PARTLY_WRITTEN", message, "input")],
            )
        return CalendarPayload(
            calendar=calendar,
            rescheduling=ReschedulingSummary.of(progress),
            rescheduled=[],
            obligations=[],
            user_errors=[],
        )


def calendar_rescheduling(
    info: Info,
    version: int,
    year: Annotated[
        int | None,
        strawberry.argument(
            description="The year rescheduled; omitted: the year the version loaded (the first "
            "rescheduling queued at that version)."
        ),
    ] = None,
) -> ReschedulingSummary | None:
    """How far the rescheduling of a calendar load has got (platform admins and regulators);
    null when that version queued none."""
    require_role(info.context, Role.PLATFORM_ADMIN, Role.REGULATOR)
    found = rescheduling.summary(version, year)
    return ReschedulingSummary.of(found) if found else None

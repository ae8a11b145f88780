"""Mutation: load a year's announced holiday schedule (the platform), moving or confirming the
open deadlines it changes."""

from datetime import date

import strawberry

from compliance.calendar import CalendarError, YearSchedule
from compliance.store import obligations as obligation_store
from compliance.store import reads
from compliance.store.calendars import current_calendar, same_as_loaded, store_load
from graph.context import Role
from graph.inputs import LoadCalendarYearInput
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


@strawberry.type
class CalendarPayload:
    calendar: CalendarInfo | None
    rescheduled: list[Rescheduled]
    obligations: list[ObligationType] = strawberry.field(
        description="The obligations whose deadline the load moved or confirmed."
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
    return CalendarPayload(calendar=None, rescheduled=[], obligations=[], user_errors=errors)


@strawberry.type
class CalendarMutations:
    @strawberry.mutation(description="Load a year's announced holiday schedule (platform).")
    def load_calendar_year(self, info: Info, input: LoadCalendarYearInput) -> CalendarPayload:
        principal = require_role(info.context, Role.PLATFORM_ADMIN)
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
            # Loading the same schedule again changes nothing but finishes any moves a failed
            # earlier attempt left undone.
            after = (
                before
                if same_as_loaded(before, schedule)
                else run(lambda: store_load(before, schedule, now, principal.subject))
            )
            changes = run(lambda: obligation_store.apply_calendar(after, input.year, now=now))
            moved = run(lambda: reads.obligations([c.obligation_id for c in changes]))
        except Failed as failure:
            return _refused([failure.user_error])
        return CalendarPayload(
            calendar=CalendarInfo(
                version=after.version, announced_years=sorted(after.announced_years())
            ),
            rescheduled=[
                Rescheduled(
                    obligation=ObligationType(record=moved[c.obligation_id]),
                    before=c.before.due_date,
                    after=c.after.due_date,
                )
                for c in changes
                if c.obligation_id in moved
            ],
            obligations=[ObligationType(record=r) for r in moved.values()],
            user_errors=[],
        )

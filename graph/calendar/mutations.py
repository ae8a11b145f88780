"""The calendar's mutation: `loadCalendarYear` (platform administrators)."""

import strawberry

from compliance.calendar import CalendarError, YearSchedule
from compliance.delivery import DeliveryError, queue
from compliance.messages import message_of, t
from compliance.store import rescheduling
from compliance.store.calendars import current_calendar, same_as_loaded, store_load
from graph.calendar.inputs import LoadCalendarYearInput
from graph.calendar.types import CalendarInfo, Rescheduled, ReschedulingSummary
from graph.limits import input_errors
from graph.mutations.common import Failed, error, run
from graph.obligations.types import ObligationType
from graph.permissions import PlatformAdmin, require_principal
from graph.types import Info, UserError

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


@strawberry.mutation(
    description="Load a year's announced holiday schedule (platform).",
    permission_classes=[PlatformAdmin],
)
def load_calendar_year(info: Info, input: LoadCalendarYearInput) -> CalendarPayload:
    principal = require_principal(info.context)
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
            return _refused([error("INVALID_SCHEDULE", message_of(invalid), "input", *where)])
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
    calendar = CalendarInfo(version=after.version, announced_years=sorted(after.announced_years()))
    try:
        if pages:
            if info.context.settings.queue_url is None:
                raise DeliveryError("no reminder queue is configured", retryable=False)
            queue(info.context.settings.queue_url)([page.message() for page in pages])
    except DeliveryError as failure:
        message = t(
            "calendar.rescheduling_not_queued",
            year=input.year,
            version=after.version,
            cause=str(failure),
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

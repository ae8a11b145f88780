"""The calendar's root query fields: `calendarRescheduling`, and the read-only helpers that
spare web and mobile clients re-implementing China's working-day calendar: `workingDay`,
`restDays` and `deadline`. Each helper reads the calendar in force once (one Query of the
stored loads, compliance/store/calendars.py) and computes the rest (compliance/calendar.py).

A date the calendar cannot answer for (outside its supported span) or a period it cannot read
is the caller's to fix: BAD_USER_INPUT naming the argument."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, TypeVar

import strawberry

from compliance.calendar import CalendarError
from compliance.messages import message_of, t
from compliance.rules import Period, PeriodKind, RuleSetError
from compliance.store import rescheduling
from graph.calendar.types import (
    DeadlineAnswer,
    ReschedulingSummary,
    RestDayReason,
    WorkingDayAnswer,
)
from graph.errors import BadUserInput
from graph.limits import REST_DAYS_MAX_SPAN
from graph.permissions import Overseer, Reader
from graph.types import Info

_T = TypeVar("_T")
SATURDAY = 5


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


def _answered(argument: str, compute: Callable[[], _T]) -> _T:
    """What `compute` gives; a date or period the calendar cannot answer for is BAD_USER_INPUT
    about `argument`."""
    try:
        return compute()
    except CalendarError as refused:
        problem = message_of(refused)
        raise BadUserInput(
            t("calendar.argument", argument=argument, problem=problem), field=argument
        ) from refused


@strawberry.field(
    description="Whether a China civil date is a working day, and why not when it is not.",
    permission_classes=[Reader],
)
def working_day(info: Info, date: date) -> WorkingDayAnswer:
    calendar = info.context.store.calendar()
    working = _answered("date", lambda: calendar.is_working_day(date))
    weekend = date.weekday() >= SATURDAY
    announced = calendar.is_announced(date.year)
    reason = None
    if not working:
        reason = RestDayReason.WEEKEND if weekend else RestDayReason.STATUTORY_HOLIDAY
    return WorkingDayAnswer(
        day=date,
        working_day=working,
        rest_reason=reason,
        make_up_workday=working and weekend,
        announced=announced,
        provisional=not announced,
        calendar_version=calendar.version,
    )


@strawberry.field(
    description=f"The rest days (weekends and statutory holidays, not make-up working days) "
    f"from `from` to `to`, both included, in order; at most {REST_DAYS_MAX_SPAN} days apart. "
    "Days of an unannounced year follow its estimate (see `workingDay`).",
    permission_classes=[Reader],
)
def rest_days(
    info: Info,
    from_: Annotated[date, strawberry.argument(name="from")],
    to: date,
) -> list[date]:
    if to < from_:
        raise BadUserInput(
            t("calendar.to_before_from", to=to.isoformat(), start=from_.isoformat()), field="to"
        )
    span = (to - from_).days
    if span > REST_DAYS_MAX_SPAN:
        raise BadUserInput(
            t("calendar.span_too_long", limit=REST_DAYS_MAX_SPAN, span=span),
            field="to",
            limit=REST_DAYS_MAX_SPAN,
            length=span,
        )
    calendar = info.context.store.calendar()
    days = [from_ + timedelta(days=n) for n in range(span + 1)]
    return _answered("from", lambda: [d for d in days if not calendar.is_working_day(d)])


@strawberry.field(
    description="The deadline a period gives from a trigger date, as obligations are computed: "
    "'10WD' working days, '20D' days (a last day that is a rest day moves to the next working "
    "day), '6M' months; the trigger day never counts.",
    permission_classes=[Reader],
)
def deadline(info: Info, trigger: date, period: str) -> DeadlineAnswer:
    try:
        parsed = Period.parse(period)
    except RuleSetError as refused:
        raise BadUserInput(message_of(refused), field="period") from refused
    if parsed.kind is PeriodKind.STANDING:
        raise BadUserInput(t("calendar.standing_period"), field="period")
    calendar = info.context.store.calendar()
    due = _answered("trigger", lambda: parsed.deadline(trigger, calendar))
    assert due is not None  # only a standing period has none
    return DeadlineAnswer(
        trigger=trigger,
        period=str(parsed),
        due_date=due.due_date,
        due_at=due.due_at,  # as an obligation's dueAt
        provisional=due.provisional,
        calendar_version=due.calendar_version,
    )

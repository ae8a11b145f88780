"""The calendar's input type: a year's announced holiday schedule."""

from datetime import date

import strawberry


@strawberry.input
class LoadCalendarYearInput:
    year: int
    holidays: list[date] = strawberry.field(description="Rest days falling Monday-Friday.")
    make_up_workdays: list[date] = strawberry.field(description="Weekend days declared working.")
    source: str = strawberry.field(description="The State Council notice, e.g. its number.")
    announced_on: date | None = None

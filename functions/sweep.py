"""The sweep Lambda: EventBridge Scheduler calls it daily at 09:00 China time.

The event may name the day to sweep (`{"today": "2026-10-12"}`) so that a missed day can be
re-run; by default it is today in Asia/Shanghai. It queues one gather task per enterprise;
running it twice for a day queues tasks that find their work done.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from compliance.calendar import CHINA_TZ
from compliance.delivery import queue
from compliance.services.reminders import sweep
from functions.settings import sweep_settings

logger = Logger()
metrics = Metrics()


def sweep_date(event: dict[str, Any], now: datetime, *, allow_future: bool = False) -> date:
    """The China date to sweep. A day after today is refused: sweeping it would move every
    schedule past the reminders of the days between, which would then never go out. The local
    stack, which plays with dates, allows it (ALLOW_FUTURE_SWEEPS=1)."""
    today = now.astimezone(CHINA_TZ).date()
    value = (event or {}).get("today")
    if value is None:
        return today
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"'today' must be a date like 2026-10-12; got {value!r}") from None
    if day > today and not allow_future:
        raise ValueError(
            f"'today' {day.isoformat()} is after today in China ({today.isoformat()}): a sweep "
            "of a later day would move reminders past the days before it; re-run only missed "
            "days"
        )
    return day


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = sweep_settings()
    today = sweep_date(event, datetime.now(UTC), allow_future=settings.allow_future_sweeps)
    report = sweep(today, enqueue=queue(settings.queue_url))
    summary = {"sweep_date": today.isoformat(), "enterprises_queued": report.enterprises_queued}
    logger.info("sweep finished", extra=summary)
    metrics.add_metric(
        name="EnterprisesQueued", unit=MetricUnit.Count, value=report.enterprises_queued
    )
    # The "sweep has not succeeded in 26 hours" alarm watches this metric.
    metrics.add_metric(name="SweepSucceeded", unit=MetricUnit.Count, value=1)
    return summary

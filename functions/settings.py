"""What the reminder functions, the changes function, the export function and the partner
authorizer read from their environment, once per cold start: one settings object per
function (the API's is graph/settings.py, where its resolvers see it).

Every variable these functions read is named here; template.yaml sets them, and the local
stack sets the same ones (local/run.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

from msgspec import Struct

from compliance.partner_keys import pepper_from
from compliance.rule_timeline import RuleSetTimeline, configured_rules

DEFAULT_SENDER = "reminders@example.cn"
DEFAULT_LINK = "https://compliance.example.cn/obligations/{id}"


class RemindSettings(Struct, frozen=True):
    """functions/remind.py: gathers queue digest jobs and rescheduling pages; digests are sent
    from ``sender`` and link each obligation through ``link_template`` (``{id}`` replaced)."""

    rules: RuleSetTimeline
    queue_url: str
    sender: str
    link_template: str


class SweepSettings(Struct, frozen=True):
    """functions/sweep.py: the day's gather tasks go to ``queue_url``. Only the local stack,
    which plays with dates, may sweep a day after today."""

    queue_url: str
    allow_future_sweeps: bool


class ChangesSettings(Struct, frozen=True):
    """functions/changes.py: which stream is which table's, and the bus changes go out on."""

    events_table: str
    obligations_table: str
    bus_name: str


class ExportSettings(Struct, frozen=True):
    """functions/export.py: exports are written to ``bucket``; a failed run is queued again on
    ``queue_url``; rule names come from ``rules``. (The API reads the same two variables for
    `exportObligations` and `export`: graph/exports/.)"""

    rules: RuleSetTimeline
    bucket: str
    queue_url: str


class AuthorizerSettings(Struct, frozen=True):
    """functions/authorizer.py: the pepper partner keys' hashes were made with."""

    pepper: bytes


def remind_settings_from(environ: Mapping[str, str]) -> RemindSettings:
    return RemindSettings(
        rules=configured_rules(environ),
        queue_url=_required(environ, "REMINDER_QUEUE_URL"),
        sender=environ.get("SES_SENDER", DEFAULT_SENDER),
        link_template=environ.get("APP_OBLIGATION_URL", DEFAULT_LINK),
    )


def sweep_settings_from(environ: Mapping[str, str]) -> SweepSettings:
    return SweepSettings(
        queue_url=_required(environ, "REMINDER_QUEUE_URL"),
        allow_future_sweeps=environ.get("ALLOW_FUTURE_SWEEPS") == "1",
    )


def changes_settings_from(environ: Mapping[str, str]) -> ChangesSettings:
    return ChangesSettings(
        events_table=_required(environ, "EVENTS_TABLE"),
        obligations_table=_required(environ, "OBLIGATIONS_TABLE"),
        bus_name=_required(environ, "CHANGES_BUS_NAME"),
    )


@cache
def changes_settings() -> ChangesSettings:
    return changes_settings_from(os.environ)


def export_settings_from(environ: Mapping[str, str]) -> ExportSettings:
    return ExportSettings(
        rules=configured_rules(environ),
        bucket=_required(environ, "EXPORTS_BUCKET"),
        queue_url=_required(environ, "EXPORT_QUEUE_URL"),
    )


@cache
def export_settings() -> ExportSettings:
    return export_settings_from(os.environ)


@cache
def authorizer_settings() -> AuthorizerSettings:
    return AuthorizerSettings(pepper=pepper_from(os.environ))


@cache
def remind_settings() -> RemindSettings:
    return remind_settings_from(os.environ)


@cache
def sweep_settings() -> SweepSettings:
    return sweep_settings_from(os.environ)


def forget() -> None:
    """Read the environment again on next use, as a new cold start would (tests and the local
    stack, which set it per run)."""
    remind_settings.cache_clear()
    sweep_settings.cache_clear()
    authorizer_settings.cache_clear()
    export_settings.cache_clear()
    changes_settings.cache_clear()


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "")
    if not value:
        raise RuntimeError(f"{name} is not set; template.yaml sets it for this function")
    return value

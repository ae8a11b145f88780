"""What every mutation shares: who acts (the request a use case is given, for the caller's own
enterprise) and what its input may hold (graph/limits.py), checked in that order before
anything else; storage failures turned into answers once; violations turned into user errors
at the input path the client sent; and payload records shown with the same visibility as
queries."""

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from compliance.errors import (
    ConflictError,
    PartlyWrittenError,
    TooLargeError,
)
from compliance.lifecycle import ACTOR, BatteryState, Violation
from compliance.messages import message_of, phrase, t
from compliance.services.outcome import Recorded, Refusal, Request
from graph.batteries.types import BatteryType
from graph.errors import Forbidden
from graph.events.types import LifecycleEventType
from graph.limits import MAX_USER_ERRORS, input_errors
from graph.obligations.types import ObligationType
from graph.permissions import can_see_battery, can_see_model, can_see_vehicle, require_principal
from graph.types import Info, UserError
from graph.vehicles.types import VehicleModelType, VehicleType

_T = TypeVar("_T")


def error(code: str, message: str, *path: str | int) -> UserError:
    return UserError(field=[str(p) for p in path], code=code, message=message)


def id_errors(value: str, what: str, *path: str) -> list[UserError]:
    """An identifier that is blank names nothing: say so, where and why; `what` is the catalog
    key of its name ("what.obligation_id"). (One too long to name anything was refused with the
    input's other limits.)"""
    if not value.strip():
        return [error("REQUIRED", t("input.empty", what=phrase(what)), *path)]
    return []


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


FieldPath = Callable[[Violation, int | None], list[str]]


def fields(
    names: Mapping[str, str] | None = None,
    *,
    items: str | None = None,
    per_item: Iterable[str] = (),
    whole_item: Iterable[str] = (),
) -> FieldPath:
    """Where a violation points in the input: `names` renames domain fields (default: their
    camelCase); with `items`, a violation of input item `index` points into that list, at
    the item's field (`per_item`) or at the item itself (`whole_item`, lists of codes)."""
    names = dict(names or {})
    per_item, whole_item = frozenset(per_item), frozenset(whole_item)

    def path(violation: Violation, index: int | None) -> list[str]:
        if violation.field == ACTOR:
            # The caller's own enterprise is at fault, not a value it sent.
            return ["input"]
        head, *rest = violation.field.split(".")
        name = names.get(head, camel(head))
        if items is not None and index is not None:
            if head in whole_item:
                return ["input", items, str(index)]
            if head in per_item:
                return ["input", items, str(index), name]
        return ["input", name, *rest]

    return path


def user_errors(violations: Iterable[Violation], path: FieldPath) -> list[UserError]:
    return _unique(
        UserError(field=path(v, None), code=v.code, message=v.message) for v in violations
    )


def refusal_errors(refusals: Iterable[Refusal], path: FieldPath) -> list[UserError]:
    return _unique(
        UserError(
            field=path(r.violation, r.index), code=r.violation.code, message=r.violation.message
        )
        for r in refusals
    )


def _unique(errors: Iterable[UserError]) -> list[UserError]:
    """Each error once (events of one change can share a cause), and at most `MAX_USER_ERRORS`
    of them, then one saying how many more there are: a batch of malformed codes must not
    make an answer too large to send."""
    found: list[UserError] = []
    seen: set[tuple[tuple[str, ...], str, str]] = set()
    more = 0
    for user_error in errors:
        key = (tuple(user_error.field), user_error.code, user_error.message)
        if key in seen:
            continue
        seen.add(key)
        if len(found) < MAX_USER_ERRORS:
            found.append(user_error)
        else:
            more += 1
    if more:
        found.append(error("TOO_MANY_ERRORS", t("input.more_problems", more=more), "input"))
    return found


async def request_of(info: Info, *, input: object | None = None) -> Request:
    """The request a use case runs for: the caller's own enterprise, from its token only (the
    mutation's permission admitted only callers that act for one). Its `input` is then held to
    the limits (`Failed` with its userErrors when over them), before anything is read."""
    context = info.context
    principal = require_principal(context)
    if input is not None and (over := input_errors(info, input)):
        raise Failed(*over)
    actor_id = principal.enterprise_id
    actor = await context.loaders.enterprise.load(actor_id) if actor_id else None
    if actor is None:
        raise Forbidden(t("input.actor_not_registered", id=actor_id))
    return Request(
        actor=actor.facts,
        by=principal.subject,
        now=context.now,
        today=context.today,
        rules=context.settings.rules,
    )


class Failed(Exception):  # noqa: N818 - control flow: the mutation ends in user errors
    def __init__(self, *user_errors: UserError) -> None:
        self.user_errors = list(user_errors)


def run(use_case: Callable[[], _T]) -> _T:
    """Run a use case; what storage says becomes an answer here, once: a lost race is a
    CONFLICT user error, a change too large for one write a TOO_LARGE one, a large change
    stopped part of the way a PARTLY_WRITTEN one (sending it again records the rest), and
    storage out of reach a top-level SERVICE_UNAVAILABLE (nothing was written; retrying later is
    safe)."""
    try:
        return use_case()
    except PartlyWrittenError as failure:
        raise Failed(error("PARTLY_WRITTEN", message_of(failure), "input")) from failure
    except ConflictError as failure:
        raise Failed(error("CONFLICT", message_of(failure))) from failure
    except TooLargeError as failure:
        raise Failed(error("TOO_LARGE", message_of(failure), "input")) from failure


async def answer(
    attempt: Callable[[], Awaitable[_T]], refused: Callable[[list[UserError]], _T]
) -> _T:
    """The payload `attempt` builds, or, when it ended in `Failed` (input over its limits, or a
    use case that failed in `run`), the payload `refused` builds from those user errors."""
    try:
        return await attempt()
    except Failed as failure:
        return refused(failure.user_errors)


async def recorded_answer(
    info: Info,
    run_case: Callable[[Request], Recorded],
    path: FieldPath,
    payload: Callable[[Recorded], _T],
    refused: Callable[[list[UserError]], _T],
    *,
    input: object,
    invalid: Callable[[], list[UserError]] | None = None,
) -> _T:
    """The answer of a mutation that records events: the caller's request, then `input` against
    its limits, then `invalid` input errors, then the use case's refusals at the input path
    `path` gives, or `payload` of what it recorded."""

    async def attempt() -> _T:
        request = await request_of(info, input=input)
        if invalid is not None and (errors := invalid()):
            return refused(errors)
        recorded = run(lambda: run_case(request))
        if not recorded.ok:
            return refused(refusal_errors(recorded.refusals, path))
        return payload(recorded)

    return await answer(attempt, refused)


# --- what payloads show ---------------------------------------------------------------------


def visible_batteries(info: Info, states: Sequence[BatteryState | None]) -> list[BatteryType]:
    """Payload batteries, as the caller would see them in a query: one that has left its
    custody (handed over, say) is not shown."""
    principal = require_principal(info.context)
    return [BatteryType.of(s) for s in states if s is not None and can_see_battery(principal, s)]


def visible_battery(info: Info, state: BatteryState | None) -> BatteryType | None:
    found = visible_batteries(info, [state])
    return found[0] if found else None


def visible_vehicle(info: Info, recorded: Recorded | None, vin: str) -> VehicleType | None:
    state = recorded.vehicles.get(vin) if recorded else None
    principal = require_principal(info.context)
    return VehicleType.of(state) if state and can_see_vehicle(principal, state) else None


def visible_model(info: Info, recorded: Recorded | None, code: str) -> VehicleModelType | None:
    state = recorded.models.get(code) if recorded else None
    principal = require_principal(info.context)
    return VehicleModelType.of(state) if state and can_see_model(principal, state) else None


def obligations_of(recorded: Recorded | None) -> list[ObligationType]:
    return [ObligationType.of(r) for r in recorded.obligations] if recorded else []


def events_of(recorded: Recorded | None) -> list[LifecycleEventType]:
    """The events a request recorded (or, sent again, had recorded): the caller's own."""
    return [LifecycleEventType.of(r) for r in recorded.events] if recorded else []

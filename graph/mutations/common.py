"""What every mutation shares: who acts (the request a use case is given), storage failures
turned into answers once, violations turned into user errors at the input path the client
sent, and payload records shown with the same visibility as queries."""

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from compliance.errors import (
    ConflictError,
    PartlyWrittenError,
    StoreUnavailableError,
    TooLargeError,
)
from compliance.lifecycle import ACTOR, BatteryState, Violation
from compliance.services.outcome import Recorded, Refusal, Request
from graph.context import SCOPE_EVENTS
from graph.errors import Forbidden, Unavailable
from graph.permissions import (
    can_see_battery,
    can_see_model,
    can_see_vehicle,
    require_enterprise_writer,
    require_principal,
)
from graph.types import (
    BatteryType,
    Info,
    LifecycleEventType,
    ObligationType,
    UserError,
    VehicleModelType,
    VehicleType,
)

_T = TypeVar("_T")

# The longest identifier a mutation accepts. Real ones are short (a USCC has 18 characters, a
# battery code 24, an obligation id 27, a model code about 10); the limit keeps a request from
# reaching DynamoDB with a key it refuses, which would otherwise read as an outage.
ID_MAX_LENGTH = 128


def error(code: str, message: str, *path: str | int) -> UserError:
    return UserError(field=[str(p) for p in path], code=code, message=message)


def id_errors(value: str, what: str, *path: str) -> list[UserError]:
    """An identifier that is blank or too long can name nothing: say so, where and why."""
    if not value.strip():
        return [error("REQUIRED", f"Give the {what}; it is empty.", *path)]
    if len(value) > ID_MAX_LENGTH:
        message = (
            f"The {what} is {len(value):,} characters long; at most {ID_MAX_LENGTH} are accepted."
        )
        return [error("TOO_LONG", message, *path)]
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
    found: list[UserError] = []
    for user_error in errors:  # events of one change can share a cause
        if user_error not in found:
            found.append(user_error)
    return found


async def request_of(info: Info, scope: str, *, admin: bool = False) -> Request:
    """The request a use case runs for: the caller's own enterprise, from its token only."""
    context = info.context
    actor_id = require_enterprise_writer(context, scope, admin=admin)
    actor = await context.loaders.enterprise.load(actor_id)
    if actor is None:
        raise Forbidden(f"Enterprise {actor_id} is not registered; ask the platform to onboard it.")
    return Request(
        actor=actor.facts,
        by=require_principal(context).subject,
        now=context.now,
        today=context.today,
        rule_set=context.settings.rule_set,
    )


class Failed(Exception):  # noqa: N818 - control flow: the use case ended in a user error
    def __init__(self, user_error: UserError) -> None:
        self.user_error = user_error


def run(use_case: Callable[[], _T]) -> _T:
    """Run a use case; what storage says becomes an answer here, once: a lost race is a
    CONFLICT user error, a change too large for one write a TOO_LARGE one, a large change
    stopped part of the way a PARTLY_WRITTEN one (sending it again records the rest), and
    storage out of reach a top-level SERVICE_UNAVAILABLE (nothing was written; retrying later is
    safe)."""
    try:
        return use_case()
    except PartlyWrittenError as failure:
        raise Failed(error("PARTLY_WRITTEN", str(failure), "input")) from failure
    except ConflictError as failure:
        raise Failed(error("CONFLICT", str(failure))) from failure
    except TooLargeError as failure:
        raise Failed(error("TOO_LARGE", str(failure), "input")) from failure
    except StoreUnavailableError as failure:
        raise Unavailable(
            "Storage is unavailable; nothing was written. Retry shortly."
        ) from failure


async def answer(
    attempt: Callable[[], Awaitable[_T]], refused: Callable[[list[UserError]], _T]
) -> _T:
    """The payload `attempt` builds, or, when the use case failed in `run`, the payload
    `refused` builds from that one user error."""
    try:
        return await attempt()
    except Failed as failure:
        return refused([failure.user_error])


async def recorded_answer(
    info: Info,
    run_case: Callable[[Request], Recorded],
    path: FieldPath,
    payload: Callable[[Recorded], _T],
    refused: Callable[[list[UserError]], _T],
    *,
    invalid: Callable[[], list[UserError]] | None = None,
) -> _T:
    """The answer of a mutation that records events: the caller's request (refused if the
    caller may not write events), then `invalid` input errors, then the use case's refusals at
    the input path `path` gives, or `payload` of what it recorded."""

    async def attempt() -> _T:
        request = await request_of(info, SCOPE_EVENTS)
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
    return [BatteryType(state=s) for s in states if s is not None and can_see_battery(principal, s)]


def visible_battery(info: Info, state: BatteryState | None) -> BatteryType | None:
    found = visible_batteries(info, [state])
    return found[0] if found else None


def visible_vehicle(info: Info, recorded: Recorded | None, vin: str) -> VehicleType | None:
    state = recorded.vehicles.get(vin) if recorded else None
    principal = require_principal(info.context)
    return VehicleType(state=state) if state and can_see_vehicle(principal, state) else None


def visible_model(info: Info, recorded: Recorded | None, code: str) -> VehicleModelType | None:
    state = recorded.models.get(code) if recorded else None
    principal = require_principal(info.context)
    return VehicleModelType(state=state) if state and can_see_model(principal, state) else None


def obligations_of(recorded: Recorded | None) -> list[ObligationType]:
    return [ObligationType(record=r) for r in recorded.obligations] if recorded else []


def events_of(recorded: Recorded | None) -> list[LifecycleEventType]:
    """The events a request recorded (or, sent again, had recorded): the caller's own."""
    return [LifecycleEventType(record=r) for r in recorded.events] if recorded else []

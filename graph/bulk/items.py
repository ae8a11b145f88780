"""How a bulk mutation runs its items: the call's limits, then each item on its own, several at
once, and each item's answer at its index.

- **The call.** Over `MAX_BULK_ITEMS` items it is refused whole, before anything is read. An
  item over its own limits (a VIN too long, too many battery codes) is refused alone, with the
  userError its single mutation would give, at its path in the list.
- **Each item** is its single mutation's use case, run as that mutation runs it (`run`): what
  storage says becomes that item's userErrors (CONFLICT, PARTLY_WRITTEN), never the call's. A
  store out of reach refuses the items it stopped (SERVICE_UNAVAILABLE; the call's answer is
  then not kept for its idempotency key, so a retry really runs) and not the others.
- **Concurrency.** The use cases are synchronous store calls: items run on `CONCURRENCY`
  threads. Items that name the same record (a VIN, a battery code, an obligation) form a lane
  and run one after another in input order, so a record named twice is answered the second
  time exactly as its single mutation sent twice is: a retry (the same answer) or a refusal.
  Items of different lanes can still meet on a record no item names (a coverage duty two
  registrations in one prefecture both create, a count shard): the loser's transaction is
  cancelled with nothing written (`ConflictError`), and it is read and tried again, as a
  client would, up to `ATTEMPTS` times.
- **Shared reads.** The records the items name (vehicles, batteries, obligations) are read
  together before they run, a hundred keys a call, and each is handed to the first item that
  asks; the calendar in force and vehicle models, which these mutations do not write, are read
  once a call (`_SharedReads`). Everything else an item reads, it reads itself.
"""

import asyncio
import contextvars
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, Protocol, TypeVar, cast

from compliance.calendar import WorkingDayCalendar
from compliance.errors import ConflictError, StoreUnavailableError
from compliance.lifecycle import BatteryState, ModelState, VehicleState
from compliance.obligations import ObligationRecord
from compliance.services.outcome import Request
from compliance.services.store import Store, Stored
from graph.errors import unavailable
from graph.limits import input_errors
from graph.mutations.common import Failed, FieldPath, error, request_of
from graph.types import Info, UserError

# Items under way at once in one process. Each makes one DynamoDB call at a time; the models'
# shared botocore client pools 20 connections (compliance/store/models.py), which leaves room
# for the loaders' reads of the payloads.
CONCURRENCY = 8
_threads = ThreadPoolExecutor(max_workers=CONCURRENCY, thread_name_prefix="graph-bulk")

# An item whose write met another one in flight is read and tried again this many times in all.
ATTEMPTS = 3

_T = TypeVar("_T")
_I = TypeVar("_I")


class ItemResult(Protocol):
    index: int
    user_errors: list[UserError]


_R = TypeVar("_R", bound=ItemResult)


def retried(case: Callable[[], _T]) -> _T:
    """`case()`, read and tried again when its write lost a race (nothing of it was written)."""
    for _ in range(ATTEMPTS - 1):
        try:
            return case()
        except ConflictError:
            continue
    return case()


def item_path(index: int, *rest: str) -> list[str]:
    return ["input", "items", str(index), *rest]


def within(index: int, errors: Iterable[UserError]) -> list[UserError]:
    """A single mutation's userErrors, pointed into the list: its `["input", ...]` path (or no
    path: a lost race) at item `index`."""
    moved = []
    for found in errors:
        rest = found.field[1:] if found.field[:1] == ["input"] else found.field
        moved.append(
            UserError(field=item_path(index, *rest), code=found.code, message=found.message)
        )
    return moved


def path_within(index: int, path: FieldPath) -> FieldPath:
    """A single mutation's path function, pointed into the list at item `index`."""
    return lambda violation, position: item_path(index, *path(violation, position)[1:])


class Bulk(Generic[_I, _R]):
    """One bulk mutation: which records an item names (`keys`: `V#<vin>`, `B#<battery code>`,
    `O#<obligation id>`, exactly as the item gives them to its use case), how its single
    mutation applies it (`apply`: synchronous, on a worker thread), and its refusal
    (`refused`)."""

    def __init__(
        self,
        keys: Callable[[_I], Iterable[str]],
        apply: Callable[[Store, Request, int, _I], _R],
        refused: Callable[[int, list[UserError]], _R],
    ) -> None:
        self.keys = keys
        self.apply = apply
        self.refused = refused

    async def run(
        self, info: Info, input: object, items: Sequence[_I]
    ) -> tuple[list[_R], list[UserError]]:
        """Each item's result in input order, or none and the call's userErrors."""
        over = input_errors(info, input)
        whole = [e for e in over if len(e.field) < len(item_path(0))]
        if whole:
            return [], whole
        request = await request_of(info)
        shared = _SharedReads(info.context.store)
        store = cast(Store, shared)
        results: list[_R | None] = [None] * len(items)
        for index, errors in _by_item(over).items():
            results[index] = self.refused(index, errors)
        pending = [i for i, result in enumerate(results) if result is None]
        keys = {i: list(self.keys(items[i])) for i in pending}
        loop = asyncio.get_running_loop()
        named = [key for i in pending for key in keys[i]]
        await loop.run_in_executor(_threads, contextvars.copy_context().run, shared.prefetch, named)

        async def lane(indexes: list[int]) -> None:
            for index in indexes:
                context = contextvars.copy_context()  # the request's call count follows it
                results[index] = await loop.run_in_executor(
                    _threads, context.run, self._one, store, request, index, items[index]
                )

        done = await asyncio.gather(
            *(lane(indexes) for indexes in lanes(pending, [keys[i] for i in pending])),
            return_exceptions=True,
        )
        # Every lane has finished (nothing is left writing) before an unexpected failure
        # answers the call.
        for outcome in done:
            if isinstance(outcome, BaseException):
                raise outcome
        return [r for r in results if r is not None], []

    def _one(self, store: Store, request: Request, index: int, item: _I) -> _R:
        try:
            return self.apply(store, request, index, item)
        except Failed as failure:
            return self.refused(index, within(index, failure.user_errors))
        except StoreUnavailableError:
            return self.refused(
                index, [error("SERVICE_UNAVAILABLE", unavailable(mutation=True), *item_path(index))]
            )


def _by_item(errors: Iterable[UserError]) -> dict[int, list[UserError]]:
    found: dict[int, list[UserError]] = {}
    for user_error in errors:
        found.setdefault(int(user_error.field[2]), []).append(user_error)
    return found


def lanes(indexes: Sequence[int], keys: Sequence[Iterable[str]]) -> list[list[int]]:
    """`indexes` in groups that share no key (`keys[n]` are those of `indexes[n]`), each in
    input order: items naming a record in common, directly or through others, are one lane."""
    parent = list(range(len(indexes)))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    first_with: dict[str, int] = {}
    for n, named in enumerate(keys):
        for key in named:
            other = first_with.setdefault(key, n)
            parent[root(n)] = root(other)
    grouped: dict[int, list[int]] = {}
    for n, index in enumerate(indexes):
        grouped.setdefault(root(n), []).append(index)
    return list(grouped.values())


# What an item's keys name, by their prefix: the store's read of such records.
_PREFETCHED: Mapping[str, str] = {"V": "vehicles", "B": "batteries", "O": "obligations"}


class _SharedReads:
    """The store of one bulk call: the use cases' own, with reads shared between items.

    - The calendar in force and vehicle models are read once for all items: these mutations
      write neither, so an item reads them as it would have a moment earlier.
    - The vehicles, batteries and obligations the items name are read together before they run
      (`prefetch`: one BatchGet per 100 keys, consistent), and each record so read is handed to
      the first item that asks for it, once. Any later read of it (the next item of its lane,
      after the first wrote it; a retry after a lost race) goes to the store. Items of other
      lanes never name it, and the write of the item that got it is conditional on the version
      read, as it always is.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._calendar: WorkingDayCalendar | None = None
        self._models: dict[str, Stored[ModelState] | None] = {}
        self._first: dict[str, dict[str, Any]] = {}  # store method -> key -> record or None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def prefetch(self, keys: Iterable[str]) -> None:
        """Reads the records named by item keys (`V#<vin>`, `B#<code>`, `O#<obligation id>`)."""
        wanted: dict[str, set[str]] = {}
        for key in keys:
            kind, _, name = key.partition("#")
            wanted.setdefault(_PREFETCHED[kind], set()).add(name)
        for method, names in wanted.items():
            found = getattr(self._store, method)(names)
            self._first[method] = {name: found.get(name) for name in names}

    def _once(self, method: str, keys: Iterable[str]) -> dict[str, Any]:
        wanted = set(keys)
        with self._lock:
            first = self._first.get(method, {})
            handed = {key: first.pop(key) for key in wanted if key in first}
        rest = wanted - handed.keys()
        found = dict(getattr(self._store, method)(rest)) if rest else {}
        found.update({key: record for key, record in handed.items() if record is not None})
        return found

    def vehicles(self, vins: Iterable[str]) -> dict[str, Stored[VehicleState]]:
        return self._once("vehicles", vins)

    def batteries(self, codes: Iterable[str]) -> dict[str, Stored[BatteryState]]:
        return self._once("batteries", codes)

    def obligations(self, ids: Iterable[str]) -> dict[str, ObligationRecord]:
        return self._once("obligations", ids)

    def calendar(self) -> WorkingDayCalendar:
        with self._lock:
            if self._calendar is None:
                self._calendar = self._store.calendar()
            return self._calendar

    def models(self, codes: Iterable[str]) -> dict[str, Stored[ModelState]]:
        wanted = set(codes)
        with self._lock:
            missing = wanted - self._models.keys()
            if missing:
                found = self._store.models(missing)
                self._models.update({code: found.get(code) for code in missing})
            return {code: model for code in wanted if (model := self._models[code]) is not None}

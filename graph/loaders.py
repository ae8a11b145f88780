"""Per-request DataLoaders: every related record is fetched with one BatchGet per kind and
level of a query, never one request per object (N+1 is a bug); a subject's history, its
obligations, a battery's parts and a coverage region's points, which are one Query each, are
read for a whole level at once, concurrently.

Results are re-ordered to the requested keys; a missing key loads as None. Visibility is not
decided here: resolvers check it on what the loaders return.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Generic, NamedTuple, TypeVar

from msgspec import Struct
from strawberry.dataloader import DataLoader

from compliance.enterprises import Enterprise
from compliance.lifecycle import BatteryState, EventRecord, ModelState, VehicleState
from compliance.network import ServicePoint
from compliance.obligations import ObligationRecord
from compliance.rules import SubjectKind
from compliance.services.store import Store
from compliance.store import reads
from compliance.store.coverage import RowPoints, points_in_rows
from compliance.store.dynamo import DynamoStore

_K = TypeVar("_K")
_T = TypeVar("_T")

# PynamoDB is synchronous, so a level's Queries run on threads. All models share one botocore
# client with 20 pooled connections (compliance/store/models.py): 16 Queries at once leave
# connections for the BatchGets other loaders make meanwhile, so none waits for a connection.
QUERY_CONCURRENCY = 16
_query_threads = ThreadPoolExecutor(max_workers=QUERY_CONCURRENCY, thread_name_prefix="graph-query")


class _Batch(Generic[_T]):
    def __init__(self, fetch: Callable[[Sequence[str]], Mapping[str, _T]]) -> None:
        self.fetch = fetch

    async def __call__(self, keys: list[str]) -> list[_T | None]:
        found = self.fetch(keys)
        return [found.get(key) for key in keys]


class _Concurrent(Generic[_K, _T]):
    """One read per key (a Query), the keys of a batch read at once on the query threads."""

    def __init__(self, read: Callable[[_K], _T]) -> None:
        self.read = read

    async def __call__(self, keys: list[_K]) -> list[_T | BaseException]:
        loop = asyncio.get_running_loop()
        # Each read runs in a copy of the request's context, so that what the request keeps in
        # context variables (the DynamoDB calls it makes, graph/cost.py) follows it into the
        # thread. A failed read fails only the fields that asked for its key.
        reads_under_way = [
            loop.run_in_executor(_query_threads, contextvars.copy_context().run, self.read, key)
            for key in keys
        ]
        return await asyncio.gather(*reads_under_way, return_exceptions=True)


class SubjectObligations(NamedTuple):
    """Which obligations page a vehicle's or battery's `obligations` field reads."""

    kind: SubjectKind
    subject_id: str
    first: int
    today: date


def _subject_obligations(key: SubjectObligations) -> list[ObligationRecord]:
    page = reads.obligation_page(
        reads.ObligationScope(subject=(key.kind, key.subject_id)),
        first=key.first,
        after=None,
        where=reads.ObligationFilter(),
        today=key.today,
    )
    return list(page.records)


class _RowPointsBatch:
    """A level's coverage regions' points, read together (compliance/store/coverage.py)."""

    async def __call__(self, keys: list[RowPoints]) -> list[list[ServicePoint] | BaseException]:
        loop = asyncio.get_running_loop()
        read = contextvars.copy_context().run
        try:
            found = await loop.run_in_executor(_query_threads, read, points_in_rows, keys)
        except Exception as error:
            return [error for _ in keys]
        return [found[key] for key in keys]


class Loaders(Struct):
    enterprise: DataLoader[str, Enterprise | None]
    model: DataLoader[str, ModelState | None]
    vehicle: DataLoader[str, VehicleState | None]
    battery: DataLoader[str, BatteryState | None]
    obligation: DataLoader[str, ObligationRecord | None]
    history: DataLoader[str, list[EventRecord]]  # by subject: `V#<vin>`, `B#<code>`
    subject_obligations: DataLoader[SubjectObligations, list[ObligationRecord]]
    children: DataLoader[str, list[BatteryState]]  # by parent code, at most MAX_CHILDREN
    row_points: DataLoader[RowPoints, list[ServicePoint]]


# The most parts `Battery.children` lists. A pack or module has at most a few hundred parts in
# practice; the cap leaves room for large cell-to-pack designs while one Query page (1 MB)
# still holds them all, so a battery's parts stay one call.
MAX_CHILDREN = 1000


def new_loaders(store: Store | None = None) -> Loaders:
    """Fresh loaders for one request; call inside the request's event loop. A battery's parts
    are read through `store` (`Store.children`), DynamoDB by default."""
    parts = store or DynamoStore()

    def children(parent_code: str) -> list[BatteryState]:
        return parts.children(parent_code, MAX_CHILDREN)

    return Loaders(
        enterprise=DataLoader(load_fn=_Batch(reads.enterprises)),
        model=DataLoader(load_fn=_Batch(reads.models)),
        vehicle=DataLoader(load_fn=_Batch(reads.vehicles)),
        battery=DataLoader(load_fn=_Batch(reads.batteries)),
        obligation=DataLoader(load_fn=_Batch(reads.obligations)),
        history=DataLoader(load_fn=_Concurrent(reads.history)),
        subject_obligations=DataLoader(load_fn=_Concurrent(_subject_obligations)),
        children=DataLoader(load_fn=_Concurrent(children)),
        row_points=DataLoader(load_fn=_RowPointsBatch()),
    )

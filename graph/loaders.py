"""Per-request DataLoaders: every related record is fetched with one BatchGet per kind and
level of a query, never one request per object (N+1 is a bug).

Results are re-ordered to the requested keys; a missing key loads as None. Visibility is not
decided here: resolvers check it on what the loaders return.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

from msgspec import Struct
from strawberry.dataloader import DataLoader

from compliance.enterprises import Enterprise
from compliance.lifecycle import BatteryState, ModelState, VehicleState
from compliance.obligations import ObligationRecord
from compliance.store import reads

_T = TypeVar("_T")


class _Batch(Generic[_T]):
    def __init__(self, fetch: Callable[[Sequence[str]], Mapping[str, _T]]) -> None:
        self.fetch = fetch

    async def __call__(self, keys: list[str]) -> list[_T | None]:
        found = self.fetch(keys)
        return [found.get(key) for key in keys]


class Loaders(Struct):
    enterprise: DataLoader[str, Enterprise | None]
    model: DataLoader[str, ModelState | None]
    vehicle: DataLoader[str, VehicleState | None]
    battery: DataLoader[str, BatteryState | None]
    obligation: DataLoader[str, ObligationRecord | None]


def new_loaders() -> Loaders:
    """Fresh loaders for one request; call inside the request's event loop."""
    return Loaders(
        enterprise=DataLoader(load_fn=_Batch(reads.enterprises)),
        model=DataLoader(load_fn=_Batch(reads.models)),
        vehicle=DataLoader(load_fn=_Batch(reads.vehicles)),
        battery=DataLoader(load_fn=_Batch(reads.batteries)),
        obligation=DataLoader(load_fn=_Batch(reads.obligations)),
    )

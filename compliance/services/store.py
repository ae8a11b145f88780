"""What the use cases need from storage: the Store protocol, and the writes they hand it.

Reads of records by their keys return what is on record now (strongly consistent), with the
version each record was read at; `covered`, `coverage_duties` and `children` read indexes,
which DynamoDB keeps eventually consistent (a point saved a moment earlier may not count yet). A
use case validates everything first, then hands the store its changes as units: each unit is
written all or nothing, and only if every record it changes, or names in a condition, is still
at the version read (or still absent, for a new one); otherwise the store raises
`compliance.errors.ConflictError` and writes nothing of that unit. `compliance.store.dynamo`
implements this on DynamoDB; the tests' in-memory store implements it on dictionaries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Generic, Protocol, TypeVar

from msgspec import Struct

from compliance.calendar import WorkingDayCalendar
from compliance.enterprises import Enterprise
from compliance.lifecycle import BatteryState, EventRecord, LifecycleEvent, ModelState, VehicleState
from compliance.network import PointType, ServicePoint
from compliance.obligations import ObligationRecord
from compliance.rules import Obligation, ObligationStatus

_T = TypeVar("_T")


class Stored(Struct, Generic[_T], frozen=True):
    """A record as read, with the version a write of it must still find."""

    value: _T
    version: int


# --- writes ---------------------------------------------------------------------------------
# `version` is the version read; None means the record must not exist yet.


class PutEvent(Struct, frozen=True):
    """A new event, in the history of each of its subjects; never overwrites one."""

    record: EventRecord
    obligation_ids: frozenset[str] = frozenset()


class PutBattery(Struct, frozen=True):
    state: BatteryState
    version: int | None


class PutVehicle(Struct, frozen=True):
    state: VehicleState
    version: int | None


class PutModel(Struct, frozen=True):
    state: ModelState
    version: int | None


class NewObligation(Struct, frozen=True):
    obligation: Obligation
    created_at: datetime
    remind_on: (
        date  # its first reminder (compliance.reminder_schedule.first_reminder_on), maybe past
    )


class CloseObligation(Struct, frozen=True):
    """The obligation as it is after fulfilment or waiver; its other attributes (the reminder
    stages sent, the reschedules) stay as stored, and it leaves the reminder schedule."""

    record: ObligationRecord
    version: int
    was: ObligationStatus  # its stored status when read (the counts move from it)


class ReopenObligation(Struct, frozen=True):
    """A closed obligation open again (a coverage duty whose region lost its last point); it
    rejoins the reminder schedule on `remind_on`."""

    record: ObligationRecord
    version: int
    remind_on: date
    was: ObligationStatus


class BatteryUnchanged(Struct, frozen=True):
    """A condition, not a change: the battery is still at the version read. A part is registered
    into its pack or module as the checks saw it (its maker holding it, neither disposed nor
    re-coded) while the parent itself is not written: parts refer to their parent, the parent
    does not list them. Units that share the condition may share one write, which checks it
    once."""

    code: str
    version: int


class PutServicePoint(Struct, frozen=True):
    point: ServicePoint
    version: int | None
    # The point as stored before (None: a new point): the rows that count it move with it.
    before: ServicePoint | None = None
    # When the write takes an active point out of its region: whether it counts on other active
    # points of the operator still covering the region (True) or on none (False, its coverage
    # duties open again), as read. The write is refused if that changed meanwhile, so that two
    # points switched off at once cannot each count on the other.
    others_active: bool | None = None


class ClaimPointKey(Struct, frozen=True):
    """Ties a natural key (`compliance.network.natural_key`) to a point; one point per key."""

    key: str
    point_id: str


class ReleasePointKey(Struct, frozen=True):
    key: str
    point_id: str  # the point it must still belong to


class PutEnterprise(Struct, frozen=True):
    enterprise: Enterprise
    version: int | None


class ClaimManufacturerCode(Struct, frozen=True):
    code: str
    owner: str


class CodeUnclaimed(Struct, frozen=True):
    """A condition, not a change: no enterprise holds this manufacturer code."""

    code: str


Write = (
    PutEvent
    | PutBattery
    | PutVehicle
    | PutModel
    | NewObligation
    | CloseObligation
    | ReopenObligation
    | PutServicePoint
    | BatteryUnchanged
    | ClaimPointKey
    | ReleasePointKey
    | PutEnterprise
    | ClaimManufacturerCode
    | CodeUnclaimed
)


class OnRecord(Struct, frozen=True):
    """An event found on record, with the obligations it created."""

    record: EventRecord
    obligation_ids: frozenset[str] = frozenset()


class Unit(Struct, frozen=True):
    """Writes that happen together or not at all."""

    writes: tuple[Write, ...]


class Store(Protocol):
    def calendar(self) -> WorkingDayCalendar: ...

    def enterprises(self, ids: Iterable[str]) -> dict[str, Stored[Enterprise]]: ...

    def code_owners(self, codes: Iterable[str]) -> dict[str, str]:
        """For each manufacturer code some enterprise holds, that enterprise."""
        ...

    def batteries(self, codes: Iterable[str]) -> dict[str, Stored[BatteryState]]: ...

    def children(self, parent_code: str, limit: int) -> list[BatteryState]:
        """The batteries registered as parts of `parent_code` (its modules or cells), in code
        order, at most `limit`. Reads an index: a part registered a moment earlier may not be
        listed yet."""
        ...

    def vehicles(self, vins: Iterable[str]) -> dict[str, Stored[VehicleState]]: ...

    def models(self, codes: Iterable[str]) -> dict[str, Stored[ModelState]]: ...

    def recorded(self, events: Sequence[LifecycleEvent]) -> dict[str, OnRecord]:
        """Of `events`, those on record already, by id."""
        ...

    def obligations(self, ids: Iterable[str]) -> dict[str, ObligationRecord]: ...

    def service_points(self, ids: Iterable[str]) -> dict[str, Stored[ServicePoint]]: ...

    def point_with_key(self, key: str) -> str | None:
        """The id of the point that holds a natural key, if one does."""
        ...

    def covered(
        self, operator: str, regions: Iterable[tuple[PointType, str]]
    ) -> frozenset[tuple[PointType, str]]:
        """Which of `regions` (point type, coverage region) an active point of `operator`
        covers. Reads only those regions, however many points the operator has."""
        ...

    def active_points(self, operator: str, point_type: PointType, region: str) -> int:
        """How many active points `operator` runs of one type for one region (its network
        row, read consistently): one item, however many points it has."""
        ...

    def coverage_duties(
        self, responsible: str, point_type: PointType, region: str
    ) -> list[ObligationRecord]:
        """The coverage duties of `responsible` for one region, open or closed."""
        ...

    def commit(self, units: Sequence[Unit], *, pack: bool = False) -> None:
        """Write `units` in order, each all or nothing. With `pack`, units that change
        different records may share one write to storage (fewer round trips)."""
        ...

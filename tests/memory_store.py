"""The Store protocol on dictionaries, for use-case tests that run in milliseconds.

It keeps the promises `compliance.store.dynamo` keeps, so that a use case tested here behaves
the same on DynamoDB: a new record starts at version 1 and each write adds one; a unit is
written only if every record it changes is still at the version read (or still absent), and
otherwise nothing of it is written and ConflictError is raised (PartlyWrittenError when the
units before it were written). It also counts its reads, so
tests can show what a use case reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from msgspec.structs import replace

from compliance.calendar import WorkingDayCalendar, default_calendar
from compliance.enterprises import Enterprise
from compliance.errors import ConflictError, PartlyWrittenError
from compliance.lifecycle import (
    BatteryState,
    EventKind,
    EventRecord,
    LifecycleEvent,
    ModelState,
    VehicleState,
)
from compliance.network import COVERAGE_RULES, PointType, ServicePoint
from compliance.obligations import ObligationRecord, new_record
from compliance.services.store import (
    BatteryUnchanged,
    ClaimManufacturerCode,
    ClaimPointKey,
    CloseObligation,
    CodeUnclaimed,
    NewObligation,
    OnRecord,
    PutBattery,
    PutEnterprise,
    PutEvent,
    PutModel,
    PutServicePoint,
    PutVehicle,
    ReleasePointKey,
    ReopenObligation,
    Stored,
    Unit,
    Write,
)


class MemoryStore:
    """Every table a dictionary of (record, version)."""

    def __init__(self, calendar: WorkingDayCalendar | None = None) -> None:
        self._calendar = calendar or default_calendar()
        self.tables: dict[str, dict[str, tuple[Any, int]]] = {
            name: {}
            for name in (
                "enterprise",
                "battery",
                "vehicle",
                "model",
                "obligation",
                "point",
                "point_key",
                "code",
            )
        }
        self.events: dict[str, OnRecord] = {}
        self.reads: Counter[str] = Counter()

    # --- reads ------------------------------------------------------------------------------

    def _get(self, table: str, keys: Iterable[str]) -> dict[str, Stored[Any]]:
        self.reads[table] += 1
        rows = self.tables[table]
        return {k: Stored(rows[k][0], rows[k][1]) for k in set(keys) if k in rows}

    def calendar(self) -> WorkingDayCalendar:
        return self._calendar

    def enterprises(self, ids: Iterable[str]) -> dict[str, Stored[Enterprise]]:
        return self._get("enterprise", ids)

    def code_owners(self, codes: Iterable[str]) -> dict[str, str]:
        return {k: s.value for k, s in self._get("code", codes).items()}

    def batteries(self, codes: Iterable[str]) -> dict[str, Stored[BatteryState]]:
        return self._get("battery", codes)

    def children(self, parent_code: str, limit: int) -> list[BatteryState]:
        self.reads["battery"] += 1
        parts = [b for b, _ in self.tables["battery"].values() if b.parent_code == parent_code]
        return sorted(parts, key=lambda b: b.code)[:limit]

    def vehicles(self, vins: Iterable[str]) -> dict[str, Stored[VehicleState]]:
        return self._get("vehicle", vins)

    def models(self, codes: Iterable[str]) -> dict[str, Stored[ModelState]]:
        return self._get("model", codes)

    def recorded(self, events: Sequence[LifecycleEvent]) -> dict[str, OnRecord]:
        self.reads["event"] += 1
        return {e.id: self.events[e.id] for e in events if e.id in self.events}

    def obligations(self, ids: Iterable[str]) -> dict[str, ObligationRecord]:
        return {k: s.value for k, s in self._get("obligation", ids).items()}

    def service_points(self, ids: Iterable[str]) -> dict[str, Stored[ServicePoint]]:
        return self._get("point", ids)

    def point_with_key(self, key: str) -> str | None:
        found = self._get("point_key", [key]).get(key)
        return found.value if found else None

    def covered(
        self, operator: str, regions: Iterable[tuple[PointType, str]]
    ) -> frozenset[tuple[PointType, str]]:
        self.reads["point"] += 1
        wanted = set(regions)
        return frozenset(
            (p.point_type, p.coverage_region)
            for p, _ in self.tables["point"].values()
            if p.operator == operator and p.active and (p.point_type, p.coverage_region) in wanted
        )

    def active_points(self, operator: str, point_type: PointType, region: str) -> int:
        self.reads["point"] += 1
        return self._active(operator, point_type, region)

    def _active(self, operator: str, point_type: PointType, region: str) -> int:
        return sum(
            1
            for p, _ in self.tables["point"].values()
            if p.operator == operator
            and p.active
            and (p.point_type, p.coverage_region) == (point_type, region)
        )

    def coverage_duties(
        self, responsible: str, point_type: PointType, region: str
    ) -> list[ObligationRecord]:
        self.reads["obligation"] += 1
        return [
            record
            for record, _ in self.tables["obligation"].values()
            if record.obligation.responsible_enterprise == responsible
            and record.obligation.rule_id == COVERAGE_RULES[point_type]
            and record.obligation.subject_id == region
        ]

    # --- writes -----------------------------------------------------------------------------

    def commit(self, units: Sequence[Unit], *, pack: bool = False) -> None:
        for done, unit in enumerate(units):
            try:
                for write in unit.writes:
                    self._check(write)
            except ConflictError as error:
                if done == 0:
                    raise
                raise PartlyWrittenError(done, len(units), error) from error
            for write in unit.writes:
                self._apply(write)

    def _expect(self, table: str, key: str, version: int | None) -> None:
        found = self.tables[table].get(key)
        if (found[1] if found else None) != version:
            raise ConflictError(f"{table} {key} changed since it was read")

    def _check(self, write: Write) -> None:
        if isinstance(write, PutEvent):
            if write.record.event.id in self.events:
                raise ConflictError(f"event {write.record.event.id} is on record already")
        elif isinstance(write, PutBattery):
            self._expect("battery", write.state.code, write.version)
        elif isinstance(write, PutVehicle):
            self._expect("vehicle", write.state.vin, write.version)
        elif isinstance(write, PutModel):
            self._expect("model", write.state.code, write.version)
        elif isinstance(write, NewObligation):
            self._expect("obligation", write.obligation.id, None)
        elif isinstance(write, CloseObligation | ReopenObligation):
            self._expect("obligation", write.record.id, write.version)
        elif isinstance(write, BatteryUnchanged):
            self._expect("battery", write.code, write.version)
        elif isinstance(write, PutServicePoint):
            self._expect("point", write.point.id, write.version)
            before = write.before
            if before is not None and write.others_active is not None:
                active = self._active(before.operator, before.point_type, before.coverage_region)
                if (active >= 2) != write.others_active:
                    raise ConflictError(f"the active points of {before.coverage_region} changed")
        elif isinstance(write, ClaimPointKey):
            if write.key in self.tables["point_key"]:
                raise ConflictError(f"point key {write.key} is held")
        elif isinstance(write, ReleasePointKey):
            held = self.tables["point_key"].get(write.key)
            if held is None or held[0] != write.point_id:
                raise ConflictError(f"point key {write.key} is not held by {write.point_id}")
        elif isinstance(write, PutEnterprise):
            self._expect("enterprise", write.enterprise.id, write.version)
        elif (
            isinstance(write, ClaimManufacturerCode | CodeUnclaimed)
            and write.code in self.tables["code"]
        ):
            raise ConflictError(f"manufacturer code {write.code} is claimed")

    def _put(self, table: str, key: str, value: Any) -> None:
        found = self.tables[table].get(key)
        self.tables[table][key] = (value, found[1] + 1 if found else 1)

    def _apply(self, write: Write) -> None:
        if isinstance(write, PutEvent):
            self.events[write.record.event.id] = OnRecord(write.record, write.obligation_ids)
        elif isinstance(write, PutBattery):
            self._put("battery", write.state.code, write.state)
        elif isinstance(write, PutVehicle):
            self._put("vehicle", write.state.vin, write.state)
        elif isinstance(write, PutModel):
            self._put("model", write.state.code, write.state)
        elif isinstance(write, NewObligation):
            record = new_record(write.obligation, write.created_at)
            self._put("obligation", record.id, record)
        elif isinstance(write, CloseObligation | ReopenObligation):
            self._put(
                "obligation", write.record.id, replace(write.record, version=write.version + 1)
            )
        elif isinstance(write, PutServicePoint):
            self._put("point", write.point.id, write.point)
        elif isinstance(write, ClaimPointKey):
            self._put("point_key", write.key, write.point_id)
        elif isinstance(write, ReleasePointKey):
            del self.tables["point_key"][write.key]
        elif isinstance(write, PutEnterprise):
            self._put("enterprise", write.enterprise.id, write.enterprise)
        elif isinstance(write, ClaimManufacturerCode):
            self._put("code", write.code, write.owner)

    # --- for tests --------------------------------------------------------------------------

    def snapshot(self) -> tuple[Any, ...]:
        """Everything stored, to compare before and after."""
        return (
            {t: dict(rows) for t, rows in self.tables.items()},
            dict(self.events),
        )

    def history(self, subject_kind: str, key: str) -> list[EventRecord]:
        """The events about one battery (`battery`) or vehicle (`vehicle`), oldest first."""
        found = []
        for on_record in self.events.values():
            event = on_record.record.event
            if (
                subject_kind == "battery"
                and key
                in (
                    event.battery_code,
                    *(event.battery_codes if event.kind is EventKind.VEHICLE_SCRAPPED else ()),
                )
            ) or (subject_kind == "vehicle" and event.vin == key and event.battery_code is None):
                found.append(on_record.record)
        return sorted(found, key=lambda r: (r.event.occurred_on, r.event.id))

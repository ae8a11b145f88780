"""A coverage duty opens again when its region loses the operator's last active service point:
deactivating a point, or moving it to another region or type, must not leave a prefecture
without a point and without a duty to open one (docs/DOMAIN.md 4.1). Waivers stand; other points of
the operator (not of other enterprises) keep a region covered."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from compliance.errors import ConflictError
from compliance.network import PointType
from compliance.obligations import ObligationRecord
from compliance.rules import ObligationStatus
from compliance.services import obligations as obligation_use_cases
from compliance.services import service_points as point_use_cases
from compliance.services.service_points import PointInput, Saved
from compliance.services.store import PutServicePoint, Unit
from tests.builders import AUTOMAKER, OTHER_AUTOMAKER
from tests.unit.use_case_world import LATER, OTHER_REGION, PREFECTURE, REGION, World


def coverage_duty(world: World, automaker_id: str = AUTOMAKER.id) -> ObligationRecord:
    (duty,) = [
        r
        for r in world.obligations()
        if r.obligation.rule_id == "COLLECTION_POINT_COVERAGE"
        and r.obligation.responsible_enterprise == automaker_id
        and r.obligation.subject_id == PREFECTURE
    ]
    return world.obligation(duty.id)


def save(world: World, point_id: str, *, active: bool = True, region: str = REGION) -> Saved:
    point = world.point(point_id)
    return point_use_cases.upsert(
        world.store,
        world.request(AUTOMAKER, now=LATER),
        PointInput(point.name, point.point_type, region, active=active, id=point_id),
        world.point_id,
    )


@pytest.fixture
def covered_world() -> tuple[World, str]:
    """An automaker that sold a vehicle in Fuzhou, then opened its one collection point there."""
    world = World()
    world.sold(AUTOMAKER)
    point = world.service_point(AUTOMAKER, PointType.COLLECTION, REGION)
    assert coverage_duty(world).stored_status is ObligationStatus.FULFILLED
    return world, point


class TestTheLastPointGoing:
    def test_deactivating_the_only_point_opens_the_duty_again_and_says_so(
        self, covered_world: tuple[World, str]
    ) -> None:
        # Given the region's duty fulfilled by the automaker's only point there
        world, point = covered_world
        # When the automaker deactivates that point
        saved = save(world, point, active=False)
        # Then the duty is open again, with no trace of a fulfilment, and the answer lists it
        duty = coverage_duty(world)
        assert duty.stored_status is ObligationStatus.OPEN
        assert (duty.fulfilled_on, duty.closed_by, duty.closed_at) == (None, None, None)
        assert [r.id for r in saved.reopened] == [duty.id]
        assert saved.reopened[0].version == duty.version

    def test_moving_the_only_point_to_another_prefecture_opens_the_duty_it_left(
        self, covered_world: tuple[World, str]
    ) -> None:
        # Given the only point in Fuzhou
        world, point = covered_world
        # When the automaker moves it to Shenzhen
        saved = save(world, point, region=OTHER_REGION)
        # Then Fuzhou's duty is open again
        assert saved.point is not None
        assert saved.point.coverage_region != PREFECTURE
        assert coverage_duty(world).stored_status is ObligationStatus.OPEN

    def test_a_point_sent_again_deactivated_opens_nothing_twice(
        self, covered_world: tuple[World, str]
    ) -> None:
        # Given the only point deactivated, its region's duty open again
        world, point = covered_world
        save(world, point, active=False)
        before = world.store.snapshot()
        # When the same deactivation is sent again
        again = save(world, point, active=False)
        # Then nothing changes and nothing is reported reopened
        assert again.reopened == ()
        assert world.store.snapshot() == before

    def test_reactivating_the_point_fulfils_the_duty_again(
        self, covered_world: tuple[World, str]
    ) -> None:
        # Given the only point deactivated, the duty open again
        world, point = covered_world
        save(world, point, active=False)
        # When the automaker activates it again
        saved = save(world, point, active=True)
        # Then the duty is fulfilled again
        assert [r.stored_status for r in saved.fulfilled] == [ObligationStatus.FULFILLED]
        assert coverage_duty(world).stored_status is ObligationStatus.FULFILLED


class TestARegionStillCovered:
    def test_another_active_point_of_the_automaker_keeps_the_duty_fulfilled(
        self, covered_world: tuple[World, str]
    ) -> None:
        # Given a second active collection point of the automaker in Fuzhou
        world, point = covered_world
        second = world.service_point(AUTOMAKER, PointType.COLLECTION, REGION)
        # When the first is deactivated
        saved = save(world, point, active=False)
        # Then the duty stays fulfilled; when the second goes too, it opens again
        assert saved.reopened == ()
        assert coverage_duty(world).stored_status is ObligationStatus.FULFILLED
        assert [r.id for r in save(world, second, active=False).reopened] == [
            coverage_duty(world).id
        ]

    def test_another_enterprises_point_does_not_cover_the_automakers_region(
        self, covered_world: tuple[World, str]
    ) -> None:
        # Given another automaker's active collection point in Fuzhou
        world, point = covered_world
        world.service_point(OTHER_AUTOMAKER, PointType.COLLECTION, REGION)
        # When the automaker's own point is deactivated
        save(world, point, active=False)
        # Then its duty is open again
        assert coverage_duty(world).stored_status is ObligationStatus.OPEN

    def test_a_point_switched_off_while_the_other_goes_too_is_refused_not_counted_on(
        self, covered_world: tuple[World, str]
    ) -> None:
        # Given two active points, and the first's switch-off counting on the second as read
        world, point = covered_world
        second = world.service_point(AUTOMAKER, PointType.COLLECTION, REGION)
        stored, version = world.store.tables["point"][point]
        switched_off = PutServicePoint(
            replace(stored, active=False), version, stored, others_active=True
        )
        save(world, second, active=False)  # meanwhile the second is switched off
        # When the first's write is committed
        # Then it is refused: the region would otherwise be left uncovered with no duty open
        with pytest.raises(ConflictError):
            world.store.commit([Unit((switched_off,))])
        assert world.store.tables["point"][point] == (stored, version)


class TestAWaiverStands:
    def test_a_waived_duty_stays_waived_when_the_region_loses_its_point(self) -> None:
        # Given a sold vehicle in Fuzhou and the coverage duty waived, then an inactive point
        world = World()
        world.sold(AUTOMAKER)
        duty = coverage_duty(world)
        waived = obligation_use_cases.waive(
            world.store,
            world.request(AUTOMAKER),
            duty.id,
            "No sales planned in Fuzhou after the first fleet order.",
        )
        assert not waived.violations
        point = world.service_point(AUTOMAKER, PointType.COLLECTION, REGION)
        # When the point is deactivated
        saved = save(world, point, active=False)
        # Then nothing is reopened
        assert saved.reopened == ()
        assert coverage_duty(world).stored_status is ObligationStatus.WAIVED

"""Mutations: each validates its whole input, then writes everything or nothing.

Expected failures come back as `userErrors` (field path, stable code, message) with nothing
written; only authentication, authorization and unavailable storage are top-level errors.
The acting enterprise is always the caller's own, from its token.
"""

import uuid
from collections.abc import Callable, Sequence
from datetime import date

import strawberry

from compliance import regions
from compliance.calendar import CalendarError, YearSchedule
from compliance.codes import check_uscc, check_vin
from compliance.lifecycle import (
    ACTOR,
    EnterpriseKind,
    EventKind,
    LifecycleEvent,
    PointType,
    Violation,
)
from compliance.store import enterprises as enterprise_store
from compliance.store import obligations as obligation_store
from compliance.store import reads
from compliance.store import service_points as point_store
from compliance.store.calendars import current_calendar, same_as_loaded, store_load
from compliance.store.errors import ConflictError, StoreUnavailableError, TooLargeError
from compliance.store.ledger import Ledger, Recorded, Rejection, new_event
from compliance.store.records import Contact, Enterprise, ObligationRecord, ServicePoint
from graph.context import SCOPE_EVENTS, SCOPE_OBLIGATIONS, Role
from graph.errors import Forbidden, Unavailable
from graph.inputs import (
    AnnounceModelInput,
    ClearCustomsInput,
    DisposeBatteriesInput,
    FulfillObligationInput,
    IssueFactoryCertificateInput,
    LoadCalendarYearInput,
    ReceiveRepairReturnInput,
    RegisterBatteriesInput,
    RegisterEnterpriseInput,
    RegisterVehicleInput,
    SellBatteryDirectlyInput,
    ServicePointInput,
    WaiveObligationInput,
)
from graph.permissions import require_enterprise_writer, require_principal, require_role
from graph.types import (
    BatteryType,
    EnterpriseType,
    Info,
    ObligationType,
    ServicePointType,
    UserError,
    VehicleModelType,
    VehicleType,
)

# --- payloads -------------------------------------------------------------------------------


@strawberry.type
class EnterprisePayload:
    enterprise: EnterpriseType | None
    obligations: list[ObligationType]
    user_errors: list[UserError]


@strawberry.type
class RegisterBatteriesPayload:
    registered: list[BatteryType]
    obligations: list[ObligationType]
    user_errors: list[UserError]


@strawberry.type
class ModelPayload:
    model: VehicleModelType | None
    obligations: list[ObligationType]
    user_errors: list[UserError]


@strawberry.type
class VehiclePayload:
    vehicle: VehicleType | None
    obligations: list[ObligationType]
    user_errors: list[UserError]


@strawberry.type
class BatteryPayload:
    battery: BatteryType | None
    obligations: list[ObligationType]
    user_errors: list[UserError]


@strawberry.type
class DisposeBatteriesPayload:
    disposed: list[BatteryType]
    obligations: list[ObligationType]
    user_errors: list[UserError]


@strawberry.type
class ObligationPayload:
    obligation: ObligationType | None
    obligations: list[ObligationType]
    user_errors: list[UserError]


@strawberry.type
class ServicePointPayload:
    service_point: ServicePointType | None
    obligations: list[ObligationType] = strawberry.field(
        description="Coverage duties this point fulfilled."
    )
    user_errors: list[UserError]


@strawberry.type
class Rescheduled:
    obligation: ObligationType
    before: date
    after: date


@strawberry.type
class CalendarInfo:
    version: int
    announced_years: list[int]


@strawberry.type
class CalendarPayload:
    calendar: CalendarInfo | None
    rescheduled: list[Rescheduled]
    obligations: list[ObligationType] = strawberry.field(
        description="The obligations whose deadline the load moved or confirmed."
    )
    user_errors: list[UserError]


# --- helpers --------------------------------------------------------------------------------

FieldPath = Callable[[Violation, int | None], list[str]]


def _error(code: str, message: str, *path: str | int) -> UserError:
    return UserError(field=[str(p) for p in path], code=code, message=message)


# Where in LoadCalendarYearInput each part of a year's schedule (CalendarError.field) was sent.
# A calendar error's field, as the input names it; an error about no field (or a field this
# map does not know) is about the whole input.
_SCHEDULE_FIELDS: dict[str | None, tuple[str, ...]] = {
    "year": ("year",),
    "holidays": ("holidays",),
    "makeup_workdays": ("makeUpWorkdays",),
    "source": ("source",),
    "announced_on": ("announcedOn",),
}


# The longest identifier a mutation accepts. Real ones are short (a USCC has 18 characters, a
# battery code 24, an obligation id 27, a model code about 10); the limit keeps a request from
# reaching DynamoDB with a key it refuses, which would otherwise read as an outage.
ID_MAX_LENGTH = 128


def _id_errors(value: str, what: str, *path: str) -> list[UserError]:
    """An identifier that is blank or too long can name nothing: say so, where and why."""
    if not value.strip():
        return [_error("REQUIRED", f"Give the {what}; it is empty.", *path)]
    if len(value) > ID_MAX_LENGTH:
        message = (
            f"The {what} is {len(value):,} characters long; at most {ID_MAX_LENGTH} are accepted."
        )
        return [_error("TOO_LONG", message, *path)]
    return []


def _fields(mapping: dict[str, str], default: str, *, item_list: str | None = None) -> FieldPath:
    """Turn a domain field name into the input path the client sent."""

    def path(violation: Violation, index: int | None) -> list[str]:
        name = mapping.get(violation.field, default)
        prefix = ["input"]
        if item_list is not None and index is not None:
            prefix += [item_list, str(index)]
        return [*prefix, name] if name else prefix

    return path


def _obligations(records: Sequence[ObligationRecord]) -> list[ObligationType]:
    return [ObligationType(record=r) for r in records]


def _ledger(info: Info) -> Ledger:
    context = info.context
    principal = require_principal(context)
    try:
        calendar = current_calendar()
    except StoreUnavailableError as error:
        raise Unavailable("Storage is unavailable; retry shortly.") from error
    return Ledger(
        rule_set=context.settings.rule_set,
        calendar=calendar,
        now=context.now,
        today=context.today,
        recorded_by=principal.subject,
    )


async def _record(
    info: Info,
    scope: str,
    build: Callable[[str], list[LifecycleEvent]],
    path: FieldPath,
    *,
    indexes: Sequence[int | None] | None = None,
    atomic: bool = True,
    parents: dict[str, str] | None = None,
    invalid: Sequence[UserError] = (),
) -> tuple[Recorded | None, list[UserError]]:
    """Record the events ``build`` makes for the caller's enterprise. ``invalid``: errors in the
    input found beforehand, returned (nothing recorded) once the caller may write at all."""
    actor_id = require_enterprise_writer(info.context, scope)
    if invalid:
        return None, list(invalid)
    actor = await info.context.loaders.enterprise.load(actor_id)
    if actor is None:
        raise Forbidden(f"Enterprise {actor_id} is not registered; ask the platform to onboard it.")
    events = build(actor_id)
    try:
        recorded = _ledger(info).record(
            actor.facts, events, indexes=indexes, atomic=atomic, parents=parents
        )
    except ConflictError as error:
        return None, [_error("CONFLICT", str(error))]
    except StoreUnavailableError as error:
        raise Unavailable("Storage is unavailable; nothing was written. Retry shortly.") from error
    except TooLargeError as error:
        return None, [_error("TOO_LARGE", str(error), "input")]
    errors: list[UserError] = []
    for rejection in recorded.rejections:
        user_error = _rejection(rejection, path)
        if user_error not in errors:  # events of one change can share a cause
            errors.append(user_error)
    return (None if errors else recorded), errors


def _rejection(rejection: Rejection, path: FieldPath) -> UserError:
    v = rejection.violation
    # The caller's own enterprise is at fault, not a value it sent: the error is about the whole
    # input. Every event of the request gives the same one, and _record keeps one of each.
    field = ["input"] if v.field == ACTOR else path(v, rejection.index)
    return UserError(field=field, code=v.code, message=v.message)


def _too_many(items: Sequence[object], limit: int, name: str) -> list[UserError]:
    if not items:
        return [_error("EMPTY", f"Give at least one item in {name}.", "input", name)]
    if len(items) > limit:
        return [
            _error(
                "TOO_MANY_ITEMS",
                f"{len(items)} items given; at most {limit} per request. Split the list.",
                "input",
                name,
            )
        ]
    duplicates = sorted({str(i) for i in items if items.count(i) > 1})
    if duplicates:
        return [
            _error("DUPLICATE", f"Listed more than once: {', '.join(duplicates)}.", "input", name)
        ]
    return []


# --- the mutations --------------------------------------------------------------------------


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Onboard an enterprise (platform administrators).")
    def register_enterprise(self, info: Info, input: RegisterEnterpriseInput) -> EnterprisePayload:
        require_role(info.context, Role.PLATFORM_ADMIN)
        errors = _enterprise_errors(input)
        codes = sorted(set(input.manufacturer_codes or []))
        try:
            owners = enterprise_store.manufacturer_code_owners(codes)
        except StoreUnavailableError as error:
            raise Unavailable("Storage is unavailable; retry shortly.") from error
        errors += [
            _error(
                "MANUFACTURER_CODE_TAKEN",
                f"Manufacturer code {code} is assigned to enterprise {owner}.",
                "input",
                "manufacturerCodes",
            )
            for code, owner in owners.items()
            if owner != input.id
        ]
        if errors:
            return EnterprisePayload(enterprise=None, obligations=[], user_errors=errors)
        enterprise = Enterprise(
            id=str(input.id),
            name=input.name.strip(),
            kinds=frozenset(input.kinds),
            manufacturer_codes=frozenset(codes),
            province_code=input.province_code,
            contacts=tuple(Contact(c.email.strip(), c.language) for c in input.contacts or []),
            created_at=info.context.now,
        )
        try:
            enterprise_store.register(enterprise)
        except ConflictError as error:
            return EnterprisePayload(
                enterprise=None,
                obligations=[],
                user_errors=[_error("ALREADY_REGISTERED", str(error), "input", "id")],
            )
        except StoreUnavailableError as error:
            raise Unavailable("Storage is unavailable; nothing was written.") from error
        return EnterprisePayload(
            enterprise=EnterpriseType(record=enterprise), obligations=[], user_errors=[]
        )

    @strawberry.mutation(description="Register coded batteries (battery makers), up to 1000.")
    async def register_batteries(
        self, info: Info, input: RegisterBatteriesInput
    ) -> RegisterBatteriesPayload:
        items = input.batteries
        codes = [b.code for b in items]
        errors = _too_many(codes, info.context.settings.max_batch_items, "batteries")
        if errors:
            return RegisterBatteriesPayload(registered=[], obligations=[], user_errors=errors)
        today = info.context.today
        parents = {b.code: b.parent_code for b in items if b.parent_code}
        recorded, errors = await _record(
            info,
            SCOPE_EVENTS,
            lambda actor: [
                new_event(
                    EventKind.BATTERY_PRODUCED, actor, b.produced_on or today, battery_code=b.code
                )
                for b in items
            ],
            _fields(
                {"battery_code": "code", "parent_code": "parentCode", "occurred_on": "producedOn"},
                "code",
                item_list="batteries",
            ),
            indexes=list(range(len(items))),
            atomic=False,
            parents=parents,
        )
        registered = [BatteryType(state=recorded.batteries[c]) for c in codes] if recorded else []
        return RegisterBatteriesPayload(
            registered=registered,
            obligations=_obligations(recorded.obligations) if recorded else [],
            user_errors=errors,
        )

    @strawberry.mutation(description="Record a model's MIIT announcement or CCC certificate.")
    async def announce_model(self, info: Info, input: AnnounceModelInput) -> ModelPayload:
        kind = EventKind.MODEL_CCC_CERTIFIED if input.imported else EventKind.MODEL_ANNOUNCED
        model = input.model.strip()
        recorded, errors = await _record(
            info,
            SCOPE_EVENTS,
            lambda actor: [new_event(kind, actor, input.announced_on, model=model)],
            _fields({"model": "model", "occurred_on": "announcedOn"}, ""),
            invalid=_id_errors(input.model, "model code", "input", "model"),
        )
        state = recorded.models.get(model) if recorded else None
        return ModelPayload(
            model=VehicleModelType(state=state) if state else None,
            obligations=_obligations(recorded.obligations) if recorded else [],
            user_errors=errors,
        )

    @strawberry.mutation(description="Record a domestic vehicle's factory certificate.")
    async def issue_factory_certificate(
        self, info: Info, input: IssueFactoryCertificateInput
    ) -> VehiclePayload:
        return await _certify(
            info,
            EventKind.FACTORY_CERTIFICATE_ISSUED,
            input.vin,
            input.model,
            input.issued_on,
            input.battery_codes,
            "issuedOn",
        )

    @strawberry.mutation(description="Record an imported vehicle's customs clearance.")
    async def clear_customs(self, info: Info, input: ClearCustomsInput) -> VehiclePayload:
        return await _certify(
            info,
            EventKind.CUSTOMS_CLEARED,
            input.vin,
            input.model,
            input.cleared_on,
            input.battery_codes,
            "clearedOn",
        )

    @strawberry.mutation(description="Record a vehicle's registration (licensing) and region.")
    async def register_vehicle(self, info: Info, input: RegisterVehicleInput) -> VehiclePayload:
        recorded, errors = await _record(
            info,
            SCOPE_EVENTS,
            lambda actor: [
                new_event(
                    EventKind.VEHICLE_REGISTERED,
                    actor,
                    input.registered_on,
                    vin=input.vin,
                    region_code=input.region_code,
                )
            ],
            _fields(
                {"vin": "vin", "occurred_on": "registeredOn", "region_code": "regionCode"}, "vin"
            ),
        )
        state = recorded.vehicles.get(input.vin) if recorded else None
        return VehiclePayload(
            vehicle=VehicleType(state=state) if state else None,
            obligations=_obligations(recorded.obligations) if recorded else [],
            user_errors=errors,
        )

    @strawberry.mutation(description="Record a direct sale to a lessor or operator.")
    async def sell_battery_directly(
        self, info: Info, input: SellBatteryDirectlyInput
    ) -> BatteryPayload:
        return await _battery_event(
            info,
            input.code,
            lambda actor: new_event(
                EventKind.BATTERY_SOLD_DIRECTLY,
                actor,
                input.sold_on,
                battery_code=input.code,
                region_code=input.province_code,
                counterparty=input.buyer.strip(),
            ),
            {"occurred_on": "soldOn", "region_code": "provinceCode", "counterparty": "buyer"},
        )

    @strawberry.mutation(description="Record receipt of a battery returned for repair.")
    async def receive_repair_return(
        self, info: Info, input: ReceiveRepairReturnInput
    ) -> BatteryPayload:
        return await _battery_event(
            info,
            input.code,
            lambda actor: new_event(
                EventKind.REPAIR_RETURN_RECEIVED, actor, input.received_on, battery_code=input.code
            ),
            {"occurred_on": "receivedOn"},
        )

    @strawberry.mutation(description="Record the disposal of old or waste batteries.")
    async def dispose_batteries(
        self, info: Info, input: DisposeBatteriesInput
    ) -> DisposeBatteriesPayload:
        errors = _too_many(input.codes, info.context.settings.max_batch_items, "codes")
        if errors:
            return DisposeBatteriesPayload(disposed=[], obligations=[], user_errors=errors)
        recorded, errors = await _record(
            info,
            SCOPE_EVENTS,
            lambda actor: [
                new_event(
                    EventKind.BATTERY_DISPOSED,
                    actor,
                    input.disposed_on,
                    battery_code=code,
                    origin=input.origin,
                )
                for code in input.codes
            ],
            _disposal_path,
            indexes=list(range(len(input.codes))),
            atomic=False,
        )
        return DisposeBatteriesPayload(
            disposed=[BatteryType(state=recorded.batteries[c]) for c in input.codes]
            if recorded
            else [],
            obligations=_obligations(recorded.obligations) if recorded else [],
            user_errors=errors,
        )

    @strawberry.mutation(description="Mark an obligation done, with the platform's receipt.")
    def fulfill_obligation(self, info: Info, input: FulfillObligationInput) -> ObligationPayload:
        enterprise = require_enterprise_writer(info.context, SCOPE_OBLIGATIONS)
        if invalid := _id_errors(str(input.id), "obligation id", "input", "id"):
            return ObligationPayload(obligation=None, obligations=[], user_errors=invalid)
        try:
            change = obligation_store.fulfil(
                str(input.id),
                enterprise,
                input.fulfilled_on,
                input.platform_receipt,
                today=info.context.today,
                now=info.context.now,
            )
        except ConflictError as error:
            return ObligationPayload(
                obligation=None, obligations=[], user_errors=[_error("CONFLICT", str(error))]
            )
        except StoreUnavailableError as error:
            raise Unavailable("Storage is unavailable; nothing was written.") from error
        return _obligation_payload(
            change, {"fulfilled_on": "fulfilledOn", "platform_receipt": "platformReceipt"}
        )

    @strawberry.mutation(description="Waive an obligation that does not apply, with a reason.")
    def waive_obligation(self, info: Info, input: WaiveObligationInput) -> ObligationPayload:
        enterprise = require_enterprise_writer(info.context, SCOPE_OBLIGATIONS, admin=True)
        if invalid := _id_errors(str(input.id), "obligation id", "input", "id"):
            return ObligationPayload(obligation=None, obligations=[], user_errors=invalid)
        try:
            change = obligation_store.waive(
                str(input.id), enterprise, input.reason, now=info.context.now
            )
        except ConflictError as error:
            return ObligationPayload(
                obligation=None, obligations=[], user_errors=[_error("CONFLICT", str(error))]
            )
        except StoreUnavailableError as error:
            raise Unavailable("Storage is unavailable; nothing was written.") from error
        return _obligation_payload(change, {"reason": "reason"})

    @strawberry.mutation(description="Create or update a take-back service point.")
    async def upsert_service_point(
        self, info: Info, input: ServicePointInput
    ) -> ServicePointPayload:
        operator = require_enterprise_writer(info.context, SCOPE_EVENTS, admin=True)
        enterprise = await info.context.loaders.enterprise.load(operator)
        errors = _service_point_errors(input, enterprise)
        if input.id is not None:
            what = "service point id (leave it out to create a new point)"
            errors += _id_errors(str(input.id), what, "input", "id")
        existing = None
        if not errors and input.id is not None:
            try:
                existing = point_store.get(str(input.id))
            except StoreUnavailableError as error:
                raise Unavailable("Storage is unavailable; retry shortly.") from error
            if existing is None or existing[0].operator != operator:
                errors.append(
                    _error(
                        "NOT_FOUND",
                        f"There is no service point {input.id} of yours.",
                        "input",
                        "id",
                    )
                )
        if errors:
            return ServicePointPayload(service_point=None, obligations=[], user_errors=errors)
        point_type = PointType(input.point_type)
        coverage = (
            regions.prefecture_of(input.region_code)
            if point_type is PointType.COLLECTION
            else regions.province_of(input.region_code)
        )
        point = ServicePoint(
            id=str(input.id) if input.id else f"sp_{uuid.uuid4().hex[:20]}",
            operator=operator,
            point_type=point_type,
            name=input.name.strip(),
            region_code=input.region_code,
            coverage_region=coverage.code,
            address=(input.address or "").strip() or None,
            active=input.active,
            updated_at=info.context.now,
        )
        try:
            fulfilled = point_store.upsert(
                point,
                existing[1] if existing else None,
                today=info.context.today,
                now=info.context.now,
            )
        except ConflictError as error:
            return ServicePointPayload(
                service_point=None, obligations=[], user_errors=[_error("CONFLICT", str(error))]
            )
        except StoreUnavailableError as error:
            raise Unavailable("Storage is unavailable; nothing was written.") from error
        return ServicePointPayload(
            service_point=ServicePointType(point=point),
            obligations=_obligations(fulfilled),
            user_errors=[],
        )

    @strawberry.mutation(description="Load a year's announced holiday schedule (platform).")
    def load_calendar_year(self, info: Info, input: LoadCalendarYearInput) -> CalendarPayload:
        principal = require_role(info.context, Role.PLATFORM_ADMIN)
        schedule = YearSchedule(
            year=input.year,
            holidays=frozenset(input.holidays),
            makeup_workdays=frozenset(input.make_up_workdays),
            source=input.source.strip(),
            announced_on=input.announced_on,
        )
        try:
            before = current_calendar()
            before.with_year(schedule)  # validates; the stored load below repeats it
        except CalendarError as error:
            return CalendarPayload(
                calendar=None,
                rescheduled=[],
                obligations=[],
                user_errors=[
                    _error(
                        "INVALID_SCHEDULE",
                        str(error),
                        "input",
                        *_SCHEDULE_FIELDS.get(error.field, ()),
                    )
                ],
            )
        except StoreUnavailableError as error:
            raise Unavailable("Storage is unavailable; retry shortly.") from error
        try:
            # Loading the same schedule again changes nothing but finishes any moves a failed
            # earlier attempt left undone.
            after = (
                before
                if same_as_loaded(before, schedule)
                else store_load(before, schedule, info.context.now, principal.subject)
            )
            changes = obligation_store.apply_calendar(after, input.year, now=info.context.now)
            moved = reads.obligations([c.obligation_id for c in changes])
        except ConflictError as error:
            return CalendarPayload(
                calendar=None,
                rescheduled=[],
                obligations=[],
                user_errors=[_error("CONFLICT", str(error))],
            )
        except StoreUnavailableError as error:
            raise Unavailable("Storage is unavailable; retry shortly.") from error
        return CalendarPayload(
            calendar=CalendarInfo(
                version=after.version, announced_years=sorted(after.announced_years())
            ),
            rescheduled=[
                Rescheduled(
                    obligation=ObligationType(record=moved[c.obligation_id]),
                    before=c.before.due_date,
                    after=c.after.due_date,
                )
                for c in changes
                if c.obligation_id in moved
            ],
            obligations=_obligations(list(moved.values())),
            user_errors=[],
        )


def _obligation_payload(
    change: obligation_store.Change, mapping: dict[str, str]
) -> ObligationPayload:
    path = _fields(mapping | {"id": "id"}, "id")
    if change.violations:
        return ObligationPayload(
            obligation=None,
            obligations=[],
            user_errors=[
                UserError(field=path(v, None), code=v.code, message=v.message)
                for v in change.violations
            ],
        )
    record = change.record
    return ObligationPayload(
        obligation=ObligationType(record=record) if record else None,
        obligations=[ObligationType(record=record)] if record else [],
        user_errors=[],
    )


def _disposal_path(violation: Violation, index: int | None) -> list[str]:
    if violation.field == "origin":
        return ["input", "origin"]
    if violation.field == "occurred_on":
        return ["input", "disposedOn"]
    return ["input", "codes", str(index)] if index is not None else ["input", "codes"]


async def _certify(
    info: Info,
    kind: EventKind,
    vin: str,
    model: str,
    on: date,
    battery_codes: list[str],
    date_field: str,
) -> VehiclePayload:
    if not battery_codes:
        # Refused before anything is read; the VIN is checked too, so both come back at once.
        errors = [
            _error(
                "REQUIRED",
                "List the traction batteries installed in the vehicle (their pack codes); "
                "a new-energy vehicle is certified with its batteries.",
                "input",
                "batteryCodes",
            )
        ]
        errors += [_error("INVALID_VIN", issue.message, "input", "vin") for issue in check_vin(vin)]
        return VehiclePayload(vehicle=None, obligations=[], user_errors=errors)
    duplicates = sorted({c for c in battery_codes if battery_codes.count(c) > 1})
    if duplicates:
        return VehiclePayload(
            vehicle=None,
            obligations=[],
            user_errors=[
                _error(
                    "DUPLICATE",
                    f"Listed more than once: {', '.join(duplicates)}.",
                    "input",
                    "batteryCodes",
                )
            ],
        )

    def build(actor: str) -> list[LifecycleEvent]:
        certificate = new_event(kind, actor, on, vin=vin, model=model)
        installs = [
            new_event(EventKind.BATTERY_INSTALLED, actor, on, vin=vin, battery_code=code)
            for code in battery_codes
        ]
        return [certificate, *installs]

    def path(violation: Violation, index: int | None) -> list[str]:
        if violation.field == "battery_code" and index is not None and index > 0:
            return ["input", "batteryCodes", str(index - 1)]
        name = {"vin": "vin", "model": "model", "occurred_on": date_field}.get(
            violation.field, "vin"
        )
        return ["input", name]

    recorded, errors = await _record(
        info, SCOPE_EVENTS, build, path, indexes=list(range(len(battery_codes) + 1))
    )
    state = recorded.vehicles.get(vin) if recorded else None
    return VehiclePayload(
        vehicle=VehicleType(state=state) if state else None,
        obligations=_obligations(recorded.obligations) if recorded else [],
        user_errors=errors,
    )


async def _battery_event(
    info: Info,
    code: str,
    build: Callable[[str], LifecycleEvent],
    mapping: dict[str, str],
) -> BatteryPayload:
    recorded, errors = await _record(
        info,
        SCOPE_EVENTS,
        lambda actor: [build(actor)],
        _fields(mapping | {"battery_code": "code"}, "code"),
    )
    state = recorded.batteries.get(code) if recorded else None
    return BatteryPayload(
        battery=BatteryType(state=state) if state else None,
        obligations=_obligations(recorded.obligations) if recorded else [],
        user_errors=errors,
    )


def _enterprise_errors(input: RegisterEnterpriseInput) -> list[UserError]:
    errors = [
        _error(f"INVALID_USCC_{issue.code}", issue.message, "input", "id")
        for issue in check_uscc(str(input.id))
    ]
    if not input.name.strip():
        errors.append(_error("REQUIRED", "Give the enterprise's registered name.", "input", "name"))
    if not input.kinds:
        errors.append(_error("REQUIRED", "Give at least one enterprise kind.", "input", "kinds"))
    codes = input.manufacturer_codes or []
    if codes and EnterpriseKind.BATTERY_MAKER not in input.kinds:
        errors.append(
            _error(
                "NOT_A_BATTERY_MAKER",
                "Only battery makers are assigned manufacturer codes.",
                "input",
                "manufacturerCodes",
            )
        )
    for i, code in enumerate(codes):
        if len(code) != 3 or not code.isalnum() or code != code.upper():
            errors.append(
                _error(
                    "INVALID_MANUFACTURER_CODE",
                    f"{code!r} is not a manufacturer code: three digits or upper-case letters.",
                    "input",
                    "manufacturerCodes",
                    i,
                )
            )
    if input.province_code is not None:
        region = regions.lookup(input.province_code)
        if region is None or region.level is not regions.RegionLevel.PROVINCE:
            errors.append(
                _error(
                    "INVALID_PROVINCE",
                    f"{input.province_code} is not a province code (GB/T 2260, e.g. 440000).",
                    "input",
                    "provinceCode",
                )
            )
    for i, contact in enumerate(input.contacts or []):
        if "@" not in contact.email or contact.email.strip() != contact.email:
            errors.append(
                _error(
                    "INVALID_EMAIL",
                    f"{contact.email!r} is not an email address.",
                    "input",
                    "contacts",
                    i,
                    "email",
                )
            )
        if contact.language not in ("zh-CN", "en"):
            errors.append(
                _error(
                    "UNSUPPORTED_LANGUAGE",
                    f'Language {contact.language!r} is not offered; use "zh-CN" or "en".',
                    "input",
                    "contacts",
                    i,
                    "language",
                )
            )
    return errors


def _service_point_errors(
    input: ServicePointInput, enterprise: Enterprise | None
) -> list[UserError]:
    errors: list[UserError] = []
    if not input.name.strip():
        errors.append(_error("REQUIRED", "Give the service point's name.", "input", "name"))
    issues = regions.check_region_code(input.region_code)
    errors += [_error("INVALID_REGION", i.message, "input", "regionCode") for i in issues]
    point_type = PointType(input.point_type)
    if not issues and point_type is PointType.COLLECTION:
        try:
            regions.prefecture_of(input.region_code)
        except ValueError as error:
            errors.append(_error("INVALID_REGION", str(error), "input", "regionCode"))
    kinds = enterprise.kinds if enterprise else frozenset()
    needed = (
        {EnterpriseKind.AUTOMAKER, EnterpriseKind.IMPORTER}
        if point_type is PointType.COLLECTION
        else {EnterpriseKind.BATTERY_MAKER}
    )
    if not kinds & needed:
        who = "automakers" if point_type is PointType.COLLECTION else "battery makers"
        errors.append(
            _error(
                "WRONG_POINT_TYPE",
                f"{point_type.value.lower()} points belong to {who}' take-back networks.",
                "input",
                "pointType",
            )
        )
    return errors

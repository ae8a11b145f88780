"""PynamoDB models: the shape of every DynamoDB table and index the product uses.

Keys and indexes here must equal those declared in template.yaml (a test compares them). Dates
are stored as ISO strings so that they sort; table names come from the environment the SAM
template (or the local stack) sets, read when this module is imported.
"""

from __future__ import annotations

import json
import os
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.connection.base import Connection, MetaTable
from pynamodb.constants import ATTR_DEFINITIONS, GLOBAL_SECONDARY_INDEXES
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

# Standing duties have no due date; they sort after every dated one in the due-date indexes.
STANDING_DUE = "9999-12-31"


def _table(variable: str, default: str) -> str:
    return os.environ.get(variable, default)


class _Meta:
    """Shared settings: region and endpoint come from the standard AWS environment."""

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    max_retry_attempts = 3
    base_backoff_ms = 25
    # At least as many as the threads that write at once (compliance/store/reminders.py), so no
    # connection is dropped and opened again.
    max_pool_connections = 20


# --- enterprises ----------------------------------------------------------------------------


class ContactMap(MapAttribute[str, Any]):
    email = UnicodeAttribute()
    language = UnicodeAttribute()


class EnterpriseItem(Model):
    """An enterprise, keyed by its USCC."""

    class Meta(_Meta):
        table_name = _table("ENTERPRISES_TABLE", "nev-local-EnterprisesTable")

    pk = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    kinds = UnicodeSetAttribute()
    manufacturer_codes = UnicodeSetAttribute(null=True)
    province_code = UnicodeAttribute(null=True)
    contacts = ListAttribute[ContactMap](of=ContactMap, default=list)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    version = VersionAttribute()


class ManufacturerCodeClaim(Model):
    """One GB/T 34014 manufacturer code and the enterprise it is assigned to (pk `MFR#<code>`).

    Kept as its own item in the enterprises table so that a conditional put makes each code
    belong to exactly one enterprise.
    """

    class Meta(_Meta):
        table_name = _table("ENTERPRISES_TABLE", "nev-local-EnterprisesTable")

    pk = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute()


# --- vehicle models and vehicles ------------------------------------------------------------


class ModelsByOwner(GlobalSecondaryIndex["ModelItem"]):
    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    owner = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute(range_key=True)


class ModelItem(Model):
    class Meta(_Meta):
        table_name = _table("MODELS_TABLE", "nev-local-ModelsTable")

    code = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute()
    imported = BooleanAttribute()
    approved_on = UnicodeAttribute()
    battery_swap = BooleanAttribute(null=True)  # absent: not a battery-swap model
    history = NumberAttribute(default=1)  # events in its history
    version = VersionAttribute()

    by_owner = ModelsByOwner()


class VehiclesByAutomaker(GlobalSecondaryIndex["VehicleItem"]):
    class Meta:
        index_name = "by_automaker"
        projection = AllProjection()

    automaker = UnicodeAttribute(hash_key=True)
    vin = UnicodeAttribute(range_key=True)


class VehiclesByModel(GlobalSecondaryIndex["VehicleItem"]):
    """A model's vehicles: an automaker's list filtered by model reads only that model's."""

    class Meta:
        index_name = "by_model"
        projection = AllProjection()

    model = UnicodeAttribute(hash_key=True)
    vin = UnicodeAttribute(range_key=True)


class VehiclesByDismantler(GlobalSecondaryIndex["VehicleItem"]):
    """Sparse: only vehicles a dismantler took in carry `scrapped_by`."""

    class Meta:
        index_name = "by_dismantler"
        projection = AllProjection()

    scrapped_by = UnicodeAttribute(hash_key=True)
    vin = UnicodeAttribute(range_key=True)


class VehicleItem(Model):
    class Meta(_Meta):
        table_name = _table("VEHICLES_TABLE", "nev-local-VehiclesTable")

    vin = UnicodeAttribute(hash_key=True)
    automaker = UnicodeAttribute()
    model = UnicodeAttribute()
    imported = BooleanAttribute()
    certified_on = UnicodeAttribute()
    last_event_on = UnicodeAttribute()
    registered_on = UnicodeAttribute(null=True)
    region_code = UnicodeAttribute(null=True)
    scrapped_on = UnicodeAttribute(null=True)
    scrapped_by = UnicodeAttribute(null=True)
    missing_battery_codes = UnicodeSetAttribute(null=True)
    arrived_without_battery = BooleanAttribute(null=True)
    battery_swap = BooleanAttribute(null=True)
    # Denormalized so a page of vehicles loads its batteries with one BatchGet, not a Query each.
    battery_codes = UnicodeSetAttribute(null=True)
    history = NumberAttribute(default=1)  # events in its history
    version = VersionAttribute()

    by_automaker = VehiclesByAutomaker()
    by_model = VehiclesByModel()
    by_dismantler = VehiclesByDismantler()


# --- batteries ------------------------------------------------------------------------------


class BatteriesByManufacturer(GlobalSecondaryIndex["BatteryItem"]):
    class Meta:
        index_name = "by_manufacturer"
        projection = AllProjection()

    manufacturer = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute(range_key=True)


class BatteriesByResponsible(GlobalSecondaryIndex["BatteryItem"]):
    """The batteries an enterprise answers for (installed in its vehicles among them: the
    automaker of a battery's vehicle is the one answering for it)."""

    class Meta:
        index_name = "by_responsible"
        projection = AllProjection()

    responsible = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute(range_key=True)


class BatteriesByCustodian(GlobalSecondaryIndex["BatteryItem"]):
    """Sparse: the batteries an enterprise holds; one a buyer off the platform holds has none."""

    class Meta:
        index_name = "by_custodian"
        projection = AllProjection()

    custodian = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute(range_key=True)


class BatteriesByParent(GlobalSecondaryIndex["BatteryItem"]):
    """Sparse: the parts of a pack or module (only parts have `parent_code`), in code order. A
    part names its parent; the parent item does not list its parts, so it stays the same size
    and is not written when a part is registered. ALL: `Battery.children` shows whole
    batteries, so one Query answers it without a BatchGet after it."""

    class Meta:
        index_name = "by_parent"
        projection = AllProjection()

    parent_code = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute(range_key=True)


class BatteryItem(Model):
    # Items written before parts were found by `by_parent` may carry `child_codes`, a set of
    # their parts' codes: it is not declared, so it is ignored when they are read, and dropped
    # the next time they are written.

    class Meta(_Meta):
        table_name = _table("BATTERIES_TABLE", "nev-local-BatteriesTable")

    code = UnicodeAttribute(hash_key=True)
    # Absent for a battery whose maker is not on the platform (so not in `by_manufacturer`).
    manufacturer = UnicodeAttribute(null=True)
    produced_on = UnicodeAttribute()
    status = UnicodeAttribute()
    last_event_on = UnicodeAttribute()
    responsible = UnicodeAttribute()
    custodian = UnicodeAttribute(null=True)  # absent while a buyer off the platform holds it
    vin = UnicodeAttribute(null=True)
    # The automaker of the vehicle the battery is installed in, for visibility checks.
    vehicle_automaker = UnicodeAttribute(null=True)
    supplied_to = UnicodeAttribute(null=True)
    service_point = UnicodeAttribute(null=True)
    original_code = UnicodeAttribute(null=True)
    recoded_as = UnicodeAttribute(null=True)
    parent_code = UnicodeAttribute(null=True)  # the pack or module it is a part of
    history = NumberAttribute(default=1)  # events in its history
    version = VersionAttribute()

    by_manufacturer = BatteriesByManufacturer()
    by_responsible = BatteriesByResponsible()
    by_custodian = BatteriesByCustodian()
    by_parent = BatteriesByParent()


# --- events ---------------------------------------------------------------------------------


class EventItem(Model):
    """One lifecycle event, in its subject's history (`B#<code>`, `V#<vin>`, `M#<model>`).

    The sort key `<occurred_on>#<event id>` orders a history by date; event ids are derived from
    the event's content, so a retried request finds the event it already recorded.
    """

    class Meta(_Meta):
        table_name = _table("EVENTS_TABLE", "nev-local-EventsTable")

    subject = UnicodeAttribute(hash_key=True)
    seq = UnicodeAttribute(range_key=True)
    id = UnicodeAttribute()
    kind = UnicodeAttribute()
    occurred_on = UnicodeAttribute()
    actor = UnicodeAttribute()
    battery_code = UnicodeAttribute(null=True)
    vin = UnicodeAttribute(null=True)
    model = UnicodeAttribute(null=True)
    region_code = UnicodeAttribute(null=True)
    counterparty = UnicodeAttribute(null=True)
    origin = UnicodeAttribute(null=True)
    new_code = UnicodeAttribute(null=True)
    service_point = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    parent_code = UnicodeAttribute(null=True)
    battery_codes = ListAttribute[str](null=True)  # in the order reported
    battery_swap = BooleanAttribute(null=True)
    recorded_at = UTCDateTimeAttribute()
    recorded_by = UnicodeAttribute(null=True)
    # The obligations this event created, so that a retried request can report them again.
    obligation_ids = UnicodeSetAttribute(null=True)


# --- obligations ----------------------------------------------------------------------------


class _ObligationIndex(GlobalSecondaryIndex["ObligationItem"]):
    due_key = UnicodeAttribute(range_key=True)


class ObligationsByResponsible(GlobalSecondaryIndex["ObligationItem"]):
    """An enterprise's obligations by stored status, then due date (`status_key`,
    `<status>#<due date>#<id>`): a status filter is a key range, never a filter over closed
    history, and each status's range is in due-date order."""

    class Meta:
        index_name = "by_responsible_status"
        projection = AllProjection()

    responsible = UnicodeAttribute(hash_key=True)
    status_key = UnicodeAttribute(range_key=True)


class ObligationsBySubject(_ObligationIndex):
    class Meta:
        index_name = "by_subject_due"
        projection = AllProjection()

    subject_key = UnicodeAttribute(hash_key=True)


class ObligationsByDue(_ObligationIndex):
    """Every obligation in the country, written over `NATIONAL_SHARDS` partitions (`ALL#<n>`,
    compliance/store/records.py) so that no one index partition takes the nation's writes; a
    regulator's page merges the shards."""

    class Meta:
        index_name = "by_due"
        projection = AllProjection()

    due_partition = UnicodeAttribute(hash_key=True)


class OpenObligationsByDue(_ObligationIndex):
    """Sparse: only obligations still open or overdue carry `open_partition`,
    `<stored status>#<shard>` (`OPEN#2`, `OVERDUE#0`): sharded like `by_due`, and split by the
    stored status so that the obligations past due that the sweep has not yet marked are a
    short key range."""

    class Meta:
        index_name = "open_by_due"
        projection = AllProjection()

    open_partition = UnicodeAttribute(hash_key=True)


class ObligationsByRemind(GlobalSecondaryIndex["ObligationItem"]):
    """Sparse: only open obligations carry `remind_pk` (`<responsible>#<shard>`) and
    `remind_sk` (`<next reminder date>#<id>`). The sweep reads an enterprise's reminders due on
    a day from its shards, and nothing else; the shards spread a large enterprise's writes over
    several index partitions."""

    class Meta:
        index_name = "by_remind"
        # Keys only: the sweep reads the items themselves, consistently, after finding them.
        projection = KeysOnlyProjection()

    remind_pk = UnicodeAttribute(hash_key=True)
    remind_sk = UnicodeAttribute(range_key=True)


class ObligationsByCoverage(GlobalSecondaryIndex["ObligationItem"]):
    """Sparse: only coverage duties (a service point in a prefecture or province) carry
    `coverage_of`, their enterprise: its coverage duties by region, read by their own keys
    whatever else it owes."""

    class Meta:
        index_name = "by_coverage"
        projection = AllProjection()

    coverage_of = UnicodeAttribute(hash_key=True)
    subject_key = UnicodeAttribute(range_key=True)


class RescheduleMap(MapAttribute[str, Any]):
    before = UnicodeAttribute()
    after = UnicodeAttribute()
    calendar_version = NumberAttribute()
    at = UTCDateTimeAttribute()
    rule_set = UnicodeAttribute(null=True)  # `<id>@<version>` when a timeline change moved it


class ObligationItem(Model):
    class Meta(_Meta):
        table_name = _table("OBLIGATIONS_TABLE", "nev-local-ObligationsTable")

    id = UnicodeAttribute(hash_key=True)
    rule_id = UnicodeAttribute()
    rule_set_id = UnicodeAttribute()
    rule_set_version = UnicodeAttribute()
    responsible = UnicodeAttribute()
    responsible_role = UnicodeAttribute()
    subject_kind = UnicodeAttribute()
    subject_id = UnicodeAttribute()
    subject_key = UnicodeAttribute()
    trigger_event_id = UnicodeAttribute()
    trigger_kind = UnicodeAttribute()
    trigger_date = UnicodeAttribute()
    period = UnicodeAttribute()
    due_date = UnicodeAttribute(null=True)
    provisional = BooleanAttribute(default=False)
    calendar_version = NumberAttribute(null=True)
    due_key = UnicodeAttribute()
    status_key = UnicodeAttribute()
    due_partition = UnicodeAttribute()
    open_partition = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    fulfilled_on = UnicodeAttribute(null=True)
    platform_receipt = UnicodeAttribute(null=True)
    waived_reason = UnicodeAttribute(null=True)
    closed_by = UnicodeAttribute(null=True)
    closed_at = UTCDateTimeAttribute(null=True)
    vin = UnicodeAttribute(null=True)
    battery_code = UnicodeAttribute(null=True)
    model = UnicodeAttribute(null=True)
    reschedules = ListAttribute[RescheduleMap](of=RescheduleMap, default=list)
    # `<due date>:<stage>` of every reminder stage the sweep issued to the enterprise's contacts
    # (standing duties: `WEEK:<iso week>`); a moved due date starts a fresh schedule.
    reminders_sent = UnicodeSetAttribute(null=True)
    remind_pk = UnicodeAttribute(null=True)
    remind_sk = UnicodeAttribute(null=True)
    coverage_of = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    by_responsible_status = ObligationsByResponsible()
    by_subject_due = ObligationsBySubject()
    by_due = ObligationsByDue()
    open_by_due = OpenObligationsByDue()
    by_remind = ObligationsByRemind()
    by_coverage = ObligationsByCoverage()


class ObligationCountsItem(Model):
    """One shard of an enterprise's obligation counts by stored status (id
    `COUNT#<USCC>#<shard>`), or of the nation's (`COUNT#*#<shard>`), in the obligations table.

    Every write that creates an obligation or changes its stored status changes a shard of its
    enterprise's counts and of the nation's in the same transaction, so the counts are exact;
    the shards spread concurrent writers so that they rarely meet on one item. Not in any index:
    it has none of their key attributes."""

    class Meta(_Meta):
        table_name = _table("OBLIGATIONS_TABLE", "nev-local-ObligationsTable")

    id = UnicodeAttribute(hash_key=True)
    open = NumberAttribute(default=0)
    overdue = NumberAttribute(default=0)
    fulfilled = NumberAttribute(default=0)
    fulfilled_late = NumberAttribute(default=0)
    waived = NumberAttribute(default=0)
    provisional = NumberAttribute(default=0)  # open (or overdue) with a provisional deadline
    coverage_open = NumberAttribute(default=0)  # coverage duties open or overdue


# --- service points -------------------------------------------------------------------------


class ServicePointsByOperator(GlobalSecondaryIndex["ServicePointItem"]):
    class Meta:
        index_name = "by_operator"
        projection = AllProjection()

    operator = UnicodeAttribute(hash_key=True)
    type_region = UnicodeAttribute(range_key=True)


class ServicePointItem(Model):
    class Meta(_Meta):
        table_name = _table("SERVICE_POINTS_TABLE", "nev-local-ServicePointsTable")

    id = UnicodeAttribute(hash_key=True)
    operator = UnicodeAttribute()
    # `<point type>#<coverage region>#<id>`: the operator's points grouped by what they cover.
    type_region = UnicodeAttribute()
    point_type = UnicodeAttribute()
    name = UnicodeAttribute()
    region_code = UnicodeAttribute()
    coverage_region = UnicodeAttribute()
    address = UnicodeAttribute(null=True)
    active = BooleanAttribute()
    updated_at = UTCDateTimeAttribute()
    updated_by = UnicodeAttribute(null=True)
    # Counted in its network row (NetworkRowItem): true for every point this version writes;
    # points stored before rows existed are counted once by `make backfill-reminders`.
    in_network = BooleanAttribute(null=True)
    version = VersionAttribute()

    by_operator = ServicePointsByOperator()


class NetworkRowsByOperator(GlobalSecondaryIndex["NetworkRowItem"]):
    """Sparse: only network rows carry `network_of`; an operator's rows by point type, then
    region, read a page at a time however many points it runs."""

    class Meta:
        index_name = "by_network"
        projection = AllProjection()

    network_of = UnicodeAttribute(hash_key=True)
    network_key = UnicodeAttribute(range_key=True)


class NetworkRowItem(Model):
    """How many service points an operator runs of one type for one region, and how many of
    them are active (`ROW#<operator>#<type>#<region>`), in the service points table. Every write
    of a point adds to its rows in the same transaction, so a coverage report reads one row per
    region instead of every point. Not in `by_operator` (it has no operator)."""

    class Meta(_Meta):
        table_name = _table("SERVICE_POINTS_TABLE", "nev-local-ServicePointsTable")

    id = UnicodeAttribute(hash_key=True)
    network_of = UnicodeAttribute()
    network_key = UnicodeAttribute()  # `<point type>#<coverage region>`
    points = NumberAttribute(default=0)
    active = NumberAttribute(default=0)

    by_network = NetworkRowsByOperator()


class ServicePointKeyClaim(Model):
    """A service point's natural key (`KEY#<key>`) and the point holding it, in the service
    points table: a conditional put makes each key belong to one point, so a point sent again
    without its id is found, not created twice. Not in `by_operator` (it has no operator)."""

    class Meta(_Meta):
        table_name = _table("SERVICE_POINTS_TABLE", "nev-local-ServicePointsTable")

    id = UnicodeAttribute(hash_key=True)
    point_id = UnicodeAttribute()


# --- calendar -------------------------------------------------------------------------------


class CalendarYearItem(Model):
    """A year schedule loaded after deployment (calendar `CN`, sk `LOAD#<version>`), or the
    progress of the rescheduling a load queued (calendar `RESCHEDULE#CN`: a header
    `<version>#<year>` and one cursor `<version>#<year>#<partition>` per partition of the open
    index; compliance/store/rescheduling.py)."""

    class Meta(_Meta):
        table_name = _table("CALENDARS_TABLE", "nev-local-CalendarsTable")

    calendar = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    year = NumberAttribute(null=True)
    holidays = UnicodeSetAttribute(null=True)
    makeup_workdays = UnicodeSetAttribute(null=True)
    source = UnicodeAttribute(null=True)
    announced_on = UnicodeAttribute(null=True)
    calendar_version = NumberAttribute(null=True)
    loaded_at = UTCDateTimeAttribute(null=True)
    loaded_by = UnicodeAttribute(null=True)
    # Rescheduling progress: counted with ADD, each page's record conditional on `page`.
    partition_keys = UnicodeSetAttribute(null=True)  # header: the partitions it covers
    page = NumberAttribute(null=True)  # cursor: pages recorded
    after_key = UnicodeAttribute(null=True)  # cursor: the last due key read; the next page follows
    queued_page = NumberAttribute(null=True)  # cursor: the page whose message was last queued
    examined = NumberAttribute(null=True)
    moved = NumberAttribute(null=True)
    confirmed = NumberAttribute(null=True)
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()


# --- reminder jobs --------------------------------------------------------------------------


class ReminderBatchItem(Model):
    """What one enterprise is reminded of on one sweep day (`rb_…`), frozen before anything
    moves, so that every contact's digest lists the same obligations however often the work is
    redelivered; its entries are kept in chunk rows (`rb_…#<n>`) because a large enterprise's
    day does not fit in one item."""

    class Meta(_Meta):
        table_name = _table("REMINDERS_TABLE", "nev-local-RemindersTable")

    job = UnicodeAttribute(hash_key=True)
    sweep_date = UnicodeAttribute(null=True)
    enterprise = UnicodeAttribute(null=True)
    round = NumberAttribute(null=True)  # a re-run of the day adds a round for what arose since
    rows = UnicodeAttribute(null=True)  # header: its entry rows are `<rows>#0` … `#<chunks-1>`
    chunks = NumberAttribute(null=True)
    entries = UnicodeAttribute(null=True)  # entry rows: one entry per line
    status = UnicodeAttribute(null=True)  # OPEN (frozen, being applied) CLOSED (jobs queued)
    created_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class ReminderJobItem(Model):
    """One contact's digest of one enterprise's batch; its status makes delivery exactly-once."""

    class Meta(_Meta):
        table_name = _table("REMINDERS_TABLE", "nev-local-RemindersTable")

    job = UnicodeAttribute(hash_key=True)
    batch = UnicodeAttribute()
    sweep_date = UnicodeAttribute()
    enterprise = UnicodeAttribute()
    email = UnicodeAttribute()
    language = UnicodeAttribute()
    status = UnicodeAttribute()  # PENDING ENQUEUED SENDING SENT EMPTY
    lease_until = UTCDateTimeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    message_id = UnicodeAttribute(null=True)
    items = NumberAttribute(null=True)  # how many obligations the sent digest listed
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    version = VersionAttribute()


# --- partner API keys -----------------------------------------------------------------------


class PartnerKeysByEnterprise(GlobalSecondaryIndex["PartnerKeyItem"]):
    """Sparse: only key rows carry `enterprise`; the per-enterprise counter rows do not."""

    class Meta:
        index_name = "by_enterprise"
        projection = AllProjection()

    enterprise = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class PartnerKeyItem(Model):
    """A partner API key (pk: its key id), or an enterprise's count of active keys (`ENT#<USCC>`).

    A key row holds the HMAC of the key, never the key. The counter row is what makes the limit
    on active keys race-safe: issuing and revoking update it in the key's transaction, under a
    condition on the count. Key ids never contain `#`, so the two kinds of row cannot collide.
    Every attribute but the key is nullable because each row kind uses only its own.
    """

    class Meta(_Meta):
        table_name = _table("PARTNER_KEYS_TABLE", "nev-local-PartnerKeysTable")

    pk = UnicodeAttribute(hash_key=True)
    enterprise = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    scopes = UnicodeSetAttribute(null=True)
    status = UnicodeAttribute(null=True)  # ACTIVE REVOKED
    secret_hash = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    last_used_at = UTCDateTimeAttribute(null=True)
    revoked_at = UTCDateTimeAttribute(null=True)
    revoked_by = UnicodeAttribute(null=True)
    active_keys = NumberAttribute(null=True)  # counter rows only
    # No version attribute: the authorizer's last-use writes would then conflict with a
    # revocation; revoking is conditional on the status instead, which is what matters.

    by_enterprise = PartnerKeysByEnterprise()


# --- change feed ----------------------------------------------------------------------------


class ChangeItem(Model):
    """A row of the change feed (compliance/store/changes.py), by kind of row:

    - `E#<USCC>` + `<12-digit sequence>`: one change in that enterprise's feed (`data`: the
      change as JSON), in the order it was appended, kept 90 days (`expires_at`);
    - `HEAD#<USCC>` + `-`: the last sequence appended (`head`), versioned, so that two writers
      appending for one enterprise at once cannot both take the same numbers, and the latest
      expiry given to a row (`kept_until`), so that expiries never go backwards in the feed;
    - `SEEN#<USCC>#<source>` + `-`: the source of a change already appended, so that a stream
      record delivered again appends nothing (kept two days: longer than a stream keeps one).

    Every attribute but the key is nullable because each row kind uses only its own.
    """

    class Meta(_Meta):
        table_name = _table("CHANGES_TABLE", "nev-local-ChangesTable")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = UnicodeAttribute(null=True)
    head = NumberAttribute(null=True)
    kept_until = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    version = VersionAttribute(null=True)


# --- exports (compliance/store/exports.py) -------------------------------------------------


class ExportItem(Model):
    """One export: who owns it (`owner`), what it holds (`listing`) and how far it got."""

    class Meta(_Meta):
        table_name = _table("EXPORTS_TABLE", "nev-local-ExportsTable")

    owner = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()
    format = UnicodeAttribute()
    listing = UnicodeAttribute()  # the list it holds: ExportQuery as JSON
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    started_at = UTCDateTimeAttribute(null=True)
    finished_at = UTCDateTimeAttribute(null=True)
    row_count = NumberAttribute(null=True)
    truncated = BooleanAttribute(null=True)
    object_key = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    pages = NumberAttribute(null=True)  # list pages read
    evaluated = NumberAttribute(null=True)  # items DynamoDB read for them
    expires_at = TTLAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    EnterpriseItem,
    ModelItem,
    VehicleItem,
    BatteryItem,
    EventItem,
    ObligationItem,
    ServicePointItem,
    CalendarYearItem,
    ReminderJobItem,
    PartnerKeyItem,
    ChangeItem,
    ExportItem,
)
# Models sharing a table with one of ALL_MODELS.
EXTRA_MODELS: tuple[type[Model], ...] = (
    ManufacturerCodeClaim,
    ServicePointKeyClaim,
    NetworkRowItem,
    ReminderBatchItem,
    ObligationCountsItem,
)


def share_one_connection() -> None:
    """Make every model (and so every transaction) use one botocore client.

    PynamoDB gives each model its own connection, and each connection builds its own client on
    first use; building a client costs about 100 ms, more than a typical request. All models
    have the same region, endpoint and retry settings, so one client serves them all. Call it
    again after anything replaces the endpoint (tests starting a new mock, for example).
    """
    models: tuple[type[Model], ...] = (*ALL_MODELS, *EXTRA_MODELS)
    shared = None
    for model in models:
        model._connection = None
        table = model._get_connection()
        if shared is None:
            shared = table.connection
        else:
            _add_meta_table(shared, table.get_meta_table())
            table.connection = shared


def _add_meta_table(connection: Connection, meta: MetaTable) -> None:
    """Add a model's table schema to the shared connection. Models sharing a table are added
    once, with the indexes each declares: PynamoDB checks a Query's index against the schema
    of the connection, which would otherwise know only the first model's (a sparse index may
    belong to a model other than the table's first)."""
    known = connection._tables.get(meta.table_name)
    if known is None:
        connection.add_meta_table(meta)
        return
    for kind in (GLOBAL_SECONDARY_INDEXES, ATTR_DEFINITIONS):
        mine = known.data.setdefault(kind, [])
        names = {json.dumps(entry, sort_keys=True) for entry in mine}
        mine.extend(
            entry
            for entry in meta.data.get(kind) or []
            if json.dumps(entry, sort_keys=True) not in names
        )


share_one_connection()

"""Relay's global object identification: the `Node` interface, the global id of each type
that implements it and how an id is read back to its type and record, and the `node` and
`nodes` root fields.

Every record with an identity of its own implements `Node`. A type that already had an `id`
keeps it, value and all, as its global id (clients code against it, and it is unique across
types by its form): an enterprise's USCC, an obligation's `ob_…`, a service point's `sp_…`, a
partner key's twelve-letter id. A type that had none gets one: base64url, unpadded, of
`<TypeName>:<natural key>` (a vehicle's VIN, a battery's code, a model's code). Those forms
cannot be mistaken for each other: a USCC is upper case, a key id lower case and 12 long, and
an encoded id starts with the encoded type name, which no other form does.

`node` and `nodes` find each record through the loader and the visibility check of the type's
own lookup (`vehicle(vin:)`, `battery(code:)`, `obligation(id:)`, ...): a record the caller
may not see is null, exactly as one that does not exist. `nodes` reads each type's records
together, one BatchGet per type for its at most `MAX_NODES` ids. Lifecycle events are left out:
an event's id is derived from its content and no index reads it back; its subject's `events`
lists it.
"""

import asyncio
import base64
import binascii
import re
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from typing import Annotated, Any

import strawberry

from compliance.codes import uscc_check_character
from compliance.messages import t
from compliance.partner_keys import is_key_id
from compliance.store import partner_keys as key_store
from graph.errors import BadUserInput
from graph.permissions import (
    KeyManager,
    Reader,
    can_see_enterprise,
    can_see_obligation,
    can_see_service_point,
    manages_keys_of,
    require_principal,
)
from graph.types import Info

MAX_NODES = 100

# The types whose `id` existed before `Node`: it is their global id, told apart by its form.
ENTERPRISE = "Enterprise"
OBLIGATION = "Obligation"
SERVICE_POINT = "ServicePoint"
PARTNER_KEY = "PartnerKey"
_PREFIXES = {"ob_": OBLIGATION, "sp_": SERVICE_POINT}
# The types whose global id encodes their natural key.
VEHICLE = "Vehicle"
VEHICLE_MODEL = "VehicleModel"
BATTERY = "Battery"
ENCODED = frozenset({VEHICLE, VEHICLE_MODEL, BATTERY})
NODE_TYPES = (ENTERPRISE, VEHICLE_MODEL, VEHICLE, BATTERY, OBLIGATION, SERVICE_POINT, PARTNER_KEY)

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
# GB 32100: 18 characters of this alphabet, the last a check character.
_USCC = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{18}")
# How much of a refused id a message repeats: enough to recognise it.
_SHOWN = 40


@strawberry.interface(
    name="Node",
    description="A record with a global id: `node(id:)` fetches it again (Relay's global "
    "object identification).",
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Unique across every type and stable: pass it to `node` or `nodes` as it "
        "is, without reading anything into it."
    )


def global_id(type_name: str, key: str) -> strawberry.ID:
    """The global id of the record of `type_name` (one of `ENCODED`) whose natural key is `key`."""
    encoded = base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).rstrip(b"=")
    return strawberry.ID(encoded.decode("ascii"))


def _decoded(value: str) -> tuple[str, str] | None:
    """The type and natural key an encoded global id names; None for anything else. Only the
    exact encoding `global_id` gives is read, so that each record has one id."""
    if not _BASE64URL.fullmatch(value):
        return None
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, colon, key = text.partition(":")
    if not (colon and key and type_name in ENCODED) or global_id(type_name, key) != value:
        return None
    return type_name, key


def _own_id_type(value: str) -> str | None:
    """The type whose own id `value` is, for the types whose id predates `Node`."""
    for prefix, type_name in _PREFIXES.items():
        if value.startswith(prefix) and len(value) > len(prefix):
            return type_name
    if is_key_id(value):
        return PARTNER_KEY
    if _USCC.fullmatch(value) and uscc_check_character(value[:-1]) == value[-1]:
        return ENTERPRISE
    return None


def parse_id(value: str, argument: str) -> tuple[str, str]:
    """The type and natural key of global id `value`; BAD_USER_INPUT about `argument` when it
    cannot be one. Whether such a record exists, or is the caller's, is not decided here."""
    own = _own_id_type(value)
    if own is not None:
        return own, value
    decoded = _decoded(value)
    if decoded is not None:
        return decoded
    shown = repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")
    if value.startswith("ev_"):
        raise BadUserInput(t("node.event_id", argument=argument, shown=shown), field=argument)
    raise BadUserInput(
        t("node.not_global_id", argument=argument, shown=shown, types=", ".join(NODE_TYPES)),
        field=argument,
    )


# --- reading records back, as the types' own lookups do --------------------------------------

# The records of one type for natural keys, in their order: each one the caller may see, else
# None.
_Load = Callable[[Info, list[str]], Awaitable[Sequence[Node | None]]]


def _each(load_one: Callable[[Info, str], Awaitable[Any]]) -> _Load:
    """A type read through a request loader, key by key: the loader batches the keys asked for
    together into one BatchGet."""

    async def load(info: Info, keys: list[str]) -> Sequence[Node | None]:
        found: list[Node | None] = await asyncio.gather(*(load_one(info, key) for key in keys))
        return found

    return load


async def _enterprise(info: Info, uscc: str) -> Node | None:
    # As `enterprise(id:)`: one's own (regulators and the platform: any).
    from graph.enterprises.types import EnterpriseType

    record = await info.context.loaders.enterprise.load(uscc)
    if record is None or not can_see_enterprise(require_principal(info.context), record):
        return None
    return EnterpriseType.of(record)


async def _obligation(info: Info, obligation_id: str) -> Node | None:
    # As `obligation(id:)`: its responsible enterprise's (regulators: any).
    from graph.obligations.types import ObligationType

    record = await info.context.loaders.obligation.load(obligation_id)
    if record is None or not can_see_obligation(require_principal(info.context), record):
        return None
    return ObligationType.of(record)


async def _service_points(info: Info, ids: list[str]) -> Sequence[Node | None]:
    # As `servicePoints`: its operator's (regulators: any).
    from graph.network.types import ServicePointType

    principal = require_principal(info.context)
    stored = info.context.store.service_points(ids)
    points = [stored[i].value if i in stored else None for i in ids]
    return [
        ServicePointType.of(p) if p and can_see_service_point(principal, p) else None
        for p in points
    ]


async def _partner_keys(info: Info, ids: list[str]) -> Sequence[Node | None]:
    # As `partnerKeys`: administrators only (a regulator's or a partner's read as none), the
    # platform any enterprise's, an enterprise administrator its own's.
    from graph.partner_keys.types import PartnerKeyType

    principal = require_principal(info.context)
    if KeyManager().refusal(principal) is not None:
        return [None for _ in ids]
    found = key_store.by_ids(ids)
    keys = [found.get(i) for i in ids]
    return [
        PartnerKeyType.of(k) if k and manages_keys_of(principal, k.enterprise_id) else None
        for k in keys
    ]


@cache
def _loads() -> dict[str, _Load]:
    # Imported as it runs: the types implementing Node import this module.
    from graph.batteries.types import load_battery
    from graph.vehicles.types import load_model, load_vehicle

    return {
        ENTERPRISE: _each(_enterprise),
        VEHICLE_MODEL: _each(load_model),
        VEHICLE: _each(load_vehicle),
        BATTERY: _each(load_battery),
        OBLIGATION: _each(_obligation),
        SERVICE_POINT: _service_points,
        PARTNER_KEY: _partner_keys,
    }


async def _resolve(info: Info, wanted: list[tuple[str, str]]) -> list[Node | None]:
    """The records `wanted` names, in its order: each type's keys read together, the types at
    once."""
    by_type: dict[str, list[str]] = {}
    for type_name, key in wanted:
        by_type.setdefault(type_name, []).append(key)
    loads = _loads()
    answers = await asyncio.gather(*(loads[t](info, keys) for t, keys in by_type.items()))
    found = {
        (type_name, key): record
        for (type_name, keys), records in zip(by_type.items(), answers, strict=True)
        for key, record in zip(keys, records, strict=True)
    }
    return [found[w] for w in wanted]


# --- the root fields ------------------------------------------------------------------------


@strawberry.field(
    description="The record with this global id, if you may see it; null otherwise, exactly as "
    "for an id that names nothing.",
    permission_classes=[Reader],
)
async def node(info: Info, id: strawberry.ID) -> Node | None:
    [found] = await _resolve(info, [parse_id(str(id), "id")])
    return found


@strawberry.field(
    description=f"The records with these global ids (at most {MAX_NODES}), in the order asked: "
    "each as `node` answers it, null where it would be. Each type's records are read together.",
    permission_classes=[Reader],
)
async def nodes(
    info: Info,
    ids: Annotated[list[strawberry.ID], strawberry.argument(description=f"At most {MAX_NODES}.")],
) -> list[Node | None]:
    wanted = [parse_id(str(value), f"ids.{n}") for n, value in enumerate(ids)]
    return await _resolve(info, wanted)

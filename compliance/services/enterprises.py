"""Use cases: onboarding an enterprise (the platform), and updating its name, province and
reminder contacts (the platform, or the enterprise's own administrators).

Onboarding claims each manufacturer code for one maker, all or nothing. Both are idempotent: the
same registration or update sent again is the same success and writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from msgspec import Struct
from msgspec.structs import replace

from compliance.enterprises import (
    Contact,
    Enterprise,
    contact_violations,
    name_violations,
    province_violations,
    registration_violations,
)
from compliance.lifecycle import Violation
from compliance.messages import t
from compliance.services.store import ClaimManufacturerCode, PutEnterprise, Store, Unit, Write


class Saved(Struct, frozen=True):
    enterprise: Enterprise | None
    violations: tuple[Violation, ...] = ()


def register(store: Store, enterprise: Enterprise) -> Saved:
    """Onboard `enterprise`; its manufacturer codes become its own."""
    codes = sorted(enterprise.manufacturer_codes)
    found = registration_violations(
        enterprise.id,
        enterprise.name,
        enterprise.kinds,
        codes,
        enterprise.province_code,
        enterprise.contacts,
    )
    if found:
        return Saved(None, tuple(found))
    existing = store.enterprises([enterprise.id]).get(enterprise.id)
    if existing is not None:
        if _same_registration(existing.value, enterprise):
            return Saved(existing.value)
        return Saved(
            None,
            (
                Violation(
                    "ALREADY_REGISTERED",
                    "id",
                    t("enterprise.registered_already", id=enterprise.id),
                ),
            ),
        )
    owners = store.code_owners(codes)
    taken = [
        Violation(
            "MANUFACTURER_CODE_TAKEN",
            "manufacturer_codes",
            t("enterprise.manufacturer_code_taken", code=code, owner=owner),
        )
        for code, owner in sorted(owners.items())
        if owner != enterprise.id
    ]
    if taken:
        return Saved(None, tuple(taken))
    writes: list[Write] = [PutEnterprise(enterprise, None)]
    writes += [ClaimManufacturerCode(code, enterprise.id) for code in codes]
    store.commit([Unit(tuple(writes))])
    return Saved(enterprise)


def _same_registration(stored: Enterprise, sent: Enterprise) -> bool:
    fields = ("name", "kinds", "manufacturer_codes", "province_code", "contacts")
    return all(getattr(stored, f) == getattr(sent, f) for f in fields)


def update(
    store: Store,
    enterprise_id: str,
    *,
    caller_enterprise: str | None,
    by: str,
    now: datetime,
    name: str | None = None,
    province_code: str | None = None,
    contacts: Sequence[Contact] | None = None,
) -> Saved:
    """Change what is given of an enterprise; `contacts` replaces the whole list.

    `caller_enterprise` is None for the platform, which may update any enterprise; an
    enterprise's administrator may update only its own, and to it no other exists.
    """
    stored = store.enterprises([enterprise_id]).get(enterprise_id)
    if stored is None or caller_enterprise not in (None, enterprise_id):
        return Saved(
            None,
            (Violation("NOT_FOUND", "id", t("enterprise.not_found", id=enterprise_id)),),
        )
    found: list[Violation] = []
    if name is not None:
        found += name_violations(name)
    found += province_violations(province_code)
    if contacts is not None:
        found += contact_violations(contacts)
    if found:
        return Saved(None, tuple(found))
    before = stored.value
    after = replace(
        before,
        name=name.strip() if name is not None else before.name,
        province_code=province_code if province_code is not None else before.province_code,
        contacts=tuple(contacts) if contacts is not None else before.contacts,
    )
    if after == before:
        return Saved(before)
    after = replace(after, updated_at=now, updated_by=by)
    store.commit([Unit((PutEnterprise(after, stored.version),))])
    return Saved(after)

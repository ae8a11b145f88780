"""Onboarding enterprises: one record per USCC, each manufacturer code owned by one maker."""

from __future__ import annotations

from pynamodb.transactions import TransactWrite

from compliance.store.models import ManufacturerCodeClaim
from compliance.store.reads import translated_errors
from compliance.store.records import Enterprise, enterprise_item
from compliance.store.transactions import commit


def manufacturer_code_owners(codes: list[str]) -> dict[str, str]:
    """For each given manufacturer code that is already assigned, the enterprise it belongs to."""
    if not codes:
        return {}
    with translated_errors():
        claims = ManufacturerCodeClaim.batch_get([f"MFR#{c}" for c in codes])
        return {claim.pk.removeprefix("MFR#"): claim.owner for claim in claims}


def register(enterprise: Enterprise) -> None:
    """Create the enterprise and claim its manufacturer codes, all or nothing.

    Raises ConflictError when the USCC is registered already or a code was claimed meanwhile.
    """

    def build(tx: TransactWrite) -> None:
        tx.save(enterprise_item(enterprise))
        for code in sorted(enterprise.manufacturer_codes):
            claim = ManufacturerCodeClaim(pk=f"MFR#{code}", owner=enterprise.id)
            tx.save(claim, condition=ManufacturerCodeClaim.pk.does_not_exist())

    commit(
        build,
        conflict=f"Enterprise {enterprise.id} or one of its manufacturer codes is registered "
        "already.",
    )

"""Enterprises as the platform knows them: identity, kinds, manufacturer codes, reminder contacts,
and what makes a registration or an update acceptable. Pure: no storage.

A violation's field names the part of the enterprise at fault, dotted for list items
(``contacts.1.email``), so that every adapter can point at what its caller sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from msgspec import Struct

from compliance import regions
from compliance.codes import check_uscc
from compliance.lifecycle import UTILIZER_KINDS, EnterpriseFacts, EnterpriseKind, Violation
from compliance.messages import t, too_long

LANGUAGES = ("zh-CN", "en")
MAX_CONTACTS = 20
NAME_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254  # RFC 5321's limit for a forward path
# GB/T 34014 manufacturer codes go to battery makers, and to the comprehensive-utilization
# enterprises (recyclers) that re-code batteries for second life under their own code.
CODE_HOLDER_KINDS = frozenset({EnterpriseKind.BATTERY_MAKER}) | UTILIZER_KINDS


class Contact(Struct, frozen=True):
    email: str
    language: str  # BCP 47: "zh-CN" or "en"


class Enterprise(Struct, frozen=True):
    id: str
    name: str
    kinds: frozenset[EnterpriseKind]
    manufacturer_codes: frozenset[str]
    province_code: str | None
    contacts: tuple[Contact, ...]
    created_at: datetime
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def facts(self) -> EnterpriseFacts:
        return EnterpriseFacts(self.id, self.kinds, self.manufacturer_codes)


def registration_violations(
    enterprise_id: str,
    name: str,
    kinds: frozenset[EnterpriseKind],
    manufacturer_codes: Sequence[str],
    province_code: str | None,
    contacts: Sequence[Contact],
) -> list[Violation]:
    """Every reason an enterprise cannot be onboarded as given."""
    found = [
        Violation(f"INVALID_USCC_{i.code}", "id", i.message) for i in check_uscc(enterprise_id)
    ]
    found += name_violations(name)
    if not kinds:
        found.append(Violation("REQUIRED", "kinds", t("enterprise.kinds_required")))
    if manufacturer_codes and not kinds & CODE_HOLDER_KINDS:
        found.append(
            Violation(
                "NOT_A_BATTERY_MAKER", "manufacturer_codes", t("enterprise.codes_not_for_kind")
            )
        )
    for i, code in enumerate(manufacturer_codes):
        if len(code) != 3 or not code.isascii() or not code.isalnum() or code != code.upper():
            found.append(
                Violation(
                    "INVALID_MANUFACTURER_CODE",
                    f"manufacturer_codes.{i}",
                    t("enterprise.invalid_manufacturer_code", code=code),
                )
            )
    found += province_violations(province_code)
    found += contact_violations(contacts)
    return found


def name_violations(name: str) -> list[Violation]:
    if not name.strip():
        return [Violation("REQUIRED", "name", t("enterprise.name_required"))]
    if len(name) > NAME_MAX_LENGTH:
        return [Violation("TOO_LONG", "name", too_long("what.name", len(name), NAME_MAX_LENGTH))]
    return []


def province_violations(province_code: str | None) -> list[Violation]:
    if province_code is None:
        return []
    region = regions.lookup(province_code)
    if region is None or region.level is not regions.RegionLevel.PROVINCE:
        return [
            Violation(
                "INVALID_PROVINCE",
                "province_code",
                t("enterprise.invalid_province", code=province_code),
            )
        ]
    return []


def contact_violations(contacts: Sequence[Contact]) -> list[Violation]:
    """Reminder contacts: real addresses, a language the digests are written in, each once."""
    if len(contacts) > MAX_CONTACTS:
        return [
            Violation(
                "TOO_MANY_ITEMS",
                "contacts",
                t("enterprise.too_many_contacts", count=len(contacts), limit=MAX_CONTACTS),
            )
        ]
    found: list[Violation] = []
    seen: set[str] = set()
    for i, contact in enumerate(contacts):
        email = contact.email
        local, at, domain = email.rpartition("@")
        if (
            not at
            or not local
            or "." not in domain
            or email.strip() != email
            or any(c.isspace() for c in email)
            or len(email) > EMAIL_MAX_LENGTH
        ):
            found.append(
                Violation(
                    "INVALID_EMAIL",
                    f"contacts.{i}.email",
                    t("enterprise.invalid_email", email=email[:80]),
                )
            )
        elif email.casefold() in seen:
            found.append(
                Violation(
                    "DUPLICATE", f"contacts.{i}.email", t("enterprise.duplicate_email", email=email)
                )
            )
        seen.add(email.casefold())
        if contact.language not in LANGUAGES:
            found.append(
                Violation(
                    "UNSUPPORTED_LANGUAGE",
                    f"contacts.{i}.language",
                    t("enterprise.unsupported_language", language=contact.language[:20]),
                )
            )
    return found

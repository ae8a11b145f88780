"""The enterprises' input types: onboarding, updating, contacts, and the list filter."""

import strawberry

from compliance.lifecycle import EnterpriseKind


@strawberry.input
class ContactInput:
    email: str
    language: str = strawberry.field(description="BCP 47 language tag: zh-CN or en.")


@strawberry.input
class RegisterEnterpriseInput:
    id: strawberry.ID = strawberry.field(description="Unified Social Credit Code (18 chars).")
    name: str
    kinds: list[EnterpriseKind]
    manufacturer_codes: list[str] | None = None
    province_code: str | None = None
    contacts: list[ContactInput] | None = None


@strawberry.input
class UpdateEnterpriseInput:
    id: strawberry.ID = strawberry.field(description="The enterprise's USCC.")
    name: str | None = strawberry.field(default=None, description="Left as it is if omitted.")
    contacts: list[ContactInput] | None = strawberry.field(
        default=None,
        description="Reminder recipients; replaces the whole list. Left as it is if omitted.",
    )
    province_code: str | None = strawberry.field(
        default=None, description="GB/T 2260 province code. Left as it is if omitted."
    )


@strawberry.input
class EnterpriseFilter:
    kind: EnterpriseKind | None = None
    province_code: str | None = strawberry.field(
        default=None, description="GB/T 2260 province code."
    )

"""The README's role table ("The API") and the permissions the schema's root fields declare
(graph/permissions.py) say the same.

The table names each role in its first column and says what the role may do in its second, in
words; what that column names in backticks (a root field, or for partner systems a scope) is
held to the permission classes of the root fields. Those classes are where the code says who
may call what: every root field declares one, no other field declares any, and each admits
exactly the roles it declares.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import strawberry

from graph.context import Principal, Role
from graph.permissions import RootPermission
from graph.schema import build_schema

README = Path(__file__).resolve().parents[2] / "README.md"
ROOTS = ("Query", "Mutation")


def _api_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## The API\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def role_table() -> dict[str, str]:
    """Each row of the table headed `| role | may |`: the role's name, and what it may do."""
    lines = [line.strip() for line in _api_section().splitlines()]
    start = lines.index("| role | may |")
    rows: dict[str, str] = {}
    for line in lines[start + 2 :]:  # past the header and its `|---|---|` line
        if not line.startswith("|"):
            break
        role, may = (cell.strip() for cell in line.strip("|").split("|"))
        assert role not in rows, f"the table lists {role} twice"
        rows[role.strip("`")] = may
    return rows


def named(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def _schema() -> strawberry.Schema:
    return build_schema(introspection=True)


def root_permissions() -> dict[str, type[RootPermission]]:
    """Every root field by its GraphQL name, with the one permission class it declares."""
    schema = _schema()
    found: dict[str, type[RootPermission]] = {}
    for root in ROOTS:
        definition = schema.get_type_by_name(root)
        assert isinstance(definition, strawberry.types.base.StrawberryObjectDefinition)
        for field in definition.fields:
            name = schema.config.name_converter.get_graphql_name(field)
            classes = field.permission_classes
            assert len(classes) == 1, f"{root}.{name} declares {len(classes)} permission classes"
            [permission] = classes
            assert issubclass(permission, RootPermission), f"{root}.{name}: {permission}"
            found[name] = permission
    return found


def may_call(role: Role, permission: type[RootPermission]) -> bool:
    return role in permission.roles


def partner_scopes() -> set[str]:
    """The scopes partner systems need for the root fields they may call."""
    return {
        p.partner_scope
        for p in root_permissions().values()
        if may_call(Role.PARTNER, p) and p.partner_scope is not None
    }


def test_every_root_field_declares_who_may_call_it() -> None:
    graphql = _schema()._schema
    roots = [graphql.query_type, graphql.mutation_type]
    assert set(root_permissions()) == {name for root in roots if root for name in root.fields}


def test_no_field_below_the_roots_declares_permissions() -> None:
    # A permission on an object type's field would be checked once per object a list holds.
    schema = _schema()
    for name, graphql_type in schema._schema.type_map.items():
        definition = graphql_type.extensions.get("strawberry-definition")
        if name in ROOTS or not isinstance(
            definition, strawberry.types.base.StrawberryObjectDefinition
        ):
            continue
        for field in definition.fields:
            assert not field.permission_classes, f"{name}.{field.python_name}"


@pytest.mark.parametrize("permission", sorted(set(root_permissions().values()), key=str))
@pytest.mark.parametrize("role", list(Role))
def test_a_permission_admits_exactly_the_roles_it_declares(
    permission: type[RootPermission], role: Role
) -> None:
    # Given a caller of the role, of an enterprise, with every scope a partner may hold,
    principal = Principal(
        subject="someone", role=role, enterprise_id="E1", scopes=frozenset(partner_scopes())
    )
    # Then the permission refuses it exactly when its declared roles leave the role out.
    refusal = permission().refusal(principal)
    assert (refusal is None) is may_call(role, permission), refusal


def test_a_partner_without_the_scope_a_field_asks_is_refused() -> None:
    for permission in set(root_permissions().values()):
        if not may_call(Role.PARTNER, permission):
            continue
        partner = Principal(subject="key", role=Role.PARTNER, enterprise_id="E1")
        assert permission().refusal(partner) == (
            f"This partner credential lacks the '{permission.partner_scope}' scope."
        )


def test_the_table_lists_every_role_once() -> None:
    assert sorted(role_table()) == sorted(role.value for role in Role)


def test_every_root_field_the_table_names_is_one_its_role_may_call() -> None:
    permissions = root_permissions()
    scopes = partner_scopes()
    for role, may in role_table().items():
        for name in named(may):
            if name in scopes:
                continue  # a scope: the next test
            assert name in permissions, f"the {role} row names `{name}`: no root field or scope"
            assert may_call(Role(role), permissions[name]), f"{role} may not call {name}"


def test_the_partner_row_names_exactly_the_scopes_partners_need() -> None:
    scopes = partner_scopes()
    table = role_table()
    assert set(named(table[Role.PARTNER.value])) == scopes
    for role, may in table.items():
        if role != Role.PARTNER.value:
            assert not scopes & set(named(may)), f"the {role} row names a partner scope"


def operations_table() -> tuple[list[str], list[tuple[list[str], list[str]]]]:
    """The table headed `| operations | ...roles... |`: its roles, and each row's root fields
    with one cell per role."""
    lines = [line.strip() for line in _api_section().splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("| operations |"))
    roles = [cell.strip().strip("`") for cell in lines[start].strip("|").split("|")[1:]]
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        first, *cells = (cell.strip() for cell in line.strip("|").split("|"))
        rows.append((named(first), cells))
    return roles, rows


def test_the_operations_table_names_every_root_field_once() -> None:
    # Given the README's table of operations, Then every root field is in exactly one row.
    _, rows = operations_table()
    listed = [name for names, _ in rows for name in names]
    assert sorted(listed) == sorted(root_permissions()), "missing or unknown root fields"
    assert len(listed) == len(set(listed)), "a root field is in two rows"


def test_the_operations_table_says_cell_by_cell_who_may_call_each_field() -> None:
    # Given each cell of the table: `yes`, a partner's scope, or empty
    roles, rows = operations_table()
    assert sorted(roles) == sorted(role.value for role in Role)
    permissions = root_permissions()
    for names, cells in rows:
        for name in names:
            permission = permissions[name]
            for role, cell in zip(roles, cells, strict=True):
                # Then a role may call the field exactly when its cell is filled in,
                allowed = may_call(Role(role), permission)
                assert allowed is bool(cell), f"{name} for {role}: the table says {cell!r}"
                # and a partner's cell names the scope the field asks of it.
                if role == Role.PARTNER.value and allowed:
                    assert named(cell) == [permission.partner_scope], f"{name}: {cell!r}"
                elif allowed:
                    assert cell == "yes", f"{name} for {role}: {cell!r}"

"""The cold-start floor (bench/strawberry_floor.py) declares the very schema the API serves, as
cheaply as Strawberry allows: otherwise its figure would not be the floor under this one."""

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from graphql import build_schema, find_breaking_changes, find_dangerous_changes

from bench.strawberry_floor import SDL_PATH, floor_source, write_floor


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # Strawberry resolves quoted annotations in the module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[path.stem]
    return module


@pytest.fixture(scope="module")
def floor_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_floor(tmp_path_factory.mktemp("floor"), module="floor_under_test")


def test_floor_serves_the_same_schema_as_the_api(floor_path: Path) -> None:
    # Given the API's exported schema and the floor written from it
    served = build_schema(SDL_PATH.read_text(encoding="utf-8"))

    # When the floor module is imported, which builds its Strawberry schema
    floor = build_schema(_import(floor_path).schema.as_str())

    # Then neither differs from the other in any way a client could notice
    for old, new in ((served, floor), (floor, served)):
        assert find_breaking_changes(old, new) == []
        assert find_dangerous_changes(old, new) == []
    assert sorted(floor.type_map) == sorted(served.type_map)


def test_floor_quotes_only_annotations_that_name_a_class_defined_later() -> None:
    # Given the floor's source (string annotations cost Strawberry an evaluation each time)
    tree = ast.parse(floor_source(SDL_PATH.read_text(encoding="utf-8")))
    position = {
        node.name: index for index, node in enumerate(tree.body) if isinstance(node, ast.ClassDef)
    }

    # When every quoted annotation is found, with the class it sits in
    quoted = [
        (owner.name, annotation.value)
        for owner in tree.body
        if isinstance(owner, ast.ClassDef)
        for node in ast.walk(owner)
        for annotation in _annotations(node)
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str)
    ]

    # Then each names a class defined at or after its own (a cycle), and there are few
    assert quoted, "the schema's cycles (Vehicle and Battery) need at least one"
    for owner, text in quoted:
        names = {n.id for n in ast.walk(ast.parse(text, mode="eval")) if isinstance(n, ast.Name)}
        assert any(position.get(name, -1) >= position[owner] for name in names), (owner, text)
    assert len(quoted) <= 10


def _annotations(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.AnnAssign):
        return [node.annotation]
    if isinstance(node, ast.FunctionDef):
        found = [a.annotation for a in (*node.args.args, *node.args.kwonlyargs) if a.annotation]
        return [*found, *([node.returns] if node.returns else [])]
    return []

"""What `make run` installs: the stack's own dependencies and the `local` extra, never the
development tools that `make test` brings (they made a first `make run` take minutes)."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Installed by `make test` only: linters, type checker, test tools, calendar sources.
DEV_ONLY = {
    "chinesecalendar": "chinesecalendar",
    "holidays": "holidays",
    "gql": "gql",
    "hypothesis": "hypothesis",
    "hypothesis-graphql": "hypothesis_graphql",
    "mypy": "mypy",
    "pylint": "pylint",
    "pytest": "pytest",
    "pytest-socket": "pytest_socket",
    "radon": "radon",
    "ruff": "ruff",
    "xenon": "xenon",
}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[=<>~ ]", requirement, maxsplit=1)[0] for requirement in requirements}


def test_the_local_extra_holds_no_development_tool() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    local = _names(project["optional-dependencies"]["local"])
    assert local == {"cfn-lint", "moto", "pyjwt"}
    assert not local & set(DEV_ONLY)
    # and the development extra builds on it rather than repeating it.
    assert "nev-battery-compliance[local]" in project["optional-dependencies"]["dev"]


def test_make_run_installs_the_local_extra_only() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    [run] = re.findall(r"^run: (.+)$", makefile, flags=re.MULTILINE)
    assert run.strip() == "$(RUN_STAMP)"
    recipe = makefile.split("$(RUN_STAMP): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert "-e '.[local]'" in recipe
    assert "[dev]" not in recipe


def test_the_stack_imports_nothing_that_only_make_test_installs() -> None:
    # Given every module the local stack runs (its own, and the functions it serves)
    imported: dict[str, str] = {}
    for package in ("local", "functions", "graph", "compliance"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    roots = [alias.name.split(".")[0] for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    roots = [node.module.split(".")[0]]
                else:
                    continue
                for root in roots:
                    imported.setdefault(root, str(path.relative_to(ROOT)))
    # Then none of them needs a development tool
    found = {name: imported[name] for name in DEV_ONLY.values() if name in imported}
    assert found == {}

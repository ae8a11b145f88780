"""A function's environment as the deployed template would give it, for the local stack.

Resolves the values template.yaml sets (the globals, then the function's own): plain strings,
``!Ref`` to a parameter (its default, or a value given) or to a table (its local name), and
``!If`` on conditions built from ``!Equals``, ``!Not``, ``!And``, ``!Or``. A value needing
anything else (an attribute of a deployed resource) is left out: locally it does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local.tables import DEFAULT_PREFIX, FUNCTION_TYPE, TABLE_TYPE
from local.template import TEMPLATE, load_template, resources_of_type

API_FUNCTION = "ApiFunction"


class Unresolved(Exception):  # noqa: N818 - a signal, caught inside this module
    """A value that only a deployment can give."""


class _Resolver:
    def __init__(
        self,
        template: Mapping[str, Any],
        prefix: str,
        parameters: Mapping[str, str],
        refs: Mapping[str, str] | None = None,
    ) -> None:
        self.parameters = {
            name: str(spec["Default"])
            for name, spec in (template.get("Parameters") or {}).items()
            if "Default" in spec
        } | dict(parameters)
        self.tables = {
            logical_id: f"{prefix}{logical_id}"
            for logical_id in resources_of_type(dict(template), TABLE_TYPE)
        } | dict(refs or {})
        self.conditions: dict[str, Any] = dict(template.get("Conditions") or {})

    def value(self, node: Any) -> Any:
        if isinstance(node, str | int | float | bool):
            return node
        if isinstance(node, list):
            return [self.value(item) for item in node]
        if not isinstance(node, dict) or len(node) != 1:
            raise Unresolved(repr(node))
        ((function, argument),) = node.items()
        if function == "Ref":
            if argument in self.parameters:
                return self.parameters[argument]
            if argument in self.tables:
                return self.tables[argument]
            raise Unresolved(f"Ref {argument}")
        if function == "Fn::If":
            condition, when_true, when_false = argument
            return self.value(when_true if self.condition(condition) else when_false)
        if function in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"):
            return self.condition_value(function, argument)
        raise Unresolved(function)

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise Unresolved(f"condition {name}")
        return bool(self.value(self.conditions[name]))

    def condition_value(self, function: str, argument: Any) -> bool:
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::Equals":
            left, right = (self.value(item) for item in argument)
            return str(left) == str(right)
        values = [bool(self.value(item)) for item in argument]
        if function == "Fn::Not":
            return not values[0]
        return all(values) if function == "Fn::And" else any(values)


def function_env(
    function: str = API_FUNCTION,
    prefix: str = DEFAULT_PREFIX,
    *,
    parameters: Mapping[str, str] | None = None,
    refs: Mapping[str, str] | None = None,
    template_path: Path | str = TEMPLATE,
) -> dict[str, str]:
    """The environment variables template.yaml gives ``function``, resolved for the local stack.

    ``parameters`` override the template's parameter defaults (e.g. ``{"Stage": "prod"}``);
    ``refs`` gives what a ``!Ref`` to another local resource means (a queue's URL).
    """
    template = load_template(template_path)
    functions = resources_of_type(template, FUNCTION_TYPE)
    if function not in functions:
        raise KeyError(f"{template_path}: no function {function!r}")
    declared: dict[str, Any] = dict(
        ((template.get("Globals") or {}).get("Function") or {})
        .get("Environment", {})
        .get("Variables", {})
    )
    properties = functions[function].get("Properties") or {}
    declared |= (properties.get("Environment") or {}).get("Variables") or {}

    resolver = _Resolver(template, prefix, parameters or {}, refs)
    env: dict[str, str] = {}
    for name, node in declared.items():
        try:
            value = resolver.value(node)
        except Unresolved:
            continue
        env[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


def parameter_default(name: str, template_path: Path | str = TEMPLATE) -> str | None:
    """The default template.yaml gives parameter ``name`` (a CommaDelimitedList as written:
    comma-separated), or None when it gives none."""
    spec = (load_template(template_path).get("Parameters") or {}).get(name) or {}
    default = spec.get("Default")
    if default is None:
        return None
    return ",".join(map(str, default)) if isinstance(default, list) else str(default)

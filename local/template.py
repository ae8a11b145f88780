"""Reading template.yaml: YAML with CloudFormation's short-form intrinsic functions.

``!Ref X`` becomes ``{"Ref": "X"}``, ``!GetAtt A.B`` becomes ``{"Fn::GetAtt": ["A", "B"]}`` and
every other ``!Name`` becomes ``{"Fn::Name": ...}``, which is the template as CloudFormation
itself reads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"

_FUNCTIONS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "GetAtt",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
)


class TemplateLoader(yaml.SafeLoader):
    """A safe loader that also accepts CloudFormation short tags."""


def _node_value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(
        None, None, f"unexpected node {node.tag}", node.start_mark
    )


def _ref(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    return {"Ref": _node_value(loader, node)}


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _node_value(loader, node)
    # The short form takes "Resource.Attribute"; the long form a two-item list.
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


def _function(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {f"Fn::{name}": _node_value(loader, node)}

    return construct


TemplateLoader.add_constructor("!Ref", _ref)
TemplateLoader.add_constructor("!GetAtt", _get_att)
TemplateLoader.add_constructor("!Condition", lambda loader, node: {"Condition": node.value})
for _name in _FUNCTIONS:
    if _name != "GetAtt":
        TemplateLoader.add_constructor(f"!{_name}", _function(_name))


def load_template(path: Path | str = TEMPLATE) -> dict[str, Any]:
    """The template at ``path`` as CloudFormation reads it."""
    with Path(path).open(encoding="utf-8") as stream:
        # A SafeLoader subclass: short tags become plain dicts, nothing else is constructed.
        template = yaml.load(stream, Loader=TemplateLoader)
    if not isinstance(template, dict):
        raise ValueError(f"{path}: not a template (expected a mapping at the top)")
    return template


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource, for every resource of ``resource_type``."""
    resources: dict[str, dict[str, Any]] = template.get("Resources") or {}
    return {
        logical_id: resource
        for logical_id, resource in resources.items()
        if resource.get("Type") == resource_type
    }

"""Reading template.yaml as CloudFormation reads it, through cfn-lint's decoder.

Short-form intrinsic functions come out in their long form: ``!Ref X`` as ``{"Ref": "X"}``,
``!GetAtt A.B`` as ``{"Fn::GetAtt": ["A", "B"]}``, every other ``!Name`` as
``{"Fn::Name": ...}``. cfn-lint is the project's template linter (``make template``), so the local
stack reads the template exactly as the check of it does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cfnlint.decode import decode  # type: ignore[import-untyped]

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"


def load_template(path: Path | str = TEMPLATE) -> dict[str, Any]:
    """The template at ``path`` as CloudFormation reads it."""
    template, problems = decode(str(path))
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problem.message for problem in problems))
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

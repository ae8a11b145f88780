"""What the API function's cold start imports (docs/BENCHMARKS.md, "Cold start")."""

import re
import subprocess
import sys
from pathlib import Path


def test_the_api_function_does_not_import_boto3_at_cold_start() -> None:
    # Given a fresh process (other tests may have loaded anything), When it imports the API
    # function's handler module,
    script = "import sys\nimport functions.api\nprint('boto3' in sys.modules)\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    # Then boto3 is not loaded: PynamoDB needs only botocore, and compliance.delivery imports
    # boto3 on its first send (with s3transfer and multiprocessing, 15-20 ms of every start).
    assert done.stdout.strip() == "False", done.stderr


def test_modules_declaring_strawberry_types_evaluate_their_annotations_as_they_run() -> None:
    # Given every module of the GraphQL layer that declares Strawberry types, inputs or
    # interfaces (classes whose annotations Strawberry reads; an enum has none)
    graph = Path(__file__).resolve().parents[2] / "graph"
    declaring = [
        path
        for path in sorted(graph.rglob("*.py"))
        if re.search(r"@strawberry\.(type|input|interface)\b", path.read_text(encoding="utf-8"))
    ]
    assert len(declaring) >= 20, "the layer's type modules were not found"

    # When their imports are read
    postponed = [
        str(path.relative_to(graph))
        for path in declaring
        if "from __future__ import annotations" in path.read_text(encoding="utf-8")
    ]

    # Then none postpones them: Strawberry evaluates a string annotation again at each
    # resolution, which made the schema's classes about half again as slow to build (graph/types.py)
    assert postponed == []

"""What the API function's cold start imports (docs/BENCHMARKS.md, "Cold start")."""

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

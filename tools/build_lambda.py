"""Build the Lambda code artifact without Docker: `python -m tools.build_lambda [--out DIR]`.

The runtime dependencies (pyproject.toml `[project].dependencies`, nothing from `dev`) are
cross-installed as wheels for CPython 3.13 on manylinux aarch64 (the functions' runtime and
architecture in template.yaml), the project's packages are copied beside them without tests or
tools, and everything is compiled to bytecode with a Python 3.13 when one is installed (Lambda's
code directory is read-only, so a function without .pyc files compiles its imports on every cold
start). pip itself compiles nothing: it runs under the build's interpreter, whose bytecode the
runtime would never read.

Only what the functions load ships (``trim``): botocore's and boto3's data for the AWS services
the functions call (``SERVICES``), not for the other four hundred; no console scripts; no pip
bookkeeping in the dist-info directories, whose metadata and licences stay. Finally the artifact
is proved: a fresh Python imports `functions.api` from it alone, runs its SnapStart hooks as
Lambda's runtime does, answers one API Gateway event and creates a client of every service
kept. `sam build` uses this through `BuildMethod: makefile`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("compliance", "graph", "functions")
PLATFORM = "manylinux2014_aarch64"
PYTHON_VERSION = "3.13"
# Only what the functions import at run time; the data files travel with their packages.
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "README.md", "tests")
# The AWS services the functions create clients for; botocore (and boto3) ship a model for
# every service, read only when a client of that service is made. PynamoDB and the
# idempotency utility call DynamoDB; Powertools' parameters (the cursor key) SSM;
# compliance/delivery.py SQS and SES v2; compliance/store/exports.py S3 (and SQS).
# tests/unit/test_build_lambda.py fails when the project's code names a service missing here;
# the proof creates a client of each.
SERVICES = ("dynamodb", "ssm", "sqs", "sesv2", "s3", "events")
# In a service's model directory, the files botocore reads: the API model, endpoint rules,
# paginators and waiters; examples-1.json is documentation.
MODEL_FILE = re.compile(r"(service-2|endpoint-rule-set-1|paginators-1|waiters-2)\.json(\.gz)?")
# pip's own records in a dist-info directory; METADATA (read by importlib.metadata), WHEEL (read
# by the proof), entry points and licences stay.
PIP_RECORDS = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")

SMOKE = """
import json, sys
from functions.api import handler
# As Lambda's runtime runs the SnapStart hooks: before the snapshot (last registered first),
# then after the restore. The priming answers its DynamoDB calls itself: nothing leaves here.
from snapshot_restore_py import get_after_restore, get_before_snapshot
hooks = get_before_snapshot()
while hooks:
    func, args, kwargs = hooks.pop()
    func(*args, **kwargs)
for func, args, kwargs in get_after_restore():
    func(*args, **kwargs)
print("artifact primed and restored")
QUERY = '{ me { role } decodeBatteryCode(code: "X12PB010000001G320000001") { valid } }'
event = {
    "version": "2.0", "routeKey": "POST /graphql", "rawPath": "/graphql", "rawQueryString": "",
    "headers": {"content-type": "application/json"},
    "requestContext": {"requestId": "build-check", "http": {"method": "POST", "path": "/graphql"},
                       "authorizer": {"jwt": {"claims": {"sub": "build", "role": "REGULATOR"},
                                              "scopes": None}}},
    "body": json.dumps({"query": QUERY}),
    "isBase64Encoded": False,
}
class Context:
    aws_request_id = "build-check"; function_name = "api"; memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:api"
response = handler(event, Context())
body = json.loads(response["body"])
assert response["statusCode"] == 200, response
assert "errors" not in body, body
assert body["data"] == {"me": {"role": "REGULATOR"}, "decodeBatteryCode": {"valid": True}}, body
print("artifact answers:", response["body"])
import botocore.session
session = botocore.session.get_session()
for service in SERVICES:
    session.create_client(service, region_name="ap-southeast-1")
print("artifact has the models of", ", ".join(SERVICES))
"""


def runtime_requirements() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    return list(project["dependencies"])


def python313() -> list[str] | None:
    """A command that runs CPython 3.13 here, if there is one (pyenv or on PATH)."""
    for command, env in ((["python3.13"], {"PYENV_VERSION": "3.13.0"}), (["python3.13"], {})):
        try:
            subprocess.run(
                [*command, "-c", "import sys; assert sys.version_info[:2] == (3, 13)"],
                check=True,
                capture_output=True,
                env={**os.environ, **env},
            )
        except (OSError, subprocess.CalledProcessError):
            continue
        os.environ.update(env)
        return command
    return None


def build(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(out),
            "--platform",
            PLATFORM,
            "--implementation",
            "cp",
            "--python-version",
            PYTHON_VERSION,
            "--only-binary=:all:",
            # pip would compile with this interpreter (the project's 3.11 here): bytecode
            # the 3.13 runtime never reads. Compiled below with a 3.13, or not at all.
            "--no-compile",
            *runtime_requirements(),
        ],
        check=True,
    )
    for package in PACKAGES:
        shutil.copytree(ROOT / package, out / package, ignore=SKIP)
    trim(out)
    interpreter = python313()
    if interpreter is None:
        print("build: no Python 3.13 here; shipping sources (cold starts compile them)")
    else:
        subprocess.run(
            [
                *interpreter,
                "-m",
                "compileall",
                "-q",
                "-j",
                "0",
                "--invalidation-mode",
                "unchecked-hash",
                str(out),
            ],
            check=True,
        )


def trim(out: Path) -> None:
    """Remove what no function reads at run time from the installed dependencies in `out`."""
    # Console scripts (strawberry's CLI, jmespath's jp.py): the runtime imports modules only.
    shutil.rmtree(out / "bin", ignore_errors=True)
    for record in PIP_RECORDS:
        for leftover in out.glob(f"*.dist-info/{record}"):
            leftover.unlink()
    botocore_data = out / "botocore" / "data"
    for entry in botocore_data.iterdir():
        if entry.is_dir() and entry.name not in SERVICES:
            shutil.rmtree(entry)
    for entry in botocore_data.glob("*/*/*"):
        if entry.is_file() and not MODEL_FILE.fullmatch(entry.name):
            entry.unlink()
    # boto3's resource models (boto3.resource()), by service like botocore's.
    for entry in (out / "boto3" / "data").iterdir():
        if entry.is_dir() and entry.name not in SERVICES:
            shutil.rmtree(entry)


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def compiled_distributions(out: Path) -> list[tuple[str, str]]:
    """The (name, version) of each installed distribution built for one platform: a wheel
    whose WHEEL file says ``Root-Is-Purelib: false`` carries compiled modules (msgspec)."""
    found = []
    for wheel in sorted(out.glob("*.dist-info/WHEEL")):
        if "Root-Is-Purelib: false" in wheel.read_text(encoding="utf-8"):
            name, version = wheel.parent.name.removesuffix(".dist-info").rsplit("-", 1)
            found.append((name, version))
    return found


def native_builds(out: Path, interpreter: list[str], scratch: Path) -> list[str]:
    """Where this machine is not the runtime's architecture, the artifact's compiled modules
    cannot load here: install this machine's builds of the same distributions, same versions,
    into `scratch`, to be put ahead of the artifact for the proof. Everything else the proof
    imports is the artifact's own. The distributions substituted; none on an aarch64 machine."""
    if sys.platform == "linux" and platform.machine() == "aarch64":
        return []  # the runtime's own platform: the artifact's builds load as they are
    pins = [f"{name}=={version}" for name, version in compiled_distributions(out)]
    if pins:
        try:
            subprocess.run(
                [
                    *interpreter,
                    *("-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
                    *("--no-deps", "--only-binary=:all:", "--target", str(scratch), *pins),
                ],
                check=True,
            )
        except subprocess.CalledProcessError:
            raise SystemExit(
                f"build: the artifact is in {out}, but it cannot be proved here: pip found no "
                f"build of {', '.join(pins)} for this machine ({sys.platform}, "
                f"{platform.machine()}) to stand in for the aarch64 ones. Build on Linux, or "
                "skip the proof with --no-check."
            ) from None
    return pins


def prove(out: Path) -> None:
    """Import the artifact in a clean interpreter that sees nothing but it (and, on a machine of
    another architecture, this machine's builds of its compiled distributions)."""
    interpreter = python313() or [sys.executable]
    with tempfile.TemporaryDirectory(prefix="lambda-native-") as scratch:
        substituted = native_builds(out, interpreter, Path(scratch))
        if substituted:
            print(
                f"proof on {platform.machine()}: this machine's builds of "
                f"{', '.join(substituted)} stand in for the artifact's aarch64 ones"
            )
        _answer_one_request(interpreter, [Path(scratch)] if substituted else [], out)


def _answer_one_request(interpreter: list[str], ahead: list[Path], out: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONNOUSERSITE": "1",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "STAGE": "dev",
        "CURSOR_SECRET": "build-check",
        # The priming signs the requests it answers itself; anything will do.
        "AWS_ACCESS_KEY_ID": "build-check",
        "AWS_SECRET_ACCESS_KEY": "build-check",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        **({"PYENV_VERSION": os.environ["PYENV_VERSION"]} if "PYENV_VERSION" in os.environ else {}),
    }
    path = [str(p) for p in (*ahead, out)]
    subprocess.run(
        # -I -S: no environment variables, no user or site packages; only what `path` lists.
        [
            *interpreter,
            *("-I", "-S", "-c"),
            f"import sys; sys.path[:0] = {path!r}\nSERVICES = {SERVICES!r}\n" + SMOKE,
        ],
        check=True,
        env=env,
        cwd="/",
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.build_lambda")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lambda")
    parser.add_argument("--no-check", action="store_true", help="skip the import-and-answer check")
    args = parser.parse_args()
    build(args.out)
    sizes = {p.name: size_of(p) for p in args.out.iterdir() if p.is_dir()}
    total = size_of(args.out)
    biggest = sorted(sizes.items(), key=lambda kv: -kv[1])[:8]
    print(
        json.dumps(
            {"artifact": str(args.out), "bytes": total, "largest": {k: v for k, v in biggest}},
            indent=2,
        )
    )
    if not args.no_check:
        prove(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

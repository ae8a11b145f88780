"""The Lambda artifact keeps what the functions load (tools/build_lambda.py): the models of
every AWS service the code calls, the distributions' metadata and licences; and drops the rest."""

from __future__ import annotations

import re
from pathlib import Path

from tools.build_lambda import PACKAGES, ROOT, SERVICES, trim

# A client made in the project's code: boto3.client("sqs"), clients.client("sesv2").
CLIENT_CALL = re.compile(r"""client\(\s*["']([a-z0-9-]+)["']""")
# Powertools utilities that make clients of their own when imported and used.
UTILITY_SERVICES = {
    "aws_lambda_powertools.utilities.parameters": "ssm",
    "aws_lambda_powertools.utilities.idempotency": "dynamodb",
}


def test_every_service_the_code_calls_ships_its_model() -> None:
    named = {"dynamodb"}  # PynamoDB, every model in compliance/store/models.py
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            named |= set(CLIENT_CALL.findall(text))
            named |= {service for module, service in UTILITY_SERVICES.items() if module in text}
    assert named <= set(SERVICES), sorted(named - set(SERVICES))


def _touch(root: Path, *paths: str) -> None:
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x")


def test_trim_drops_other_services_scripts_and_pip_records(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "botocore/data/endpoints.json",
        "botocore/data/partitions.json",
        "botocore/data/dynamodb/2012-08-10/service-2.json.gz",
        "botocore/data/dynamodb/2012-08-10/endpoint-rule-set-1.json.gz",
        "botocore/data/dynamodb/2012-08-10/paginators-1.json",
        "botocore/data/dynamodb/2012-08-10/waiters-2.json",
        "botocore/data/dynamodb/2012-08-10/examples-1.json",
        "botocore/data/ec2/2016-11-15/service-2.json.gz",
        "boto3/data/dynamodb/2012-08-10/resources-1.json",
        "boto3/data/ec2/2016-11-15/resources-1.json",
        "bin/strawberry",
        "pynamodb-6.1.0.dist-info/METADATA",
        "pynamodb-6.1.0.dist-info/WHEEL",
        "pynamodb-6.1.0.dist-info/RECORD",
        "pynamodb-6.1.0.dist-info/INSTALLER",
        "pynamodb-6.1.0.dist-info/REQUESTED",
        "pynamodb-6.1.0.dist-info/licenses/LICENSE",
        "jinja2-3.1.6.dist-info/entry_points.txt",
    )
    trim(tmp_path)
    kept = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert kept == {
        "botocore/data/endpoints.json",
        "botocore/data/partitions.json",
        "botocore/data/dynamodb/2012-08-10/service-2.json.gz",
        "botocore/data/dynamodb/2012-08-10/endpoint-rule-set-1.json.gz",
        "botocore/data/dynamodb/2012-08-10/paginators-1.json",
        "botocore/data/dynamodb/2012-08-10/waiters-2.json",
        "boto3/data/dynamodb/2012-08-10/resources-1.json",
        "pynamodb-6.1.0.dist-info/METADATA",
        "pynamodb-6.1.0.dist-info/WHEEL",
        "pynamodb-6.1.0.dist-info/licenses/LICENSE",
        "jinja2-3.1.6.dist-info/entry_points.txt",
    }

"""The template's S3 buckets on the local stack, and what a `!Ref` to each means there.

Each bucket of template.yaml is created in moto as ``<prefix><logicalid>`` in lower case (S3
allows no capitals in a bucket's name), with the default encryption and the public access block
it declares. Its lifecycle rules are left out: the local stack's files live in moto's memory
and are gone when it stops. A presigned URL of a file there is moto's own address on loopback,
so it downloads from this machine as a deployed one does from S3.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from local.tables import DEFAULT_PREFIX
from local.template import TEMPLATE, load_template, resources_of_type

BUCKET_TYPE = "AWS::S3::Bucket"


def bucket_name(logical_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}{logical_id}".lower()


def create_buckets(client: Any, prefix: str = DEFAULT_PREFIX) -> dict[str, str]:
    """Create every bucket (leaving existing ones alone); logical id -> bucket name."""
    names: dict[str, str] = {}
    region = client.meta.region_name
    for logical_id, resource in resources_of_type(load_template(TEMPLATE), BUCKET_TYPE).items():
        name = bucket_name(logical_id, prefix)
        try:
            client.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": region}
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise
        properties = resource.get("Properties") or {}
        if "BucketEncryption" in properties:
            # CloudFormation's `ServerSideEncryptionByDefault` is the API's `Apply...`.
            rules = [
                {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                for rule in properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            client.put_bucket_encryption(
                Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules}
            )
        if "PublicAccessBlockConfiguration" in properties:
            client.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"],
            )
        names[logical_id] = name
    return names

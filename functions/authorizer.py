"""The partner API's Lambda authorizer: an HTTP API authorizer event (payload 2.0) in, a simple
response (`isAuthorized` and a context) out, both through Powertools' data classes (template.yaml
sets the payload format 2.0 and simple responses).

It checks the key in the `x-api-key` header (compliance.store.partner_keys) and allows the
request with the key's enterprise and scopes as context, which functions/api.py turns into a
PARTNER principal. API Gateway caches each answer per key for the authorizer's TTL (see
template.yaml), so a revoked key keeps working until its cached answer expires.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerResponseV2,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from compliance.partner_keys import scope_text
from compliance.store.partner_keys import authenticate
from functions.settings import authorizer_settings

API_KEY_HEADER = "x-api-key"

logger = Logger()


@logger.inject_lambda_context
@event_source(data_class=APIGatewayAuthorizerEventV2)
def handler(event: APIGatewayAuthorizerEventV2, context: LambdaContext) -> dict[str, Any]:
    # A store failure is raised, not answered: API Gateway then answers 500 and caches nothing,
    # so the partner's retry is checked afresh.
    api_key = event.headers.get(API_KEY_HEADER)
    verdict = authenticate(api_key, authorizer_settings().pepper, datetime.now(UTC))
    key = verdict.key
    if key is None:
        # The key id is public; the key itself is never logged.
        logger.info("partner key refused", extra={"reason": verdict.reason, "key": verdict.key_id})
        return APIGatewayAuthorizerResponseV2(authorize=False).asdict()
    if not verdict.use_recorded:
        logger.warning("partner key allowed; recording its use failed", extra={"key": key.id})
    allowed = {
        "role": "PARTNER",
        "enterprise_id": key.enterprise_id,
        "scopes": scope_text(key.scopes),
        "sub": key.subject,
    }
    return APIGatewayAuthorizerResponseV2(authorize=True, context=allowed).asdict()

"""Deployment settings read once per cold start: stage, rule set, limits, cursor key."""

from __future__ import annotations

import os
from functools import cache

from msgspec import Struct

from compliance.partner_keys import pepper_from
from compliance.rule_timeline import RuleSetTimeline, configured_rules

# Used only where no key is configured (the local stack and tests); prod refuses to start
# without a configured key rather than sign cursors with a public one.
_DEV_CURSOR_KEY = "nev-local-cursor-key"


class Settings(Struct, frozen=True):
    stage: str
    rules: RuleSetTimeline  # which rule set governs which dates
    cursor_key: bytes
    graphiql: bool
    introspection: bool
    # The pepper of partner keys' hashes (compliance.partner_keys.pepper_from). Required: a
    # default would hash keys with no pepper at all.
    pepper: bytes
    # The reminder queue a calendar load puts its rescheduling on (None where none is set: the
    # load then says its moves could not be queued).
    queue_url: str | None = None
    max_page_size: int = 200
    max_batch_items: int = 1000

    @property
    def production(self) -> bool:
        return self.stage == "prod"


def _cursor_key() -> str:
    """CURSOR_SECRET if given (tests); else the SSM SecureString CURSOR_SECRET_PARAMETER names,
    read once per cold start."""
    if os.environ.get("CURSOR_SECRET"):
        return os.environ["CURSOR_SECRET"]
    parameter = os.environ.get("CURSOR_SECRET_PARAMETER")
    if not parameter:
        return ""
    from aws_lambda_powertools.utilities.parameters import get_parameter

    return str(get_parameter(parameter, decrypt=True, max_age=3600))


@cache
def settings_from_environment() -> Settings:
    stage = os.environ.get("STAGE", "dev")
    key = _cursor_key()
    if not key:
        if stage == "prod":
            raise RuntimeError(
                "No cursor key: set CURSOR_SECRET_PARAMETER to an SSM SecureString in production"
            )
        key = _DEV_CURSOR_KEY
    dev = stage != "prod"
    return Settings(
        stage=stage,
        rules=configured_rules(os.environ),
        cursor_key=key.encode(),
        graphiql=dev and os.environ.get("GRAPHIQL", "true") == "true",
        introspection=dev,
        queue_url=os.environ.get("REMINDER_QUEUE_URL") or None,
        pepper=pepper_from(os.environ),
    )

"""Deployment settings read once per cold start: stage, rule set, limits, cursor key."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from compliance.partner_keys import pepper_from
from compliance.rule_timeline import RuleSetTimeline, configured_rules

# Used only where no key is configured (the local stack and tests); prod refuses to start
# without a configured key rather than sign cursors with a public one.
_DEV_CURSOR_KEY = "nev-local-cursor-key"
_CODE_ROOT = Path(__file__).resolve().parents[1]


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
    # Where exportObligations queues its work, and the bucket its files are signed from.
    export_queue_url: str | None = None
    exports_bucket: str | None = None
    max_page_size: int = 200
    max_batch_items: int = 1000
    # Trusted documents (graph/documents.py): id -> text of the documents the apps send, and
    # whether people may send only those.
    documents: Mapping[str, str] = field(default_factory=dict)
    documents_only: bool = False

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
        export_queue_url=os.environ.get("EXPORT_QUEUE_URL") or None,
        exports_bucket=os.environ.get("EXPORTS_BUCKET") or None,
        pepper=pepper_from(os.environ),
        **_trusted_documents(os.environ),
    )


def _trusted_documents(environ: Mapping[str, str]) -> dict[str, Any]:
    """The manifest TRUSTED_DOCUMENTS_FILE names (relative to the code's root), read once;
    TRUSTED_DOCUMENTS_ONLY=1 without one would refuse every person's request: the function
    does not start, rather than answer nothing."""
    from graph.documents import load_manifest

    only = environ.get("TRUSTED_DOCUMENTS_ONLY", "") in ("1", "true")
    name = environ.get("TRUSTED_DOCUMENTS_FILE", "")
    if not name:
        if only:
            raise RuntimeError("TRUSTED_DOCUMENTS_ONLY is set but TRUSTED_DOCUMENTS_FILE is not")
        return {"documents": {}, "documents_only": False}
    path = Path(name) if Path(name).is_absolute() else _CODE_ROOT / name
    return {"documents": load_manifest(path), "documents_only": only}

"""Trusted documents: the GraphQL documents a deployment's own apps send, registered at build
time, so that an app may send a document's id instead of its text, and a deployment may accept
nothing else from people.

The manifest is a JSON object of id -> document, as GraphQL Codegen's client preset
(`persistedDocuments`) and Relay's persisted queries write it: ids are `sha256:<hex>` or the bare
hex of the SHA-256 of the document's text, checked when the manifest is read, so an id always
names exactly one text. A request names one either way clients send it: `documentId` (the
GraphQL-over-HTTP persisted documents form) or Apollo's
`extensions.persistedQuery.sha256Hash`. Nothing is registered from requests (automatic
persisted queries would let anyone add documents): only a deployment adds to the manifest.

With `TRUSTED_DOCUMENTS_ONLY=1`, a person's request must name a registered document or send the
text of one; partner systems keep sending their own documents (they are integrations, built
against the schema, not apps of this deployment).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_PREFIX = "sha256:"


class ManifestError(ValueError):
    """The manifest cannot be used: the deployment must not start with it."""


def document_id(text: str) -> str:
    return _PREFIX + hashlib.sha256(text.encode()).hexdigest()


def _normal(identifier: str) -> str:
    return identifier if identifier.startswith(_PREFIX) else _PREFIX + identifier


def load_manifest(path: Path) -> dict[str, str]:
    """id -> document of the manifest at `path`; ManifestError when an id does not match its
    document, or the file is not such an object."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"{path}: cannot be read as JSON ({error})") from None
    if not isinstance(raw, dict):
        raise ManifestError(f"{path}: expected an object of document id -> document")
    documents: dict[str, str] = {}
    for identifier, text in raw.items():
        if not isinstance(text, str) or document_id(text) != _normal(str(identifier)):
            raise ManifestError(
                f"{path}: {identifier!r} is not the SHA-256 of its document; regenerate the "
                "manifest with the document exactly as the app sends it"
            )
        documents[document_id(text)] = text
    return documents


def named_id(params: Mapping[str, Any]) -> str | None:
    """The document id a request names (None: it names none), as it was sent."""
    identifier = params.get("documentId")
    if identifier is None:
        extensions = params.get("extensions")
        if isinstance(extensions, str):  # a GET request carries it as JSON text
            try:
                extensions = json.loads(extensions)
            except json.JSONDecodeError:
                extensions = None
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        identifier = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    return identifier if isinstance(identifier, str) else None


def registered(manifest: Mapping[str, str], identifier: str) -> str | None:
    """The text of the registered document `identifier` names; None when none."""
    return manifest.get(_normal(identifier))


def is_registered(manifest: Mapping[str, str], text: str) -> bool:
    return document_id(text) in manifest

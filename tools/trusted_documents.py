"""Write graph/trusted-documents.json, the manifest of trusted documents (graph/documents.py),
from the documents in docs/documents/*.graphql: each one validated against the schema first,
so that a deployment never registers a document its API would refuse.

An app built with GraphQL Codegen's `persistedDocuments` or Relay writes its own manifest in the
same shape (id -> document); give it with `--merge <file>` and its documents are checked and
registered too. Run with `make documents`; a test fails when the manifest is not what this
writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graphql import parse, validate

from graph.documents import document_id, load_manifest
from graph.schema import build_schema

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "documents"
MANIFEST = ROOT / "graph" / "trusted-documents.json"


def manifest(sources: Path = SOURCES, merged: tuple[Path, ...] = ()) -> dict[str, str]:
    """id -> document for every document, each validated; ValueError naming any that fails."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(sources.glob("*.graphql"))]
    for extra in merged:
        texts += list(load_manifest(extra).values())
    schema = build_schema(introspection=False)._schema
    for text in texts:
        errors = validate(schema, parse(text))
        if errors:
            raise ValueError(f"not valid against the schema: {errors[0].message}\n{text}")
    return {document_id(text): text for text in sorted(set(texts))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merge", type=Path, action="append", default=[])
    args = parser.parse_args(argv)
    try:
        documents = manifest(merged=tuple(args.merge))
    except (ValueError, OSError) as error:
        print(f"trusted documents: {error}", file=sys.stderr)
        return 1
    MANIFEST.write_text(json.dumps(documents, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {len(documents)} documents to {MANIFEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

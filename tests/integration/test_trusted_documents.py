"""Trusted documents through the API Lambda: an app sends a registered document's id instead of
its text, and a deployment set to accept only registered documents refuses people's other
documents while partner systems keep sending their own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from graph.documents import document_id
from local.aws import local_aws
from local.calls import api_event, bearer_header, invoke
from tests.builders import AUTOMAKER_ID
from tools.trusted_documents import MANIFEST, manifest

AUTO = bearer_header("ENTERPRISE_ADMIN", AUTOMAKER_ID)
PARTNER = bearer_header("PARTNER", AUTOMAKER_ID, scopes=["read"])
DOCUMENTS = json.loads(MANIFEST.read_text(encoding="utf-8"))
SUMMARY = next(text for text in DOCUMENTS.values() if "complianceSummary" in text)
NOT_REGISTERED = "{ me { role } }"


def send(body: dict[str, Any], auth: str = AUTO) -> tuple[int, Any]:
    event = api_event(auth=auth, body=json.dumps(body).encode())
    return invoke(event)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("TRUSTED_DOCUMENTS_FILE", "graph/trusted-documents.json")
    with local_aws() as client:
        yield client


@pytest.fixture
def only_registered(monkeypatch: pytest.MonkeyPatch, aws: Any) -> Any:
    monkeypatch.setenv("TRUSTED_DOCUMENTS_ONLY", "true")
    return aws


def test_the_manifest_is_what_the_documents_folder_gives_and_every_document_validates() -> None:
    # Given docs/documents/ and the committed manifest, when it is written again (each
    # document validated against the schema), then it is the committed one.
    assert manifest() == DOCUMENTS


def test_an_app_sends_a_registered_documents_id_in_either_form_clients_use(aws: Any) -> None:
    # Given the summary's registered id, when an app sends it as documentId, or as Apollo's
    # persistedQuery extension, or the text itself,
    identifier = document_id(SUMMARY)
    by_id = send({"documentId": identifier})
    by_apollo = send(
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": identifier[7:]}}}
    )
    by_text = send({"query": SUMMARY})
    # then each runs the same document.
    assert by_id[0] == by_apollo[0] == by_text[0] == 200
    assert by_id[1]["data"] == by_apollo[1]["data"] == by_text[1]["data"]
    assert "complianceSummary" in by_id[1]["data"]


def test_an_unknown_id_is_refused_with_the_code_apollo_clients_recognise(aws: Any) -> None:
    # Given an id no document has, when an app sends it,
    status, body = send({"documentId": "sha256:" + "0" * 64})
    # then it is refused, saying so, with PERSISTED_QUERY_NOT_FOUND; nothing ran.
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert "data" not in body


def test_an_id_with_another_documents_text_is_refused(aws: Any) -> None:
    # Given the summary's id with another query's text,
    status, body = send({"documentId": document_id(SUMMARY), "query": NOT_REGISTERED})
    # then the request is refused rather than run as either.
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_where_only_registered_documents_are_accepted_people_send_only_those(
    only_registered: Any,
) -> None:
    # Given a deployment accepting only registered documents from people, when a person sends
    # an unregistered document, then it is refused before it is parsed or validated;
    status, body = send({"query": NOT_REGISTERED})
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
    # a registered one, by id or by its text, runs,
    assert send({"documentId": document_id(SUMMARY)})[0] == 200
    assert send({"query": SUMMARY})[0] == 200
    # and a partner system may still send its own.
    status, body = send({"query": NOT_REGISTERED}, auth=PARTNER)
    assert status == 200
    assert body["data"]["me"]["role"] == "PARTNER"


def test_only_registered_without_a_manifest_does_not_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given TRUSTED_DOCUMENTS_ONLY without a manifest, when the API reads its settings, then it
    # refuses to start rather than refuse every person's request.
    from graph.settings import settings_from_environment

    monkeypatch.setenv("TRUSTED_DOCUMENTS_ONLY", "true")
    monkeypatch.delenv("TRUSTED_DOCUMENTS_FILE", raising=False)
    with pytest.raises(RuntimeError, match="TRUSTED_DOCUMENTS_FILE"):
        settings_from_environment()

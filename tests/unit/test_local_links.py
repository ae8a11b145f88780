"""The link a local reminder email carries for each obligation (local/run.py): GraphiQL on the
stack with the obligation's query filled in, a query the schema accepts, and a page that says
how to get a token when it has none."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from string import Formatter
from urllib.parse import parse_qs, urlsplit

import pytest
from graphql import FieldNode, OperationDefinitionNode, StringValueNode, build_schema, parse
from graphql.validation import validate

from graph.graphiql import SIGN_IN_STEPS, graphiql_page
from local.run import obligation_link_template

SCHEMA = Path(__file__).resolve().parents[2] / "graph" / "schema.graphql"
BASE = "http://127.0.0.1:3917"
OBLIGATION_ID = "ob_bf47fec74d2f3a09ce2ea1ba"


def opened(link: str) -> tuple[str, str, dict[str, list[str]]]:
    """What a browser opens: origin, path and query parameters of ``link``."""
    parts = urlsplit(link)
    return f"{parts.scheme}://{parts.netloc}", parts.path, parse_qs(parts.query)


def test_the_link_opens_graphiql_on_the_stack_with_the_obligations_query() -> None:
    # Given the template the local stack gives the reminder code
    template = obligation_link_template(BASE)
    # When the reminder code fills it in, as it does, with str.format(id=...)
    link = template.format(id=OBLIGATION_ID)
    # Then it opens /graphiql on the stack, its only parameter being the query
    origin, path, parameters = opened(link)
    assert (origin, path) == (BASE, "/graphiql")
    assert list(parameters) == ["query"]
    [query] = parameters["query"]
    # And the query decoded from the link asks for that obligation
    document = parse(query)
    [operation] = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    [field] = operation.selection_set.selections
    assert isinstance(field, FieldNode)
    assert field.name.value == "obligation"
    assert field.arguments is not None
    [argument] = field.arguments
    assert argument.name.value == "id"
    assert isinstance(argument.value, StringValueNode)
    assert argument.value.value == OBLIGATION_ID


def test_the_links_query_is_valid_against_the_api_schema() -> None:
    # Given the query a link carries
    [query] = opened(obligation_link_template(BASE).format(id=OBLIGATION_ID))[2]["query"]
    # When validated against the exported SDL
    errors = validate(build_schema(SCHEMA.read_text("utf-8")), parse(query))
    # Then every field it asks for exists (what a reader needs: status, due date, rule names)
    assert errors == []
    for field in ("status", "dueDate", "nameZh", "nameEn", "subjectKind", "subjectId"):
        assert re.search(rf"\b{field}\b", query), field


def test_the_template_has_one_format_field_id_and_no_stray_braces() -> None:
    # Given the template
    template = obligation_link_template(BASE)
    # When str.format reads it
    fields = [name for _, name, _, _ in Formatter().parse(template) if name is not None]
    # Then its only field is {id}, and the query's braces are URL-encoded, not literal
    assert fields == ["id"]
    assert template.count("{") == template.count("}") == 1
    assert "%7B" in template
    assert "%7D" in template


@pytest.mark.parametrize("base", ["http://127.0.0.1:3000", "http://127.0.0.1:3000/"])
def test_the_link_has_one_slash_between_base_and_graphiql(base: str) -> None:
    link = obligation_link_template(base).format(id=OBLIGATION_ID)
    assert link.startswith("http://127.0.0.1:3000/graphiql?query=")


def test_obligation_ids_go_into_the_link_unchanged_by_url_encoding() -> None:
    # Given ids as the rules make them ("ob_" and 24 hex digits of a SHA-256)
    ids = ["ob_" + hashlib.sha256(str(n).encode()).hexdigest()[:24] for n in range(50)]
    for obligation_id in ids:
        # Then each comes back out of its link whole
        [query] = opened(obligation_link_template(BASE).format(id=obligation_id))[2]["query"]
        assert f'obligation(id: "{obligation_id}")' in query


def test_graphiql_fills_its_editor_from_the_query_parameter() -> None:
    # Given the page the link opens
    page = graphiql_page()
    boot = page[page.rindex("<script>") : page.rindex("</script>")]
    # Then its boot script reads ?query= and hands it to GraphiQL as the editor's query
    assert '.get("query")' in boot
    assert "props.query = query" in boot
    assert "React.createElement(GraphiQL, props)" in boot


def test_graphiql_without_a_token_says_how_to_get_one() -> None:
    # Given the page, opened from a reminder link (no token in it)
    page = graphiql_page()
    boot = page[page.rindex("<script>") : page.rindex("</script>")]
    # Then a 401 is answered in the results pane with the steps to get a token
    assert "response.status === 401" in boot
    match = re.search(r"var signIn = (\[.*?\]);", boot, re.S)
    assert match is not None
    assert json.loads(match[1]) == list(SIGN_IN_STEPS)
    steps = "\n".join(SIGN_IN_STEPS)
    assert "make -s token ENTERPRISE=<USCC> ROLE=ENTERPRISE_ADMIN" in steps
    assert "&token=<the token>" in steps

"""The GraphiQL page and its vendored assets: same-origin only, and nothing else is served."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser

import pytest

from graph.graphiql import (
    ASSET_PREFIX,
    ASSETS,
    STATIC_DIR,
    graphiql_asset,
    graphiql_page,
)


class _References(HTMLParser):
    """Collects every src/href of the page and the text of each <script> element by id."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.script_text: dict[str, str] = {}
        self.title = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [value for key, value in attrs if key in ("src", "href") and value]
        if tag == "script":
            self._in = values.get("id") or "inline"
        elif tag == "title":
            self._in = "title"

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in is not None:
            self.script_text[self._in] = self.script_text.get(self._in, "") + data


def parsed(page: str) -> _References:
    references = _References()
    references.feed(page)
    return references


def test_page_loads_nothing_from_another_origin() -> None:
    # Given the default page
    page = graphiql_page()
    # When its text is searched for absolute URLs
    # Then there are none: every asset comes from the page's own origin
    assert "http://" not in page
    assert "https://" not in page
    assert "//" not in "".join(parsed(page).urls)


def test_every_asset_the_page_references_is_served_with_its_content_type() -> None:
    # Given the asset URLs of the default page
    urls = parsed(graphiql_page()).urls
    assert urls, "the page references its assets"
    for url in urls:
        # When each is looked up by its name under the asset prefix
        assert url.startswith(ASSET_PREFIX)
        served = graphiql_asset(url.removeprefix(ASSET_PREFIX))
        # Then it exists, is not empty and has the content type of its kind
        assert served is not None, url
        body, content_type = served
        assert body
        expected = "text/css" if url.endswith(".css") else "text/javascript"
        assert content_type == f"{expected}; charset=utf-8"


def test_react_loads_before_react_dom_and_both_before_graphiql() -> None:
    # Given the scripts of the page, in document order
    scripts = [url for url in parsed(graphiql_page()).urls if url.endswith(".js")]
    # Then the UMD globals exist before the bundles that read them
    assert [url.removeprefix(ASSET_PREFIX) for url in scripts] == [
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
    ]


def test_every_listed_asset_is_a_vendored_file() -> None:
    # Given the list of served assets
    # Then each is a file in the static directory
    for name in ASSETS:
        assert (STATIC_DIR / name).is_file(), name


def test_page_configures_title_endpoint_default_query_and_token_placeholder() -> None:
    # Given a page for a custom endpoint and asset prefix
    page = parsed(graphiql_page(endpoint="/dev/graphql", asset_prefix="/dev/graphiql/"))
    # When its configuration is read
    config = json.loads(page.script_text["graphiql-config"])
    # Then the fetcher's endpoint, the query and the header placeholder are those asked for
    assert page.title == "NEV battery compliance — GraphiQL"
    assert config == {
        "endpoint": "/dev/graphql",
        "defaultQuery": "{ me { role enterpriseId } }\n",
        "tokenPlaceholder": "<paste a token from make token>",
    }
    assert all(url.startswith("/dev/graphiql/") for url in page.urls)


def test_page_boot_script_enables_the_headers_editor_and_reads_the_token_parameter() -> None:
    # Given the inline script that starts GraphiQL
    boot = parsed(graphiql_page()).script_text["inline"]
    # Then the headers editor is on and shown, headers are not persisted, and ?token= is read
    assert "isHeadersEditorEnabled: true" in boot
    assert 'defaultEditorToolsVisibility: "headers"' in boot
    assert "shouldPersistHeaders: false" in boot
    assert '.get("token")' in boot
    assert 'method: "POST"' in boot
    assert "JSON.stringify(params)" in boot


def test_a_hostile_endpoint_cannot_close_the_configuration_script() -> None:
    # Given an endpoint that tries to end the <script> element
    page = graphiql_page(endpoint="/graphql</script><script>alert(1)</script>")
    # When the page is parsed
    config = json.loads(parsed(page).script_text["graphiql-config"])
    # Then the value survives intact inside the JSON, and no extra element appears
    assert config["endpoint"] == "/graphql</script><script>alert(1)</script>"
    assert page.count("<script") == 5


@pytest.mark.parametrize(
    "name",
    [
        "",
        "SOURCE.md",
        "graphiql.LICENSE",
        "../graphiql.py",
        "../../pyproject.toml",
        "./graphiql.min.js",
        "/etc/passwd",
        str(STATIC_DIR / "graphiql.min.js"),
        "graphiql.min.js/",
        "graphiql.min.js.map",
        "GRAPHIQL.MIN.JS",
        "..%2Fgraphiql.py",
        "graphiql.min.js\x00",
    ],
)
def test_anything_but_an_exact_asset_name_is_not_served(name: str) -> None:
    # Given a name that is not exactly one of the assets (traversal, absolute, other files)
    # When it is looked up
    # Then nothing is served
    assert graphiql_asset(name) is None


def _recorded_digests() -> dict[str, str]:
    source = (STATIC_DIR / "SOURCE.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([^`]+)` \|[^\n]*\| `([0-9a-f]{64})` \|$", source, re.M))


def test_vendored_files_are_byte_for_byte_those_recorded_in_source_md() -> None:
    # Given the SHA-256 of each vendored file as SOURCE.md records it
    recorded = _recorded_digests()
    # Then every served asset is recorded, and every recorded file still has that digest
    assert set(ASSETS) <= set(recorded)
    for name, digest in recorded.items():
        assert hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest() == digest, name

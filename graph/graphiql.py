"""The GraphiQL page and its assets, served from the API's own origin (no CDN, works offline).

The assets are the vendored browser builds in ``graph/static/graphiql/`` (see its ``SOURCE.md``;
regenerate with ``python -m tools.vendor_graphiql``). Only the exact file names listed in
``ASSETS`` are ever served, so no request path can reach another file.
"""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path
from types import MappingProxyType

ASSET_PREFIX = "/graphiql/"
STATIC_DIR = Path(__file__).resolve().parent / "static" / "graphiql"

_JS = "text/javascript; charset=utf-8"
_CSS = "text/css; charset=utf-8"
# File name -> content type. React must load before ReactDOM, and both before GraphiQL.
ASSETS = MappingProxyType(
    {
        "react.production.min.js": _JS,
        "react-dom.production.min.js": _JS,
        "graphiql.min.js": _JS,
        "graphiql.min.css": _CSS,
    }
)
SCRIPTS = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")
STYLESHEETS = ("graphiql.min.css",)

TITLE = "NEV battery compliance — GraphiQL"
DEFAULT_QUERY = "{ me { role enterpriseId } }\n"
TOKEN_PLACEHOLDER = "<paste a token from make token>"

# How to get a token, shown in the results pane when the API answers 401 (the page's first
# request, the schema's introspection, goes out as soon as it opens).
SIGN_IN_STEPS = (
    "1. In a shell, in the project: make -s token ENTERPRISE=<USCC> ROLE=ENTERPRISE_ADMIN",
    "   (make run lists the demo enterprises' USCCs; a regulator: make -s token ROLE=REGULATOR)",
    "2. Add &token=<the token> to this page's address (?token= if it has no ?) and open it,",
    "   or put the token after 'Bearer ' in the Headers tab below and run the query again.",
)

# Reads ``?token=`` so a link can open GraphiQL already authenticated, and ``?query=`` so a link
# can open it with a query filled in; the fetcher is our own (plain JSON POST) so that what
# GraphiQL sends is exactly what any client sends.
_BOOT = """
(function () {
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  var parameters = new URLSearchParams(window.location.search);
  var token = parameters.get("token");
  var query = parameters.get("query");
  var placeholder = "Bearer " + config.tokenPlaceholder;
  var headers = {Authorization: token ? "Bearer " + token : placeholder};
  var signIn = %(sign_in)s;
  // A 401 from the gateway says only "Unauthorized": answer with what to do about it instead.
  function unauthorized(sent, response) {
    var challenge = response.headers.get("www-authenticate") || "";
    var reason = /error_description="([^"]*)"/.exec(challenge);
    var message = sent.Authorization
      ? "Unauthorized: the token was refused" + (reason ? " (" + reason[1] + ")" : "") +
        ". Make a new one:"
      : "Unauthorized: this page has no token yet. To get one:";
    return {errors: [{message: message, extensions: {code: "UNAUTHENTICATED", signIn: signIn}}]};
  }
  function fetcher(params, options) {
    var sent = Object.assign(
      {"Content-Type": "application/json", Accept: "application/json"},
      (options && options.headers) || {}
    );
    // Until a token is pasted, send none: the API then explains how to sign in.
    if (sent.Authorization === placeholder) { delete sent.Authorization; }
    return fetch(config.endpoint, {
      method: "POST",
      headers: sent,
      body: JSON.stringify(params),
      credentials: "same-origin"
    }).then(function (response) {
      if (response.status === 401) { return unauthorized(sent, response); }
      return response.json();
    });
  }
  var props = {
    fetcher: fetcher,
    defaultQuery: config.defaultQuery,
    headers: JSON.stringify(headers, null, 2),
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: "headers"
  };
  if (query) { props.query = query; }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, props)
  );
})();
"""


def _script_json(value: object) -> str:
    # Inside <script>, "</script>" or "<!--" in a value would end or confuse the element.
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@functools.cache
def _boot() -> str:
    return _BOOT % {"sign_in": _script_json(list(SIGN_IN_STEPS))}


def graphiql_page(endpoint: str = "/graphql", asset_prefix: str = ASSET_PREFIX) -> str:
    """The full GraphiQL HTML page; its fetcher POSTs JSON to ``endpoint``.

    Assets are referenced as ``{asset_prefix}{name}``; both arguments are meant to be paths on
    the page's own origin.
    """
    config = {
        "endpoint": endpoint,
        "defaultQuery": DEFAULT_QUERY,
        "tokenPlaceholder": TOKEN_PLACEHOLDER,
    }
    links = "\n".join(
        f'    <link rel="stylesheet" href="{html.escape(asset_prefix + name)}">'
        for name in STYLESHEETS
    )
    scripts = "\n".join(
        f'    <script src="{html.escape(asset_prefix + name)}"></script>' for name in SCRIPTS
    )
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="robots" content="noindex">
    <title>{html.escape(TITLE)}</title>
{links}
    <style>
      html, body {{ height: 100%; margin: 0; }}
      #graphiql {{ height: 100vh; }}
    </style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
{scripts}
    <script id="graphiql-config" type="application/json">{_script_json(config)}</script>
    <script>{_boot()}</script>
  </body>
</html>
"""


@functools.cache
def _read(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


def graphiql_asset(name: str) -> tuple[bytes, str] | None:
    """``(body, content type)`` of the asset called exactly ``name``; ``None`` for anything else."""
    content_type = ASSETS.get(name)
    if content_type is None:
        return None
    return _read(name), content_type

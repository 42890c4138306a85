"""The /sparql route: protocol answers for programs, and an HTML query page that works without JavaScript."""

from __future__ import annotations

import json

import anyio
from rdflib import URIRef
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from .limits import BudgetedResponse
from .negotiation import HTML, JSON, RDF_TYPES, NotAcceptable, choose
from .result_types import FORMAT_PARAM
from .sparql import (
    MAX_BODY,
    MAX_QUERY,
    EndpointError,
    Operation,
    execute,
    plan,
    read_operation,
    service_description,
)
from .state import Server, lang_of, with_charset
from .ui import Shown, curie, show

# The HTML form's result format menu (values of the `format` parameter).
PAGE_FORMATS = ("html", "json", "xml", "csv", "tsv", "ttl", "nt", "jsonld", "rdfxml")
DEFAULT_QUERY = """PREFIX gk: <{base}ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?designation ?label ?date
WHERE {{
  ?designation a gk:Designation ;
      rdfs:label ?label ;
      gk:date ?date ;
      gk:periodStart ?start .
  FILTER(langMatches(lang(?label), "{lang}"))
}}
ORDER BY ?start
"""


def sparql_routes(server: Server) -> list[BaseRoute]:
    async def endpoint(request: Request) -> Response:
        try:
            operation = await read_operation(request)
        except EndpointError as exc:
            return _error(server, request, None, exc)
        if operation.query is None:
            return _describe_or_page(server, request, operation)
        try:
            job = plan(
                server.site,
                operation,
                request.headers.get("accept"),
                server.max_rows,
                server.max_bytes,
            )
        except EndpointError as exc:
            return _error(server, request, operation, exc)
        server.start()
        try:
            answer = await execute(server.pool, job)
        except EndpointError as exc:
            return _error(server, request, operation, exc)
        media_type = answer.media_type
        if (
            media_type == HTML
        ):  # labels from the store for up to --max-rows rows: not on the event loop
            return await anyio.to_thread.run_sync(
                lambda: _page(
                    server,
                    request,
                    operation,
                    result=_table(server, answer.kind, answer.body, lang_of(request)),
                )
            )
        if not server.results.take(len(answer.body)):
            return _error(
                server,
                request,
                operation,
                EndpointError(
                    503,
                    "the server is busy sending other large results; try again",
                    {"Retry-After": "5"},
                ),
            )
        return BudgetedResponse(
            server.results,
            answer.body,
            headers={"Vary": "Accept"},
            media_type=with_charset(media_type),
        )

    return [Route("/sparql", endpoint, methods=["GET", "POST"])]


def _describe_or_page(server: Server, request: Request, operation: Operation) -> Response:
    """GET without a query: the service description (Turtle unless asked otherwise), or the HTML page."""
    offered = (*RDF_TYPES, JSON, HTML)
    media_type = FORMAT_PARAM.get(operation.format) if operation.format else None
    if media_type not in offered:
        media_type = choose(request.headers.get("accept"), offered)
    if media_type == HTML:
        return _page(server, request, operation)
    endpoint = str(request.url.replace(query="", fragment=""))
    graph = service_description(
        server.site, endpoint, server.timeout, server.max_rows, server.max_bytes
    )
    return server.rdf(graph, media_type)


def _error(
    server: Server, request: Request, operation: Operation | None, exc: EndpointError
) -> Response:
    """The error as plain text for programs; in the query page (same status) for browsers."""
    if operation is not None and operation.format:
        html = operation.format == "html"
    else:
        try:
            html = choose(request.headers.get("accept"), ("text/plain", HTML)) == HTML
        except NotAcceptable:
            html = False
    if html and operation is not None:
        return _page(
            server, request, operation, error=exc.message, status=exc.status, headers=exc.headers
        )
    return PlainTextResponse(f"{exc.status} {exc.message}\n", exc.status, headers=exc.headers)


def _page(
    server: Server,
    request: Request,
    operation: Operation,
    result=None,
    error: str | None = None,
    status: int = 200,
    headers=None,
) -> Response:
    site, lang = server.site, lang_of(request)
    if operation.query is not None:
        query = operation.query
    elif operation.example in site.examples:
        query = site.example_text(operation.example)
    else:
        query = DEFAULT_QUERY.format(base=site.base, lang=lang)
    examples = [
        (e.name, e.question_zh if lang == "zh" else e.question_en) for e in site.examples.values()
    ]
    return server.html(
        request,
        "sparql.html",
        status,
        headers,
        lang=lang,
        title="SPARQL",
        query=query,
        examples=examples,
        chosen=operation.example,
        result=result,
        error=error,
        formats=PAGE_FORMATS,
        chosen_format=operation.format or "html",
        timeout=server.timeout,
        max_rows=server.max_rows,
        max_body=MAX_BODY,
        max_query=MAX_QUERY,
        prefixes=sorted(site.prefixes.items()),
        graphs=site.graph_names,
    )


def _table(server: Server, kind: str, body: bytes, lang: str) -> dict:
    """Rows of Shown cells for the HTML result table."""
    data = json.loads(body)
    if kind == "ask":
        return {"kind": "ask", "boolean": data["boolean"]}
    if kind == "graph":
        names, rows = ["subject", "predicate", "object"], [[r["s"], r["p"], r["o"]] for r in data]
    else:
        names = data["head"]["vars"]
        rows = [[b.get(n) for n in names] for b in data["results"]["bindings"]]
    return {
        "kind": kind,
        "names": names,
        "rows": [[_cell(server, term, lang) for term in row] for row in rows],
    }


def _cell(server: Server, term: dict | None, lang: str) -> Shown | None:
    if term is None:
        return None
    site = server.site
    if term["type"] == "uri":
        return show(URIRef(term["value"]), lang, site.label, site.prefixes, site.local)
    if term["type"] == "bnode":
        return Shown(f"_:{term['value']}")
    if term["type"] == "triple":
        parts = (
            _cell(server, term["value"][k], lang).text for k in ("subject", "predicate", "object")
        )
        return Shown("<< " + " ".join(parts) + " >>")
    language = term.get("xml:lang", "")
    note = language or (curie(term["datatype"], site.prefixes) if "datatype" in term else "")
    return Shown(term["value"], None, note, language)

"""The SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/), read-only and bounded.

Every refusal happens before a query runs: oversized requests (413) and graph parameters outside
the dataset (403) here; updates, SERVICE and FROM / FROM NAMED outside the dataset (403) in the
worker, which parses the query where its cost falls under the timeout. A query runs in a worker
process that has no network, with an explicit dataset; it is stopped at the timeout (503) and
answers an error past the row or byte cap (422): never a truncated 200.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

import anyio
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from starlette.requests import Request

from ..namespaces import VOID
from .result_types import FORMAT_PARAM
from .site import Site
from .workers import Answer, Job, PoolBusy, QueryPool, QueryTimeout, WorkerDied

MAX_BODY = 64 * 1024  # bytes of a POST body
MAX_QUERY = 32 * 1024  # characters of a query
MAX_BYTES = 16 * 1024 * 1024  # bytes of a result, by default (--max-bytes)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")


class EndpointError(Exception):
    """A request the endpoint answers with an error status and a message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


@dataclass
class Operation:
    """A parsed protocol request."""

    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    format: str | None  # the `format` parameter, if any
    example: str | None  # the HTML page's example to load


async def read_operation(request: Request) -> Operation:
    """Parse GET query=, POST form-encoded, POST application/sparql-query; refuse updates and big bodies."""
    url = request.query_params
    params: dict[str, list[str]] = {k: url.getlist(k) for k in url}
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await _read_body(request)
        if content_type == "application/sparql-update":
            raise EndpointError(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if content_type == "application/x-www-form-urlencoded":
            try:
                form = parse_qs(
                    body.decode("ascii"),
                    keep_blank_values=True,
                    max_num_fields=100,
                    errors="strict",
                )
            except (UnicodeDecodeError, ValueError) as exc:
                raise EndpointError(
                    400, f"the form body is not valid URL-encoded UTF-8: {exc}"
                ) from None
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
        elif content_type == "application/sparql-query":
            try:
                params.setdefault("query", []).append(body.decode("utf-8"))
            except UnicodeDecodeError:
                raise EndpointError(400, "the query is not valid UTF-8") from None
        else:
            raise EndpointError(
                415,
                "POST a query as application/sparql-query or application/x-www-form-urlencoded (query=…)",
            )
    if "update" in params:
        raise EndpointError(403, "this endpoint is read-only: SPARQL Update is not accepted")
    queries = params.get("query", [])
    if len(queries) > 1:
        raise EndpointError(400, "give exactly one query parameter")
    query = queries[0] if queries else None
    if query is not None and len(query) > MAX_QUERY:
        raise EndpointError(413, f"the query is longer than {MAX_QUERY} characters")
    if request.method == "POST" and query is None:
        raise EndpointError(
            400, "no query: send query=… or a body of type application/sparql-query"
        )
    fmt = (params.get("format") or [None])[0]
    if fmt is not None and fmt not in FORMAT_PARAM:
        raise EndpointError(
            400, f"unknown format {fmt!r}; choose one of: {', '.join(FORMAT_PARAM)}"
        )
    return Operation(
        query,
        params.get("default-graph-uri", []),
        params.get("named-graph-uri", []),
        fmt,
        (params.get("example") or [None])[0],
    )


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise EndpointError(400, "Content-Length is not a number")
        if int(declared) > MAX_BODY:
            raise EndpointError(413, f"the request body is larger than {MAX_BODY} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise EndpointError(413, f"the request body is larger than {MAX_BODY} bytes")
    return bytes(body)


def plan(
    site: Site, operation: Operation, accept: str | None, max_rows: int, max_bytes: int
) -> Job:
    """The job for a query; refuses an empty query and graph parameters outside the dataset.

    The query itself is checked where it runs, in a worker (its parse costs the event loop nothing
    and falls under the timeout): SERVICE, FROM graphs, updates, syntax.
    """
    if not (operation.query or "").strip():
        raise EndpointError(400, "the query is empty")
    graphs = site.graph_names
    for label, asked in (
        ("default-graph-uri", operation.default_graphs),
        ("named-graph-uri", operation.named_graphs),
    ):
        outside = [g for g in asked if g not in graphs]
        if outside:
            raise EndpointError(
                403,
                f"{label} <{outside[0]}> is not a graph of this dataset (nothing is fetched); "
                f"the graphs are: {', '.join(graphs)}",
            )
    return Job(
        operation.query,
        graphs,
        operation.default_graphs,
        operation.named_graphs,
        accept,
        operation.format,
        max_rows,
        max_bytes,
        site.base,
    )


async def execute(pool: QueryPool, job: Job) -> Answer:
    """Run a job in a worker; map the worker's errors to endpoint errors."""
    try:
        answer = await anyio.to_thread.run_sync(pool.run, job)
    except QueryTimeout as exc:
        raise EndpointError(503, f"{exc}; narrow the query or add LIMIT") from None
    except PoolBusy as exc:
        raise EndpointError(503, f"{exc}; try again", {"Retry-After": "1"}) from None
    except WorkerDied as exc:
        raise EndpointError(500, str(exc)) from None
    refusals = {
        "update": (403, "this endpoint is read-only: SPARQL Update is not accepted"),
        "service": (403, answer.message),
        "outside": (403, answer.message),
        "unchecked": (400, f"the query cannot be checked, so it is not run: {answer.message}"),
        "syntax": (400, answer.message),
        "notacceptable": (406, f"Not Acceptable: this result is offered as {answer.message}"),
        "rowcap": (
            422,
            f"{answer.message}, the most this endpoint returns; add LIMIT (and OFFSET to page)",
        ),
        "toolarge": (
            422,
            f"{answer.message}, the most this endpoint returns; select fewer or shorter values, or add LIMIT",
        ),
        "failed": (500, f"the query failed while running: {answer.message}"),
    }
    if answer.kind in refusals:
        raise EndpointError(*refusals[answer.kind])
    return answer


def service_description(
    site: Site, endpoint: str, timeout: float, max_rows: int, max_bytes: int
) -> Graph:
    """The SPARQL 1.1 Service Description of this endpoint (at URL `endpoint`): only what it does."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    service, dataset = URIRef(f"{endpoint}#service"), URIRef(f"{endpoint}#dataset")
    default = URIRef(f"{endpoint}#default-graph")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(endpoint)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for name in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    ):
        g.add((service, SD.resultFormat, FORMATS[name]))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    g.add((service, SD.defaultEntailmentRegime, ENTAILMENT.Simple))
    g.add((service, SD.defaultDataset, dataset))
    g.add(
        (
            service,
            RDFS.comment,
            Literal(
                f"Read-only: SPARQL Update, SERVICE, and FROM / FROM NAMED or graph parameters naming graphs outside "
                f"this dataset are refused (403), never fetched. A query runs for at most {timeout:g} s (then 503) "
                f"and returns at most {max_rows} rows or triples and {max_bytes} bytes (else 422). Requests: body at most {MAX_BODY} "
                f"bytes, query at most {MAX_QUERY} characters (else 413).",
                lang="en",
            ),
        )
    )
    g.add(
        (
            service,
            RDFS.comment,
            Literal(
                f"只读：拒绝 SPARQL Update、SERVICE，以及指向本数据集以外图的 FROM / FROM NAMED 或图参数（403），绝不抓取。"
                f"每个查询最多运行 {timeout:g} 秒（超时 503），最多返回 {max_rows} 行或三元组、{max_bytes} 字节（否则 422）。"
                f"请求体至多 {MAX_BODY} 字节，查询至多 {MAX_QUERY} 个字符（否则 413）。",
                lang="zh",
            ),
        )
    )
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, RDFS.seeAlso, site.iris.dataset))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(site.total, datatype=XSD.integer)))
    g.add((default, RDFS.comment, Literal("The union (RDF merge) of the named graphs.", lang="en")))
    g.add((default, RDFS.comment, Literal("所有命名图的并集（RDF 合并）。", lang="zh")))
    for name, size in site.sizes.items():
        local = name.rsplit("/", 1)[-1]
        named, described = (
            URIRef(f"{endpoint}#named-graph-{local}"),
            URIRef(f"{endpoint}#graph-{local}"),
        )
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, described))
        g.add((described, RDF.type, SD.Graph))
        g.add((described, VOID.triples, Literal(size, datatype=XSD.integer)))
    return g

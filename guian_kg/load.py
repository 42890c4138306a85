"""`guian-kg load`: put the knowledge graph into a triple store, then read it back to check it.

Writes go through the W3C SPARQL 1.1 Graph Store HTTP Protocol
(https://www.w3.org/TR/sparql11-http-rdf-update/, §5.3 HTTP PUT): one PUT per graph, so that a
second load replaces what the first wrote instead of adding to it. Each graph is then read back
(§5.2 HTTP GET, or a SPARQL CONSTRUCT where the store does not serve GET) and compared with what
was sent (verify.py), or only counted through the SPARQL 1.1 Protocol with `--verify counts` or
past FULL_VERIFY_LIMIT triples. Every request goes through store_client.py: one deadline per
request, answers bounded in bytes, no redirect that changes the method.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import quote, urlencode

import anyio
import httpx
import pyoxigraph as ox
from rdflib import Graph, URIRef

from .errors import InputError, LoadUnverified, StoreError
from .store_client import Answer, Connection, Request, StoreClient
from .verify import Comparison, LiteralChange, compare

# Bodies are N-Triples, which is a subset of Turtle (the one syntax every Graph Store accepts), and
# rdflib writes it five times faster than Turtle (2 s against 10 s for 300 000 triples).
CONTENT_TYPE = "text/turtle; charset=utf-8"
FORM = "application/x-www-form-urlencoded"
READ_BACK_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
# A Graph Store that does not serve GET for a graph (or knows no empty graph): ask SPARQL instead.
GET_NOT_SERVED = frozenset({404, 405, 406, 415, 501})
# Reading a graph back holds its answer (about the size of what was sent) and two sets of 16-byte
# digests: for a million triples 0.2 GB of digests, 6 s comparing, about 25 s in all against a
# local Oxigraph (README, "Loads are verified by reading them back").
FULL_VERIFY_LIMIT = 1_000_000
VERIFY_MODES = ("full", "counts")
# An answer that holds what was sent in any RDF syntax fits in 4× its N-Triples (\uXXXX escapes
# double a Chinese character at most; RDF/XML and Turtle are shorter) and a MiB of headers.
READ_BACK_FACTOR = 4
READ_BACK_SLACK = 1024 * 1024
CHANGES_SHOWN = 20  # changed literals listed per graph on stderr (--json lists them all)
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"]+$")

# Graph Store URL suffix → SPARQL endpoint suffix, for the stores whose layout is fixed.
ENDPOINT_RULES: tuple[tuple[str, str, str], ...] = (
    ("Oxigraph", "/store", "/query"),
    ("Apache Jena Fuseki", "/data", "/sparql"),
    ("GraphDB", "/rdf-graphs/service", ""),
    ("Virtuoso", "/sparql-graph-crud-auth", "/sparql-auth"),
    ("Virtuoso", "/sparql-graph-crud", "/sparql"),
)


@dataclass(frozen=True)
class Upload:
    """One PUT: a graph's triples, to a named graph (`target`) or to the default graph (None)."""

    target: str | None
    body: bytes
    triples: int

    @property
    def name(self) -> str:
        return self.target or "default graph"


@dataclass(frozen=True)
class Progress:
    """What a load is doing, for a progress display: `phase` is upload, retry, verify, count or done."""

    phase: str
    graph: str
    index: int
    total: int
    sent: int = 0
    size: int = 0
    message: str = ""


@dataclass
class GraphResult:
    """One graph: triples sent, triples found in the store, and how they were checked."""

    graph: str
    sent: int
    found: int | None = None
    verified: str = ""  # "full" (read back and compared) or "counts"
    comparison: Comparison | None = None

    @property
    def changed(self) -> list[LiteralChange]:
        return self.comparison.changed if self.comparison else []

    def summary(self) -> str:
        """One line saying what was checked and what was found."""
        if self.verified == "counts":
            return f"counted {self.found:,} triples of {self.graph} (not read back)"
        changes = len(self.changed)
        verdict = (
            "identical"
            if not changes
            else f"{changes:,} literal{'s' if changes > 1 else ''} changed by the store"
        )
        return f"read back {self.found:,} triples of {self.graph}: {verdict}"


@dataclass
class LoadReport:
    """What a load sent, where, and what reading it back found."""

    store: str
    sparql: str
    graphs: list[GraphResult] = field(default_factory=list)
    seconds: float = 0.0  # the whole load: PUTs, then reading back or counting
    verify_seconds: float = 0.0  # reading back or counting

    @property
    def triples(self) -> int:
        return sum(g.sent for g in self.graphs)

    def warnings(self, shown: int = CHANGES_SHOWN) -> list[str]:
        """One line per literal the store rewrote, at most `shown` per graph."""
        lines = []
        for result in self.graphs:
            lines += [f"the store changed a literal: {c}" for c in result.changed[:shown]]
            if len(result.changed) > shown:
                lines.append(
                    f"… and {len(result.changed) - shown:,} more literals changed in "
                    f"{result.graph} (--json lists them all)"
                )
        return lines

    def as_json(self) -> dict:
        return {
            "store": self.store,
            "sparql": self.sparql,
            "seconds": round(self.seconds, 3),
            "verify_seconds": round(self.verify_seconds, 3),
            "graphs": [
                {
                    "graph": g.graph,
                    "sent": g.sent,
                    "found": g.found,
                    "verified": g.verified,
                    "identical": g.comparison.identical if g.comparison else None,
                    "changed": [c.__dict__ for c in g.changed],
                }
                for g in self.graphs
            ],
        }


def sparql_endpoint(store: str) -> str:
    """The SPARQL endpoint of a known store, derived from its Graph Store URL (ENDPOINT_RULES)."""
    url = store.split("?", 1)[0].rstrip("/")
    for _, suffix, replacement in ENDPOINT_RULES:
        if url.endswith(suffix):
            return url[: -len(suffix)] + replacement
    known = "; ".join(f"{name}: …{suffix} → …{repl}" for name, suffix, repl in ENDPOINT_RULES)
    raise InputError(
        f"cannot derive the SPARQL endpoint from {store}: pass --sparql URL (known: {known})"
    )


def parse_header(text: str) -> tuple[str, str]:
    """('Name', 'value') from 'Name: value'."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
        raise InputError(f"--header must look like 'Name: value', got {text!r}")
    return name.strip(), value.strip()


def uploads(
    graphs: dict[URIRef, Graph], graph: str | None = None, default_graph: bool = False
) -> list[Upload]:
    """The PUTs of a load: one per named graph, or all in one graph (`graph` or the default)."""
    if graph and default_graph:
        raise InputError("--graph and --default-graph exclude each other")
    if graph is not None and not _ABSOLUTE_IRI.match(graph):
        raise InputError(f"--graph must be an absolute IRI, got {graph!r}")
    if graph or default_graph:
        union = Graph()
        for g in graphs.values():
            union += g
        return [Upload(graph, _ntriples(union), len(union))]
    return [Upload(str(name), _ntriples(g), len(g)) for name, g in graphs.items()]


def _ntriples(graph: Graph) -> bytes:
    return graph.serialize(format="nt", encoding="utf-8")


def load_into_store(
    planned: Sequence[Upload],
    connection: Connection,
    progress: Callable[[Progress], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.AsyncBaseTransport | None = None,
    verify: str | None = None,
) -> LoadReport:
    """PUT every upload, then read each back (`verify` full) or count it; raise StoreError on any failure.

    `verify` None reads back the graphs of at most FULL_VERIFY_LIMIT triples and counts the others.
    """
    if verify not in (None, *VERIFY_MODES):
        raise InputError(f"--verify must be one of {', '.join(VERIFY_MODES)}, got {verify!r}")
    run = partial(
        _load, planned, connection, progress or (lambda _: None), sleep, transport, verify
    )
    report = anyio.run(run)
    _raise_for_differences(report)
    return report


async def _load(planned, connection, notify, sleep, transport, verify) -> LoadReport:
    report = LoadReport(connection.store, connection.sparql)
    started = time.perf_counter()
    total = len(planned)
    async with StoreClient(connection, transport, sleep) as client:
        for index, upload in enumerate(planned, 1):
            client.on_retry = _retry_notice(notify, upload.name, index, total)
            try:
                await _put(client, connection, upload, index, total, notify)
            except StoreError as exc:
                raise type(exc)(f"{exc}{_partial(report, planned, index)}") from None
            report.graphs.append(GraphResult(upload.name, upload.triples))
        verifying = time.perf_counter()
        try:
            for index, (upload, result) in enumerate(zip(planned, report.graphs, strict=True), 1):
                client.on_retry = _retry_notice(notify, upload.name, index, total)
                mode = verify or ("full" if upload.triples <= FULL_VERIFY_LIMIT else "counts")
                notify(Progress("verify" if mode == "full" else "count", upload.name, index, total))
                if mode == "full":
                    result.comparison = await _read_back(client, connection, upload)
                    result.found = result.comparison.stored
                else:
                    result.found = await _count(client, connection, upload)
                result.verified = mode
        except StoreError as exc:
            raise LoadUnverified(_unverified(report, exc)) from None
    report.seconds = time.perf_counter() - started
    report.verify_seconds = time.perf_counter() - verifying
    notify(Progress("done", "", total, total))
    return report


def _retry_notice(notify, name: str, index: int, total: int) -> Callable[[str], None]:
    return lambda message: notify(Progress("retry", name, index, total, message=message))


def graph_url(store: str, target: str | None) -> str:
    """The Graph Store URL of a named graph (`?graph=`) or of the default graph (`?default`)."""
    joiner = "&" if "?" in store else "?"
    return (
        f"{store}{joiner}default"
        if target is None
        else f"{store}{joiner}graph={quote(target, safe='')}"
    )


async def _put(client, connection, upload, index, total, notify) -> None:
    def report(sent: int) -> None:
        notify(Progress("upload", upload.name, index, total, sent, len(upload.body)))

    report(0)
    url = graph_url(connection.store, upload.target)
    headers = (("Content-Type", CONTENT_TYPE),)
    answer = await client.send(
        Request("PUT", url, f"PUT {upload.name}", "--store", upload.body, headers, on_sent=report)
    )
    _raise_for_status(answer, f"PUT {upload.name}")


async def _read_back(client, connection, upload) -> Comparison:
    limit = READ_BACK_FACTOR * len(upload.body) + READ_BACK_SLACK
    action = f"reading back {upload.name}"
    accept = ("Accept", READ_BACK_ACCEPT)
    url = graph_url(connection.store, upload.target)
    answer = await client.send(
        Request("GET", url, action, "--store", headers=(accept,), limit=limit, whole=True)
    )
    if answer.status in GET_NOT_SERVED:
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {_pattern(upload.target)} }}"
        action = f"reading back {upload.name} with a SPARQL CONSTRUCT"
        answer = await client.send(
            Request(
                "POST",
                connection.sparql,
                action,
                "--sparql",
                urlencode({"query": query}).encode(),
                (accept, ("Content-Type", FORM)),
                limit=limit,
                whole=True,
            )
        )
    _raise_for_status(answer, action)
    return compare(upload.body, answer.body, _rdf_format(answer, action), answer.url)


def _rdf_format(answer: Answer, action: str) -> ox.RdfFormat:
    media = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if media in ("", "text/plain"):  # text/plain: N-Triples before it had its own media type
        return ox.RdfFormat.N_TRIPLES
    rdf_format = ox.RdfFormat.from_media_type(media)
    if rdf_format is None:
        raise StoreError(f"{action}: the store answered {media}, which is not an RDF syntax")
    return rdf_format


def _pattern(target: str | None) -> str:
    return "?s ?p ?o" if target is None else f"GRAPH <{target}> {{ ?s ?p ?o }}"


async def _count(client, connection, upload) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {_pattern(upload.target)} }}"
    action = f"counting the triples of {upload.name} at {connection.sparql}"
    headers = (("Accept", "application/sparql-results+json"), ("Content-Type", FORM))
    body = urlencode({"query": query}).encode()
    answer = await client.send(
        Request("POST", connection.sparql, action, "--sparql", body, headers)
    )
    _raise_for_status(answer, action)
    try:
        return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise StoreError(
            f"{connection.sparql} did not answer a COUNT query with SPARQL JSON results: "
            f"{answer.message}"
        ) from None


def _raise_for_status(answer: Answer, action: str) -> None:
    if answer.ok:
        return
    status = f"{answer.status} {answer.reason}".strip()
    detail = f": {answer.message}" if answer.message else ""
    if answer.status in (401, 403):
        raise StoreError(
            f"{action}: the store refused access ({status}) at {answer.url}{detail}; "
            "pass --user and --password, or --header 'Authorization: …'"
        )
    raise StoreError(f"{action}: the store answered {status} at {answer.url}{detail}")


def _raise_for_differences(report: LoadReport) -> None:
    """StoreError naming what the store lost or added, graph by graph, if it holds other triples."""
    problems = []
    for g in report.graphs:
        c = g.comparison
        if c is None and g.found != g.sent:
            problems.append(f"{g.graph}: sent {g.sent:,} triples, the store counts {g.found:,}")
        elif c is not None and not c.same_facts:
            line = f"{g.graph}: sent {c.sent:,} triples, read back {c.stored:,}"
            for kind, n, examples in (
                ("missing", c.missing, c.missing_examples),
                ("not sent", c.extra, c.extra_examples),
            ):
                if n:
                    more = f" and {n - len(examples):,} more" if n > len(examples) else ""
                    line += f"; {n:,} {kind}: {' | '.join(examples)}{more}"
            if c.changed:
                line += f"; and {len(c.changed):,} literals rewritten with their value kept"
            problems.append(line)
    if not problems:
        return
    hint = ""
    if any(g.graph == "default graph" for g in report.graphs):
        hint = (
            ". If the store's default graph is the union of its named graphs, load into named "
            "graphs, or verify with --sparql on a dataset without that option"
        )
    raise StoreError(
        "the store accepted every graph but does not hold what was sent ("
        + "; ".join(problems)
        + f"){hint}"
    )


def _unverified(report: LoadReport, exc: StoreError) -> str:
    loaded = ", ".join(f"{g.graph} ({g.sent:,} triples)" for g in report.graphs)
    return (
        f"the graphs were loaded (the store accepted every PUT: {loaded}) but could not be "
        f"verified: {exc}. Loading again replaces them with the same triples and verifies them"
    )


def _partial(report: LoadReport, planned: Sequence[Upload], failed_index: int) -> str:
    if not report.graphs:
        return ". No graph was replaced"
    loaded = ", ".join(f"{g.graph} ({g.sent} triples)" for g in report.graphs)
    rest = ", ".join(u.name for u in planned[failed_index:]) or "none"
    return (
        f". Partial load: replaced {loaded}; failed {planned[failed_index - 1].name}; "
        f"not sent {rest}. The store holds the new graphs listed as replaced and its earlier "
        "content for those not sent (and, unless it applied the failed request before its "
        "answer was lost, for the one that failed): run the load again once the store is fixed"
    )

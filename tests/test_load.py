"""`guian-kg load`: the Graph Store Protocol against a real Oxigraph server (integration), and
the failure modes (credentials, refusals, retries, partial loads) against a scripted local store."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from guian_kg import load as loading
from guian_kg import resources
from guian_kg.cli import cli
from guian_kg.errors import InputError, StoreError, StoreUnreachable
from guian_kg.serialize import serialize_dataset

QUERIES = sorted(resources.resource_dir("queries").glob("*.rq"))
RESULT_KINDS = {
    ".csv": "text/csv",
    ".srj": "application/sparql-results+json",
    ".ttl": "application/n-triples",
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def sparql(url: str, query: str, union: bool = False) -> httpx.Response:
    params = {"union-default-graph": ""} if union else {}
    response = httpx.post(
        f"{url}/query",
        data={"query": query},
        params=params,
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    response.raise_for_status()
    return response


def count(url: str, graph: str | None = None) -> int:
    pattern = "?s ?p ?o" if graph is None else f"GRAPH <{graph}> {{ ?s ?p ?o }}"
    bindings = sparql(url, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}").json()["results"][
        "bindings"
    ]
    return int(bindings[0]["n"]["value"])


def named_graphs(url: str) -> set[str]:
    rows = sparql(url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").json()["results"][
        "bindings"
    ]
    return {row["g"]["value"] for row in rows}


def loaded_counts(stdout: str) -> dict[str, int]:
    return {name: int(n) for name, n in (line.split("\t") for line in stdout.splitlines())}


# ---------------------------------------------------------------- against Oxigraph


@pytest.fixture
def store(oxigraph_server) -> str:
    """The session's Oxigraph Graph Store URL, emptied first."""
    httpx.post(
        f"{oxigraph_server}/update", data={"update": "DROP ALL"}, timeout=30
    ).raise_for_status()
    return f"{oxigraph_server}/store"


@pytest.mark.integration
def test_load_puts_each_named_graph_and_reports_counts_that_match(
    store, oxigraph_server, kg, runner
):
    result = runner.invoke(cli, ["load", "--store", store])
    assert result.exit_code == 0, result.stderr
    expected = {str(name): len(graph) for name, graph in kg.graphs().items()}
    assert len(expected) == 3 and all(expected.values())
    assert loaded_counts(result.stdout) == expected
    assert named_graphs(oxigraph_server) == set(expected)
    assert {name: count(oxigraph_server, name) for name in expected} == expected
    assert count(oxigraph_server) == 0, "nothing goes to the default graph"
    assert "counts match" in result.stderr


@pytest.mark.integration
def test_loading_again_replaces_instead_of_adding(store, oxigraph_server, kg, runner):
    first = runner.invoke(cli, ["load", "--store", store])
    second = runner.invoke(cli, ["load", "--store", store, "--json"])
    assert first.exit_code == 0 and second.exit_code == 0, second.stderr
    report = json.loads(second.stdout)
    assert loaded_counts(first.stdout) == {g["graph"]: g["found"] for g in report["graphs"]}
    everything = sparql(oxigraph_server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    total = int(everything.json()["results"]["bindings"][0]["n"]["value"])
    assert total == sum(len(g) for g in kg.graphs().values())


@pytest.mark.integration
def test_default_graph_option_puts_everything_in_the_default_graph(
    store, oxigraph_server, kg, runner
):
    result = runner.invoke(cli, ["load", "--store", store, "--default-graph"])
    assert result.exit_code == 0, result.stderr
    assert count(oxigraph_server) == len(kg.union()) > 0
    assert named_graphs(oxigraph_server) == set()


@pytest.mark.integration
def test_graph_option_puts_everything_in_one_named_graph(store, oxigraph_server, kg, runner):
    result = runner.invoke(cli, ["load", "--store", store, "--graph", "urn:example:guian-kg"])
    assert result.exit_code == 0, result.stderr
    assert named_graphs(oxigraph_server) == {"urn:example:guian-kg"}
    assert count(oxigraph_server, "urn:example:guian-kg") == len(kg.union())


@pytest.mark.integration
def test_a_request_the_store_rejects_is_reported_with_its_message(store, runner):
    result = runner.invoke(cli, ["load", "--store", store, "--graph", "http://example.org/{bad}"])
    assert result.exit_code == 3, result.stderr
    assert "400 Bad Request" in result.stderr
    assert "Invalid IRI" in result.stderr  # Oxigraph's own words
    assert "No graph was replaced" in result.stderr


@pytest.mark.integration
def test_a_wrong_sparql_endpoint_is_reported_after_the_load(store, oxigraph_server, runner):
    result = runner.invoke(
        cli, ["load", "--store", store, "--sparql", f"{oxigraph_server}/nowhere"]
    )
    assert result.exit_code == 3
    assert "404" in result.stderr and "counting the triples" in result.stderr


@pytest.mark.integration
def test_the_data_survives_a_restart_of_the_server(oxigraph_servers, tmp_path, kg):
    location = tmp_path / "db"
    server = oxigraph_servers(location)
    store = f"{server.url}/store"
    connection = loading.Connection(store, loading.sparql_endpoint(store))
    loading.load_into_store(loading.uploads(kg.graphs()), connection)
    server.stop()
    server = oxigraph_servers(location)
    expected = {str(name): len(graph) for name, graph in kg.graphs().items()}
    assert {name: count(server.url, name) for name in expected} == expected


@pytest.mark.integration
def test_the_readme_recipe_guian_kg_load_into_oxigraph_serve(oxigraph_servers, tmp_path, runner):
    """README: oxigraph serve --union-default-graph, guian-kg load, then the examples as they are."""
    server = oxigraph_servers(tmp_path / "guian-db", "--union-default-graph")
    result = runner.invoke(cli, ["load", "--store", f"{server.url}/store"])
    assert result.exit_code == 0, result.stderr
    query = resources.resource_dir("queries") / "timeline.rq"
    response = httpx.post(
        f"{server.url}/query",
        data={"query": query.read_text(encoding="utf-8")},
        headers={"Accept": "text/csv"},
        timeout=60,
    )
    got = read_csv_rows(response.text)
    assert got == read_csv_rows(query.with_suffix(".csv").read_text(encoding="utf-8"))
    assert len(got[1]) >= 10


@pytest.mark.integration
def test_the_readme_recipe_oxigraph_load_of_the_nquads_dump(oxigraph_servers, tmp_path, kg):
    """README: oxigraph load --location … --file dist/guian-kg.nq keeps the three named graphs."""
    dump = tmp_path / "guian-kg.nq"
    dump.write_text(serialize_dataset(kg.graphs(), "nq"), encoding="utf-8")
    location = tmp_path / "guian-db"
    executable = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    subprocess.run(
        [executable, "load", "--location", str(location), "--file", str(dump)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = oxigraph_servers(location, "--union-default-graph")
    expected = {str(name): len(graph) for name, graph in kg.graphs().items()}
    assert {name: count(server.url, name) for name in expected} == expected


@pytest.fixture(scope="module")
def example_store(oxigraph_servers, tmp_path_factory, kg) -> str:
    """A server of its own holding the named graphs, as `guian-kg load` writes them."""
    server = oxigraph_servers(tmp_path_factory.mktemp("examples") / "db")
    store = f"{server.url}/store"
    loading.load_into_store(
        loading.uploads(kg.graphs()), loading.Connection(store, f"{server.url}/query")
    )
    return server.url


def test_the_example_queries_exist():
    assert QUERIES, "queries/*.rq: no example found"


@pytest.mark.integration
@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_every_example_query_gives_its_expected_answer_over_http(example_store, query):
    """Examples run with the named graphs' union as the default graph, as `guian-kg query` does."""
    expected = [query.with_suffix(s) for s in RESULT_KINDS if query.with_suffix(s).is_file()]
    assert len(expected) == 1, f"{query.name} needs exactly one expected file (.csv, .srj or .ttl)"
    path = expected[0]
    response = httpx.post(
        f"{example_store}/query",
        params={"union-default-graph": ""},
        data={"query": query.read_text(encoding="utf-8")},
        headers={"Accept": RESULT_KINDS[path.suffix]},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    if path.suffix == ".srj":
        assert response.json()["boolean"] == json.loads(path.read_text(encoding="utf-8"))["boolean"]
    elif path.suffix == ".ttl":
        actual = Graph().parse(data=response.text, format="nt")
        assert isomorphic(actual, Graph().parse(path, format="turtle")), (
            f"{query.name}: graphs differ"
        )
    else:
        got_header, got = read_csv_rows(response.text)
        want_header, want = read_csv_rows(path.read_text(encoding="utf-8"))
        assert got_header == want_header
        assert sorted(got) == sorted(want), f"{query.name}: rows differ (as multisets)"


def read_csv_rows(text: str) -> tuple[list[str], list[tuple]]:
    """Header and rows of SPARQL CSV results; numbers compare by value, blank node labels not."""
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    return header, [tuple(cell_value(cell) for cell in row) for row in rows]


def cell_value(cell: str) -> tuple:
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", cell):
        try:
            return ("number", Decimal(cell).normalize())
        except InvalidOperation:
            pass
    return ("text", "_:" if cell.startswith("_:") else cell)


# ---------------------------------------------------------------- failure modes (scripted store)


class ScriptedStore:
    """A Graph Store on 127.0.0.1: keeps what is PUT, counts it on SPARQL, records every request.

    `script(method, path_and_query, attempt)` may return (status, body) to answer instead.
    """

    def __init__(self):
        self.requests: list[dict] = []
        self.graphs: dict[str, int] = {}
        self.script: Callable[[str, str, int], tuple[int, str] | None] = lambda *_: None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers)}
                )
                attempt = sum(
                    1
                    for r in fake.requests
                    if (r["method"], r["path"]) == (self.command, self.path)
                )
                scripted = fake.script(self.command, self.path, attempt)
                status, text = scripted if scripted else fake.answer(self.command, self.path, body)
                data = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_PUT = do_POST = _answer

        return Handler

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, str]:
        parts = urlsplit(path)
        if method == "PUT" and parts.path == "/store":
            target = parse_qs(parts.query, keep_blank_values=True).get("graph", ["(default)"])[0]
            self.graphs[target] = len(Graph().parse(data=body.decode("utf-8"), format="turtle"))
            return 204, ""
        if method == "POST" and parts.path == "/query":
            query = parse_qs(body.decode("utf-8"))["query"][0]
            graph = re.search(r"GRAPH <([^>]+)>", query)
            n = self.graphs.get(graph.group(1) if graph else "(default)", 0)
            return 200, json.dumps(
                {
                    "head": {"vars": ["n"]},
                    "results": {"bindings": [{"n": {"type": "literal", "value": str(n)}}]},
                }
            )
        return 404, "no such endpoint"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted() -> Iterator[ScriptedStore]:
    fake = ScriptedStore()
    yield fake
    fake.close()


def connection(fake: ScriptedStore, **options) -> loading.Connection:
    return loading.Connection(f"{fake.url}/store", f"{fake.url}/query", **options)


def test_basic_credentials_are_sent_with_every_request(scripted, runner):
    result = runner.invoke(
        cli, ["load", "--store", f"{scripted.url}/store", "--user", "ann", "--password", "s3cret"]
    )
    assert result.exit_code == 0, result.stderr
    expected = "Basic " + base64.b64encode(b"ann:s3cret").decode()
    assert len(scripted.requests) == 6  # 3 PUTs, 3 counts
    assert all(r["headers"].get("Authorization") == expected for r in scripted.requests)


def test_extra_headers_are_sent_with_every_request(scripted, runner):
    result = runner.invoke(
        cli,
        [
            "load",
            "--store",
            f"{scripted.url}/store",
            "--header",
            "Authorization: Bearer t0ken",
            "--header",
            "X-Tenant: gk",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert all(r["headers"].get("Authorization") == "Bearer t0ken" for r in scripted.requests)
    assert all(r["headers"].get("X-Tenant") == "gk" for r in scripted.requests)


def test_each_graph_goes_to_its_own_graph_store_url_as_turtle(scripted, kg):
    loading.load_into_store(loading.uploads(kg.graphs()), connection(scripted))
    puts = [r for r in scripted.requests if r["method"] == "PUT"]
    assert [parse_qs(urlsplit(r["path"]).query)["graph"][0] for r in puts] == [
        str(n) for n in kg.graphs()
    ]
    assert all(r["headers"]["Content-Type"].startswith("text/turtle") for r in puts)
    loading.load_into_store(loading.uploads(kg.graphs(), default_graph=True), connection(scripted))
    assert scripted.requests[-2]["path"] == "/store?default"


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_reported_and_not_retried(scripted, runner, status):
    scripted.script = lambda method, path, attempt: (
        (status, "who are you?") if method == "PUT" else None
    )
    result = runner.invoke(
        cli, ["load", "--store", f"{scripted.url}/store", "--user", "ann", "--password", "x"]
    )
    assert result.exit_code == 3
    assert f"refused access ({status}" in result.stderr and "who are you?" in result.stderr
    assert len(scripted.requests) == 1


def test_an_unreachable_store_exits_2_with_a_clear_message(runner):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = runner.invoke(
        cli, ["load", "--store", f"http://127.0.0.1:{port}/store", "--retries", "0"]
    )
    assert result.exit_code == 2
    assert f"cannot reach the store at http://127.0.0.1:{port}/store" in result.stderr
    assert "No graph was replaced" in result.stderr


def test_transient_failures_are_retried_with_exponential_backoff(scripted, kg):
    scripted.script = lambda method, path, attempt: (
        (503, "busy") if method == "PUT" and attempt <= 2 else None
    )
    waits: list[float] = []
    events: list[loading.Progress] = []
    report = loading.load_into_store(
        loading.uploads(kg.graphs()), connection(scripted), events.append, waits.append
    )
    assert [g.found for g in report.graphs] == [g.sent for g in report.graphs]
    assert waits == [0.5, 1.0] * 3  # each graph: two 503s, then accepted
    assert sum(1 for e in events if e.phase == "retry" and "HTTP 503" in e.message) == 6


def test_retries_are_bounded(scripted, kg):
    scripted.script = lambda method, path, attempt: (502, "bad gateway")
    waits: list[float] = []
    with pytest.raises(StoreError, match=r"502 Bad Gateway.*bad gateway"):
        loading.load_into_store(
            loading.uploads(kg.graphs()), connection(scripted, retries=3), sleep=waits.append
        )
    assert waits == [0.5, 1.0, 2.0]
    assert len(scripted.requests) == 4


def test_connection_failures_are_retried_then_reported_as_unreachable(kg):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        store = f"http://127.0.0.1:{probe.getsockname()[1]}/store"
    waits: list[float] = []
    with pytest.raises(StoreUnreachable, match="after 3 attempt"):
        loading.load_into_store(
            loading.uploads(kg.graphs()),
            loading.Connection(store, store, retries=2),
            sleep=waits.append,
        )
    assert waits == [0.5, 1.0]


def test_a_partial_failure_says_which_graphs_made_it(scripted, kg, runner):
    scripted.script = lambda method, path, attempt: (
        (500, "disk full") if "graph%2Fdata" in path else None
    )
    result = runner.invoke(cli, ["load", "--store", f"{scripted.url}/store", "--retries", "0"])
    assert result.exit_code == 3
    assert "disk full" in result.stderr
    assert "replaced https://w3id.org/guian-kg/graph/ontology" in result.stderr
    assert "failed https://w3id.org/guian-kg/graph/data" in result.stderr
    assert "not sent https://w3id.org/guian-kg/graph/void" in result.stderr


def test_counts_that_differ_fail_the_load(scripted, runner):
    def lie(method, path, attempt):
        if method == "POST":
            return 200, json.dumps(
                {"results": {"bindings": [{"n": {"type": "literal", "value": "1"}}]}}
            )
        return None

    scripted.script = lie
    result = runner.invoke(cli, ["load", "--store", f"{scripted.url}/store"])
    assert result.exit_code == 3
    assert "counts differ" in result.stderr and "the store holds 1" in result.stderr


def test_a_large_upload_reports_its_progress_in_chunks(scripted, kg):
    events: list[loading.Progress] = []
    planned = loading.uploads(kg.graphs(), default_graph=True)
    assert len(planned[0].body) > 2 * loading.CHUNK
    loading.load_into_store(planned, connection(scripted), events.append)
    sent = [e.sent for e in events if e.phase == "upload"]
    assert sent[0] == 0 and sent[-1] == len(planned[0].body) and len(sent) > 3
    assert sent == sorted(sent)


@pytest.mark.parametrize(
    "graph_store,endpoint",
    [
        ("http://127.0.0.1:7878/store", "http://127.0.0.1:7878/query"),
        ("http://localhost:3030/ds/data", "http://localhost:3030/ds/sparql"),
        (
            "http://localhost:7200/repositories/gk/rdf-graphs/service",
            "http://localhost:7200/repositories/gk",
        ),
        ("http://localhost:8890/sparql-graph-crud-auth", "http://localhost:8890/sparql-auth"),
        ("http://localhost:8890/sparql-graph-crud", "http://localhost:8890/sparql"),
    ],
)
def test_the_sparql_endpoint_is_derived_for_known_stores(graph_store, endpoint):
    assert loading.sparql_endpoint(graph_store) == endpoint


def test_an_unknown_store_layout_asks_for_the_sparql_endpoint(runner):
    with pytest.raises(InputError, match="--sparql"):
        loading.sparql_endpoint("http://example.org/rdf")
    result = runner.invoke(cli, ["load", "--store", "http://127.0.0.1:9/rdf"])
    assert result.exit_code == 2 and "--sparql" in result.stderr


@pytest.mark.parametrize(
    "arguments,message",
    [
        (["--graph", "urn:g:1", "--default-graph"], "exclude each other"),
        (["--graph", "not an iri"], "absolute IRI"),
        (["--header", "no colon"], "Name: value"),
        (["--password", "x"], "--password needs --user"),
        (["--user", "u", "--password", "p", "--header", "Authorization: x"], "not both"),
    ],
)
def test_bad_options_are_usage_errors(runner, arguments, message):
    result = runner.invoke(cli, ["load", "--store", "http://127.0.0.1:9/store", *arguments])
    assert result.exit_code == 2
    assert message in result.stderr


def test_the_readme_documents_the_exit_codes_of_load():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Loading into triple stores", 1)[1].split("\n## ", 1)[0]
    for code in ("0", "2", "3"):
        assert f"| `{code}` |" in section, f"exit code {code} of guian-kg load is not documented"
    assert "| `guian-kg load " in readme, "guian-kg load is missing from the command table"

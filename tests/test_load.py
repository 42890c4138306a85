"""`guian-kg load` against a real Oxigraph server: the Graph Store Protocol, reading back, the
README's recipes. The failure modes, against a scripted store, are in test_load_safety.py."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from guian_kg import load as loading
from guian_kg import resources
from guian_kg.cli import cli
from guian_kg.errors import InputError
from guian_kg.write import serialize_dataset

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


def summaries(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("read back ", "counted "))]


@pytest.mark.integration
def test_load_puts_each_named_graph_reads_it_back_and_finds_it_identical(
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
    assert summaries(result.stderr) == [
        f"read back {n:,} triples of {name}: identical" for name, n in expected.items()
    ]
    assert "warning" not in result.stderr  # Oxigraph keeps every literal of the graph as sent


@pytest.mark.integration
def test_loading_again_replaces_instead_of_adding(store, oxigraph_server, kg, runner):
    first = runner.invoke(cli, ["load", "--store", store])
    second = runner.invoke(cli, ["load", "--store", store, "--json"])
    assert first.exit_code == 0 and second.exit_code == 0, second.stderr
    report = json.loads(second.stdout)
    assert loaded_counts(first.stdout) == {g["graph"]: g["found"] for g in report["graphs"]}
    assert [(g["verified"], g["identical"], g["changed"]) for g in report["graphs"]] == [
        ("full", True, [])
    ] * 3
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
    assert summaries(result.stderr) == [
        f"read back {len(kg.union()):,} triples of default graph: identical"
    ]


@pytest.mark.integration
def test_graph_option_puts_everything_in_one_named_graph(store, oxigraph_server, kg, runner):
    result = runner.invoke(cli, ["load", "--store", store, "--graph", "urn:example:guian-kg"])
    assert result.exit_code == 0, result.stderr
    assert named_graphs(oxigraph_server) == {"urn:example:guian-kg"}
    assert count(oxigraph_server, "urn:example:guian-kg") == len(kg.union())
    assert summaries(result.stderr) == [
        f"read back {len(kg.union()):,} triples of urn:example:guian-kg: identical"
    ]


@pytest.mark.integration
def test_verify_counts_only_counts(store, kg, runner):
    result = runner.invoke(cli, ["load", "--store", store, "--verify", "counts", "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(g["verified"], g["identical"]) for g in report["graphs"]] == [("counts", None)] * 3
    assert summaries(result.stderr) == [
        f"counted {len(g):,} triples of {name} (not read back)" for name, g in kg.graphs().items()
    ]


@pytest.mark.integration
def test_a_request_the_store_rejects_is_reported_with_its_message(store, runner):
    result = runner.invoke(cli, ["load", "--store", store, "--graph", "http://example.org/{bad}"])
    assert result.exit_code == 3, result.stderr
    assert "400 Bad Request" in result.stderr
    assert "Invalid IRI" in result.stderr  # Oxigraph's own words
    assert "No graph was replaced" in result.stderr


@pytest.mark.integration
def test_a_wrong_sparql_endpoint_says_the_graphs_were_loaded_but_not_verified(
    store, oxigraph_server, kg, runner
):
    nowhere = f"{oxigraph_server}/nowhere"
    result = runner.invoke(
        cli, ["load", "--store", store, "--sparql", nowhere, "--verify", "counts"]
    )
    assert result.exit_code == 3
    assert "error: the graphs were loaded (the store accepted every PUT: " in result.stderr
    assert "but could not be verified: counting the triples of" in result.stderr
    assert f"the store answered 404 Not Found at {nowhere}" in result.stderr
    expected = {str(name): len(graph) for name, graph in kg.graphs().items()}
    assert {name: count(oxigraph_server, name) for name in expected} == expected


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

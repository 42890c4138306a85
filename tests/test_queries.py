"""The SPARQL examples: each queries/NAME.rq has its expected answer next to it and gives it on
Oxigraph (the engine behind `guian-kg query`) and on rdflib; `guian-kg query` and `examples`.

Expected files: NAME.csv (SELECT, W3C SPARQL CSV results), NAME.srj (ASK, SPARQL JSON results),
NAME.ttl (CONSTRUCT, DESCRIBE). `pytest --update-expected` rewrites them from the current graph;
review the diff against the article before committing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic

from guian_kg import engine, resources
from guian_kg import store as stores
from guian_kg.cli import cli
from guian_kg.query import examples
from guian_kg.store import OpenStore, ensure_store, open_store
from guian_kg.write import serialize_graph

QUERIES = sorted(resources.resource_dir("queries").glob("*.rq"))
NUMERIC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
NUMBER_TYPES = {
    f"http://www.w3.org/2001/XMLSchema#{t}"
    for t in ("integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger")
}


@dataclass
class Answer:
    """An answer in a form both engines share: rows of neutral terms, a boolean, or a graph."""

    kind: str  # select, ask, graph
    variables: list[str] | None = None
    rows: list[tuple] | None = None
    boolean: bool | None = None
    graph: Graph | None = None


def ordered(text: str) -> bool:
    """Whether the query fixes the order of its rows (ORDER BY outside comment lines)."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return re.search(r"\bORDER\s+BY\b", code, re.IGNORECASE) is not None


def term(kind: str, value: str, datatype: str | None = None, lang: str | None = None) -> tuple:
    """A term as both engines should give it: numbers by value, other literals in full."""
    if kind == "literal":
        datatype = RDF_LANGSTRING if lang else (datatype or XSD_STRING)
        if datatype in NUMBER_TYPES:
            return ("number", Decimal(value).normalize())
        return ("literal", value, datatype, lang)
    return (kind, "" if kind == "bnode" else value)


def from_sparql_json(results: dict) -> Answer:
    """An Answer from SPARQL 1.1 JSON results (an endpoint's, a store's): a boolean or a table."""
    if "boolean" in results:
        return Answer("ask", boolean=results["boolean"])
    names = results["head"]["vars"]
    rows = [
        tuple(
            None
            if name not in binding
            else term(
                {"uri": "iri", "bnode": "bnode"}.get(binding[name]["type"], "literal"),
                binding[name]["value"],
                binding[name].get("datatype"),
                binding[name].get("xml:lang"),
            )
            for name in names
        )
        for binding in results["results"]["bindings"]
    ]
    return Answer("select", names, rows)


def from_oxigraph(node) -> tuple | None:
    if node is None:
        return None
    if isinstance(node, ox.NamedNode):
        return term("iri", node.value)
    if isinstance(node, ox.BlankNode):
        return term("bnode", node.value)
    return term("literal", node.value, node.datatype.value, node.language)


def from_rdflib(node) -> tuple | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return term("iri", str(node))
    if isinstance(node, BNode):
        return term("bnode", str(node))
    assert isinstance(node, Literal)
    return term("literal", str(node), str(node.datatype) if node.datatype else None, node.language)


def ask_oxigraph(store: ox.Store | OpenStore, text: str) -> Answer:
    # No predeclared prefixes: an example must declare every prefix it uses to run anywhere.
    # The in-memory store's default graph holds the union of the named graphs (engine.py); the
    # on-disk store reads its disjoint named graphs with the union view (store.py).
    if isinstance(store, OpenStore):
        result = store.store.query(text, use_default_graph_as_union=store.union_view)
    else:
        result = store.query(text)
    if isinstance(result, ox.QueryBoolean):
        return Answer("ask", boolean=bool(result))
    if isinstance(result, ox.QueryTriples):
        data = ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES)
        return Answer("graph", graph=Graph().parse(data=data, format="nt"))
    names = [v.value for v in result.variables]
    rows = [tuple(from_oxigraph(solution[name]) for name in names) for solution in result]
    return Answer("select", names, rows)


def ask_rdflib(dataset: Dataset, text: str) -> Answer:
    result = dataset.query(text)
    if result.type == "ASK":
        return Answer("ask", boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = Graph()
        for triple in result.graph:
            graph.add(triple)
        return Answer("graph", graph=graph)
    names = [str(v) for v in result.vars]
    rows = [tuple(from_rdflib(row[name]) for name in names) for row in result]
    return Answer("select", names, rows)


def csv_cell(node: tuple | None) -> str:
    """The W3C CSV form of a term: IRIs and literals as text, blank nodes as _:, unbound empty."""
    if node is None:
        return ""
    if node[0] == "number":
        return format(node[1], "f")
    return "_:" if node[0] == "bnode" else str(node[1])


def comparable(cell: str):
    """Numbers compare by value; blank node labels are not compared."""
    if NUMERIC.match(cell):
        try:
            return ("n", Decimal(cell).normalize())
        except InvalidOperation:
            pass
    return ("s", "_:" if cell.startswith("_:") else cell)


def same_rows(
    actual: list[list[str]], expected: list[list[str]], keep_order: bool
) -> tuple[list, list]:
    a = [tuple(comparable(c) for c in row) for row in actual]
    e = [tuple(comparable(c) for c in row) for row in expected]
    return (a, e) if keep_order else (sorted(a), sorted(e))


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def expected_path(query: Path, kind: str) -> Path:
    return query.with_suffix({"select": ".csv", "ask": ".srj", "graph": ".ttl"}[kind])


def write_expected(query: Path, answer: Answer, keep_order: bool, store: ox.Store) -> None:
    """Rewrite the expected file from Oxigraph (unordered rows sorted, so that diffs stay small)."""
    for suffix in (".csv", ".srj", ".ttl"):
        query.with_suffix(suffix).unlink(missing_ok=True)
    path = expected_path(query, answer.kind)
    if answer.kind == "ask":
        path.write_text(
            json.dumps({"head": {}, "boolean": answer.boolean}) + "\n", encoding="utf-8"
        )
    elif answer.kind == "graph":
        path.write_text(serialize_graph(answer.graph, "ttl"), encoding="utf-8")
    else:
        # The engine's own W3C CSV, so that numbers keep their lexical form.
        text = query.read_text(encoding="utf-8")
        out = store.query(text).serialize(format=ox.QueryResultsFormat.CSV)
        header, *rows = list(csv.reader(io.StringIO(out.decode("utf-8"), newline="")))
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")  # RFC 4180, as W3C CSV says
            writer.writerows([header, *(rows if keep_order else sorted(rows))])


def assert_matches_expected(
    answer: Answer, query: Path, keep_order: bool, engine_name: str
) -> None:
    path = expected_path(query, answer.kind)
    assert path.is_file(), (
        f"{query.name} has no expected file {path.name}: run pytest --update-expected"
    )
    if answer.kind == "ask":
        expected = json.loads(path.read_text(encoding="utf-8"))["boolean"]
        assert answer.boolean == expected, f"{engine_name} answers {answer.boolean}"
    elif answer.kind == "graph":
        assert_isomorphic(answer.graph, Graph().parse(path, format="turtle"), engine_name)
    else:
        header, rows = read_csv(path)
        assert answer.variables == header, f"{engine_name}: variables differ"
        actual = [[csv_cell(node) for node in row] for row in answer.rows]
        got, want = same_rows(actual, rows, keep_order)
        assert got == want, f"{engine_name} differs from {path.name}:\n" + row_diff(got, want)


def assert_isomorphic(actual: Graph, expected: Graph, what: str) -> None:
    assert len(expected) > 0, "the expected graph is empty"
    if to_isomorphic(actual) == to_isomorphic(expected):
        return
    _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
    lines = [f"- {' '.join(t.n3() for t in tr)}" for tr in sorted(only_expected)]
    lines += [f"+ {' '.join(t.n3() for t in tr)}" for tr in sorted(only_actual)]
    pytest.fail(
        f"{what}: graphs differ (- expected only, + actual only):\n" + "\n".join(lines[:60])
    )


def row_diff(got: list, want: list) -> str:
    missing = [row for row in want if row not in got]
    extra = [row for row in got if row not in want]
    lines = [f"- {[v for _, v in row]}" for row in missing] + [
        f"+ {[v for _, v in row]}" for row in extra
    ]
    return "\n".join(lines[:60]) or "(the same rows in a different order)"


@pytest.fixture(scope="session")
def oxigraph_store(kg) -> ox.Store:
    return engine.store_from_kg(kg)


@pytest.fixture(scope="session")
def disk_store(kg, tmp_path_factory) -> OpenStore:
    """The graph in an on-disk store, as `query` and `serve` open a large graph."""
    nquads = engine._nquads(kg)
    return open_store(ensure_store("test", lambda: nquads, tmp_path_factory.mktemp("stores")))


@pytest.fixture(scope="session")
def rdflib_dataset(kg) -> Dataset:
    dataset = Dataset(default_union=True)
    for name, graph in kg.graphs().items():
        named = dataset.graph(name)
        for triple in graph:
            named.add(triple)
    return dataset


def test_the_catalogue_has_at_least_25_examples():
    assert len(QUERIES) >= 25, [q.name for q in QUERIES]


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_example_gives_its_expected_answer_on_oxigraph_and_rdflib(
    query, oxigraph_store, disk_store, rdflib_dataset, request
):
    text = query.read_text(encoding="utf-8")
    keep_order = ordered(text)
    oxigraph = ask_oxigraph(oxigraph_store, text)
    if request.config.getoption("--update-expected"):
        write_expected(query, oxigraph, keep_order, oxigraph_store)
    assert_matches_expected(oxigraph, query, keep_order, "Oxigraph")
    rdflib = ask_rdflib(rdflib_dataset, text)
    assert_matches_expected(rdflib, query, keep_order, "rdflib")
    assert_matches_expected(ask_oxigraph(disk_store, text), query, keep_order, "on-disk store")
    if oxigraph.kind == "select":  # stricter than CSV: datatypes and language tags too
        got, want = oxigraph.rows, rdflib.rows
        if not keep_order:
            got, want = sorted(got, key=repr), sorted(want, key=repr)
        assert got == want, "Oxigraph and rdflib give different terms"


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_example_states_its_question_in_zh_and_en(query):
    (example,) = [e for e in examples() if e.path == query]
    assert example.question_zh and example.question_en, (
        f"{query.name}: header needs '# zh:' and '# en:'"
    )


def test_every_expected_file_has_its_query():
    queries = {q.stem for q in QUERIES}
    folder = resources.resource_dir("queries")
    orphans = [
        p.name
        for p in folder.iterdir()
        if p.suffix in (".csv", ".srj", ".ttl") and p.stem not in queries
    ]
    assert not orphans


# ---------------------------------------------------------------- guian-kg query / examples


@pytest.fixture(scope="session")
def runner(tmp_path_factory) -> CliRunner:
    """A CLI runner whose query cache lives in a temporary folder shared by the session."""
    return CliRunner(env={"GUIAN_KG_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))})


def invoke(runner: CliRunner, args: list[str], stdin: str | None = None, code: int = 0):
    result = runner.invoke(cli, args, input=stdin)
    assert result.exit_code == code, result.output + (result.stderr or "")
    return result


def rows_of(solutions) -> tuple[list[str], list[list[str]]]:
    names = [v.value for v in solutions.variables]
    return names, [[csv_cell(from_oxigraph(s[n])) for n in names] for s in solutions]


def assert_rows_equal_expected(header: list[str], rows: list[list[str]], name: str) -> None:
    query = resources.resource_dir("queries") / f"{name}.rq"
    want_header, want = read_csv(query.with_suffix(".csv"))
    assert header == want_header
    got, want = same_rows(rows, want, ordered(query.read_text(encoding="utf-8")))
    assert got == want, row_diff(got, want)


def test_query_by_name_prints_csv_of_the_expected_rows(runner):
    out = invoke(runner, ["query", "timeline"]).stdout
    header, *rows = list(csv.reader(io.StringIO(out, newline="")))
    assert_rows_equal_expected(header, rows, "timeline")


def test_query_by_file_and_from_stdin_answer_as_by_name(runner, tmp_path):
    text = (resources.resource_dir("queries") / "cohort-sizes.rq").read_text(encoding="utf-8")
    (tmp_path / "mine.rq").write_text(text, encoding="utf-8")
    by_name = invoke(runner, ["query", "cohort-sizes"]).stdout
    assert invoke(runner, ["query", str(tmp_path / "mine.rq")]).stdout == by_name
    assert invoke(runner, ["query", "-"], stdin=text).stdout == by_name


@pytest.mark.parametrize("fmt", ["tsv", "json", "xml"])
def test_select_results_in_each_w3c_format_parse_back_to_the_expected_rows(runner, fmt):
    out = invoke(runner, ["query", "enforcement-cases-2024", "--format", fmt]).stdout_bytes
    parsed = ox.parse_query_results(out, format=getattr(ox.QueryResultsFormat, fmt.upper()))
    assert_rows_equal_expected(*rows_of(parsed), "enforcement-cases-2024")


def test_table_shows_every_variable_and_row(runner):
    out = invoke(runner, ["query", "enforcement-cases-2024", "--format", "table"]).stdout
    assert out.split()[:4] == ["bureau", "bureau_zh", "bureau_en", "cases"]
    assert "42300" in out and "合计" in out and out.rstrip().endswith("(5 rows)")


@pytest.mark.parametrize("fmt", ["json", "xml", "table", "csv"])
def test_ask_results_say_true(runner, fmt):
    out = invoke(runner, ["query", "parts-add-up", "--format", fmt]).stdout_bytes
    if fmt in ("json", "xml"):
        out = (
            b"true"
            if bool(ox.parse_query_results(out, format=getattr(ox.QueryResultsFormat, fmt.upper())))
            else b""
        )
    assert out.strip() == b"true"


@pytest.mark.parametrize(
    "fmt, rdf_format", [("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")]
)
def test_graph_results_in_each_format_parse_back_to_the_expected_graph(runner, fmt, rdf_format):
    out = invoke(runner, ["query", "about-an-organisation", "--format", fmt]).stdout
    expected = Graph().parse(resources.resource_dir("queries") / "about-an-organisation.ttl")
    assert_isomorphic(Graph().parse(data=out, format=rdf_format), expected, f"--format {fmt}")


def test_a_format_that_does_not_fit_the_result_exits_2(runner):
    result = invoke(runner, ["query", "timeline", "--format", "turtle"], code=2)
    assert "does not fit" in result.stderr


def test_data_option_queries_any_rdf_file_and_keeps_named_graphs(runner, tmp_path):
    (tmp_path / "a.ttl").write_text(
        '<http://example.org/a> <http://example.org/p> "一" .\n', encoding="utf-8"
    )
    (tmp_path / "b.nq").write_text(
        '<http://example.org/b> <http://example.org/p> "二" <http://example.org/g> .\n',
        encoding="utf-8",
    )
    text = "SELECT ?s ?g WHERE { { ?s ?p ?o } OPTIONAL { GRAPH ?g { ?s ?p ?o } } }"
    args = ["query", "-", "--data", str(tmp_path / "a.ttl"), "--data", str(tmp_path / "b.nq")]
    header, *rows = list(
        csv.reader(io.StringIO(invoke(runner, args, stdin=text).stdout, newline=""))
    )
    assert header == ["s", "g"]
    assert sorted(rows) == [
        ["http://example.org/a", ""],
        ["http://example.org/b", "http://example.org/g"],
    ]


def test_malformed_data_file_names_file_and_line_and_exits_2(runner, tmp_path):
    (tmp_path / "bad.ttl").write_text(
        "<http://example.org/a> <http://example.org/p> .\n", encoding="utf-8"
    )
    result = invoke(runner, ["query", "-", "--data", str(tmp_path / "bad.ttl")], "ASK {}", code=2)
    assert "bad.ttl:1:" in result.stderr


def test_syntax_error_prints_line_and_column_and_exits_2(runner):
    text = "SELECT ?d\nWHERE {\n  ?d a gk:Designation .\n  FILTER(?d = )\n}\n"
    result = invoke(runner, ["query", "-"], stdin=text, code=2)
    assert re.search(r"<stdin>:4:\d+: SPARQL syntax error", result.stderr), result.stderr


def test_unknown_example_exits_2_and_suggests_a_name(runner):
    result = invoke(runner, ["query", "timelin"], code=2)
    assert "Did you mean: timeline" in result.stderr


def test_examples_lists_every_query_with_its_question(runner):
    out = invoke(runner, ["examples"]).stdout
    for example in examples():
        assert f"{example.name}\n  {example.question_en}\n  {example.question_zh}\n" in out


def test_query_starts_without_importing_rdflib_or_pyshacl(runner):
    invoke(runner, ["query", "designations-per-year"])  # fills the cache
    code = (
        "import sys; from guian_kg.cli import cli\n"
        "cli.main(['query', 'designations-per-year'], standalone_mode=False)\n"
        "heavy = sorted(m for m in ('rdflib', 'pyshacl') if m in sys.modules)\n"
        "assert not heavy, heavy"
    )
    env = {**os.environ, **runner.env}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)


def test_cache_key_changes_when_a_data_file_changes(tmp_path, monkeypatch):
    data = tmp_path / "one.ttl"
    data.write_text("# one\n", encoding="utf-8")
    monkeypatch.setattr(resources, "data_files", lambda: [data])
    before = engine.input_key()
    data.write_text("# two, longer\n", encoding="utf-8")
    assert engine.input_key() != before


def test_a_query_with_service_is_refused_before_anything_is_fetched(runner):
    """Regression: Oxigraph evaluates SERVICE by fetching the endpoint; guian-kg talks to no server."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        text = f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        result = runner.invoke(cli, ["query", "-"], input=text)
        assert result.exit_code == 2, result.output
        assert "SERVICE" in result.stderr
        with pytest.raises(TimeoutError):
            listener.accept()


def test_a_triple_held_by_two_named_graphs_counts_once_in_the_default_graph(tmp_path, runner):
    quads = tmp_path / "two.nq"
    quads.write_text(
        "<http://ex/s> <http://ex/p> <http://ex/o> <http://ex/g1> .\n"
        "<http://ex/s> <http://ex/p> <http://ex/o> <http://ex/g2> .\n"
    )
    result = runner.invoke(
        cli,
        ["query", "-", "--data", str(quads), "--format", "csv"],
        input="SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "1"


def test_a_new_cache_deletes_only_cache_files_that_carry_guian_kgs_mark(tmp_path, monkeypatch):
    """Regression: every graph-*.nq in the cache folder (which GUIAN_KG_CACHE_DIR may point anywhere)
    was deleted when a new cache was written."""
    old_key = "0123456789abcdef"
    ours = tmp_path / f"graph-{old_key}.nq"
    ours.write_text(f"# guian-kg query cache {old_key}\n<a:s> <a:p> <a:o> .\n")
    users = tmp_path / "graph-my-own.nq"
    users.write_text("<a:s> <a:p> <a:o> .\n")
    forged = tmp_path / "graph-fedcba9876543210.nq"
    forged.write_text(f"# guian-kg query cache {old_key}\n")  # the mark of another key
    linked = tmp_path / "graph-aaaaaaaaaaaaaaaa.nq"
    linked.symlink_to(users)
    store = engine.project_store(tmp_path)
    assert len(store) > 3000
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([f"graph-{engine.input_key()}.nq", users.name, forged.name, linked.name])
    assert users.read_text() == "<a:s> <a:p> <a:o> .\n"
    # The cache it wrote carries the mark and loads again.
    written = tmp_path / f"graph-{engine.input_key()}.nq"
    assert written.read_text(encoding="utf-8").startswith("# guian-kg query cache ")
    assert len(engine.project_store(tmp_path)) == len(store)


def test_a_large_graph_is_queried_from_an_on_disk_store_made_once(tmp_path, monkeypatch):
    """Past STORE_THRESHOLD the graph goes to a store in the cache, opened read-only after."""
    monkeypatch.setattr(stores, "STORE_THRESHOLD", 0)
    opened = engine.project_store(tmp_path)
    assert isinstance(opened, OpenStore) and opened.union_view  # the build's graphs are disjoint
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert [int(s["n"].value) for s in engine.run(opened, count)] == [6591]
    key = engine.input_key()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"graph-{key}.nq", f"store-{key}"]
    again = engine.project_store(tmp_path)  # opened, not made again
    assert [int(s["n"].value) for s in engine.run(again, count)] == [6591]


def test_a_store_of_graphs_that_share_triples_copies_their_union_once(tmp_path):
    shared = "<http://e/s> <http://e/p> <http://e/o>"
    nquads = f"{shared} <http://e/g1> .\n{shared} <http://e/g2> .\n".encode()
    opened = open_store(ensure_store("k", lambda: nquads, tmp_path))
    assert opened.union_view is False
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert [int(s["n"].value) for s in engine.run(opened, count)] == [1]


def test_the_store_cache_touches_no_folder_without_its_mark(tmp_path):
    users = tmp_path / "store-0000000000000000"
    users.mkdir()
    (users / "notes.txt").write_text("mine")
    for key in ("a", "b", "c", "d"):
        ensure_store(
            key, lambda: b"<http://e/s> <http://e/p> <http://e/o> <http://e/g> .\n", tmp_path
        )
    left = sorted(p.name for p in tmp_path.iterdir())
    assert "store-0000000000000000" in left and (users / "notes.txt").read_text() == "mine"
    assert len([n for n in left if n.startswith("store-") and n != users.name]) == 3  # KEEP


def test_a_store_a_process_has_open_is_kept_past_keep_until_it_is_closed(tmp_path):
    def make(key: str) -> Path:
        quad = f"<http://e/{key}> <http://e/p> <http://e/o> <http://e/g> .\n".encode()
        made = ensure_store(key, lambda: quad, tmp_path)
        os.utime(made, (1000 + len(list(tmp_path.iterdir())),) * 2)  # made in this order
        return made

    first = make("a")
    opened = open_store(first)  # as `serve --dist` holds it (a shared lock on its mark)
    for key in ("b", "c", "d", "e"):
        make(key)
    assert first.is_dir()  # past KEEP, but open
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert [int(s["n"].value) for s in engine.run(opened, count)] == [1]
    del opened  # closed: the next build may drop it
    make("f")
    assert not first.exists()
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("store-")]) == 3

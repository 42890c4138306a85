"""The examples in Apache Jena TDB2 and Virtuoso 7 as Debian packages them, loaded as the README's
"Loading into triple stores" shows: each README command block runs as written (with this test's
ports and folders), then every example is checked against its expected file, and every graph is
read back to show the store kept each literal as published.

Missing stores fail the tests under CI (`.ci/run` installs them) and skip them elsewhere.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from conftest import require_installed, stop_process
from rdflib import Graph, URIRef
from test_queries import (
    QUERIES,
    Answer,
    assert_matches_expected,
    expected_path,
    from_sparql_json,
    ordered,
)

from guian_kg import load as loading
from guian_kg import resources
from guian_kg.verify import compare

ROOT = Path(__file__).resolve().parents[1]
JENA_CORE = Path("/usr/share/java/jena-core.jar")
GRAPH_NAMES = ("ontology", "data", "void")
PASSWORD = "dba"  # a fresh Virtuoso database's dba password
RESULTS = {".csv": "JSON", ".srj": "JSON", ".ttl": "NT"}  # tdb2.tdbquery --results=
ACCEPT = {
    ".csv": "application/sparql-results+json",
    ".srj": "application/sparql-results+json",
    ".ttl": "application/n-triples",
}


def require(found: object, what: str) -> None:
    """Fail under CI, skip elsewhere, when a store is not installed."""
    require_installed(found, f"{what} is not installed (.ci/run installs it with apt-get)")


def readme_blocks(heading: str) -> list[str]:
    """The ```sh blocks of the README subsection whose heading starts with `### {heading}`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"\n### {heading}", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.DOTALL)


def workdir(path: Path, dist: Path) -> Path:
    """A folder laid out as the README's commands expect: dist/ and queries/."""
    (path / "dist").symlink_to(dist)
    (path / "queries").symlink_to(resources.resource_dir("queries"))
    return path


def published_graphs(dist: Path) -> dict[str, bytes]:
    """Each named graph of dist/guian-kg.nq as N-Triples."""
    quads = ox.parse(path=dist / "guian-kg.nq", format=ox.RdfFormat.N_QUADS)
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in quads:
        graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    return {
        name: ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        for name, triples in sorted(graphs.items())
    }


def answer_from(body: bytes, suffix: str) -> Answer:
    """An Answer from SPARQL JSON results or N-Triples; Virtuoso's ASK is a SELECT of __ASK_RETVAL."""
    if suffix == ".ttl":
        return Answer("graph", graph=Graph().parse(data=body.decode("utf-8"), format="nt"))
    answer = from_sparql_json(json.loads(body))
    if suffix == ".srj" and answer.variables == ["__ASK_RETVAL"]:  # Virtuoso 7: a row of 1 for true
        assert answer.rows in ([], [(("number", 1),)]), answer.rows
        return Answer("ask", boolean=bool(answer.rows))
    return answer


def check_example(query: Path, body: bytes, store: str) -> None:
    (path,) = [query.with_suffix(s) for s in RESULTS if query.with_suffix(s).is_file()]
    answer = answer_from(body, path.suffix)
    assert expected_path(query, answer.kind) == path, (
        f"{store}: {query.name} answered a {answer.kind}"
    )
    text = query.read_text(encoding="utf-8")
    assert_matches_expected(answer, query, ordered(text), store)


def assert_identical(sent: bytes, stored: bytes, what: str) -> None:
    comparison = compare(sent, stored)
    assert comparison.identical, (
        f"{what}: {comparison.missing} missing {comparison.missing_examples}, "
        f"{comparison.extra} added {comparison.extra_examples}, changed {comparison.changed}"
    )


# ---------------------------------------------------------------- Apache Jena TDB2


@pytest.fixture(scope="module")
def jena(dist, tmp_path_factory) -> Path:
    """The README's Jena block run as written, then every example through its tdb2.tdbquery line.

    Answers land in answers/NAME; the block's own output (the timeline as CSV) in answers/readme.
    """
    require(shutil.which("java") and JENA_CORE.is_file(), "Debian's Jena (libapache-jena-java)")
    work = workdir(tmp_path_factory.mktemp("jena"), dist)
    (block,) = readme_blocks("Apache Jena TDB2")
    query_line = block.rstrip().splitlines()[-1]
    assert "queries/timeline.rq --results=CSV" in query_line, query_line
    lines = [block, "mkdir -p answers"]
    for query in QUERIES:
        (suffix,) = [s for s in RESULTS if query.with_suffix(s).is_file()]
        lines.append(
            query_line.replace("queries/timeline.rq", f"queries/{query.name}").replace(
                "--results=CSV", f"--results={RESULTS[suffix]}"
            )
            + f" > answers/{query.stem}"
        )
    for name in GRAPH_NAMES:  # each graph read back as N-Triples
        (work / f"read-{name}.rq").write_text(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://w3id.org/guian-kg/graph/"
            f"{name}> {{ ?s ?p ?o }} }}\n"
        )
        lines.append(
            f"tdb2.tdbquery --loc guian-tdb --query read-{name}.rq --results=NT > answers/{name}.nt"
        )
    (work / "run.sh").write_text("\n".join(lines) + "\n")
    # The commands as written; the JVM told to start quickly (C1 only, serial GC) for 40 short
    # runs: 55 s instead of 93 s here.
    env = {**os.environ, "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "run.sh"], cwd=work, env=env, capture_output=True, timeout=600
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    (work / "answers" / "readme").write_bytes(done.stdout)
    return work / "answers"


def test_the_readme_jena_recipe_loads_and_answers_the_timeline(jena):
    expected = resources.resource_dir("queries") / "timeline.csv"
    assert read_rows((jena / "readme").read_text(encoding="utf-8")) == read_rows(
        expected.read_text(encoding="utf-8")
    )


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_every_example_gives_its_expected_answer_in_jena_tdb2(jena, query):
    check_example(query, (jena / query.stem).read_bytes(), "Jena TDB2")


def test_jena_tdb2_keeps_every_literal_as_published(jena, dist):
    for name, sent in published_graphs(dist).items():
        stored = (jena / f"{name.rsplit('/', 1)[1]}.nt").read_bytes()
        assert_identical(sent, stored, f"Jena TDB2, {name}")


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    return header, rows


# ---------------------------------------------------------------- Virtuoso 7


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Virtuoso:
    """`virtuoso-t` on 127.0.0.1 with a database folder of its own; `dirs_allowed` for ld_dir."""

    def __init__(self, folder: Path, dirs_allowed: Path):
        self.folder = folder
        self.sql_port, self.http_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        (folder / "virtuoso.ini").write_text(
            f"""[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{self.sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {dirs_allowed}
[HTTPServer]
ServerPort = 127.0.0.1:{self.http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 10
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
""",
            encoding="utf-8",
        )
        with open(folder / "stdout.log", "wb") as log:  # a file: a pipe could fill and block it
            self.process = subprocess.Popen(
                ["virtuoso-t", "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                cwd=folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"virtuoso-t exited: {(folder / 'virtuoso.log').read_text()}")
            try:
                if httpx.get(
                    f"{self.url}/sparql", params={"query": "ASK {}"}, timeout=5
                ).is_success:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"Virtuoso did not answer on {self.url}")

    def readme(self, block: str, cwd: Path) -> subprocess.CompletedProcess:
        """A README command block run with bash, on this server's ports."""
        script = block.replace("127.0.0.1:1111", f"127.0.0.1:{self.sql_port}")
        script = script.replace("127.0.0.1:8890", f"127.0.0.1:{self.http_port}")
        env = {
            **os.environ,
            "DBA_PASSWORD": PASSWORD,
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        }
        return subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=cwd,
            env=env,
            capture_output=True,
            timeout=300,
        )

    def ask(self, query: Path, accept: str) -> bytes:
        response = httpx.post(
            f"{self.url}/sparql",
            data={"query": query.read_text(encoding="utf-8")},
            headers={"Accept": accept},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.content

    def graph(self, name: str) -> bytes:
        response = httpx.get(
            f"{self.url}/sparql-graph-crud-auth",
            params={"graph": name},
            headers={"Accept": "application/n-triples"},
            auth=httpx.DigestAuth("dba", PASSWORD),
            timeout=60,
        )
        response.raise_for_status()
        return response.content

    def stop(self) -> None:
        stop_process(self.process, 30)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory) -> Iterator:
    """Start Virtuoso servers: start(dirs_allowed); every one is stopped at the end."""
    require(shutil.which("virtuoso-t") and shutil.which("isql-vt"), "virtuoso-opensource")
    started: list[Virtuoso] = []

    def start(dirs_allowed: Path) -> Virtuoso:
        started.append(Virtuoso(tmp_path_factory.mktemp("virtuoso"), dirs_allowed))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def virtuoso_bulk(virtuoso, dist, tmp_path_factory) -> Virtuoso:
    """A Virtuoso loaded by the README's isql-vt block (ld_dir, rdf_loader_run, checkpoint)."""
    work = workdir(tmp_path_factory.mktemp("bulk"), dist)
    server = virtuoso(work / "dist")
    bulk, _ = readme_blocks("Virtuoso 7")
    done = server.readme(bulk, work)
    out = done.stdout.decode(errors="replace")
    assert done.returncode == 0 and "*** Error" not in out, out + done.stderr.decode()
    assert "0 Rows." in out, out  # the block's last statement: no file the loader failed on
    return server


@pytest.fixture(scope="module")
def virtuoso_http(virtuoso, dist, tmp_path_factory) -> tuple[Virtuoso, subprocess.CompletedProcess]:
    """A Virtuoso loaded by the README's `guian-kg load … --digest` block, and what the block did."""
    work = workdir(tmp_path_factory.mktemp("http"), dist)
    server = virtuoso(work / "dist")
    _, over_http = readme_blocks("Virtuoso 7")
    done = server.readme(over_http, work)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return server, done


@pytest.fixture(params=["bulk", "http"])
def loaded_virtuoso(request) -> Virtuoso:
    if request.param == "bulk":
        return request.getfixturevalue("virtuoso_bulk")
    return request.getfixturevalue("virtuoso_http")[0]


@pytest.mark.integration
@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_every_example_gives_its_expected_answer_in_virtuoso(loaded_virtuoso, query):
    (suffix,) = [s for s in ACCEPT if query.with_suffix(s).is_file()]
    check_example(query, loaded_virtuoso.ask(query, ACCEPT[suffix]), "Virtuoso 7")


@pytest.mark.integration
def test_virtuoso_keeps_every_literal_of_the_bulk_load_as_published(virtuoso_bulk, dist):
    for name, sent in published_graphs(dist).items():
        assert_identical(sent, virtuoso_bulk.graph(name), f"Virtuoso, {name}")


@pytest.mark.integration
def test_the_readme_load_into_virtuoso_reads_every_graph_back_identical(virtuoso_http, dist, kg):
    _, done = virtuoso_http
    stderr = done.stderr.decode()
    summaries = [line for line in stderr.splitlines() if line.startswith("read back ")]
    assert summaries == [
        f"read back {len(graph):,} triples of {name}: identical"
        for name, graph in kg.graphs().items()
    ]
    assert "warning" not in stderr
    # The block's curl: the timeline as CSV, the same rows as the expected file.
    expected = resources.resource_dir("queries") / "timeline.csv"
    rows = read_rows(done.stdout.decode("utf-8").split("\n", 3)[-1])  # after load's 3 lines
    assert rows == read_rows(expected.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- literals a store rewrites

XSD = "http://www.w3.org/2001/XMLSchema#"
REWRITTEN = (
    "<urn:example:s> <urn:example:big> "
    f'"70000000000"^^<{XSD}integer> .\n'
    f'<urn:example:s> <urn:example:exa> "1e+18"^^<{XSD}double> .\n'
)


@pytest.mark.integration
@pytest.mark.parametrize(
    "store, changed",
    [
        ("oxigraph", [('"1e+18"', f'"1000000000000000000"^^<{XSD}double>')]),
        ("virtuoso", [('"70000000000"', f'"70000000000"^^<{XSD}decimal>')]),
    ],
)
def test_load_names_each_literal_oxigraph_or_virtuoso_rewrites(
    store, changed, request, oxigraph_server, virtuoso, tmp_path
):
    """The literals the project's graph no longer holds, loaded into the real stores."""
    graph = Graph().parse(data=REWRITTEN, format="nt")
    name = "urn:example:rewritten"
    if store == "oxigraph":
        connection = loading.Connection(f"{oxigraph_server}/store", f"{oxigraph_server}/query")
    else:
        server = virtuoso(tmp_path)
        connection = loading.Connection(
            f"{server.url}/sparql-graph-crud-auth",
            f"{server.url}/sparql-auth",
            auth=httpx.DigestAuth("dba", PASSWORD),
        )
    report = loading.load_into_store(loading.uploads({URIRef(name): graph}), connection)
    (result,) = report.graphs
    assert [(c.sent.split("^^")[0], c.stored) for c in result.changed] == changed
    assert report.warnings() == [f"the store changed a literal: {c}" for c in result.changed]
    assert result.summary() == f"read back 2 triples of {name}: 1 literal changed by the store"

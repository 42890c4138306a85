"""No file makes guian-kg fetch anything: `validate FILE`, `build --data FILE`, `query --data FILE`.

A real TCP listener on 127.0.0.1 stands in for a remote host; it answers like a web server with a
valid JSON-LD context, so that a fetch would succeed (and be seen), not fail quietly. Each input
that names a document outside itself must be refused before any connection, with exit 2 and a
message that names the file and the URL.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyld.jsonld as pyld
import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef

from guian_kg import offline
from guian_kg.cli import cli
from guian_kg.errors import ExternalReferenceRefused
from guian_kg.read import parse_file
from guian_kg.resources import resource_dir

PROJECT_CONTEXT = "https://w3id.org/guian-kg/context.jsonld"
RDF_XML_BODY = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n'
    '  <rdf:Description rdf:about="http://example.org/s"><ex:p>v{ref}</ex:p></rdf:Description>\n'
    "</rdf:RDF>\n"
)


class Listener:
    """A TCP server on 127.0.0.1, port 0, in a thread; records every connection it accepts."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.server.settimeout(0.05)  # so that the thread notices `close` (accept would not wake)
        self.connections: list[bytes] = []  # the first bytes each client sent
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def _serve(self) -> None:
        body = json.dumps({"@context": {"name": "http://example.org/leaked"}}).encode()
        while not self.closed.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    self.connections.append(conn.recv(4096))
                    conn.sendall(
                        b"HTTP/1.0 200 OK\r\nContent-Type: application/ld+json\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                    )
                except OSError:
                    self.connections.append(b"")

    def close(self) -> None:
        self.closed.set()
        self.thread.join(timeout=5)
        self.server.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def no_default_loader(monkeypatch):
    """PyLD's own document loader (which fetches over HTTP) must never be reached."""

    def refuse(url, options=None):
        pytest.fail(f"PyLD's default document loader was asked for {url}")

    monkeypatch.setattr(pyld, "_default_document_loader", refuse)


# Files opened by this process while `_OPENED` is a list: proves a file: context is not even read.
_OPENED: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _OPENED is not None and isinstance(args[0], (str, bytes, Path)):
        _OPENED.append(str(args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def opened() -> Iterator[list[str]]:
    global _OPENED
    _OPENED = []
    yield _OPENED
    _OPENED = None


# ---------------------------------------------------------------- the vectors


@dataclass(frozen=True)
class Vector:
    """A file that names a document outside itself, and what guian-kg must say about it."""

    name: str  # file name, extension included
    text: Callable[[str], str]  # the file's text, given the URL it refers to
    url: Callable[[Listener, Path], str]  # the URL, from the listener or the test's folder
    message: Callable[[str], str]  # the error after "{file}", given the URL


def _jsonld_remote(url: str) -> str:
    return (
        f": refers to the remote context <{url}>; guian-kg fetches nothing: inline the context or "
        f"use the project's context IRI <{PROJECT_CONTEXT}>"
    )


def _remote_context(url: str) -> str:
    return json.dumps({"@context": url, "@id": "http://example.org/s", "name": "v"})


def _imported_context(url: str) -> str:
    context = {"@version": 1.1, "@import": url}
    return json.dumps({"@context": context, "@id": "http://example.org/s", "name": "v"})


def _scoped_context(url: str) -> str:
    context = {"@version": 1.1, "p": {"@id": "http://example.org/p", "@context": url}}
    return json.dumps({"@context": context, "@id": "http://example.org/s", "p": {"name": "v"}})


def _xml_entity(url: str) -> str:
    doctype = f'<!DOCTYPE rdf:RDF [\n  <!ENTITY e SYSTEM "{url}">\n]>\n'
    return '<?xml version="1.0"?>\n' + doctype + RDF_XML_BODY.format(ref="&e;")


def _xml_parameter_entity(url: str) -> str:
    doctype = f'<!DOCTYPE rdf:RDF [\n  <!ENTITY % p SYSTEM "{url}">\n  %p;\n]>\n'
    return '<?xml version="1.0"?>\n' + doctype + RDF_XML_BODY.format(ref="")


def _xml_dtd(url: str) -> str:
    return f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "{url}">\n' + RDF_XML_BODY.format(
        ref=""
    )


def _secret_url(_: Listener, folder: Path) -> str:
    return (folder / "secret" / "context.jsonld").as_uri()


def _fetch_rest(url: str) -> str:
    return f"{url}>; guian-kg fetches nothing and reads no file it was not given"


VECTORS = (
    Vector(
        "remote-context.jsonld",
        _remote_context,
        lambda server, _: server.url("context"),
        _jsonld_remote,
    ),
    Vector(
        "import.jsonld",
        _imported_context,
        lambda server, _: server.url("import"),
        _jsonld_remote,
    ),
    Vector(
        "scoped-context.jsonld",
        _scoped_context,
        lambda server, _: server.url("scoped"),
        _jsonld_remote,
    ),
    Vector(
        "file-context.jsonld",
        _remote_context,
        _secret_url,
        lambda url: (
            f": refers to the context <{url}> outside the file; guian-kg reads no file it "
            f"was not given: inline the context or use the project's context IRI <{PROJECT_CONTEXT}>"
        ),
    ),
    Vector(
        "entity.rdf",
        _xml_entity,
        lambda server, _: server.url("entity"),
        lambda url: (
            f":3: the entity &e; refers to <{_fetch_rest(url)}: write the entity's text in "
            "the file instead"
        ),
    ),
    Vector(
        "file-entity.rdf",
        _xml_entity,
        _secret_url,
        lambda url: (
            f":3: the entity &e; refers to <{_fetch_rest(url)}: write the entity's text in "
            "the file instead"
        ),
    ),
    Vector(
        "parameter-entity.rdf",
        _xml_parameter_entity,
        lambda server, _: server.url("parameter-entity"),
        lambda url: (
            f":3: the entity %p; refers to <{_fetch_rest(url)}: write the entity's text in "
            "the file instead"
        ),
    ),
    Vector(
        "dtd.rdf",
        _xml_dtd,
        lambda server, _: server.url("dtd"),
        lambda url: (
            f":2: the DOCTYPE refers to the external DTD <{_fetch_rest(url)}: remove the "
            "reference (RDF/XML needs no DTD)"
        ),
    ),
)


def write_vector(vector: Vector, server: Listener, folder: Path) -> tuple[Path, str]:
    """The vector's file in `folder` (and, for file: URLs, a readable context it must not read)."""
    url = vector.url(server, folder)
    secret = folder / "secret" / "context.jsonld"
    secret.parent.mkdir(exist_ok=True)
    secret.write_text(json.dumps({"@context": {"name": "http://example.org/leaked"}}))
    path = folder / vector.name
    path.write_text(vector.text(url), encoding="utf-8")
    return path, url


def command_line(command: str, path: Path, folder: Path) -> list[str]:
    return {
        "validate": ["validate", str(path)],
        "build": ["build", "--data", str(path), "--out", str(folder / "out")],
        "query": ["query", "--data", str(path), "-"],
    }[command]


COMMANDS = ("validate", "build", "query")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("vector", VECTORS, ids=[v.name for v in VECTORS])
def test_a_file_naming_a_document_outside_it_is_refused_before_any_connection(
    command, vector, listener, tmp_path, no_default_loader, opened
):
    path, url = write_vector(vector, listener, tmp_path)
    opened.clear()  # the test's own writes
    result = CliRunner().invoke(
        cli, command_line(command, path, tmp_path), input="ASK { ?s ?p ?o }"
    )
    assert listener.connections == []
    assert str(tmp_path / "secret" / "context.jsonld") not in opened
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {path}{vector.message(url)}\n"
    assert result.stdout == ""
    assert isinstance(result.exception, SystemExit)  # no traceback: the CLI exited on purpose
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("vector", [VECTORS[0], VECTORS[4]], ids=["remote-context", "entity"])
def test_a_real_guian_kg_process_refuses_it_too(command, vector, listener, tmp_path):
    path, url = write_vector(vector, listener, tmp_path)
    executable = shutil.which("guian-kg") or str(Path(sys.executable).with_name("guian-kg"))
    done = subprocess.run(
        [executable, *command_line(command, path, tmp_path)],
        input="ASK { ?s ?p ?o }",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listener.connections == []
    assert done.returncode == 2
    assert done.stderr == f"error: {path}{vector.message(url)}\n"
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


# ---------------------------------------------------------------- other ways to name a host


def test_owl_imports_in_data_is_not_followed(listener, tmp_path):
    data = tmp_path / "imports.ttl"
    data.write_text(
        "<http://example.org/o> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
        f"  <http://www.w3.org/2002/07/owl#imports> <{listener.url('ontology')}> .\n"
    )
    runner = CliRunner()
    validated = runner.invoke(cli, ["validate", str(resource_dir("data")), str(data)])
    queried = runner.invoke(
        cli,
        ["query", "--data", str(data), "--format", "csv", "-"],
        input="SELECT ?o { ?s <http://www.w3.org/2002/07/owl#imports> ?o }",
    )
    assert listener.connections == []
    assert validated.exit_code == 0, validated.output
    assert validated.stdout == "Conforms: the graph satisfies every shape.\n"
    assert (queried.exit_code, queried.stdout) == (0, f"o\n{listener.url('ontology')}\n")


def test_a_url_given_as_a_file_is_not_fetched(listener, tmp_path):
    url = listener.url("data.ttl")
    runner = CliRunner()
    validated = runner.invoke(cli, ["validate", url])
    built = runner.invoke(cli, ["build", "--data", url, "--out", str(tmp_path / "out")])
    queried = runner.invoke(cli, ["query", "--data", url, "-"], input="ASK {}")
    assert listener.connections == []
    assert (validated.exit_code, validated.stderr) == (2, f"error: {Path(url)}: no such file\n")
    assert built.exit_code == 2
    assert f"Path '{url}' does not exist" in built.stderr
    assert queried.exit_code == 2
    assert f"File '{url}' does not exist" in queried.stderr


def test_a_local_file_whose_path_looks_like_a_url_is_read_from_disk(
    listener, tmp_path, monkeypatch
):
    """rdflib fetches a location string that is not an existing path; this one exists."""
    monkeypatch.chdir(tmp_path)
    relative = f"http:/127.0.0.1:{listener.port}/data.ttl"
    Path(relative).parent.mkdir(parents=True)
    Path(relative).write_text("<http://example.org/s> <http://example.org/p> 'on disk' .\n")
    graph = parse_file(Path(relative))
    assert listener.connections == []
    assert set(graph) == {
        (URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal("on disk"))
    }


# ---------------------------------------------------------------- what still reads


def test_rdf_xml_with_internal_entities_still_reads(listener, tmp_path):
    path = tmp_path / "internal.rdf"
    doctype = '<!DOCTYPE rdf:RDF [\n  <!ENTITY e "-entity">\n]>\n'
    path.write_text('<?xml version="1.0"?>\n' + doctype + RDF_XML_BODY.format(ref="&e;"))
    expected = {
        (URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal("v-entity"))
    }
    assert set(parse_file(path)) == expected
    result = CliRunner().invoke(
        cli, ["query", "--data", str(path), "--format", "csv", "-"], input="SELECT ?o { ?s ?p ?o }"
    )
    assert (result.exit_code, result.stdout) == (0, "o\nv-entity\n")
    assert listener.connections == []


@pytest.mark.parametrize("name", ["guian-kg.jsonld", "guian-kg.nq", "guian-kg.trig"])
def test_quad_dumps_read_as_the_union_of_their_graphs(dist, kg, name, no_default_loader):
    triples = set(parse_file(dist / name))
    assert triples == set(parse_file(dist / "guian-kg.ttl"))
    assert len(triples) == len(kg.union())


def test_validate_reads_the_published_quads_offline_and_they_conform(
    dist, listener, no_default_loader
):
    result = CliRunner().invoke(cli, ["validate", str(dist / "guian-kg.nq")])
    assert (result.exit_code, result.stdout) == (0, "Conforms: the graph satisfies every shape.\n")


def test_the_framed_designations_read_offline_with_their_context_by_iri(
    dist, kg, no_default_loader
):
    framed = dist / "designations.jsonld"
    assert json.loads(framed.read_text())["@context"][0] == PROJECT_CONTEXT
    graph = parse_file(framed)
    assert len(graph) > 1000
    assert set(graph) <= set(kg.union())
    runner = CliRunner()
    counted = runner.invoke(
        cli,
        ["query", "--data", str(framed), "--format", "csv", "-"],
        input="SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
    )
    assert (counted.exit_code, counted.stdout) == (0, f"n\n{len(graph)}\n")
    # A web page's excerpt, not the whole graph (the article is not in it): it reads, then fails
    # the shapes (exit 1), where it used to end in a network traceback.
    validated = runner.invoke(cli, ["validate", str(framed)])
    assert validated.exit_code == 1
    assert validated.stdout.startswith("Does not conform: ")
    assert validated.stderr == ""


def test_a_json_ld_file_that_is_not_json_names_its_line(tmp_path):
    path = tmp_path / "broken.jsonld"
    path.write_text('{"@id": "http://example.org/s",\n "name": }\n')
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: {path}:2: not JSON: Expecting value (column 10)\n",
    )


def test_a_json_string_is_not_taken_for_a_url_to_load(listener, tmp_path):
    path = tmp_path / "string.jsonld"
    path.write_text(json.dumps(listener.url("document")))
    result = CliRunner().invoke(cli, ["query", "--data", str(path), "-"], input="ASK {}")
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: {path}: a JSON-LD document is a JSON object or array, not str\n",
    )
    assert listener.connections == []


# ---------------------------------------------------------------- the guarantee without the check


def test_rdf_xml_parsers_fetch_no_entity_even_without_the_doctype_check(
    listener, tmp_path, monkeypatch
):
    """Python's SAX (rdflib) leaves external entities unread, Oxigraph rejects their declaration:
    without our check, nothing is fetched, but rdflib silently drops the entity's text."""
    monkeypatch.setattr(offline, "check_xml_doctype", lambda path: None)
    path, _ = write_vector(VECTORS[4], listener, tmp_path)
    assert set(parse_file(path)) == {
        (URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal("v"))
    }
    with pytest.raises(SyntaxError, match="ENTITY values should be enclosed in double quotes"):
        ox.Store().load(path=str(path), format=ox.RdfFormat.RDF_XML)
    dtd, _ = write_vector(VECTORS[7], listener, tmp_path)
    assert len(parse_file(dtd)) == 1
    store = ox.Store()
    store.load(path=str(dtd), format=ox.RdfFormat.RDF_XML)
    assert len(store) == 1
    assert listener.connections == []


def test_why_json_ld_never_goes_to_rdflib_its_parser_fetches_and_reads_files(listener, tmp_path):
    """rdflib 7's JSON-LD parser fetches a remote context with urllib and reads a file: one, and
    has no option to stop it; so guian-kg reads JSON-LD with PyLD and its offline loader only."""
    path, _ = write_vector(VECTORS[0], listener, tmp_path)
    fetched = Graph().parse(path, format="json-ld")
    assert len(listener.connections) == 1
    assert listener.connections[0].startswith(b"GET /context HTTP/1.1\r\n")
    leaked = (URIRef("http://example.org/s"), URIRef("http://example.org/leaked"), Literal("v"))
    assert set(fetched) == {leaked}
    path, _ = write_vector(VECTORS[3], listener, tmp_path)
    assert set(Graph().parse(path, format="json-ld")) == {leaked}


def test_oxigraph_refuses_remote_contexts_without_a_request(listener, tmp_path):
    """What `query --data` did before: Oxigraph has no document loader set, so it refuses (with a
    message that names neither the file nor the URL)."""
    for vector in VECTORS[:4]:
        path, _ = write_vector(vector, listener, tmp_path)
        with pytest.raises(SyntaxError, match="No LoadDocumentCallback has been set"):
            ox.Store().load(path=str(path), format=ox.RdfFormat.JSON_LD)
    assert listener.connections == []


def test_the_refusal_carries_the_file_and_the_url(listener, tmp_path):
    path, url = write_vector(VECTORS[1], listener, tmp_path)
    with pytest.raises(ExternalReferenceRefused) as error:
        offline.jsonld_nquads(path)
    assert (error.value.path, error.value.line, error.value.url) == (path, None, url)
    path, url = write_vector(VECTORS[6], listener, tmp_path)
    with pytest.raises(ExternalReferenceRefused) as error:
        offline.check_xml_doctype(path)
    assert (error.value.path, error.value.line, error.value.url) == (path, 3, url)
    assert listener.connections == []

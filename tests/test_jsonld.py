"""JSON-LD: the context, compacted and framed documents read back by two independent processors
(PyLD and rdflib), framing that drops nothing, and document loaders that never touch the network."""

from __future__ import annotations

import json
import random
import socket
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from pyld import jsonld as pyld
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, XSD

from guian_kg import jsonld
from guian_kg.build import dump_files
from guian_kg.cli import JSONLD_FRAMES, cli
from guian_kg.errors import InputError, RemoteDocumentRefused
from guian_kg.iri import DEFAULT_BASE, Iris
from guian_kg.namespaces import GK, OA, QUDT, prefixes
from guian_kg.write import serialize_dataset, serialize_graph

CONTEXT = jsonld.jsonld_context()
# The terms each frame adds to the project's context: on a web page, `type` is always a list.
FRAME_TERMS = {"@version": 1.1, "type": {"@id": "@type", "@container": "@set"}}
LINKS = (PROV.agent, PROV.hadRole, GK.metric, GK.valueQualifier, GK.timeQualifier, QUDT.hasUnit)


def expand_iri(value: str) -> str:
    """A term, compact IRI or IRI of the context, expanded as a property name."""
    doc = pyld.expand({"@context": CONTEXT, value: "x"})
    return next(iter(doc[0]))


TERMS = {
    term: (definition.get("@id") or definition.get("@reverse"))
    if isinstance(definition, dict)
    else definition
    for term, definition in CONTEXT.items()
    if not term.startswith("@") and term not in prefixes()
}
FORWARD_TERMS = {
    expand_iri(term): term
    for term, definition in CONTEXT.items()
    if term in TERMS
    and not (isinstance(definition, dict) and "@reverse" in definition)
    and not str(TERMS[term]).startswith("@")
}


def full_iri(compact: str) -> str:
    """The IRI of a compact IRI (prefix:local) of the context."""
    prefix, _, local = compact.partition(":")
    return prefixes()[prefix] + local


def union(ds: Dataset) -> Graph:
    graph = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def read_with_rdflib(doc: dict) -> Dataset:
    """rdflib's own JSON-LD parser, the project's context inlined first (rdflib would fetch it)."""
    ds = Dataset()
    ds.parse(data=json.dumps(jsonld.inline_context(doc)), format="json-ld")
    return ds


def assert_isomorphic(actual: Graph, expected: Graph, what: str) -> None:
    assert len(expected) > 1000
    if isomorphic(actual, expected):
        return
    _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
    lines = [f"- {' '.join(t.n3() for t in tr)}" for tr in sorted(only_expected)][:20]
    lines += [f"+ {' '.join(t.n3() for t in tr)}" for tr in sorted(only_actual)][:20]
    pytest.fail(f"{what} differs from the Turtle dump:\n" + "\n".join(lines))


@pytest.fixture(scope="module")
def turtle(kg) -> Graph:
    """The graph as the Turtle dump gives it."""
    return Graph().parse(data=serialize_dataset(kg.graphs(), "ttl"), format="turtle")


@pytest.fixture(scope="module")
def compacted(kg) -> dict:
    return json.loads(jsonld.export(kg.graphs()))


@pytest.fixture(scope="module")
def framed(kg) -> dict[str, dict]:
    return {name: json.loads(jsonld.export(kg.graphs(), frame_name=name)) for name in jsonld.FRAMES}


# ---------------------------------------------------------------- the context


def test_the_context_is_json_ld_1_1_that_pyld_accepts():
    assert CONTEXT["@version"] == 1.1
    assert CONTEXT["id"] == "@id" and CONTEXT["type"] == "@type"
    assert pyld.expand({"@context": CONTEXT, "id": "designation:x", "type": "Designation"}) == [
        {"@id": f"{DEFAULT_BASE}id/designation/x", "@type": [str(GK.Designation)]}
    ]


def test_the_prefix_table_still_reads_only_prefixes_from_the_context():
    table = prefixes()
    assert table["gk"] == str(GK) and table["designation"] == f"{DEFAULT_BASE}id/designation/"
    assert all(ns.endswith(("/", "#")) for ns in table.values())
    assert not set(table) & set(TERMS)


def test_every_ontology_class_and_property_has_a_term(kg):
    defined = {
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in kg.ontology.subjects(RDF.type, kind)
        if str(s).startswith(str(GK))
    }
    assert len(defined) > 30
    missing = sorted(str(s) for s in defined if str(s) not in FORWARD_TERMS)
    assert not missing, f"no term for {missing}"


def test_every_property_and_class_the_data_uses_has_a_term(kg):
    used = set(kg.data.predicates()) - {RDF.type} | set(kg.data.objects(None, RDF.type))
    missing = sorted(str(iri) for iri in used if str(iri) not in FORWARD_TERMS)
    assert not missing, f"no term for {missing}"


@pytest.mark.parametrize(
    "term,iri,kind",
    [
        ("label", "http://www.w3.org/2000/01/rdf-schema#label", {"@container": "@language"}),
        # dates: a plain string under the term of their precision
        ("date", str(GK.date), {"@type": "xsd:date"}),
        ("month", str(GK.date), {"@type": "xsd:gYearMonth"}),
        ("year", str(GK.date), {"@type": "xsd:gYear"}),
        ("issued", str(DCTERMS.issued), {"@type": "xsd:gYearMonth"}),
        ("periodStart", str(GK.periodStart), {"@type": "xsd:date"}),
        ("start", str(OA.start), {}),  # xsd:integer offsets become JSON numbers
        ("value", str(QUDT.value), {}),  # xsd:integer: a JSON number
        ("decimalValue", str(QUDT.value), {"@type": "xsd:decimal"}),  # its exact digits
        ("symbol", str(QUDT.symbol), {}),
        ("hasUnit", str(QUDT.hasUnit), {"@type": "@id"}),
        ("underDesignation", str(GK.designation), {"@type": "@id"}),
    ],
)
def test_terms_are_typed_as_documented(term, iri, kind):
    assert expand_iri(term) == iri
    definition = CONTEXT[term]
    for key, value in kind.items():
        assert definition[key] == value
    if not kind:  # untyped: JSON numbers, or plain strings
        assert "@type" not in definition


def test_the_published_context_is_the_package_context_under_the_base(kg):
    files = dump_files(kg, "http://127.0.0.1:8000/")
    published = json.loads(files["context.jsonld"])
    assert published == {"@context": jsonld.jsonld_context("http://127.0.0.1:8000/")}
    assert published["@context"]["gk"] == "http://127.0.0.1:8000/ontology#"
    assert str(Iris("http://127.0.0.1:8000/").context) == "http://127.0.0.1:8000/context.jsonld"


# ---------------------------------------------------------------- documents read back


def test_the_compacted_dump_reads_back_with_pyld_as_the_turtle(compacted, turtle, kg):
    ds = jsonld.to_dataset(compacted)
    assert_isomorphic(union(ds), turtle, "PyLD's reading of the compacted dump")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert names == {str(name) for name in kg.graphs()}


def test_the_compacted_dump_reads_back_with_rdflib_as_the_turtle(compacted, turtle, kg):
    ds = read_with_rdflib(compacted)
    assert_isomorphic(union(ds), turtle, "rdflib's reading of the compacted dump")
    for name, graph in kg.graphs().items():
        assert isomorphic(ds.graph(name), graph), f"named graph {name}"


def test_dates_keep_their_own_datatype_through_a_round_trip(compacted, turtle):
    ds = jsonld.to_dataset(compacted)
    back = {o.datatype for o in union(ds).objects(None, GK.date)}
    assert (
        back == {o.datatype for o in turtle.objects(None, GK.date)} >= {XSD.gYear, XSD.gYearMonth}
    )
    data = next(g for g in compacted["@graph"] if g["id"] == "graph:data")["@graph"]
    # a plain string under the term of its precision: 2015-11-09, 2015-11, 2015
    for key, length in (("date", 10), ("month", 7), ("year", 4)):
        dates = [node[key] for node in data if key in node]
        assert dates and {len(d) for d in dates} == {length}, key


@pytest.mark.parametrize("name", jsonld.FRAMES)
def test_framed_documents_say_nothing_the_graph_does_not(framed, kg, name):
    graph = kg.ontology + kg.data
    doc = framed[name]
    for processor, ds in (("PyLD", jsonld.to_dataset(doc)), ("rdflib", read_with_rdflib(doc))):
        triples = set(union(ds))
        assert len(triples) > 500, processor
        extra = sorted(t for t in triples if t not in graph)
        assert not extra, f"{processor}: {name} frame states {extra[:5]}"


@pytest.mark.parametrize(
    "name,cls",
    [
        ("designation", GK.Designation),
        ("organization", URIRef("http://www.w3.org/ns/org#Organization")),
        ("observation", GK.Observation),
    ],
)
def test_framed_documents_hold_one_object_per_thing(framed, kg, name, cls):
    ids = [full_iri(node["id"]) for node in framed[name]["@graph"]]
    assert sorted(ids) == sorted(str(s) for s in set(kg.data.subjects(RDF.type, cls)))


def page_graph(node: dict) -> Graph:
    """The triples one object of a framed document states (read alone, with PyLD)."""
    return union(jsonld.to_dataset({"@context": jsonld.context_iri(), **node}))


def test_each_designation_object_holds_all_its_facts(framed, kg):
    graph = kg.ontology + kg.data
    pages = framed["designation"]["@graph"]
    assert len(pages) == len(set(kg.data.subjects(RDF.type, GK.Designation))) > 5
    for node in pages:
        designation = URIRef(full_iri(node["id"]))
        page = page_graph(node)
        involvements = set(graph.objects(designation, GK.involvement))
        facts = set(graph.subjects(GK.designation, designation))
        programmes = set(graph.objects(designation, GK.programme))
        owned = {designation} | involvements | facts | programmes
        quotes = {q for s in owned for q in graph.objects(s, GK.quote)}
        missing = [
            t for s in owned | quotes for t in graph.triples((s, None, None)) if t not in page
        ]
        # the organisations, roles, metrics and qualifiers they point to come with their labels
        linked = {o for s in involvements | facts for p in LINKS for o in graph.objects(s, p)}
        missing += [
            t
            for o in linked
            for p in (RDFS.label, QUDT.symbol)
            for t in graph.triples((o, p, None))
            if t not in page
        ]
        assert not missing, f"{node['id']}: the page lacks {sorted(missing)[:5]}"
        assert facts <= set(page.subjects(GK.designation, designation))


def test_designation_objects_are_plain_json_a_web_page_can_use(framed):
    for node in framed["designation"]["@graph"]:
        assert node["type"] == ["Designation"]
        assert set(node["label"]) == {"zh", "en"} and all(
            isinstance(v, str) for v in node["label"].values()
        )
        for involvement in node.get("involvements", []):
            assert set(involvement["agent"]["label"]) == {"zh", "en"}
            assert set(involvement["hadRole"]["label"]) == {"zh", "en"}
        for fact in node.get("facts", []):
            assert fact["quotes"] and all(q["exact"] for q in fact["quotes"])
            if "Observation" in fact["type"]:
                number = fact.get("value", fact.get("decimalValue"))
                assert isinstance(fact.get("value", 0), int) and number is not None
                assert isinstance(fact.get("decimalValue", ""), str)
                unit = fact["hasUnit"]
                assert set(unit["label"]) == {"zh", "en"} and isinstance(unit["symbol"], str)


# ---------------------------------------------------------------- terms, not IRIs


def walk(value, path="") -> Iterator[tuple[str, str, object]]:
    """(path, key, value) of every key of every object in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key, item
            if key != "@context":
                yield from walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, path)


def documents(compacted, framed) -> list[tuple[str, dict]]:
    return [("compacted", compacted), *framed.items()]


def iri_valued(key: str) -> bool:
    definition = CONTEXT.get(key)
    return key in ("id", "type") or (
        isinstance(definition, dict) and definition.get("@type") == "@id"
    )


def test_no_document_uses_a_full_iri_where_a_prefix_exists(compacted, framed):
    namespaces = tuple(prefixes().values())
    for name, doc in documents(compacted, framed):
        for path, key, value in walk(doc):
            assert not key.startswith(namespaces), f"{name}: key {key} at {path}"
            values = value if isinstance(value, list) else [value]
            for iri in (v for v in values if isinstance(v, str) and iri_valued(key)):
                compactable = any(iri.startswith(ns) and iri != ns for ns in namespaces)
                assert not compactable, f"{name}: {key} = {iri} at {path}"


def test_no_document_uses_a_compact_iri_where_a_term_exists(compacted, framed):
    for name, doc in documents(compacted, framed):
        keys = {key for _, key, _ in walk(doc) if ":" in key and not key.startswith("@")}
        assert keys or name != "compacted", "some properties (void:, owl:) have no term"
        shadowed = sorted(key for key in keys if expand_iri(key) in FORWARD_TERMS)
        assert not shadowed, (
            f"{name}: {shadowed} have a term (a term whose @type does not fit its values?)"
        )
    data = next(g for g in compacted["@graph"] if g["id"] == "graph:data")["@graph"]
    assert not [k for node in data for k in node if ":" in k], (
        "every property of the data graph has a term"
    )


# ---------------------------------------------------------------- output, CLI and build


def test_documents_are_deterministic_whatever_the_order_of_the_triples(kg):
    shuffled = {}
    for name, graph in kg.graphs().items():
        triples = list(graph)
        random.Random(7).shuffle(triples)
        copy = Graph(identifier=name)
        for triple in triples:
            copy.add(triple)
        shuffled[name] = copy
    for frame_name in (None, *jsonld.FRAMES):
        assert jsonld.export(shuffled, frame_name=frame_name) == jsonld.export(
            kg.graphs(), frame_name=frame_name
        )


def test_build_writes_the_framed_designations_for_web_pages(kg):
    files = dump_files(kg)
    doc = json.loads(files["designations.jsonld"])
    assert doc["@context"] == ["https://w3id.org/guian-kg/context.jsonld", FRAME_TERMS]
    assert files["designations.jsonld"].decode() == jsonld.export(
        kg.graphs(), frame_name="designation"
    )
    assert json.loads(files["guian-kg.jsonld"])["@context"] == CONTEXT  # the dump stands alone


def test_the_cli_knows_the_same_frames():
    assert JSONLD_FRAMES == jsonld.FRAMES


@pytest.mark.parametrize(
    "arguments,context",
    [
        ([], dict),
        (["--context", "iri"], str),
        (["--frame", "observation"], str),
        (["--frame", "organization", "--context", "embed"], dict),
        (["--frame", "designation"], str),
    ],
)
def test_export_jsonld_with_a_frame_or_a_context_mode(arguments, context):
    result = CliRunner().invoke(cli, ["export", "--format", "jsonld", *arguments])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    value = doc["@context"]
    if "--frame" in arguments:  # the project's context, then the frame's own terms
        assert isinstance(value, list) and value[1:] == [FRAME_TERMS]
        value = value[0]
    assert isinstance(value, context) and len(doc["@graph"]) > 2


def test_frame_with_another_format_is_a_usage_error():
    result = CliRunner().invoke(cli, ["export", "--format", "ttl", "--frame", "designation"])
    assert result.exit_code == 2 and "--format jsonld" in result.stderr


def test_an_unknown_frame_is_an_input_error(kg):
    with pytest.raises(InputError, match="designation, organization, observation"):
        jsonld.load_frame("nope")


# ---------------------------------------------------------------- no network


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback port that accepts connections, to see whether anything tries to fetch from it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.setblocking(False)
        yield server


def connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


@pytest.fixture
def no_default_loader(monkeypatch):
    """PyLD's own loader (which fetches over HTTP) must never be reached."""

    def refuse(url, options=None):
        pytest.fail(f"PyLD's default document loader was asked for {url}")

    monkeypatch.setattr(pyld, "_default_document_loader", refuse)


def test_a_remote_context_is_refused_without_a_request(listener, no_default_loader):
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/context.jsonld"
    documents = [
        {"@context": url, "@id": "http://example.org/a", "name": "x"},
        {"@context": [jsonld.context_iri(), url], "@id": "http://example.org/a"},
        {
            "@context": {"@version": 1.1, "p": {"@id": "http://example.org/p", "@context": url}},
            "@id": "http://example.org/a",
            "p": {"@id": "http://example.org/b"},
        },
    ]
    for doc in documents:
        with pytest.raises(RemoteDocumentRefused, match="never fetches") as error:
            jsonld.to_dataset(doc)
        assert error.value.url == url
    with pytest.raises(RemoteDocumentRefused):
        jsonld.document_loader()(url, {})
    assert connections(listener) == 0


def test_the_projects_context_iri_is_served_from_the_package(listener, no_default_loader, kg):
    base = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    doc = json.loads(jsonld.export(kg.graphs(base), base, "observation"))
    assert doc["@context"] == [f"{base}context.jsonld", FRAME_TERMS]
    assert len(union(jsonld.to_dataset(doc, base))) > 500
    assert jsonld.document_loader(base)(f"{base}context.jsonld", {})["document"]["@context"][
        "gk"
    ] == (f"{base}ontology#")
    assert connections(listener) == 0


def test_integers_and_booleans_become_json_values_only_when_they_map_back_exactly():
    graph = Graph()
    s = URIRef("http://example.org/s")
    values = [
        Literal("26", datatype=XSD.integer),
        Literal("007", datatype=XSD.integer, normalize=False),
        Literal("true", datatype=XSD.boolean),
        Literal("1.20", datatype=XSD.decimal),
        Literal(str(2**60), datatype=XSD.integer),
    ]
    for value in values:
        graph.add((s, URIRef("http://example.org/p"), value))
    expanded = jsonld.expanded([(None, graph)])[0]["http://example.org/p"]
    assert {"@value": 26} in expanded and {"@value": True} in expanded
    assert {"@value": "007", "@type": str(XSD.integer)} in expanded
    assert {
        "@value": str(2**60),
        "@type": str(XSD.integer),
    } in expanded  # beyond JavaScript's safe integers
    compacted = json.loads(serialize_graph(graph, "jsonld"))
    nquads = pyld.to_rdf(compacted, {"format": "application/n-quads"})
    for value in values:  # every lexical form comes back as it was
        assert f" {value.n3()} ." in nquads, value.n3()

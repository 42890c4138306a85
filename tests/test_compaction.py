"""The compacted JSON-LD written straight from Oxigraph quads (compaction.py) is, byte for byte, what
PyLD's compaction gives (the reference), on the project's graph, a generated corpus, another base
and every form of statement the context meets; what it does not handle, it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from guian_kg import jsonld
from guian_kg.compaction import CompactionUnsupported, Compactor, compact_quads, jsonld_context
from guian_kg.iri import DEFAULT_BASE
from guian_kg.json_text import dump_sorted
from guian_kg.namespaces import GK, OA, QUDT
from guian_kg.write import oxigraph_quads

ROOT = Path(__file__).resolve().parents[1]
ID = f"{DEFAULT_BASE}id/"


def new_and_pyld(graphs: list[tuple[URIRef | None, Graph]], base: str = DEFAULT_BASE):
    """The new writer's text and PyLD's compaction of the same graphs, dumped the same way."""
    new = compact_quads(oxigraph_quads(graphs), base)
    return new, jsonld.dumps(jsonld.compact_with_pyld(graphs, base))


def test_the_dump_is_pyld_compaction_byte_for_byte(kg):
    new, pyld = new_and_pyld(sorted(kg.graphs().items()))
    assert len(new) > 100_000 and new == pyld
    assert jsonld.export(kg.graphs()) == new


def test_a_generated_corpus_compacts_as_pyld_does(corpus_kg):
    graphs = sorted(corpus_kg.graphs().items())
    assert sum(len(g) for _, g in graphs) > 3000
    new, pyld = new_and_pyld(graphs)
    assert new == pyld


def test_another_base_compacts_as_pyld_does(kg):
    base = "http://127.0.0.1:8000/"
    new, pyld = new_and_pyld(sorted(kg.graphs(base).items()), base)
    assert '"gk": "http://127.0.0.1:8000/ontology#"' in new and new == pyld


def test_one_graph_alone_compacts_as_pyld_does(kg):
    """A lone named graph stays at the top level in PyLD's output; the default graph is a @graph."""
    name, graph = sorted(kg.graphs().items())[-1]
    for graphs in ([(name, graph)], [(None, graph)], []):
        new, pyld = new_and_pyld(graphs)
        assert new == pyld


def edge_cases() -> Graph:
    """A statement of every form the context meets: terms that fit and terms that do not."""
    g = Graph()
    s, other = URIRef(f"{ID}designation/x"), URIRef(f"{ID}organization/y")
    blank = BNode("b1")
    g.add((s, RDF.type, GK.Designation))
    g.add((s, RDF.type, URIRef("http://example.org/Class")))  # no term, no prefix
    g.add((s, RDF.type, blank))
    g.add((s, RDFS.label, Literal("名", lang="zh")))
    g.add((s, RDFS.label, Literal("name", lang="en")))
    g.add((s, RDFS.label, Literal("another name", lang="en")))
    g.add((s, RDFS.label, Literal("no language")))  # @none of the language map
    g.add((s, RDFS.label, Literal("2015", datatype=XSD.gYear)))  # no term fits: rdfs:label
    g.add((s, SKOS.altLabel, Literal("alt", lang="zh")))  # a language map of sets
    g.add((s, GK.heldBy, other))
    g.add((s, GK.heldBy, Literal("not a node")))  # an @id term does not fit a literal
    g.add((s, GK.inferred, Literal("true", datatype=XSD.boolean)))
    g.add((s, GK.inferred, URIRef("http://example.org/node")))  # an untyped term: {"id": …}
    g.add((s, GK.date, Literal("2015-06", datatype=XSD.gYearMonth)))
    g.add((s, GK.periodStart, Literal("2015-06-01", datatype=XSD.date)))
    g.add((s, GK.periodStart, Literal("2015", datatype=XSD.gYear)))  # not the term's datatype
    g.add((s, GK.sequenceNumber, Literal("007", datatype=XSD.integer, normalize=False)))
    g.add((s, GK.cohortSize, Literal(str(2**60), datatype=XSD.integer)))
    g.add((s, GK.batch, Literal("-3", datatype=XSD.integer)))
    g.add((s, QUDT.value, Literal("1.20", datatype=XSD.decimal)))
    g.add((s, OA.exact, Literal("引文", lang="zh")))  # a language tag under a plain term
    g.add((s, OA.exact, Literal('quote "with" \\ escapes\n')))
    g.add((s, OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q1")))
    g.add(
        (s, URIRef("https://schema.org/url"), URIRef("https://schema.org/"))
    )  # a namespace itself
    g.add((s, URIRef("http://example.org/p"), blank))
    g.add((blank, RDFS.label, Literal("blank", lang="en")))
    g.add((s, GK.designation, other))  # the IRI of a reverse term, used forward
    g.add((other, RDF.type, URIRef("http://www.w3.org/ns/org#Organization")))
    return g


def test_every_form_of_statement_compacts_as_pyld_does():
    g = edge_cases()
    graph = URIRef(f"{DEFAULT_BASE}graph/data")
    describe = Graph()
    describe.add((graph, RDFS.label, Literal("the data", lang="en")))  # the graph's own node
    for graphs in ([(None, g)], [(graph, g)], [(None, describe), (graph, g)]):
        new, pyld = new_and_pyld(graphs)
        assert new == pyld
    assert '"@none": "no language"' in new and '"rdfs:label": {' in new


def statements(quads) -> set[tuple[str, ...]]:
    """Quads as text, every blank node as `_:blank` (the edge cases hold one), literals as written."""
    return {
        tuple("_:blank" if isinstance(t, ox.BlankNode) else str(t) for t in quad) for quad in quads
    }


def test_pyld_reads_the_new_dump_back_to_the_same_graph():
    g = edge_cases()
    sent = list(oxigraph_quads([(None, g)]))
    text = compact_quads(sent)
    back = ox.parse(jsonld.to_nquads(json.loads(text)), format=ox.RdfFormat.N_QUADS)
    assert len(sent) == 28 and statements(back) == statements(sent)


def test_unsupported_context_features_are_refused():
    context = jsonld_context()
    for extra in (
        {"@vocab": "http://example.org/"},
        {"@language": "zh"},
        {"x": {"@id": "gk:x", "@type": "@vocab"}},
        {"x": {"@id": "gk:x", "@container": "@list"}},
        {"x": {"@id": "gk:x", "@context": {}}},
        {"v": "@value"},
        {"a:b": "http://example.org/"},
    ):
        with pytest.raises(CompactionUnsupported):
            Compactor({**context, **extra})
    assert Compactor(context).terms["label"].language_map


@pytest.mark.parametrize(
    "obj",
    [
        ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil"),
        ox.Literal("{}", datatype=ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON")),
    ],
    ids=["rdf:nil, which PyLD makes a @list", "a JSON literal"],
)
def test_statements_it_does_not_handle_are_refused(obj):
    quad = ox.Quad(ox.NamedNode(f"{ID}designation/x"), ox.NamedNode(str(GK.about)), obj)
    with pytest.raises(CompactionUnsupported):
        compact_quads([quad])


def test_the_json_text_is_json_dumps_of_the_stable_order():
    """json_text writes what jsonld.dumps writes of jsonld._stable's order, on what that order meets:
    strings one of which starts the other, escapes, numbers among strings, nodes sharing an id,
    arrays inside values, empty objects and arrays."""
    doc = {
        "@graph": [
            {"id": "b", "p": ["ab!", "ab", 'a"b', "a\\b", 10, 9, True, "Ω", "é\n"]},
            {"id": "a", "q": [{"@value": "2", "type": "xsd:gYear"}, {"id": "z"}, {"id": "y"}]},
            {"id": "a", "q": [[3, 1], [2]], "r": {}, "s": [], "t": {"x": ["b", "a"]}},
            {"k": [{"v": ["d", "c"]}, {"v": ["b"]}], "n": None, "f": 1.5},
        ],
        "@context": {"x": {"@container": ["@set", "@language"]}},
    }
    expected = dict(doc, **jsonld._stable({"@graph": doc["@graph"]}))
    assert dump_sorted(doc, unsorted=("@context",)) == jsonld.dumps(expected)

"""The closed namespace, the prefix table and the ontology agree; every term is labelled in zh and en."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from guian_kg.iri import DEFAULT_BASE, Iris, rebase_graph
from guian_kg.namespaces import GK, prefixes
from guian_kg.read import parse_files
from guian_kg.resources import data_files, ontology_files, resource_dir

TERM_TYPES = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    URIRef("http://qudt.org/schema/qudt/Unit"),
)


@pytest.fixture(scope="module")
def ontology_graph() -> Graph:
    return parse_files(ontology_files())


def ontology_terms(graph: Graph) -> set[str]:
    return {
        str(s)[len(str(GK)) :]
        for t in TERM_TYPES
        for s in graph.subjects(RDF.type, t)
        if str(s).startswith(str(GK))
    }


def test_the_python_namespace_lists_exactly_the_ontology_terms(ontology_graph):
    declared = set(GK.__annotations__)
    assert declared == ontology_terms(ontology_graph)


def test_a_misspelt_term_is_an_error():
    with pytest.raises(AttributeError):
        _ = GK.designaton


def test_every_ontology_term_has_a_label_and_definition_in_zh_and_en(ontology_graph):
    terms = [s for t in TERM_TYPES for s in ontology_graph.subjects(RDF.type, t)]
    assert len([s for s in terms if s.startswith(str(GK))]) == len(GK.__annotations__)
    assert len(terms) == len(GK.__annotations__) + 10  # and the ten QUDT units the data uses
    for term in terms:
        for prop in (RDFS.label, SKOS.definition):
            langs = sorted(o.language for o in ontology_graph.objects(term, prop))
            assert langs == ["en", "zh"], f"{term} {prop}: {langs}"


def test_the_ontology_has_an_iri_and_a_version_iri(ontology_graph):
    ontology = Iris().ontology
    assert (ontology, RDF.type, OWL.Ontology) in ontology_graph
    assert str(ontology_graph.value(ontology, OWL.versionIRI)).startswith(str(ontology) + "/")


def test_every_prefix_used_in_a_turtle_file_is_in_the_prefix_table():
    table = prefixes()
    files = [*ontology_files(), *data_files(), *sorted(resource_dir("shapes").glob("*.ttl"))]
    assert files
    for path in files:
        for prefix, ns in re.findall(
            r"@prefix\s+([\w-]*):\s*<([^>]*)>", path.read_text(encoding="utf-8")
        ):
            assert table.get(prefix) == ns, (
                f"{path.name}: @prefix {prefix}: <{ns}> is not in context.jsonld"
            )


@pytest.mark.parametrize(
    "kind,slug", [("designation", "sponge-city-pilot"), ("place", "guian-new-area")]
)
def test_thing_iris_round_trip_and_name_their_document(kind, slug):
    iris = Iris("http://127.0.0.1:8000/")
    thing = iris.thing(kind, slug)
    assert str(thing) == f"http://127.0.0.1:8000/id/{kind}/{slug}"
    assert iris.parse_thing(str(thing)) == (kind, slug)
    assert str(iris.doc_for(str(thing))) == f"http://127.0.0.1:8000/doc/{kind}/{slug}"
    assert iris.parse_thing("https://example.org/id/place/x") is None


def test_rebasing_moves_every_iri_under_the_default_base(kg):
    moved = rebase_graph(kg.data, "http://example.org/kg/")
    assert len(moved) == len(kg.data)
    assert not any(
        DEFAULT_BASE in str(term) for triple in moved for term in triple if isinstance(term, URIRef)
    )

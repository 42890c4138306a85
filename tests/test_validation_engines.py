"""The two validation engines agree: pySHACL alone (the reference) and the split engine (core
constraints on pySHACL, SHACL-SPARQL constraints on Oxigraph) give the same verdict and the same
results on every shape fixture, on the project's graph, and on shapes that use what ours do not."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from guian_kg import sparql_constraints as sc
from guian_kg.build import KnowledgeGraph, shapes_graph
from guian_kg.errors import InputError
from guian_kg.validate import Report, validate

FIXTURES = Path(__file__).parent / "shapes"
CASES = sorted(FIXTURES.glob("valid/*.ttl")) + sorted(FIXTURES.glob("invalid/*.ttl"))
ONTOLOGY_DIR = Path(__file__).parents[1] / "ontology"
# Oxigraph lower-cases language tags, so these run the SPARQL constraints on rdflib (exactly).
ON_RDFLIB = {"LanguageTagShape--upper-case-tag.ttl", "LanguageTagShape--zh-hans-tag.ttl"}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return shapes_graph()


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for file in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        graph.parse(file)
    assert len(graph) > 0
    return graph


def results(report: Report) -> list[tuple]:
    """What a result says, as a sorted list: duplicates count."""
    return sorted(
        (r.focus, r.constraint, r.shape, r.path, r.value, r.severity, r.messages)
        for r in report.results
    )


def assert_agree(data: Graph, shapes: Graph, ontology: Graph) -> tuple[Report, Report]:
    reference = validate(data, shapes, ontology, engine="pyshacl")
    split = validate(data, shapes, ontology, engine="split")
    assert reference.sparql_engine == "rdflib"
    assert split.conforms == reference.conforms
    assert results(split) == results(reference)
    return reference, split


def test_the_fixtures_are_there():
    assert len(CASES) > 100
    assert {case.name for case in CASES} >= ON_RDFLIB


def both_engines(case: Path) -> tuple[tuple, tuple]:
    """(verdict, results, SPARQL engine) of the reference and of the split engine on a fixture."""
    data = Graph().parse(case)
    shapes, ontology = shapes_graph(), Graph()
    for file in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        ontology.parse(file)
    return tuple(
        (report.conforms, results(report), report.sparql_engine)
        for report in (
            validate(data, shapes, ontology, engine="pyshacl"),
            validate(data, shapes, ontology, engine="split"),
        )
    )


@pytest.fixture(scope="module")
def fixture_reports() -> dict[str, tuple[tuple, tuple]]:
    """Both engines on every fixture, one process per core: the reference takes ~0.7 s a fixture."""
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return dict(zip((case.name for case in CASES), pool.map(both_engines, CASES), strict=True))


@pytest.mark.parametrize("case", CASES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_both_engines_give_the_same_results_on_a_fixture(case: Path, fixture_reports):
    reference, split = fixture_reports[case.name]
    assert reference[0] == (case.parent.name == "valid")
    assert reference[2] == "rdflib"
    assert split[:2] == reference[:2]
    assert split[2] == ("rdflib" if case.name in ON_RDFLIB else "oxigraph")


def test_both_engines_give_the_same_results_on_the_project_graph(kg: KnowledgeGraph, shapes):
    reference, split = assert_agree(kg.data + kg.void, shapes, kg.ontology)
    assert reference.conforms and split.conforms
    assert split.sparql_engine == "oxigraph"


def test_a_blank_node_in_the_report_is_described_in_the_split_report_too(shapes, ontology):
    data = Graph().parse(FIXTURES / "invalid" / "NoBlankNodeShape--blank-object.ttl")
    split = validate(data, shapes, ontology)
    assert split.sparql_engine == "oxigraph"
    blank = {r.value for r in split.results if r.value and not r.value.startswith("http")}
    assert len(blank) == 1
    # The blank node's own triples come with the report, as pySHACL copies them.
    assert "GeoCoordinates" in split.turtle()


def test_an_unknown_engine_is_an_input_error(shapes, ontology):
    with pytest.raises(InputError, match="unknown validation engine 'jena'"):
        validate(Graph(), shapes, ontology, engine="jena")


# Shapes that use what the project's shapes do not: pre-binding per focus node, $PATH, targets of
# every kind, a subclass target, a warning, and a shape reached through sh:node (stays with pySHACL).
OTHER_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex: sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/" ] ,
    [ sh:prefix "rdfs" ; sh:namespace "http://www.w3.org/2000/01/rdf-schema#" ] .

ex:PerNodeShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:message "{$this}: {?w} is not linked back"@en ;
    sh:sparql [
        sh:prefixes ex: ;
        sh:select "SELECT $this ?value ?w WHERE { ?w ex:link ?value OPTIONAL { ?value ex:back ?b FILTER (?b = $this) } FILTER (!BOUND(?b) && ?value = $this) }" ;
    ] .

ex:PathShape a sh:NodeShape ;
    sh:targetSubjectsOf ex:size ;
    sh:property [
        sh:path ex:size ;
        sh:severity sh:Warning ;
        sh:message "size {?value} is over 10"@en ;
        sh:sparql [
            sh:prefixes ex: ;
            sh:select "SELECT $this ?value WHERE { $this $PATH ?value FILTER (?value > 10) }" ;
        ] ;
    ] .

ex:ObjectsShape a sh:NodeShape ;
    sh:targetObjectsOf ex:link ;
    sh:targetNode ex:lonely ;
    sh:sparql [
        sh:prefixes ex: ;
        sh:message "{?value} has no label"@en ;
        sh:select "SELECT $this ?value WHERE { FILTER NOT EXISTS { $this rdfs:label ?l } BIND ($this AS ?value) }" ;
    ] .

ex:Nested a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:node ex:Inner .
ex:Inner a sh:NodeShape ;
    sh:sparql [
        sh:prefixes ex: ;
        sh:message "nested"@en ;
        sh:select "SELECT $this WHERE { $this ex:size 99 }" ;
    ] .
"""

OTHER_DATA = """
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Special rdfs:subClassOf ex:Thing .
ex:a a ex:Thing ; ex:size 12 ; rdfs:label "a" .
ex:b a ex:Special ; ex:size 3 ; ex:back ex:c .
ex:c a ex:Thing ; ex:size 99 ; ex:link ex:a , ex:b .
ex:d ex:link ex:b ; ex:size 11, 12 .
"""


def test_both_engines_agree_on_shapes_that_use_what_ours_do_not():
    shapes = Graph().parse(data=OTHER_SHAPES, format="turtle")
    data = Graph().parse(data=OTHER_DATA, format="turtle")
    core, constraints = sc.split(shapes)
    bindings = {c.shape.n3(): c.binding for c in constraints if not c.shape.n3().startswith("_")}
    assert bindings == {
        "<http://example.org/PerNodeShape>": sc.PER_NODE,
        "<http://example.org/ObjectsShape>": sc.PER_NODE,
    }
    assert [c.binding for c in constraints if c.shape.n3().startswith("_")] == [sc.FREE]
    assert len(list(core.subject_objects(SH.sparql))) == 1  # ex:Inner, reached by sh:node
    _, split = assert_agree(data, shapes, Graph())
    assert split.sparql_engine == "oxigraph"
    found = sorted(
        (r.focus.rsplit("/", 1)[1], r.shape.rsplit("/", 1)[1] if "/" in r.shape else "[size]")
        for r in split.results
    )
    assert found == [
        ("a", "PerNodeShape"),  # ex:c links to ex:a, which does not link back
        ("a", "[size]"),  # 12 > 10, a warning
        ("b", "ObjectsShape"),  # a sh:targetObjectsOf ex:link without a label
        ("b", "PerNodeShape"),  # an ex:Special, so an ex:Thing: ex:c links back, ex:d does not
        ("b", "PerNodeShape"),
        ("c", "Inner"),  # pySHACL's own: ex:Inner, reached through sh:node
        ("c", "Nested"),
        ("c", "[size]"),
        ("d", "[size]"),  # 11 and 12
        ("d", "[size]"),
        ("lonely", "ObjectsShape"),  # a sh:targetNode, not even in the data
    ]
    assert not split.conforms

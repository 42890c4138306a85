"""The SHACL shapes: valid fixtures conform, invalid ones fail because of the shape they name.

Fixtures live in tests/shapes/: valid/*.ttl must conform; invalid/SHAPE--case.ttl must be caught
by gks:SHAPE (the node shape or one of its property shapes). Adding a case is adding a file.
Each fixture is validated as the build validates data: fixture + ontology/*.ttl in one data graph,
no inference.
"""

from pathlib import Path

import pytest
from pyshacl import validate
from pyshacl.errors import ReportableRuntimeError
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF, SH, SKOS

ROOT = Path(__file__).parents[1]
SHAPES_FILE = ROOT / "shapes" / "guian-kg-shapes.ttl"
ONTOLOGY_DIR = ROOT / "ontology"
FIXTURES = Path(__file__).parent / "shapes"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))

GK = Namespace("https://w3id.org/guian-kg/ontology#")
GKS = Namespace("https://w3id.org/guian-kg/shapes#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")

# Classes the data uses from outside the gk namespace; each needs a node shape too.
EXTERNAL_CLASSES = {
    ORG.Organization,
    SCHEMA.Person,
    SCHEMA.NewsArticle,
    SCHEMA.ImageObject,
    SKOS.Concept,
    RDF.Statement,
}


@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    graph = Graph().parse(SHAPES_FILE)
    assert len(graph) > 0, f"{SHAPES_FILE} has no triples"
    return graph


@pytest.fixture(scope="module")
def ontology_graph() -> Graph:
    files = sorted(ONTOLOGY_DIR.glob("*.ttl"))
    assert files, f"no ontology files in {ONTOLOGY_DIR}"
    graph = Graph()
    for file in files:
        graph.parse(file)
    assert len(graph) > 0, "the ontology files hold no triples"
    return graph


@pytest.fixture(scope="module")
def node_shapes(shapes_graph: Graph) -> set[URIRef]:
    shapes = set(shapes_graph.subjects(RDF.type, SH.NodeShape))
    assert shapes, "the shapes file declares no sh:NodeShape"
    return shapes


def data_graph(fixture: Path, ontology_graph: Graph) -> Graph:
    """The fixture merged with the ontology, as the build merges data and ontology."""
    graph = Graph()
    graph += ontology_graph
    graph.parse(fixture)
    return graph


def shape_and_its_property_shapes(shapes_graph: Graph, node_shape: URIRef) -> set:
    return {node_shape, *shapes_graph.objects(node_shape, SH.property)}


def local_name(iri: URIRef) -> str:
    return str(iri).rsplit("#", 1)[-1]


def test_the_fixture_folders_hold_valid_and_invalid_examples():
    assert VALID, f"no fixtures in {FIXTURES / 'valid'}"
    assert INVALID, f"no fixtures in {FIXTURES / 'invalid'}"
    for fixture in VALID + INVALID:
        assert len(Graph().parse(fixture)) > 0, f"{fixture.name} holds no triples"


def test_the_shapes_conform_to_shacl_shacl(shapes_graph: Graph):
    try:
        validate(Graph(), shacl_graph=shapes_graph, meta_shacl=True, inference="none")
    except ReportableRuntimeError as error:
        pytest.fail(str(error))


def test_the_ontology_alone_conforms(shapes_graph: Graph, ontology_graph: Graph):
    conforms, _, report = validate(ontology_graph, shacl_graph=shapes_graph, inference="none")
    assert conforms, report


@pytest.mark.parametrize("fixture", VALID, ids=lambda path: path.name)
def test_a_valid_fixture_conforms(fixture: Path, shapes_graph: Graph, ontology_graph: Graph):
    conforms, _, report = validate(
        data_graph(fixture, ontology_graph), shacl_graph=shapes_graph, inference="none"
    )
    assert conforms, report


@pytest.mark.parametrize("fixture", INVALID, ids=lambda path: path.name)
def test_an_invalid_fixture_is_caught_by_the_shape_its_name_names(
    fixture: Path, shapes_graph: Graph, ontology_graph: Graph, node_shapes: set[URIRef]
):
    assert "--" in fixture.stem, f"{fixture.name} is not named SHAPE--case.ttl"
    shape = GKS[fixture.stem.split("--", 1)[0]]
    assert shape in node_shapes, f"{fixture.name} names {shape}, which is not a node shape"
    # Validating with the named shape alone (pyshacl's use_shapes) proves that this shape catches
    # the fixture, and is ~20x faster than running the graph-wide SPARQL checks for every fixture;
    # a graph that fails one shape fails the whole shapes graph too. pyshacl drops IRI-named
    # property shapes (gks:LabelZhShape, …) not listed in use_shapes, so they are listed.
    own_shapes = shape_and_its_property_shapes(shapes_graph, shape)
    conforms, results, report = validate(
        data_graph(fixture, ontology_graph),
        shacl_graph=shapes_graph,
        inference="none",
        use_shapes=sorted(s for s in own_shapes if isinstance(s, URIRef)),
    )
    assert not conforms, f"{fixture.name} conforms to {local_name(shape)}"
    sources = set(results.objects(None, SH.sourceShape))
    assert sources & own_shapes, report


def test_every_node_shape_has_an_invalid_fixture(node_shapes: set[URIRef]):
    named = {fixture.stem.split("--", 1)[0] for fixture in INVALID}
    untested = sorted(local_name(shape) for shape in node_shapes if local_name(shape) not in named)
    assert not untested, f"node shapes without an invalid/SHAPE--case.ttl fixture: {untested}"


def test_every_shape_and_sparql_constraint_has_a_message_in_chinese_and_english(
    shapes_graph: Graph, node_shapes: set[URIRef]
):
    property_shapes = set(shapes_graph.objects(None, SH.property))
    sparql_constraints = set(shapes_graph.objects(None, SH.sparql))
    assert property_shapes and sparql_constraints
    lacking = []
    for shape in node_shapes | property_shapes | sparql_constraints:
        languages = {message.language for message in shapes_graph.objects(shape, SH.message)}
        if not {"zh", "en"} <= languages:
            path = shapes_graph.value(shape, SH.path)
            lacking.append(f"{shape} (path {path}): messages in {sorted(map(str, languages))}")
    assert not lacking, "\n".join(lacking)


def test_every_sparql_constraint_repeats_the_message_of_its_shape(shapes_graph: Graph):
    # pyshacl reports a shape's messages next to its SPARQL constraint's unless they are equal, so
    # equal messages keep each result to one message per language.
    differing = [
        str(shape)
        for shape, constraint in shapes_graph.subject_objects(SH.sparql)
        if set(shapes_graph.objects(shape, SH.message))
        != set(shapes_graph.objects(constraint, SH.message))
    ]
    assert not differing, f"shapes whose sh:sparql message differs from their own: {differing}"


def test_every_class_the_data_uses_is_the_target_of_a_node_shape(shapes_graph: Graph):
    ontology = Graph().parse(ONTOLOGY_DIR / "guian-kg.ttl")
    gk_classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(str(GK))}
    assert gk_classes, "ontology/guian-kg.ttl declares no gk class"
    targeted = set(shapes_graph.objects(None, SH.targetClass))
    untargeted = sorted(str(c) for c in (gk_classes | EXTERNAL_CLASSES) - targeted)
    assert not untargeted, f"classes no node shape targets: {untargeted}"

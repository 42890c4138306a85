"""SHACL-SPARQL constraints on Oxigraph: which constraints move, how $this is bound, what is written."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from guian_kg import locality
from guian_kg import sparql_constraints as sc
from guian_kg.build import shapes_graph

PREFIX = "PREFIX ex: <http://example.org/>\n"


@pytest.mark.parametrize(
    "query,binding",
    [
        # The graph-wide checks of our shapes: $this only in the projection.
        ("SELECT $this ?value WHERE { ?value ex:p ?o }", sc.CONSTANT),
        ("SELECT $this ?value WHERE { $this ex:p ?value . FILTER (?value != $this) }", sc.FREE),
        (
            "SELECT $this ?value WHERE { $this ex:p ?value "
            "FILTER NOT EXISTS { $this ex:q ?value } }",
            sc.FREE,
        ),
        ("SELECT $this WHERE { { $this ex:p ?v } UNION { $this ex:q ?v } }", sc.FREE),
        # OPTIONAL reading $this before anything binds it would match other nodes' rows.
        ("SELECT $this ?v WHERE { ?v ex:p ?w OPTIONAL { ?w ex:q $this } }", sc.PER_NODE),
        # A FILTER in an inner group runs before the outer pattern binds $this.
        (
            "SELECT $this ?v WHERE { $this ex:p ?v { ?v ex:q ?w FILTER (?w != $this) } }",
            sc.PER_NODE,
        ),
        ("SELECT $this ?v WHERE { $this ex:p ?v } LIMIT 1", sc.PER_NODE),
        ("SELECT $this (COUNT(?v) AS ?n) WHERE { $this ex:p ?v } GROUP BY $this", sc.PER_NODE),
        ("SELECT $this ?v WHERE { ?v ex:p ?w FILTER (?w = $this) }", sc.PER_NODE),
        # What SHACL forbids, or what this module does not run, stays with pySHACL.
        ("SELECT $this WHERE { $this ex:p ?v MINUS { $this ex:q ?v } }", None),
        ("SELECT $this WHERE { VALUES ?v { 1 } $this ex:p ?v }", None),
        ("SELECT $this ?failure WHERE { $this ex:p ?v BIND (true AS ?failure) }", None),
        ("ASK { ?s ?p ?o }", None),
        ("SELECT $this WHERE { $this ex:p }", None),
        # rdflib's engine knows rdfs: undeclared, Oxigraph does not: rdflib runs it.
        ("SELECT $this WHERE { $this rdfs:label ?l }", None),
    ],
)
def test_this_is_bound_the_cheapest_way_that_gives_pre_binding_s_rows(query, binding):
    assert sc._binding(PREFIX + query) == binding


def test_the_shapes_move_their_sixteen_sparql_constraints_and_keep_the_rest():
    shapes = shapes_graph()
    core, constraints = sc.split(shapes)
    assert len(constraints) == 16
    assert not list(core.subject_objects(SH.sparql))
    # Each constraint takes its sh:sparql link, sh:prefixes, sh:select and two sh:message.
    assert len(shapes) - len(core) == 16 * 5
    assert set(core) <= set(shapes)
    bindings = sorted(c.binding for c in constraints)
    assert bindings == [sc.CONSTANT] * 14 + [sc.FREE] * 2


def test_a_property_shape_reached_through_sh_node_stays_with_pyshacl():
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:Outer a sh:NodeShape ; sh:targetClass ex:A ; sh:node ex:Inner .
        ex:Inner a sh:NodeShape ; sh:sparql [ sh:select "SELECT $this WHERE { $this <http://example.org/p> 1 }" ] .
        ex:Top a sh:NodeShape ; sh:targetClass ex:A ;
            sh:sparql [ sh:select "SELECT $this WHERE { $this <http://example.org/p> 2 }" ] .
        """,
        format="turtle",
    )
    core, constraints = sc.split(shapes)
    assert [c.shape for c in constraints] == [URIRef("http://example.org/Top")]
    assert len(list(core.subject_objects(SH.sparql))) == 1


def test_terms_oxigraph_would_merge_keep_the_data_off_oxigraph():
    decimal = URIRef("http://www.w3.org/2001/XMLSchema#decimal")
    for literals in (
        [Literal("Example", lang="EN")],
        [Literal("示例", lang="zh-Hans")],
        [Literal("1.2", datatype=decimal), Literal("1.20", datatype=decimal)],
        [Literal("3", datatype=URIRef("http://www.w3.org/2001/XMLSchema#int"))],
    ):
        graph = Graph()
        for literal in literals:
            graph.add((URIRef("http://example.org/s"), URIRef("http://example.org/p"), literal))
        assert sc.OxigraphCopy.of([graph]) is None, literals


def test_a_literal_oxigraph_rewrites_comes_back_as_the_data_wrote_it():
    graph = Graph()
    xsd = "http://www.w3.org/2001/XMLSchema#"
    written = {
        Literal("1E18", datatype=URIRef(xsd + "double")),
        Literal("1.20", datatype=URIRef(xsd + "decimal")),
        Literal("03", datatype=URIRef(xsd + "integer")),
    }
    for i, literal in enumerate(written):
        graph.add((URIRef(f"http://example.org/s{i}"), URIRef("http://example.org/p"), literal))
    copy = sc.OxigraphCopy.of([graph])
    assert copy is not None
    stored = [q.object for q in copy.store.quads_for_pattern(None, None, None)]
    assert {literal.value for literal in stored} >= {"1000000000000000000", "1.2", "3"}
    assert {copy.term(literal) for literal in stored} == written


def test_terms_come_back_from_oxigraph_as_the_data_wrote_them():
    graph = Graph()
    s, p, blank = URIRef("http://example.org/s"), URIRef("http://example.org/p"), BNode()
    plain, tagged = Literal("x"), Literal("y", lang="zh")
    typed = Literal("3", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))
    for o in (plain, tagged, typed, blank):
        graph.add((s, p, o))
    copy = sc.OxigraphCopy.of([graph])
    assert copy is not None
    back = {copy.term(q.object) for q in copy.store.quads_for_pattern(None, None, None)}
    assert back == {plain, tagged, typed, blank}


def test_a_message_names_the_values_of_the_solution():
    message = Literal("{?value} of {$this}: {?path} {?unbound}", lang="en")
    bound = {"value": Literal("3"), "this": URIRef("http://example.org/a")}
    assert sc._substitute(message, bound) == Literal(
        "3 of http://example.org/a: {?path} {?unbound}", lang="en"
    )


def test_a_constraint_local_around_value_runs_only_for_the_nodes_given_and_finds_their_results():
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/> .
        ex:Named a sh:NodeShape ; sh:targetNode ex:dataset ;
            sh:sparql [ sh:message "{?value} has no name" ; sh:select
                "SELECT $this ?value WHERE { ?value a <http://example.org/Thing> FILTER NOT EXISTS { ?value <http://example.org/name> ?n } }" ] .
        """,
        format="turtle",
    )
    data = Graph()
    ex = "http://example.org/"
    for i in range(5):  # things 0 to 4, only 0 named
        data.add((URIRef(f"{ex}t{i}"), URIRef(f"{ex}p"), Literal(i)))
        data.add(
            (
                URIRef(f"{ex}t{i}"),
                URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                URIRef(f"{ex}Thing"),
            )
        )
    data.add((URIRef(f"{ex}t0"), URIRef(f"{ex}name"), Literal("zero")))
    data.add((URIRef(f"{ex}dataset"), URIRef(f"{ex}p"), Literal("d")))
    _, (constraint,) = sc.split(shapes)
    assert constraint.binding == sc.CONSTANT
    copy = sc.OxigraphCopy.of([data])

    def values(only, root) -> list[str]:
        found = sc.solutions(constraint, shapes, copy, only, root, {})
        return sorted(row["value"].value for _, row in found)

    assert values(None, "this") == [f"{ex}t{i}" for i in (1, 2, 3, 4)]
    only = {sc._to_ox(URIRef(f"{ex}t{i}")) for i in (0, 2, 4)}
    assert values(only, "value") == [f"{ex}t2", f"{ex}t4"]  # t0 is named: no result
    assert values(set(), "value") == []


@pytest.mark.parametrize(
    "query,proven",
    [
        ("SELECT $this ?value WHERE { ?value ex:p ?o }", True),
        ('SELECT $this ?value WHERE { ?value ex:p "WHERE {" }', True),  # after the real one
        # Before the real WHERE, the text search finds the wrong place: the parse tree says so.
        ("# no: WHERE {\nSELECT $this ?value WHERE { ?value ex:p ?o }", False),
        ('SELECT $this (CONCAT("WHERE {", "") AS ?value) WHERE { $this ex:p ?o }', False),
        ("ASK { ?value ex:p ?o }", False),
    ],
)
def test_values_go_first_in_the_where_group_only_where_the_parse_tree_proves_it(query, proven):
    assert sc.values_first(PREFIX + query) is proven
    if not proven:
        assert locality.query_is_local(PREFIX + query, "value") is False  # then it runs whole

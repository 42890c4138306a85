"""Proofs that whole-graph rules find nothing (guian_kg.scan_proof): made only where the parse tree
proves them, they find something exactly where the rules they cover do, and the build's
validation runs a rule only where its proof found something."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from guian_kg import scan_proof, validate
from guian_kg import sparql_constraints as sc
from guian_kg.build import KnowledgeGraph, shapes_graph

FIXTURES = Path(__file__).parent / "shapes"
CASES = sorted(FIXTURES.glob("valid/*.ttl")) + sorted(FIXTURES.glob("invalid/*.ttl"))
ONTOLOGY_DIR = Path(__file__).parents[1] / "ontology"
FIVE = {"NoBlankNode", "Reference", "UndeclaredTerm", "LanguageTag", "TypedSubject"}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return shapes_graph()


@pytest.fixture(scope="module")
def constraints(shapes) -> list[sc.SparqlConstraint]:
    return sc.split(shapes)[1]


def name(constraint: sc.SparqlConstraint) -> str:
    return str(constraint.shape).rsplit("#", 1)[-1].removesuffix("Shape")


def test_the_five_rules_over_every_triple_share_three_proofs(constraints):
    proofs = scan_proof.proofs([c.query for c in constraints])
    covered = [sorted(name(constraints[n]) for n in numbers) for _, numbers in proofs]
    # The objects of triples, their subjects, their predicates: NoBlankNode's FILTER (A || B)
    # has a part in the first two.
    assert covered == [
        ["LanguageTag", "NoBlankNode", "Reference"],
        ["NoBlankNode", "TypedSubject"],
        ["UndeclaredTerm"],
    ]
    assert {n for names in covered for n in names} == FIVE


def _store_of(case: Path) -> sc.OxigraphCopy | None:
    ontology = Graph()
    for file in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        ontology.parse(file)
    return sc.OxigraphCopy.of([Graph().parse(case), ontology])


def test_a_proof_finds_something_exactly_where_a_rule_it_covers_does(constraints):
    """A rule with solutions has a proof that finds something; a proof finds something only
    where one of its rules has solutions (NoBlankNode's subject part finds a blank subject, its
    object part a blank object)."""
    proofs = scan_proof.proofs([c.query for c in constraints])
    fails = set()
    for case in CASES:
        copy = _store_of(case)
        if copy is None:
            continue  # Oxigraph would change the data: validated by pySHACL
        rules = {
            n
            for n in {n for _, numbers in proofs for n in numbers}
            if list(copy.store.query(constraints[n].query, use_default_graph_as_union=True))
        }
        found = [not scan_proof.finds_nothing(proof, copy.store) for proof, _ in proofs]
        for (_, numbers), something in zip(proofs, found, strict=True):
            assert not something or rules & set(numbers), case.name
        for n in rules:
            assert any(f for (_, numbers), f in zip(proofs, found, strict=True) if n in numbers)
        fails |= {(case.name.split("Shape--")[0], name(constraints[n])) for n in rules}
    # Each rule fails on its own fixtures (not the upper-case tags: those stay off Oxigraph).
    assert {(f, r) for f, r in fails if f == r} == {(r, r) for r in FIVE - {"LanguageTag"}}


def test_the_build_runs_a_rule_only_where_its_proof_found_something(
    kg: KnowledgeGraph, shapes, monkeypatch
):
    ran: list[str] = []
    solutions = sc.solutions
    monkeypatch.setattr(
        sc, "solutions", lambda c, *rest: ran.append(name(c)) or solutions(c, *rest)
    )
    assert validate.validate_store(kg.store, shapes, workers=1).conforms
    assert ran and not FIVE & set(ran)
    ran.clear()
    copy = _store_of(FIXTURES / "invalid" / "TypedSubjectShape--untyped-subject.ttl")
    report = validate.validate_store(copy.store, shapes, workers=1)
    assert "gks:TypedSubjectShape" in report.text()
    assert {"NoBlankNode", "TypedSubject"} <= set(ran)  # the rules of the proof that found it
    assert not {"UndeclaredTerm", "Reference", "LanguageTag"} & set(ran)


RULE = "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\nSELECT $this ?v WHERE {{ {} }}"


@pytest.mark.parametrize(
    ("where", "parts"),
    [
        ("?v ?p ?o . FILTER NOT EXISTS { ?v rdf:type ?t }", [0]),
        ("?s ?p ?v . FILTER (isIRI(?v)) FILTER NOT EXISTS { ?v rdf:type ?t }", [2]),
        ("?s ?v ?o FILTER (isIRI(?v))", [1]),  # no lookup: it only rides along
        ("?v ?p ?o . FILTER (isBlank(?v) || isBlank(?o))", [0, 2]),
        # The filters read two variables of the triple, not as one A || B: not proven.
        ("?v ?p ?o . FILTER NOT EXISTS { ?v rdf:type ?o }", None),
        ("?v ?p ?o . FILTER (isBlank(?v) && isBlank(?o))", None),
        ("?v ?p ?o . FILTER (isBlank(?v) || isBlank(?o)) FILTER (isIRI(?p))", None),
        # A "||" the text cut finds but the tree does not: in a string, in brackets.
        ('?v ?p ?o . FILTER (isBlank(?v) || STR(?o) = "a||b")', None),
        ("?v ?p ?o . FILTER ((isBlank(?v) || isIRI(?v)) || isBlank(?o))", None),
        # More than the one triple and filters, or the proof's own variable.
        ("?v ?p ?o . ?o ?q ?r . FILTER NOT EXISTS { ?v rdf:type ?t }", None),
        ("?v ?p ?o . BIND (1 AS ?one) FILTER NOT EXISTS { ?v rdf:type ?t }", None),
        ("?v ?p ?o . OPTIONAL { ?v rdf:type ?t } FILTER (!BOUND(?t))", None),
        ("?v ?p ?scanned . FILTER NOT EXISTS { ?v rdf:type ?t }", None),
        ("?v ?p ?o . FILTER NOT EXISTS { ?v rdf:type ?scanned }", None),
        ("<urn:x> ?p ?v . FILTER NOT EXISTS { ?v rdf:type ?t }", None),
        ("$this ?p ?v . FILTER NOT EXISTS { ?v rdf:type ?t }", None),
        ("?v ?p ?o . FILTER NOT EXISTS { ?v rdf:type $this }", None),
    ],
)
def test_a_rule_has_parts_in_proofs_only_where_the_parse_tree_proves_them(where, parts):
    found = scan_proof.analysis_of(RULE.format(where))
    assert (found and [place for place, _ in found["parts"]]) == parts


@pytest.mark.parametrize(
    "query",
    [
        # Counted or cut rows: the rule's own GROUP BY, LIMIT.
        "SELECT ?v WHERE { ?v ?p ?o . FILTER NOT EXISTS { ?v a ?t } } GROUP BY ?v",
        "SELECT ?v WHERE { ?v ?p ?o . FILTER NOT EXISTS { ?v a ?t } } LIMIT 3",
        # "WHERE {" and a triple in a comment before the query: the cut text does not parse.
        "# SELECT ?x WHERE { ?q ?r ?s .\nSELECT ?v WHERE { ?v ?p ?o FILTER NOT EXISTS { ?v a ?t } }",
        "ASK { ?v ?p ?o FILTER NOT EXISTS { ?v a ?t } }",
    ],
)
def test_a_query_the_text_cut_misreads_has_no_proof(query):
    assert scan_proof.analysis_of(query) is None


def test_a_branch_is_proven_only_with_the_rule_s_own_filters():
    from rdflib import Variable
    from rdflib.plugins.sparql.parser import parseQuery

    rule = RULE.format("?v ?p ?o . FILTER (isBlank(?v))")
    prologue_text = rule[: rule.index("SELECT")]
    prologue, select = parseQuery(rule)
    filters = tuple(sc._tree(f) for f in select["where"]["part"][1:])
    v = Variable("v")
    assert scan_proof._proven(
        prologue_text,
        sc._tree(prologue),
        v,
        "{ BIND (?scanned AS ?v) FILTER (isBlank(?v)) }",
        filters,
    )
    for other in (
        "{ BIND (?scanned AS ?v) FILTER (isIRI(?v)) }",  # another filter
        "{ BIND (?scanned AS ?v) FILTER (isBlank(?v)) FILTER (isIRI(?v)) }",  # one more
        "{ BIND (?scanned AS ?o) FILTER (isBlank(?v)) }",  # another variable bound
        "{ BIND (?scanned AS ?v) } FILTER (isBlank(?v))",  # not one group
    ):
        assert not scan_proof._proven(prologue_text, sc._tree(prologue), v, other, filters), other

"""The shortcuts the build adds (guian_kg/shortcuts.py): exact counts on the project's graph, one
triple per designation-organisation pair, the place hierarchy closed without touching gk:heldBy,
only in the data graph, per corpus, and idempotent."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import corpus_generator
from rdflib import URIRef

from guian_kg.build import load
from guian_kg.corpus import Corpus
from guian_kg.iri import Iris
from guian_kg.namespaces import GK
from guian_kg.shortcuts import add_shortcuts
from guian_kg.terms import node

ID = "https://w3id.org/guian-kg/id/"
PREFIXES = """
PREFIX gk: <https://w3id.org/guian-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX place: <https://w3id.org/guian-kg/id/place/>
"""


def select(store: ox.Store, query: str) -> list[tuple]:
    """Rows of a SELECT on the union of the store's graphs, as plain values."""
    rows = store.query(PREFIXES + query, use_default_graph_as_union=True)
    return [tuple(term.value if term is not None else None for term in row) for row in rows]


def count(store: ox.Store, pattern: str) -> int:
    return int(select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")[0][0])


def numbers(store: ox.Store, pattern: str) -> list[int]:
    rows = select(store, f"SELECT ?n WHERE {{ {pattern} ?d gk:sequenceNumber ?n }} ORDER BY ?n")
    return [int(n) for (n,) in rows]


def test_all_ten_numbered_designations_are_found_from_guian_new_area(kg):
    found = numbers(kg.store, "?d gk:heldByPlaceContaining place:guian-new-area .")
    assert found == list(range(1, 11))
    # gk:heldBy stays as the article says it: 1 is Guizhou's and Guiyang-Gui'an's, 7 Guiyang-Gui'an's.
    held = numbers(kg.store, "?d gk:heldBy place:guian-new-area .")
    assert held == [2, 3, 4, 5, 6, 8, 9, 10]
    assert count(kg.store, "?d gk:heldByPlaceContaining place:guian-new-area") == 13


def test_the_place_hierarchy_is_closed_both_ways_with_exact_counts(kg):
    assert count(kg.store, "?d gk:heldByPlaceContaining ?place") == 157
    assert count(kg.store, "?d gk:heldByPlaceWithin ?place") == 50
    # Downwards from the province and the country: every designation of the article.
    assert count(kg.store, "?d gk:heldByPlaceWithin place:guizhou") == 13
    assert count(kg.store, "?d gk:heldByPlaceWithin place:china") == 13
    # Guiyang-Gui'an contains Gui'an New Area, so it finds Gui'an's titles as well as its own two.
    assert numbers(kg.store, "?d gk:heldByPlaceWithin place:guiyang-guian .") == list(range(1, 11))
    # No title is held by Guiyang or by a place inside the directly administered area.
    assert count(kg.store, "?d gk:heldByPlaceWithin place:guiyang") == 0
    assert count(kg.store, "?d gk:heldByPlaceWithin place:guian-direct-administration-area") == 0
    # A park inside Gui'an New Area finds the titles of the places around it.
    assert count(kg.store, "?d gk:heldByPlaceContaining place:moon-lake-park") == 13
    # Beijing is in no hierarchy the article gives: nothing.
    assert count(kg.store, "?d gk:heldByPlaceContaining place:beijing") == 0


def test_involves_has_one_triple_per_designation_and_organisation(kg):
    assert count(kg.store, "?d gk:involvement ?i") == 26
    assert count(kg.store, "?d gk:involves ?o") == 23
    pairs = "SELECT DISTINCT ?d ?o WHERE { ?d gk:involvement/prov:agent ?o }"
    assert len(select(kg.store, pairs)) == 23
    doubled = select(
        kg.store,
        "SELECT ?d ?o WHERE { ?d gk:involvement/prov:agent ?o } GROUP BY ?d ?o "
        "HAVING (COUNT(*) > 1) ORDER BY ?d",
    )
    assert doubled == [  # two roles each: counted twice through gk:involvement, once here
        (f"{ID}designation/beautiful-village-standardisation-pilot", f"{ID}organization/mof"),
        (
            f"{ID}designation/mass-innovation-demonstration-base",
            f"{ID}organization/state-council-general-office",
        ),
        (f"{ID}designation/service-trade-innovation-pilot", f"{ID}organization/state-council"),
    ]
    mof = URIRef(f"{ID}organization/mof")
    assert len(list(kg.data.subjects(GK.involves, mof))) == 1


def test_shortcuts_live_in_the_data_graph_only(kg):
    for prop in ("involves", "heldByPlaceContaining", "heldByPlaceWithin"):
        graphs = select(kg.store, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s gk:{prop} ?o }} }}")
        assert graphs == [(str(Iris().graph("data")),)]


def test_adding_the_shortcuts_again_adds_nothing(kg):
    store = ox.Store()
    store.extend(kg.store)
    before = len(store)
    add_shortcuts(store, node(Iris().graph("data")))
    assert len(store) == before


def test_shortcuts_are_made_across_the_units_of_a_corpus(tmp_path):
    """Places come from the shared unit, designations from each article: the shortcuts join them."""
    corpus_generator().generate(tmp_path, 2, seed=0)
    store = load(corpus=Corpus(tmp_path), cache_dir=None).store
    assert count(store, "?d a gk:Designation") == 20
    assert count(store, "?d gk:heldByPlaceContaining place:guian-new-area") == 20
    pairs = "SELECT DISTINCT ?d ?o WHERE { ?d gk:involvement/prov:agent ?o }"
    assert count(store, "?d gk:involves ?o") == len(select(store, pairs)) > 0


@pytest.mark.parametrize("prop", ["involves", "heldByPlaceContaining", "heldByPlaceWithin"])
def test_each_shortcut_says_in_the_ontology_that_the_build_derives_it(kg, prop):
    from rdflib.namespace import SKOS

    definitions = {d.language: str(d) for d in kg.ontology.objects(GK[prop], SKOS.definition)}
    assert definitions["en"].startswith("A shortcut the build derives, not a statement")
    assert definitions["zh"].startswith("构建步骤推导、原文并未如此陈述的捷径")

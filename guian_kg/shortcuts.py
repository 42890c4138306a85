"""Shortcuts the build adds to the corpus: edges derived from other triples that make simple
questions one triple pattern, each a property of its own whose definition says it is derived
(the article states none of them).

- gk:involves: designation → organisation, one triple per pair, whatever the roles (counting
  gk:involvement/prov:agent counts an organisation with two roles on one designation twice);
- gk:heldByPlaceContaining, gk:heldByPlaceWithin: gk:heldBy closed over the place hierarchy
  (schema:containedInPlace and its inverse schema:containsPlace), upwards and downwards.
  gk:heldBy itself stays as the article says it: "held by Gui'an New Area" is not what the
  article says of a title granted to Guizhou for Guiyang and Gui'an together.

They are added once the whole corpus is in the store, since places live in the shared unit and
designations in the articles: SPARQL UPDATE inside the data graph, so the dumps stay as
deterministic as the store they are written from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph as ox

_PREFIXES = """
PREFIX gk: <https://w3id.org/guian-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
"""

# A place lies within another along schema:containedInPlace or against schema:containsPlace.
_WITHIN = "(schema:containedInPlace|^schema:containsPlace)*"

# (what is added, what it is derived from). The pairs of places are found once, then joined with
# the designations (the path walked for each designation's holder took 0.09 s more at 300
# articles, of 0.21 s).
_RULES = (
    (
        "?designation gk:involves ?organisation",
        "?designation gk:involvement/prov:agent ?organisation",
    ),
    (  # held by the place or by one that contains it
        "?designation gk:heldByPlaceContaining ?place",
        "{ SELECT DISTINCT ?holder ?place "
        f"WHERE {{ ?holder a gk:Place . ?place {_WITHIN} ?holder . ?place a gk:Place }} }} "
        "?designation gk:heldBy ?holder",
    ),
    (  # held by the place or by one it contains
        "?designation gk:heldByPlaceWithin ?place",
        "{ SELECT DISTINCT ?holder ?place "
        f"WHERE {{ ?holder a gk:Place . ?holder {_WITHIN} ?place . ?place a gk:Place }} }} "
        "?designation gk:heldBy ?holder",
    ),
)


# What the rules read beyond a designation's own triples and its involvements' (which point back
# at it): the place hierarchy and which nodes are places. A change to either may alter the
# shortcuts of designations anywhere (guian_kg.incremental validates it whole).
HIERARCHY = tuple(
    ox.NamedNode(f"https://schema.org/{name}") for name in ("containedInPlace", "containsPlace")
)
PLACE = ox.NamedNode("https://w3id.org/guian-kg/ontology#Place")

# The properties the rules add: what the dumps' runs and the store's update take from the built
# graph, since no unit's cached triples hold them.
PREDICATES = tuple(
    ox.NamedNode(f"https://w3id.org/guian-kg/ontology#{name}")
    for name in ("involves", "heldByPlaceContaining", "heldByPlaceWithin")
)


def add_shortcuts(
    store: ox.Store, graph: ox.NamedNode, designations: Iterable[ox.NamedNode] | None = None
) -> None:
    """Add every shortcut derivable from the triples of `graph` to `graph` (idempotent); of the
    `designations` alone, if given."""
    only = ""
    if designations is not None:
        only = "VALUES ?designation { " + " ".join(str(d) for d in designations) + " } "
    for head, body in _RULES:
        store.update(
            f"{_PREFIXES}INSERT {{ GRAPH <{graph.value}> {{ {head} }} }} "
            f"WHERE {{ GRAPH <{graph.value}> {{ {only}{body} }} }}"
        )


def touches_places(changed: Iterable[ox.Triple]) -> bool:
    """Whether any of the triples is a link of the places' hierarchy or types a node a place."""
    return any(
        t.predicate in HIERARCHY or (t.predicate, t.object) == (_TYPE, PLACE) for t in changed
    )


def designations_changed(
    changed: Iterable[ox.Triple], involving: Callable[[ox.Term], Iterable[ox.Term]]
) -> set[ox.Term] | None:
    """The designations whose shortcuts may differ once the triples `changed` (taken out of the
    graph or put in) are: those whose gk:involvement or gk:heldBy changed, and those involved
    through an involvement whose prov:agent changed (`involving(i)`: the subjects of
    `?d gk:involvement i`, before or after). None where the places' hierarchy changed (a place's
    type, schema:containedInPlace or schema:containsPlace): any designation's may then."""
    changed = list(changed)
    if touches_places(changed):
        return None
    found = {t.subject for t in changed if t.predicate in (_INVOLVEMENT, _HELD_BY)}
    for t in changed:
        if t.predicate == _AGENT:
            found.update(involving(t.subject))
    return found


# The triples of a designation the rules read: its own, and its involvements' agents.
_GK = "https://w3id.org/guian-kg/ontology#"
_INVOLVEMENT, _HELD_BY = ox.NamedNode(f"{_GK}involvement"), ox.NamedNode(f"{_GK}heldBy")
_AGENT = ox.NamedNode("http://www.w3.org/ns/prov#agent")
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def shortcut_lines(store: ox.Store, graph: ox.NamedNode) -> list[str]:
    """The lines of shortcut_ntriples, sorted: a build makes them once (KnowledgeGraph.shortcuts)
    for its dumps, its JSON-LD pieces, its store and its description."""
    return sorted(filter(None, shortcut_ntriples(store, graph).split("\n")))


def shortcut_ntriples(store: ox.Store, graph: ox.NamedNode) -> str:
    """The triples of `graph` with a shortcut property, as N-Triples (Oxigraph's lines)."""
    triples = [q.triple for p in PREDICATES for q in store.quads_for_pattern(None, p, None, graph)]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8") if triples else ""

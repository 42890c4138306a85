"""Figures about a graph: triples per named graph and instances per class, with the words that name them.

Counted by SPARQL on an Oxigraph store: the project's graph, a built dist/ (its store) or any RDF
files. The data graph is the named graph `{base}graph/data` where there is one (the base is read
from its name, so a dist/ built with another base counts the same), else the default graph.
"""

from __future__ import annotations

import pyoxigraph as ox

from . import DEFAULT_BASE
from .iri import GRAPH_NAMES
from .namespaces import shorten
from .store import OpenStore

DEFAULT_GRAPH = "default"  # the key of the default graph's triples, when no graph is named
# Each figure of `stats --json` (its key) and the words of the table.
WORDS = {
    "triples": "triples",
    "total": "in all",
    "designations": "designations",
    "numbered_designations": "numbered designations",
    "observations": "observations",
    "milestones": "milestones",
    "claims": "claims",
    "quotes": "quotes",
    "classes": "instances per class in the data graph",
}
COUNTED = ("Designation", "Observation", "Milestone", "Claim", "Quote")


def statistics(source: ox.Store | OpenStore) -> dict[str, object]:
    """Triples per graph and in all, the main counts and the instances per class of the data graph."""
    store = source.store if isinstance(source, OpenStore) else source
    per_graph = _triples_per_graph(source)
    base = next(
        (iri[: -len("graph/data")] for iri in per_graph if iri.endswith("/graph/data")), None
    )
    data = f"GRAPH <{base}graph/data>" if base else ""
    gk = f"{base or DEFAULT_BASE}ontology#"
    classes = {
        row["c"].value: int(row["n"].value)
        for row in store.query(
            f"SELECT ?c (COUNT(*) AS ?n) WHERE {{ {data} {{ ?s a ?c }} }} GROUP BY ?c"
        )
    }
    numbered = store.query(
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {data} {{ ?s <{gk}sequenceNumber> ?x }} }}"
    )
    counts = {name: classes.get(f"{gk}{name}", 0) for name in COUNTED}
    return {
        "triples": _graph_names(per_graph, base) | {"total": sum(per_graph.values())},
        "designations": counts["Designation"],
        "numbered_designations": int(next(iter(numbered))["n"].value),
        "observations": counts["Observation"],
        "milestones": counts["Milestone"],
        "claims": counts["Claim"],
        "quotes": counts["Quote"],
        "classes": {shorten(c): n for c, n in sorted(classes.items())},
    }


def _triples_per_graph(source: ox.Store | OpenStore) -> dict[str, int]:
    """Triples in each named graph (by IRI); with none, in the default graph (""). The stores of
    guian_kg/engine.py copy the named graphs' union into the default graph: it is not counted.
    A store guian-kg made counted them once, when it was made (its mark, store.py): counting
    again reads every quad (1.2 of the 1.7 s of `stats --dist` at 2.4 million triples)."""
    if isinstance(source, OpenStore) and source.sizes:
        named = {graph: n for graph, n in source.sizes.items() if graph}
        return named or {"": source.sizes.get("", 0)}
    store = source.store if isinstance(source, OpenStore) else source
    sizes = {
        row["g"].value: int(row["n"].value)
        for row in store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
    }
    if sizes:
        return sizes
    default = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)
    return {"": default}


def _graph_names(per_graph: dict[str, int], base: str | None) -> dict[str, int]:
    """The project's graphs by their short names (ontology, data, void, in that order), others by IRI."""
    named = {f"{base}graph/{name}": name for name in GRAPH_NAMES} if base else {}
    order = list(named)
    ordered = sorted(
        per_graph, key=lambda iri: (iri not in named, iri in named and order.index(iri), iri)
    )
    return {named.get(iri, iri or DEFAULT_GRAPH): per_graph[iri] for iri in ordered}


def table(figures: dict[str, object]) -> str:
    """The figures as lines of words and numbers, the classes and graphs indented."""
    lines = []
    for key, value in figures.items():
        words = WORDS.get(key, key)
        if isinstance(value, dict):
            lines.append(f"{words}:")
            lines.extend(f"  {WORDS.get(k, _graph_words(k)):<40} {v:>9,}" for k, v in value.items())
        else:
            lines.append(f"{words:<42} {value:>9,}")
    return "\n".join(lines) + "\n"


def _graph_words(name: str) -> str:
    return f"in the {name} graph" if name in (*GRAPH_NAMES, "default") else name

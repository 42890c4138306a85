"""What the home page of `guian-kg serve` shows that grows with the graph, counted once when a
store is made and kept in its mark (guian_kg/store.py): the rdf:type statements per class of each
named graph, and the dated designations its timeline draws. Counted at every start of the server,
they read the index blocks of every typed subject and of every designation's dates: at a million
triples, 20 MiB more of the server's memory after its first `/`
(`python benchmarks/serve_scale.py`).

A mark's figures are trusted as its sizes are: the mark is ours, for the store of its folder,
written once the store was made (store.py). They are used only where they also fit it
(`trusted_classes`, `trusted_timeline`): class counts of its named graphs, none more than the
graph's triples; a timeline of at most MAX_MARKS distinct designations in the timeline's order, no
more than the class counts' designations. Figures edited to fit could be told only by counting
again, which is what they spare.
"""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox

MAX_MARKS = 100  # designations drawn, at most (a page of bounded size whatever the graph)
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
DATA_GRAPH = "graph/data"  # the end of the data graph's IRI: what precedes it is the base
CLASSES, TIMELINE = "classes", "timeline"  # their keys in a store's mark

Dated = tuple[dt.date, "int | None", str]  # a designation's start, its number, its IRI


def count_classes(store: ox.Store) -> dict[str, dict[str, int]]:
    """rdf:type statements per class IRI in each named graph (by IRI; graphs with none left out)."""
    counts: dict[str, dict[str, int]] = {}
    for s in store.query(_CLASSES):
        counts.setdefault(s["g"].value, {})[s["class"].value] = int(s["n"].value)
    return counts


_CLASSES = (
    "SELECT ?g ?class (COUNT(*) AS ?n) { GRAPH ?g { ?s a ?class FILTER(isIRI(?class)) } } "
    "GROUP BY ?g ?class"
)


def trusted_classes(classes, sizes) -> dict[str, dict[str, int]] | None:
    """A mark's class counts, if they fit its sizes (those of named graphs it counted, each
    graph's no more than its triples: an rdf:type statement is one of them); else None."""
    if not isinstance(classes, dict) or not isinstance(sizes, dict):
        return None
    for graph, counts in classes.items():
        size = sizes.get(graph)
        if not graph or type(size) is not int or not isinstance(counts, dict) or not counts:
            return None
        if any(type(n) is not int or n < 1 for n in counts.values()):
            return None
        if sum(counts.values()) > size:
            return None
    return classes


def dated_designations(store: ox.Store, gk: str) -> tuple[list[Dated], bool]:
    """The designations (in the namespace `gk`) with a gk:periodStart that is an xsd:date, in date
    order (ties by their number in the article, then IRI), each at its least (start, number):
    the first MAX_MARKS, and whether there are more."""
    # The other values are looked up for the designations drawn only: OPTIONALs here would join
    # against the periods of every figure in the graph.
    solutions = store.query(
        f"PREFIX gk: <{gk}> SELECT ?designation ?start ?number {{ ?designation a gk:Designation ; "
        "gk:periodStart ?start OPTIONAL { ?designation gk:sequenceNumber ?number } }",
        use_default_graph_as_union=True,
    )
    found: dict[str, Dated] = {}
    for solution in solutions:
        start, designation, number = solution["start"], solution["designation"], solution["number"]
        day = day_of(start)
        if day is not None:
            number = int(number.value) if number is not None else None
            row = (day, number, designation.value)
            if designation.value not in found or _order(row) < _order(found[designation.value]):
                found[designation.value] = row
    dated = sorted(found.values(), key=_order)
    return dated[:MAX_MARKS], len(dated) > MAX_MARKS


def _order(row: Dated) -> tuple:
    start, number, designation = row
    return (start, number if number is not None else 99, designation)


def day_of(term) -> dt.date | None:
    """An xsd:date's day; None for any other term."""
    if isinstance(term, ox.Literal) and term.datatype.value == XSD_DATE:
        try:
            return dt.date.fromisoformat(term.value)
        except ValueError:
            return None
    return None


def timeline_figure(store: ox.Store, sizes: dict[str, int]) -> dict | None:
    """The dated designations of the store's data graph (the one named graph whose IRI ends in
    DATA_GRAPH), for its mark; None if it has no such graph."""
    graphs = [graph for graph in sizes if graph.endswith(DATA_GRAPH)]
    if len(graphs) != 1:
        return None
    gk = graphs[0][: -len(DATA_GRAPH)] + "ontology#"
    dated, more = dated_designations(store, gk)
    rows = [[designation, start.isoformat(), number] for start, number, designation in dated]
    return {"gk": gk, "dated": rows, "more": more}


def home_figures(store: ox.Store, sizes: dict[str, int]) -> dict:
    """The figures of a store's mark (`sizes`: its triples per graph, by IRI)."""
    return {CLASSES: count_classes(store), TIMELINE: timeline_figure(store, sizes)}


def trusted_figures(mark: dict) -> tuple[dict[str, dict[str, int]] | None, dict | None]:
    """A mark's class counts and timeline, each None where it does not fit the mark."""
    classes = trusted_classes(mark.get(CLASSES), mark.get("sizes"))
    return classes, trusted_timeline(mark.get(TIMELINE), classes)


def trusted_timeline(figure, classes: dict[str, dict[str, int]] | None) -> dict | None:
    """A mark's timeline (as timeline_figure made it: "dated" as Dated rows), if it fits: rows
    of a designation, a day and a number or none, distinct and in order, no more than MAX_MARKS
    and than the designations its trusted class counts hold; else None."""
    if classes is None or not isinstance(figure, dict) or not isinstance(figure.get("gk"), str):
        return None
    rows, more = figure.get("dated"), figure.get("more")
    if not isinstance(rows, list) or not isinstance(more, bool) or len(rows) > MAX_MARKS:
        return None
    dated: list[Dated] = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 3 and isinstance(row[0], str)):
            return None
        designation, start, number = row
        if not (number is None or type(number) is int) or not isinstance(start, str):
            return None
        try:
            dated.append((dt.date.fromisoformat(start), number, designation))
        except ValueError:
            return None
    held = sum(of.get(figure["gk"] + "Designation", 0) for of in classes.values())
    if len({d for _, _, d in dated}) != len(dated) or len(dated) + more > held:
        return None
    if dated != sorted(dated, key=_order):
        return None
    return {"gk": figure["gk"], "dated": dated, "more": more}

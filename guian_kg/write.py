"""Deterministic serialisations of the knowledge graph: the same graph gives the same bytes.

Turtle, TriG, N-Triples and N-Quads are written by Oxigraph (ten to fifty times faster than
rdflib) from the statements sorted by their N-Triples form, with the project's prefixes that are
used; N-Triples and N-Quads lines are sorted. RDF/XML is written by rdflib and JSON-LD by PyLD,
each from a graph filled in sorted order (rdflib writes in store order, which depends on parse
order). Output depends on the graph alone, whatever the input order or PYTHONHASHSEED.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from . import jsonld
from .formats import RDFFormat, get_format
from .iri import DEFAULT_BASE
from .namespaces import prefixes
from .terms import to_oxigraph

Triple = tuple[Node, Node, Node]


def sort_key(triple: Iterable[Node]) -> tuple[str, ...]:
    return tuple(term.n3() for term in triple)


def canonical_graph(
    triples: Iterable[Triple], base: str | None = None, identifier: Node | None = None
) -> Graph:
    """A new graph holding `triples` inserted in sorted order, with the project's prefixes bound."""
    g = Graph(identifier=identifier, bind_namespaces="none")
    for prefix, ns in prefixes(base).items():
        g.bind(prefix, ns)
    for triple in sorted(triples, key=sort_key):
        g.add(triple)
    return g


def serialize_graph(graph: Graph, fmt: RDFFormat | str, base: str | None = None) -> str:
    """Serialise a triple graph in `fmt` (a triple format, or a quad format holding one default graph)."""
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    if fmt.name in OXIGRAPH_FORMATS:
        return _oxigraph(((None, graph),), fmt, base)
    g = canonical_graph(graph, base)
    if fmt.name == "jsonld":
        return jsonld.dumps(jsonld.compact([(None, g)], base or DEFAULT_BASE))
    return g.serialize(format=fmt.rdflib)


def serialize_dataset(
    graphs: dict[URIRef, Graph], fmt: RDFFormat | str, base: str | None = None
) -> str:
    """Serialise named graphs: quad formats keep the names, triple formats write their union."""
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    if fmt.name in OXIGRAPH_FORMATS:
        return _oxigraph(sorted(graphs.items()), fmt, base)
    if not fmt.quads:
        union = Graph()
        for g in graphs.values():
            union += g
        return serialize_graph(union, fmt, base)
    ordered = [
        (name, canonical_graph(graphs[name], base, identifier=name)) for name in sorted(graphs)
    ]
    return jsonld.dumps(jsonld.compact(ordered, base or DEFAULT_BASE))


OXIGRAPH_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
}


def _oxigraph(
    graphs: Iterable[tuple[URIRef | None, Graph]], fmt: RDFFormat, base: str | None
) -> str:
    """The graphs in a format Oxigraph writes; a triple format gets their union (as a set)."""
    quads = (
        ox.Quad(*(to_oxigraph(term) for term in triple), to_oxigraph(name))
        for name, graph in graphs
        for triple in graph
    )
    return serialize_quads(quads, fmt, base)


def serialize_quads(quads: Iterable[ox.Quad], fmt: RDFFormat | str, base: str | None = None) -> str:
    """Quads in Turtle, TriG, N-Triples or N-Quads, in a stable order whatever their order in
    `quads`; a triple format gets the union of their graphs (as a set)."""
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    statements = set(quads) if fmt.quads else {quad.triple for quad in quads}
    if fmt.name in ("nt", "nq"):
        text = ox.serialize(statements, format=OXIGRAPH_FORMATS[fmt.name]).decode("utf-8")
        return _sorted_lines(text)  # sorted as text, whatever order Oxigraph writes them in
    ordered = sorted(statements, key=_statement_key)
    return ox.serialize(
        ordered, format=OXIGRAPH_FORMATS[fmt.name], prefixes=_used_prefixes(ordered, base)
    ).decode("utf-8")


def store_dumps(store: ox.Store, base: str | None = None) -> dict[str, str]:
    """N-Quads, N-Triples, TriG and Turtle of every named graph of `store` (a triple format: their
    union), in the order `serialize_quads` gives, made in one pass: Oxigraph writes the quads as
    N-Quads, their lines are sorted as text (each split into its terms, which N-Quads writes
    without spaces but for literals), and Oxigraph parses the sorted lines again to write Turtle
    and TriG (no Python object per statement is kept, nor any per term)."""
    lines = [
        line for line in store.dump(format=ox.RdfFormat.N_QUADS).decode("utf-8").split("\n") if line
    ]
    rows = [_terms(line) for line in lines]
    del lines
    triples = {row[:3] for row in rows}
    texts = {
        "nq": _joined(sorted(f"{s} {p} {o} {g} ." for s, p, o, g in rows)),
        "nt": _joined(sorted(f"{s} {p} {o} ." for s, p, o in triples)),
    }
    used = _used_prefixes_of_rows(rows, base)
    ordered_quads = sorted(rows, key=lambda r: (r[3], r[0], r[1] != _RDF_TYPE, r[1], r[2]))
    texts["trig"] = _reserialized(ordered_quads, ox.RdfFormat.TRIG, used)
    del ordered_quads, rows
    used = _used_prefixes_of_rows(triples, base)  # the graph names are not in a triple
    ordered_triples = sorted(triples, key=lambda r: (r[0], r[1] != _RDF_TYPE, r[1], r[2]))
    texts["ttl"] = _reserialized(ordered_triples, ox.RdfFormat.TURTLE, used)
    return texts


def _terms(line: str) -> tuple[str, str, str, str]:
    """(subject, predicate, object, graph) of an N-Quads line in a named graph, as written."""
    subject, predicate, rest = line.split(" ", 2)
    obj, graph = rest[: -len(" .")].rsplit(" ", 1)
    return subject, predicate, obj, graph


def _joined(lines: list[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""


def _reserialized(
    rows: list[tuple[str, ...]], rdf_format: ox.RdfFormat, used: dict[str, str]
) -> str:
    """Rows of N-Triples/N-Quads terms, in their order, in `rdf_format`: parsed by Oxigraph again,
    one statement at a time."""
    source = ox.RdfFormat.N_QUADS if rdf_format.supports_datasets else ox.RdfFormat.N_TRIPLES
    text = "".join(" ".join(row) + " .\n" for row in rows).encode("utf-8")
    statements = (
        quad if rdf_format.supports_datasets else quad.triple
        for quad in ox.parse(text, format=source)
    )
    return ox.serialize(statements, format=rdf_format, prefixes=used).decode("utf-8")


def _used_prefixes_of_rows(rows: Iterable[tuple[str, ...]], base: str | None) -> dict[str, str]:
    """`_used_prefixes` of rows of N-Quads terms: the IRIs they name, and literals' datatypes."""
    iris = set()
    for row in rows:
        for term in row:
            if term.startswith("<"):
                iris.add(term[1:-1])
            elif term.startswith('"'):
                iris.add(_literal_datatype(term))
    namespaces = prefixes(base)
    return {p: ns for p, ns in namespaces.items() if any(iri.startswith(ns) for iri in iris)}


def _literal_datatype(term: str) -> str:
    """The datatype IRI of a literal as N-Quads writes it."""
    if term.endswith(">") and '"^^<' in term:
        return term[term.rindex('"^^<') + 4 : -1]
    if not term.endswith('"'):
        return _RDF_LANG_STRING  # "…"@tag
    return _XSD_STRING


_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _statement_key(statement) -> tuple:
    """Graph, subject, then rdf:type first (Turtle's `a`), then predicate and object, by N-Triples form."""
    terms = [str(term) for term in statement]
    graph = terms[3:]  # quads only
    return (*graph, terms[0], terms[1] != _RDF_TYPE, terms[1], terms[2])


_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def _used_prefixes(statements, base: str | None) -> dict[str, str]:
    """The project's prefixes that some IRI (or literal datatype) of `statements` starts with."""
    iris = set()
    for statement in statements:
        for term in statement:
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    namespaces = prefixes(base)
    return {p: ns for p, ns in namespaces.items() if any(iri.startswith(ns) for iri in iris)}


def _sorted_lines(text: str) -> str:
    lines = sorted(line for line in text.splitlines() if line.strip())
    return "\n".join(lines) + "\n"

"""Deterministic serialisations of the knowledge graph: the same graph gives the same bytes.

Turtle, TriG, N-Triples and N-Quads are written by Oxigraph (ten to fifty times faster than
rdflib) from the statements sorted by their N-Triples form, with the project's prefixes that are
used; N-Triples and N-Quads lines are sorted. JSON-LD is compacted from the same Oxigraph terms
(compaction.py, which sorts its output). RDF/XML is written by rdflib from a graph filled in sorted
order (rdflib writes in store order, which depends on parse order). Output depends on the graph
alone, whatever the input order or PYTHONHASHSEED.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .compaction import compact_quads
from .formats import RDFFormat, get_format
from .iri import DEFAULT_BASE
from .namespaces import prefixes

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
    if fmt.name == "jsonld":
        return compact_quads(oxigraph_quads(((None, graph),)), base or DEFAULT_BASE)
    return canonical_graph(graph, base).serialize(format=fmt.rdflib)


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
    return compact_quads(oxigraph_quads(sorted(graphs.items())), base or DEFAULT_BASE)


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
    if fmt.quads:
        statements = set(oxigraph_quads(graphs))
    else:
        statements = {
            ox.Triple(*(to_oxigraph(term) for term in triple))
            for _, graph in graphs
            for triple in graph
        }
    ordered = sorted(statements, key=_statement_key)
    if fmt.name in ("nt", "nq"):
        text = ox.serialize(ordered, format=OXIGRAPH_FORMATS[fmt.name]).decode("utf-8")
        return _sorted_lines(text)  # Oxigraph's line order follows term order, not text order
    return ox.serialize(
        ordered, format=OXIGRAPH_FORMATS[fmt.name], prefixes=_used_prefixes(ordered, base)
    ).decode("utf-8")


def _statement_key(statement) -> tuple:
    """Graph, subject, then rdf:type first (Turtle's `a`), then predicate and object, by N-Triples form."""
    terms = [str(term) for term in statement]
    graph = terms[3:]  # quads only
    return (*graph, terms[0], terms[1] != _RDF_TYPE, terms[1], terms[2])


_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def oxigraph_quads(graphs: Iterable[tuple[URIRef | None, Graph]]) -> Iterator[ox.Quad]:
    """The statements of (graph name or None for the default graph, graph) pairs as Oxigraph quads."""
    for name, graph in graphs:
        graph_name = to_oxigraph(name)
        for triple in graph:
            yield ox.Quad(*(to_oxigraph(term) for term in triple), graph_name)


def to_oxigraph(term: Node | None):
    """An rdflib term as a pyoxigraph term (None: the default graph)."""
    if term is None:
        return ox.DefaultGraph()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


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

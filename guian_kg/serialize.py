"""Deterministic serialisations of the knowledge graph: the same graph gives the same bytes.

rdflib writes triples in store order, which depends on parse order; every writer here first
copies the triples into a fresh store in a sorted order (by N-Triples form), so that output
depends on the graph alone, whatever the input order or PYTHONHASHSEED.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from . import jsonld
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
    g = canonical_graph(graph, base)
    if fmt.name == "jsonld":
        return jsonld.dumps(jsonld.compact([(None, g)], base or DEFAULT_BASE))
    if fmt.name in ("nt", "nq"):
        return _sorted_lines(g.serialize(format=fmt.rdflib))
    return g.serialize(format=fmt.rdflib)


def serialize_dataset(
    graphs: dict[URIRef, Graph], fmt: RDFFormat | str, base: str | None = None
) -> str:
    """Serialise named graphs: quad formats keep the names, triple formats write their union."""
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    if not fmt.quads:
        union = Graph()
        for g in graphs.values():
            union += g
        return serialize_graph(union, fmt, base)
    ordered = [
        (name, canonical_graph(graphs[name], base, identifier=name)) for name in sorted(graphs)
    ]
    if fmt.name == "jsonld":
        return jsonld.dumps(jsonld.compact(ordered, base or DEFAULT_BASE))
    if fmt.name == "trig":
        return _trig(ordered)
    ds = Dataset(default_union=False)
    for name, g in ordered:
        named = ds.graph(name)
        for triple in g:
            named.add(triple)
    return _sorted_lines(ds.serialize(format=fmt.rdflib))


def _trig(graphs: list[tuple[URIRef, Graph]]) -> str:
    """TriG written graph by graph in name order (rdflib's TriG writer orders graphs by hash)."""
    prefix_lines: set[str] = set()
    blocks = []
    for name, g in graphs:
        lines = g.serialize(format="turtle").splitlines()
        prefix_lines.update(line for line in lines if line.startswith("@prefix"))
        # Not indented: rdflib writes literals with line breaks as long strings, which must stay verbatim.
        body = [line for line in lines if not line.startswith("@prefix")]
        while body and not body[0]:
            body.pop(0)
        while body and not body[-1]:
            body.pop()
        blocks.append(f"{name.n3()} {{\n" + "\n".join(body) + "\n}\n")
    return "\n".join(sorted(prefix_lines)) + "\n\n" + "\n".join(blocks)


def _sorted_lines(text: str) -> str:
    lines = sorted(line for line in text.splitlines() if line.strip())
    return "\n".join(lines) + "\n"

"""Deterministic serialisations of the knowledge graph: the same graph gives the same bytes.

rdflib writes triples in store order, which depends on parse order; every writer here first
copies the triples into a fresh store in a sorted order (by N-Triples form), so that output
depends on the graph alone, whatever the input order or PYTHONHASHSEED.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from .formats import RDFFormat, get_format
from .namespaces import prefixes

Triple = tuple[Node, Node, Node]


def sort_key(triple: Iterable[Node]) -> tuple[str, ...]:
    return tuple(term.n3() for term in triple)


def canonical_graph(triples: Iterable[Triple], base: str | None = None, identifier: Node | None = None) -> Graph:
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
        return _jsonld([(None, g)], base)
    if fmt.name in ("nt", "nq"):
        return _sorted_lines(g.serialize(format=fmt.rdflib))
    return g.serialize(format=fmt.rdflib)


def serialize_dataset(graphs: dict[URIRef, Graph], fmt: RDFFormat | str, base: str | None = None) -> str:
    """Serialise named graphs: quad formats keep the names, triple formats write their union."""
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    if not fmt.quads:
        union = Graph()
        for g in graphs.values():
            union += g
        return serialize_graph(union, fmt, base)
    ordered = [(name, canonical_graph(graphs[name], base, identifier=name)) for name in sorted(graphs)]
    if fmt.name == "jsonld":
        return _jsonld(ordered, base)
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


def jsonld_context(base: str | None = None) -> dict:
    """The JSON-LD @context object: the project's prefixes (and terms) under `base`."""
    from .resources import context_path
    from .iri import DEFAULT_BASE

    text = context_path().read_text(encoding="utf-8")
    if base and base != DEFAULT_BASE:
        text = text.replace(DEFAULT_BASE, base)
    return json.loads(text)["@context"]


def _jsonld(graphs: list[tuple[URIRef | None, Graph]], base: str | None) -> str:
    """Compacted JSON-LD with the project context embedded; nodes and values in a stable order."""
    context = jsonld_context(base)
    out_graphs = []
    for name, g in graphs:
        doc = json.loads(g.serialize(format="json-ld", context=context, auto_compact=True))
        nodes = doc.get("@graph", [doc] if "@id" in doc else [])
        nodes = [{k: v for k, v in node.items() if k != "@context"} for node in nodes]
        nodes = sorted((_stable(node) for node in nodes), key=lambda n: n.get("@id", ""))
        out_graphs.append((name, nodes))
    if len(out_graphs) == 1 and out_graphs[0][0] is None:
        body = {"@context": context, "@graph": out_graphs[0][1]}
    else:
        body = {
            "@context": context,
            "@graph": [{"@id": _compact_iri(str(name), context), "@graph": nodes} for name, nodes in out_graphs],
        }
    return json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _stable(value):
    """Sort the values of every multi-valued property (no @list is used in this dataset)."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_stable(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value


def _compact_iri(iri: str, context: dict) -> str:
    for prefix, ns in sorted(context.items(), key=lambda kv: -len(kv[1]) if isinstance(kv[1], str) else 0):
        if isinstance(ns, str) and iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri

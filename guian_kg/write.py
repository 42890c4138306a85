"""Deterministic serialisations of the knowledge graph: the same graph gives the same bytes.

Turtle, TriG, N-Triples, N-Quads and RDF/XML are written by Oxigraph (ten to fifty times faster
than rdflib, and in the order it is given, where rdflib's RDF/XML follows the hash seed) from the
statements sorted by their N-Triples form, with the project's prefixes that are used; N-Triples
and N-Quads lines are sorted. JSON-LD is compacted from the same Oxigraph terms (compaction.py,
which sorts its output). Output depends on the graph alone, whatever the input order or
PYTHONHASHSEED.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from .compaction import compact_quads
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
    "rdfxml": ox.RdfFormat.RDF_XML,  # rdflib's order follows PYTHONHASHSEED, Oxigraph's its input
}


def _oxigraph(
    graphs: Iterable[tuple[URIRef | None, Graph]], fmt: RDFFormat, base: str | None
) -> str:
    """The graphs in a format Oxigraph writes; a triple format gets their union (as a set)."""
    return serialize_quads(oxigraph_quads(graphs), fmt, base)


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


def store_dumps(
    store: ox.Store, base: str | None = None, formats: Iterable[str] = ("nq", "nt", "trig", "ttl")
) -> dict[str, str]:
    """N-Quads, N-Triples, TriG and Turtle (those of `formats`) of every named graph of `store` (a
    triple format: their union), in the order `serialize_quads` gives, with no Python object per
    statement kept: Oxigraph writes the quads as N-Quads lines, which are sorted as text (each by
    one key string made of its terms: N-Quads writes a term without spaces, but for literals, and
    never a NUL), and Oxigraph parses the sorted lines again to write Turtle and TriG."""
    formats = set(formats)
    lines = store.dump(format=ox.RdfFormat.N_QUADS).decode("utf-8").split("\n")
    lines.pop()  # after the last newline
    terms: set[str] = set()  # distinct subjects, predicates and objects: which prefixes are used
    graphs: set[str] = set()
    quad_keys: list[str] = []
    triple_keys: dict[str, str] = {}  # a triple's line → its key
    for line in lines:
        subject, predicate, rest = line.split(" ", 2)
        obj, graph = rest[:-2].rsplit(" ", 1)
        terms.add(subject)
        terms.add(predicate)
        terms.add(obj)
        graphs.add(graph)
        rank = "0" if predicate == _RDF_TYPE else "1"  # rdf:type first, as Turtle's `a`
        if "trig" in formats:
            quad_keys.append(f"{graph}\0{subject}\0{rank}{predicate}\0{obj}")
        if formats & {"nt", "ttl"}:
            triple_keys[f"{subject} {predicate} {obj} ."] = f"{subject}\0{rank}{predicate}\0{obj}"
    heads = {_head(term) for term in terms}
    del terms
    texts = {}
    if "trig" in formats:
        order = sorted(range(len(lines)), key=quad_keys.__getitem__)
        del quad_keys
        used = _prefixes_of(heads | {_head(g) for g in graphs}, base)
        texts["trig"] = _reserialized([lines[i] for i in order], ox.RdfFormat.TRIG, used)
        del order
    if "nq" in formats:
        lines.sort()
        texts["nq"] = _joined(lines)
    del lines
    if "nt" in formats:
        texts["nt"] = _joined(sorted(triple_keys))
    if "ttl" in formats:
        ordered = sorted(triple_keys, key=triple_keys.__getitem__)
        del triple_keys
        texts["ttl"] = _reserialized(ordered, ox.RdfFormat.TURTLE, _prefixes_of(heads, base))
    return texts


def _head(term: str) -> str:
    """An IRI's (or a literal's datatype's) part up to its last '/' or '#', as N-Quads writes the
    term: what a prefix of ours can name."""
    iri = _literal_datatype(term) if term[0] == '"' else term.strip("<>")  # or a blank node
    return iri[: max(iri.rfind("/"), iri.rfind("#")) + 1]


def _prefixes_of(heads: set[str], base: str | None) -> dict[str, str]:
    """The project's prefixes that some IRI starts with (each prefix ends with '/' or '#', so it
    starts an IRI exactly when it starts the IRI's head)."""
    namespaces = prefixes(base)
    return {p: ns for p, ns in namespaces.items() if any(h.startswith(ns) for h in heads)}


def _joined(lines: list[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""


def _reserialized(lines: list[str], rdf_format: ox.RdfFormat, used: dict[str, str]) -> str:
    """N-Triples or N-Quads lines, in their order, in `rdf_format`: Oxigraph parses them again,
    one statement at a time."""
    source = ox.RdfFormat.N_QUADS if rdf_format.supports_datasets else ox.RdfFormat.N_TRIPLES
    statements = ox.parse(_joined(lines).encode("utf-8"), format=source)
    if not rdf_format.supports_datasets:
        statements = (quad.triple for quad in statements)
    return ox.serialize(statements, format=rdf_format, prefixes=used).decode("utf-8")


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


def oxigraph_quads(graphs: Iterable[tuple[URIRef | None, Graph]]) -> Iterator[ox.Quad]:
    """The statements of (graph name or None for the default graph, graph) pairs as Oxigraph quads."""
    for name, graph in graphs:
        graph_name = to_oxigraph(name)
        for triple in graph:
            yield ox.Quad(*(to_oxigraph(term) for term in triple), graph_name)


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

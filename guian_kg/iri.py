"""Every IRI and URL guian-kg mints: things, documents about things, named graphs, and base rewriting."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from . import DEFAULT_BASE
from .errors import InputError

GRAPH_NAMES = ("ontology", "data", "void")


def check_base(base: str) -> str:
    """Return `base` if it is an absolute http(s) IRI ending in '/', else raise InputError."""
    if not base.startswith(("http://", "https://")) or not base.endswith("/"):
        raise InputError(f"--base must be an absolute http(s) IRI ending in '/': {base!r}")
    return base


@dataclass(frozen=True)
class Iris:
    """Mints IRIs under one base: `{base}id/{kind}/{slug}`, `{base}doc/{kind}/{slug}`, `{base}graph/{name}`,
    `{base}np/{artifact code}`."""

    base: str = DEFAULT_BASE

    def thing(self, kind: str, slug: str) -> URIRef:
        return URIRef(f"{self.base}id/{kind}/{slug}")

    def doc(self, kind: str, slug: str) -> URIRef:
        return URIRef(f"{self.base}doc/{kind}/{slug}")

    def graph(self, name: str) -> URIRef:
        return URIRef(f"{self.base}graph/{name}")

    @property
    def ontology(self) -> URIRef:
        return URIRef(f"{self.base}ontology")

    @property
    def dataset(self) -> URIRef:
        return URIRef(f"{self.base}dataset")

    @property
    def nanopubs(self) -> str:
        """The namespace of the nanopublications `export --format nanopub` writes: each IRI is
        this namespace and the artifact code of its trusty URI (`{base}np/RA…`)."""
        return f"{self.base}np/"

    @property
    def context(self) -> URIRef:
        """The published JSON-LD context that framed documents reference."""
        return URIRef(f"{self.base}context.jsonld")

    def parse_thing(self, iri: str) -> tuple[str, str] | None:
        """Return (kind, slug) of a thing IRI under this base, or None."""
        prefix = f"{self.base}id/"
        if not iri.startswith(prefix):
            return None
        kind, sep, slug = iri[len(prefix) :].partition("/")
        if not sep or not kind or not slug or "/" in slug:
            return None
        return kind, slug

    def doc_for(self, thing: str) -> URIRef | None:
        """The document IRI describing a thing IRI, or None if `thing` is not one of ours."""
        parsed = self.parse_thing(thing)
        return self.doc(*parsed) if parsed else None


def rebase_term(term: Node, base: str, old: str = DEFAULT_BASE) -> Node:
    """Move an IRI, or a literal that spells one (void:uriSpace, vann:preferredNamespaceUri), under `base`."""
    if isinstance(term, URIRef) and str(term).startswith(old):
        return URIRef(base + str(term)[len(old) :])
    if isinstance(term, Literal) and not term.language and str(term).startswith(old):
        return Literal(base + str(term)[len(old) :], datatype=term.datatype)
    return term


def rebase_graph(graph: Graph, base: str, old: str = DEFAULT_BASE) -> Graph:
    """A copy of `graph` with every IRI under `old` moved under `base` (the same graph if they are equal)."""
    if base == old:
        return graph
    out = Graph(identifier=rebase_term(graph.identifier, base, old))
    for s, p, o in graph:
        out.add((rebase_term(s, base, old), rebase_term(p, base, old), rebase_term(o, base, old)))
    return out


def rebase_quad(quad: ox.Quad, base: str, old: str = DEFAULT_BASE) -> ox.Quad:
    """`rebase_term` for a pyoxigraph quad (the build's store holds the graph under the default base)."""
    return ox.Quad(*(_rebase_oxigraph(term, base, old) for term in quad))


def _rebase_oxigraph(term, base: str, old: str):
    if isinstance(term, ox.NamedNode) and term.value.startswith(old):
        return ox.NamedNode(base + term.value[len(old) :])
    if isinstance(term, ox.Literal) and not term.language and term.value.startswith(old):
        return ox.Literal(base + term.value[len(old) :], datatype=term.datatype)
    return term

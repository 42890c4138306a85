"""JSON-LD compaction of RDF quads with the project's context, in one pass, without a JSON-LD processor.

It writes what PyLD's `from_rdf` then `compact` write (and `jsonld.py` then sorts and dumps), for
the features the project's context uses: prefixes, keyword aliases, terms with `@id` or `@reverse`,
`@type` (`@id` or a datatype) and `@container` (`@set`, `@language`). It follows the JSON-LD 1.1
API (https://www.w3.org/TR/json-ld11-api/): RDF to JSON-LD (section 8.4: `rdf:type` becomes
`@type`, `xsd:string` is dropped), IRI compaction with term selection (sections 6.2, 6.3; the
inverse context of section 4.3), value compaction (6.4), named graphs as `@graph` of their node.
Canonical `xsd:integer` and `xsd:boolean` literals become JSON numbers and booleans, as in
`jsonld.expanded`. Terms, IRIs and values are compacted once each (cached), so the time grows with
the number of statements, plus sorting.

What it does not implement raises `CompactionUnsupported` instead of writing something else: a
context feature outside that list, an `rdf:nil` object (PyLD turns lists into `@list`), a JSON
literal, a base direction, RDF-star. The tests compare its output with PyLD's on the project's
graphs; PyLD stays the reference.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import pyoxigraph as ox

from . import DEFAULT_BASE
from .errors import GuianKGError
from .iri import Iris
from .json_text import Raw, dump_sorted, dump_value
from .resources import context_path

ContextMode = Literal["embed", "iri"]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE, _RDF_NIL, _RDF_JSON = _RDF + "type", _RDF + "nil", _RDF + "JSON"
_XSD_STRING, _XSD_INTEGER, _XSD_BOOLEAN = _XSD + "string", _XSD + "integer", _XSD + "boolean"
_INTEGER = re.compile(r"^(0|-?[1-9][0-9]*)$")
_JS_SAFE = 2**53 - 1  # larger integers would lose digits as JavaScript numbers
_GEN_DELIMS = ":/?#[]@"  # a simple term whose IRI ends with one is a prefix (JSON-LD 1.1, 4.2.2)
_GEN_DELIM = re.compile(r"[:/?#\[\]@]")

# Term selection (JSON-LD 1.1 API 6.3, as PyLD orders it): the containers to try, the inverse
# context map to look in, and the preferred keys, for each shape of value.
_NODE_CONTAINERS = ("@id", "@id@set", "@type", "@set@type", "@set", "@none", "@index", "@index@set")
_LANGUAGE_CONTAINERS = ("@language", "@language@set", "@set", "@none", "@index", "@index@set")
_TYPED_CONTAINERS = ("@set", "@none", "@index", "@index@set")
_PLAIN_CONTAINERS = (*_TYPED_CONTAINERS, "@language", "@language@set")


# How a value joins its node, decided once per property and shape of value (Compactor.way): as it
# is, into a language map (under its language, or @none), or as a value object.
AS_IS, IN_MAP, LANGUAGE_OBJECT, TYPED_OBJECT, ID_OBJECT = range(5)


class CompactionUnsupported(GuianKGError):
    """A context feature, a literal or a term the compactor does not handle (never written otherwise)."""


@cache
def _context_text() -> str:
    return context_path().read_text(encoding="utf-8")


def jsonld_context(base: str | None = None) -> dict:
    """The JSON-LD @context object (prefixes and terms), the project's namespaces under `base`."""
    text = _context_text()
    if base and base != DEFAULT_BASE:
        text = text.replace(DEFAULT_BASE, base)
    return json.loads(text)["@context"]


def context_iri(base: str = DEFAULT_BASE) -> str:
    """The IRI the context is published at, which framed documents reference."""
    return str(Iris(base).context)


@dataclass(frozen=True)
class Term:
    name: str
    iri: str
    reverse: bool = False
    type: str | None = None  # "@id" or a datatype IRI
    container: frozenset[str] = frozenset()

    @property
    def language_map(self) -> bool:
        return "@language" in self.container

    @property
    def as_set(self) -> bool:
        return "@set" in self.container


class Compactor:
    """IRI, term and value compaction with one context; every answer cached."""

    def __init__(self, context: dict):
        self.terms: dict[str, Term] = {}
        self.prefixes: dict[str, str] = {}  # term → namespace, for terms usable as prefixes
        self.aliases: dict[str, str] = {}  # keyword → its shortest (then least) alias
        self.types_as_set = False  # the @type alias has "@container": "@set": types always a list
        self._read(context)
        self.namespaces: dict[str, list[str]] = {}  # namespace → the prefixes it has
        for prefix, namespace in self.prefixes.items():
            self.namespaces.setdefault(namespace, []).append(prefix)
        self.inverse = self._inverse()
        self._ids: dict[str, str] = {}
        self._vocab: dict[str, str] = {}
        self._properties: dict[tuple, tuple[str, Term | None]] = {}
        self.ways: dict[tuple[str, str | None], tuple] = {}

    # ------------------------------------------------------------ the context

    def _read(self, context: dict) -> None:
        raw = {k: v for k, v in context.items() if not k.startswith("@")}
        for key, value in context.items():
            if key.startswith("@") and (key, value) != ("@version", 1.1):
                raise CompactionUnsupported(f"context entry {key!r} is not supported")
        for name in sorted(raw, key=lambda t: (len(t), t)):
            if ":" in name:
                raise CompactionUnsupported(f"context term {name!r} holds a colon")
            value = raw[name]
            if isinstance(value, dict) and value.get("@id") == "@type":
                # JSON-LD 1.1 (section 4.3.3): an @type alias may only say "@container": "@set"
                if value != {"@id": "@type", "@container": "@set"}:
                    raise CompactionUnsupported(
                        f"context term {name!r}: {value!r} is not supported"
                    )
                self.aliases.setdefault("@type", name)
                self.types_as_set = True
                continue
            if isinstance(value, str) and value.startswith("@"):
                if value not in ("@id", "@type"):  # PyLD reads @value, @graph … unaliased
                    raise CompactionUnsupported(f"context term {name!r}: an alias of {value}")
                self.aliases.setdefault(value, name)
                continue
            if isinstance(value, str):
                iri = self._expand(value, raw)
                self.terms[name] = Term(name, iri)
                if iri[-1] in _GEN_DELIMS:
                    self.prefixes[name] = iri
                continue
            if not isinstance(value, dict) or set(value) - {
                "@id",
                "@reverse",
                "@type",
                "@container",
            }:
                raise CompactionUnsupported(f"context term {name!r}: {value!r} is not supported")
            reverse = "@reverse" in value
            iri = self._expand(value["@reverse" if reverse else "@id"], raw)
            kind = value.get("@type")
            if kind is not None and kind != "@id":
                kind = self._expand(kind, raw)
            containers = value.get("@container", [])
            containers = frozenset([containers] if isinstance(containers, str) else containers)
            if containers - {"@set", "@language"} or ("@id" in value and reverse):
                raise CompactionUnsupported(f"context term {name!r}: {value!r} is not supported")
            self.terms[name] = Term(name, iri, reverse, kind, containers)

    def _expand(self, value: Any, raw: dict) -> str:
        if not isinstance(value, str) or value.startswith(("@", "_:")):
            raise CompactionUnsupported(f"context IRI {value!r} is not supported")
        prefix, colon, suffix = value.partition(":")
        if colon and not suffix.startswith("//") and prefix in raw:
            if not isinstance(raw[prefix], str):
                raise CompactionUnsupported(
                    f"context IRI {value!r}: prefix {prefix!r} is no simple term"
                )
            return self._expand(raw[prefix], raw) + suffix
        if colon:
            return value
        raise CompactionUnsupported(f"context IRI {value!r} is relative")

    def _inverse(self) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
        """IRI → container → "@language"/"@type" → preferred value → term (JSON-LD 1.1 API 4.3)."""
        inverse: dict = {}
        for term in sorted(self.terms.values(), key=lambda t: (len(t.name), t.name)):
            container = "".join(sorted(term.container)) or "@none"
            entry = inverse.setdefault(term.iri, {}).setdefault(
                container, {"@language": {}, "@type": {}}
            )
            if term.reverse:
                entry["@type"].setdefault("@reverse", term.name)
            elif term.type is not None:
                entry["@type"].setdefault(term.type, term.name)
            else:  # no default language: "@none" stands for it
                entry["@language"].setdefault("@none", term.name)
                entry["@type"].setdefault("@none", term.name)
        return inverse

    def alias(self, keyword: str) -> str:
        return self.aliases.get(keyword, keyword)

    # ------------------------------------------------------------ IRIs and terms

    def _select(self, iri: str, containers, kind: str, preferred) -> str | None:
        by_container = self.inverse.get(iri)
        if by_container is None:
            return None
        for container in containers:
            entry = by_container.get(container)
            if entry is None:
                continue
            for value in preferred:
                if value in entry[kind]:
                    return entry[kind][value]
        return None

    def _curie(self, iri: str) -> str:
        """The shortest, then least, compact IRI of `iri`, else `iri` itself (no @vocab, no @base)."""
        best = None
        # a prefix's namespace ends with a gen-delim: look up each of iri's heads that does
        for delimiter in _GEN_DELIM.finditer(iri, 0, len(iri) - 1):
            end = delimiter.end()
            for prefix in self.namespaces.get(iri[:end], ()):
                candidate = f"{prefix}:{iri[end:]}"
                if best is None or (len(candidate), candidate) < (len(best), best):
                    best = candidate
        if best is not None:
            return best
        scheme = iri.partition(":")[0]
        if scheme in self.prefixes and iri.startswith(scheme + ":"):
            raise CompactionUnsupported(f"IRI {iri} would read as a compact IRI")
        return iri

    def compact_id(self, iri: str) -> str:
        """A node identifier (`@id`, or a value of an `@type: @id` term)."""
        found = self._ids.get(iri)
        if found is None:
            found = self._ids[iri] = self._curie(iri)
        return found

    def compact_vocab(self, iri: str) -> str:
        """A class or datatype IRI: a term if one fits, else a compact IRI."""
        found = self._vocab.get(iri)
        if found is None:
            term = self._select(iri, ("@set", "@none"), "@type", ("@id", "@none"))
            found = self._vocab[iri] = term or self._curie(iri)
        return found

    def property(self, iri: str, shape: tuple) -> tuple[str, Term | None]:
        """The key and term for values of one shape: ("id",), ("lang", tag), ("type", IRI), ("plain",)."""
        found = self._properties.get((iri, shape))
        if found is None:
            kind = shape[0]
            if kind == "id":
                name = self._select(iri, _NODE_CONTAINERS, "@type", ("@id", "@vocab", "@none"))
            elif kind == "lang":
                name = self._select(iri, _LANGUAGE_CONTAINERS, "@language", (shape[1], "@none"))
            elif kind == "type":
                name = self._select(iri, _TYPED_CONTAINERS, "@type", (shape[1], "@none"))
            else:
                name = self._select(iri, _PLAIN_CONTAINERS, "@language", ("@null", "@none"))
            term = self.terms.get(name) if name else None
            found = self._properties[(iri, shape)] = (name or self._curie(iri), term)
        return found

    def reverse_property(self, iri: str) -> tuple[str, Term]:
        """The reverse term for nodes that point to a node with `iri` (framing's @reverse)."""
        name = self._select(iri, _NODE_CONTAINERS, "@type", ("@reverse", "@id", "@vocab", "@none"))
        term = self.terms.get(name) if name else None
        if term is None or not term.reverse:
            raise CompactionUnsupported(f"no reverse term for {iri}: PyLD would keep @reverse")
        return name, term

    def expand_vocab(self, value: str) -> str:
        """A term, compact IRI or IRI of a frame, as the IRI it stands for."""
        term = self.terms.get(value)
        if term is not None:
            return term.iri
        prefix, colon, suffix = value.partition(":")
        if colon and prefix in self.prefixes and not suffix.startswith("//"):
            return self.prefixes[prefix] + suffix
        if colon:
            return value
        raise CompactionUnsupported(f"{value!r} is no term, compact IRI or IRI of the context")

    def way(self, predicate: str, shape: str | None) -> tuple:
        """(key, as a set, how, map key or datatype) for values of `predicate` of one shape:
        None a node, "" a plain string or JSON number or boolean, a language tag, a datatype IRI."""
        found = self.ways.get((predicate, shape))
        if found is not None:
            return found
        if shape is None:
            key, term = self.property(predicate, ("id",))
            how = AS_IS if term is not None and term.type == "@id" else ID_OBJECT
            extra = None
        elif shape == "":
            key, term = self.property(predicate, ("plain",))
            how, extra = (IN_MAP, "@none") if term and term.language_map else (AS_IS, None)
        elif ":" in shape:
            key, term = self.property(predicate, ("type", shape))
            how = AS_IS if term is not None and term.type == shape else TYPED_OBJECT
            extra = self.compact_vocab(shape)
        else:
            key, term = self.property(predicate, ("lang", shape))
            how = IN_MAP if term is not None and term.language_map else LANGUAGE_OBJECT
            extra = shape
        found = self.ways[(predicate, shape)] = (key, term is not None and term.as_set, how, extra)
        return found


# ---------------------------------------------------------------- quads to a document


def _node_id(term) -> str:
    kind = type(term)
    if kind is ox.NamedNode:
        return term.value
    if kind is ox.BlankNode:
        return "_:" + term.value
    raise CompactionUnsupported(f"not an IRI or a blank node: {term}")


def add_value(node: dict, key: str, value: Any, as_set: bool) -> None:
    """PyLD's add_value: a single value stays single unless the term is a set."""
    existing = node.get(key)
    if existing is None:
        node[key] = [value] if as_set else value
    elif type(existing) is list:
        existing.append(value)
    else:
        node[key] = [existing, value]


class _Document:
    """Nodes per graph, filled statement by statement, every term compacted once."""

    def __init__(self, compactor: Compactor):
        self.c = compactor
        self.graphs: dict[str | None, dict[str, dict]] = {}
        self.id_key = compactor.alias("@id")
        self.type_key = compactor.alias("@type")
        self.blank_nodes = False  # whether a statement named a blank node

    def add_all(self, quads: Iterable[ox.Quad]) -> None:
        graphs, ways, compact_id = self.graphs, self.c.ways, self.c.compact_id
        id_key, type_key, types_as_set = self.id_key, self.type_key, self.c.types_as_set
        named, literal = ox.NamedNode, ox.Literal
        nodes: dict[str, dict] = {}
        last_graph = (
            None  # the graph of the previous statement: the store gives them graph by graph
        )
        for quad in quads:
            graph = quad.graph_name
            if last_graph is None or graph != last_graph:
                last_graph = graph
                name = None if type(graph) is ox.DefaultGraph else _node_id(graph)
                nodes = graphs.get(name)
                if nodes is None:
                    nodes = graphs[name] = {}
            subject = quad.subject
            if type(subject) is named:
                subject = subject.value
            else:
                subject = _node_id(subject)
                self.blank_nodes = True
            node = nodes.get(subject)
            if node is None:
                node = nodes[subject] = {id_key: compact_id(subject)}
            predicate, obj = quad.predicate.value, quad.object
            if type(obj) is literal:
                shape, value = literal_shape(obj)
            else:
                if type(obj) is named:
                    value = obj.value
                else:
                    value = _node_id(obj)
                    self.blank_nodes = True
                if predicate == _RDF_TYPE:
                    add_value(node, type_key, self.c.compact_vocab(value), types_as_set)
                    continue
                if value == _RDF_NIL:
                    raise CompactionUnsupported("an rdf:nil object (PyLD would write a @list)")
                shape, value = None, compact_id(value)
            way = ways.get((predicate, shape)) or self.c.way(predicate, shape)
            key, as_set, how, extra = way
            if how == AS_IS:
                pass
            elif how == IN_MAP:
                language_map = node.get(key)
                if language_map is None:
                    language_map = node[key] = {}
                add_value(language_map, extra, value, as_set)
                continue
            elif how == ID_OBJECT:
                value = {id_key: value}
            elif how == TYPED_OBJECT:
                value = {type_key: extra, "@value": value}
            else:
                value = {"@language": extra, "@value": value}
            existing = node.get(key)  # add_value, inlined: it runs once per statement
            if existing is None:
                node[key] = [value] if as_set else value
            elif type(existing) is list:
                existing.append(value)
            else:
                node[key] = [existing, value]

    def top(self) -> list[dict]:
        """The top-level nodes: the default graph's, each named graph as its node with `@graph`."""
        top = dict(self.graphs.get(None, {}))
        for name, nodes in self.graphs.items():
            if name is not None:
                node = top.setdefault(name, {self.id_key: self.c.compact_id(name)})
                node["@graph"] = list(nodes.values())
        return list(top.values())


def literal_shape(literal: ox.Literal) -> tuple[str, Any]:
    """The shape ("" plain, a language tag or a datatype IRI) and JSON value of a literal, as
    `jsonld.expanded` gives it: canonical xsd:integer and xsd:boolean become JSON values."""
    value = literal.value
    language = literal.language
    if language:
        if literal.direction:
            raise CompactionUnsupported(f"literal with a base direction: {literal}")
        return language, value
    datatype = literal.datatype.value
    if datatype == _XSD_STRING:
        return "", value
    if datatype == _XSD_INTEGER and _INTEGER.match(value) and abs(int(value)) <= _JS_SAFE:
        return "", int(value)
    if datatype == _XSD_BOOLEAN and value in ("true", "false"):
        return "", value == "true"
    if datatype == _RDF_JSON:
        raise CompactionUnsupported(f"JSON literal: {literal}")
    return datatype, value


def compact_quads(
    quads: Iterable[ox.Quad],
    base: str = DEFAULT_BASE,
    context: ContextMode = "embed",
    written: dict[str, str] | None = None,
) -> str:
    """JSON text of the quads compacted with the project context under `base` (embedded or by IRI).

    The same bytes as `jsonld.dumps` of the PyLD compaction: keys sorted, arrays sorted as
    `jsonld._stable` sorts them (nodes by id, other values by their JSON). `written`: named
    graphs (by IRI; none of them in `quads`) whose nodes are given as JSON text already, their
    `graph_pieces` joined with NODE_SEPARATOR.
    """
    if context not in ("embed", "iri"):
        raise CompactionUnsupported(f"unknown context mode {context!r}; choose embed or iri")
    document = _Document(compactor(base))
    collecting = gc.isenabled()
    gc.disable()  # millions of small dicts and lists, no cycles: the collector would only rescan them
    try:
        document.add_all(quads)
        for name in written or {}:
            if name in document.graphs:
                raise CompactionUnsupported(f"graph {name} given both as quads and as text")
            document.graphs[name] = {}
        top = document.top()
        given = {document.c.compact_id(name): Raw(text) for name, text in (written or {}).items()}
        for node in top:
            if node[document.id_key] in given and "@graph" in node:
                node["@graph"] = [given[node[document.id_key]]]
        # PyLD leaves a lone named graph's node at the top level rather than in a @graph of one
        doc = top[0] if len(top) == 1 and "@graph" in top[0] else {"@graph": top}
        doc["@context"] = jsonld_context(base) if context == "embed" else context_iri(base)
        text = dump_sorted(doc, unsorted=("@context",))
        del document, top, doc  # freed before the collector runs again, never scanned by it
        return text
    finally:
        if collecting:
            gc.enable()


NODE_INDENT = "\n        "  # of a node in a named graph's @graph, in a document of several graphs
NODE_SEPARATOR = "," + NODE_INDENT


class BlankNodes(CompactionUnsupported):
    """Statements that name a blank node, where they may not."""


def graph_pieces(
    quads: Iterable[ox.Quad], base: str = DEFAULT_BASE, blank_nodes: bool = True
) -> list[tuple[str, str, str]]:
    """(subject, compact id, JSON text) of each node the quads (of one named graph) make, sorted by
    id as the compacted document orders them; the text is the node's in a document of several
    graphs (`compact_quads`'s `written`). A node depends on its subject's statements alone.
    Without `blank_nodes`, a statement naming one raises BlankNodes."""
    document = _Document(compactor(base))
    collecting = gc.isenabled()
    gc.disable()
    try:
        document.add_all(quads)
        if len(document.graphs) > 1 or None in document.graphs:
            raise CompactionUnsupported("pieces of one named graph only")
        if document.blank_nodes and not blank_nodes:
            raise BlankNodes("a statement names a blank node")
        pieces = node_pieces(next(iter(document.graphs.values()), {}), document.id_key)
        del document  # freed before the collector runs again, never scanned by it
    finally:
        if collecting:
            gc.enable()
    return pieces


def node_pieces(nodes: dict[str, dict], id_key: str) -> list[tuple[str, str, str]]:
    """`graph_pieces` of one graph's compacted nodes (subject → node, jsonld_pass fills them)."""
    pieces = [(s, n[id_key], dump_value(n, NODE_INDENT)) for s, n in nodes.items()]
    return sorted(pieces, key=_second)


def _second(piece: tuple) -> str:
    return piece[1]


@cache
def compactor(base: str) -> Compactor:
    return Compactor(jsonld_context(base))

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
from .resources import context_path

ContextMode = Literal["embed", "iri"]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE, _RDF_NIL, _RDF_JSON = _RDF + "type", _RDF + "nil", _RDF + "JSON"
_XSD_STRING, _XSD_INTEGER, _XSD_BOOLEAN = _XSD + "string", _XSD + "integer", _XSD + "boolean"
_INTEGER = re.compile(r"^(0|-?[1-9][0-9]*)$")
_JS_SAFE = 2**53 - 1  # larger integers would lose digits as JavaScript numbers
_GEN_DELIM = re.compile(
    r".*[:/?#\[\]@]$"
)  # a simple term ending so is a prefix (JSON-LD 1.1, 4.2.2)

# Term selection (JSON-LD 1.1 API 6.3, as PyLD orders it): the containers to try, the inverse
# context map to look in, and the preferred keys, for each shape of value.
_NODE_CONTAINERS = ("@id", "@id@set", "@type", "@set@type", "@set", "@none", "@index", "@index@set")
_LANGUAGE_CONTAINERS = ("@language", "@language@set", "@set", "@none", "@index", "@index@set")
_TYPED_CONTAINERS = ("@set", "@none", "@index", "@index@set")
_PLAIN_CONTAINERS = (*_TYPED_CONTAINERS, "@language", "@language@set")


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
        self._read(context)
        self.inverse = self._inverse()
        self._ids: dict[str, str] = {}
        self._vocab: dict[str, str] = {}
        self._properties: dict[tuple, tuple[str, Term | None]] = {}

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
            if isinstance(value, str) and value.startswith("@"):
                if value not in ("@id", "@type"):  # PyLD reads @value, @graph … unaliased
                    raise CompactionUnsupported(f"context term {name!r}: an alias of {value}")
                self.aliases.setdefault(value, name)
                continue
            if isinstance(value, str):
                iri = self._expand(value, raw)
                self.terms[name] = Term(name, iri)
                if _GEN_DELIM.match(iri):
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
        if not isinstance(value, str) or value.startswith("@"):
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
        for prefix, namespace in self.prefixes.items():
            if iri != namespace and iri.startswith(namespace):
                candidate = f"{prefix}:{iri[len(namespace) :]}"
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


# ---------------------------------------------------------------- quads to a document


def _literal(literal: ox.Literal) -> tuple[tuple, Any]:
    """The shape and JSON value of a literal, as `jsonld.expanded` gives it."""
    if getattr(literal, "direction", None):
        raise CompactionUnsupported(f"literal with a base direction: {literal}")
    value = literal.value
    language = literal.language
    if language:
        return ("lang", language), value
    datatype = literal.datatype.value
    if datatype == _XSD_STRING:
        return ("plain",), value
    if datatype == _XSD_INTEGER and _INTEGER.match(value) and abs(int(value)) <= _JS_SAFE:
        return ("plain",), int(value)
    if datatype == _XSD_BOOLEAN and value in ("true", "false"):
        return ("plain",), value == "true"
    if datatype == _RDF_JSON:
        raise CompactionUnsupported(f"JSON literal: {literal}")
    return ("type", datatype), value


def _node_id(term) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    raise CompactionUnsupported(f"not an IRI or a blank node: {term}")


def _add(node: dict, key: str, value: Any, as_set: bool) -> None:
    """PyLD's add_value: a single value stays single unless the term is a set."""
    existing = node.get(key)
    if existing is None:
        node[key] = [value] if as_set else value
    elif isinstance(existing, list):
        existing.append(value)
    else:
        node[key] = [existing, value]


class _Document:
    """Nodes per graph, filled statement by statement, compacted as they come."""

    def __init__(self, compactor: Compactor):
        self.c = compactor
        self.graphs: dict[str | None, dict[str, dict]] = {}
        self.id_key = compactor.alias("@id")
        self.type_key = compactor.alias("@type")
        self.value_key = compactor.alias("@value")
        self.language_key = compactor.alias("@language")
        self.none_key = compactor.alias("@none")

    def node(self, graph: str | None, subject: str) -> dict:
        nodes = self.graphs.get(graph)
        if nodes is None:
            nodes = self.graphs[graph] = {}
        node = nodes.get(subject)
        if node is None:
            node = nodes[subject] = {self.id_key: self.c.compact_id(subject)}
        return node

    def add(self, quad: ox.Quad) -> None:
        graph = quad.graph_name
        graph = None if isinstance(graph, ox.DefaultGraph) else _node_id(graph)
        node = self.node(graph, _node_id(quad.subject))
        predicate, obj = quad.predicate.value, quad.object
        if isinstance(obj, ox.Literal):
            shape, value = _literal(obj)
            key, term = self.c.property(predicate, shape)
            if shape[0] == "lang":
                if term is not None and term.language_map:
                    _add(node.setdefault(key, {}), shape[1], value, term.as_set)
                    return
                value = {self.language_key: shape[1], self.value_key: value}
            elif shape[0] == "type" and (term is None or term.type != shape[1]):
                value = {self.type_key: self.c.compact_vocab(shape[1]), self.value_key: value}
            elif shape[0] == "plain" and term is not None and term.language_map:
                _add(node.setdefault(key, {}), self.none_key, value, term.as_set)
                return
            _add(node, key, value, term is not None and term.as_set)
            return
        target = _node_id(obj)
        if predicate == _RDF_TYPE:
            _add(node, self.type_key, self.c.compact_vocab(target), False)
            return
        if target == _RDF_NIL:
            raise CompactionUnsupported("an rdf:nil object (PyLD would write a @list)")
        key, term = self.c.property(predicate, ("id",))
        value = self.c.compact_id(target)
        if term is None or term.type != "@id":
            value = {self.id_key: value}
        _add(node, key, value, term is not None and term.as_set)

    def top(self) -> list[dict]:
        """The top-level nodes: the default graph's, each named graph as its node with `@graph`."""
        top = dict(self.graphs.get(None, {}))
        for name, nodes in self.graphs.items():
            if name is not None:
                node = top.setdefault(name, {self.id_key: self.c.compact_id(name)})
                node["@graph"] = list(nodes.values())
        return list(top.values())


def compact_quads(
    quads: Iterable[ox.Quad], base: str = DEFAULT_BASE, context: ContextMode = "embed"
) -> str:
    """JSON text of the quads compacted with the project context under `base` (embedded or by IRI).

    The same bytes as `jsonld.dumps` of the PyLD compaction: keys sorted, arrays sorted as
    `jsonld._stable` sorts them (nodes by id, other values by their JSON).
    """
    if context not in ("embed", "iri"):
        raise CompactionUnsupported(f"unknown context mode {context!r}; choose embed or iri")
    document = _Document(_compactor(base))
    for quad in quads:
        document.add(quad)
    top = document.top()
    # PyLD leaves a lone named graph's node at the top level rather than in a @graph of one
    doc = top[0] if len(top) == 1 and "@graph" in top[0] else {"@graph": top}
    doc = stable(doc)
    doc["@context"] = jsonld_context(base) if context == "embed" else context_iri(base)
    return dumps(doc)


@cache
def _compactor(base: str) -> Compactor:
    return Compactor(jsonld_context(base))


# ---------------------------------------------------------------- deterministic text


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def stable(value: Any) -> Any:
    """Every array in a stable order: nodes by id, values by their JSON (the data has no @list).

    The order of `sorted(key=(0, id, json) for nodes, (1, "", json) for other values)`; the
    JSON of a node is written only when two nodes of one array share an id.
    """
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items()}
    if not isinstance(value, list):
        return value
    items = [stable(v) for v in value]
    ids, others = [], []
    for item in items:
        node_id = item.get("id", item.get("@id")) if isinstance(item, dict) else None
        if isinstance(node_id, str):
            ids.append((node_id, item))
        else:
            others.append((_text(item), item))
    if len({node_id for node_id, _ in ids}) < len(ids):
        ids = [(node_id, _text(item), item) for node_id, item in ids]
        ids.sort(key=lambda entry: entry[:2])
    else:
        ids.sort(key=lambda entry: entry[0])
    others.sort(key=lambda entry: entry[0])
    return [entry[-1] for entry in ids] + [item for _, item in others]


def dumps(doc: Any) -> str:
    """Deterministic JSON text: keys sorted, UTF-8 kept, two-space indent, a final newline."""
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

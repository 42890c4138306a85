"""Framed JSON-LD documents (guian_kg/frames/*.jsonld) written straight from Oxigraph quads.

It writes what PyLD's `frame` (option omitGraph false) then `jsonld.py`'s sorting write, for the
framing features the project's frames use (JSON-LD 1.1 Framing,
https://www.w3.org/TR/json-ld11-framing/, section 4.1): a top-level frame matching by `@type`,
nested frames that match every node (`"@id": {}` or keywords alone), `@embed` `@always` and
`@never`, `@explicit`, `"@omitDefault": true` in every nested frame, reverse properties; properties a frame does not name are framed with the
flags of their node's frame, and a node is not embedded inside itself further up (PyLD's circular
check, which skips the direct parent). Nodes and reverse links are indexed once, so each object is
found in constant time, where PyLD scans the whole graph for every reverse property of every
match. Output is compacted as `compaction.py` compacts the dump, with the frame's context: the
project's, then the frame's own terms (`type` as a set, so always a list). Any other frame feature, a blank
node, or a node value under a frame without `@embed` raises `CompactionUnsupported`.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import DEFAULT_BASE
from .compaction import (
    AS_IS,
    IN_MAP,
    LANGUAGE_OBJECT,
    TYPED_OBJECT,
    CompactionUnsupported,
    Compactor,
    ContextMode,
    add_value,
    context_iri,
    jsonld_context,
    literal_shape,
)
from .errors import InputError
from .json_text import Raw, dump_sorted, dump_value

FRAMES: tuple[str, ...] = ("designation", "organization", "observation")
FRAMES_DIR = Path(__file__).resolve().parent / "frames"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_EMBEDS = ("@always", "@never")


@dataclass
class Frame:
    """One (expanded) frame: its flags, the frames of its properties and reverse properties."""

    embed: str | None
    explicit: bool
    properties: dict[str, Frame] = field(default_factory=dict)
    reverse: dict[str, Frame] = field(default_factory=dict)
    types: tuple[str, ...] = ()
    _implicit: Frame | None = field(default=None, repr=False)

    def implicit(self) -> Frame:
        """The frame of a property this frame does not name: this frame's flags, nothing else."""
        if self._implicit is None:
            self._implicit = Frame(self.embed, self.explicit)
        return self._implicit


def read_frame(document: dict, compactor: Compactor, top: bool = True) -> Frame:
    """A frame document as a Frame, its keys expanded with the context; refuses what is not handled."""
    frame = Frame(document.get("@embed"), bool(document.get("@explicit", False)))
    if frame.embed not in (*_EMBEDS, None) or not isinstance(
        document.get("@explicit", False), bool
    ):
        raise CompactionUnsupported(f"frame flags {document!r} are not supported")
    for key, value in document.items():
        if key in ("@context", "@embed", "@explicit"):
            continue
        if key == "@omitDefault" and value is True and not top:
            continue
        if key == "@type" and top:
            types = value if isinstance(value, list) else [value]
            frame.types = tuple(compactor.expand_vocab(t) for t in types)
        elif key == "@id" and value == {} and not top:
            continue  # matches every node, as a nested frame without properties does
        elif key.startswith("@") or not isinstance(value, dict):
            raise CompactionUnsupported(f"frame entry {key!r}: {value!r} is not supported")
        else:
            term = compactor.terms.get(key)
            if term is not None and term.language_map:
                raise CompactionUnsupported(f"frame entry {key!r} would read as a language map")
            # PyLD and jsonld.js read the flag from the frame of the property it applies to
            # (Framing 4.1.2): every nested frame gives it, so that framing needs no option
            if value.get("@omitDefault") is not True:
                raise CompactionUnsupported(f'frame entry {key!r} needs "@omitDefault": true')
            sub = read_frame(value, compactor, top=False)
            if set(value) - {"@id", "@embed", "@explicit", "@omitDefault"} and "@id" not in value:
                raise CompactionUnsupported(f"frame entry {key!r} matches on properties")
            if term is not None and term.reverse:
                frame.reverse[term.iri] = sub
            else:
                frame.properties[term.iri if term else compactor.expand_vocab(key)] = sub
    if top and not frame.types:
        raise CompactionUnsupported("a top-level frame matches by @type only here")
    return frame


def load_frame_document(name: str) -> dict:
    """The frame guian_kg/frames/NAME.jsonld as written (its context by the default IRI)."""
    if name not in FRAMES:
        raise InputError(f"unknown frame {name!r}; choose one of: {', '.join(FRAMES)}")
    return json.loads((FRAMES_DIR / f"{name}.jsonld").read_text(encoding="utf-8"))


def frame_context(name: str, base: str = DEFAULT_BASE, mode: ContextMode = "iri") -> list:
    """The @context of frame `name` and of its documents: the project's context (by IRI, or
    embedded), then the frame's own terms, which override it (`type`, always a list on a page)."""
    shared, *own = load_frame_document(name)["@context"]
    if shared != context_iri(DEFAULT_BASE) or not all(isinstance(o, dict) for o in own):
        raise CompactionUnsupported(f"frame {name}: @context is not [the project's IRI, terms…]")
    return [jsonld_context(base) if mode == "embed" else context_iri(base), *own]


@cache
def frame_compactor(name: str, base: str) -> Compactor:
    """A compactor with the context of frame `name`: its own terms replace the project's."""
    merged = jsonld_context(base)
    for terms in frame_context(name, base)[1:]:
        merged.update(terms)
    return Compactor(merged)


class Framer:
    """The graph as PyLD's merged node map (with a reverse index), framed node by node."""

    def __init__(self, quads: Iterable[ox.Quad], c: Compactor, distinct: bool = False):
        self.c = c
        self.id_key, self.type_key = c.alias("@id"), c.alias("@type")
        self.types: dict[str, list[str]] = {}
        self.properties: dict[str, dict[str, list[tuple[str | None, Any]]]] = {}
        # property → object → subjects, made for a property when a frame first asks for it
        self.pointing: dict[str, dict[str, list[str]]] = {}
        self.stack: list[str] = []
        types, properties = self.types, self.properties
        named, literal, blank = ox.NamedNode, ox.Literal, ox.BlankNode
        seen = set()  # a third of the memory here: kept only where a statement may come twice
        for quad in quads:  # named graphs merged, a statement in two of them taken once
            s, o = quad.subject, quad.object
            if type(s) is not named or type(o) is blank:
                raise CompactionUnsupported(f"framing a blank node or a quoted triple: {quad}")
            p = quad.predicate.value
            if not distinct:
                triple = (s.value, p, o)
                if triple in seen:
                    continue
                seen.add(triple)
            subject = s.value
            if type(o) is literal:
                value = literal_shape(o)
            elif p == _RDF_TYPE:
                found = types.get(subject)
                if found is None:
                    types[subject] = [o.value]
                else:
                    found.append(o.value)
                continue
            else:
                value = (None, o.value)
            node = properties.get(subject)
            if node is None:
                properties[subject] = {p: [value]}
            else:
                values = node.get(p)
                if values is None:
                    node[p] = [value]
                else:
                    values.append(value)
        self.read: set[str] | None = None  # where given, the nodes whose statements were read
        self.reversed: set[tuple[str, str]] | None = None  # and the reverse links looked up
        self._start_framed()

    def frame_one(self, node_id: str, frame: Frame) -> tuple[dict, set[str], set[tuple[str, str]]]:
        """The top-level object of `node_id`, the nodes whose statements it read, and the
        (property, node) pairs whose subjects it looked up: all it depends on (JSON-LD's framing
        embeds by the statements it finds, whatever their order)."""
        self.read, self.reversed = set(), set()
        try:
            return self.node(node_id, frame, False), self.read, self.reversed
        finally:
            self.read = self.reversed = None

    def _statements(self, node_id: str) -> tuple[list[str] | None, dict]:
        if self.read is not None:
            self.read.add(node_id)
        return self.types.get(node_id), self.properties.get(node_id, {})

    def _pointing(self, predicate: str, node_id: str) -> Iterable[str]:
        if self.reversed is not None:
            self.reversed.add((predicate, node_id))
        index = self.pointing.get(predicate)
        if index is None:
            index = self.pointing[predicate] = {}
            for subject, properties in self.properties.items():
                for shape, value in properties.get(predicate, ()):
                    if shape is None:
                        index.setdefault(value, []).append(subject)
        return index.get(node_id, ())

    def matches(self, frame: Frame) -> list[str]:
        wanted = set(frame.types)
        return sorted(s for s, types in self.types.items() if wanted.intersection(types))

    def _start_framed(self) -> None:
        # Objects framed a second time (many are embedded in many objects: places, statuses,
        # organisations …), by (node, frame, embedded), with what they depend on: framed again
        # under the same frame, a node gives the same object (the same dict, its text written
        # once per indent: `texts`), unless a node it checked is an ancestor of the new place.
        self.framed: dict[tuple[str, int, bool], _Framed] = {}
        self.seen: set[tuple[str, int, bool]] = set()  # framed once (not kept: most are not again)
        self.texts: dict[int, dict[str, str]] = {}  # id of a kept object met again → its texts
        self.checked: set[str] | None = None  # nodes checked against the ancestors, inside one

    def node(self, node_id: str, frame: Frame, embedded: bool) -> dict | None:
        """The compacted object of `node_id` under `frame`, or None for a mere reference."""
        if embedded and frame.embed != "@never" and self.checked is not None:
            self.checked.add(node_id)  # what follows depends on whether it is an ancestor
        if embedded and (frame.embed == "@never" or node_id in self.stack[:-1]):
            return None
        if frame.embed is None:
            raise CompactionUnsupported("a node value under a frame without @embed (@once)")
        key = (node_id, id(frame), embedded)
        ancestors = self.stack
        found = self.framed.get(key)
        if found is not None and found.checked.isdisjoint(ancestors):
            found.add_to(self)
            self.texts.setdefault(id(found.out), {})
            return found.out
        outer = self.read, self.reversed, self.checked
        self.read, self.reversed, self.checked = set(), set(), set()
        try:
            out = self._node(node_id, frame, embedded)
            framed = _Framed(out, self.read, self.reversed, self.checked)
        finally:
            self.read, self.reversed, self.checked = outer
        framed.add_to(self)
        if key not in self.seen:
            self.seen.add(key)
        elif framed.checked.isdisjoint(ancestors):  # it depends on no ancestor: the same anywhere
            self.framed[key] = framed
        return out

    def _node(self, node_id: str, frame: Frame, embedded: bool) -> dict:
        self.stack.append(node_id)
        out: dict[str, Any] = {self.id_key: self.c.compact_id(node_id)}
        types, properties = self._statements(node_id)
        if types:
            compacted = [self.c.compact_vocab(t) for t in types]
            single = len(compacted) == 1 and not self.c.types_as_set
            out[self.type_key] = compacted[0] if single else compacted
        for predicate, values in properties.items():
            if frame.explicit and predicate not in frame.properties:
                continue
            sub = frame.properties.get(predicate) or frame.implicit()
            for shape, value in values:
                if shape is None:
                    self._add_node(out, predicate, value, self.node(value, sub, True))
                else:
                    self._add_literal(out, predicate, shape, value)
        for predicate, sub in frame.reverse.items():
            # PyLD frames reverse matches with its parent's `embedded` (a typo there: 'embeded')
            for subject in self._pointing(predicate, node_id):
                key, term = self.c.reverse_property(predicate)
                add_value(
                    out, key, self.node(subject, sub, embedded) or self._ref(subject), term.as_set
                )
        self.stack.pop()
        return out

    def _ref(self, node_id: str) -> dict:
        return {self.id_key: self.c.compact_id(node_id)}

    def _add_node(self, out: dict, predicate: str, target: str, framed: dict | None) -> None:
        key, as_set, how, _ = self.c.way(predicate, None)
        if framed is None or len(framed) == 1:  # only an id: a node reference
            value: Any = self.c.compact_id(target)
            if how != AS_IS:
                value = {self.id_key: value}
        else:
            value = framed
        add_value(out, key, value, as_set)

    def _add_literal(self, out: dict, predicate: str, shape: str, value: Any) -> None:
        key, as_set, how, extra = self.c.way(predicate, shape)
        if how == IN_MAP:
            add_value(out.setdefault(key, {}), extra, value, as_set)
            return
        if how == TYPED_OBJECT:
            value = {self.type_key: extra, "@value": value}
        elif how == LANGUAGE_OBJECT:
            value = {"@language": extra, "@value": value}
        add_value(out, key, value, as_set)


class _StoreFramer(Framer):
    """The same framing, each node's statements and reverse links looked up in a store (graphs
    merged) as it is reached: for framing a few nodes of a large graph."""

    def __init__(self, store: ox.Store, graphs: Iterable[ox.NamedNode], c: Compactor):
        self.c = c
        self.id_key, self.type_key = c.alias("@id"), c.alias("@type")
        self.stack = []
        self.read = self.reversed = None
        self.store, self.graphs = store, tuple(graphs)
        self.nodes: dict[str, tuple[list[str] | None, dict]] = {}
        self._start_framed()

    def _statements(self, node_id: str) -> tuple[list[str] | None, dict]:
        if self.read is not None:
            self.read.add(node_id)
        found = self.nodes.get(node_id)
        if found is None:
            types: list[str] = []
            properties: dict[str, list[tuple[str | None, Any]]] = {}
            seen = set()
            for graph in self.graphs:
                for quad in self.store.quads_for_pattern(ox.NamedNode(node_id), None, None, graph):
                    p, o = quad.predicate.value, quad.object
                    if type(o) is ox.BlankNode:
                        raise CompactionUnsupported(f"framing a blank node: {quad}")
                    if (p, o) in seen:
                        continue
                    seen.add((p, o))
                    if type(o) is ox.Literal:
                        properties.setdefault(p, []).append(literal_shape(o))
                    elif p == _RDF_TYPE:
                        types.append(o.value)
                    else:
                        properties.setdefault(p, []).append((None, o.value))
            found = self.nodes[node_id] = (types or None, properties)
        return found

    def _pointing(self, predicate: str, node_id: str) -> Iterable[str]:
        if self.reversed is not None:
            self.reversed.add((predicate, node_id))
        subjects: dict[str, None] = {}
        for graph in self.graphs:
            pattern = (None, ox.NamedNode(predicate), ox.NamedNode(node_id), graph)
            for quad in self.store.quads_for_pattern(*pattern):
                if type(quad.subject) is not ox.NamedNode:
                    raise CompactionUnsupported(f"framing a blank node: {quad}")
                subjects[quad.subject.value] = None
        return subjects

    def matching(self, node_ids: Iterable[str], frame: Frame) -> list[str]:
        """Those of `node_ids` the frame matches, sorted."""
        wanted = set(frame.types)
        return sorted(n for n in set(node_ids) if wanted.intersection(self._types(n)))

    def _types(self, node_id: str) -> list[str]:
        pattern = (ox.NamedNode(node_id), ox.NamedNode(_RDF_TYPE), None)
        return [
            q.object.value for g in self.graphs for q in self.store.quads_for_pattern(*pattern, g)
        ]


@dataclass
class _Framed:
    """An object framed, the nodes whose statements it read, the reverse links it looked up, and
    the nodes it checked against the ancestors of its place (framing's circular check)."""

    out: dict
    read: set[str]
    reversed: set[tuple[str, str]]
    checked: set[str]

    def add_to(self, framer: Framer) -> None:
        """Count what it depends on in what the framer's current object depends on."""
        for mine, theirs in (
            (self.read, framer.read),
            (self.reversed, framer.reversed),
            (self.checked, framer.checked),
        ):
            if theirs is not None:
                theirs |= mine


@dataclass
class Piece:
    """One top-level object of a framed document: its compact id, its JSON text (at the indent
    of the document's @graph, see `framed_document`), and what it was framed from: the nodes
    whose statements it read and the (property, node) pairs whose subjects it looked up."""

    node: str
    id: str
    text: str
    read: set[str]
    reversed: set[tuple[str, str]]


ITEM_INDENT = "\n    "  # of an object in a framed document's @graph


def frame_pieces(
    quads: Iterable[ox.Quad], name: str, base: str = DEFAULT_BASE, distinct: bool = False
) -> list[Piece]:
    """Every top-level object of the framed document `name` of the quads' statements (graphs
    merged), in the document's order (`frame_quads` is `framed_document` of their texts)."""
    with _no_collection():
        # the framer is freed on return, before the collector runs again, never scanned by it
        return framer_pieces(Framer(quads, frame_compactor(name, base), distinct), name)


def framer_pieces(framer: Framer, name: str) -> list[Piece]:
    """`frame_pieces` of the statements in a framer's node map (jsonld_pass fills one)."""
    frame = read_frame(load_frame_document(name), framer.c)
    with _no_collection():
        pieces = [_piece(framer, node_id, frame) for node_id in framer.matches(frame)]
    return sorted(pieces, key=_by_id)


def frame_store_pieces(
    store: ox.Store,
    graphs: Iterable[ox.NamedNode],
    node_ids: Iterable[str],
    name: str,
    base: str = DEFAULT_BASE,
) -> list[Piece]:
    """The top-level objects of `node_ids` that the frame matches, as `frame_pieces` frames them
    from the statements of the store's `graphs` (merged), reading only what they embed."""
    c = frame_compactor(name, base)
    frame = read_frame(load_frame_document(name), c)
    framer = _StoreFramer(store, graphs, c)
    return sorted((_piece(framer, n, frame) for n in framer.matching(node_ids, frame)), key=_by_id)


def _by_id(piece: Piece) -> str:
    return piece.id


def _piece(framer: Framer, node_id: str, frame: Frame) -> Piece:
    out, read, reversed_ = framer.frame_one(node_id, frame)
    text = dump_value(out, ITEM_INDENT, framer.texts)
    return Piece(node_id, out[framer.id_key], text, read, reversed_)


def framed_document(
    texts: Iterable[str], name: str, base: str = DEFAULT_BASE, context: ContextMode = "iri"
) -> str:
    """JSON text of the framed document `name` whose top-level objects are `texts` (pieces'
    texts, in the order of their ids)."""
    if context not in ("embed", "iri"):
        raise CompactionUnsupported(f"unknown context mode {context!r}; choose embed or iri")
    joined = ("," + ITEM_INDENT).join(texts)
    graph = [Raw(joined)] if joined else []
    return dump_sorted(
        {"@context": frame_context(name, base, context), "@graph": graph}, unsorted=("@context",)
    )


def frame_quads(
    quads: Iterable[ox.Quad],
    name: str,
    base: str = DEFAULT_BASE,
    context: ContextMode = "iri",
    distinct: bool = False,
) -> str:
    """JSON text of the framed document `name` (see FRAMES) of the quads' statements (graphs
    merged): one object per match of the frame, the rest nested; the same bytes as PyLD's.
    `distinct`: no statement comes twice (in two graphs), so none need be remembered."""
    if context not in ("embed", "iri"):
        raise CompactionUnsupported(f"unknown context mode {context!r}; choose embed or iri")
    pieces = frame_pieces(quads, name, base, distinct)
    return framed_document((p.text for p in pieces), name, base, context)


@contextmanager
def _no_collection() -> Iterator[None]:
    """The garbage collector off: many small objects, no cycles (see compaction.compact_quads)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()

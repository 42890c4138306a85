"""One pass over the data graph that fills both JSON-LD documents' node maps, where both are made
whole (a build with no pieces kept): the compacted nodes of guian-kg.jsonld's data graph, as
`compaction.graph_pieces` fills them, and the framer's merged node map of designations.jsonld, as
`framing.frame_pieces` fills it. Each statement is read from the store, and its literal's shape
found, once instead of twice: the two passes read the same statements.

Each map is filled in the order its own pass fills it (the framer's: the ontology's statements
not in the data graph, then the data graph's, as jsonld_pieces gives them), so each document is
the same bytes. A statement either pass would not take as it takes the others (a blank node, a
quoted triple, an rdf:nil object) stops the pass: the caller then makes each document on its own,
which writes or refuses what it did.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable

import pyoxigraph as ox

from . import DEFAULT_BASE
from .compaction import (
    AS_IS,
    ID_OBJECT,
    IN_MAP,
    TYPED_OBJECT,
    add_value,
    compactor,
    literal_shape,
    node_pieces,
)
from .framing import Framer, frame_compactor

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_TYPE, _RDF_NIL = _RDF + "type", _RDF + "nil"


def one_pass(
    data: Iterable[ox.Quad], ontology: Iterable[ox.Quad], frame: str, base: str = DEFAULT_BASE
) -> tuple[list[tuple[str, str, str]], Framer] | None:
    """`graph_pieces` of the quads `data` (one named graph), and the framer of frame `frame` filled
    with the quads `ontology` then `data` (no statement twice), for `framing.framer_pieces`; None
    where a statement is not one both passes take alike."""
    c = compactor(base)
    ways, way, compact_id, compact_vocab = c.ways, c.way, c.compact_id, c.compact_vocab
    id_key, type_key, types_as_set = c.alias("@id"), c.alias("@type"), c.types_as_set
    named, literal = ox.NamedNode, ox.Literal
    collecting = gc.isenabled()
    gc.disable()  # millions of small dicts and lists, no cycles (compaction.compact_quads)
    try:
        framer = Framer(ontology, frame_compactor(frame, base), distinct=True)
        types, properties = framer.types, framer.properties
        nodes: dict[str, dict] = {}
        for quad in data:
            s, o = quad.subject, quad.object
            kind = type(o)
            if type(s) is not named or (kind is not named and kind is not literal):
                return None
            subject, p = s.value, quad.predicate.value
            node = nodes.get(subject)
            if node is None:
                node = nodes[subject] = {id_key: compact_id(subject)}
            if kind is literal:
                shape, value = framed = literal_shape(o)
            else:
                target = o.value
                if p == _RDF_TYPE:
                    add_value(node, type_key, compact_vocab(target), types_as_set)
                    found = types.get(subject)
                    if found is None:
                        types[subject] = [target]
                    else:
                        found.append(target)
                    continue
                if target == _RDF_NIL:  # compaction refuses it (PyLD would write a @list)
                    return None
                framed = (None, target)
                shape, value = None, compact_id(target)
            # the framer's node map (framing.Framer.__init__)
            statements = properties.get(subject)
            if statements is None:
                properties[subject] = {p: [framed]}
            else:
                values = statements.get(p)
                if values is None:
                    statements[p] = [framed]
                else:
                    values.append(framed)
            # the compacted node (compaction._Document.add_all)
            key, as_set, how, extra = ways.get((p, shape)) or way(p, shape)
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
        pieces = node_pieces(nodes, id_key)
        del nodes  # freed before the collector runs again, never scanned by it
        return pieces, framer
    finally:
        if collecting:
            gc.enable()

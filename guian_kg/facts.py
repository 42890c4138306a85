"""The triples of one unit of the corpus (an article's files, or the shared files) as the anchor
and enrich stages see them: every triple as read, and an index of the few predicates they read
(indexing every triple would cost more than everything else the build does with a unit)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF

from .namespaces import GK, OA
from .terms import node

INDEXED = frozenset(
    node(p)
    for p in (
        RDF.type,
        OA.exact,
        OA.start,
        OA.end,
        OA.prefix,
        OA.suffix,
        DCTERMS.source,
        GK.quote,
        GK.sentence,
        GK.statedValue,
        GK.date,
    )
)


class Facts:
    """Triples as read (in pyoxigraph terms), what the build adds and removes, and lookups by
    subject and predicate for the predicates in INDEXED."""

    def __init__(self, triples: Iterable[ox.Triple] = ()):
        self._read = list(triples)
        self._added: list[ox.Triple] = []
        self._removed: set[ox.Triple] = set()
        self._objects: dict[tuple, list] = defaultdict(list)  # (subject, predicate) → objects
        self._by_predicate: dict[ox.NamedNode, list] = defaultdict(list)  # → (subject, object)
        self._subjects: set = set()  # subjects of an indexed triple
        for triple in self._read:
            if triple.predicate in INDEXED:
                self._index(triple)

    @property
    def triples(self) -> list[ox.Triple]:
        """Every triple, read or added, but those removed (duplicates may remain: a store is a set)."""
        kept = [t for t in self._read if t not in self._removed] if self._removed else self._read
        return kept + self._added

    def __contains__(self, triple: ox.Triple) -> bool:
        _check_indexed(triple.predicate)
        return triple.object in self._objects.get((triple.subject, triple.predicate), ())

    def add(self, triple: ox.Triple) -> None:
        if triple.predicate not in INDEXED:
            self._added.append(triple)
        elif triple not in self:
            self._added.append(triple)
            self._index(triple)

    def remove(self, triple: ox.Triple) -> None:
        _check_indexed(triple.predicate)
        if triple not in self:
            return
        if triple in self._added:
            self._added.remove(triple)
        else:
            self._removed.add(triple)
        self._objects[(triple.subject, triple.predicate)].remove(triple.object)
        self._by_predicate[triple.predicate].remove((triple.subject, triple.object))

    def describes(self, subject) -> bool:
        """Whether some triple of an indexed predicate is about `subject`."""
        return subject in self._subjects

    def objects(self, subject, predicate: ox.NamedNode) -> list:
        _check_indexed(predicate)
        return list(self._objects.get((subject, predicate), ()))

    def subject_objects(self, predicate: ox.NamedNode) -> list[tuple]:
        _check_indexed(predicate)
        return list(self._by_predicate.get(predicate, ()))

    def subjects(self, predicate: ox.NamedNode, obj=None) -> list:
        _check_indexed(predicate)
        return [s for s, o in self._by_predicate.get(predicate, ()) if obj is None or o == obj]

    def _index(self, triple: ox.Triple) -> None:
        s, p, o = triple.subject, triple.predicate, triple.object
        if o not in self._objects[(s, p)]:
            self._objects[(s, p)].append(o)
            self._by_predicate[p].append((s, o))
            self._subjects.add(s)


def _check_indexed(predicate: ox.NamedNode) -> None:
    if predicate not in INDEXED:
        raise ValueError(f"{predicate} is not indexed by Facts (see INDEXED)")

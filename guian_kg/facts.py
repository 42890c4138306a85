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
        # Each term taken from a triple is a new object: of most triples, only the predicate is.
        for triple in [t for t in self._read if t.predicate in INDEXED]:
            self._index(triple.subject, triple.predicate, triple.object)

    @property
    def triples(self) -> list[ox.Triple]:
        """Every triple, read or added, but those removed (duplicates may remain: a store is a set)."""
        kept = [t for t in self._read if t not in self._removed] if self._removed else self._read
        return kept + self._added

    def __contains__(self, triple: ox.Triple) -> bool:
        predicate = triple.predicate
        _check_indexed(predicate)
        return triple.object in self._objects.get((triple.subject, predicate), ())

    def add(self, triple: ox.Triple) -> None:
        predicate = triple.predicate
        if predicate not in INDEXED or self._index(triple.subject, predicate, triple.object):
            self._added.append(triple)

    def replace(self, subject, predicate: ox.NamedNode, value) -> None:
        """Remove every (subject, predicate, *) triple, then add (subject, predicate, value)."""
        _check_indexed(predicate)
        for old in self.objects(subject, predicate):
            self._remove(ox.Triple(subject, predicate, old), subject, predicate, old)
        self._index(subject, predicate, value)
        self._added.append(ox.Triple(subject, predicate, value))

    def remove(self, triple: ox.Triple) -> None:
        _check_indexed(triple.predicate)
        if triple in self:
            self._remove(triple, triple.subject, triple.predicate, triple.object)

    def _remove(self, triple: ox.Triple, subject, predicate, obj) -> None:
        """Remove `triple` (subject, predicate, obj), which is in the facts."""
        if triple in self._added:
            self._added.remove(triple)
        else:
            self._removed.add(triple)
        self._objects[(subject, predicate)].remove(obj)
        self._by_predicate[predicate].remove((subject, obj))

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

    def _index(self, s, p, o) -> bool:
        """Index (s, p, o); False if it is indexed already."""
        objects = self._objects[(s, p)]
        if o in objects:
            return False
        objects.append(o)
        self._by_predicate[p].append((s, o))
        self._subjects.add(s)
        return True


def _check_indexed(predicate: ox.NamedNode) -> None:
    if predicate not in INDEXED:
        raise ValueError(f"{predicate} is not indexed by Facts (see INDEXED)")

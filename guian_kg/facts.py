"""The triples of one unit of the corpus (an article's files, or the shared files), indexed for
the anchor and enrich stages, in pyoxigraph terms (what the store receives)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox


class Facts:
    """A set of triples with the lookups the enrich stage needs; `add` and `remove` keep them true."""

    def __init__(self, triples: Iterable[ox.Triple] = ()):
        self.triples: set[ox.Triple] = set()
        self._objects: dict[tuple, list] = defaultdict(list)  # (subject, predicate) → objects
        self._subjects: dict = defaultdict(int)  # subject → how many triples
        self._by_predicate: dict[ox.NamedNode, list] = defaultdict(list)  # → (subject, object)
        for triple in triples:
            self.add(triple)

    def __len__(self) -> int:
        return len(self.triples)

    def __contains__(self, triple: ox.Triple) -> bool:
        return triple in self.triples

    def add(self, triple: ox.Triple) -> None:
        if triple in self.triples:
            return
        self.triples.add(triple)
        s, p, o = triple.subject, triple.predicate, triple.object
        self._objects[(s, p)].append(o)
        self._by_predicate[p].append((s, o))
        self._subjects[s] += 1

    def remove(self, triple: ox.Triple) -> None:
        if triple not in self.triples:
            return
        self.triples.remove(triple)
        s, p, o = triple.subject, triple.predicate, triple.object
        self._objects[(s, p)].remove(o)
        self._by_predicate[p].remove((s, o))
        self._subjects[s] -= 1

    def has_subject(self, subject) -> bool:
        return self._subjects.get(subject, 0) > 0

    def objects(self, subject, predicate: ox.NamedNode) -> list:
        return list(self._objects.get((subject, predicate), ()))

    def subject_objects(self, predicate: ox.NamedNode) -> list[tuple]:
        return list(self._by_predicate.get(predicate, ()))

    def subjects(self, predicate: ox.NamedNode, obj=None) -> list:
        return [s for s, o in self._by_predicate.get(predicate, ()) if obj is None or o == obj]

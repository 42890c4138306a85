"""The statistics of a rebuild's dataset description, counted from the previous build's: its
distinct subjects, objects and properties take a scan of every triple (1 s at 300 articles), what
changed since takes a few thousand look-ups.

The previous build left the on-disk store of its dump (guian_kg.store), whose description states
the statistics of its ontology and data graphs. Its mark lists the units its data graph is made of
(their cached runs), and notes what counted its statistics (`statistics_code()`) and the checksum
of its shortcuts' lines (guian_kg.shortcuts: made on the whole graph, in no unit), which this
module keeps in the cache (CACHE/shortcuts/CHECKSUM.nt, marked as guian-kg's: scanning them in the
on-disk store takes 0.7 s at 300 articles). A triple in one store's graphs and not in the other's
is then among the candidates: the statements of the units in one list and not in the other
that they do not share (a statement of a unit removed and of one added is in both graphs), the
shortcuts' lines of one and not of the other, and the ontology of either. Each count changes by
what the candidates change in it: a subject, say, is looked up again if it is the subject of a
candidate, in both stores. Where that cannot be had (no such store, or not ours, or not whole;
its statistics counted by other code; its shortcuts or a unit's runs gone from the cache; more
than store.UPDATE_AT_MOST of the units changed; a blank node, which each store labels its own way)
the statistics are counted on the store.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import RDF

from . import store as stores
from .cache_files import is_marked, prune, read_entry, write_whole
from .dump_runs import read_runs
from .iri import Iris
from .namespaces import VOID
from .shortcuts import shortcut_lines
from .terms import node
from .void import FIGURES, Statistics

_MARK = "# guian-kg shortcuts {key} "


def counted_from_previous(
    store: ox.Store,
    runs: tuple[Path, list[str]],
    cache_dir: Path,
    shortcuts: list[str] | None = None,
) -> tuple[Statistics | None, str]:
    """The statistics of the store's ontology and data graphs (as void.statistics counts them),
    from those of the previous build's store in `cache_dir`, its data graph made of the units
    whose cached runs are `runs`, or None where they cannot be had so (see the module docstring);
    and the note for the mark of the store of this graph (StoreParts.described_by). Keeps the
    store's shortcuts' lines (`shortcuts`, sorted, if made: shortcuts.shortcut_lines) in the cache."""
    iris = Iris()
    graphs = (node(iris.graph("ontology")), node(iris.graph("data")))
    lines = shortcuts if shortcuts is not None else shortcut_lines(store, graphs[1])
    text = "".join(f"{line}\n" for line in lines).encode("utf-8")
    digest = hashlib.sha256(text).hexdigest()[:32]
    previous = stores.open_previous(cache_dir, graphs[1].value)
    old = _noted(previous[1]) if previous is not None else None
    _keep(cache_dir / "shortcuts", digest, text, {digest, old or digest})
    if old is None:
        return None, f"{statistics_code()} {digest}"
    opened, mark = previous
    try:
        candidates = _candidates(store, opened.store, graphs, runs, mark["runs"])
        if candidates is not None and old != digest:
            shortcuts = _kept(cache_dir / "shortcuts", old)
            if shortcuts is None:
                candidates = None
            else:
                changed = "".join(f"{line}\n" for line in set(lines) ^ set(shortcuts))
                candidates |= set(ox.parse(changed.encode("utf-8"), format=_NT))
        before = _stated(opened.store, node(iris.graph("void")), node(iris.dataset))
        counted = None
        if candidates is not None and before is not None and not _blank(candidates):
            counted = _changed(before, candidates, opened.store, store, graphs, iris.base)
    except (OSError, RuntimeError, KeyError, ValueError):  # a store not whole, a mark not ours
        counted = None
    finally:
        del opened, previous  # the store closed (its lock let go) before the build goes on
    return counted, f"{statistics_code()} {digest}"


@cache
def statistics_code() -> str:
    """What the statistics a description states depend on: the code that counts them."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"pyoxigraph {ox.__version__}".encode("ascii"))
    for name in ("void.py", "void_update.py", "iri.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:32]


def _noted(mark: dict) -> str | None:
    """From a store's mark, the checksum of its shortcuts, if this code counted its statistics."""
    code, _, digest = str(mark.get("described_by", "")).partition(" ")
    return digest if code == statistics_code() and digest else None


def _keep(folder: Path, digest: str, text: bytes, used: set[str]) -> None:
    """Keep the shortcuts' lines (never over a file guian-kg did not write); drop those of neither
    this graph nor the previous store's."""
    target = folder / f"{digest}.nt"
    if is_marked(target, _MARK):
        return
    if target.exists() or target.is_symlink():
        return  # not ours: left alone
    meta = json.dumps({"bytes": len(text)}, sort_keys=True)
    if write_whole(target, f"{_MARK.format(key=digest)}{meta}\n".encode() + text):
        prune(folder, ".nt", used, _MARK)


def _kept(folder: Path, digest: str) -> list[str] | None:
    """The shortcuts' lines kept under `digest`, if ours, whole and still theirs."""
    entry = read_entry(folder / f"{digest}.nt", _MARK)
    if entry is None or hashlib.sha256(entry[1]).hexdigest()[:32] != digest:
        return None
    return entry[1].decode("utf-8").splitlines()


def _candidates(
    store: ox.Store,
    old: ox.Store,
    graphs: tuple[ox.NamedNode, ox.NamedNode],
    runs: tuple[Path, list[str]],
    old_runs: list[str],
) -> set[ox.Triple] | None:
    """Triples that include every triple in one store's ontology or its data graph's units and
    not in the other's; None if they cannot be had (see the module docstring)."""
    folder, keys = runs
    before, now = set(old_runs), set(keys)
    if max(len(before - now), len(now - before)) > max(1, stores.UPDATE_AT_MOST * len(now)):
        return None
    # The other units are in both data graphs: a statement of a unit removed and of one added
    # (the same line: Oxigraph's, as the runs hold them) is in both too.
    lines = []
    for keys in (before - now, now - before):
        units = read_runs(folder, sorted(keys))
        if units is None:
            return None
        lines.append({line for unit in units for line in unit.lines})
    changed = "".join(f"{line}\n" for line in set.symmetric_difference(*lines))
    found = set(ox.parse(changed.encode("utf-8"), format=_NT))
    ontology = (set(s.quads_for_pattern(None, None, None, graphs[0])) for s in (old, store))
    found.update(q.triple for q in set.symmetric_difference(*ontology))
    return found


def _blank(triples: set[ox.Triple]) -> bool:
    return any(isinstance(t, ox.BlankNode) for triple in triples for t in _pattern(triple))


def _stated(old: ox.Store, void: ox.NamedNode, dataset: ox.NamedNode) -> Statistics | None:
    """The statistics the previous store's description states, if whole."""

    def value(subject, prop) -> int | None:
        values = list(old.quads_for_pattern(subject, node(prop), None, void))
        return int(values[0].object.value) if len(values) == 1 else None

    figures = {name: value(dataset, prop) for name, prop in FIGURES.items()}
    classes = {}
    for quad in old.quads_for_pattern(dataset, node(VOID.classPartition), None, void):
        (cls,) = old.quads_for_pattern(quad.object, node(VOID["class"]), None, void)
        classes[cls.object.value] = value(quad.object, VOID.entities)
    if None in figures.values() or None in classes.values():
        return None
    if value(dataset, VOID.classes) != len(classes):
        return None
    return Statistics(**figures, classes=classes)


def _changed(
    before: Statistics,
    candidates: set[ox.Triple],
    old: ox.Store,
    new: ox.Store,
    graphs: tuple[ox.NamedNode, ox.NamedNode],
    base: str,
) -> Statistics | None:
    """`before` changed by what the candidates change from the old store to the new one; None
    if a count would fall below nothing (the stores are not what their marks say)."""

    def held(where: ox.Store, pattern: tuple) -> bool:
        return any(True for g in graphs for _ in stores.matching(where, *pattern, g))

    def change(patterns: Iterable[tuple]) -> int:
        """How many more of the patterns the union of the graphs matches (new less old)."""
        return sum(held(new, p) - held(old, p) for p in patterns)

    def entity(term) -> bool:
        return isinstance(term, ox.NamedNode) and term.value.startswith(f"{base}id/")

    subjects = {t.subject for t in candidates}
    classes = Counter(before.classes)
    for triple in candidates:
        if triple.predicate == _TYPE and entity(triple.subject):
            classes[triple.object.value] += change([_pattern(triple)])
    after = Statistics(
        triples=before.triples + change(_pattern(t) for t in candidates),
        entities=before.entities + change((s, None, None) for s in subjects if entity(s)),
        subjects=before.subjects + change((s, None, None) for s in subjects),
        objects=before.objects + change((None, None, o) for o in {t.object for t in candidates}),
        properties=before.properties
        + change((None, p, None) for p in {t.predicate for t in candidates}),
        classes={cls: n for cls, n in classes.items() if n},
    )
    figures = [getattr(after, name) for name in FIGURES] + list(after.classes.values())
    return after if min(figures) >= 0 else None


def _pattern(triple: ox.Triple) -> tuple:
    return triple.subject, triple.predicate, triple.object


_TYPE = node(RDF.type)
_NT = ox.RdfFormat.N_TRIPLES

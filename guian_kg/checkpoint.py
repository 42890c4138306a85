"""A rebuild's graph on a checkpoint of the previous build's on-disk store: the units that did not
change are never loaded.

Loading every unit's statements into a store in memory is most of a rebuild's load (5.7 of 6.6 s
after one article of 1,000 changed). The previous build left the store of its dump
(guian_kg.store), whose mark lists the units (their cached runs, dump_runs) its data graph is the
union of, and whose folder keeps its shortcuts' lines (store.DERIVED). A RocksDB checkpoint of it
costs milliseconds (its files hard-linked; the previous store untouched, a server may still read
it). `on_previous` brings one to the new graph: the removed units' statements taken out, the added
ones' put in, the ontology replaced, the description taken out (load describes the graph again),
and the shortcuts of the designations the change may touch made again
(shortcuts.designations_changed: made whole on RocksDB they take 5.4 s at 1,000 articles).

Taking a removed unit's statement out is right only if no other unit states it (the data graph
is the set union of the units). That is proven by counting: each unit's runs count its distinct
lines, and where the previous store's units' counts and its shortcuts' lines add up to its data
graph's size as its mark counted it, no statement is in two of them. A statement put in that a
graph of the store holds already would be in two units, or two graphs: the checkpoint is given
up. Kept, the new graph is as disjoint as the old (the next rebuild's count holds), its sizes the
old ones changed by each statement taken out or put in, each write read back (taken out: absent;
put in: present).

The checkpoint is given up (None: load then loads every unit in memory, as before) wherever one of
these fails: a previous store of ours of the same data graph, of AT_LEAST triples (below, loading
is as fast), whose default graph is the union of its named graphs (the mark's union view), its
shortcuts' lines kept and without blank nodes, at most store.UPDATE_AT_MOST of the units changed
and their runs cached, the count above, no statement in two units or in two graphs (the union
view would count it twice), no change of the places' hierarchy (any designation's shortcuts may
change then), every write read back.

Described, the checkpoint is sealed (`sealed`): checkpointed again, and that copy opened read-only
by each process that reads it, for itself (`Sealed`): a RocksDB handle must not be used in a
process forked from the one that opened it, and a read-write handle's compactions delete files
that a reader opened before them still reads (a forked validation failed so: "No such file ...
.sst"). Its folder becomes the store of the new dump (store.store_beside, `Sealed.made`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from . import store as stores
from .cache_files import scratch_folder
from .dump_runs import line_counts, read_runs
from .shortcuts import PREDICATES, add_shortcuts, designations_changed, shortcut_lines

_SCRATCH = ".checkpoint-"  # the scratch folders of checkpoints in the cache folder
# Triples of the previous data graph from which a checkpoint is copied: below, loading the units
# in memory is as fast (benchmarks/checkpoint.py: rebuilds of 0.56 s on a checkpoint against
# 0.33 in memory at 6,000 triples, 1.30 against 1.54 at 241,000).
AT_LEAST = 100_000


class Checkpoint:
    """The previous build's store copied and brought to the new graph, but its description:
    `store` (read-write, in a scratch folder of its own), the triples of each named graph
    (`sizes`, by IRI) and the shortcuts' lines (sorted, as shortcuts.shortcut_lines)."""

    def __init__(self, cache_dir: Path, store: ox.Store, sizes: dict[str, int], shortcuts, scratch):
        self.cache_dir, self.store, self.sizes, self.shortcuts = cache_dir, store, sizes, shortcuts
        self.scratch: contextlib.ExitStack = scratch  # deletes the folder once closed

    def close(self) -> None:
        """Give it up: its store closed, its folder deleted."""
        self.store = None
        self.scratch.close()


def previous(cache_dir: Path, data: ox.NamedNode) -> tuple[Path, dict] | None:
    """The previous build's store a checkpoint would copy (store.previous_store) and its mark, if
    its data graph holds AT_LEAST triples, the union of its named graphs its default graph."""
    found = stores.previous_store(Path(cache_dir), data.value)
    if found is None:
        return None
    path, mark = found
    if mark.get("union_view") is not True or not isinstance(mark["sizes"], dict):
        return None
    size = mark["sizes"].get(data.value)
    return (path, mark) if isinstance(size, int) and size >= AT_LEAST else None


def on_previous(
    cache_dir: Path,
    runs: tuple[Path, list[str]],
    units: Sequence[Callable[[], bytes]],
    ontology: Sequence[ox.Quad],
    data: ox.NamedNode,
) -> Checkpoint | None:
    """The previous build's store in `cache_dir`, copied and brought to the graph of the units
    whose cached runs are `runs` (functions giving their N-Triples, `units`, in the same order:
    called for the units added only) and of `ontology`
    (quads of the ontology graph), its description taken out; None where it cannot be (see the
    module docstring)."""
    found = previous(cache_dir, data)
    if found is None:
        return None
    path, mark = found
    folder, keys = runs
    old, new = set(mark["runs"]), set(keys)
    if max(len(old - new), len(new - old)) > max(1, stores.UPDATE_AT_MOST * len(new)):
        return None
    counts = line_counts(folder, mark["runs"])
    derived = _derived_lines(path)
    if counts is None or derived is None:
        return None
    if sum(counts) + len(derived) != mark["sizes"].get(data.value):
        return None  # a statement in two units, or a store not as its mark says
    removed = read_runs(folder, sorted(old - new))
    if removed is None:
        return None
    added = [triples() for key, triples in zip(keys, units, strict=True) if key not in old]
    scratch = contextlib.ExitStack()
    store, shortcuts = None, None
    try:
        db = scratch.enter_context(scratch_folder(Path(cache_dir), _SCRATCH)) / "db"
        ox.Store.read_only(str(path / "db")).backup(str(db))
        store = _writable(db)
        sizes = dict(mark["sizes"])
        shortcuts = _brought(store, sizes, removed, added, derived, ontology, data)
    except (OSError, RuntimeError):  # the previous store dropped meanwhile, or not whole
        shortcuts = None
    if shortcuts is None:
        del store  # closed before its folder goes
        scratch.close()
        return None
    return Checkpoint(Path(cache_dir), store, sizes, shortcuts, scratch)


def _writable(db: Path) -> ox.Store:
    """The checkpoint `db`, opened read-write: every write is read back (tests replace it)."""
    return ox.Store(str(db))


def _derived_lines(path: Path) -> list[str] | None:
    """The shortcuts' lines the store folder `path` keeps (store.DERIVED), if distinct and
    without blank nodes (which each store labels its own way)."""
    try:
        text = (path / stores.DERIVED).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = text.splitlines()
    return lines if len(set(lines)) == len(lines) and "_:" not in text else None


def _brought(
    store: ox.Store,
    sizes: dict[str, int],
    removed: Sequence,
    added: Sequence[bytes],
    derived: list[str],
    ontology: Sequence[ox.Quad],
    data: ox.NamedNode,
) -> list[str] | None:
    """Bring the checkpoint `store` (of `sizes`, counted as it changes) to the new graph: its
    shortcuts' lines, or None where it cannot be (see the module docstring)."""
    lines = "".join(f"{line}\n" for unit in removed for line in unit.lines)
    was = {_in(t, data): None for t in _parsed(lines)}
    now: dict[ox.Quad, None] = {}
    for ntriples in added:
        quads = [_in(t, data) for t in _parsed(ntriples)]
        if any(q in now or q.predicate in PREDICATES for q in quads):
            return None  # a statement of two added units, or one with a shortcut's property
        now.update(dict.fromkeys(quads))
    # A statement of a unit removed and of one added stays: no other unit holds it.
    taken, put = [q for q in was if q not in now], [q for q in now if q not in was]
    if not (_taken_out(store, sizes, taken) and _put_in(store, sizes, put)):
        return None
    ontology_graph = ontology[0].graph_name if ontology else None
    for graph in list(store.named_graphs()):  # the ontology (small) replaced, the description out
        if graph != data:
            before = set(store.quads_for_pattern(None, None, None, graph))
            after = set(ontology) if graph == ontology_graph else set()
            if not _taken_out(store, sizes, list(before - after)):
                return None
    kept = set(store.quads_for_pattern(None, None, None, ontology_graph)) if ontology else set()
    if not _put_in(store, sizes, [q for q in dict.fromkeys(ontology) if q not in kept]):
        return None
    return _shortcuts(store, sizes, {q.triple for q in taken + put}, derived, data)


def _taken_out(store: ox.Store, sizes: dict[str, int], quads: list[ox.Quad]) -> bool:
    """Take the quads out, each held before and absent after; their graphs' sizes counted."""
    if not all(q in store for q in quads):
        return False
    for quad in quads:
        store.remove(quad)
        sizes[quad.graph_name.value] -= 1
    return not any(q in store for q in quads)


def _put_in(store: ox.Store, sizes: dict[str, int], quads: list[ox.Quad]) -> bool:
    """Put the quads in, each a triple no graph holds before (else it would be in two units or
    two graphs) and held after; their graphs' sizes counted."""
    if any(_held(store, q.triple) for q in quads):
        return False
    store.extend(quads)
    for quad in quads:
        sizes[quad.graph_name.value] = sizes.get(quad.graph_name.value, 0) + 1
    return all(q in store for q in quads)


def _held(store: ox.Store, triple: ox.Triple) -> bool:
    return any(True for _ in stores.matching(store, *triple))


def _shortcuts(
    store: ox.Store,
    sizes: dict[str, int],
    changed: set[ox.Triple],
    derived: list[str],
    data: ox.NamedNode,
) -> list[str] | None:
    """Make again the shortcuts of the designations the changed triples may touch: the lines of
    all the shortcuts, sorted; None where any designation's may change, one is a blank node, or
    the shortcuts held are not the lines kept."""

    def involving(node) -> Iterator[ox.Term]:
        return (q.subject for q in stores.matching(store, None, _INVOLVEMENT, node, data))

    designations = designations_changed(changed, involving)
    if designations is None or not all(isinstance(d, ox.NamedNode) for d in designations):
        return None
    if not designations:
        return derived
    starts = tuple(f"{d} " for d in designations)
    kept = [line for line in derived if not line.startswith(starts)]
    before = _shortcuts_of(store, designations, data)
    if len(before) != len(derived) - len(kept) or not _taken_out(store, sizes, before):
        return None
    add_shortcuts(store, data, sorted(designations, key=str))
    after = _shortcuts_of(store, designations, data)
    if any(len(list(stores.matching(store, *q.triple))) != 1 for q in after):
        return None  # in another graph too
    sizes[data.value] += len(after)
    made = ox.Store()
    made.extend(after)
    return sorted(kept + shortcut_lines(made, data))


def _shortcuts_of(store: ox.Store, designations: set, data: ox.NamedNode) -> list[ox.Quad]:
    return [
        q
        for d in designations
        for p in PREDICATES
        for q in stores.matching(store, d, p, None, data)
    ]


_INVOLVEMENT = ox.NamedNode("https://w3id.org/guian-kg/ontology#involvement")


def _in(triple: ox.Triple, graph: ox.NamedNode) -> ox.Quad:
    return ox.Quad(triple.subject, triple.predicate, triple.object, graph)


def _parsed(ntriples: str | bytes) -> list[ox.Triple]:
    """The distinct triples of N-Triples, in the order first read."""
    parsed = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    return list(dict.fromkeys(q.triple for q in parsed))


def sealed(ck: Checkpoint, description: Sequence[ox.Quad]) -> Sealed | ox.Store:
    """The checkpoint with its description (`description`: quads of a graph of their own) put in,
    checkpointed again and opened read-only (see the module docstring); where a triple of the
    description is in another graph (the union view would not serve), the same graph in memory,
    as load makes it without a checkpoint. Either way the read-write checkpoint is gone after."""
    store, ck.store = ck.store, None
    scratch = contextlib.ExitStack()
    try:
        if _put_in(store, ck.sizes, list(dict.fromkeys(description))):
            folder = scratch.enter_context(scratch_folder(ck.cache_dir, _SCRATCH))
            store.flush()
            store.backup(str(folder / "db"))
            scratch, kept = contextlib.ExitStack(), scratch.pop_all()
            return Sealed(folder, ck.sizes, ck.shortcuts, kept)
        memory = ox.Store()
        memory.extend(store)
        memory.extend(description)
        return memory
    finally:
        del store  # closed before its folder goes
        ck.scratch.close()
        scratch.close()


class Sealed:
    """A sealed checkpoint: a store on disk that no process writes, read as an ox.Store (the
    methods the build calls), each process opening it read-only for itself (a handle inherited
    by fork is kept, never used nor closed: closing it in the child could wait for RocksDB's
    threads, which a fork does not copy). Its `len` is the triples counted as it was made."""

    def __init__(self, folder: Path, sizes: dict[str, int], shortcuts: list[str], scratch):
        self.folder, self.shortcuts = folder, shortcuts
        self.sizes = {graph: n for graph, n in sizes.items() if n and graph}
        self.sizes[""] = sum(self.sizes.values())  # the union view: the named graphs' triples
        self._scratch: contextlib.ExitStack = scratch  # the folder, deleted unless placed
        self._opened: tuple[int, ox.Store] | None = None
        self._inherited: list[ox.Store] = []
        self._lock = None  # a shared lock on the mark of the store placed (store.open_store)

    def _store(self) -> ox.Store:
        if self._opened is None or self._opened[0] != os.getpid():
            if self._opened is not None:
                self._inherited.append(self._opened[1])
            self._opened = (os.getpid(), ox.Store.read_only(str(self.folder / "db")))
        return self._opened[1]

    def __getattr__(self, name: str):
        return getattr(self._store(), name)

    def __contains__(self, quad: ox.Quad) -> bool:
        return quad in self._store()

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(self._store())

    def __len__(self) -> int:
        return self.sizes[""]

    def close(self) -> None:
        """Let it go unplaced: its folder deleted (a failed build's)."""
        self._opened = None
        self._scratch.close()

    def made(self) -> stores.Made:
        """What store.store_beside needs to place it as the store of the dump."""
        return stores.Made(self.folder, self.sizes, self._placed)

    def _placed(self, folder: Path) -> None:
        """Read from `folder` (the store placed: this one moved there, or the same graph's made
        earlier) from now on, its mark locked shared against deletion as store.open_store does."""
        lock = open(Path(folder) / stores.MARK, "rb")  # noqa: SIM115 - held while this lives
        fcntl.flock(lock, fcntl.LOCK_SH)
        self._opened, self._lock, self.folder = None, lock, Path(folder)
        self._scratch.close()


@contextlib.contextmanager
def dropped_on_failure(store) -> Iterator[None]:
    """Close `store`, if a checkpoint (sealed or not), when the block fails: its folder goes at
    once, not at a later build's sweep (else a sealed one is placed: Sealed.made)."""
    try:
        yield
    except BaseException:
        if isinstance(store, (Checkpoint, Sealed)):
            store.close()
        raise

"""The on-disk Oxigraph store of a large graph: made once from N-Quads, then opened read-only.

A graph whose N-Quads pass STORE_THRESHOLD is not parsed again by every `guian-kg query` and every
query worker of `guian-kg serve`: it is bulk-loaded once into a RocksDB store in the cache folder,
keyed by its input, and each process then opens that store read-only (the processes share the
operating system's page cache instead of each holding a copy). A smaller graph is parsed into
memory, which is faster than opening a store (about 25 ms against 50 ms for the project's
3,800 triples).

The default graph is the union of the named graphs. When no triple is in two named graphs (the
build's three graphs never share one) the store keeps the named graphs only and queries read them
with Oxigraph's union view; otherwise the union is copied into the default graph once, so that
no triple is counted twice.

A store folder holds a mark (MARK, with its key): what proves that guian-kg made it, and may
delete it when the cache keeps more than KEEP stores. A process that opens a store holds a shared
lock on its mark (flock, held by the kernel until the process ends or closes it), and a store is
deleted only under an exclusive lock that nobody holds: a running `serve` keeps its store however
many builds follow. The mark also holds the triple count of each
graph, counted once when the store is made (counting a million triples again at every start of
`guian-kg serve` would cost a second), and the figures of serve's home page that grow with the
graph (guian_kg/home_figures.py: rdf:type statements per class, the timeline's designations).
Figures that do not fit the mark are not trusted, and a mark without them (an older guian-kg's)
neither: they are then found by whoever needs them.

The build's store is made by updating the store of its previous dump where it can (StoreParts):
the mark of a store lists the units (their cached runs, dump_runs) its data graph is the union
of, so the store of a rebuild after one article changed is a copy of the previous one (a RocksDB
checkpoint: its files hard-linked, the previous store untouched, a server may still read it) with
that article's statements taken out and put in, and the small graphs (ontology, description)
and the derived statements of the data graph (the shortcuts, made on the whole graph: compared as
N-Triples lines with those the previous store's folder keeps, DERIVED, not read from its
RocksDB) brought to the new dump's. Its triple counts are the previous store's, changed by each statement
taken out or put in (each looked up first: nothing is counted again), and it is kept only if what
it holds reads back right: every statement about each subject the update touched the same as in
the graph the dump was written from; otherwise (and past UPDATE_AT_MOST of the units changed,
where loading is as fast) the dump's graph is bulk-loaded. A rebuild whose graph is such a copy
already (guian_kg.checkpoint: StoreParts.made) has it placed, with the counts it kept.

The build begins its store before its dumps (`store_beside`): the store is made from the graph
the dumps are written from, in a thread while the dumps are written, and takes the N-Quads dump's
key once that is written (where no unit changed since the previous store, nothing is begun: the
dump is most likely the same, its store there already). It holds the dump's quads, blank nodes as the dump labels them: the
dump writes the ontology and the description from that graph, and its data graph holds no blank
node (the build refuses them, gks:NoBlankNodeShape; the units' runs come from stores of their
own, which would label them otherwise).

Finding the store of a dump file means hashing the file (0.4 s for the 650 MB dump of 1,000
articles, on every `guian-kg query`). So a store also notes the dump files it was made for (DUMPS),
in two kinds:
- A hint (each file's device, inode, size and mtime): `hinted_store` finds the store by it at once;
  the note is a hint and no more (a file can change and keep all four, as `touch -d` restores an
  mtime), so whoever uses it checks the file's checksum against the store's key before trusting
  anything read from the store.
- A proof (`proven_store`), which the build notes of the dump it has just written (`checked_key`):
  the same four and the file's ctime, which the kernel sets to its clock at every change of the
  file's bytes or metadata and which no user can set. The build reads the file's status, then
  makes a file in the cache (on the same file system, so stamped by the same clock) and sees its
  ctime past the dump's, then hashes the dump, then reads its status again: equal. Any later change
  of the dump then stamps it with a ctime past the one noted, so a dump whose five still match the
  proof holds the bytes hashed. (Not covered: a process that already had the file mapped writable,
  and dirtied it, before the build read its status: for a file the build has just created, none;
  and a change of the system clock backwards, which takes root, who can change the cache anyway.)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pyoxigraph as ox

from .cache_files import clock_past, scratch_folder, unmark
from .home_figures import home_figures, trusted_figures
from .publish import proven_checksum

if TYPE_CHECKING:
    from .write import Runs

STORE_THRESHOLD = 16 * 1024 * 1024  # bytes of N-Quads
MARK = "guian-kg-store.json"
PREFIX = "store-"
DUMPS = "dumps"  # a store folder's notes of the dump files it holds (note_dump)
DERIVED = "derived.nt"  # a build's store: its data graph's derived statements (StoreParts.derived)
KEEP = 3  # stores kept in a cache folder, besides those a process has open
UPDATE_AT_MOST = 0.25  # share of the units changed past which the dump is bulk-loaded instead


@dataclass(frozen=True)
class OpenStore:
    """A store and how its default graph is to be read: Oxigraph's union view, or its own."""

    store: ox.Store
    union_view: bool
    # Triples per named graph (by IRI) and in the default graph (""), where they were counted.
    sizes: dict[str, int] | None = None
    # rdf:type statements per class IRI in each named graph (by IRI), where they were counted.
    classes: dict[str, dict[str, int]] | None = None
    # The timeline's dated designations (home_figures.trusted_timeline), where they were found.
    timeline: dict | None = None
    # The mark, open with a shared lock while this object lives (see the module docstring).
    lock: object = field(default=None, compare=False, repr=False)


def open_store(path: Path) -> OpenStore:
    """Open a store made by `ensure_store`, read-only."""
    try:
        lock = open(Path(path) / MARK, "rb")  # noqa: SIM115 - held as long as the store is open
    except OSError:
        raise OSError(f"{path}: not a store made by guian-kg") from None
    fcntl.flock(lock, fcntl.LOCK_SH)
    mark = _read_mark(Path(path))
    if mark is None:
        lock.close()
        raise OSError(f"{path}: not a store made by guian-kg")
    store = ox.Store.read_only(str(Path(path) / "db"))
    classes, timeline = trusted_figures(mark)
    return OpenStore(store, bool(mark["union_view"]), mark.get("sizes"), classes, timeline, lock)


def memory_store(nquads: bytes) -> OpenStore:
    """N-Quads guian-kg wrote, in an in-memory store read as `ensure_store` makes one on disk."""
    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS, lenient=True)
    union_view, sizes = _union_and_sizes(store)
    return OpenStore(store, union_view, sizes)


def dump_key(nquads: bytes) -> str:
    """The key of the store made from an N-Quads dump: a checksum of its bytes (`guian-kg build`
    makes the store of dist/guian-kg.nq; `query --data` and `serve --dist` open it)."""
    return hashlib.sha256(nquads).hexdigest()[:32]


def _bulk_load_quads(store: ox.Store, quads: Iterator[ox.Quad]) -> None:
    """Bulk-load quads a batch at a time: the loader holds what it is given in memory, a batch is
    bounded (_BULK_QUADS). Each batch is handed to it as an iterator, not a list: each quad's
    Python object is dropped once the loader has copied it (a list would hold a batch of them, and
    make Python's garbage collector walk them again and again). Blank nodes keep their labels
    (bulk_load would give each batch its own): the batches make one graph."""
    for first in quads:  # the rest of the batch is taken from the same iterator
        store.bulk_extend(itertools.chain((first,), itertools.islice(quads, _BULK_QUADS - 1)))


def _bulk_load_graphs(store: ox.Store, source: ox.Store) -> dict[ox.NamedNode | ox.BlankNode, int]:
    """Bulk-load every graph of `source` in one stream of batches (as _bulk_load_quads: a graph
    loaded apart would be a batch of its own, and each batch leaves files that compaction merges
    with all the others); the triples of each named graph, counted as they go."""
    sizes: dict[ox.NamedNode | ox.BlankNode | ox.DefaultGraph, int] = {}
    graphs = [ox.DefaultGraph(), *source.named_graphs()]
    _bulk_load_quads(
        store, itertools.chain.from_iterable(_counted(source, g, sizes) for g in graphs)
    )
    return {g: n for g, n in sizes.items() if n and not isinstance(g, ox.DefaultGraph)}


def _counted(source: ox.Store, graph, sizes: dict) -> Iterator[ox.Quad]:
    """The quads of `graph` in `source`; their number put in sizes[graph] once they are all read."""
    n = 0
    for quad in source.quads_for_pattern(None, None, None, graph):
        n += 1
        yield quad
    sizes[graph] = n


def _parsed_lines(handle: BinaryIO) -> Iterator[ox.Quad]:
    """The quads of an N-Quads file, parsed a batch of lines at a time (a line is a statement,
    and the parser keeps blank node labels as written)."""
    while lines := b"".join(itertools.islice(handle, _BULK_QUADS)):
        yield from ox.parse(lines, format=ox.RdfFormat.N_QUADS, lenient=True)


# Each batch is a load of its own, whose files RocksDB then merges with all those loaded before it
# (in threads of its own, rewriting the store so far): at 1,000 articles (2.4 M quads), batches of
# 100,000 quads cost 36.6 CPU s (18.8 of them merging) and 104 MB of peak RSS, of 300,000 30.3 s
# (12.0) and 195 MB; of 400,000, 349 MB at 300 articles already (benchmarks/store_batches.py).
_BULK_QUADS = 300_000


def file_key(path: Path) -> str:
    """`dump_key` of a file, read in pieces."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()[:32]


def key_of(store: Path) -> str:
    """The key of a store folder made by `ensure_store`."""
    return Path(store).name.removeprefix(PREFIX)


def _fingerprint(path: Path) -> str:
    st = os.stat(path)
    return f"{st.st_dev}-{st.st_ino}-{st.st_size}-{st.st_mtime_ns}"


def note_dump(store: Path, dump: Path, proof: str | None = None) -> None:
    """Note in `store` (ours: it carries our mark) that it holds the dump file `dump`, for
    `hinted_store`, and the proof of `checked_key` if `dump` still has it, for `proven_store`; a
    cache that cannot take the notes goes without them."""
    if _read_mark(Path(store)) is None:
        return
    try:
        names = [_fingerprint(dump)]
        if proof is not None and _stamp(os.stat(dump)) == proof:
            names.append(_PROVEN + proof)
        with contextlib.suppress(FileExistsError):
            os.mkdir(Path(store) / DUMPS)
        folder = os.open(Path(store) / DUMPS, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            for name in names:
                flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW
                os.close(os.open(name, flags, 0o644, dir_fd=folder))
        finally:
            os.close(folder)
    except OSError:
        return


def checked_key(path: Path, folder: Path) -> tuple[str, str | None]:
    """`file_key(path)`, and the proof that the file still holds those bytes while its status
    (with ctime) stays what it is now, for `note_dump` (see the module docstring); None where it
    cannot be had: `folder` (where the clock file is made) on another file system than `path`, no
    tick of the file system's clock since the file last changed, or a change while it was hashed.
    A file publish has just read back, proven as it is (publish.proven_checksum), is not read again."""
    proven = proven_checksum(path)
    if proven is not None:
        return proven[1][:32], "-".join(map(str, proven[0]))  # as _stamp writes its status
    before = os.stat(path)
    proof = _stamp(before) if clock_past(before, Path(folder)) else None
    key = file_key(path)
    if proof is not None and _stamp(os.stat(path)) != proof:
        proof = None
    return key, proof


def proven_store(folder: Path, dump: Path) -> Path | None:
    """The store in `folder` noted with a proof that `dump`, as it is now, holds the bytes of its
    key (`checked_key`), or None: a store to trust without hashing the dump."""
    try:
        return _noting(folder, _PROVEN + _stamp(os.stat(dump)))
    except OSError:
        return None


_PROVEN = "proven-"


def _stamp(st: os.stat_result) -> str:
    return f"{st.st_dev}-{st.st_ino}-{st.st_size}-{st.st_mtime_ns}-{st.st_ctime_ns}"


def hinted_store(folder: Path, dump: Path) -> Path | None:
    """The store in `folder` that notes the dump file `dump` as it is now (device, inode, size,
    mtime), or None. A hint only: check `file_key(dump) == key_of(store)` before trusting it."""
    try:
        return _noting(folder, _fingerprint(dump))
    except OSError:
        return None


def _noting(folder: Path, name: str) -> Path | None:
    """The first of our stores in `folder` with the note `name` among its DUMPS."""
    for path in sorted(Path(folder).glob(f"{PREFIX}*")):
        noted = path / DUMPS / name
        if noted.is_file() and not noted.is_symlink() and _read_mark(path) is not None:
            return path
    return None


@dataclass(frozen=True)
class StoreParts:
    """What a dump is made of, for updating the store of an earlier one: the graph it was written
    from (the same quads), and its data graph's units, as their cached runs (dump_runs)."""

    source: ox.Store
    data_graph: str  # IRI
    runs_folder: Path
    runs: list[str]
    # Properties of the data graph that no unit holds (made on the whole graph): taken whole.
    derived: tuple[ox.NamedNode, ...] = ()
    # What counted its description's statistics, from which shortcuts (void_update): for its mark.
    described_by: str = ""
    # The derived statements' N-Triples lines, where the build made them (else read from source).
    derived_lines: list[str] | None = None
    # The store of the dump, made already (guian_kg.checkpoint): placed, not made again.
    made: Made | None = None


@dataclass(frozen=True)
class Made:
    """A store of a dump made already, in the scratch folder `folder` (its RocksDB in db/), no
    process writing it: its triples per graph (`sizes`, as _sizes counts them, the union view
    serving), and `placed(path)`, to call once it is moved to its place `path` (or once the
    same dump's store is found there already)."""

    folder: Path
    sizes: dict[str, int]
    placed: Callable[[Path], None]


def ensure_store(key: str, nquads, folder: Path, parts: StoreParts | None = None) -> Path:
    """The store for `key` in `folder`, if it is not there yet: updated from the store of an
    earlier dump of `parts` where it can be, else bulk-loaded from `nquads()` (bytes, or the path
    of a file)."""
    target = Path(folder) / f"{PREFIX}{key}"
    if _read_mark(target, key) is not None:
        return target
    with scratch_folder(folder, f".{PREFIX}tmp-") as staging:  # a killed build's: deleted here
        made = _made(folder, staging / "db", parts, nquads)
        return _placed(folder, staging, key, made, parts)


@contextlib.contextmanager
def store_beside(folder: Path, parts: StoreParts | None) -> Iterator[Callable[[str, Any], Path]]:
    """`ensure_store` begun before its dump is written: with `parts`, the store is made from
    `parts.source` (the graph the dump is written from: the same quads) in a thread of this
    process, while the dump is written (by other processes: RocksDB cannot be used in a process
    forked from one that has used it). Yields place(key, nquads), to call once the dump is
    written: it waits for that thread and puts its store in place as the store of `key` (unless
    one is there already); without parts, it is ensure_store(key, nquads, folder)."""
    if parts is None:
        yield lambda key, nquads: ensure_store(key, nquads, folder)
        return
    if parts.made is not None:
        with _made_beside(folder, parts, parts.made) as place:
            yield place
        return
    with (
        scratch_folder(folder, f".{PREFIX}tmp-") as staging,
        ThreadPoolExecutor(1, thread_name_prefix="guian-kg-store") as thread,
    ):
        # No unit changed: most likely the same dump as the previous build's, whose store is
        # there; made once the dump's key says it is not.
        previous = previous_store(folder, parts.data_graph)
        same_units = previous is not None and previous[1]["runs"] == list(parts.runs)
        making = None if same_units else thread.submit(_made, folder, staging / "db", parts, None)

        def place(key: str, nquads) -> Path:
            made = making.result() if making is not None else None
            target = Path(folder) / f"{PREFIX}{key}"
            if _read_mark(target, key) is not None:  # the same dump as an earlier build's
                return target
            made = made or _made(folder, staging / "db", parts, None)
            return _placed(folder, staging, key, made, parts)

        yield place  # on the way out, the thread is waited for before its folder goes


@contextlib.contextmanager
def _made_beside(
    folder: Path, parts: StoreParts, made: Made
) -> Iterator[Callable[[str, Any], Path]]:
    """store_beside for a store made already: its home figures found in a thread of this process
    while the dump is written, then marked and moved to its place (the same dump's store there
    already is kept instead, as _placed does)."""
    with ThreadPoolExecutor(1, thread_name_prefix="guian-kg-store") as thread:
        figures = thread.submit(home_figures, parts.source, made.sizes)

        def place(key: str, nquads) -> Path:
            found = figures.result()
            target = Path(folder) / f"{PREFIX}{key}"
            if _read_mark(target, key) is None:
                (made.folder / DERIVED).write_bytes(_derived(parts.source, parts))
                target = _placed(
                    folder, made.folder, key, (True, made.sizes, "checkpoint", found), parts
                )
            made.placed(target)
            return target

        yield place


def _made(folder: Path, db: Path, parts: StoreParts | None, nquads) -> tuple[bool, dict, str, dict]:
    """The store of a dump made in `db`: (its union view, its sizes, how it was made, its home
    figures): updated from an earlier store where it can be (`_updated`), else bulk-loaded from
    `nquads()`, or from `parts.source` if nquads is None."""
    updated = _updated(folder, db, parts) if parts else None
    if updated is not None:
        store, union_view, sizes = updated
    else:
        shutil.rmtree(db, ignore_errors=True)  # what an update left
        store = ox.Store(str(db))
        source, named = nquads() if nquads is not None else parts.source, None
        if isinstance(source, ox.Store):
            named = _bulk_load_graphs(store, source)
        elif isinstance(source, Path):
            with open(source, "rb") as handle:
                _bulk_load_quads(store, _parsed_lines(handle))
        else:
            store.bulk_load(source, format=ox.RdfFormat.N_QUADS, lenient=True)
        del source
        union_view, sizes = _union_and_sizes(store, named)
        if parts is not None:
            # Every batch of a bulk load spans the whole of every index, so its files overlap the
            # other batches' and a query reads them all. The build's store, which `query` and
            # `serve` open on every call, is compacted once: at 1,000 articles the benchmark's
            # query took 0.37 s on it against 0.72 s, for 4.5 CPU s here (beside the dumps).
            store.optimize()
    # Found in the graph the dump was written from, where there is one (the same quads, in
    # memory: at 1,000 articles 0.25 CPU s against 0.7 in the store made of it).
    figures = home_figures(parts.source if parts else store, sizes)
    store.flush()
    del store  # closed before its folder moves
    if parts is not None:  # what the next build's update compares its derived statements with
        (db.parent / DERIVED).write_bytes(_derived(parts.source, parts))
    return union_view, sizes, "updated" if updated is not None else "loaded", figures


def _placed(
    folder: Path,
    staging: Path,
    key: str,
    made: tuple[bool, dict, str, dict],
    parts: StoreParts | None,
) -> Path:
    """Mark the store made in `staging` and move it to its place, the store of `key`."""
    union_view, sizes, how, figures = made
    target = Path(folder) / f"{PREFIX}{key}"
    mark = {"guian-kg-store": 1, "key": key, "union_view": union_view, "sizes": sizes} | figures
    if parts:
        mark |= {"data_graph": parts.data_graph, "runs": parts.runs, "made": how}
        mark |= {"described_by": parts.described_by} if parts.described_by else {}
    (staging / MARK).write_text(json.dumps(mark, sort_keys=True) + "\n", encoding="ascii")
    unmark(staging)
    try:
        os.rename(staging, target)
    except OSError:  # another process made it meanwhile (or a folder of someone else's is there)
        if _read_mark(target, key) is None:
            raise
    _drop_old_stores(folder, target)
    return target


def _updated(
    folder: Path, db: Path, parts: StoreParts
) -> tuple[ox.Store, bool, dict[str, int]] | None:
    """The store of the newest earlier dump of `parts`'s kind, copied to `db` and brought to the
    dump of `parts`, with its union view and triple counts; None where it cannot be (nothing to
    update, too much changed, a run no longer cached, or what it holds does not read back right)."""
    from .dump_runs import read_runs  # the build's code (rdflib): not for `query` and `serve`

    found = previous_store(folder, parts.data_graph)
    if found is None:
        return None
    previous, mark = found
    old, new = set(mark["runs"]), set(parts.runs)
    if max(len(old - new), len(new - old)) > max(1, UPDATE_AT_MOST * len(new)):
        return None
    removed = read_runs(parts.runs_folder, sorted(old - new))
    added = read_runs(parts.runs_folder, sorted(new - old))
    if removed is None or added is None:
        return None
    try:
        ox.Store.read_only(str(previous / "db")).backup(str(db))
    except (OSError, RuntimeError):  # dropped meanwhile by another build, or not whole
        return None
    store = ox.Store(str(db))
    source, data = parts.source, ox.NamedNode(parts.data_graph)
    # The triples of each graph, as the previous store's mark counted them, counted as they
    # change: each statement is looked up before it is taken out or put in.
    sizes = dict(mark["sizes"])

    def change(quad: ox.Quad, add: bool) -> None:
        (store.add if add else store.remove)(quad)
        graph = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        sizes[graph] = sizes.get(graph, 0) + (1 if add else -1)

    touched: set[ox.Triple] = set()
    for triple in _triples(removed):
        quad = ox.Quad(triple.subject, triple.predicate, triple.object, data)
        if quad not in source:  # not in another unit either
            if quad in store:
                change(quad, False)
            touched.add(triple)
    for triple in _triples(added):
        quad = ox.Quad(triple.subject, triple.predicate, triple.object, data)
        if quad not in store:
            change(quad, True)
            touched.add(triple)
    for graph in {*store.named_graphs(), *source.named_graphs()} - {data}:  # small: read whole
        before = set(store.quads_for_pattern(None, None, None, graph))
        after = set(source.quads_for_pattern(None, None, None, graph))
        for quad in before - after:
            change(quad, False)
        for quad in after - before:
            change(quad, True)
        touched.update(quad.triple for quad in before ^ after)
    # The derived statements (made on the whole graph, many): their lines, as the previous
    # store's folder keeps them, compared with the source's (reading them from the store costs
    # a lookup of each term).
    try:
        before_lines = set((previous / DERIVED).read_bytes().split(b"\n"))
    except OSError:
        return None
    lines = before_lines ^ set(_derived(source, parts).split(b"\n"))
    if any(b"_:" in line for line in lines):
        return None  # a blank node's label is its text's alone
    for triple in _triples_of(b"".join(line + b"\n" for line in lines if line)):
        quad = ox.Quad(triple.subject, triple.predicate, triple.object, data)
        held = quad in source
        if held != (quad in store):
            change(quad, held)
        touched.add(triple)
    union_view = bool(mark["union_view"])
    default = ox.DefaultGraph()
    for t in touched:  # the default graph: the union, copied where the union view does not serve
        named = {q.graph_name for q in matching(store, *t)} - {default}
        if union_view and len(named) > 1:
            return None  # the graphs share a triple now: the union must be copied
        if not union_view:
            in_union = ox.Quad(*t, default)
            if named and in_union not in store:
                change(in_union, True)
            elif not named and in_union in store:
                change(in_union, False)
    sizes = {graph: n for graph, n in sizes.items() if n or not graph}  # as a count finds them
    if union_view:
        sizes[""] = sum(n for graph, n in sizes.items() if graph)
    if not all(_same_statements(store, source, s) for s in {t.subject for t in touched}):
        return None
    return store, union_view, sizes


def _previous(folder: Path, data_graph: str) -> Path | None:
    """The newest of our stores whose mark lists the units of its data graph `data_graph`."""
    found = []
    for path in folder.glob(f"{PREFIX}*"):
        mark = _read_mark(path)
        if mark and mark.get("data_graph") == data_graph and isinstance(mark.get("runs"), list):
            found.append((path.stat().st_mtime, path.name, path))
    return max(found)[2] if found else None


def previous_store(folder: Path, data_graph: str) -> tuple[Path, dict] | None:
    """The newest of our stores in `folder` whose mark lists the units of its data graph
    `data_graph` (the one `_updated` and a rebuild's checkpoint start from), and its mark; None if
    there is none."""
    previous = _previous(Path(folder), data_graph)
    mark = _read_mark(previous) if previous is not None else None
    return (previous, mark) if mark is not None else None


def open_previous(folder: Path, data_graph: str) -> tuple[OpenStore, dict] | None:
    """The store `_updated` would start from (the newest of ours whose mark lists the units of
    its data graph `data_graph`), open read-only (see open_store), and its mark; None if there is
    none or it cannot be opened."""
    previous = _previous(Path(folder), data_graph)
    if previous is None:
        return None
    try:
        opened = open_store(previous)
    except (OSError, RuntimeError):  # dropped meanwhile, or not whole (RocksDB: "Corruption")
        return None
    mark = _read_mark(previous)  # read again under the lock: the store it describes
    return (opened, mark) if mark is not None else None


def _triples(runs: Iterable[Runs]) -> Iterator[ox.Triple]:
    for run in runs:
        if run.lines:
            yield from _triples_of("\n".join(run.lines) + "\n")


def _triples_of(ntriples: str | bytes) -> Iterator[ox.Triple]:
    return (quad.triple for quad in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))


def _derived(store: ox.Store, parts: StoreParts) -> bytes:
    """The statements of the data graph with a derived property of `parts` in `store`, as
    N-Triples lines (in no order)."""
    if parts.derived_lines is not None:
        return "".join(f"{line}\n" for line in parts.derived_lines).encode("utf-8")
    graph = ox.NamedNode(parts.data_graph)
    found = [q.triple for p in parts.derived for q in store.quads_for_pattern(None, p, None, graph)]
    return ox.serialize(found, format=ox.RdfFormat.N_TRIPLES) if found else b""


def _same_statements(store: ox.Store, source: ox.Store, subject) -> bool:
    """Whether both stores hold the same statements about `subject` in their named graphs."""

    def named(where: ox.Store) -> set[ox.Quad]:
        found = where.quads_for_pattern(subject, None, None, None)
        return {q for q in found if not isinstance(q.graph_name, ox.DefaultGraph)}

    return named(store) == named(source)


def _union_and_sizes(store: ox.Store, named: dict | None = None) -> tuple[bool, dict[str, int]]:
    """Whether the union view serves (if not, the union is copied into the default graph, once),
    and the store's `count_triples` (its named graphs' counted already if `named` is given)."""
    named = named if named is not None else _named_sizes(store)
    union_view = _graphs_are_disjoint(store, named)
    if not union_view:
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return union_view, _sizes(store, named, union_view)


def matching(
    store: ox.Store, subject=None, predicate=None, obj=None, graph=None
) -> Iterator[ox.Quad]:
    """The quads of `store` that match the pattern (None: any term). pyoxigraph 0.5.13's on-disk
    store answers a pattern whose object is an xsd:integer it does not hold with quads holding
    other integers (7 lookups in 3,000 on 14,000 integers: tests/test_stores.py); each quad is
    checked here, against every term given."""
    pattern = (subject, predicate, obj, graph)
    for quad in store.quads_for_pattern(*pattern):
        if all(t is None or t == q for t, q in zip(pattern, quad, strict=True)):
            yield quad


def count_triples(store: ox.Store, union_view: bool) -> dict[str, int]:
    """Triples per named graph, and in the default graph ("", the union of the named graphs)."""
    return _sizes(store, _named_sizes(store), union_view)


def _named_sizes(store: ox.Store) -> dict[ox.NamedNode | ox.BlankNode, int]:
    solutions = store.query("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {s["g"]: int(s["n"].value) for s in solutions}


def _sizes(store: ox.Store, named: dict, union_view: bool) -> dict[str, int]:
    sizes = {graph.value: n for graph, n in named.items()}
    if union_view:  # the named graphs are disjoint
        sizes[""] = sum(sizes.values())
    else:
        sizes[""] = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))["n"].value)
    return sizes


def _graphs_are_disjoint(store: ox.Store, named: dict) -> bool:
    """Whether no triple is in two graphs (then the union view counts each triple once), the
    default graph empty. A triple two graphs share is in one that is not the largest: only the
    others are looked up (the build's ontology and description, not its data)."""
    if any(True for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph())):
        return False
    largest = max(named, key=named.__getitem__, default=None)
    return not any(
        bool(store.query(_SHARED, substitutions={_GRAPH: graph}))
        for graph in named
        if graph != largest
    )


_GRAPH = ox.Variable("g")
_SHARED = "ASK { GRAPH ?g { ?s ?p ?o } GRAPH ?h { ?s ?p ?o } FILTER(?h != ?g) }"


def _read_mark(path: Path, key: str | None = None) -> dict | None:
    """The mark of a store folder guian-kg made (for `key` if given), else None."""
    try:
        if path.is_symlink() or not path.is_dir():
            return None
        mark = json.loads((path / MARK).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None
    if not isinstance(mark, dict) or mark.get("guian-kg-store") != 1:
        return None
    if mark.get("key") != path.name.removeprefix(PREFIX) or (key and mark["key"] != key):
        return None
    return mark


def _drop_old_stores(folder: Path, keep: Path) -> None:
    """Delete our stores past the KEEP most recent; a folder without our mark is never touched."""
    ours = [p for p in folder.glob(f"{PREFIX}*") if p != keep and _read_mark(p) is not None]
    ours.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in ours[KEEP - 1 :]:
        try:
            with open(old / MARK, "rb") as mark:
                fcntl.flock(mark, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when closed
                shutil.rmtree(old, ignore_errors=True)
        except OSError:  # open in a process (a server, a query), or gone meanwhile: kept
            continue

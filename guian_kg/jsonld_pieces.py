"""The JSON-LD files of dist/ (the compacted graph, the framed designations) made again from the
pieces of the previous build, where only a few articles changed.

Both documents are sorted lists of pieces: `guian-kg.jsonld` holds a node per subject of the data
graph (its text depends on that subject's statements alone, compaction.graph_pieces), beside the
small ontology and description graphs; `designations.jsonld` holds an object per designation
(framing.Piece), which depends on the statements of the nodes it read and on the subjects of the
reverse links it looked up, and on nothing else (framing embeds by what it finds, in any order).

A record (CACHE/jsonld/NAME.pieces, marked as guian-kg's) keeps each piece's size with what it
depends on, and what the data graph was made of: its units' cached runs (dump_runs, keyed by
content) and the shortcuts made on the whole graph (their lines in NAME.shortcuts, by their
sha256). The next build finds every statement that may differ since (the lines of the units that
changed, before and after, and of the shortcuts that did), and makes again exactly the pieces that read one of their subjects or looked up a link to
one of their objects; the others are taken as they were. Every statement in one graph and not in
the other is among those lines (a unit with the same key holds the same statements), so a piece
taken as it was reads the same statements as before and is the same text. A change of the code,
the frames, the context or the ontology (which framed objects read) makes them all again, as does
a blank node among the changed statements (a store relabels blank nodes). Pieces are kept for
dumps under the default base only (the build's runs are).

The pieces' text is the previous document itself, hard-linked as CACHE/jsonld/NAME.TOKEN.jsonld
(no copy: it shares the disk of dist/'s file while that stays): the new document copies the byte
ranges of the pieces taken as they were (in the kernel, unread) and writes the new pieces between
them. The old file is used only while its status proves it holds the bytes written to it
(cache_files.KeptFile: its ctime has not moved since the build that wrote it proved it); if it
does not (edited through dist/, or not ours), the copy is deleted and the document made again
whole. The document is always written as a new file (never through a link of the kept one), and
kept under a new name (the record names it); a file in CACHE/jsonld/ is deleted only if the record
says guian-kg put it there: the previous build's by the next build, which replaced the folder
they were published in (`release_previous`, cache_files.release_owned).
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import itertools
import json
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from .cache_files import (
    KeptFile,
    Unproven,
    is_kept_name,
    is_marked,
    is_pair,
    kept_proof,
    link_owned,
    note_kept,
    owned_files,
    read_entry,
    read_head,
    record_lock,
    release_owned,
    scratch_folder,
    sweep_scratch,
    write_entry,
    write_new,
)
from .compaction import NODE_SEPARATOR, BlankNodes, compact_quads, compactor, graph_pieces
from .dump_runs import read_runs
from .framing import (
    ITEM_INDENT,
    Framer,
    Piece,
    frame_compactor,
    frame_pieces,
    frame_store_pieces,
    framed_document,
    framer_pieces,
)
from .iri import DEFAULT_BASE, Iris
from .jsonld_pass import one_pass
from .shortcuts import shortcut_lines

_MARK = "# guian-kg jsonld pieces {key} "
_FRAME = "designation"


@dataclass(frozen=True)
class Parts:
    """What the build's data graph is made of (its units' cached runs), and where the pieces are kept."""

    cache: Path  # CACHE/jsonld
    runs_folder: Path
    runs: Sequence[str]
    shortcuts: list[str] | None = None  # the shortcuts' sorted lines, if the build made them


@dataclass
class _Record:
    """Pieces in the document's order: each one's node (the subject of a compacted node, or the
    designation of a framed object), its size, and (framed) what it depends on.

    `body` joined with `separator` is what the document holds between its head and its tail: new
    texts, and (start, end) byte ranges of the kept document (`kept`, a record read back: its
    file's path, its written stamp and proof, cache_files.note_kept, and where its body starts). `deps` holds, for each piece, the nodes
    whose statements it read and the flat (property, node) pairs whose subjects it looked up, as
    indices in `table`.
    """

    fingerprint: str
    runs: list[str]
    shortcuts: str  # the sha256 of the shortcuts' lines (kept in NAME.shortcuts)
    nodes: list[str]
    sizes: list[int]
    body: list[bytes | tuple[int, int]]
    separator: bytes
    table: list[str] = field(default_factory=list)
    deps: list[list[list[int]]] = field(default_factory=list)
    kept: dict | None = None


@dataclass
class _New:
    """A piece made in this build."""

    node: str
    text: bytes
    read: Iterable[str] = ()
    reversed: Iterable[tuple[str, str]] = ()


def write_jsonld(
    store: ox.Store, compacted: Path, designations: Path, parts: Parts | None
) -> tuple[tuple[int, int] | None, tuple[int, int]]:
    """Write guian-kg.jsonld to `compacted` and designations.jsonld to `designations`, as
    `write_compacted` and `write_designations` write them (their answers); where neither has
    pieces kept (a cold build), both node maps filled in one pass over the data graph
    (jsonld_pass), the collector off while the framer's waits for the first document written."""
    if parts is None or not _three_graphs(store):
        made = write_compacted(store, compacted, parts)
        return made, write_designations(store, designations, parts)
    with record_lock(parts.cache, "compacted"), record_lock(parts.cache, "designations"):
        return _write_both(store, compacted, designations, parts)


def _write_both(
    store: ox.Store, compacted: Path, designations: Path, parts: Parts
) -> tuple[tuple[int, int] | None, tuple[int, int]]:
    shortcuts = _shortcut_lines(store, ox.NamedNode(str(Iris().graph("data"))), parts)
    fingerprints = _fingerprint("compacted", store), _fingerprint("designations", store)
    old, owned = _read(parts.cache, "compacted", fingerprints[0], _NODE_SEPARATOR, False)
    framed_old, framed_owned = _read(
        parts.cache, "designations", fingerprints[1], _ITEM_SEPARATOR, True
    )
    both = not old.nodes and not framed_old.nodes
    whole = _Whole(store, both)
    collecting = gc.isenabled()
    if both:
        gc.disable()
    try:
        made = _compacted_proven(store, compacted, parts, old, shortcuts, owned, whole)
        framed = _designations_proven(
            store, designations, parts, framed_old, shortcuts, framed_owned, whole
        )
    finally:
        if collecting:
            gc.enable()
    return made, framed


class _Whole:
    """The data graph's pieces made whole, for either document: each from a pass of its own, or
    (`both`: both documents are made whole) the two from one pass (jsonld_pass), made where the
    compacted nodes are asked for, the framer kept for the framed objects."""

    def __init__(self, store: ox.Store, both: bool = False):
        self.store, self.both = store, both
        self.framer: Framer | None = None
        iris = Iris()
        self.data, self.ontology = (ox.NamedNode(str(iris.graph(n))) for n in ("data", "ontology"))

    def _data(self) -> Iterator[ox.Quad]:
        return self.store.quads_for_pattern(None, None, None, self.data)

    def _ontology(self) -> Iterator[ox.Quad]:
        """The ontology's statements, each once: a statement in both graphs comes from data."""
        data, store = self.data, self.store
        return (
            q
            for q in store.quads_for_pattern(None, None, None, self.ontology)
            if ox.Quad(q.subject, q.predicate, q.object, data) not in store
        )

    def compacted(self) -> list[tuple[str, str, str]]:
        """`graph_pieces` of the data graph; raises BlankNodes where a statement names one."""
        if self.both:
            self.both = False
            made = one_pass(self._data(), self._ontology(), _FRAME, DEFAULT_BASE)
            if made is not None:
                pieces, self.framer = made
                return pieces
        return graph_pieces(self._data(), blank_nodes=False)

    def framed(self) -> list[Piece]:
        """`frame_pieces` of the ontology and data graphs (the designation frame)."""
        if self.framer is not None:
            framer, self.framer = self.framer, None
            return framer_pieces(framer, _FRAME)
        web = itertools.chain(self._ontology(), self._data())
        return frame_pieces(web, _FRAME, DEFAULT_BASE, distinct=True)


def write_compacted(store: ox.Store, path: Path, parts: Parts | None) -> tuple[int, int] | None:
    """Write guian-kg.jsonld (`compact_quads` of the store, under the default base) to `path`,
    its data graph's nodes from the previous build's pieces where they serve: (nodes made, nodes
    of the data graph), or None where it is compacted whole, without pieces."""
    data = ox.NamedNode(str(Iris().graph("data")))
    if parts is None or not _three_graphs(store):
        _write_text(path, compact_quads(store.quads_for_pattern(None, None, None, None)))
        return None
    shortcuts = _shortcut_lines(store, data, parts)
    fingerprint = _fingerprint("compacted", store)
    with record_lock(parts.cache, "compacted"):
        old, owned = _read(parts.cache, "compacted", fingerprint, _NODE_SEPARATOR, False)
        return _compacted_proven(store, path, parts, old, shortcuts, owned, _Whole(store))


def _compacted_proven(
    store: ox.Store,
    path: Path,
    parts: Parts,
    old: _Record,
    shortcuts: _Shortcuts,
    owned: list[list[int]],
    whole: _Whole,
) -> tuple[int, int] | None:
    try:
        return _compacted(store, path, parts, old, shortcuts, owned, whole)
    except Unproven:  # the kept document is not as recorded: made whole
        empty = _empty(old.fingerprint, _NODE_SEPARATOR)
        return _compacted(store, path, parts, empty, shortcuts, owned, whole)


def _compacted(
    store: ox.Store,
    path: Path,
    parts: Parts,
    old: _Record,
    shortcuts: _Shortcuts,
    owned: list[list[int]],
    whole: _Whole,
) -> tuple[int, int] | None:
    data = ox.NamedNode(str(Iris().graph("data")))
    changes = _changes(parts, old, shortcuts) if old.nodes else None
    if changes is None:
        try:
            made = whole.compacted()
        except BlankNodes:  # the store's labels are no piece's to keep
            _write_text(path, compact_quads(store.quads_for_pattern(None, None, None, None)))
            return None
        old = _empty(old.fingerprint, _NODE_SEPARATOR)
        subjects: Iterable[str] = ()
    else:
        subjects = changes[0]
        quads = itertools.chain.from_iterable(
            store.quads_for_pattern(ox.NamedNode(s), None, None, data) for s in sorted(subjects)
        )
        made = graph_pieces(quads)
    new = [_New(s, text.encode("utf-8")) for s, _, text in made]
    drop = {i for i, n in enumerate(old.nodes) if n in subjects} if subjects else set()
    record = _rejoined(old, drop, new, compactor(DEFAULT_BASE).compact_id, parts, shortcuts)
    if not record.nodes:  # no data node (load refuses such a graph): nothing to put in place
        _write_text(path, compact_quads(store.quads_for_pattern(None, None, None, None)))
        return None
    others = [g for g in store.named_graphs() if g != data]
    rest = itertools.chain.from_iterable(
        store.quads_for_pattern(None, None, None, g) for g in others
    )
    document = compact_quads(rest, written={data.value: "\0"})
    _publish(path, document, record, parts, "compacted", owned, shortcuts)
    return len(new), len(record.nodes)


def write_designations(store: ox.Store, path: Path, parts: Parts | None) -> tuple[int, int]:
    """Write designations.jsonld (the designation frame of the data and ontology graphs, under
    the default base) to `path`, reframing only the designations whose embedded nodes changed
    since the previous build where its pieces serve; (objects framed, objects)."""
    fingerprint = _fingerprint("designations", store)
    if parts is None:
        empty = _empty(fingerprint, _ITEM_SEPARATOR)
        return _designations(store, path, None, empty, _Shortcuts([], ""), [], _Whole(store))
    data = ox.NamedNode(str(Iris().graph("data")))
    shortcuts = _shortcut_lines(store, data, parts)
    with record_lock(parts.cache, "designations"):
        old, owned = _read(parts.cache, "designations", fingerprint, _ITEM_SEPARATOR, True)
        return _designations_proven(store, path, parts, old, shortcuts, owned, _Whole(store))


def _designations_proven(
    store: ox.Store,
    path: Path,
    parts: Parts,
    old: _Record,
    shortcuts: _Shortcuts,
    owned: list[list[int]],
    whole: _Whole,
) -> tuple[int, int]:
    try:
        return _designations(store, path, parts, old, shortcuts, owned, whole)
    except Unproven:  # the kept document is not as recorded: framed whole
        empty = _empty(old.fingerprint, _ITEM_SEPARATOR)
        return _designations(store, path, parts, empty, shortcuts, owned, whole)


def _designations(
    store: ox.Store,
    path: Path,
    parts: Parts | None,
    old: _Record,
    shortcuts: _Shortcuts,
    owned: list[list[int]],
    whole: _Whole,
) -> tuple[int, int]:
    iris = Iris()
    data, ontology = (ox.NamedNode(str(iris.graph(n))) for n in ("data", "ontology"))
    changes = _changes(parts, old, shortcuts) if parts and old.nodes else None
    drop: set[int] = set()
    if changes is None:
        old = _empty(old.fingerprint, _ITEM_SEPARATOR)
        made = whole.framed()
    else:
        subjects, pairs = changes
        index = {name: i for i, name in enumerate(old.table)}
        read = {index[s] for s in subjects if s in index}
        linked = {(index[p], index[o]) for p, o in pairs if p in index and o in index}
        todo = set(subjects)
        for i, (node_read, node_linked) in enumerate(old.deps):
            if not read.isdisjoint(node_read) or (
                linked
                and not linked.isdisjoint(zip(node_linked[::2], node_linked[1::2], strict=True))
            ):
                drop.add(i)
                todo.add(old.nodes[i])
        made = frame_store_pieces(store, (ontology, data), todo, _FRAME, DEFAULT_BASE)
    new = [_New(p.node, p.text.encode("utf-8"), p.read, p.reversed) for p in made]
    compact_id = frame_compactor(_FRAME, DEFAULT_BASE).compact_id
    record = _rejoined(old, drop, new, compact_id, parts, shortcuts)
    if not record.nodes:
        _write_text(path, framed_document([], _FRAME))
    else:
        document = framed_document(["\0"], _FRAME)
        _publish(path, document, record, parts, "designations", owned, shortcuts)
    return len(new), len(record.nodes)


_NODE_SEPARATOR = NODE_SEPARATOR.encode("utf-8")
_ITEM_SEPARATOR = ("," + ITEM_INDENT).encode("utf-8")


def _empty(fingerprint: str, separator: bytes) -> _Record:
    return _Record(fingerprint, [], "", [], [], [], separator)


def _rejoined(
    old: _Record,
    drop: set[int],
    new: list[_New],
    compact_id: Callable[[str], str],
    parts: Parts | None,
    shortcuts: _Shortcuts,
) -> _Record:
    """The record of this build: `old`'s pieces but those in `drop`, with `new` put in their places
    by compact id (the document's order); its body the kept document's byte ranges of the runs of
    `old`'s pieces kept, and the new texts."""

    def place(piece: _New) -> tuple[int, str]:
        key = compact_id(piece.node)
        return bisect.bisect_left(
            range(len(old.nodes)), key, key=lambda i: compact_id(old.nodes[i])
        ), key

    tracked = bool(old.deps) or any(p.read for p in new)  # framed objects depend on more
    table = list(old.table)
    index = {name: i for i, name in enumerate(table)} if tracked and new else {}

    def ids(values: Iterable[str]) -> list[int]:
        found = []
        for value in values:
            i = index.get(value)
            if i is None:
                i = index[value] = len(table)
                table.append(value)
            found.append(i)
        return found

    runs = list(parts.runs) if parts else []
    if not old.nodes:  # new pieces come sorted by compact id (framing, compaction)
        deps = [[ids(p.read), ids(itertools.chain(*p.reversed))] for p in new] if tracked else []
        nodes, sizes = [p.node for p in new], [len(p.text) for p in new]
        body = [p.text for p in new]
        return _Record(
            old.fingerprint, runs, shortcuts.digest, nodes, sizes, body, old.separator, table, deps
        )
    placed = sorted((*place(p), k) for k, p in enumerate(new))
    at = [old.kept["head"]]  # where each old piece starts in the kept document
    for size in old.sizes:
        at.append(at[-1] + size + len(old.separator))

    nodes: list[str] = []
    sizes: list[int] = []
    deps: list[list[list[int]]] = []
    segments: list[bytes | tuple[int, int]] = []
    start = 0

    def keep(end: int) -> None:  # old pieces start … end-1, but those dropped
        run = None
        for i in range(start, end):
            if i in drop:
                if run is not None:
                    segments.append((at[run], at[i] - len(old.separator)))
                    run = None
            elif run is None:
                run = i
        if run is not None:
            segments.append((at[run], at[end] - len(old.separator)))
        kept = [i for i in range(start, end) if i not in drop] if drop else range(start, end)
        nodes.extend(old.nodes[i] for i in kept)
        sizes.extend(old.sizes[i] for i in kept)
        if old.deps:
            deps.extend(old.deps[i] for i in kept)

    for position, _, k in placed:
        keep(position)
        start = position
        piece = new[k]
        segments.append(piece.text)
        nodes.append(piece.node)
        sizes.append(len(piece.text))
        if tracked:
            deps.append([ids(piece.read), ids(itertools.chain.from_iterable(piece.reversed))])
    keep(len(old.nodes))
    return _Record(
        old.fingerprint,
        runs,
        shortcuts.digest,
        nodes,
        sizes,
        segments,
        old.separator,
        table,
        deps,
        old.kept,
    )


def _three_graphs(store: ox.Store) -> bool:
    """Whether the store holds the build's three named graphs and nothing in the default graph (the
    shape whose data nodes stand at compaction.NODE_INDENT)."""
    iris = Iris()
    names = {ox.NamedNode(str(iris.graph(n))) for n in ("ontology", "data", "void")}
    default = next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None)
    return set(store.named_graphs()) == names and default is None


@dataclass(frozen=True)
class _Shortcuts:
    """The shortcuts' lines (sorted) and the sha256 of their text."""

    lines: list[str]
    digest: str

    def text(self) -> bytes:
        return "\n".join(self.lines).encode("utf-8")


def _shortcut_lines(store: ox.Store, data: ox.NamedNode, parts: Parts) -> _Shortcuts:
    lines = parts.shortcuts if parts.shortcuts is not None else shortcut_lines(store, data)
    return _Shortcuts(lines, hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest())


def _read_shortcuts(path: Path, digest: str) -> list[str] | None:
    """The shortcuts' lines kept at `path`, if ours and their text hashes to `digest`."""
    entry = read_entry(path, _MARK)
    if entry is None or hashlib.sha256(entry[1]).hexdigest() != digest:
        return None
    text = entry[1].decode("utf-8")
    return text.split("\n") if text else []


def _keep_shortcuts(path: Path, shortcuts: _Shortcuts) -> bool:
    """Write the shortcuts' lines to `path` (ours, or none) unless it already says it holds
    them (what it holds is proven when it is read); whether it is ours."""
    mark = _MARK.format(key=path.stem)
    if path.exists() or path.is_symlink():
        if not is_marked(path, _MARK):
            return False
        try:
            with open(path, "rb") as handle:  # a regular file (is_marked): its first line alone
                if json.loads(handle.readline()[len(mark) :])["sha256"] == shortcuts.digest:
                    return True
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return write_entry(path, _MARK, {"sha256": shortcuts.digest}, shortcuts.text())


def _changes(
    parts: Parts, old: _Record, shortcuts: _Shortcuts
) -> tuple[set[str], set[tuple[str, str]]] | None:
    """The subjects, and the (property, object) pairs, of every statement of the data graph that
    may have come or gone since the record; None where they cannot be known (a unit's runs no
    longer cached) or name a blank node."""
    before, now = set(old.runs), set(parts.runs)
    removed = read_runs(parts.runs_folder, sorted(before - now))
    added = read_runs(parts.runs_folder, sorted(now - before))
    if removed is None or added is None:
        return None
    lines = {line for runs in removed for line in runs.lines}
    lines ^= {line for runs in added for line in runs.lines}
    if old.shortcuts != shortcuts.digest:
        before_shortcuts = _read_shortcuts(old.kept["shortcuts_path"], old.shortcuts)
        if before_shortcuts is None:
            return None
        lines |= set(before_shortcuts) ^ set(shortcuts.lines)
    subjects, pairs = set(), set()
    text = "".join(f"{line}\n" for line in lines).encode("utf-8")
    for triple in ox.parse(text, format=ox.RdfFormat.N_TRIPLES):
        s, p, o = triple.subject, triple.predicate, triple.object
        if type(s) is not ox.NamedNode or type(o) is ox.BlankNode:
            return None
        subjects.add(s.value)
        if type(o) is ox.NamedNode:
            pairs.add((p.value, o.value))
    return subjects, pairs


def _write_text(path: Path, text: str) -> None:
    path.unlink(missing_ok=True)  # never written through: it may be a link of a kept document
    with open(path, "xb") as handle:
        handle.write(text.encode("utf-8"))


def _publish(
    path: Path,
    document: str,
    record: _Record,
    parts: Parts | None,
    name: str,
    owned: list[list[int]],
    shortcuts: _Shortcuts,
) -> None:
    """Write `document` to `path` with its one "\\0" (JSON text escapes a NUL) replaced by the
    record's pieces (raising Unproven, and leaving `path` as it was, if the kept document they are
    copied from is not as recorded); then keep it for the next build (_keep)."""
    head, tail = document.encode("utf-8").split(b"\0")

    def segments() -> Iterator[bytes | tuple[int, int]]:
        yield head
        for k, segment in enumerate(record.body):
            yield record.separator if k else b""
            yield segment
        yield tail

    if record.kept is None:
        stamp = write_new(path, segments(), None)
    else:
        with KeptFile.opened(record.kept["path"], record.kept["proof"]) as previous:
            stamp = write_new(path, segments(), previous)
    if parts is not None:
        meta = {"head": len(head), "written": stamp}
        _keep(parts.cache, name, path, meta, record, owned, shortcuts)


def _keep(
    cache: Path,
    name: str,
    path: Path,
    meta: dict,
    record: _Record,
    owned: list[list[int]],
    shortcuts: _Shortcuts,
) -> None:
    """Hard-link the document at `path` into `cache` under a new name (NAME.TOKEN.jsonld) and
    write the record NAME.pieces: its mark and a line of JSON (what the data graph was made of,
    the kept document's name and written stamp, the sha256 of the shortcuts' lines, kept in
    NAME.shortcuts where they changed, the sections of the body), then each piece's node, size
    and dependencies as the body (`_sections`), then its proof (NAME.proof,
    cache_files.note_kept). Only a record guian-kg wrote (or none) is replaced; the
    record first owns the new file too, then releases those it owned but the previous build's
    (cache_files.release_owned), which a later build releases (release_previous). Nothing is kept
    where the document cannot be linked."""
    target = cache / f"{name}.pieces"
    if (target.exists() or target.is_symlink()) and not is_marked(target, _MARK):
        return
    # Before the record owns the new link: one that could not keep the shortcuts would stay cut
    # short (owning all, naming none as kept), and no release would free anything.
    if not _keep_shortcuts(cache / f"{name}.shortcuts", shortcuts):
        return
    previous = _current(cache, name)
    keep = owned if previous is None else previous  # a record cut short: keep all it owned
    try:
        # A killed (or failed) build's folder goes after the record is written (dump_patch._keep).
        with scratch_folder(cache, f".keep-{name}-", swept_after=True) as scratch:
            kept = link_owned(
                path,
                cache,
                f"{name}.jsonld",
                scratch,
                owned,
                lambda both: write_entry(target, _MARK, {"owned": both}),
            )
    except OSError:
        return
    if kept is None:
        return  # the record could not be written
    st, final, owned = kept
    inode = [st.st_dev, st.st_ino]
    keep = [*keep, inode]
    sections, body = _sections(record)
    about = {
        "fingerprint": record.fingerprint,
        "kept": {**meta, "name": final, "inode": inode},
        "runs": record.runs,
        "sections": sections,
        "shortcuts": record.shortcuts,
    }
    try:
        released = release_owned(
            cache,
            owned,
            keep,
            [f"{name}.jsonld"],
            lambda remaining: write_entry(target, _MARK, {**about, "owned": remaining}, body),
        )
    except OSError:
        return
    if released is not None:
        sweep_scratch(cache, f".keep-{name}-")
        note_kept(cache, name, {final: meta["written"]})


def release_previous(cache: Path) -> None:
    """Unlink the documents kept in `cache` (CACHE/jsonld) before the last ones their records
    name: as dump_patch.release_previous, called with it."""
    for name in _NAMES:
        _release(cache, name)


def _release(cache: Path, name: str) -> None:
    """Release the files NAME.pieces owns but the document it names as kept (release_previous);
    not while another build writes the record (its next build releases them)."""
    with record_lock(cache, name, wait=False) as held:
        if held:
            _release_held(cache, name)


def _release_held(cache: Path, name: str) -> None:
    target = cache / f"{name}.pieces"
    current = _current(cache, name)
    entry = read_entry(target, _MARK) if current is not None else None
    if entry is None:
        return
    about = {k: v for k, v in entry[0].items() if k != "bytes"}
    try:
        release_owned(
            cache,
            owned_files(about),
            current,
            [f"{name}.jsonld"],
            lambda remaining: write_entry(target, _MARK, {**about, "owned": remaining}, entry[1]),
        )
    except (OSError, TypeError):  # best effort: a marked record of odd values stays
        return


_NAMES = ("compacted", "designations")  # the records' names, each that of its document


def _current(cache: Path, name: str) -> list[list[int]] | None:
    """The (device, inode) of the document the record NAME.pieces names as kept, or None (as
    dump_patch._current: not from its written stamp, which may be None)."""
    head = read_head(cache / f"{name}.pieces", _MARK)  # not its body: megabytes
    kept = head.get("kept") if head is not None else None
    inode = kept.get("inode") if isinstance(kept, dict) else None
    return [list(inode)] if is_pair(inode) else None


def _read(
    cache: Path, name: str, fingerprint: str, separator: bytes, tracked: bool
) -> tuple[_Record, list[list[int]]]:
    """The record NAME.pieces in `cache` if it is ours, whole, made with `fingerprint` and names
    its kept document (`tracked`: with the dependencies of every piece), else an empty record;
    and the files in `cache` it says guian-kg put there, (device, inode) each."""
    entry = read_entry(cache / f"{name}.pieces", _MARK)
    empty = _empty(fingerprint, separator)
    if entry is None:
        return empty, []
    meta = entry[0]
    owned = owned_files(meta)
    if meta.get("fingerprint") != fingerprint or "kept" not in meta:
        return empty, owned
    found = _from_sections(meta.get("sections"), entry[1])
    if found is None:
        return empty, owned
    nodes, sizes, table, deps = found
    if len(sizes) != len(nodes) or len(deps) != (len(nodes) if tracked else 0):
        return empty, owned
    kept_name = meta["kept"].get("name", f"{name}.jsonld")
    if not isinstance(kept_name, str) or not is_kept_name(kept_name, f"{name}.jsonld"):
        return empty, owned
    kept = {
        **meta["kept"],
        "path": cache / kept_name,
        "shortcuts_path": cache / f"{name}.shortcuts",
    }
    kept["proof"] = kept_proof(cache, name, kept_name, kept.get("written"))
    record = _Record(
        fingerprint,
        meta["runs"],
        meta["shortcuts"],
        nodes,
        sizes,
        [],
        separator,
        table,
        deps,
        kept,
    )
    return record, owned


# A record's lists are its entry's body, not JSON: at 1,000 articles, 35 MB of JSON took 0.5 s
# to read and 0.4 s to write at each rebuild. The nodes and the table are lines of UTF-8 text
# (an IRI or a compact id holds no line break); the sizes, and each piece's dependencies (its
# two lists' lengths, then their items), are arrays of 64-bit integers in this machine's order.
_INTS = "q"


def _sections(record: _Record) -> tuple[dict[str, int], bytes]:
    """The record's lists as the body of its entry, and the length of each section of it."""
    lengths = array(_INTS, (len(half) for piece in record.deps for half in piece))
    items = array(_INTS, (i for piece in record.deps for half in piece for i in half))
    parts = {
        "nodes": "\n".join(record.nodes).encode("utf-8"),
        "table": "\n".join(record.table).encode("utf-8"),
        "sizes": array(_INTS, record.sizes).tobytes(),
        "lengths": lengths.tobytes(),
        "items": items.tobytes(),
    }
    sections = {name: len(data) for name, data in parts.items()}
    return {**sections, "order": sys.byteorder}, b"".join(parts.values())


def _from_sections(sections: object, body: bytes) -> tuple | None:
    """(nodes, sizes, table, deps) from an entry's body, as `_sections` wrote it; None if the
    sections do not describe it (another layout, another byte order, cut short)."""
    names = ("nodes", "table", "sizes", "lengths", "items")
    if not isinstance(sections, dict) or sections.get("order") != sys.byteorder:
        return None
    sizes_of = [sections.get(name) for name in names]
    if not all(isinstance(n, int) and n >= 0 for n in sizes_of) or sum(sizes_of) != len(body):
        return None
    cut = dict(zip(names, _cut(body, sizes_of), strict=True))
    width = array(_INTS).itemsize
    if any(len(cut[name]) % width for name in ("sizes", "lengths", "items")):
        return None
    nodes = cut["nodes"].decode("utf-8").split("\n") if cut["nodes"] else []
    table = cut["table"].decode("utf-8").split("\n") if cut["table"] else []
    sizes, lengths, items = (array(_INTS, cut[n]).tolist() for n in ("sizes", "lengths", "items"))
    if len(lengths) % 2 or sum(lengths) != len(items):
        return None
    deps, at = [], 0
    for first, second in zip(lengths[::2], lengths[1::2], strict=True):
        deps.append([items[at : at + first], items[at + first : at + first + second]])
        at += first + second
    return nodes, sizes, table, deps


def _cut(body: bytes, lengths: list[int]) -> Iterator[bytes]:
    at = 0
    for length in lengths:
        yield body[at : at + length]
        at += length


def _fingerprint(name: str, store: ox.Store) -> str:
    """The code, frames, context and pyoxigraph that make the pieces, and (for the framed
    designations, which read it) the ontology graph."""
    digest = hashlib.sha256(f"{name}\0{_code()}".encode())
    if name == "designations":
        ontology = ox.NamedNode(str(Iris().graph("ontology")))
        quads = store.quads_for_pattern(None, None, None, ontology)
        digest.update("".join(sorted(f"{q.triple} .\n" for q in quads)).encode("utf-8"))
    return digest.hexdigest()


@cache
def _code() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"pyoxigraph {ox.__version__}".encode("ascii"))
    files = ["jsonld_pieces.py", "compaction.py", "framing.py", "json_text.py", "context.jsonld"]
    files += [f"frames/{p.name}" for p in sorted((here / "frames").glob("*.jsonld"))]
    for name in files:
        digest.update(f"\0{name}\0".encode() + (here / name).read_bytes())
    return digest.hexdigest()

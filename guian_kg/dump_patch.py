"""The rebuild's N-Triples, N-Quads, Turtle and TriG dumps, made from the previous build's dumps
where a few units changed: the previous file's bytes are copied, and only the lines (N-Triples,
N-Quads) or subject blocks (Turtle, TriG) that changed are written anew between them.

What changed is known exactly. A record (CACHE/dumps/nt.record for the "nt ttl" group,
nq.record for "nq trig", marked as guian-kg's) keeps what the previous dumps were made of: the
keys of the data graph's units (their cached runs, dump_runs), the key of the shortcuts' runs
(made on the whole graph, sorted once per content for both groups and kept in
CACHE/shortcut-runs, `shortcut_runs`) and the lines of the other graphs (ontology, description).
A statement that may have come or gone since is a line of a unit removed or added (a unit with
the same key holds the same lines), or of the shortcuts or another graph, in one and not the
other. Whether it is in the new dump is asked of the store (the dumps are the store's
statements, as a set: a statement two units hold stays while one does); whether it was in the
old one, of the old file.

- N-Triples and N-Quads are sorted lines: each changed line is found by binary search in the old
  file (mapped), then the file is copied with the line taken out or put in.
- Turtle and TriG are the project's prefixes that are used, then a block per subject (in TriG,
  within a block per graph), in the order of their subjects' N-Triples forms, each block's text
  depending on its subject's statements and the prefixes alone. Where the prefixes are the same,
  the blocks of the changed subjects (the subjects of the changed lines) are found by binary
  search on the old file (a block starts a line not indented, or indented once in TriG, and its
  first word is the subject, a prefixed name expanded with the file's prefixes) and written again
  from the store, made as the whole dump makes them.

The previous dumps are the files the last build wrote, hard-linked in CACHE/dumps/ (no copy: they
share the disk of dist/'s files while those stay), each used only while its status proves it holds
the bytes written to it (cache_files.KeptFile: its ctime has not moved since the build that wrote
it proved it, after the last link it made), and copied in the kernel (os.copy_file_range), never
read in this process but where a changed line or block is looked for. A file not proven is
written whole instead; so is everything when the record is missing, made by other code, or names
a blank node among the changed lines (a unit's labels are its own), or when many units changed
(merging is then as fast). Each build's dumps are linked under new names (the record names them),
and a file in CACHE/dumps/ is deleted only if the record says guian-kg put it there: the previous
build's by the next build, which replaced the folder they were published in (`release_previous`,
cache_files.release_owned).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import mmap
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
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
    record_lock,
    release_owned,
    scratch_folder,
    sweep_scratch,
    write_entry,
    write_new,
    written_stamp,
)
from .dump_runs import ensure_run, map_checked, read_runs
from .formats import get_format
from .iri import DEFAULT_BASE, Iris
from .store import matching
from .void import DUMP_STEM
from .write import Runs, _reserialize, _unranked, dump_prefixes, runs_of, write_dumps

_MARK = "# guian-kg dumps {key} "
_FORMATS = {"nq": ("nq", "trig"), "nt": ("nt", "ttl")}  # each record's key (its first) → formats
_GROUPS = tuple(_FORMATS)
SHORTCUT_RUNS = "shortcut-runs"  # the folder of the cache where the shortcuts' runs are kept


@dataclass(frozen=True)
class Kept:
    """Where the previous build's dumps are kept (CACHE/dumps), and the data graph's units (their
    cached runs) and shortcuts (the key of their runs in CACHE/shortcut-runs, None if there are
    none) that this build's dumps are made of."""

    cache: Path
    runs_folder: Path
    runs: Sequence[str]
    shortcuts: str | None

    @property
    def shortcuts_folder(self) -> Path:
        return self.cache.parent / SHORTCUT_RUNS  # beside CACHE/dumps, as shortcut_runs keeps them


def shortcut_runs(cache: Path, lines: Sequence[str]) -> tuple[str, Runs] | None:
    """The runs of the shortcuts' N-Triples `lines` (sorted: shortcuts.shortcut_lines), sorted once
    per content for both groups of dumps in `cache`/SHORTCUT_RUNS (dump_runs.ensure_run), where
    those the dumps' records name are kept beside them (what the next rebuild compares with):
    (their key, the runs), or None where they cannot be kept."""
    text = "\n".join(lines).encode("utf-8") + b"\n"

    def recorded() -> list[str]:
        return [key for group in _GROUPS if (key := _recorded(cache / "dumps", group)) is not None]

    return ensure_run(cache / SHORTCUT_RUNS, text, recorded)


def write_group(
    formats: Sequence[str],
    folder: Path,
    store: ox.Store,
    graphs: dict[str, list[Runs]],
    base: str,
    kept: Kept | None,
) -> dict[str, Path]:
    """Write the dumps `formats` ("nt ttl" or "nq trig") of `graphs` (as write.write_dumps takes
    them) into `folder`; with `kept` (under the default base, the data graph's runs being those of
    kept.runs, then the shortcuts'), from the previous build's where they serve, and kept for the
    next build."""
    # The record is read at the start and written at the end: another build sharing the cache
    # waits (its record written from this one's).
    lock = record_lock(kept.cache, formats[0]) if kept is not None else contextlib.nullcontext()
    with lock:
        quads = "nq" in formats
        data = str(ox.NamedNode(str(Iris().graph("data"))))  # as N-Quads writes it
        state = _state(graphs, data, kept) if kept is not None else None
        old, owned = _read_record(kept.cache, formats[0]) if kept is not None else (None, [])
        written: dict[str, tuple[Path, list[int] | None]] = {}  # format → its file, written_stamp
        if state is not None and old is not None:
            changed = _changed_lines(old, state, kept)
            lines_format, blocks_format = formats
            try:  # an old file that changed while it was read may read as anything
                if changed is not None:
                    path, stamp, edited = _patch_lines(folder, store, changed, old, quads)
                    written[lines_format] = (path, stamp)
                    blocks = _patch_blocks(folder, store, graphs, edited, old, quads)
                    if blocks is not None:
                        written[blocks_format] = blocks
            except (KeyError, ValueError, IndexError, Unproven):
                pass
        from_previous = sorted(written)
        todo = [f for f in formats if f not in written]
        if todo:
            for fmt in todo:  # a new file, never written through: it may be a link of a kept one
                (folder / f"{DUMP_STEM}.{get_format(fmt).extension}").unlink(missing_ok=True)
            for fmt, path in write_dumps(graphs, folder, base, todo).items():
                written[fmt] = (path, written_stamp(path))
        if state is not None:
            _keep(kept.cache, formats[0], written, state, from_previous, owned)
        return {fmt: written[fmt][0] for fmt in formats}


# ------------------------------------------------------------------ what changed


@dataclass
class _State:
    """What this build's dumps are made of: its units, its shortcuts' runs and the lines of the
    graphs no unit holds (the data graph's shortcuts: `lines`, not recorded)."""

    runs: list[str]
    graphs: list[str]  # every graph's name (N-Quads term; "" is the default graph)
    small: dict[str, list[str]]  # graph → its lines, but the data graph
    shortcuts: str | None  # the key of the shortcuts' runs
    lines: Iterable[str]  # the shortcuts' lines


def _state(graphs: dict[str, list[Runs]], data: str, kept: Kept) -> _State | None:
    units = graphs.get(data, [])
    if len(units) != len(kept.runs) + (kept.shortcuts is not None) or any(
        len(r) != 1 for g, r in graphs.items() if g != data
    ):
        return None  # not runs made as build._runs makes them
    small = {g: list(runs[0].lines) for g, runs in graphs.items() if g != data}
    lines = units[-1].lines if kept.shortcuts is not None else []
    return _State(list(kept.runs), sorted(graphs), small, kept.shortcuts, lines)


def _changed_lines(old: dict, state: _State, kept: Kept) -> dict[str, set[str]] | None:
    """Graph → the N-Triples lines that may have come into it or gone from it since the record;
    None where that cannot be known cheaply (the graphs differ, a unit's runs are gone, a blank
    node, many units changed)."""
    if old["graphs"] != state.graphs or old["small"].keys() != state.small.keys():
        return None
    before, now = set(old["runs"]), set(state.runs)
    if len(before ^ now) > max(4, len(now) // 20):  # past it, a merge is about as fast
        return None
    removed = read_runs(kept.runs_folder, sorted(before - now))
    added = read_runs(kept.runs_folder, sorted(now - before))
    if removed is None or added is None:
        return None
    changed = {graph: set(old["small"][graph]) ^ set(lines) for graph, lines in state.small.items()}
    data = changed.setdefault(_data_graph(state), set())
    for runs in (*removed, *added):
        data.update(runs.lines)
    if old["shortcuts"] != state.shortcuts:  # else the same lines
        before = _kept_shortcuts(kept, old["shortcuts"])
        if before is None:  # gone: which lines changed is not known
            return None
        data.update(set(before) ^ set(state.lines))
    if any("_:" in line for lines in changed.values() for line in lines):
        return None
    return {graph: lines for graph, lines in changed.items() if lines}


def _kept_shortcuts(kept: Kept, key: str | None) -> Iterable[str] | None:
    """The lines of the shortcuts' runs `key` (none if None) kept beside this build's, or None
    if they are not (or no longer whole)."""
    if key is None:
        return []
    runs = map_checked(kept.shortcuts_folder, key)
    return runs.lines if runs is not None else None


def _data_graph(state: _State) -> str:
    (data,) = (g for g in state.graphs if g not in state.small)
    return data


# ------------------------------------------------------------------ N-Triples and N-Quads


def _patch_lines(
    folder: Path, store: ox.Store, changed: dict[str, set[str]], old: dict, quads: bool
) -> tuple[Path, list[int] | None, list[bytes]]:
    """The N-Quads (`quads`) or N-Triples dump written from the old one with the lines that
    changed: (its path, its written_stamp, the lines that changed); Unproven if the old file is
    not proven, ValueError if a line does not read back as one statement."""
    fmt = "nq" if quads else "nt"
    lines: dict[bytes, bool] = {}  # the dump's line → whether the new dump holds it
    for graph, text in changed.items():
        name = ox.NamedNode(graph[1:-1]) if graph else ox.DefaultGraph()
        ordered = sorted(text)
        parsed = list(ox.parse(_joined(ordered).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
        if len(parsed) != len(ordered):
            raise ValueError("a changed line is not one statement")
        for line, triple in zip(ordered, parsed, strict=True):
            if quads:
                held = ox.Quad(triple.subject, triple.predicate, triple.object, name) in store
                line = f"{line[:-1]}{graph} ." if graph else line
            else:  # matching: the store may be on disk (a rebuild's checkpoint)
                pattern = matching(store, triple.subject, triple.predicate, triple.object)
                held = next(pattern, None) is not None
            lines[line.encode("utf-8")] = held
    with _opened(old, fmt) as previous:
        edits, edited = [], []
        low = 0
        for line in sorted(lines):
            at = _lower_bound(previous.map, line, low, previous.size)
            end = at + len(line) + 1
            was = previous.map[at:end] == line + b"\n"
            if was != lines[line]:
                edits.append((at, end if was else at, b"" if was else line + b"\n"))
                edited.append(line)
            low = at
        path = folder / f"{DUMP_STEM}.{get_format(fmt).extension}"
        stamp = write_new(path, _segments(edits, previous.size), previous)
    return path, stamp, edited


def _lower_bound(data: mmap.mmap, target: bytes, low: int, high: int) -> int:
    """The offset of the first line of sorted lines data[low:high] (`low` starts a line) that is
    not below `target`; `high` if there is none."""
    while low < high:
        middle = (low + high) // 2
        start = data.rfind(b"\n", low, middle) + 1 or low
        end = data.find(b"\n", start, high) + 1 or high
        if data[start : end - 1] < target:
            low = end
        else:
            high = start
    return low


# ------------------------------------------------------------------ Turtle and TriG


def _patch_blocks(
    folder: Path,
    store: ox.Store,
    graphs: dict[str, list[Runs]],
    edited: list[bytes],
    old: dict,
    quads: bool,
) -> tuple[Path, list[int] | None] | None:
    """The TriG (`quads`) or Turtle dump written from the old one with the blocks of the subjects
    of the `edited` lines (of the N-Quads or N-Triples dump) made again, and its written_stamp;
    None if its prefixes differ, Unproven if the old file is not proven."""
    fmt = "trig" if quads else "ttl"
    rdf_format = ox.RdfFormat.TRIG if quads else ox.RdfFormat.TURTLE
    used = dump_prefixes(graphs, fmt, DEFAULT_BASE)
    header = _header(rdf_format, used)
    subjects: dict[str, set[str]] = {}  # graph ("" in Turtle) → its changed subjects
    for line in edited:
        text = line.decode("utf-8")
        subject = text[: text.index(" ")]
        graph = text[text.rindex(" ", 0, -2) + 1 : -2] if quads else ""
        subjects.setdefault(graph, set()).add(subject)
    with _opened(old, fmt) as previous:
        if previous.map[: len(header)] != header:
            return None
        if previous.map[len(header) : len(header) + 1] == b"@":
            return None  # more prefixes than this dump declares
        expand = _expander(used)
        sections = _sections(previous, len(header), expand) if quads else {"": (len(header), None)}
        if sections is None or not set(subjects) <= set(sections):
            return None
        edits = []
        for graph, (start, end) in sorted(sections.items(), key=lambda s: s[1][0]):
            if graph not in subjects:
                continue
            depth = 1 if quads else 0
            blocks = _Blocks(previous.map, start, previous.size if end is None else end, depth)
            made = _made_blocks(store, graph, sorted(subjects[graph], key=_key), used, quads)
            if made is None:
                return None
            low = start
            for subject in sorted(subjects[graph], key=_key):
                at, block_end, found = blocks.find(_key(subject), low, expand)
                edits.append((at, block_end if found else at, made.get(subject, b"")))
                low = block_end if found else at
        path = folder / f"{DUMP_STEM}.{get_format(fmt).extension}"
        return path, write_new(path, _segments(edits, previous.size), previous)


def _key(subject: str) -> bytes:
    """What orders blocks: the subject's N-Triples form and a space (the runs' ranked order)."""
    return subject.encode("utf-8") + b" "


def _header(rdf_format: ox.RdfFormat, used: dict[str, str]) -> bytes:
    """The prefix lines that Oxigraph writes before the first statement."""
    probe = ox.Quad(*(ox.NamedNode(f"urn:x:{t}") for t in "spo"), ox.DefaultGraph())
    text = ox.serialize([probe], format=rdf_format, prefixes=used)
    return text[: text.index(b"<urn:x:s>")]


def _expander(used: dict[str, str]) -> Callable[[bytes], bytes]:
    """A subject or graph as Turtle writes it → its N-Triples form."""
    namespaces = {p.encode("utf-8"): ns.encode("utf-8") for p, ns in used.items()}

    def expand(word: bytes) -> bytes:
        if word[:1] == b"<" or word[:2] == b"_:":
            return word
        prefix, _, local = word.partition(b":")
        return b"<" + namespaces[prefix] + _ESCAPED.sub(rb"\1", local) + b">"

    return expand


_ESCAPED = re.compile(rb"\\(.)")  # Turtle's local name escapes: the character itself


def _sections(previous: KeptFile, start: int, expand: Callable[[bytes], bytes]) -> dict | None:
    """Each graph block of a TriG file (from `start`, past its prefixes): graph → (the offset of
    its first statement, of its closing line); None if the file is not one such block after
    another."""
    data, sections = previous.map, {}
    while start < previous.size:
        line_end = data.find(b"\n", start)
        opening = data[start:line_end]
        close = data.find(b"\n}\n", line_end) + 1
        if not opening.endswith(b" {") or not close or opening[:1] in (b"\t", b"@"):
            return None
        sections[expand(opening[:-2]).decode("utf-8")] = (line_end + 1, close)
        start = close + 2
    return sections


@dataclass
class _Blocks:
    """The subject blocks of data[start:end] (a map or bytes), a block starting each line indented
    `depth` tabs (and not more)."""

    data: mmap.mmap | bytes
    start: int
    end: int
    depth: int

    def find(self, key: bytes, low: int, expand: Callable[[bytes], bytes]) -> tuple[int, int, bool]:
        """(the offset of the first block from `low` whose key is not below `key`, its end,
        whether its key is `key`)."""
        high = self.end
        while low < high:
            at = self._block_start((low + high) // 2, low)
            end = self.end_of(at)
            if self._key(at, expand) < key:
                low = end
            else:
                high = at
        if low < self.end and self._key(low, expand) == key:
            return low, self.end_of(low), True
        return low, low, False

    def _starts(self, at: int) -> bool:
        indent = self.data[at : at + self.depth + 1]
        return indent[: self.depth] == b"\t" * self.depth and indent[self.depth :] != b"\t"

    def _block_start(self, at: int, low: int) -> int:
        """The start of the block holding offset `at` (`low` starts one)."""
        line = self.data.rfind(b"\n", low, at) + 1 or low
        while line > low and not self._starts(line):
            line = self.data.rfind(b"\n", low, line - 1) + 1 or low
        return line

    def end_of(self, at: int) -> int:
        """Where the block starting at `at` ends."""
        while True:
            at = self.data.find(b"\n", at, self.end) + 1
            if not at or at >= self.end:
                return self.end
            if self._starts(at):
                return at

    def _key(self, at: int, expand: Callable[[bytes], bytes]) -> bytes:
        word = self.data[at + self.depth : self.data.find(b" ", at + self.depth, self.end)]
        return expand(word) + b" "


def _made_blocks(
    store: ox.Store, graph: str, subjects: list[str], used: dict[str, str], quads: bool
) -> dict[str, bytes] | None:
    """Each subject's block (with statements) as the whole dump writes it: its statements in the
    graph (Turtle: in any graph, once), ranked as the runs rank them, written by Oxigraph."""
    name = (ox.NamedNode(graph[1:-1]) if graph else ox.DefaultGraph()) if quads else None
    if not all(s[0] == "<" and s[-1] == ">" for s in subjects):
        return None  # the changed lines name no blank node (_changed_lines)
    terms = [ox.NamedNode(s[1:-1]) for s in subjects]
    triples = {q.triple for term in terms for q in store.quads_for_pattern(term, None, None, name)}
    if not triples:
        return {}
    ranked = runs_of(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()).ranked
    lines: Iterable[str] = map(_unranked, ranked)
    rdf_format = ox.RdfFormat.TRIG if quads else ox.RdfFormat.TURTLE
    if quads:
        lines = (f"{line[:-1]}{graph} ." for line in lines)
    out = io.BytesIO()
    _reserialize(out, lines, rdf_format, used)
    body = out.getvalue()[len(_header(rdf_format, used)) :]
    if quads:
        body = body[body.index(b" {\n") + 3 : body.rindex(b"}\n")]
    depth = 1 if quads else 0
    blocks = _Blocks(body, 0, len(body), depth)
    made, at = {}, 0
    held = sorted({t.subject for t in triples}, key=lambda s: _key(str(s)))
    for subject in held:
        end = blocks.end_of(at)
        made[str(subject)] = body[at:end]
        at = end
    return made if at == len(body) else None


# ------------------------------------------------------------------ the previous files


def _opened(old: dict, fmt: str) -> contextlib.AbstractContextManager[KeptFile]:
    """The kept file of format `fmt` of the record `old`, mapped (Unproven if none is proven)."""
    entry = old["files"].get(fmt)
    if entry is None:
        raise Unproven
    return KeptFile.opened(entry["path"], entry["proof"], mapped=True)


def _segments(edits: list[tuple[int, int, bytes]], size: int) -> Iterator[bytes | tuple[int, int]]:
    """The old file of `size` bytes with each (start, end, text) of `edits` (in order, apart)
    putting `text` in place of bytes start to end: what cache_files.write_new writes."""
    position = 0
    for start, end, text in edits:
        if start > position:
            yield position, start
        yield text
        position = end
    if position < size:
        yield position, size


# ------------------------------------------------------------------ the record


def patched(folder: Path) -> list[str]:
    """The dumps that the last build recorded in `folder` (CACHE/dumps) made from the previous
    build's, by format."""
    found = []
    for key in _GROUPS:
        entry = read_entry(folder / f"{key}.record", _MARK)
        found += json.loads(entry[1]).get("patched", []) if entry else []
    return sorted(found)


def _read_record(folder: Path, key: str) -> tuple[dict | None, list[list[int]]]:
    """KEY.record of `folder`, read once for its group: the record if this code wrote it (each
    kept file's path and proof added), and the files (device, inode) it says guian-kg put in
    `folder`."""
    record = _raw_record(folder, key)
    owned = owned_files(record)
    if record is None or record.get("fingerprint") != _fingerprint() or "files" not in record:
        return None, owned
    if not _is_key(record.get("shortcuts")):
        return None, owned
    files = record["files"]
    if not isinstance(files, dict) or not all(
        fmt in _FORMATS[key] and isinstance(file, dict) for fmt, file in files.items()
    ):
        return None, owned
    for fmt, file in files.items():
        name = f"{DUMP_STEM}.{get_format(fmt).extension}"
        kept_name = file.get("name", name)
        if not isinstance(kept_name, str) or not is_kept_name(kept_name, name):
            return None, owned
        file["path"] = folder / kept_name
        file["proof"] = kept_proof(folder, key, file["path"].name, file.get("written"))
    return record, owned


def _raw_record(folder: Path, key: str) -> dict | None:
    """KEY.record of `folder` as written, if it is ours and an object."""
    entry = read_entry(folder / f"{key}.record", _MARK)
    try:
        record = json.loads(entry[1]) if entry is not None else None
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _recorded(folder: Path, key: str) -> str | None:
    """The key of the shortcuts' runs that KEY.record of `folder` names, if this code wrote it."""
    record, _ = _read_record(folder, key)
    return record["shortcuts"] if record is not None else None


def _is_key(key: object) -> bool:
    """Whether `key` names the shortcuts' runs (dump_runs.run_key), or none (None)."""
    return key is None or (isinstance(key, str) and re.fullmatch("[0-9a-f]{32}", key) is not None)


def _keep(
    folder: Path,
    key: str,
    written: dict[str, tuple[Path, list[int] | None]],
    state: _State,
    from_previous: list,
    owned: list[list[int]],
) -> None:
    """Hard-link this build's dumps into `folder` under new names and record them (and those made
    from the previous ones, `from_previous`), then their proofs (KEY.proof,
    cache_files.note_kept); the files the record owned but its current ones are released
    (cache_files.release_owned), the current ones only by a later build (release_previous).
    Nothing is kept where a file cannot be linked, nor where the record's place holds a file not
    ours."""
    target = folder / f"{key}.record"
    if (target.exists() or target.is_symlink()) and not is_marked(target, _MARK):
        return  # not ours
    previous = _current(_raw_record(folder, key))
    keep = owned if previous is None else previous  # a record cut short: keep all it owned
    files, names = {}, {}
    try:
        # A killed (or failed: swept_after) build's folder of this record's goes once the record
        # owns what it holds no more (release_owned), not before: its links may be the last of
        # files the record owns (link_owned records one before it links it in place).
        with scratch_folder(folder, f".keep-{key}-", swept_after=True) as scratch:
            for fmt, (path, stamp) in written.items():
                kept = link_owned(
                    path,
                    folder,
                    path.name,
                    scratch,
                    owned,
                    lambda both: _write_record(target, {"owned": both}),
                )
                if kept is None:
                    return
                st, names[fmt], owned = kept
                keep = [*keep, [st.st_dev, st.st_ino]]
                files[fmt] = {"name": names[fmt], "written": stamp, "inode": keep[-1]}
        record = {
            "fingerprint": _fingerprint(),
            "files": files,
            "patched": from_previous,
            "runs": state.runs,
            "graphs": state.graphs,
            "small": state.small,
            "shortcuts": state.shortcuts,
        }
        released = release_owned(
            folder,
            owned,
            keep,
            _kept_names(key),
            lambda remaining: _write_record(target, {**record, "owned": remaining}),
        )
    except OSError:
        return
    if released is not None:
        sweep_scratch(folder, f".keep-{key}-")
        note_kept(folder, key, {names[fmt]: stamp for fmt, (_, stamp) in written.items()})


def release_previous(folder: Path) -> None:
    """Unlink the dumps kept in `folder` (CACHE/dumps) before the last ones its records name: a
    build calls it before it writes its dumps (build.releasing_previous), when the last ones are
    dist/'s files, which keep their ctime until they are replaced (publish.remember proves them by
    it), and the ones before them are in no folder the last build left."""
    for key in _GROUPS:
        _release(folder, key)


def _release(folder: Path, key: str) -> None:
    """Release the files KEY.record owns but those it names as kept (release_previous); not
    while another build writes the record (its next build releases them)."""
    with record_lock(folder, key, wait=False) as held:
        if held:
            _release_held(folder, key)


def _release_held(folder: Path, key: str) -> None:
    record = _raw_record(folder, key)
    current = _current(record)
    if current is None:
        return
    target = folder / f"{key}.record"
    try:
        release_owned(
            folder,
            owned_files(record),
            current,
            _kept_names(key),
            lambda remaining: _write_record(target, {**record, "owned": remaining}),
        )
    except (OSError, TypeError):  # best effort: a marked record of odd values stays
        return


def _current(record: dict | None) -> list[list[int]] | None:
    """The (device, inode) of each file a record names as kept, or None if it names none (a record
    cut short), or one without its inode. Not its written stamp, which a file system whose clock
    does not pass a file's ctime at once (seconds for timestamps) leaves None."""
    files = record.get("files") if record is not None else None
    if not isinstance(files, dict) or not files:
        return None
    inodes = [f.get("inode") if isinstance(f, dict) else None for f in files.values()]
    return [list(i) for i in inodes] if all(is_pair(i) for i in inodes) else None


def _kept_names(key: str) -> list[str]:
    """The names of the dumps of group `key` (the record's key: its first format)."""
    return [f"{DUMP_STEM}.{get_format(fmt).extension}" for fmt in _FORMATS[key]]


def _write_record(target: Path, record: dict) -> bool:
    return write_entry(target, _MARK, {}, json.dumps(record, sort_keys=True).encode("utf-8"))


def _joined(lines: Iterable[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


@cache
def _fingerprint() -> str:
    """The code that writes the dumps and this, and the pyoxigraph release."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"pyoxigraph {ox.__version__}".encode("ascii"))
    for name in ("dump_patch.py", "dump_runs.py", "write.py", "namespaces.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()

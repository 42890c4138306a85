"""The sorted runs of each unit's statements (write.Runs), cached by content: a rebuild after one
article changed sorts that article's statements alone, and the dumps merge the runs of the rest.

An entry (CACHE/runs/KEY.runs) is keyed by the code that makes and reads it (this module,
write.py, the pyoxigraph release) and the unit's N-Triples (a unit's key alone would not do: a
changed source text anchors the same files into other statements). Its first line is its mark,
with its key and the sizes of its parts: what proves that guian-kg wrote it, and may replace it.
The runs hold the statements under the default base; a dump under another base is made from the
store.

A text of statements made on the whole graph (the shortcuts) is kept the same way in a folder of
its own (`ensure_run`), sorted once per content; being one entry read whole at each build, not a
thousand, its mark also records the sha256 of what follows, checked at each use.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from .cache_files import is_marked, prune, read_entry, read_head, write_whole
from .parallel import fork_map
from .write import Runs, utf8_runs

_MARK = "# guian-kg runs {key} "
_PARALLEL_FROM = 8  # fewer units are sorted in this process: starting workers costs more


def ensure_runs(
    folder: Path,
    units: Sequence[bytes | Callable[[], bytes]],
    workers: int,
    digests: Sequence[str] | None = None,
) -> list[str] | None:
    """The keys of the runs of each unit's N-Triples, sorting (in `workers` processes) those not
    in `folder` yet; None if the folder cannot take them. With the sha256 of each (`digests`), a
    unit may be a function that reads its N-Triples: called only if its runs are not there."""
    if digests is not None:
        keys = [key_of_digest(digest) for digest in digests]
    else:
        keys = [run_key(ntriples) for ntriples in units]
    todo = [i for i, key in enumerate(keys) if not is_marked(folder / f"{key}.runs", _MARK)]

    def make(i: int) -> bool:
        ntriples = units[i]() if callable(units[i]) else units[i]
        return _store(folder / f"{keys[i]}.runs", keys[i], *_runs(ntriples))

    if not all(fork_map(make, todo, workers if len(todo) >= _PARALLEL_FROM else 1)):
        return None
    if todo:
        prune(folder, ".runs", set(keys), _MARK)
    return keys


def read_runs(folder: Path, keys: Sequence[str]) -> list[Runs] | None:
    """The runs of `keys`, or None if one is missing or not whole."""
    runs = []
    for key in keys:
        found = _read(folder / f"{key}.runs")
        if found is None:
            return None
        runs.append(found)
    return runs


def line_counts(folder: Path, keys: Sequence[str]) -> list[int] | None:
    """The lines (distinct statements) of the runs of each of `keys`, as their entries' marks
    count them, the entries checked whole by their size (the body is not read); None if one is
    missing or not whole."""
    counts = []
    for key in keys:
        meta = read_head(folder / f"{key}.runs", _MARK)
        count = meta.get("lines") if isinstance(meta, dict) else None
        if type(count) is not int or count < 0:
            return None
        counts.append(count)
    return counts


def map_runs(folder: Path, keys: Sequence[str]) -> list[Runs] | None:
    """The runs of `keys` as `read_runs` gives them, each part read from a map of its entry as it
    is iterated (the dumps merge a line of each unit at a time: no unit's text is held whole), or
    None if one is missing or not whole."""
    runs = []
    for key in keys:
        found = _map(folder / f"{key}.runs")
        if found is None:
            return None
        runs.append(found)
    return runs


def ensure_run(
    folder: Path, ntriples: bytes, keep: Callable[[], Iterable[str]]
) -> tuple[str, Runs] | None:
    """(the key, the runs as map_runs gives them) of N-Triples lines as Oxigraph writes them, from
    their entry in `folder` where it is whole and hashes to its mark's checksum, else sorted and
    written there, every other entry of ours in `folder` then deleted but those of `keep()`;
    None if the folder cannot take it."""
    key = run_key(ntriples)
    found = map_checked(folder, key)
    if found is not None:
        return key, found
    if not _store(folder / f"{key}.runs", key, *utf8_runs(ntriples), checked=True):
        return None
    prune(folder, ".runs", {key, *keep()}, _MARK, slack=1)
    found = map_checked(folder, key)
    return (key, found) if found is not None else None


def map_checked(folder: Path, key: str) -> Runs | None:
    """The runs of entry `key` of `folder` (made by ensure_run) as map_runs gives them, if what
    follows its mark hashes to the sha256 the mark records; else None."""
    return _map(folder / f"{key}.runs", checked=True)


def run_key(ntriples: bytes) -> str:
    return key_of_digest(hashlib.sha256(ntriples).hexdigest())


def key_of_digest(digest: str) -> str:
    """The key of the runs of N-Triples whose sha256 is `digest` (units.Enriched.digest)."""
    return hashlib.sha256(f"{_code_fingerprint()}\0{digest}".encode("ascii")).hexdigest()[:32]


def _runs(ntriples: bytes) -> tuple[list[bytes], list[bytes], set[str]]:
    """The runs of N-Triples as a store writes them (the store's lines are what the dumps merge),
    in UTF-8 (write.utf8_runs)."""
    store = ox.Store()
    store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return utf8_runs(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()))


def _store(
    target: Path,
    key: str,
    lines: list[bytes],
    ranked: list[bytes],
    heads: set[str],
    checked: bool = False,
) -> bool:
    """Write an entry whole (never over a file guian-kg did not write), its mark with the sha256
    of what follows if `checked`; False if it cannot be."""
    body = b"".join(b"\n".join(part) + b"\n" for part in (lines, ranked) if part)
    meta = {"bytes": len(body), "heads": sorted(heads), "lines": len(lines)}
    if checked:
        meta["sha256"] = hashlib.sha256(body).hexdigest()
    first = (_MARK.format(key=key) + json.dumps(meta, sort_keys=True) + "\n").encode("utf-8")
    if (target.exists() or target.is_symlink()) and not is_marked(target, _MARK):
        return False
    return write_whole(target, first + body)


def _read(path: Path) -> Runs | None:
    entry = read_entry(path, _MARK)
    if entry is None:
        return None
    meta, body = entry
    lines = body.decode("utf-8").split("\n")
    lines.pop()  # after the last newline
    count = meta["lines"]
    if len(lines) != 2 * count:
        return None
    return Runs(lines[:count], lines[count:], set(meta["heads"]))


def _map(path: Path, checked: bool = False) -> Runs | None:
    """An entry as _read checks it (and, if `checked`, whose mark's sha256 is that of what
    follows), its parts mapped (the map keeps the bytes it maps, should the entry be replaced or
    pruned meanwhile)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or os.fstat(fd).st_size == 0:
            return None
        data = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    start = data.find(b"\n") + 1
    mark = _MARK.format(key=path.stem).encode("utf-8")
    if not start or data[: len(mark)] != mark:
        return None
    try:
        meta = json.loads(data[len(mark) : start])
        count, size, heads = int(meta["lines"]), int(meta["bytes"]), set(meta["heads"])
    except (ValueError, KeyError, TypeError):
        return None
    # A ranked line is its line with one character (the rank) more: the parts are (size - count)
    # / 2 and (size + count) / 2 bytes long, each ending with a newline.
    cut = start + (size - count) // 2
    if len(data) - start != size or count < 0 or (size - count) % 2 or (count == 0) != (size == 0):
        return None
    if count and (data[cut - 1] != 10 or data[-1] != 10):
        return None
    if checked and meta.get("sha256") != _sha256(data, start):
        return None
    return Runs(_Lines(data, start, cut), _Lines(data, cut, len(data)), heads)


def _sha256(data: mmap.mmap, start: int) -> str:
    view = memoryview(data)[start:]
    try:
        return hashlib.sha256(view).hexdigest()
    finally:
        view.release()


class _Lines:
    """The lines of one part of a mapped entry, decoded as they are iterated (again at each
    iteration); the pages read are given back to the system as the iteration goes on."""

    def __init__(self, data: mmap.mmap, start: int, end: int):
        self._data, self._start, self._end = data, start, end

    def __iter__(self) -> Iterator[str]:
        for block in self._blocks():
            yield from block.decode("utf-8").split("\n")

    def blocks(self) -> Iterator[list[bytes]]:
        """The lines as UTF-8, a list of the whole lines of a block of the entry at a time."""
        return (block.split(b"\n") for block in self._blocks())

    def texts(self) -> Iterator[bytes]:
        """The lines as UTF-8 text, the whole lines of a block of the entry (each ending with a
        newline) at a time."""
        return self._blocks(newline=True)

    def _blocks(self, newline: bool = False) -> Iterator[bytes]:
        data, position, end = self._data, self._start, self._end
        while position < end:
            # The whole lines of the next block (a part ends with a newline, checked by _map).
            cut = data.rfind(b"\n", position, min(position + _BLOCK, end)) + 1
            cut = cut or data.find(b"\n", position, end) + 1  # a line longer than a block
            yield data[position : cut if newline else cut - 1]
            page = position - position % mmap.PAGESIZE
            data.madvise(mmap.MADV_DONTNEED, page, cut - cut % mmap.PAGESIZE - page)
            position = cut


_BLOCK = 1 << 16  # bytes of a part decoded at a time, then given back to the system


@cache
def _code_fingerprint() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"pyoxigraph {ox.__version__}".encode("ascii"))
    for name in ("dump_runs.py", "write.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()

"""The sorted runs of each unit's statements (write.Runs), cached by content: a rebuild after one
article changed sorts that article's statements alone, and the dumps merge the runs of the rest.

An entry (CACHE/runs/KEY.runs) is keyed by the code that makes and reads it (this module,
write.py, the pyoxigraph release) and the unit's N-Triples (a unit's key alone would not do: a
changed source text anchors the same files into other statements). Its first line is its mark,
with its key and the sizes of its parts: what proves that guian-kg wrote it, and may replace it.
The runs hold the statements under the default base; a dump under another base is made from the
store.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from .cache_files import is_marked, prune, read_entry, write_whole
from .parallel import fork_map
from .write import Runs, runs_of

_MARK = "# guian-kg runs {key} "
_PARALLEL_FROM = 8  # fewer units are sorted in this process: starting workers costs more


def ensure_runs(folder: Path, units: Sequence[bytes], workers: int) -> list[str] | None:
    """The keys of the runs of each unit's N-Triples, sorting (in `workers` processes) those not
    in `folder` yet; None if the folder cannot take them."""
    keys = [run_key(ntriples) for ntriples in units]
    todo = [i for i, key in enumerate(keys) if not is_marked(folder / f"{key}.runs", _MARK)]

    def make(i: int) -> bool:
        return _store(folder / f"{keys[i]}.runs", keys[i], _runs(units[i]))

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


def run_key(ntriples: bytes) -> str:
    digest = hashlib.sha256(_code_fingerprint().encode("ascii"))
    digest.update(ntriples)
    return digest.hexdigest()[:32]


def _runs(ntriples: bytes) -> Runs:
    """The runs of N-Triples as a store writes them (the store's lines are what the dumps merge)."""
    store = ox.Store()
    store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return runs_of(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode())


def _store(target: Path, key: str, runs: Runs) -> bool:
    """Write an entry whole (never over a file guian-kg did not write); False if it cannot be."""
    body = "".join(f"{line}\n" for part in (runs.lines, runs.ranked) for line in part).encode()
    meta = {"bytes": len(body), "heads": sorted(runs.heads), "lines": len(runs.lines)}
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


@cache
def _code_fingerprint() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"pyoxigraph {ox.__version__}".encode("ascii"))
    for name in ("dump_runs.py", "write.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()

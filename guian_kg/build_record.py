"""The record of the last build: a build where nothing changed since builds nothing, at the cost
of keying its inputs and proving that the folder and the store it published are still in place.

After a build, the cache holds `build-record` (its first line guian-kg's mark; only a file of ours
is replaced): what the build was made of (`made_of`: the code, the base, the folder it published,
each unit's key, units.unit_key, from the names and bytes of its files, the checksums of the source
texts and of the ontology and shapes files) and what it published: the status of that folder and of
each of its files, its file list, the store of its N-Quads dump and the triples it built. A build
made of the same, whose folder and store are proven as recorded (`last_build`), builds nothing.

The folder is proven without reading a byte of it (a corpus's dumps are gigabytes), as publish.py
and cache_files.py prove a file: by the status (device, inode, size, mtime, ctime) of the folder
and of every entry, each a regular file. The kernel sets the ctime of a file or folder to its file
system's clock at every change of its bytes, its status or (a folder) its entries, and no user can
set it. The statuses are taken after reading that clock (cache_files.fs_clock, in the folder's
parent), and kept only if every ctime is before it: any later change stamps a later ctime. So a
folder whose statuses equal the record's holds the entries and bytes the last build published: an
entry added, removed or renamed moves the folder's ctime; a file edited in place (its size and
mtime kept) its own; a folder moved away and back, or replaced, or a link in its place, is another
status or no folder. Then the build goes on as ever, replacing or refusing the folder by
publish.py's rules; the record also holds each published file's sha256 with the status publish
proved it by (publish.proven_checksum), so that the next build checks the folder it replaces
without reading the files that are still as published (`published_checksums`, publish.remember).
The store is the one noted with the proof of the dump (store.proven_store).
Not covered, as in publish.py: a clock set back (which takes root).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from . import __version__, resources
from . import store as stores
from .cache_files import fs_clock, is_marked, read_entry, status, write_entry
from .publish import proven_checksum, resolved
from .units import Inputs
from .void import DUMP_STEM

RECORD = "build-record"
_MARK = "# guian-kg build record "
CODE = Path(__file__).resolve().parent  # the package: every file of it is the build's code
_LIBRARIES = ("pyoxigraph", "pyshacl", "rdflib")
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_TRIES = 20  # clock readings, 5 ms apart, for a folder changed in the clock's current tick


@dataclass(frozen=True)
class LastBuild:
    """What the last build published, proven still in place."""

    files: list[Path]  # as publish listed them, the manifest last
    store: Path  # the on-disk store of its N-Quads dump
    triples: int  # in the graph it built


def made_of(inputs: Inputs, base: str, out: Path) -> dict:
    """What a build of `inputs` under `base` into `out` is made of, as the record holds it."""
    units = zip(inputs.units, inputs.keys, strict=True)
    return {
        "code": code_fingerprint(),
        "base": base,
        "out": str(resolved(out)),
        "units": [[unit.article.iri if unit.article else "", key] for unit, key in units],
        "sources": {iri: _sha256(text.encode("utf-8")) for iri, text in inputs.sources.items()},
        "ontology": _checksums(resources.ontology_files()),
        "shapes": _checksums(resources.shapes_files()),
    }


def last_build(cache: Path, made: dict) -> LastBuild | None:
    """The last build's, if it was made of `made` and the folder and store it published are
    proven as it left them (see the module docstring); else None."""
    record = _read(Path(cache) / RECORD)
    if record is None or record["made_of"] != made:
        return None
    folder, published = Path(made["out"]), record["published"]
    if folder_proof(folder) != published["folder"]:
        return None
    store = Path(published["store"])
    if stores.proven_store(cache, folder / f"{DUMP_STEM}.nq") != store:
        return None  # dropped (store.KEEP) or removed since
    return LastBuild([folder / name for name in published["files"]], store, published["triples"])


def write(cache: Path, made: dict, files: Sequence[Path], store: Path, triples: int) -> None:
    """Record the build made of `made`, which has just published `files` (the folder's every
    entry) and the store of its N-Quads dump; nothing where they cannot be proven (the next
    build builds), or the file there is not ours."""
    folder = Path(made["out"])
    names = [Path(path).name for path in files]
    proof = folder_proof(folder)
    if proof is None or sorted(proof["files"]) != sorted(names):
        return
    if stores.proven_store(cache, folder / f"{DUMP_STEM}.nq") != Path(store):
        return
    target = Path(cache) / RECORD
    if (target.exists() or target.is_symlink()) and not is_marked(target, _MARK):
        return
    published = {"folder": proof, "files": names, "store": str(store), "triples": triples}
    published["checksums"] = _proven_checksums(files)
    body = json.dumps({"made_of": made, "published": published}, sort_keys=True)
    write_entry(target, _MARK, {}, body.encode("utf-8"))


def published_checksums(cache: Path, made: dict) -> list[tuple[list[int], str]]:
    """The status and sha256 of each file the last build published into the folder `made` names
    (made_of's "out") that publish had proven (publish.proven_checksum), for publish.remember:
    the folder this build replaces is then checked without reading it."""
    record = _read(Path(cache) / RECORD)
    if record is None or record["made_of"].get("out") != made["out"]:
        return []
    checksums = record["published"].get("checksums")
    if not isinstance(checksums, dict):
        return []
    return [
        (entry[:5], entry[5])
        for entry in checksums.values()
        if isinstance(entry, list)
        and len(entry) == 6
        and all(type(n) is int for n in entry[:5])
        and isinstance(entry[5], str)
    ]


def _proven_checksums(files: Sequence[Path]) -> dict[str, list]:
    """Each file's status and sha256 where publish proved them (publish.proven_checksum)."""
    proven = {Path(path).name: proven_checksum(path) for path in files}
    return {name: [*p[0], p[1]] for name, p in proven.items() if p is not None}


def folder_proof(folder: Path) -> dict | None:
    """The status of `folder` (not followed if a link) and of each of its entries, all regular
    files, read after its file system's clock and every ctime before that clock (see the module
    docstring); None where it is not such a folder or the clock is not past them."""
    try:
        parent = os.open(folder.parent, _DIR)
    except OSError:
        return None
    try:
        for _ in range(_TRIES):
            device, clock = fs_clock(parent)  # first: a change after the statuses stamps ≥ it
            proof = _statuses(parent, folder.name)
            if proof is None:
                return None
            statuses = [proof["folder"], *proof["files"].values()]
            if all(s[0] == device and s[4] < clock for s in statuses):
                return proof
            time.sleep(0.005)
        return None
    except OSError:
        return None
    finally:
        os.close(parent)


def code_fingerprint() -> str:
    """A checksum of the code that builds: every file of the package (its modules, frames,
    schemas, context), the project's version, and the releases of Python and the RDF libraries."""
    digest = hashlib.sha256(f"guian-kg {__version__} python {sys.version}".encode())
    for library in _LIBRARIES:
        digest.update(f"\0{library} {version(library)}".encode())
    for path in sorted(CODE.rglob("*")):
        name = path.relative_to(CODE)
        if "__pycache__" in name.parts or not path.is_file():
            continue
        data = path.read_bytes()
        digest.update(f"\0{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _statuses(parent: int, name: str) -> dict | None:
    st = os.stat(name, dir_fd=parent, follow_symlinks=False)
    if not stat.S_ISDIR(st.st_mode):
        return None
    fd = os.open(name, _DIR | os.O_NOFOLLOW, dir_fd=parent)
    try:
        files = {}
        for entry in sorted(os.listdir(fd)):
            found = os.stat(entry, dir_fd=fd, follow_symlinks=False)
            if not stat.S_ISREG(found.st_mode):
                return None
            files[entry] = status(found)
        if status(os.fstat(fd)) != status(st):
            return None  # another folder than the one looked at, or changed while listed
    finally:
        os.close(fd)
    return {"folder": status(st), "files": files}


def _read(path: Path) -> dict | None:
    """The record, if it is ours, whole, and of this form."""
    entry = read_entry(path, _MARK)
    try:
        record = json.loads(entry[1]) if entry is not None else None
        published = record["published"]
        fields = (
            (record["made_of"], dict),
            (published["folder"], dict),
            (published["files"], list),
            (published["store"], str),
            (published["triples"], int),
        )
    except (ValueError, KeyError, TypeError):
        return None
    return record if all(isinstance(value, kind) for value, kind in fields) else None


def _checksums(paths: Sequence[Path]) -> list[list[str]]:
    """Each file's name and checksum (as incremental.py keys the shapes: where they are is not
    what they make)."""
    return [[Path(path).name, _sha256(Path(path).read_bytes())] for path in paths]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

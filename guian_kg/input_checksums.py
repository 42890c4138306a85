"""The sha256 of each input file of a build (the corpus's Turtle files), kept in the cache across
builds and trusted without reading the file while its status proves it unchanged.

The proof is cache_files' and publish.py's: the kernel sets a file's ctime to its file system's
clock at every change of its bytes or status, and no user can set it. A file whose (device, inode,
size, mtime, ctime) equal those it had when it was hashed, taken when that clock was already past
its ctime, holds the bytes hashed: any later change stamped a later ctime. The clock is read in
the cache (which holds the record, CACHE/input-checksums) before any file is looked at, so only
files on the cache's file system are kept; the others are read and hashed at every build, and so
is a file changed since the clock's last tick. A rebuild of a corpus of 1,000 articles then reads
the files of the article that changed, not 115 MB in 13,000 files (0.3 of its 0.6 s of keying).
Not covered, as elsewhere: a clock set back (which takes root).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .cache_files import fs_clock, is_marked, read_entry, status, write_entry
from .errors import InputError

RECORD = "input-checksums"
_MARK = "# guian-kg input checksums "
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


class Checksums:
    """The (size, sha256) of input files, from the record where a file's status proves it, else
    read (`of`); `keep` records those read or proven in this build for the next."""

    def __init__(self, cache: Path | None):
        self.cache = Path(cache) if cache is not None else None
        self.clock = _clock(self.cache)  # first: a change after a status is taken stamps ≥ it
        self.known = _read(self.cache / RECORD) if self.clock is not None else {}
        self.seen: dict[str, list] = {}  # path → [status, size, sha256], as found now

    def of(self, path: Path) -> tuple[int, str]:
        """(size, sha256) of the file at `path` (a link followed, as reading it does)."""
        name = str(path)
        try:
            before = status(os.stat(path))
            known = self.known.get(name)
            if known is not None and known[0] == before:
                self.seen[name] = known
                return known[1], known[2]
            with open(path, "rb") as handle:
                data = handle.read()
                after = status(os.fstat(handle.fileno()))
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror}") from None
        found = [before, len(data), hashlib.sha256(data).hexdigest()]
        if after == before:  # not changed while read: the bytes hashed are the status's
            self.seen[name] = found
        return found[1], found[2]

    def keep(self) -> None:
        """Record the files seen in this build that are on the cache's file system and whose
        ctime was before its clock when the build began: an unchanged record is not written again."""
        if self.clock is None or self.cache is None:
            return
        device, clock = self.clock
        kept = {n: f for n, f in self.seen.items() if f[0][0] == device and f[0][4] < clock}
        target = self.cache / RECORD
        if (target.exists() or target.is_symlink()) and not is_marked(target, _MARK):
            return  # not ours: left as it is
        if kept != self.known:
            body = json.dumps(kept, sort_keys=True, separators=(",", ":")).encode("utf-8")
            write_entry(target, _MARK, {}, body)


def _clock(cache: Path | None) -> tuple[int, int] | None:
    """The clock of the cache's file system (cache_files.fs_clock), or None: no cache, or no file
    can be made in it. A cache not made yet is made (a first build's files are then kept)."""
    if cache is None:
        return None
    try:
        cache.mkdir(parents=True, exist_ok=True)
        fd = os.open(cache, _DIR)
    except OSError:
        return None
    try:
        return fs_clock(fd)
    except OSError:
        return None
    finally:
        os.close(fd)


def _read(path: Path) -> dict[str, list]:
    """The record at `path` if it is ours and of this form, else nothing known."""
    entry = read_entry(path, _MARK)
    try:
        record = json.loads(entry[1]) if entry is not None else {}
    except ValueError:
        return {}
    if not isinstance(record, dict) or not all(_is_found(f) for f in record.values()):
        return {}
    return record


def _is_found(found: object) -> bool:
    return (
        isinstance(found, list)
        and len(found) == 3
        and isinstance(found[0], list)
        and all(isinstance(n, int) for n in found[0])
        and isinstance(found[1], int)
        and isinstance(found[2], str)
    )

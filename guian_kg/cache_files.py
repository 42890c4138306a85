"""Files guian-kg keeps in its cache folder (the query cache, the enriched units, the sorted runs):
written whole or not at all, and each starting with a mark that proves guian-kg wrote it, so that
guian-kg replaces or deletes only files that carry it."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path


def write_whole(target: Path, data: bytes) -> bool:
    """Write `target` through a temporary file and a rename; False (nothing written) if the
    folder cannot take it: a cache that cannot be written is skipped."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return False
    return True


def starts_with(path: Path, mark: bytes) -> bool:
    """Whether `path` is a regular file (not a link, a FIFO, a device) whose bytes start with `mark`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as handle:
        return stat.S_ISREG(os.fstat(handle.fileno()).st_mode) and handle.read(len(mark)) == mark


def is_marked(path: Path, mark: str) -> bool:
    """Whether `path` is a regular file that starts with `mark`, formatted with its key (its stem)."""
    return starts_with(path, mark.format(key=path.stem).encode("utf-8"))


def prune(folder: Path, suffix: str, used: set[str], mark: str) -> None:
    """Past twice as many entries (`*{suffix}` files) as this build used, delete those it did not
    use that carry `mark` (see is_marked); anything else in the folder is left alone."""
    try:
        entries = [p for p in folder.glob(f"*{suffix}") if p.stem not in used]
    except OSError:
        return
    if len(entries) + len(used) <= 2 * len(used):
        return
    for path in entries:
        if is_marked(path, mark):
            path.unlink(missing_ok=True)


def read_entry(path: Path, mark: str) -> tuple[dict, bytes] | None:
    """A cache entry whose first line is `mark` (formatted with its key, the file's stem) and a
    JSON object whose "bytes" is the length of what follows: (that object, what follows), or None
    if it is not ours, not a regular file, or cut short."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        first = handle.readline().decode("utf-8", "replace")
        rest = handle.read()
    mark = mark.format(key=path.stem)
    if not first.startswith(mark):
        return None
    try:
        meta = json.loads(first[len(mark) :])
        if len(rest) != meta["bytes"]:
            return None
    except (ValueError, TypeError, KeyError):
        return None
    return meta, rest

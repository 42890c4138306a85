"""Files guian-kg keeps in its cache folder (the query cache, the enriched units, the sorted runs):
written whole or not at all, and each starting with a mark that proves guian-kg wrote it, so that
guian-kg replaces or deletes only files that carry it.

Scratch folders (a build's files before they are published, a store before it is complete) are
marked too, and locked while their process works in them (`flock` on the folder, which the kernel
lets go of when the process ends, however it ends): one left by a killed process is marked and
unlocked, and the next to make a scratch folder of its kind deletes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

SCRATCH_MARK = ".guian-kg-scratch"  # in a scratch folder, made once its process holds the lock
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


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


def link_owned(
    path: Path,
    final: Path,
    scratch: Path,
    owned: list[list[int]],
    own: Callable[[list[list[int]]], bool],
) -> tuple[os.stat_result, list[list[int]]] | None:
    """Hard-link `path` as `final` (a file the cache keeps, as a dump of the last build), by way of
    a link in `scratch` swapped in: only where `final` is absent or a file whose (device, inode)
    `owned` lists as guian-kg's, and only once `own(owned + the new link)` has recorded that both
    are ours (a kill between the two leaves a record that owns what is there). The new link's
    status and what is owned after the swap; None where `final` is not ours or the record could
    not be written (nothing replaced)."""
    link = scratch / final.name
    os.link(path, link, follow_symlinks=False)
    st = os.stat(link, follow_symlinks=False)
    try:
        there = os.stat(final, follow_symlinks=False)
    except FileNotFoundError:
        there = None
    gone = [there.st_dev, there.st_ino] if there is not None else None
    if gone is not None and gone not in owned:
        return None
    both = [*owned, [st.st_dev, st.st_ino]]
    if not own(both):
        return None
    os.replace(link, final)
    return st, [o for o in both if o != gone]


@contextlib.contextmanager
def scratch_folder(folder: Path, prefix: str) -> Iterator[Path]:
    """A new folder `prefix*` in `folder`, marked and locked until the block ends, then deleted
    (unless moved away meanwhile: `unmark` it first). Leftovers of `prefix` go first (see above)."""
    folder.mkdir(parents=True, exist_ok=True)
    sweep_scratch(folder, prefix)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
    fd = os.open(path, _DIR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.close(os.open(SCRATCH_MARK, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=fd))
        yield path
    finally:
        with contextlib.suppress(OSError):
            if _same_folder(path, fd):  # not moved away, nor replaced by another
                shutil.rmtree(path)
        os.close(fd)


def unmark(scratch: Path) -> None:
    """Take the mark out of a scratch folder that is to be kept (moved to its place)."""
    (scratch / SCRATCH_MARK).unlink()


def sweep_scratch(folder: Path, prefix: str) -> None:
    """Delete the scratch folders `prefix*` in `folder` that carry the mark and that no process
    holds locked (left by a killed process); anything else is left alone."""
    try:
        names = [p.name for p in folder.glob(f"{prefix}*")]
        parent = os.open(folder, _DIR)
    except OSError:
        return
    try:
        for name in names:
            with contextlib.suppress(OSError):
                fd = os.open(name, _DIR, dir_fd=parent)
                try:
                    if not stat.S_ISREG(
                        os.stat(SCRATCH_MARK, dir_fd=fd, follow_symlinks=False).st_mode
                    ):
                        continue
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError: in use
                    if _same_folder(name, fd, parent):
                        shutil.rmtree(name, dir_fd=parent)
                finally:
                    os.close(fd)
    finally:
        os.close(parent)


def _same_folder(path: Path | str, fd: int, dir_fd: int | None = None) -> bool:
    """Whether `path` (not followed if a link) is still the folder open as `fd`."""
    st, held = os.stat(path, dir_fd=dir_fd, follow_symlinks=False), os.fstat(fd)
    return stat.S_ISDIR(st.st_mode) and (st.st_dev, st.st_ino) == (held.st_dev, held.st_ino)

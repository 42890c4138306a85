"""Files guian-kg keeps in its cache folder (the query cache, the enriched units, the sorted runs):
written whole or not at all, and each starting with a mark that proves guian-kg wrote it, so that
guian-kg replaces or deletes only files that carry it.

Scratch folders (a build's files before they are published, a store before it is complete) are
marked too, and locked while their process works in them (`flock` on the folder, which the kernel
lets go of when the process ends, however it ends): one left by a killed process is marked and
unlocked, and the next to make a scratch folder of its kind deletes it.

A file the cache keeps by a hard link (the previous build's dumps, shared with dist/) is used only
while it is proven to hold the bytes written to it, without reading them: its status when written
(device, inode, size, mtime, taken once the file system's clock is past its ctime, so that any
later write changes the mtime) is recorded, then, after the last operation of the build that
moves its ctime (the links made and unlinked by the cache and by publishing), its proof
(`prove_kept`): the same four and its ctime, taken once the clock is past that ctime too. The
kernel sets a file's ctime to its clock at every change of its bytes or metadata (restoring an
mtime is one), and no user can set it: a kept file whose status still equals its proof holds the
bytes written, and it is read (`KeptFile`) only while it does. Not covered: a change between the
write and the proof after which the writer set the mtime back (within the build's own seconds),
a process that had mapped the file writable before its status was taken, and a change of the
system clock backwards (which takes root).

Each build's kept files are linked under new names (`link_owned`), never in place of the previous
build's: those are dist/'s files until the build publishes, and a link removed from them would
move their ctime, which proves them (publish.remember). Once the folder they were published in is
replaced, the next build releases them (`release_owned`): they are moved into a scratch folder,
the record owns them no more, then the folder is deleted, so a kill at any point leaves nothing
that a later build does not delete. A record is read and written under a lock of its own
(`record_lock`), so that two builds sharing the cache never write it from what the other replaced.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import json
import mmap
import os
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

SCRATCH_MARK = ".guian-kg-scratch"  # in a scratch folder, made once its process holds the lock
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_PROOF_MARK = "# guian-kg kept files {key} "  # KEY.proof: the status of the files kept as KEY
CLOCK_PREFIX = ".guian-kg-clock-"  # fs_clock's file where it must be named, there for an instant
_BLOCK = 1 << 20  # bytes written (or copied without the kernel's help) at a time


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
    except BaseException as error:  # Ctrl-C too: no temporary file left behind
        Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError):
            return False
        raise
    return True


def _open_regular(path: Path, create: bool = False) -> int | None:
    """A read-only descriptor of `path` if it is a regular file (not a link, a folder, a FIFO, a
    device: opened without blocking), made empty if `create` and there is none; else None."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | (os.O_CREAT if create else 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def starts_with(path: Path, mark: bytes) -> bool:
    """Whether `path` is a regular file (not a link, a FIFO, a device) whose bytes start with `mark`."""
    fd = _open_regular(path)
    if fd is None:
        return False
    with os.fdopen(fd, "rb") as handle:
        return handle.read(len(mark)) == mark


def is_marked(path: Path, mark: str) -> bool:
    """Whether `path` is a regular file that starts with `mark`, formatted with its key (its stem)."""
    return starts_with(path, mark.format(key=path.stem).encode("utf-8"))


def prune(folder: Path, suffix: str, used: set[str], mark: str, slack: int = 2) -> None:
    """Past `slack` times as many entries (`*{suffix}` files) as this build used, delete those it
    did not use that carry `mark` (see is_marked); anything else in the folder is left alone."""
    try:
        entries = [p for p in folder.glob(f"*{suffix}") if p.stem not in used]
    except OSError:
        return
    if len(entries) + len(used) <= slack * len(used):
        return
    for path in entries:
        if is_marked(path, mark):
            path.unlink(missing_ok=True)


# The longest first line read from a cache entry (a record's head: 37 KB at 1,000 articles), so
# that a file not ours, without a line break, is not read into memory whole.
_HEAD_BYTES = 64 * 1024 * 1024


def read_entry(path: Path, mark: str) -> tuple[dict, bytes] | None:
    """A cache entry whose first line is `mark` (formatted with its key, the file's stem) and a
    JSON object whose "bytes" is the length of what follows: (that object, what follows), or None
    if it is not ours, not a regular file, or cut short."""
    fd = _open_regular(path)
    if fd is None:
        return None
    mark = mark.format(key=path.stem)
    with os.fdopen(fd, "rb") as handle:
        first = handle.readline(_HEAD_BYTES).decode("utf-8", "replace")
        if not first.startswith(mark):
            return None
        rest = handle.read()
    try:
        meta = json.loads(first[len(mark) :])
        if len(rest) != meta["bytes"]:
            return None
    except (ValueError, TypeError, KeyError):
        return None
    return meta, rest


def read_head(path: Path, mark: str) -> dict | None:
    """The object on the first line of a cache entry, if read_entry would take the entry (ours,
    its size that of its first line and the "bytes" it names), without reading what follows."""
    fd = _open_regular(path)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as handle:
        first, size = handle.readline(_HEAD_BYTES), os.fstat(fd).st_size
    mark = mark.format(key=path.stem).encode("utf-8")
    if not first.startswith(mark):
        return None
    try:
        meta = json.loads(first[len(mark) :])
        return meta if size == len(first) + meta["bytes"] else None
    except (ValueError, TypeError, KeyError):
        return None


def write_entry(target: Path, mark: str, meta: dict, body: bytes = b"") -> bool:
    """Write the cache entry `target` whole (write_whole) as read_entry reads it: `mark` (formatted
    with its key, the file's stem) and `meta` with "bytes" on the first line, then `body`."""
    meta = {**meta, "bytes": len(body)}
    first = mark.format(key=target.stem) + json.dumps(meta, sort_keys=True) + "\n"
    return write_whole(target, first.encode("utf-8") + body)


def link_owned(
    path: Path,
    folder: Path,
    name: str,
    scratch: Path,
    owned: list[list[int]],
    own: Callable[[list[list[int]]], bool],
) -> tuple[os.stat_result, str, list[list[int]]] | None:
    """Hard-link `path` into `folder` (a file the cache keeps, as a dump of the last build) under
    a new name, `name` with a fresh token (kept_name), by way of a link in `scratch`: only once
    `own(owned + the new link)` has recorded that it is guian-kg's (a kill between the two leaves
    a record that owns what is there). Nothing in `folder` is replaced: the previous build's file
    keeps its links, and so its ctime (which proves dist/'s file, publish.remember), until
    `release_owned`. The new link's status, its name and what is owned; None where the record
    could not be written (nothing linked)."""
    link = scratch / name
    os.link(path, link, follow_symlinks=False)
    st = os.stat(link, follow_symlinks=False)
    both = [*owned, [st.st_dev, st.st_ino]]
    if not own(both):
        return None
    while True:
        final = kept_name(name)
        try:
            os.link(link, folder / final, follow_symlinks=False)
        except FileExistsError:
            continue
        return st, final, both


def kept_name(name: str) -> str:
    """A fresh name for a kept file `name` (STEM.SUFFIX): STEM.TOKEN.SUFFIX."""
    stem, _, suffix = name.partition(".")
    return f"{stem}.{secrets.token_hex(4)}.{suffix}"


def is_kept_name(entry: str, name: str) -> bool:
    """Whether `entry` is `name` itself (as kept before tokens) or one of its kept_name names."""
    stem, _, suffix = name.partition(".")
    token = entry[len(stem) + 1 : -len(suffix) - 1]
    fresh = entry == f"{stem}.{token}.{suffix}" and len(token) == 8
    return entry == name or (fresh and all(c in "0123456789abcdef" for c in token))


@contextlib.contextmanager
def record_lock(folder: Path, key: str, wait: bool = True) -> Iterator[bool]:
    """Hold KEY.lock in `folder` (flock, let go by the kernel however the process ends) from
    reading KEY's record to its last write, so that two builds sharing the cache never write a
    record from what the other's replaced (each would drop what the other owns). Whether it is
    held: not where another process holds it and `wait` is false, nor where the lock file cannot
    be opened (the record is then written as it was before locks)."""
    with contextlib.suppress(OSError):  # then the lock cannot be opened either
        folder.mkdir(parents=True, exist_ok=True)
    fd = _open_regular(folder / f"{key}.lock", create=True)
    if fd is None:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            held = True
        except OSError:  # BlockingIOError: another build holds it
            held = False
        yield held
    finally:
        os.close(fd)


def is_pair(value: object) -> bool:
    """Whether `value` is a [device, inode] pair as records hold them."""
    return isinstance(value, list) and len(value) == 2 and all(type(n) is int for n in value)


def owned_files(record: dict | None) -> list[list[int]]:
    """The files a record says guian-kg put in its folder ("owned": [device, inode] pairs); none
    where the value is not such a list (a record cut short, or not this code's): those files are
    then never deleted."""
    value = record.get("owned", []) if record is not None else []
    pairs = isinstance(value, list) and all(is_pair(o) for o in value)
    return [list(o) for o in value] if pairs else []


def release_owned(
    folder: Path,
    owned: list[list[int]],
    keep: list[list[int]],
    names: Iterable[str],
    own: Callable[[list[list[int]]], bool],
) -> list[list[int]] | None:
    """Unlink the files of `folder` that `owned` lists and `keep` does not (found under the kept
    names of `names`, is_kept_name, which name one record's files); what `owned` lists but is not
    there under those names, it owns no more either. The files are moved into a scratch
    folder of that record's (releasing) first, then `own(what remains owned)` records that they
    are ours no more, then the folder is deleted: a kill before the record leaves files it still
    owns in a folder of ours, and a kill after it a marked folder; the record's next release
    deletes either once it has written the record anew, so that an inode is freed only when no
    record names it (a file that later reuses the number is never taken for ours). A file linked
    elsewhere too (a dist/ folder that still publishes it) stays owned: unlinking it would free no
    disk and move its ctime, which proves it (publish.remember). What remains owned; None where
    the record could not be written (the files put back)."""
    names = list(names)
    stale, here = [], []
    for entry in sorted(os.listdir(folder)):
        if any(is_kept_name(entry, name) for name in names):
            found = _inode_and_links(folder / entry)
            if found is not None and found[0] in owned:
                inode, links = found
                if inode in keep or links > 1:
                    here.append(inode)
                else:
                    stale.append((entry, inode))
    # What is not in the folder under a kept name is owned no more, even if kept: its last links
    # may be in a scratch folder a kill left (`link_owned`, or this), deleted after this record.
    remaining = [o for o in owned if o in here]
    prefix = releasing(names)
    if not stale:
        if not own(remaining):
            return None
    else:
        try:
            # Interrupted (an exception, like a kill), the folder stays for the record's next
            # release: its files may be owned still.
            with scratch_folder(folder, prefix, swept_after=True) as bin_:
                moved = [e for e, inode in stale if _move(folder / e, inode, bin_ / e)]
                if not own(remaining):
                    back = [_put_back(bin_ / entry, folder / entry) for entry in moved]  # each
                    if not all(back):
                        raise _StillOwned  # no rmtree of what the record still owns
                    return None
        except _StillOwned:
            return None
    sweep_scratch(folder, prefix)  # a killed release's files, which the record owns no more
    return remaining


def releasing(names: Iterable[str]) -> str:
    """The prefix of the scratch folders that release the kept files `names` (release_owned):
    one record's, so that one record's release never deletes the files another still owns."""
    return f".release-{'+'.join(sorted(names))}-"


class _StillOwned(Exception):
    """A released file could not be put back where its record, which still owns it, expects it."""


def _move(source: Path, inode: list[int], target: Path) -> bool:
    """Rename `source` to `target` (where nothing is) if it is still the file `inode`; whether it was
    moved. A file that took its name meanwhile is put back, or where its name is taken again, into
    a folder of its own that nothing deletes."""
    if _inode(source) != inode or os.path.lexists(target):
        return False
    os.rename(source, target)
    if _inode(target) == inode:
        return True
    if not _put_back(target, source):
        aside = tempfile.mkdtemp(prefix=".guian-kg-found-", dir=source.parent)
        os.rename(target, os.path.join(aside, source.name))
    return False


def _put_back(moved: Path, place: Path) -> bool:
    """Move `moved` back to `place` unless something is there now (link, then unlink: nothing is
    replaced); whether it is back."""
    try:
        os.link(moved, place, follow_symlinks=False)
    except OSError:
        return False
    os.unlink(moved)
    return True


def _inode(path: Path) -> list[int] | None:
    """[device, inode] of regular file `path` (a link not followed), or None."""
    found = _inode_and_links(path)
    return None if found is None else found[0]


def _inode_and_links(path: Path) -> tuple[list[int], int] | None:
    """([device, inode], number of links) of regular file `path` (a link not followed), or None."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return ([st.st_dev, st.st_ino], st.st_nlink) if stat.S_ISREG(st.st_mode) else None


@contextlib.contextmanager
def scratch_folder(folder: Path, prefix: str, swept_after: bool = False) -> Iterator[Path]:
    """A new folder `prefix*` in `folder`, marked and locked until the block ends, then deleted
    (unless moved away meanwhile: `unmark` it first). Leftovers of `prefix` go first (see above);
    with `swept_after`, the caller sweeps them once its record owns what they hold no more, and a
    block that raises leaves the folder to that sweep (its links may be a record's last ones)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not swept_after:
        sweep_scratch(folder, prefix)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
    try:
        fd = os.open(path, _DIR)
    except OSError:
        os.rmdir(path)
        raise
    failed = False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.close(os.open(SCRATCH_MARK, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=fd))
        try:
            yield path
        except BaseException:
            failed = True
            raise
    finally:
        with contextlib.suppress(OSError):
            if not (failed and swept_after) and _same_folder(path, fd):  # not moved nor replaced
                _empty_marked(fd)
                os.rmdir(path)
        os.close(fd)


def _empty_marked(fd: int) -> None:
    """Delete what the scratch folder open as `fd` holds, its mark last: a kill on the way leaves a
    folder that is still marked, which the next sweep deletes (files first, then the mark)."""
    for entry in os.listdir(fd):
        if entry != SCRATCH_MARK:
            st = os.stat(entry, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                shutil.rmtree(entry, dir_fd=fd)
            else:
                os.unlink(entry, dir_fd=fd)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(SCRATCH_MARK, dir_fd=fd)


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
                        _empty_marked(fd)
                        os.rmdir(name, dir_fd=parent)
                finally:
                    os.close(fd)
    finally:
        os.close(parent)


def _same_folder(path: Path | str, fd: int, dir_fd: int | None = None) -> bool:
    """Whether `path` (not followed if a link) is still the folder open as `fd`."""
    st, held = os.stat(path, dir_fd=dir_fd, follow_symlinks=False), os.fstat(fd)
    return stat.S_ISDIR(st.st_mode) and (st.st_dev, st.st_ino) == (held.st_dev, held.st_ino)


# ------------------------------------------------------------------ kept files and their proofs


class Unproven(Exception):
    """A kept file is not, or no longer, the one its record describes."""


def clock_past(st: os.stat_result, folder: Path) -> bool:
    """Whether the clock of the file system of `st` is past its ctime: a file made in `folder`
    (the same file system) gets a later ctime (clock_after)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        return clock_after(fd, st.st_dev, st.st_ctime_ns) is not None
    finally:
        os.close(fd)


def clock_after(folder: int, device: int, ctime: int) -> tuple[int, int] | None:
    """fs_clock of the open folder `folder` once it is past `ctime` on `device`, or None (another
    device, or the clock not seen past it). Its clock ticks every few milliseconds (every second
    on some file systems): tried for up to a tenth of a second."""
    for _ in range(20):
        clock = fs_clock(folder)
        if clock[0] != device:
            return None
        if clock[1] > ctime:
            return clock
        time.sleep(0.005)
    return None


def fs_clock(folder: int) -> tuple[int, int]:
    """(device, ctime) of a file made now in the open folder `folder`: the clock of its file
    system. The file has no name (O_TMPFILE) where the file system allows it, so that nothing is
    left in the folder even if the process is killed; elsewhere it is named and removed at once.
    Raises OSError where no file can be made there."""
    try:
        handle = os.open(".", os.O_WRONLY | os.O_TMPFILE | os.O_CLOEXEC, 0o600, dir_fd=folder)
    except OSError as error:
        if error.errno not in _NO_TMPFILE:
            raise
        return _named_clock(folder)
    try:
        st = os.fstat(handle)
    finally:
        os.close(handle)
    return st.st_dev, st.st_ctime_ns


# What open(2) says when a file system cannot make a file without a name.
_NO_TMPFILE = frozenset({errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL})


def _named_clock(folder: int) -> tuple[int, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    while True:
        name = f"{CLOCK_PREFIX}{secrets.token_hex(8)}"
        try:
            handle = os.open(name, flags, 0o600, dir_fd=folder)
        except FileExistsError:
            continue
        try:
            st = os.fstat(handle)
        finally:
            os.close(handle)
            os.unlink(name, dir_fd=folder)
        return st.st_dev, st.st_ctime_ns


def written_stamp(path: Path) -> list[int] | None:
    """(device, inode, size, mtime) of the regular file `path` that guian-kg has just written, once
    the clock is past its ctime (any later write then gives it another mtime); None where it
    cannot be (not a regular file, the clock not seen past it)."""
    try:
        st = os.stat(path, follow_symlinks=False)
        if not stat.S_ISREG(st.st_mode) or not clock_past(st, path.parent):
            return None
    except OSError:
        return None
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


def note_kept(folder: Path, key: str, written: dict[str, list[int] | None]) -> None:
    """Record the files of `folder` kept as `key` (name → its written_stamp) in KEY.proof (only one
    of ours, or none, is replaced), and prove them as they are now (see prove_kept)."""
    target = folder / f"{key}.proof"
    if (target.exists() or target.is_symlink()) and read_entry(target, _PROOF_MARK) is None:
        return
    _write_proofs(target, written)


def prove_kept(folder: Path) -> None:
    """Prove again the kept files of each KEY.proof of ours in `folder` that are still as written:
    to call after the last operation that moves their ctime (a link made or removed)."""
    try:
        targets = sorted(folder.glob("*.proof"))
    except OSError:
        return
    for target in targets:
        files = _read_proofs(target)
        if files is not None:
            _write_proofs(target, {name: f.get("written") for name, f in files.items()}, files)


def kept_proof(folder: Path, key: str, name: str, written: list[int] | None) -> list[int] | None:
    """The proof of the file `name` kept as `key` in `folder` with the status `written` (its
    record's): the status it must still have to be used; None if there is none."""
    files = _read_proofs(folder / f"{key}.proof")
    entry = files.get(name) if files is not None else None
    if written is None or not isinstance(entry, dict) or entry.get("written") != written:
        return None
    return entry.get("proven")


def _proof(path: Path, written: list[int] | None) -> list[int] | None:
    """The five of `path` (device, inode, size, mtime, ctime) if its first four are `written`
    and the clock is past its ctime; else None."""
    try:
        st = os.stat(path, follow_symlinks=False)
        if [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns] != written:
            return None
        return status(st) if clock_past(st, path.parent) else None
    except OSError:
        return None


def status(st: os.stat_result) -> list[int]:
    """What proves a file unchanged while it stays the same (device, inode, size, mtime, ctime):
    the kernel moves the ctime at every change of its bytes or status, and no user can set it."""
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _read_proofs(target: Path) -> dict[str, dict] | None:
    entry = read_entry(target, _PROOF_MARK)
    try:
        files = json.loads(entry[1]) if entry is not None else None
    except ValueError:
        return None
    if not isinstance(files, dict) or not all(isinstance(f, dict) for f in files.values()):
        return None
    return files


def _write_proofs(target: Path, written: dict, before: dict | None = None) -> None:
    """Write KEY.proof: each file's written stamp and its proof now (unless that is `before`)."""
    folder = target.parent
    files = {
        name: {"written": w, "proven": _proof(folder / name, w)} for name, w in written.items()
    }
    if files != before:
        write_entry(target, _PROOF_MARK, {}, json.dumps(files, sort_keys=True).encode("ascii"))


class KeptFile:
    """A kept file open for reading, whose status equals its proof (else Unproven): its bytes are
    those written (see the module docstring). `map` holds them mapped, if asked for."""

    def __init__(self, fd: int, size: int, proof: list[int], data: mmap.mmap | None):
        self.fd, self.size, self.proof, self.map = fd, size, proof, data

    @classmethod
    @contextlib.contextmanager
    def opened(
        cls, path: Path, proof: list[int] | None, mapped: bool = False
    ) -> Iterator[KeptFile]:
        """`path` (never followed if a link), if it is a regular file whose status is `proof`."""
        if proof is None:
            raise Unproven
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            raise Unproven from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or status(st) != proof or not st.st_size:
                raise Unproven
            if not mapped:
                yield cls(fd, st.st_size, proof, None)
                return
            with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as data:
                yield cls(fd, st.st_size, proof, data)
        finally:
            os.close(fd)

    def check(self) -> None:
        """Unproven if the file changed since it was opened (its ctime moved)."""
        if status(os.fstat(self.fd)) != self.proof:
            raise Unproven

    def copy(self, out: int, start: int, end: int) -> None:
        """Append bytes start to end of this file to the file open as `out`, in the kernel where it
        can (a reflink, where the file system shares blocks)."""
        if not 0 <= start <= end <= self.size:
            raise Unproven  # a range the recorded file does not have
        while start < end:
            try:
                copied = os.copy_file_range(self.fd, out, end - start, start)
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
                    raise
                copied = len(chunk := os.pread(self.fd, min(_BLOCK, end - start), start))
                _write_all(out, chunk)
            if not copied:
                raise Unproven  # shorter than recorded
            start += copied


def write_new(
    path: Path, segments: Iterable[bytes | tuple[int, int]], kept: KeptFile | None
) -> list[int] | None:
    """Write `path` anew from `segments` (bytes, or a (start, end) range of `kept` copied), through
    a new file renamed over it (never written through a link there: it may be one of a kept
    file); its written_stamp. Unproven (and `path` left as it was) where `kept` changed meanwhile
    or has not the ranges."""
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        try:
            os.fchmod(fd, 0o644)  # as open() makes a file under the usual umask
            pending = bytearray()
            for segment in segments:
                if isinstance(segment, tuple):
                    if kept is None:
                        raise Unproven
                    _write_all(fd, pending)
                    pending.clear()
                    kept.copy(fd, *segment)
                else:
                    pending += segment
                    if len(pending) >= _BLOCK:
                        _write_all(fd, pending)
                        pending.clear()
            _write_all(fd, pending)
            start_writeback(fd)
        finally:
            os.close(fd)
        if kept is not None:
            kept.check()
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return written_stamp(path)


def start_writeback(fd: int) -> None:
    """Have the kernel begin writing file `fd`'s bytes to disk now, without waiting for it
    (sync_file_range, SYNC_FILE_RANGE_WRITE; nothing where the system lacks it): the fsync before
    publishing then finds them written, the disk having worked while the build went on."""
    call = _sync_file_range()
    if call is not None:
        call(fd, ctypes.c_int64(0), ctypes.c_int64(0), ctypes.c_uint(_SYNC_FILE_RANGE_WRITE))


_SYNC_FILE_RANGE_WRITE = 2  # linux/fs.h


@functools.cache
def _sync_file_range():
    try:
        return ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None


def _write_all(fd: int, data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]

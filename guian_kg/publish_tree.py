"""Publish a folder with subfolders (the static site) as guian_kg/publish.py publishes dist/: replaced
only if guian-kg made it, atomically, and a rebuild rewrites only the files whose bytes changed.

The manifest (publish.MANIFEST, the same format) lists every file by its path in the tree. A folder
is replaced only if it is absent, empty, or holds nothing but the files its manifest lists, each
with its size and sha256, and the folders that lead to them; links, FIFOs and devices are never
followed. The new tree is staged beside the old one, batch by batch (a `Staging` that forked
workers fill too, so that no process holds more than a batch of bytes): each batch's names are
appended to the staging marker before its files are made, so a killed publish leaves a folder
that proves itself ours; a file whose bytes the old tree already holds is hard-linked from it (so
its mtime stays put), the others written; the manifest last. Then the two folders are swapped
(renameat2 RENAME_EXCHANGE), the old one checked again where it now lies (put back if it is no
longer wholly ours) and deleted file by listed file, folder by folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputError
from .publish import (
    _DIR_FLAGS,
    MANIFEST,
    STAGING_MARKER,
    _checksum,
    _clean_stale_staging,
    _exchange,
    _locked,
    _manifest,
    _new_name,
    _open_regular,
    _refusal,
    _refuse_unless_folder,
    _split,
    _write_all,
)

Listing = dict[str, tuple[int, str] | None]  # path → (size, sha256), None in a staging marker
Fill = Callable[["Staging"], None]


@dataclass
class TreePublished:
    """A published tree: its folder, its files' paths in it (sorted, the manifest not among
    them), anything left behind, and how many files were written (the others were linked)."""

    folder: Path
    names: list[str]
    warnings: list[str] = field(default_factory=list)
    written: int = 0


def publish_tree(files: dict[str, bytes] | Fill, out: Path) -> TreePublished:
    """Replace folder `out` with exactly `files` if it is absent, empty or ours: relative path →
    bytes, or a function that adds them to the Staging it is given, batch by batch. Files the old
    folder holds with the same bytes are linked, not written again."""
    fill = files if callable(files) else lambda staging: staging.add(files)
    parent, name = _split(Path(out))
    path = parent / name
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {parent}: {exc.strerror or exc}") from None
    try:
        with _locked(parent) as pfd:
            warnings = _clean_stale_staging(pfd, parent, name, _remove_if_ours)
            state, old = _check(pfd, name, path)
            staging_name = _new_name(pfd, name)
            try:
                with Staging(pfd, staging_name, name if state == "ours" else None, old) as staging:
                    fill(staging)
                    staging.finish()
                if state == "ours":
                    warnings += _swap(pfd, name, staging_name, path)
                else:
                    try:
                        os.rename(staging_name, name, src_dir_fd=pfd, dst_dir_fd=pfd)
                    except OSError as exc:
                        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
                            _check(pfd, name, path)  # something appeared meanwhile: name it
                        raise
            except BaseException:
                _remove_if_ours(pfd, staging_name)
                raise
            os.fsync(pfd)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return TreePublished(path, sorted(staging.listing), warnings, staging.written)


_RESERVED = (MANIFEST, STAGING_MARKER)


def _tree_path(name: object) -> bool:
    """A relative path of plain names: no empty part, `.` or `..`, no NUL."""
    if not isinstance(name, str) or not name or "\0" in name:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _check(pfd: int, name: str, path: Path) -> tuple[str, Listing]:
    """('absent' | 'empty' | 'ours', the old manifest) for entry `name` of the locked parent; else refuse."""
    try:
        st = os.stat(name, dir_fd=pfd, follow_symlinks=False)
    except FileNotFoundError:
        return "absent", {}
    _refuse_unless_folder(st, pfd, name, path)
    fd = os.open(name, _DIR_FLAGS, dir_fd=pfd)
    try:
        if not os.listdir(fd):
            return "empty", {}
        listing = _read_listing(fd, MANIFEST)
        foreign = _foreign(fd, listing)
    finally:
        os.close(fd)
    if foreign:
        raise OutputError(_refusal(path, foreign))
    return "ours", listing or {}


def _foreign(fd: int, listing: Listing | None, prefix: str = "") -> list[str]:
    """Entries of the tree at `fd` that `listing` does not prove ours (files with their checksums,
    the folders that lead to them), each with why; [] if none."""
    if listing is None:
        return sorted(os.listdir(fd)) if not prefix else [prefix]
    folders = {p.rsplit("/", 1)[0] + "/" for p in listing if "/" in p}
    folders |= {f[: i + 1] for f in list(folders) for i, c in enumerate(f) if c == "/"}
    foreign = []
    for entry in sorted(os.listdir(fd)):
        rel = prefix + entry
        if not prefix and entry == MANIFEST:
            continue
        try:
            st = os.stat(entry, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(st.st_mode) and rel + "/" in folders:
            sub = os.open(entry, _DIR_FLAGS, dir_fd=fd)
            try:
                foreign += _foreign(sub, listing, rel + "/")
            finally:
                os.close(sub)
        elif rel not in listing or stat.S_ISDIR(st.st_mode):
            foreign.append(rel + ("/" if stat.S_ISDIR(st.st_mode) else ""))
        elif not stat.S_ISREG(st.st_mode):
            foreign.append(f"{rel} (not a regular file)")
        elif _checksum(fd, entry) != listing[rel]:
            foreign.append(f"{rel} (changed since guian-kg wrote it)")
    return foreign


class _Dirs:
    """Descriptors of the folders of a tree, opened (or made) one component at a time, never through a link."""

    def __init__(self, root: int, make: bool):
        self.fds = {"": root}
        self.make = make

    def get(self, folder: str) -> int:
        if folder not in self.fds:
            head, _, tail = folder.rpartition("/")
            parent = self.get(head)
            if self.make:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(tail, 0o755, dir_fd=parent)
            self.fds[folder] = os.open(tail, _DIR_FLAGS, dir_fd=parent)
        return self.fds[folder]

    def close(self) -> None:
        for folder, fd in self.fds.items():
            if folder:
                os.close(fd)


@dataclass
class Staged:
    """What one batch put into the staging folder: its files' (size, sha256), how many written."""

    listing: dict[str, tuple[int, str]]
    written: int


class Staging:
    """The staging folder being filled. `write(files)` stages a batch and may run in a worker
    forked from the process that made the Staging (it inherits the descriptors); `record` takes
    what it returns, in that process; `add` is both. `finish` writes the manifest of every batch
    recorded, drops the marker and flushes the tree."""

    def __init__(self, pfd: int, name: str, old_name: str | None, old: Listing):
        self.old = old
        self.listing: dict[str, tuple[int, str]] = {}
        self.written = 0
        self.fd = os.open(name, _DIR_FLAGS, dir_fd=pfd)
        self.new = _Dirs(self.fd, make=True)
        self.old_fd = os.open(old_name, _DIR_FLAGS, dir_fd=pfd) if old_name else -1
        self.previous = _Dirs(self.old_fd, make=False)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_APPEND | os.O_CLOEXEC
        self.marker = os.open(STAGING_MARKER, flags, 0o644, dir_fd=self.fd)
        self._mark([])

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc) -> None:
        self.previous.close()
        if self.old_fd >= 0:
            os.close(self.old_fd)
        self.new.close()
        if self.marker >= 0:
            os.close(self.marker)
        os.close(self.fd)

    def _mark(self, names: list[str]) -> None:
        """Append a line naming `names` to the marker (one write: lines of workers never mix)."""
        line = json.dumps({"guian-kg-staging": 1, "files": names}) + "\n"
        _write_all(self.marker, line.encode("utf-8"))

    def write(self, files: dict[str, bytes]) -> Staged:
        """Stage a batch: its names into the marker, then each file (linked from the old tree if
        its bytes are there already)."""
        names = sorted(files)
        bad = [p for p in names if not _tree_path(p) or p.split("/")[0] in _RESERVED]
        if bad:
            raise OutputError(f"cannot publish files named {', '.join(map(repr, bad[:8]))}")
        self._mark(names)
        staged = Staged({}, 0)
        for rel in names:
            data = files[rel]
            staged.listing[rel] = digest = _digest(data)
            folder, _, base = rel.rpartition("/")
            target = self.new.get(folder)
            if self.old.get(rel) == digest and self._link(folder, base, target):
                continue
            _create(target, base, data)  # O_EXCL: a name staged twice fails here
            staged.written += 1
        return staged

    def _link(self, folder: str, base: str, target: int) -> bool:
        try:
            os.link(base, base, src_dir_fd=self.previous.get(folder), dst_dir_fd=target,
                    follow_symlinks=False)  # fmt: skip
            return True
        except OSError:
            return False  # gone meanwhile, or another file system: write it

    def record(self, staged: Staged) -> None:
        self.listing.update(staged.listing)
        self.written += staged.written

    def add(self, files: dict[str, bytes]) -> None:
        self.record(self.write(files))

    def finish(self) -> None:
        """The manifest (linked if the old one is the same), then drop the marker and flush."""
        manifest = _manifest(self.listing)
        same = self.old_fd >= 0 and _checksum(self.old_fd, MANIFEST) == _digest(manifest)
        if not (same and self._link("", MANIFEST, self.fd)):
            _create(self.fd, MANIFEST, manifest)
        os.close(self.marker)
        self.marker = -1
        # From here on the manifest proves the folder ours.
        os.unlink(STAGING_MARKER, dir_fd=self.fd)
        os.fchmod(self.fd, 0o755)
        _sync(self.fd)


def _swap(pfd: int, name: str, staging: str, path: Path) -> list[str]:
    """Put staging in place of our folder `name`, check the old one again, delete it by its manifest."""
    exchanged = _exchange(pfd, staging, name)
    old = staging
    if not exchanged:  # no RENAME_EXCHANGE here: `name` is briefly absent, never half-written
        old = _new_name(pfd, name)
        os.rmdir(old, dir_fd=pfd)
        os.rename(name, old, src_dir_fd=pfd, dst_dir_fd=pfd)
    fd = os.open(old, _DIR_FLAGS, dir_fd=pfd)
    try:
        listing = _read_listing(fd, MANIFEST)
        foreign = _foreign(fd, listing)
        if foreign:  # it changed after the check: put it back
            if exchanged:
                _exchange(pfd, staging, name)
            else:
                os.rename(old, name, src_dir_fd=pfd, dst_dir_fd=pfd)
            raise OutputError(_refusal(path, foreign, changed_meanwhile=True))
        if not exchanged:
            os.rename(staging, name, src_dir_fd=pfd, dst_dir_fd=pfd)
        left = _delete_listed(fd, listing or {})
    finally:
        os.close(fd)
    try:
        os.rmdir(old, dir_fd=pfd)
    except OSError:
        left = True
    if left:
        return [f"left {path.parent / old}: something was added to it while guian-kg replaced it"]
    return []


def _delete_listed(fd: int, listing: Listing) -> bool:
    """Unlink the listed files of the tree at `fd` (the manifest last), then its emptied folders,
    deepest first; True if something not listed kept a folder from being removed."""
    dirs = _Dirs(fd, make=False)
    left = False
    try:
        for rel in sorted(listing):
            folder, _, base = rel.rpartition("/")
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                os.unlink(base, dir_fd=dirs.get(folder))
        folders = {rel.rpartition("/")[0] for rel in listing} - {""}
        folders |= {f.rsplit("/", i)[0] for f in list(folders) for i in range(f.count("/") + 1)}
    finally:
        dirs.close()
    with_manifest = dict.fromkeys([MANIFEST, STAGING_MARKER])
    for name in with_manifest:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=fd)
    for folder in sorted(folders, key=lambda f: -f.count("/")):
        head, _, tail = folder.rpartition("/")
        holder = _Dirs(fd, make=False)
        try:
            os.rmdir(tail, dir_fd=holder.get(head))
        except FileNotFoundError:
            pass
        except OSError:
            left = True
        finally:
            holder.close()
    return left


def _remove_if_ours(pfd: int, staging: str) -> str:
    try:
        fd = os.open(staging, _DIR_FLAGS, dir_fd=pfd)
    except OSError:
        return "foreign"
    try:
        listing = _read_listing(fd, STAGING_MARKER)
        if listing is None:
            listing = _read_listing(fd, MANIFEST)
            if listing is None or _foreign(fd, listing):
                return "foreign"
        left = _delete_listed(fd, listing)
    finally:
        os.close(fd)
    try:
        os.rmdir(staging, dir_fd=pfd)
    except OSError:
        return "left"
    return "left" if left else "removed"


# A manifest lists each file in ~130 bytes: a million files (a site of a thousand articles) take
# 130 MB. Anything larger than this is not one of ours.
_MAX_TREE_LISTING = 1 << 30


def _read_listing(fd: int, name: str) -> Listing | None:
    """The paths a manifest (with size and sha256) or staging marker in folder `fd` lists; None if
    not ours. A marker is lines of {"guian-kg-staging": 1, "files": [...]}, one per batch: the
    first must be whole; a later one cut short by a kill names files not yet made."""
    handle = _open_regular(fd, name)
    if handle is None:
        return None
    try:
        size = os.fstat(handle).st_size
        raw = b"" if size > _MAX_TREE_LISTING else _read_all(handle, size)
    finally:
        os.close(handle)
    if not raw:
        return None
    try:
        if name == MANIFEST:
            document = json.loads(raw)
            if document.get("guian-kg-manifest") != 1:
                return None
            listed = {f["name"]: (int(f["size"]), str(f["sha256"])) for f in document["files"]}
        else:
            listed = {}
            for number, line in enumerate(raw.splitlines()):
                try:
                    batch = json.loads(line)
                    if batch.get("guian-kg-staging") != 1:
                        return None
                    listed.update(dict.fromkeys(batch["files"]))
                except (ValueError, KeyError, TypeError, AttributeError):
                    if number == 0:
                        return None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not all(_tree_path(p) for p in listed):
        return None
    return listed


def _read_all(handle: int, size: int) -> bytes:
    """Up to `size` bytes (and one more, to see the file grew)."""
    chunks, left = [], size + 1
    while left > 0 and (chunk := os.read(handle, min(left, 1 << 24))):
        chunks.append(chunk)
        left -= len(chunk)
    raw = b"".join(chunks)
    return b"" if len(raw) > _MAX_TREE_LISTING else raw


def _digest(data: bytes) -> tuple[int, str]:
    return len(data), hashlib.sha256(data).hexdigest()


def _create(fd: int, name: str, data: bytes) -> None:
    """Create file `name` in folder `fd` (never through a link), mode 0644; flushed later, with the tree."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    handle = os.open(name, flags, 0o644, dir_fd=fd)
    try:
        os.fchmod(handle, 0o644)
        _write_all(handle, data)
    finally:
        os.close(handle)


def _sync(fd: int) -> None:
    """Flush the file system holding `fd` (syncfs): one call for a tree of many small files."""
    try:
        if ctypes.CDLL(None, use_errno=True).syncfs(fd) == 0:
            return
    except (OSError, AttributeError):
        pass
    os.sync()

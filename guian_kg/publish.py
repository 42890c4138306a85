"""Write outputs without losing anything: a folder is replaced only if guian-kg made it, atomically.

A folder guian-kg publishes ends with MANIFEST (each file's name, size and sha256, written last).
A folder is replaced only if it is empty or if that manifest proves every entry in it ours;
symlinks, FIFOs, devices and files are refused, never followed or swapped. Readers see the old
folder or the new one, never half of either (renameat2 RENAME_EXCHANGE); the old folder is checked
again after the swap, and deleted name by name from its manifest, never with rmtree.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .cache_files import clock_after, fs_clock, status
from .errors import OutputError
from .parallel import available_cores

MANIFEST = ".guian-kg-manifest.json"
STAGING_MARKER = ".guian-kg-staging.json"  # a staging folder's first file: the names it will hold
RESERVED_PREFIX = ".guian-kg-"
_RENAME_EXCHANGE = 2  # linux/fs.h
_MAX_LISTING = 1 << 20  # a manifest lists a few files; anything larger is not one of ours
_SHOWN = 8  # offending entries named in a message
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # never hang on a FIFO


@dataclass
class Published:
    """A published folder: the files written (the manifest last) and anything left behind."""

    folder: Path
    files: list[Path]
    warnings: list[str] = field(default_factory=list)


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    """The manifest of `files`: deterministic JSON, names sorted, no timestamps."""
    return _manifest(
        {n: (len(data), hashlib.sha256(data).hexdigest()) for n, data in files.items()}
    )


def _manifest(listing: dict[str, tuple[int, str]]) -> bytes:
    """The manifest of files by name → (size, sha256)."""
    listed = [
        {"name": name, "sha256": digest, "size": size}
        for name, (size, digest) in sorted(listing.items())
    ]
    document = {"guian-kg-manifest": 1, "files": listed}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("ascii")


def publish(files: dict[str, bytes | Path], out: Path, moved: bool = False) -> Published:
    """Replace folder `out` with exactly `files` (name → bytes, or a file of ours to take, linked
    where it is on the same file system, else copied), atomically, if it is absent, empty or ours.
    `moved`: the files given as paths are moved (their names there removed once taken), so that
    no later link operation moves their ctime and their read-back stays proven (proven_checksum)."""
    _check_names(files)
    parent, name = _split(Path(out))
    path = parent / name
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {parent}: {exc.strerror or exc}") from None
    try:
        with _locked(parent) as pfd:
            warnings = _clean_stale_staging(pfd, parent, name)
            state = check_replaceable(pfd, name, path)
            staging = _stage(pfd, name, files, moved)
            try:
                if state == "ours":
                    warnings += _swap(pfd, name, staging, path)
                else:
                    _move_in(pfd, staging, name, path)
            except BaseException:
                _remove_if_ours(pfd, staging)
                raise
            os.fsync(pfd)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    written = [path / n for n in sorted(files)] + [path / MANIFEST]
    return Published(path, written, warnings)


def check_folder(out: Path) -> None:
    """Refuse early, before any work, an `out` that publish would refuse by what it lists (names,
    kinds, sizes: a corpus's dumps are gigabytes, not read here); publish checks again, locked,
    reading every file."""
    parent, name = _split(Path(out))
    try:
        pfd = os.open(parent, _DIR_FLAGS & ~os.O_NOFOLLOW)
    except FileNotFoundError:
        return  # publish makes it
    except OSError as exc:
        raise OutputError(f"cannot write {parent / name}: {exc.strerror or exc}") from None
    try:
        check_replaceable(pfd, name, parent / name, read=False)
    except OSError as exc:
        raise OutputError(f"cannot write {parent / name}: {exc.strerror or exc}") from None
    finally:
        os.close(pfd)


def check_replaceable(pfd: int, name: str, path: Path, read: bool = True) -> str:
    """'absent', 'empty' or 'ours' for entry `name` of the locked parent; else refuse, naming what
    it is. `read`: each file's bytes checked against the manifest, not only its size."""
    try:
        st = os.stat(name, dir_fd=pfd, follow_symlinks=False)
    except FileNotFoundError:
        return "absent"
    _refuse_unless_folder(st, pfd, name, path)
    fd = os.open(name, _DIR_FLAGS, dir_fd=pfd)
    try:
        if not os.listdir(fd):
            return "empty"
        foreign = foreign_entries(fd, _clock(pfd) if read else None, read)
    finally:
        os.close(fd)
    if foreign:
        raise OutputError(_refusal(path, foreign))
    return "ours"


def foreign_entries(fd: int, clock: Clock | None = None, read: bool = True) -> list[str]:
    """Entries of the open folder `fd` that its manifest does not prove ours, each with why; [] if
    none. `read` False: sizes compared, not bytes; `clock`: see _checksum."""
    manifest = _read_listing(fd, MANIFEST)
    entries = sorted(os.listdir(fd))
    if manifest is None:
        unproven = " (not a manifest guian-kg wrote)"
        return [_shown(fd, n) + (unproven if n == MANIFEST else "") for n in entries]
    named = [entry for entry in entries if entry in manifest and entry != MANIFEST]
    checksums = dict(zip(named, _checksums(fd, named, clock), strict=True)) if read else {}
    foreign = []
    for entry in entries:
        if entry == MANIFEST:
            continue
        if entry not in manifest:
            foreign.append(_shown(fd, entry))
            continue
        found = checksums[entry] if read else _size(fd, entry)
        listed = manifest[entry] if read or manifest[entry] is None else manifest[entry][0]
        if found is None:
            foreign.append(f"{_shown(fd, entry)} (not a regular file)")
        elif found != listed:
            foreign.append(f"{entry} (changed since guian-kg wrote it)")
    return foreign


def write_file(path: Path, data: bytes) -> Path:
    """Write one output file: a new or regular one atomically (temporary file, then rename), a FIFO or device directly."""
    path = Path(path)
    try:
        st = os.stat(path)  # follows links: /dev/stdout is one
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write {path}: it is a folder; give a file name")
    try:
        if st is not None and not stat.S_ISREG(st.st_mode):
            fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)
            return path
        # A link to a file (or to nothing yet): write the file it names and keep the link, as `>` does.
        target = Path(os.path.realpath(path)) if path.is_symlink() else path.absolute()
        if not target.parent.is_dir():
            raise OutputError(f"cannot write {path}: the folder {target.parent} does not exist")
        _replace_file(target, data, stat.S_IMODE(st.st_mode) if st else None)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


# ---------------------------------------------------------------- the steps of publish


def _check_names(files: dict[str, bytes | Path]) -> None:
    bad = sorted(n for n in files if not _flat_name(n) or n.startswith(RESERVED_PREFIX))
    if bad:
        raise OutputError(
            f"cannot publish files named {', '.join(map(repr, bad))}: not plain names"
        )


def _flat_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and "/" not in name
        and "\0" not in name
    )


def resolved(out: Path) -> Path:
    """The folder `publish(files, out)` writes: its real parent, and its name (never resolved)."""
    parent, name = _split(Path(out))
    return parent / name


def _split(out: Path) -> tuple[Path, str]:
    """(the real parent folder, the name of `out` in it); the last component is never resolved, a link stays a link."""
    if out.name in ("", ".", ".."):
        out = out.resolve()  # `.`, `..` and `/` name a folder, never a link
        if not out.name:
            raise OutputError(f"refused to replace {out}: the root folder")
    return out.absolute().parent.resolve(), out.name


@contextmanager
def _locked(parent: Path) -> Iterator[int]:
    """An fd on `parent`, locked against other publishes into it; closing it releases the lock (no lock file)."""
    fd = os.open(parent, _DIR_FLAGS & ~os.O_NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)


def _new_name(pfd: int, name: str) -> str:
    """A fresh staging folder `.NAME.new-XXXXXXXX` in the parent (made, mode 0700)."""
    while True:
        staging = f".{name}.new-{secrets.token_hex(4)}"
        try:
            os.mkdir(staging, 0o700, dir_fd=pfd)
            return staging
        except FileExistsError:
            continue


def _stage(pfd: int, name: str, files: dict[str, bytes | Path], moved: bool = False) -> str:
    """Write `files` into a new staging folder (`moved`: see publish): the marker first, the
    manifest last, then drop the marker."""
    staging = _new_name(pfd, name)
    fd = os.open(staging, _DIR_FLAGS, dir_fd=pfd)
    try:
        marker = {"guian-kg-staging": 1, "files": sorted(files)}
        _write_new(fd, STAGING_MARKER, json.dumps(marker).encode("ascii"))
        listing, taken = {}, []
        for file_name, data in sorted(files.items()):
            if isinstance(data, bytes):
                _write_new(fd, file_name, data)
                listing[file_name] = (len(data), hashlib.sha256(data).hexdigest())
            else:
                _take(fd, file_name, Path(data), moved)
                taken.append(file_name)
        clock = _clock_after(fd, taken)  # the read-back's statuses are remembered (_checksum)
        listing.update(zip(taken, _checksums(fd, taken, clock), strict=True))  # read back
        for file_name in taken:  # after the read-back, which the kernel's writeback overlaps
            _fsync(fd, file_name)
        _write_new(fd, MANIFEST, _manifest(listing))
        os.unlink(STAGING_MARKER, dir_fd=fd)  # from here on the manifest proves the folder ours
        os.fchmod(fd, 0o755)
        os.fsync(fd)
    finally:
        os.close(fd)
    return staging


def _move_in(pfd: int, staging: str, name: str, path: Path) -> None:
    """Rename staging to an absent or empty `name`: the OS refuses to replace anything else."""
    try:
        os.rename(staging, name, src_dir_fd=pfd, dst_dir_fd=pfd)
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            check_replaceable(pfd, name, path)  # something appeared meanwhile: refuse, naming it
        raise


def _swap(pfd: int, name: str, staging: str, path: Path) -> list[str]:
    """Put staging in place of our folder `name`, check the old one again, delete it by its manifest."""
    exchanged = _exchange(pfd, staging, name)
    old = staging if exchanged else _new_name(pfd, name)
    if not exchanged:  # no RENAME_EXCHANGE here: `name` is briefly absent, never half-written
        try:  # onto an empty folder: the OS moves only a folder there
            os.rename(name, old, src_dir_fd=pfd, dst_dir_fd=pfd)
        except OSError as exc:
            os.rmdir(old, dir_fd=pfd)
            if exc.errno not in (errno.EISDIR, errno.ENOTDIR):
                raise
            no_folder = [f"{name} (no longer a folder)"]
            raise OutputError(_refusal(path, no_folder, changed_meanwhile=True)) from None
    # Checked again after the move: what was checked before may have changed since (or been swapped).
    try:
        fd = os.open(old, _DIR_FLAGS, dir_fd=pfd)
    except OSError:
        foreign = [f"{name} (no longer a folder)"]
        fd = -1
    else:
        foreign = foreign_entries(fd, _clock(pfd))
    try:
        if foreign:
            try:
                if exchanged:
                    _exchange(pfd, staging, name)
                else:
                    os.rename(old, name, src_dir_fd=pfd, dst_dir_fd=pfd)
            except OSError as exc:  # never seen; if it happens, say where the folder is now
                raise OutputError(
                    f"refused to replace {path}: it changed while guian-kg was replacing it, and "
                    f"it could not be put back ({exc.strerror}): it is now {path.parent / old}"
                ) from None
            raise OutputError(_refusal(path, foreign, changed_meanwhile=True))
        if not exchanged:
            os.rename(staging, name, src_dir_fd=pfd, dst_dir_fd=pfd)
        for entry in _listed_entries(fd, MANIFEST):
            os.unlink(entry, dir_fd=fd)
    finally:
        if fd >= 0:
            os.close(fd)
    try:
        os.rmdir(old, dir_fd=pfd)
    except OSError:
        return [f"left {path.parent / old}: something was added to it while guian-kg replaced it"]
    return []


def _exchange(pfd: int, a: str, b: str) -> bool:
    """Atomically swap two names in the parent with renameat2(RENAME_EXCHANGE); False where the OS lacks it."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(pfd, os.fsencode(a), pfd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL):  # an old kernel, or a file system without it
        return False
    raise OSError(code, os.strerror(code), b)


def _refuse_unless_folder(st: os.stat_result, pfd: int, name: str, path: Path) -> None:
    """Raise OutputError, changing nothing, if `name` (in folder `pfd`, shown as `path`) is not a
    folder: a link (never followed), a file, a FIFO, a device …"""
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(
            f"refused to replace {path}: it is a symbolic link (to {os.readlink(name, dir_fd=pfd)}) "
            "and guian-kg never replaces a folder through a link. Nothing was changed. Give the "
            "folder itself, or another output folder"
        )
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(
            f"refused to replace {path}: it is {_kind(st.st_mode)}, not a folder. Nothing was "
            "changed. Give another output folder"
        )


def _clean_stale_staging(
    pfd: int, parent: Path, name: str, remove: Callable[[int, str], str] | None = None
) -> list[str]:
    """Remove staging folders of `name` that a killed publish left, where a marker or manifest
    proves them ours (`remove`: how one is removed; publish_tree's folders hold subfolders)."""
    remove = remove or _remove_if_ours
    warnings = []
    for entry in sorted(os.listdir(pfd)):
        if entry.startswith(f".{name}.new-") and remove(pfd, entry) == "left":
            warnings.append(f"left {parent / entry}: it holds files guian-kg did not make")
    return warnings


def _remove_if_ours(pfd: int, staging: str) -> str:
    """Delete staging folder `staging` if its marker or manifest proves it ours: 'removed', 'foreign' or 'left'."""
    try:
        fd = os.open(staging, _DIR_FLAGS, dir_fd=pfd)
    except OSError:
        return "foreign"  # a link, a file, or gone: not ours to touch
    try:
        entries = _staged_entries(fd)
        if entries is None:
            return "foreign"
        for entry in entries:
            os.unlink(entry, dir_fd=fd)
    finally:
        os.close(fd)
    try:
        os.rmdir(staging, dir_fd=pfd)
    except OSError:
        return "left"  # ours, but something else was put in it: that stays
    return "removed"


def _staged_entries(fd: int) -> list[str] | None:
    """The entries of a staging folder that are ours to delete, or None if nothing proves it ours."""
    planned = _read_listing(fd, STAGING_MARKER)
    if planned is not None:  # a publish killed while writing: its files may be partial
        entries = set(os.listdir(fd))
        ours = (set(planned) | {STAGING_MARKER, MANIFEST}) & entries
        return sorted(n for n in ours if not _is_dir(fd, n))
    if _read_listing(fd, MANIFEST) is None or foreign_entries(fd):
        return None
    return _listed_entries(fd, MANIFEST)


def _listed_entries(fd: int, listing: str) -> list[str]:
    """The entries of folder `fd` its manifest lists that are present, the manifest itself last."""
    entries = set(os.listdir(fd))
    listed = sorted(n for n in (_read_listing(fd, listing) or {}) if n in entries)
    return listed + ([listing] if listing in entries else [])


# ---------------------------------------------------------------- small helpers


def _read_listing(fd: int, name: str) -> dict[str, tuple[int, str] | None] | None:
    """The names in our manifest (with size and sha256) or staging marker in folder `fd`; None if it is not ours."""
    handle = _open_regular(fd, name)
    if handle is None:
        return None
    try:
        raw = os.read(handle, _MAX_LISTING + 1)
    finally:
        os.close(handle)
    try:
        document = json.loads(raw)
        if name == MANIFEST and document.get("guian-kg-manifest") == 1:
            listed = {f["name"]: (int(f["size"]), str(f["sha256"])) for f in document["files"]}
        elif name == STAGING_MARKER and document.get("guian-kg-staging") == 1:
            listed = dict.fromkeys(document["files"])
        else:
            return None
        if not isinstance(document["files"], list):
            return None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if len(raw) > _MAX_LISTING or not all(_flat_name(n) for n in listed):
        return None
    return listed


def _checksums(fd: int, names: list[str], clock: Clock | None = None) -> list:
    """_checksum of each file: a corpus's dumps (gigabytes) read at once, a thread per core
    (hashlib and reads let go of the GIL)."""
    if len(names) <= 1:
        return [_checksum(fd, name, clock) for name in names]
    with ThreadPoolExecutor(min(len(names), available_cores())) as pool:
        return list(pool.map(functools.partial(_checksum, fd, clock=clock), names))


def _checksum(fd: int, name: str, clock: Clock | None = None) -> tuple[int, str] | None:
    """(size, sha256) of regular file `name` in folder `fd`, never following a link; None if not a
    regular file. With the `clock` of its file system (_clock), a file is read once per process
    while its status stays what it was (_hashed)."""
    handle = _open_regular(fd, name)
    if handle is None:
        return None
    try:
        before = tuple(status(os.fstat(handle)))
        if before in _hashed:
            return _hashed[before]
        digest, size = hashlib.sha256(), 0
        while chunk := os.read(handle, 1 << 20):
            digest.update(chunk)
            size += len(chunk)
        found = size, digest.hexdigest()
        seen = clock is not None and clock[0] == before[0] and clock[1] > before[-1]
        if seen and tuple(status(os.fstat(handle))) == before:
            if len(_hashed) >= _HASHED_AT_MOST:
                _hashed.clear()
            _hashed[before] = found
        return found
    finally:
        os.close(handle)


# A build checks the folder it replaces twice (locked before staging, and after the swap), and a
# corpus's dumps are gigabytes: a file is hashed once while it stays as it was. The kernel sets a
# file's ctime to its file system's clock at every change of its bytes or status, and no user can
# set it: a file whose device, inode, size, mtime and ctime are those it had while it was hashed,
# when that clock was already past its ctime, holds the bytes hashed (any later change gave it a
# later ctime). Not covered: a clock set back, which takes root. A build reads back the files it
# publishes once the clock is past their ctime, and records what they hashed to with their
# statuses (build_record.py): the next build is told them (remember) and replaces its folder without
# reading it, as long as no link was made or removed meanwhile (publish(moved=True); the cache's
# kept links, cache_files.link_owned).
Clock = tuple[int, int]  # (device, ctime) of a file made now in a folder: its file system's clock
_HASHED_AT_MOST = 10_000  # statuses remembered: a long-lived process (tests) forgets them all
_hashed: dict[tuple[int, ...], tuple[int, str]] = {}


def proven_checksum(path: Path) -> tuple[list[int], str] | None:
    """(status, sha256) of regular file `path` (a link not followed) if this process hashed it
    while proven as it is now (_hashed), or was told so (remember); else None."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    found = status(st)
    hashed = _hashed.get(tuple(found))
    return (found, hashed[1]) if hashed is not None else None


def remember(proven: list[tuple[list[int], str]]) -> None:
    """Take each (status, sha256), as proven_checksum gave it (a build record's, build_record.py),
    as if this process had hashed a file of that status: a file whose status it is holds those
    bytes (see _hashed)."""
    for found, digest in proven:
        _hashed[tuple(found)] = (found[2], digest)


def _clock_after(fd: int, names: list[str]) -> Clock | None:
    """The clock of folder `fd`'s file system once past the ctime of each file `names` in it (see
    _hashed), or None."""
    if not names:
        return None
    statuses = [os.stat(n, dir_fd=fd, follow_symlinks=False) for n in names]
    try:
        return clock_after(fd, statuses[0].st_dev, max(st.st_ctime_ns for st in statuses))
    except OSError:
        return None


def _clock(pfd: int) -> Clock | None:
    """The clock of the file system of folder `pfd` (a parent this process has locked), or None
    if no file can be made there (cache_files.fs_clock)."""
    try:
        return fs_clock(pfd)
    except OSError:
        return None


def _size(fd: int, name: str) -> int | None:
    """The size of regular file `name` in folder `fd` (a link not followed); None if not one."""
    try:
        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _open_regular(fd: int, name: str) -> int | None:
    """A descriptor of regular file `name` in folder `fd`, never following a link; None otherwise."""
    try:
        handle = os.open(name, _READ_FLAGS, dir_fd=fd)
    except OSError:
        return None
    if stat.S_ISREG(os.fstat(handle).st_mode):
        return handle
    os.close(handle)
    return None


def _is_dir(fd: int, name: str) -> bool:
    try:
        return stat.S_ISDIR(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _shown(fd: int, name: str) -> str:
    return f"{name}/" if _is_dir(fd, name) else name


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISREG, "a file"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((what for test, what in kinds if test(mode)), "not a folder")


def _refusal(path: Path, foreign: list[str], changed_meanwhile: bool = False) -> str:
    shown = ", ".join(foreign[:_SHOWN])
    if len(foreign) > _SHOWN:
        shown += f" and {len(foreign) - _SHOWN} more"
    if changed_meanwhile:
        return (
            f"refused to replace {path}: it changed while guian-kg was replacing it and holds what "
            f"guian-kg did not make ({shown}). It is left as it was. Run the command again"
        )
    return (
        f"refused to replace {path}: it holds what guian-kg did not make ({shown}). guian-kg "
        f"replaces only an empty folder or one it wrote itself, as its {MANIFEST} proves. "
        "Nothing was changed. Give another output folder, or move those entries out yourself"
    )


def _write_new(fd: int, name: str, data: bytes) -> None:
    """Create file `name` in folder `fd` (never through a link), mode 0644, and write `data` to disk."""
    handle = os.open(
        name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=fd
    )
    try:
        os.fchmod(handle, 0o644)  # the same mode whatever the umask: dist/ is published as is
        _write_all(handle, data)
        os.fsync(handle)
    finally:
        os.close(handle)


def _take(fd: int, name: str, source: Path, moved: bool = False) -> None:
    """Put regular file `source` (never a link) in folder `fd` as `name`: a hard link where both
    are on one file system (no copy of a large dump), else a copy; `moved`, then `source`'s name
    removed; mode 0644 (put on disk by _fsync)."""
    try:
        os.link(source, name, dst_dir_fd=fd, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
            raise
        _copy_new(fd, name, source)
    if not stat.S_ISREG(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
        raise OSError(errno.EINVAL, "not a regular file", str(source))
    if moved:
        os.unlink(source)
    handle = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
    try:
        os.fchmod(handle, 0o644)
    finally:
        os.close(handle)


def _fsync(fd: int, name: str) -> None:
    """Put file `name` of folder `fd` (never through a link) on disk."""
    handle = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _copy_new(fd: int, name: str, source: Path) -> None:
    """Copy regular file `source` (never a link) into folder `fd` as a new file `name`."""
    src = os.open(source, _READ_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(src).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(source))
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        handle = os.open(name, flags, 0o644, dir_fd=fd)
        try:
            while chunk := os.read(src, 1 << 20):
                _write_all(handle, chunk)
        finally:
            os.close(handle)
    finally:
        os.close(src)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _replace_file(target: Path, data: bytes, mode: int | None) -> None:
    """Write `target` through a temporary file in its folder and a rename: never half-written."""
    while True:
        temporary = target.with_name(f".{target.name}.tmp-{secrets.token_hex(4)}")
        try:
            # 0666 minus the umask for a new file, as `>` would; an existing file keeps its mode.
            fd = os.open(
                temporary,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                0o666,
            )
            break
        except FileExistsError:
            continue
    try:
        try:
            if mode is not None:
                os.fchmod(fd, mode)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

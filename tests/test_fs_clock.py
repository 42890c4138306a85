"""cache_files.fs_clock reads a file system's clock from a file made for it. Publishing reads it in
the folder that holds dist/, the user's: where the file system allows it, that file has no name
(O_TMPFILE), so no entry appears in the folder, even for an instant a kill could freeze. Watched
with the kernel's inotify."""

from __future__ import annotations

import ctypes
import os
import struct

from guian_kg import cache_files
from guian_kg.cache_files import fs_clock

_IN_CREATE, _IN_DELETE, _IN_NONBLOCK = 0x100, 0x200, os.O_NONBLOCK
_libc = ctypes.CDLL(None, use_errno=True)


def _created_names(folder, action) -> list[str]:
    """The names the kernel saw created in `folder` while `action()` ran."""
    fd = _libc.inotify_init1(_IN_NONBLOCK)
    assert fd >= 0, os.strerror(ctypes.get_errno())
    try:
        assert _libc.inotify_add_watch(fd, str(folder).encode(), _IN_CREATE | _IN_DELETE) >= 0
        action()
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return []
    finally:
        os.close(fd)
    names, at = [], 0
    while at < len(data):
        _, mask, _, size = struct.unpack_from("iIII", data, at)
        name = data[at + 16 : at + 16 + size].rstrip(b"\0").decode()
        if mask & _IN_CREATE:
            names.append(name)
        at += 16 + size
    return names


def _in(folder, clock):
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return clock(fd)
    finally:
        os.close(fd)


def test_the_clock_is_read_from_a_file_without_a_name(tmp_path):
    before = (tmp_path / "before").touch() or (tmp_path / "before").stat()
    found = []
    assert _created_names(tmp_path, lambda: found.append(_in(tmp_path, fs_clock))) == []
    device, ctime = found[0]
    assert device == before.st_dev
    assert ctime >= before.st_ctime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["before"]


def test_the_watch_sees_a_named_clock_file(tmp_path):
    """The other way, for file systems without O_TMPFILE: what the first test would see if
    fs_clock named its file (so that test can fail)."""
    names = _created_names(tmp_path, lambda: _in(tmp_path, cache_files._named_clock))
    assert len(names) == 1 and names[0].startswith(cache_files.CLOCK_PREFIX)
    assert list(tmp_path.iterdir()) == []

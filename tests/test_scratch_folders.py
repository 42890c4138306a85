"""Scratch folders in the cache (a build's dist/ before it is published, a store before it is
complete, kept files being released) that a killed process left are deleted by the next build; a
folder in use, or not ours, is left alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from guian_kg import store as stores
from guian_kg.build import build
from guian_kg.cache_files import (
    SCRATCH_MARK,
    release_owned,
    releasing,
    scratch_folder,
    sweep_scratch,
)

# Makes a scratch folder, says where, then waits to be killed (as a build killed mid-way).
HOLDER = """
import sys, time
from pathlib import Path
from guian_kg.cache_files import scratch_folder
with scratch_folder(Path(sys.argv[1]), sys.argv[2]) as folder:
    (folder / "guian-kg.nq").write_bytes(b"half written")
    print(folder, flush=True)
    time.sleep(600)
"""


def _holder(folder, prefix):
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder), prefix], stdout=subprocess.PIPE, text=True
    )
    return process, process.stdout.readline().strip()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_killed_builds_folders_are_deleted_by_the_next_build(cache, tmp_path):
    killed = []
    for prefix in (".dist-", f".{stores.PREFIX}tmp-"):
        process, folder = _holder(cache, prefix)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        killed.append(folder)
    assert all(os.path.isdir(f) for f in killed)  # what SIGKILL leaves
    build(tmp_path / "dist")
    assert [f for f in killed if os.path.exists(f)] == []
    assert sorted(p.name for p in cache.glob(".*")) == []  # and the build's own are gone


def test_a_folder_in_use_is_kept(cache):
    process, folder = _holder(cache, ".dist-")
    try:
        sweep_scratch(cache, ".dist-")
        assert os.path.isfile(os.path.join(folder, "guian-kg.nq"))
    finally:
        process.kill()
        process.wait()
    sweep_scratch(cache, ".dist-")  # now its process is gone
    assert not os.path.exists(folder)


def test_a_folder_without_the_mark_or_a_link_is_never_touched(cache, tmp_path):
    cache.mkdir()
    foreign = cache / ".dist-mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("not guian-kg's")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / SCRATCH_MARK).write_bytes(b"")  # a marked folder, reached through a link
    (cache / ".dist-link").symlink_to(elsewhere)
    sweep_scratch(cache, ".dist-")
    assert (foreign / "notes.txt").read_text() == "not guian-kg's"
    assert (elsewhere / SCRATCH_MARK).exists() and (cache / ".dist-link").is_symlink()


def test_a_scratch_folder_moved_to_its_place_is_kept(cache):
    with scratch_folder(cache, ".x-") as folder:
        (folder / "kept").write_bytes(b"1")
        os.rename(folder, cache / "kept")
        folder.mkdir()  # another folder now at the old name: not the one this process made
    assert (cache / "kept" / "kept").read_bytes() == b"1"
    assert folder.is_dir()


def test_a_scratch_folder_is_deleted_when_its_block_fails(cache):
    with pytest.raises(RuntimeError), scratch_folder(cache, ".x-") as folder:
        (folder / "half").write_bytes(b"1")
        raise RuntimeError("killed politely")
    assert not folder.exists()


# Releases the kept files that FOLDER/owned.json owns but FOLDER/keep.json, and is killed (waits
# for SIGKILL) in the call that records what remains owned, before or after it writes the record.
RELEASER = """
import json, sys, time
from pathlib import Path
from guian_kg.cache_files import release_owned
folder, when = Path(sys.argv[1]), sys.argv[2]
def own(remaining):
    if when == "after":
        (folder / "owned.json").write_text(json.dumps(remaining))
    print("recording", flush=True)
    time.sleep(600)
owned, keep = (json.loads((folder / name).read_text()) for name in ("owned.json", "keep.json"))
release_owned(folder, owned, keep, ["guian-kg.nt"], own)
"""


def _released_folder(tmp_path):
    """A cache folder holding the last build's kept file, the current one (both owned) and a
    file not ours under a kept name."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    for name, content in (
        ("guian-kg.0123abcd.nt", b"the last build's"),
        ("guian-kg.4567cdef.nt", b"this build's"),
        ("guian-kg.89abcdef.nt", b"not ours"),
    ):
        (folder / name).write_bytes(content)
    inodes = [_inode(folder / name) for name in ("guian-kg.0123abcd.nt", "guian-kg.4567cdef.nt")]
    (folder / "owned.json").write_text(json.dumps(inodes))
    (folder / "keep.json").write_text(json.dumps(inodes[1:]))
    return folder, inodes


def _inode(path):
    st = os.stat(path)
    return [st.st_dev, st.st_ino]


def _record(folder):
    def own(remaining):
        (folder / "owned.json").write_text(json.dumps(remaining))
        return True

    return own


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_release_killed_around_its_record_leaves_what_the_next_release_deletes(tmp_path, when):
    folder, (_, current) = _released_folder(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-c", RELEASER, str(folder), when], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline() == "recording\n"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    (left,) = folder.glob(
        f"{releasing(['guian-kg.nt'])}*"
    )  # the released file, out of the kept names' way
    assert sorted(p.name for p in left.iterdir()) == [SCRATCH_MARK, "guian-kg.0123abcd.nt"]
    owned = json.loads((folder / "owned.json").read_text())
    assert len(owned) == (2 if when == "before" else 1)
    assert release_owned(folder, owned, [current], ["guian-kg.nt"], _record(folder)) == [current]
    assert json.loads((folder / "owned.json").read_text()) == [current]
    assert sorted(p.name for p in folder.iterdir()) == [
        "guian-kg.4567cdef.nt",
        "guian-kg.89abcdef.nt",
        "keep.json",
        "owned.json",
    ]
    assert (folder / "guian-kg.89abcdef.nt").read_bytes() == b"not ours"


def test_a_release_whose_record_cannot_be_written_puts_the_files_back(tmp_path):
    folder, (last, current) = _released_folder(tmp_path)
    assert (
        release_owned(folder, [last, current], [current], ["guian-kg.nt"], lambda r: False) is None
    )
    assert _inode(folder / "guian-kg.0123abcd.nt") == last
    assert (folder / "guian-kg.0123abcd.nt").read_bytes() == b"the last build's"
    assert list(folder.glob(f"{releasing(['guian-kg.nt'])}*")) == []

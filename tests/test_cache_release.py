"""The kept files of the cache under kills, failures and two builds sharing the cache: a released
file is freed only once no record names it, a kill leaves nothing a later build does not delete,
a file not guian-kg's is never deleted, and no record is written from what another build
replaced (cache_files.release_owned, scratch_folder, record_lock)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from guian_kg import cache_files, dump_patch, jsonld_pieces
from guian_kg.cache_files import (
    SCRATCH_MARK,
    read_head,
    record_lock,
    release_owned,
    releasing,
    scratch_folder,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A cache folder of kept files (as CACHE/dumps)."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    return folder


def _inode(path):
    st = os.stat(path, follow_symlinks=False)
    return [st.st_dev, st.st_ino]


def _on_disk(folder: Path) -> set[tuple[int, int]]:
    return {tuple(_inode(p)) for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


def _recorder(path: Path):
    def own(remaining):
        path.write_text(json.dumps(remaining))
        return True

    return own


def _group(folder: Path, group: str) -> list[list[int]]:
    """A record's files in `folder` (GROUP.owned, GROUP.keep): the last-but-one build's file
    (stale) and the current one."""
    stale, current = f"dump.0123abcd.{group}", f"dump.4567cdef.{group}"
    (folder / stale).write_bytes(b"old " + group.encode() * 1000)
    (folder / current).write_bytes(b"current " + group.encode())
    inodes = [_inode(folder / stale), _inode(folder / current)]
    (folder / f"{group}.owned").write_text(json.dumps(inodes))
    return inodes


# Releases GROUP's stale file; SIGKILLs itself where argv[3] says: "record" (in the call that
# would record it owned no more, before writing) or "unlink-N" (after the Nth unlink in the
# release's scratch folder, as it is deleted).
KILLED = """
import json, os, signal, sys, time
from pathlib import Path
from guian_kg.cache_files import release_owned
folder, group, at = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
owned = json.loads((folder / f"{group}.owned").read_text())
def own(remaining):
    if at == "record":
        os.kill(os.getpid(), signal.SIGKILL)
    (folder / f"{group}.owned").write_text(json.dumps(remaining))
    return True
if at.startswith("unlink-"):
    left, real = [int(at.split("-")[1])], os.unlink
    def unlink(path, *args, dir_fd=None, **kwargs):
        real(path, *args, dir_fd=dir_fd, **kwargs)
        if dir_fd is not None:
            left[0] -= 1
            if not left[0]:
                os.kill(os.getpid(), signal.SIGKILL)
    os.unlink = unlink
release_owned(folder, owned, owned[1:2], [f"dump.{group}"], own)
"""


def _killed(folder: Path, group: str, at: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(folder), group, at], capture_output=True, text=True
    )
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.mark.parametrize("at", ["unlink-1", "unlink-2"])
def test_a_kill_while_the_released_files_are_deleted_leaves_them_to_the_next_release(folder, at):
    """The scratch folder's mark goes last: killed after any unlink, what is left is marked."""
    stale, current = _group(folder, "nq")
    (folder / "dump.89abcdef.nq").write_bytes(b"another stale one")
    second = _inode(folder / "dump.89abcdef.nq")
    (folder / "nq.owned").write_text(json.dumps([stale, current, second]))
    _killed(folder, "nq", at)
    (left,) = folder.glob(f"{releasing(['dump.nq'])}*")
    assert (left / SCRATCH_MARK).exists()  # still marked, with the files not yet unlinked
    assert len(os.listdir(left)) == 3 - int(at[-1])
    owned = json.loads((folder / "nq.owned").read_text())
    assert owned == [current]
    assert release_owned(folder, owned, [current], ["dump.nq"], _recorder(folder / "nq.owned"))
    assert list(folder.glob(".release-*")) == []
    assert _on_disk(folder) & {tuple(stale), tuple(second)} == set()


def test_one_records_release_never_frees_what_another_record_still_owns(folder):
    """Two records share a folder (nq and nt in CACHE/dumps): nt's release killed before its record
    is written leaves its files in its own scratch folder, which nq's release leaves alone; nt's
    next release deletes them once its record owns them no more."""
    nq_stale, nq_current = _group(folder, "nq")
    nt_stale, nt_current = _group(folder, "nt")
    _killed(folder, "nt", "record")
    nt_owned = json.loads((folder / "nt.owned").read_text())
    assert nt_owned == [nt_stale, nt_current]  # not recorded
    nq = _recorder(folder / "nq.owned")
    assert release_owned(folder, [nq_stale, nq_current], [nq_current], ["dump.nq"], nq)
    assert tuple(nt_stale) in _on_disk(folder)  # named by nt's record: not freed
    nt = _recorder(folder / "nt.owned")
    assert release_owned(folder, nt_owned, [nt_current], ["dump.nt"], nt) == [nt_current]
    assert tuple(nt_stale) not in _on_disk(folder)
    assert list(folder.glob(".release-*")) == []


def test_a_killed_release_of_a_real_record_waits_for_that_record(folder):
    """dump_patch.release_previous after nt's release was killed in _keep (nt.record then owns
    both files and names none as kept): nq's release leaves nt's scratch folder alone."""
    (folder / "guian-kg.0123abcd.nq").write_bytes(b"old nq")
    (folder / "guian-kg.4567cdef.nq").write_bytes(b"current nq")
    nq_old, nq_current = (
        _inode(folder / n) for n in ("guian-kg.0123abcd.nq", "guian-kg.4567cdef.nq")
    )
    nq_record = {
        "files": {"nq": {"name": "guian-kg.4567cdef.nq", "written": None, "inode": nq_current}},
        "owned": [nq_old, nq_current],
    }
    dump_patch._write_record(folder / "nq.record", nq_record)
    prefix = releasing(dump_patch._kept_names("nt"))
    with (
        pytest.raises(KeyboardInterrupt),  # killed: the folder stays, marked
        scratch_folder(folder, prefix, swept_after=True) as bin_,
    ):
        (bin_ / "guian-kg.89abcdef.nt").write_bytes(b"old nt")
        nt_old = _inode(bin_ / "guian-kg.89abcdef.nt")
        (folder / "guian-kg.fedcba98.nt").write_bytes(b"new nt")
        nt_new = _inode(folder / "guian-kg.fedcba98.nt")
        dump_patch._write_record(folder / "nt.record", {"owned": [nt_old, nt_new]})
        raise KeyboardInterrupt
    dump_patch.release_previous(folder)
    assert dump_patch._raw_record(folder, "nq")["owned"] == [nq_current]
    assert dump_patch._raw_record(folder, "nt")["owned"] == [nt_old, nt_new]
    assert tuple(nt_old) in _on_disk(folder)


# Moves a file not ours over the released name just before release_owned renames it (another
# process's `mv`), and again once it is renamed; then waits to be killed.
SWAPPED = """
import os, sys, time
from pathlib import Path
from guian_kg import cache_files
from guian_kg.cache_files import release_owned
folder, twice = Path(sys.argv[1]), sys.argv[2] == "twice"
real = os.rename
def rename(src, dst, *args, **kwargs):
    if ".release-" in os.fspath(dst):
        os.replace(folder.parent / "users-file", src)
        real(src, dst, *args, **kwargs)
        if twice:
            (folder / Path(src).name).write_bytes(b"a third file")
        return
    real(src, dst, *args, **kwargs)
cache_files.os.rename = rename
owned = [list(map(int, pair.split(":"))) for pair in sys.argv[3:]]
release_owned(folder, owned, owned[1:], ["dump.nq"], lambda remaining: True)
"""


@pytest.mark.parametrize("twice", ["once", "twice"])
def test_a_file_not_ours_moved_under_a_released_name_is_never_deleted(folder, tmp_path, twice):
    stale, current = _group(folder, "nq")
    (tmp_path / "users-file").write_bytes(b"the user's")
    pairs = [f"{d}:{i}" for d, i in (stale, current)]
    done = subprocess.run(
        [sys.executable, "-c", SWAPPED, str(folder), twice, *pairs], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    found = [p for p in folder.rglob("dump.0123abcd.nq") if p.read_bytes() == b"the user's"]
    assert len(found) == 1 and ".release-" not in str(found[0])
    release_owned(folder, [current], [current], ["dump.nq"], lambda remaining: True)
    assert found[0].read_bytes() == b"the user's"


def test_a_release_whose_scratch_folder_cannot_be_marked_leaves_nothing(folder, monkeypatch):
    """No space for the mark: the release fails (its callers catch OSError), its folder gone."""
    stale, current = _group(folder, "nq")
    real_open = os.open

    def full(path, flags, *args, **kwargs):
        if os.fspath(path) == SCRATCH_MARK:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(cache_files.os, "open", full)
    for _ in range(3):
        with pytest.raises(OSError):
            release_owned(folder, [stale, current], [current], ["dump.nq"], lambda r: True)
    monkeypatch.setattr(cache_files.os, "open", real_open)
    assert list(folder.glob(".*")) == []
    assert _inode(folder / "dump.0123abcd.nq") == stale  # still there, still owned


def test_a_release_with_nothing_to_release_makes_no_folder(folder, monkeypatch):
    _, current = _group(folder, "nq")
    monkeypatch.setattr(cache_files, "scratch_folder", None)  # called: TypeError
    assert release_owned(folder, [current], [current], ["dump.nq"], lambda r: True) == [current]


def test_a_record_whose_owned_files_are_not_pairs_is_read_as_owning_none(tmp_path):
    cache = tmp_path / "jsonld"
    cache.mkdir()
    for owned in (5, [[1, 2, 3]], [["1", "2"]], "ab"):
        cache_files.write_entry(cache / "compacted.pieces", jsonld_pieces._MARK, {"owned": owned})
        record, found = jsonld_pieces._read(cache, "compacted", "f", b"\n", False)
        assert found == [] and record.nodes == []
        dump_patch._write_record(tmp_path / "nt.record", {"owned": owned})
        assert dump_patch._read_record(tmp_path, "nt") == (None, [])


# Holds KEY.lock of FOLDER until its stdin closes.
HOLDER = """
import sys
from pathlib import Path
from guian_kg.cache_files import record_lock
with record_lock(Path(sys.argv[1]), sys.argv[2]) as held:
    print(held, flush=True)
    sys.stdin.read()
"""


def test_a_record_another_build_writes_is_not_released_until_it_is_done(folder):
    (folder / "guian-kg.0123abcd.nt").write_bytes(b"old nt")
    (folder / "guian-kg.4567cdef.nt").write_bytes(b"current nt")
    old, current = (_inode(folder / n) for n in ("guian-kg.0123abcd.nt", "guian-kg.4567cdef.nt"))
    record = {
        "files": {"nt": {"name": "guian-kg.4567cdef.nt", "written": None, "inode": current}},
        "owned": [old, current],
    }
    dump_patch._write_record(folder / "nt.record", record)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder), "nt"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "True\n"
        with record_lock(folder, "nt", wait=False) as held:
            assert held is False
        dump_patch.release_previous(folder)
        assert dump_patch._raw_record(folder, "nt")["owned"] == [old, current]
        assert (folder / "guian-kg.0123abcd.nt").exists()
    finally:
        holder.stdin.close()
        holder.wait()
    dump_patch.release_previous(folder)
    assert dump_patch._raw_record(folder, "nt")["owned"] == [current]
    assert not (folder / "guian-kg.0123abcd.nt").exists()


# One build of CORPUS into OUT, whose dump groups and JSON-LD documents wait a second before
# they keep their files (so that two such builds started together overlap there).
SLOW_KEEPER = """
import sys, time
from pathlib import Path
from guian_kg import build, dump_patch, jsonld_pieces
from guian_kg.corpus import Corpus
for module in (dump_patch, jsonld_pieces):
    def slow(*args, _keep=module._keep, **kwargs):
        time.sleep(1)
        return _keep(*args, **kwargs)
    module._keep = slow
build.build(Path(sys.argv[2]), corpus=Corpus(Path(sys.argv[1])))
"""


def test_two_builds_sharing_a_cache_leave_every_kept_file_owned(tmp_path):
    from conftest import corpus_generator

    corpus = tmp_path / "corpus"
    corpus_generator().generate(corpus, 2, seed=3)
    cache = tmp_path / "cache"
    env = {**os.environ, "GUIAN_KG_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    first = [sys.executable, "-c", SLOW_KEEPER, str(corpus), str(tmp_path / "dist-0")]
    subprocess.run(first, env=env, check=True, capture_output=True)
    both = [
        subprocess.Popen(
            [sys.executable, "-c", SLOW_KEEPER, str(corpus), str(tmp_path / f"dist-{n}")],
            env=env,
            stderr=subprocess.PIPE,
        )
        for n in (1, 2)
    ]
    for process in both:
        assert process.wait() == 0, process.stderr.read().decode()
    dumps, jsonld = cache / "dumps", cache / "jsonld"
    for folder, records in (
        (dumps, [dump_patch._raw_record(dumps, key) for key in ("nq", "nt")]),
        (jsonld, [read_head(jsonld / f"{n}.pieces", jsonld_pieces._MARK) for n in _DOCUMENTS]),
    ):
        owned = [pair for record in records for pair in cache_files.owned_files(record)]
        kept = [
            p for p in folder.iterdir() if p.suffix in (".nq", ".nt", ".ttl", ".trig", ".jsonld")
        ]
        assert len(kept) >= (8 if folder == dumps else 4)  # the last two builds' of each
        assert [p.name for p in kept if _inode(p) not in owned] == []


_DOCUMENTS = ("compacted", "designations")


# A build SIGKILLed in link_owned once its record owns the new link, before the link is in place:
# the record is then cut short ({"owned": [...]}), the link in the build's .keep-nq- folder.
KILLED_LINKING = """
import os, signal, sys
from pathlib import Path
from guian_kg import dump_patch
folder, dist = Path(sys.argv[1]), Path(sys.argv[2])
real = dump_patch._write_record
def write_then_die(target, record):
    real(target, record)
    os.kill(os.getpid(), signal.SIGKILL)
dump_patch._write_record = write_then_die
(dist / "guian-kg.nq").write_bytes(b"the killed build's dump")
with dump_patch.scratch_folder(folder, ".keep-nq-", swept_after=True) as scratch:
    dump_patch.link_owned(dist / "guian-kg.nq", folder, "guian-kg.nq", scratch, [],
        lambda both: dump_patch._write_record(folder / "nq.record", {"owned": both}))
"""


def _keep_group(tmp_path: Path, folder: Path, name: str) -> None:
    """A build's _keep of its nq group, as write_group calls it."""
    dist = tmp_path / name
    dist.mkdir()
    written = {}
    for fmt in ("nq", "trig"):
        path = dist / f"guian-kg.{fmt}"
        path.write_bytes(f"{name}'s {fmt}".encode())
        written[fmt] = (path, cache_files.written_stamp(path))
    state = dump_patch._State([], [], {}, None, [])
    with record_lock(folder, "nq"):
        dump_patch._keep(folder, "nq", written, state, [], dump_patch._read_record(folder, "nq")[1])


def _strays(folder: Path) -> list[list[int]]:
    """What the nq record owns that is no file of the folder's under a kept name."""
    kept = [_inode(p) for p in folder.glob("guian-kg.*")]
    return [o for o in dump_patch._raw_record(folder, "nq")["owned"] if o not in kept]


def test_a_build_killed_while_linking_its_kept_dump_leaves_no_record_owning_a_freed_file(tmp_path):
    folder, dist = tmp_path / "dumps", tmp_path / "killed"
    folder.mkdir()
    dist.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", KILLED_LINKING, str(folder), str(dist)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert len(dump_patch._raw_record(folder, "nq")["owned"]) == 1
    (dist / "guian-kg.nq").unlink()  # the killed build's dist/ scratch folder, swept
    (scratch,) = folder.glob(".keep-nq-*")  # the last link of `killed`
    _keep_group(tmp_path, folder, "next")
    assert "files" in dump_patch._raw_record(folder, "nq") and _strays(folder) == []
    assert not scratch.exists()  # its number free now (ext4 hands it to the next file made)


def test_a_released_file_a_kill_left_is_owned_no_more_once_a_cut_short_record_is_written(
    folder, tmp_path
):
    prefix = releasing(dump_patch._kept_names("nq"))
    with (
        pytest.raises(KeyboardInterrupt),  # a release killed before its record
        scratch_folder(folder, prefix, swept_after=True) as bin_,
    ):
        (bin_ / "guian-kg.89abcdef.nq").write_bytes(b"old nq")
        stale = _inode(bin_ / "guian-kg.89abcdef.nq")
        raise KeyboardInterrupt
    dump_patch._write_record(folder / "nq.record", {"owned": [stale]})  # then one cut short
    _keep_group(tmp_path, folder, "next")
    assert stale not in dump_patch._raw_record(folder, "nq")["owned"] and _strays(folder) == []
    assert list(folder.glob(".release-*")) == []


# The releases of a cache whose record places hold a folder and a FIFO (not guian-kg's).
FOREIGN_RECORDS = """
import sys
from pathlib import Path
from guian_kg import dump_patch, jsonld_pieces
cache = Path(sys.argv[1])
dump_patch.release_previous(cache / "dumps")
jsonld_pieces.release_previous(cache / "jsonld")
print(dump_patch._read_record(cache / "dumps", "nq"))
"""


def test_a_folder_or_a_fifo_where_a_record_would_be_is_passed_over(tmp_path):
    (tmp_path / "dumps" / "nq.record").mkdir(parents=True)
    (tmp_path / "jsonld").mkdir()
    os.mkfifo(tmp_path / "jsonld" / "compacted.pieces")
    os.mkfifo(tmp_path / "dumps" / "nt.record")
    done = subprocess.run(
        [sys.executable, "-c", FOREIGN_RECORDS, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, "(None, [])\n"), done.stderr
    assert (tmp_path / "dumps" / "nq.record").is_dir()


def _simulated_build(root: Path, n: int) -> None:
    """A build as the cache sees it: the releases, the dumps group nq and the compacted document
    kept under their locks from a dist/ scratch folder, then published (moved into OUT)."""
    cache = root / "cache"
    dumps, documents = cache / "dumps", cache / "jsonld"
    dump_patch.release_previous(dumps)
    jsonld_pieces.release_previous(documents)
    with scratch_folder(cache, ".dist-") as dist:
        written = {}
        for fmt in ("nq", "trig"):
            path = dist / f"guian-kg.{fmt}"
            path.write_bytes(f"build {n} {fmt}\n".encode())
            written[fmt] = (path, cache_files.written_stamp(path))
        with record_lock(dumps, "nq"):
            owned = dump_patch._read_record(dumps, "nq")[1]
            dump_patch._keep(
                dumps, "nq", written, dump_patch._State([], [], {}, None, []), [], owned
            )
        document = dist / "compacted.jsonld"
        document.write_bytes(f"document {n}\n".encode())
        meta = {"head": 0, "written": cache_files.written_stamp(document)}
        empty = jsonld_pieces._empty("f", b"\n")
        with record_lock(documents, "compacted"):
            owned = jsonld_pieces._read(documents, "compacted", "f", b"\n", False)[1]
            shortcuts = jsonld_pieces._Shortcuts([], "x")
            jsonld_pieces._keep(documents, "compacted", document, meta, empty, owned, shortcuts)
        out = root / "out"
        shutil.rmtree(out, ignore_errors=True)
        os.rename(dist, out)
        (out / SCRATCH_MARK).unlink()


def _kept_counts(root: Path) -> tuple[int, int]:
    return (
        len(list((root / "cache" / "dumps").glob("guian-kg.*"))),
        len(list((root / "cache" / "jsonld").glob("compacted.*.jsonld"))),
    )


def test_kept_files_are_released_where_no_written_stamp_can_be_taken(tmp_path, monkeypatch):
    """A file system whose clock does not pass a file's ctime at once (timestamps in seconds):
    no kept file has its written stamp, and each build still releases the one before's."""
    monkeypatch.setattr(cache_files, "clock_after", lambda folder, device, ctime: None)
    for n in range(6):
        _simulated_build(tmp_path, n)
    assert _kept_counts(tmp_path) == (4, 2)  # the last two builds', no more


def test_a_shortcuts_file_not_ours_keeps_no_document_and_leaves_the_record_whole(tmp_path):
    for n in range(2):
        _simulated_build(tmp_path, n)
    (tmp_path / "cache" / "jsonld" / "compacted.shortcuts").write_text("the user's notes\n")
    for n in range(2, 6):
        _simulated_build(tmp_path, n)
    assert _kept_counts(tmp_path)[1] <= 2
    head = read_head(tmp_path / "cache" / "jsonld" / "compacted.pieces", jsonld_pieces._MARK)
    assert "kept" in head  # never cut short by it
    assert (
        tmp_path / "cache" / "jsonld" / "compacted.shortcuts"
    ).read_text() == "the user's notes\n"


def test_a_kept_link_that_cannot_be_made_stays_alive_until_its_record_owns_it_no_more(
    tmp_path, monkeypatch
):
    """No space for the final link (link_owned, once the record owns the new file): the build's
    .keep- folder, which holds its only cache link, stays until the next record is written."""
    _simulated_build(tmp_path, 0)
    dumps, real = tmp_path / "cache" / "dumps", os.link

    def full(source, target, *args, **kwargs):
        if Path(target).parent == dumps:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(cache_files.os, "link", full)
    _simulated_build(tmp_path, 1)
    monkeypatch.setattr(cache_files.os, "link", real)
    owned = dump_patch._raw_record(dumps, "nq")["owned"]
    (scratch,) = dumps.glob(".keep-nq-*")
    held = [_inode(p) for p in scratch.iterdir() if p.name != SCRATCH_MARK]
    assert held and all(inode in owned for inode in held)
    shutil.rmtree(tmp_path / "out")  # the only other link gone: held alive by the folder alone
    _simulated_build(tmp_path, 2)
    assert not scratch.exists()
    assert not set(map(tuple, held)) & set(map(tuple, dump_patch._raw_record(dumps, "nq")["owned"]))


# The releases of a cache whose nq.record is a sparse file of 3 GB without a line break, in a
# process that may map 1 GB.
HUGE_RECORD = """
import resource, sys
from pathlib import Path
from guian_kg import dump_patch
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
dump_patch.release_previous(Path(sys.argv[1]))
"""


def test_a_huge_file_where_a_record_would_be_is_not_read_whole(tmp_path):
    with open(tmp_path / "nq.record", "wb") as handle:
        handle.truncate(3 << 30)
    done = subprocess.run(
        [sys.executable, "-c", HUGE_RECORD, str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_cache_entry_interrupted_while_written_leaves_no_temporary_file(tmp_path, monkeypatch):
    """Ctrl-C (KeyboardInterrupt) in the middle of writing a record: the record as it was, and no
    `.tmp-*` file left (records of megabytes, that nothing would delete)."""
    dump_patch._write_record(tmp_path / "nq.record", {"owned": []})
    before = (tmp_path / "nq.record").read_bytes()
    real = os.replace

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cache_files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        dump_patch._write_record(tmp_path / "nq.record", {"owned": [[1, 2]]})
    monkeypatch.setattr(cache_files.os, "replace", real)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nq.record"]
    assert (tmp_path / "nq.record").read_bytes() == before

"""Output folders and files: guian-kg replaces only a folder it made (its manifest proves it), atomically.

Regression tests for issue 8: `build --out .` deleted a user's folder, `.git/` and all; a symlink
gave a traceback and a stray staging folder; a FIFO was swapped out of the way.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from guian_kg import publish as publishing
from guian_kg.cache_files import status
from guian_kg.errors import OutputError
from guian_kg.publish import MANIFEST, STAGING_MARKER, manifest_bytes, publish, write_file

FILES = {"guian-kg.ttl": b"<a> <b> <c> .\n", "void.ttl": b"# void\n"}


def snapshot(root: Path) -> dict[str, object]:
    """Every entry under `root`, never following links: folders, links and their targets, FIFOs, bytes."""
    found: dict[str, object] = {}
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = Path(folder, name)
            mode = path.lstat().st_mode
            key = str(path.relative_to(root))
            if stat.S_ISLNK(mode):
                found[key] = ("link", os.readlink(path))
            elif stat.S_ISDIR(mode):
                found[key] = "folder"
            elif stat.S_ISREG(mode):
                found[key] = path.read_bytes()
            else:
                found[key] = stat.S_IFMT(mode)
    return found


def guian_kg(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run `guian-kg ARGS` as a user does; no path may end in a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "guian_kg", *args], cwd=cwd, capture_output=True, text=True
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def users_project(root: Path) -> Path:
    """A folder of a user's: a git repository with notes and code."""
    project = root / "project"
    (project / ".git" / "objects").mkdir(parents=True)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / ".git" / "objects" / "ab12").write_bytes(b"\x78\x9c blob")
    (project / "notes.txt").write_text("my notes, not in git yet\n")
    (project / "src").mkdir()
    (project / "src" / "main.py").write_text("print('hi')\n")
    return project


def own_output(root: Path) -> Path:
    out = root / "dist"
    publish(FILES, out)
    return out


# Each case: (make the folder at tmp_path/"dist", words the refusal must hold).
def _user_folder(root: Path) -> None:
    (root / "dist").mkdir()
    (root / "dist" / "data.csv").write_text("a,b\n")


def _extra_user_file(root: Path) -> None:
    (own_output(root) / "notes.txt").write_text("mine\n")


def _edited_file(root: Path) -> None:
    (own_output(root) / "guian-kg.ttl").write_bytes(b"<a> <b> <edited> .\n")


def _user_subfolder(root: Path) -> None:
    (own_output(root) / "drafts").mkdir()


def _forged_manifest(root: Path) -> None:
    _user_folder(root)
    (root / "dist" / MANIFEST).write_text("not json\n")


def _manifest_listing_a_link(root: Path) -> None:
    out = own_output(root)
    (out / "guian-kg.ttl").unlink()
    (out / "guian-kg.ttl").symlink_to(users_project(root) / "notes.txt")


def _symlink_to_users_folder(root: Path) -> None:
    (root / "dist").symlink_to(users_project(root), target_is_directory=True)


def _symlink_to_own_output(root: Path) -> None:
    publish(FILES, root / "real-dist")
    (root / "dist").symlink_to("real-dist")


def _fifo(root: Path) -> None:
    os.mkfifo(root / "dist")


def _regular_file(root: Path) -> None:
    (root / "dist").write_text("a file of the user's\n")


def _socket(root: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "dist"))
    server.close()  # the socket file stays


def _device(root: Path) -> None:
    try:
        os.mknod(root / "dist", stat.S_IFCHR | 0o600, os.makedev(1, 3))  # like /dev/null
    except PermissionError:
        pytest.skip("making a device node needs privileges")


REFUSED = {
    "non-empty-folder-without-manifest": (_user_folder, ["data.csv"]),
    "own-output-plus-a-user-file": (_extra_user_file, ["notes.txt"]),
    "own-output-with-an-edited-file": (
        _edited_file,
        ["guian-kg.ttl (changed since guian-kg wrote it)"],
    ),
    "own-output-plus-a-user-folder": (_user_subfolder, ["drafts/"]),
    "forged-manifest": (_forged_manifest, [f"{MANIFEST} (not a manifest guian-kg wrote)"]),
    "manifest-entry-now-a-link": (_manifest_listing_a_link, ["guian-kg.ttl (not a regular file)"]),
    "symlink-to-a-users-folder": (_symlink_to_users_folder, ["symbolic link", "project"]),
    "symlink-to-own-output": (_symlink_to_own_output, ["symbolic link", "real-dist"]),
    "fifo": (_fifo, ["a FIFO (named pipe), not a folder"]),
    "regular-file": (_regular_file, ["a file, not a folder"]),
    "socket": (_socket, ["a socket, not a folder"]),
    "device": (_device, ["a character device, not a folder"]),
}


def test_build_out_dot_in_a_users_git_repository_is_refused_and_loses_nothing(tmp_path):
    project = users_project(tmp_path)
    before = snapshot(tmp_path)
    result = guian_kg("build", "--out", ".", cwd=project)
    assert result.returncode == 2, result.stderr
    assert f"refused to replace {project}:" in result.stderr
    assert "(.git/, notes.txt, src/)" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert result.stdout == ""
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", REFUSED)
def test_build_refuses_an_out_it_did_not_make_exits_2_and_changes_nothing(tmp_path, case):
    make, words = REFUSED[case]
    make(tmp_path)
    before = snapshot(tmp_path)
    result = guian_kg("build", "--out", "dist", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"error: refused to replace {tmp_path / 'dist'}: " in result.stderr
    for word in [*words, "Nothing was changed"]:
        assert word in result.stderr
    assert snapshot(tmp_path) == before  # untouched, and no stray .dist.new-* left


@pytest.mark.parametrize("case", REFUSED)
def test_publish_refuses_the_same_under_its_lock(tmp_path, case, monkeypatch):
    """The library refuses on its own (the check build makes before working is a courtesy)."""
    make, words = REFUSED[case]
    make(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(OutputError) as refused:
        publish({"new.ttl": b"new\n"}, tmp_path / "dist")
    for word in words:
        assert word in str(refused.value)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "case",
    [
        "non-empty-folder-without-manifest",
        "symlink-to-a-users-folder",
        "fifo",
        "regular-file",
        "own-output-plus-a-user-file",
        "own-output-with-an-edited-file",
    ],
)
@pytest.mark.parametrize("claimed", ["ours", "empty", "absent"])
@pytest.mark.parametrize("exchange", ["renameat2", "two-renames"])
def test_with_the_check_before_the_swap_switched_off_nothing_of_the_users_is_lost(
    tmp_path, monkeypatch, case, claimed, exchange
):
    """The friendly check lies; the OS (rename refuses a non-empty folder) or the check after the swap still holds."""
    REFUSED[case][0](tmp_path)
    before = snapshot(tmp_path)
    monkeypatch.setattr(publishing, "check_replaceable", lambda *args: claimed)
    if exchange == "two-renames":
        monkeypatch.setattr(publishing, "_exchange", lambda *args: False)
    with pytest.raises(OutputError) as refused:
        publish({"new.ttl": b"new\n"}, tmp_path / "dist")
    if claimed == "ours":
        assert "changed while guian-kg was replacing it" in str(refused.value)
        assert "It is left as it was" in str(refused.value)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("exchange", ["renameat2", "two-renames"])
def test_publish_replaces_its_own_output_and_keeps_no_stale_file(tmp_path, monkeypatch, exchange):
    if exchange == "two-renames":
        monkeypatch.setattr(publishing, "_exchange", lambda *args: False)
    out = tmp_path / "dist"
    publish({**FILES, "stale.nt": b"old\n"}, out)
    result = publish(FILES, out)
    assert snapshot(tmp_path) == {
        "dist": "folder",
        **{f"dist/{name}": data for name, data in FILES.items()},
        f"dist/{MANIFEST}": manifest_bytes(FILES),
    }
    assert result.files == [out / "guian-kg.ttl", out / "void.ttl", out / MANIFEST]
    assert result.warnings == []


def test_an_empty_folder_is_replaced(tmp_path):
    (tmp_path / "dist").mkdir()
    publish(FILES, tmp_path / "dist")
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == sorted([*FILES, MANIFEST])


def test_rebuilding_over_its_own_dist_succeeds_byte_identical(dist, tmp_path):
    shutil.copytree(dist, tmp_path / "dist")
    before = snapshot(tmp_path)
    result = guian_kg("build", "--out", "dist", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert snapshot(tmp_path) == before
    assert result.stdout.splitlines()[-1] == str(tmp_path / "dist" / MANIFEST)


def test_files_on_disk_are_taken_whole_and_a_link_is_refused(tmp_path):
    """A dump written to a file is linked (or copied) into the folder, listed by what the folder
    holds; a symbolic link given as a file is never followed."""
    made = tmp_path / "made"
    made.mkdir()
    for name, data in FILES.items():
        (made / name).write_bytes(data)
    publish({name: made / name for name in FILES}, tmp_path / "dist")
    assert snapshot(tmp_path / "dist") == {
        **FILES,
        MANIFEST: manifest_bytes(FILES),
    }
    (made / "link.ttl").symlink_to(made / "void.ttl")
    with pytest.raises(OutputError):
        publish({"void.ttl": made / "link.ttl"}, tmp_path / "dist")
    assert snapshot(tmp_path / "dist") == {**FILES, MANIFEST: manifest_bytes(FILES)}


def test_the_manifest_is_deterministic_json_of_names_sizes_and_checksums():
    assert json.loads(manifest_bytes({"b.ttl": b"b", "a.nt": b""})) == {
        "guian-kg-manifest": 1,
        "files": [
            {
                "name": "a.nt",
                "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "size": 0,
            },
            {
                "name": "b.ttl",
                "sha256": "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d",
                "size": 1,
            },
        ],
    }
    assert manifest_bytes({"b.ttl": b"b", "a.nt": b""}) == manifest_bytes(
        {"a.nt": b"", "b.ttl": b"b"}
    )


@pytest.mark.parametrize("name", ["../escape", "sub/file", "", ".", "..", MANIFEST, STAGING_MARKER])
def test_only_plain_file_names_are_published(tmp_path, name):
    with pytest.raises(OutputError, match="not plain names"):
        publish({name: b"x"}, tmp_path / "dist")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- staging left by a killed publish


def test_a_publish_killed_while_writing_is_cleaned_by_the_next(tmp_path):
    """A real process is killed (SIGKILL) halfway through its third file; the next publish removes its staging."""
    script = """
import os, signal, sys
from pathlib import Path
from guian_kg import publish as p

real, written = p._write_new, []

def dies_on_the_third(fd, name, data):
    written.append(name)
    if len(written) == 3:
        real(fd, name, data[: len(data) // 2])
        os.kill(os.getpid(), signal.SIGKILL)
    real(fd, name, data)

p._write_new = dies_on_the_third
p.publish({"a.ttl": b"a" * 1000, "b.ttl": b"b" * 1000, "c.ttl": b"c" * 1000}, Path(sys.argv[1]))
"""
    killed = subprocess.run([sys.executable, "-c", script, str(tmp_path / "dist")])
    assert killed.returncode == -signal.SIGKILL
    (staging,) = tmp_path.iterdir()
    assert staging.name.startswith(".dist.new-")
    assert sorted(p.name for p in staging.iterdir()) == [STAGING_MARKER, "a.ttl", "b.ttl"]
    assert (staging / "b.ttl").read_bytes() == b"b" * 500

    result = publish(FILES, tmp_path / "dist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
    assert result.warnings == []


def test_stale_staging_proven_ours_by_marker_or_manifest_is_removed_and_a_foreign_one_is_left(
    tmp_path,
):
    marked = tmp_path / ".dist.new-killed1"
    marked.mkdir()
    (marked / STAGING_MARKER).write_text(json.dumps({"guian-kg-staging": 1, "files": ["a.ttl"]}))
    (marked / "a.ttl").write_bytes(b"half a fi")
    complete = (
        tmp_path / ".dist.new-killed2"
    )  # killed after the swap: the old folder, manifest-proven
    publish(FILES, complete)
    foreign = tmp_path / ".dist.new-users"
    foreign.mkdir()
    (foreign / "a.ttl").write_text("a user's file that happens to have this name\n")
    forged = tmp_path / ".dist.new-forged"  # a manifest that does not match: not ours
    publish(FILES, forged)
    (forged / "void.ttl").write_text("edited\n")
    other = tmp_path / ".other.new-killed"  # another output's staging: not this publish's business
    shutil.copytree(marked, other)
    keep = {
        k: v
        for k, v in snapshot(tmp_path).items()
        if k.startswith((".dist.new-users", ".dist.new-forged", ".other"))
    }

    result = publish(FILES, tmp_path / "dist")
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("dist")} == keep
    assert result.warnings == []


def test_stale_staging_with_a_users_file_added_keeps_that_file_and_warns(tmp_path):
    marked = tmp_path / ".dist.new-killed"
    marked.mkdir()
    (marked / STAGING_MARKER).write_text(json.dumps({"guian-kg-staging": 1, "files": ["a.ttl"]}))
    (marked / "a.ttl").write_bytes(b"partial")
    (marked / "mine.txt").write_text("mine\n")
    result = publish(FILES, tmp_path / "dist")
    assert snapshot(marked) == {"mine.txt": b"mine\n"}
    assert result.warnings == [f"left {marked}: it holds files guian-kg did not make"]


def test_concurrent_publishes_into_one_folder_are_serialised_by_a_lock_and_leave_no_lock_file(
    tmp_path,
):
    out, errors = tmp_path / "dist", []
    contents = [{"n.ttl": str(i).encode()} for i in range(8)]

    def run(files: dict[str, bytes]) -> None:
        try:
            publish(files, out)
        except Exception as exc:  # collected: a thread's exception would not fail the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(files,)) for files in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
    assert {"n.ttl": (out / "n.ttl").read_bytes()} in contents


# ---------------------------------------------------------------- export -o FILE


def test_export_to_a_missing_folder_exits_2_naming_it(tmp_path):
    result = guian_kg("export", "--format", "nt", "-o", "missing/x.nt", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        f"error: cannot write missing/x.nt: the folder {tmp_path / 'missing'} does not exist"
        in result.stderr
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_export_to_a_full_disk_exits_2_saying_so(tmp_path):
    result = guian_kg("export", "--format", "nt", "-o", "/dev/full", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: cannot write /dev/full: No space left on device\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize(
    "command",
    [
        ["export", "--format", "nt"],
        ["stats"],
        ["stats", "--json"],
        ["validate"],
        ["query", "timeline"],
        ["examples"],
    ],
    ids=" ".join,
)
def test_a_result_to_stdout_on_a_full_disk_exits_2_saying_so(tmp_path, command):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "guian_kg", *command],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "GUIAN_KG_CACHE_DIR": str(tmp_path / "cache")},
        )
    assert result.returncode == 2
    assert result.stderr == "error: cannot write to stdout: No space left on device\n"


def test_export_over_an_existing_file_replaces_it_whole_and_keeps_its_mode(tmp_path):
    target = tmp_path / "graph.nt"
    target.write_text("the previous export\n")
    target.chmod(0o600)
    result = guian_kg("export", "--format", "nt", "-o", "graph.nt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<http") and "the previous export" not in text
    assert "\n<https://w3id.org/guian-kg/ontology> " in text
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.nt"]


def test_a_write_that_fails_halfway_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "graph.nt"
    target.write_text("the previous export\n")
    real = publishing._write_all

    def fails_halfway(fd: int, data: bytes) -> None:
        real(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(publishing, "_write_all", fails_halfway)
    with pytest.raises(OutputError, match="No space left on device"):
        write_file(target, b"x" * 1000)
    assert snapshot(tmp_path) == {"graph.nt": b"the previous export\n"}


def test_writing_through_a_link_writes_the_file_it_names_and_keeps_the_link(tmp_path):
    (tmp_path / "real.nt").write_text("old\n")
    (tmp_path / "link.nt").symlink_to("real.nt")
    write_file(tmp_path / "link.nt", b"new\n")
    assert snapshot(tmp_path) == {"link.nt": ("link", "real.nt"), "real.nt": b"new\n"}


def _checked_twice(out: Path, change) -> tuple:
    """_checksum of out/guian-kg.ttl with its file system's clock, `change`d, then again."""
    parent = os.open(out.parent, os.O_RDONLY | os.O_DIRECTORY)
    folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        clock = publishing._clock(parent)
        while (
            clock[1] <= (out / "guian-kg.ttl").stat().st_ctime_ns
        ):  # a coarse clock: its next tick
            time.sleep(0.005)
            clock = publishing._clock(parent)
        first = publishing._checksum(folder, "guian-kg.ttl", clock)
        change(out / "guian-kg.ttl")
        return first, publishing._checksum(folder, "guian-kg.ttl", publishing._clock(parent))
    finally:
        os.close(folder)
        os.close(parent)


def test_a_file_of_ours_hashed_once_is_not_read_again_while_its_status_is_the_same(
    tmp_path, monkeypatch
):
    out = own_output(tmp_path)

    def unreadable(_path):
        monkeypatch.setattr(publishing.os, "read", lambda *args: pytest.fail("read again"))

    first, again = _checked_twice(out, unreadable)
    assert first == again == (14, publishing.hashlib.sha256(FILES["guian-kg.ttl"]).hexdigest())


def test_a_file_changed_in_place_with_its_size_and_mtime_kept_is_hashed_again(tmp_path):
    out = own_output(tmp_path)

    def edit(path: Path) -> None:
        before = path.stat()
        with open(path, "r+b") as handle:  # the same inode, the same size
            handle.write(b"<x>")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    first, again = _checked_twice(out, edit)
    edited = b"<x> <b> <c> .\n"
    assert again == (14, publishing.hashlib.sha256(edited).hexdigest()) != first
    with pytest.raises(OutputError, match=r"guian-kg\.ttl \(changed since guian-kg wrote it\)"):
        publish(FILES, out)
    assert (out / "guian-kg.ttl").read_bytes() == edited


def test_a_file_is_remembered_only_when_the_clock_was_past_its_ctime(tmp_path):
    out = own_output(tmp_path)
    folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        st = (out / "guian-kg.ttl").stat()
        key = tuple(status(st))
        publishing._checksum(folder, "guian-kg.ttl", (st.st_dev, st.st_ctime_ns))  # not past
        assert key not in publishing._hashed
        publishing._checksum(folder, "guian-kg.ttl", (st.st_dev + 1, st.st_ctime_ns + 1))
        assert key not in publishing._hashed  # another file system's clock
        publishing._checksum(folder, "guian-kg.ttl", (st.st_dev, st.st_ctime_ns + 1))
        assert key in publishing._hashed
    finally:
        os.close(folder)


def test_the_early_check_refuses_by_size_and_publish_by_bytes(tmp_path):
    out = own_output(tmp_path)
    (out / "void.ttl").write_bytes(b"# VOID\n")  # the same size: read only by publish
    publishing.check_folder(out)
    with pytest.raises(OutputError, match=r"void\.ttl \(changed since guian-kg wrote it\)"):
        publish(FILES, out)
    (out / "void.ttl").write_bytes(b"# void, longer\n")
    with pytest.raises(OutputError, match=r"void\.ttl \(changed since guian-kg wrote it\)"):
        publishing.check_folder(out)


def test_writing_to_a_fifo_writes_into_it_and_it_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_file(fifo, b"through the pipe\n")
    reader.join()
    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_writing_a_file_over_a_folder_is_refused(tmp_path):
    (tmp_path / "out.nt").mkdir()
    with pytest.raises(OutputError, match="it is a folder"):
        write_file(tmp_path / "out.nt", b"x")


def test_every_test_the_readme_names_for_output_folders_exists():
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Output folders:", 1)[1].split("\n### ", 1)[0]
    named = re.findall(r"`(?:(test_\w+)\.py::)?(test_\w+)`", section)
    assert len(named) >= 15
    for module, test in named:
        source = (root / "tests" / f"{module or 'test_publish'}.py").read_text(encoding="utf-8")
        assert f"def {test}(" in source, test


def test_a_file_edited_between_the_check_and_the_swap_is_found_after_the_swap(
    tmp_path, monkeypatch
):
    # The check before the swap remembers each file's hash by its status; an edit after it (in
    # place, size and mtime kept) moves the ctime, so the check after the swap reads it again.
    out = own_output(tmp_path)
    time.sleep(0.05)  # the clock past the files' ctime: their hashes are remembered
    target, stage = out / "guian-kg.ttl", publishing._stage
    edited = b"<x> <b> <c> .\n"

    def stage_then_edit(pfd, name, files, moved=False):
        staged = stage(pfd, name, files, moved)
        before = target.stat()
        assert tuple(status(before)) in publishing._hashed  # the locked check remembered it
        with open(target, "r+b") as handle:
            handle.write(edited[:3])
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
        return staged

    monkeypatch.setattr(publishing, "_stage", stage_then_edit)
    with pytest.raises(OutputError, match=r"guian-kg\.ttl \(changed since guian-kg wrote it\)"):
        publish(FILES, out)
    assert target.read_bytes() == edited  # swapped back, as the user left it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]

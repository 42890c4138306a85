"""A rebuild reads neither the folder it replaces nor its new N-Quads dump twice: the last build
recorded its files' checksums with the statuses that prove them (build_record.published_checksums,
publish.remember), and publish's read-back of the new files proves them for the store
(publish.proven_checksum). Every test starts the rebuild with publish's memory empty, as a new
process would; a file whose status is not the recorded one is read, and refused if it changed."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from guian_kg import dump_patch, publish
from guian_kg import store as stores
from guian_kg.build import build
from guian_kg.cache_files import is_kept_name, release_owned
from guian_kg.corpus import Corpus
from guian_kg.errors import OutputError
from guian_kg.publish import MANIFEST

ARTICLE = "articles/synthetic-00002/article.ttl"


@pytest.fixture(scope="module")
def three_articles(tmp_path_factory) -> Path:
    from conftest import corpus_generator

    out = tmp_path_factory.mktemp("three-articles")
    corpus_generator().generate(out, 3, seed=5)
    return out


@pytest.fixture
def corpus(three_articles, tmp_path, monkeypatch) -> Path:
    """A copy of the three articles, built once into tmp_path/dist with a cache of its own."""
    corpus = tmp_path / "corpus"
    shutil.copytree(three_articles, corpus)
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    build(tmp_path / "dist", corpus=Corpus(corpus))
    return corpus


def _change(corpus: Path) -> None:
    """One article changed, or changed back."""
    path = corpus / ARTICLE
    text, changed = path.read_text(encoding="utf-8"), "for the benchmarks, changed."
    if changed in text:
        path.write_text(text.replace(changed, "for the benchmarks.", 1), encoding="utf-8")
    else:
        path.write_text(text.replace("for the benchmarks.", changed, 1), encoding="utf-8")


def _counted(monkeypatch) -> SimpleNamespace:
    """Publish's memory emptied (a new process), then the bytes publish hashes and the files the
    store hashes counted."""
    monkeypatch.setattr(publish, "_hashed", {})
    counts = SimpleNamespace(hashed=[], keyed=[])

    class Sha256:
        def __init__(self, data: bytes = b""):
            self.digest = hashlib.sha256()
            self.update(data)

        def update(self, data: bytes) -> None:
            counts.hashed.append(len(data))
            self.digest.update(data)

        def hexdigest(self) -> str:
            return self.digest.hexdigest()

    file_key = stores.file_key
    monkeypatch.setattr(publish, "hashlib", SimpleNamespace(sha256=Sha256))
    monkeypatch.setattr(
        stores, "file_key", lambda path: counts.keyed.append(path) or file_key(path)
    )
    return counts


def _sizes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.name != MANIFEST)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _edited_in_place(path: Path) -> bytes:
    """One byte of `path` changed through its name, its size and mtime as they were."""
    before, text = path.stat(), path.read_bytes()
    at = len(text) // 2
    with open(path, "r+b") as handle:
        handle.seek(at)
        handle.write(b"x" if text[at : at + 1] != b"x" else b"y")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    return path.read_bytes()


def test_a_rebuild_hashes_only_its_new_files_once(corpus, tmp_path, monkeypatch):
    """Publish reads back the new files (their bytes, once) and nothing of the folder it replaces;
    the store takes the N-Quads dump's checksum from that read-back."""
    dist = tmp_path / "dist"
    _change(corpus)
    counts = _counted(monkeypatch)
    rebuilt = build(dist, corpus=Corpus(corpus))
    assert not rebuilt.unchanged
    assert sum(counts.hashed) == _sizes(dist)
    assert counts.keyed == []
    assert stores.proven_store(tmp_path / "cache", dist / "guian-kg.nq") == rebuilt.store


def test_a_published_file_edited_in_place_is_refused_and_left(corpus, tmp_path, monkeypatch):
    """Edited through dist/ with its size and mtime kept: only its ctime tells, and the recorded
    checksum is not taken for it."""
    dist = tmp_path / "dist"
    edited = _edited_in_place(dist / "guian-kg.nt")
    _change(corpus)
    counts = _counted(monkeypatch)
    with pytest.raises(OutputError, match=r"guian-kg\.nt \(changed since guian-kg wrote it\)"):
        build(dist, corpus=Corpus(corpus))
    assert (dist / "guian-kg.nt").read_bytes() == edited
    assert sum(counts.hashed) == len(edited)  # the other files proven by the record: not read


def test_a_file_replaced_by_another_is_read_and_refused_unless_it_holds_the_same_bytes(
    corpus, tmp_path, monkeypatch
):
    dist = tmp_path / "dist"
    same = dist / "guian-kg.ttl"
    copy = tmp_path / "copy.ttl"
    shutil.copy2(same, copy)
    os.replace(copy, same)  # another inode, the same bytes: its recorded status does not match
    _change(corpus)
    counts = _counted(monkeypatch)
    size = same.stat().st_size
    build(dist, corpus=Corpus(corpus))
    assert sum(counts.hashed) == _sizes(dist) + size  # it was read, and taken

    other = dist / "void.ttl"
    shutil.copy2(other, copy)
    forged = _edited_in_place(copy)
    os.replace(copy, other)
    _change(corpus)  # back
    with pytest.raises(OutputError, match=r"void\.ttl \(changed since guian-kg wrote it\)"):
        build(dist, corpus=Corpus(corpus))
    assert other.read_bytes() == forged


def _killed_after(done):
    """`done`, then the process 'killed' (an exception)."""

    def killed(*args, **kwargs):
        if done is not None:
            done(*args, **kwargs)
        raise KeyboardInterrupt

    return killed


@pytest.mark.parametrize(
    "point", ["kept, before the record", "published, before the record", "releasing the previous"]
)
def test_a_build_killed_between_keeping_and_releasing_leaves_a_cache_the_next_build_uses(
    corpus, tmp_path, monkeypatch, point
):
    """A kill after the new dumps are linked into the cache, after they are published, or while
    the dumps before the last build's are released: the next build publishes a cold build's
    bytes, and releases only files its records own; the last build's stay, the folder they were
    published in replaced, until the next build."""
    dist, dumps = tmp_path / "dist", tmp_path / "cache" / "dumps"
    foreign = dumps / "guian-kg.0123abcd.nt"  # a kept file's name, not ours
    foreign.write_bytes(b"someone else's\n")
    if point == "releasing the previous":  # the first build's dumps: the killed build's to release
        _change(corpus)
        build(dist, corpus=Corpus(corpus))
    _change(corpus)
    with monkeypatch.context() as patch:
        if point == "kept, before the record":  # in this process: the groups unforked
            patch.setattr(dump_patch, "link_owned", _killed_after(dump_patch.link_owned))
            patch.setattr("guian_kg.build.fork_map", lambda f, items, cores: map(f, items))
        elif point == "published, before the record":
            patch.setattr("guian_kg.build.stores.checked_key", _killed_after(None))
        else:  # once the record owns them no more, before they are unlinked
            patch.setattr(dump_patch, "release_owned", _killed_during_release)
        with pytest.raises(KeyboardInterrupt):
            build(dist, corpus=Corpus(corpus))
    assert not build(dist, corpus=Corpus(corpus)).unchanged  # the killed build recorded nothing
    _change(corpus)  # back
    before = _kept(dumps, "nt", "nt").name
    build(dist, corpus=Corpus(corpus))
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cold-cache"))
    build(tmp_path / "cold", corpus=Corpus(corpus))
    assert _files(dist) == _files(tmp_path / "cold")
    assert foreign.read_bytes() == b"someone else's\n"
    kept = sorted(p.name for p in dumps.iterdir() if is_kept_name(p.name, "guian-kg.nt"))
    now = _kept(dumps, "nt", "nt").name
    assert before != now
    assert kept == sorted([foreign.name, before, now])
    assert sorted(dump_patch.patched(dumps)) == ["nq", "nt", "trig", "ttl"]


def _killed_during_release(folder, owned, keep, names, own):
    """cache_files.release_owned 'killed' once its record owns the files no more."""

    def recorded(remaining):
        if not own(remaining):
            return False
        raise KeyboardInterrupt

    return release_owned(folder, owned, keep, names, recorded)


def _kept(dumps: Path, key: str, fmt: str) -> Path:
    return dumps / dump_patch._raw_record(dumps, key)["files"][fmt]["name"]

"""A build keys its input files without reading those unchanged since an earlier build
(guian_kg.input_checksums): proven by their status, ctime included, never by size and mtime alone."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from guian_kg import input_checksums, resources, units
from guian_kg.corpus import Corpus
from guian_kg.input_checksums import RECORD, Checksums

ARTICLE = "articles/guian-national-designations/article.ttl"


@pytest.fixture
def corpus(tmp_path) -> Path:
    copied = tmp_path / "corpus"
    shutil.copytree(resources.corpus().root, copied)
    return copied


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """The files input_checksums opens to hash them."""
    names: list[str] = []

    def counting(path, *args, **kwargs):
        names.append(Path(path).name)
        return open(path, *args, **kwargs)

    monkeypatch.setattr(input_checksums, "open", counting, raising=False)
    return names


def keys(corpus: Path, cache: Path) -> list[str]:
    return units.read_inputs(None, Corpus(corpus), cache).keys


def test_an_unchanged_file_is_keyed_without_being_read(corpus, tmp_path, opened):
    cache = tmp_path / "cache"  # not made yet: the first build's files are kept all the same
    first = keys(corpus, cache)
    files = sorted(Path(p).name for p in Corpus(corpus).fact_files)
    assert sorted(opened) == files and len(files) == 26  # every Turtle file of the corpus, once
    opened.clear()
    assert keys(corpus, cache) == first
    assert opened == []
    assert first == keys(corpus, None)  # the same keys as reading every file


def test_a_file_edited_in_place_with_its_size_and_mtime_kept_is_read_again(
    corpus, tmp_path, opened
):
    cache = tmp_path / "cache"
    cache.mkdir()
    first = keys(corpus, cache)
    path = corpus / ARTICLE
    before = path.stat()
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Guiyang", b"GUIYANG", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    opened.clear()
    second = keys(corpus, cache)
    assert opened == ["article.ttl"]
    assert second[0] == first[0] and second[1] != first[1]


def test_a_file_replaced_by_another_is_read_again(corpus, tmp_path, opened):
    cache = tmp_path / "cache"
    cache.mkdir()
    first = keys(corpus, cache)
    path = corpus / ARTICLE
    other = path.with_name("other.tmp")
    shutil.copy2(path, other)  # the same bytes and times, another inode
    os.replace(other, path)
    opened.clear()
    assert keys(corpus, cache) == first
    assert opened == ["article.ttl"]


def test_a_file_changed_since_the_clock_last_ticked_is_not_recorded(corpus, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    oldest = min(p.stat().st_ctime_ns for p in Corpus(corpus).fact_files)
    device = cache.stat().st_dev
    monkeypatch.setattr(input_checksums, "fs_clock", lambda fd: (device, oldest))
    keys(corpus, cache)
    assert not (cache / RECORD).exists()


def test_a_record_guian_kg_did_not_write_is_neither_trusted_nor_replaced(corpus, tmp_path, opened):
    cache = tmp_path / "cache"
    cache.mkdir()
    path = corpus / ARTICLE
    st = path.stat()
    forged = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    text = json.dumps({str(path): [forged, st.st_size, "0" * 64]}) + "\n"
    (cache / RECORD).write_text(text, "utf-8")
    assert Checksums(cache).known == {}
    keys(corpus, cache)
    assert "article.ttl" in opened
    assert (cache / RECORD).read_text("utf-8") == text

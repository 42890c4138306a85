"""A build where nothing changed since the last one builds nothing (guian_kg.build_record): its
inputs keyed, the folder and the store the last build published proven still in place by their
status. Every other change is a real build, which replaces or refuses the folder as ever."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from guian_kg import DEFAULT_BASE, build_record, resources, units
from guian_kg.build import build
from guian_kg.cli import cli
from guian_kg.corpus import Corpus
from guian_kg.errors import OutputError
from guian_kg.publish import MANIFEST

ARTICLE = "articles/guian-national-designations"


@dataclass
class Built:
    root: Path
    corpus: Path
    cache: Path
    dist: Path
    first: object  # the first build's BuildResult

    def again(self, out: Path | None = None, **options):
        return build(out or self.dist, corpus=Corpus(self.corpus), **options)

    def last(self, out: Path | None = None, base: str = DEFAULT_BASE):
        """What build_record finds of the last build, for a build of the corpus into `out`."""
        inputs = units.read_inputs(None, Corpus(self.corpus))
        made = build_record.made_of(inputs, base, out or self.dist)
        return build_record.last_build(self.cache, made)


@pytest.fixture
def built(tmp_path, monkeypatch) -> Built:
    """The project's corpus, copied, built once into dist/ with a cache of its own."""
    corpus = tmp_path / "corpus"
    shutil.copytree(resources.corpus().root, corpus)
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    first = build(tmp_path / "dist", corpus=Corpus(corpus))
    assert not first.unchanged and first.kg is not None
    return Built(tmp_path, corpus, tmp_path / "cache", tmp_path / "dist", first)


def statuses(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Each entry's (and the folder's) inode, ctime and mtime: what a rewrite would change."""
    found = {".": folder.stat()} | {p.name: p.stat() for p in folder.iterdir()}
    return {name: (st.st_ino, st.st_ctime_ns, st.st_mtime_ns) for name, st in found.items()}


def test_a_build_where_nothing_changed_rewrites_no_file_and_says_so(built):
    before, store = statuses(built.dist), statuses(built.first.store)
    result = built.again()
    assert result.unchanged and result.kg is None and result.report is None
    assert (result.files, result.store) == (built.first.files, built.first.store)
    assert result.triples == len(built.first.kg.store) == 6591
    runner = CliRunner(env={"GUIAN_KG_CACHE_DIR": str(built.cache)})
    args = ["build", "--data", str(built.corpus), "--out", str(built.dist)]
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines() == [str(path) for path in built.first.files]
    assert done.stdout.splitlines()[-1] == str(built.dist / MANIFEST)
    assert done.stderr.startswith(f"built 6591 triples into {built.dist} in ")
    assert "(nothing changed since the last build, whose files and store are in place)" in (
        done.stderr
    )
    assert f"its store for `query` and `serve`: {built.first.store}" in done.stderr
    assert statuses(built.dist) == before  # not a file rewritten, linked or touched
    assert statuses(built.first.store) == store


def test_a_build_that_goes_on_reads_each_unit_s_files_once(built, monkeypatch):
    keyed = []

    def unit_key(unit, checksums=None):
        keyed.append(unit)
        return key(unit, checksums)

    key = units.unit_key
    monkeypatch.setattr(units, "unit_key", unit_key)
    _append(built.corpus / ARTICLE / "article.ttl", "# a comment: other bytes\n")
    result = built.again()
    assert not result.unchanged
    assert len(keyed) == 2  # the shared files and the article: keyed to check, not again to build


def _append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def _article(built: Built) -> None:
    _append(built.corpus / ARTICLE / "article.ttl", "# a comment: other bytes\n")


def _source_text(built: Built) -> None:
    text = built.corpus / ARTICLE / "source.zh.txt"
    _append(text, "\n")
    digest = hashlib.sha256(text.read_bytes()).hexdigest()
    (built.corpus / ARTICLE / "SHA256SUMS").write_text(f"{digest}  source.zh.txt\n", "utf-8")


def _copies(built: Built, monkeypatch, name: str, files: list[Path], changed: str) -> None:
    """`name` (resources' ontology_files or shapes_files) as copies, the one named `changed`
    with a comment added: the same names and bytes but one."""
    folder = built.root / name
    folder.mkdir()
    for path in files:
        shutil.copyfile(path, folder / path.name)
    copies = sorted(folder.iterdir())
    monkeypatch.setattr(resources, name, lambda: copies)
    assert built.last() is not None  # copies elsewhere: the same files for the build
    _append(folder / changed, "# a comment: other bytes\n")


def _shapes(built: Built, monkeypatch) -> None:
    files = resources.shapes_files()
    _copies(built, monkeypatch, "shapes_files", files, files[0].name)


def _ontology(built: Built, monkeypatch) -> None:
    files = resources.ontology_files()
    _copies(built, monkeypatch, "ontology_files", files, files[0].name)


def _code(built: Built, monkeypatch) -> None:
    copy = built.root / "code"
    shutil.copytree(build_record.CODE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(build_record, "CODE", copy)
    assert built.last() is not None  # the same files elsewhere: the same code
    _append(copy / "write.py", "# a comment: other bytes\n")


INPUTS = {
    "an article's Turtle": lambda built, _: _article(built),
    "a source text": lambda built, _: _source_text(built),
    "a shapes file": _shapes,
    "an ontology file": _ontology,
    "the code": _code,
}


@pytest.mark.parametrize("change", INPUTS, ids=list(INPUTS))
def test_a_changed_input_or_code_is_a_real_build_then_recorded_again(built, monkeypatch, change):
    assert built.last() is not None
    INPUTS[change](built, monkeypatch)
    assert built.last() is None
    rebuilt = built.again()
    assert not rebuilt.unchanged and rebuilt.kg is not None and rebuilt.report.conforms
    assert built.again().unchanged  # and now nothing changed since that one


def test_another_base_or_folder_is_a_real_build(built):
    base = "http://example.org/kg/"
    assert built.last(base=base) is None and built.last(built.root / "other") is None
    based = built.again(base=base)
    assert not based.unchanged and based.kg is not None
    assert "<http://example.org/kg/id/" in (built.dist / "guian-kg.nt").read_text("utf-8")
    other = built.again(built.root / "other")
    assert not other.unchanged and other.kg is not None
    assert built.again(built.root / "other").unchanged
    assert not built.again(base=base).unchanged  # the last build was the other folder's


def _edited_in_place(dist: Path) -> None:
    """One byte of the N-Triples dump changed, its inode, size and mtime kept: only the kernel's
    ctime tells."""
    dump = dist / "guian-kg.nt"
    st = dump.stat()
    with open(dump, "r+b") as handle:
        first = handle.read(1)
        handle.seek(0)
        handle.write(b"#" if first != b"#" else b"<")
    os.utime(dump, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = dump.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        st.st_ino,
        st.st_size,
        st.st_mtime_ns,
    )


def _added(dist: Path) -> None:
    (dist / "notes.txt").write_text("mine\n", encoding="utf-8")


def _removed(dist: Path) -> None:
    (dist / "void.ttl").unlink()


def _moved_away_and_back(dist: Path) -> None:
    away = dist.with_name("away")
    dist.rename(away)
    away.rename(dist)


def _a_link(dist: Path) -> None:
    real = dist.with_name("real")
    dist.rename(real)
    dist.symlink_to(real)


# What happened to dist/ (or the store) → what the real build then does: "refused" (OutputError,
# the folder left as it is) or "built" (the folder replaced).
DIST = {
    "a file edited in place, its size and mtime kept": (_edited_in_place, "refused"),
    "a file added": (_added, "refused"),
    "a link in place of the folder": (_a_link, "refused"),
    "a file removed": (_removed, "built"),
    "the folder moved away and back": (_moved_away_and_back, "built"),
}


@pytest.mark.parametrize("change", DIST, ids=list(DIST))
def test_a_folder_not_as_the_last_build_left_it_is_a_real_build(built, change):
    edit, outcome = DIST[change]
    assert built.last() is not None
    edit(built.dist)
    assert built.last() is None
    if outcome == "refused":
        held = {p.name: p.read_bytes() for p in built.dist.iterdir()}
        with pytest.raises(OutputError, match="refused to replace"):
            built.again()
        assert {p.name: p.read_bytes() for p in built.dist.iterdir()} == held
    else:
        rebuilt = built.again()
        assert not rebuilt.unchanged and rebuilt.kg is not None
        assert sorted(p.name for p in built.dist.iterdir()) == sorted(
            p.name for p in built.first.files
        )
        assert built.again().unchanged


def test_a_removed_store_is_a_real_build_that_makes_it_again(built):
    store = built.first.store
    shutil.rmtree(store)
    assert built.last() is None
    rebuilt = built.again()
    assert not rebuilt.unchanged and rebuilt.store == store and (store / "db").is_dir()
    assert built.again().unchanged


def test_a_record_not_ours_is_neither_read_nor_replaced(built):
    record = built.cache / build_record.RECORD
    record.write_text("someone else's notes\n", encoding="utf-8")
    assert built.last() is None
    assert not built.again().unchanged
    assert record.read_text(encoding="utf-8") == "someone else's notes\n"

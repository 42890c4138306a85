"""The rebuild's N-Triples, N-Quads, Turtle and TriG dumps made from the previous build's
(guian_kg/dump_patch.py): each rebuild's files are compared whole with a cold build's bytes, and
the record says which were patched (so a rebuild that merged everything again fails too)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from guian_kg.dump_patch import patched

ARTICLE = "articles/synthetic-00002/article.ttl"
OTHER = "articles/synthetic-00001/article.ttl"
SHARED_LABEL = 'organization:nea rdfs:label "National Energy Administration"@en .\n'
BLANK = '\narticle:synthetic-00002 rdfs:seeAlso [ rdfs:label "a note"@en ] .\n'
SHACL = "\narticle:synthetic-00002 rdfs:seeAlso <http://www.w3.org/ns/shacl#NodeShape> .\n"
ALL = ["nq", "nt", "trig", "ttl"]

# name → (edits before the first build, edits before the rebuild, the dumps patched); an edit is
# (file, text replaced or None to append, new text), or ("-", folder) to remove an article.
SCENARIOS = {
    "one article changed": ([], [(ARTICLE, "for the benchmarks.", "changed.")], ALL),
    "two articles changed": (
        [],
        [(ARTICLE, "for the benchmarks.", "changed."), (OTHER, "for the benchmarks.", "again.")],
        ALL,
    ),
    # more than one unit in twenty, and more than four keys, changed: merged whole
    "three articles changed": (
        [],
        [
            (f"articles/synthetic-0000{n}/article.ttl", "for the benchmarks.", "changed.")
            for n in (1, 2, 3)
        ],
        [],
    ),
    "an article added": ([("-", "synthetic-00003")], [], ALL),
    "an article removed": ([], [("-", "synthetic-00003")], ALL),
    "the shared unit changed": (
        [],
        [("shared/organizations.ttl", '"State Council"@en', '"The State Council"@en')],
        ALL,
    ),
    # a statement the shared unit holds too: it stays, as the store keeps it
    "a statement two units held removed from one": (
        [(ARTICLE, None, "\n" + SHARED_LABEL)],
        [(ARTICLE, "\n" + SHARED_LABEL, "")],
        ALL,
    ),
    "a statement one unit holds added to another": (
        [],
        [(ARTICLE, None, "\n" + SHARED_LABEL)],
        ALL,
    ),
    # sh: is used by no other statement: Turtle and TriG declare one prefix more, made whole
    "a prefix becomes used": ([], [(ARTICLE, None, SHACL)], ["nq", "nt"]),
    "a prefix becomes unused": ([(ARTICLE, None, SHACL)], [(ARTICLE, SHACL, "")], ["nq", "nt"]),
    # blank nodes in an unchanged unit are copied; in a changed one, the dumps are merged whole
    "a blank node in an unchanged unit": (
        [(OTHER, None, BLANK.replace("00002", "00001"))],
        [(ARTICLE, "for the benchmarks.", "changed.")],
        ALL,
    ),
    "a blank node in the changed unit": ([], [(ARTICLE, None, BLANK)], []),
}


@pytest.fixture(scope="module")
def three_articles(tmp_path_factory) -> Path:
    from conftest import corpus_generator

    out = tmp_path_factory.mktemp("three-articles")
    corpus_generator().generate(out, 3, seed=5)
    return out


def _edit(corpus: Path, aside: Path, edits: list) -> None:
    for edit in edits:
        if edit[0] == "-":
            if (corpus / "articles" / edit[1]).exists():
                shutil.move(corpus / "articles" / edit[1], aside / edit[1])
            else:
                shutil.move(aside / edit[1], corpus / "articles" / edit[1])
            continue
        path, old, new = edit
        text = (corpus / path).read_text(encoding="utf-8")
        assert old is None or old in text
        (corpus / path).write_text(
            text + new if old is None else text.replace(old, new, 1), "utf-8"
        )


def _kept(cache: Path, ext: str) -> Path:
    """The dump of format `ext` that the last build kept in CACHE/dumps, as its record names it."""
    from guian_kg.dump_patch import _raw_record

    key = {"nq": "nq", "trig": "nq", "nt": "nt", "ttl": "nt"}[ext]
    return cache / "dumps" / _raw_record(cache / "dumps", key)["files"][ext]["name"]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _dumps(corpus: Path, cache: Path, out: Path) -> dict[str, bytes]:
    """The N-Triples, N-Quads, Turtle and TriG dumps as the build writes them (without validating:
    the shapes forbid a blank node, which these dumps must still write right; JSON-LD refuses it)."""
    from guian_kg import build
    from guian_kg.corpus import Corpus

    out.mkdir()
    kg = build.load(corpus=Corpus(corpus), cache_dir=cache, dump_runs=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "DUMP_GROUPS", ("nt ttl", "nq trig"))
        assert sorted(build.write_dump_files(kg, out)) == [f"guian-kg.{e}" for e in ALL]
    return _files(out)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_a_rebuild_patches_the_dumps_into_the_bytes_of_a_cold_build(
    three_articles, tmp_path, scenario
):
    first, then, expected = SCENARIOS[scenario]
    corpus, aside, cache = tmp_path / "corpus", tmp_path / "aside", tmp_path / "cache"
    shutil.copytree(three_articles, corpus)
    aside.mkdir()
    _edit(corpus, aside, first)
    _dumps(corpus, cache, tmp_path / "dist")
    assert patched(cache / "dumps") == []  # nothing to start from
    _edit(corpus, aside, then)
    rebuilt = _dumps(corpus, cache, tmp_path / "rebuilt")
    assert patched(cache / "dumps") == expected
    shutil.rmtree(cache / "dumps")  # nothing to start from: merged whole, as before
    assert rebuilt == _dumps(corpus, cache, tmp_path / "merged")
    if "blank" not in scenario:  # a blank node's label is made anew each time its unit is read
        assert rebuilt == _dumps(corpus, tmp_path / "cold-cache", tmp_path / "cold")
    if "two units" in scenario:  # still held by the shared unit
        line = (
            "<https://w3id.org/guian-kg/id/organization/nea> "
            '<http://www.w3.org/2000/01/rdf-schema#label> "National Energy Administration"@en .\n'
        )
        assert rebuilt["guian-kg.nt"].count(line.encode("utf-8")) == 1


def test_the_kept_dumps_share_dist_s_files_and_the_next_build_releases_the_last_ones(
    three_articles, tmp_path, monkeypatch
):
    """Each build's kept dumps are hard links of dist/'s files (no copy on disk); the build
    before's stay, in no folder, until the next build releases them while it reads its inputs."""
    from guian_kg.build import build
    from guian_kg.corpus import Corpus

    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    shutil.copytree(three_articles, corpus)
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(cache))
    records = ["nq.lock", "nq.proof", "nq.record", "nt.lock", "nt.proof", "nt.record"]
    edits = ([], [(ARTICLE, "for the benchmarks.", "changed.")], [(ARTICLE, "changed.", "again.")])
    last: list[str] = []
    for edit in edits:
        _edit(corpus, tmp_path, edit)
        build(tmp_path / "dist", corpus=Corpus(corpus))
        current = [_kept(cache, e).name for e in ALL]
        kept = sorted(p.name for p in (cache / "dumps").iterdir())
        assert kept == sorted(current + last + records)
        for ext in ALL:
            here, there = _kept(cache, ext).stat(), (tmp_path / "dist" / f"guian-kg.{ext}").stat()
            assert (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)
            assert here.st_nlink == 2
        assert all((cache / "dumps" / name).stat().st_nlink == 1 for name in last)
        last = current


def test_a_kept_dump_linked_elsewhere_stays_until_its_last_other_link_goes(
    three_articles, tmp_path, monkeypatch
):
    """Releasing a kept dump that another folder still links would free no disk and move its
    ctime: it stays, owned, and the first build after that link is gone releases it."""
    from guian_kg.build import build
    from guian_kg.corpus import Corpus

    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    shutil.copytree(three_articles, corpus)
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(cache))
    build(tmp_path / "dist", corpus=Corpus(corpus))
    first = _kept(cache, "nt")
    os.link(first, tmp_path / "mine.nt")  # a user's link of the first build's dump
    for old, new in (("for the benchmarks.", "changed."), ("changed.", "again.")):
        _edit(corpus, tmp_path, [(ARTICLE, old, new)])
        build(tmp_path / "dist", corpus=Corpus(corpus))
    assert first.exists() and first.stat().st_nlink == 2
    (tmp_path / "mine.nt").unlink()
    _edit(corpus, tmp_path, [(ARTICLE, "again.", "once more.")])
    build(tmp_path / "dist", corpus=Corpus(corpus))
    assert not first.exists()


def test_a_kept_dump_whose_bytes_changed_is_not_used_and_a_file_not_ours_not_replaced(
    three_articles, tmp_path, monkeypatch
):
    """The kept N-Triples dump replaced by a file of the same size with one byte changed: its
    sha256 is not the recorded one, so both N-Triples and Turtle are merged whole (the cold
    build's bytes), and the file, which guian-kg did not put there, is left as it is."""
    from guian_kg.build import build
    from guian_kg.corpus import Corpus

    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    shutil.copytree(three_articles, corpus)
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(cache))
    build(tmp_path / "dist", corpus=Corpus(corpus))
    kept = _kept(cache, "nt")
    text = kept.read_bytes()
    kept.unlink()  # dist/ keeps its own
    at = len(text) // 2
    forged = text[:at] + (b"x" if text[at : at + 1] != b"x" else b"y") + text[at + 1 :]
    kept.write_bytes(forged)
    _edit(corpus, tmp_path, [(ARTICLE, "for the benchmarks.", "changed.")])
    build(tmp_path / "dist", corpus=Corpus(corpus))
    assert patched(cache / "dumps") == ["nq", "trig"]
    assert kept.read_bytes() == forged
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cold-cache"))
    build(tmp_path / "cold", corpus=Corpus(corpus))
    assert _files(tmp_path / "dist") == _files(tmp_path / "cold")


def test_a_kept_dump_edited_in_place_with_its_mtime_set_back_is_not_used(three_articles, tmp_path):
    """The previous N-Triples dump edited through its link in the output folder, one byte, its
    size and mtime as before: only its ctime tells (cache_files.KeptFile), and the rebuild merges
    N-Triples and Turtle whole, into the cold build's bytes."""
    from guian_kg.build import load, write_dump_files
    from guian_kg.corpus import Corpus

    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    shutil.copytree(three_articles, corpus)
    first = tmp_path / "first"
    first.mkdir()
    write_dump_files(load(corpus=Corpus(corpus), cache_dir=cache, dump_runs=True), first)
    edited = first / "guian-kg.nt"
    before = edited.stat()
    text = edited.read_bytes()
    at = text.index(b"synthetic-00001")  # in a line the rebuild would copy
    with open(edited, "r+b") as handle:
        handle.seek(at)
        handle.write(b"S")
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (edited.stat().st_size, edited.stat().st_mtime_ns) == (
        before.st_size,
        before.st_mtime_ns,
    )
    _edit(corpus, tmp_path, [(ARTICLE, "for the benchmarks.", "changed.")])
    rebuilt = _dumps(corpus, cache, tmp_path / "rebuilt")
    assert patched(cache / "dumps") == ["nq", "trig"]
    assert rebuilt == _dumps(corpus, tmp_path / "cold-cache", tmp_path / "cold")


def test_a_dump_written_into_its_own_kept_file_s_folder_leaves_the_kept_file_whole(
    three_articles, tmp_path, monkeypatch
):
    """write_dump_files twice into one folder: the second patches from the first's files, which
    are the same files as the folder's; it writes new files, never through the kept ones."""
    from guian_kg.build import load, write_dump_files
    from guian_kg.corpus import Corpus

    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    shutil.copytree(three_articles, corpus)
    out = tmp_path / "out"
    out.mkdir()
    write_dump_files(load(corpus=Corpus(corpus), cache_dir=cache, dump_runs=True), out)
    before = _kept(cache, "nq").read_bytes()
    _edit(corpus, tmp_path, [(ARTICLE, "for the benchmarks.", "changed.")])
    write_dump_files(load(corpus=Corpus(corpus), cache_dir=cache, dump_runs=True), out)
    assert patched(cache / "dumps") == ALL
    cold = tmp_path / "cold"
    cold.mkdir()
    write_dump_files(load(corpus=Corpus(corpus), cache_dir=None), cold)
    assert _files(out) == _files(cold)
    assert before != _kept(cache, "nq").read_bytes()
    assert os.stat(_kept(cache, "nq")).st_nlink == 2  # out/'s and the cache's


def test_a_kept_file_is_proven_again_after_a_link_only_if_still_as_written(tmp_path):
    """The proof (cache_files.note_kept) goes stale at a link of the file, as publishing makes;
    prove_kept takes it again only while the file's size and mtime are those written: a write
    in between (its mtime moves) leaves the file unproven."""
    from guian_kg.cache_files import (
        KeptFile,
        Unproven,
        kept_proof,
        note_kept,
        prove_kept,
        written_stamp,
    )

    kept = tmp_path / "guian-kg.nt"
    kept.write_bytes(b"<http://e/s> <http://e/p> <http://e/o> .\n")
    written = written_stamp(kept)
    note_kept(tmp_path, "nt", {kept.name: written})
    proof = kept_proof(tmp_path, "nt", kept.name, written)
    st = kept.stat()
    assert proof == [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    with KeptFile.opened(kept, proof) as opened:
        assert opened.size == st.st_size
    os.link(kept, tmp_path / "published.nt")
    with pytest.raises(Unproven), KeptFile.opened(kept, proof):
        pass
    prove_kept(tmp_path)
    proof = kept_proof(tmp_path, "nt", kept.name, written)
    assert proof is not None and proof[4] == kept.stat().st_ctime_ns
    with open(tmp_path / "published.nt", "r+b") as handle:  # through the other link
        handle.write(b"<")
    prove_kept(tmp_path)
    assert kept_proof(tmp_path, "nt", kept.name, written) is None


def _sorting_counted(monkeypatch) -> list[bytes]:
    """The texts dump_runs sorts from now on in this process, where both groups of dumps run."""
    from guian_kg import build, dump_runs

    sorted_texts: list[bytes] = []
    real = dump_runs.utf8_runs
    monkeypatch.setattr(
        dump_runs, "utf8_runs", lambda text: sorted_texts.append(text) or real(text)
    )
    monkeypatch.setattr(build, "available_cores", lambda: 1)
    return sorted_texts


def _entries(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "shortcut-runs").iterdir())


def test_the_shortcuts_runs_are_sorted_once_per_content_and_used_while_current(
    three_articles, tmp_path, monkeypatch
):
    """Both groups of dumps take the shortcuts' runs from one entry of CACHE/shortcut-runs: sorted
    by the first group of a cold build, by neither in a rebuild whose shortcuts are the same, once
    where they changed (the entry of the previous ones kept while the records name it, for the
    rebuild to see which changed), and the dumps are a cold build's bytes each time."""
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    shutil.copytree(three_articles, corpus)
    sorted_texts = _sorting_counted(monkeypatch)
    _dumps(corpus, cache, tmp_path / "dist")
    assert len(sorted_texts) == 1 and b"heldByPlaceWithin" in sorted_texts[0]
    first = _entries(cache)
    assert len(first) == 1
    steps = [  # (the edit, the texts the rebuild sorts)
        ([(ARTICLE, "for the benchmarks.", "changed.")], 0),  # the same shortcuts
        ([("-", "synthetic-00003")], 1),  # its designations' shortcuts gone
        ([("-", "synthetic-00003")], 0),  # back: the records' entry, kept beside the last one
        ([("-", "synthetic-00001")], 1),  # and the one before that deleted
    ]
    seen = []
    for n, (edit, sorts) in enumerate(steps):
        _edit(corpus, tmp_path, edit)
        before, previous = len(sorted_texts), _entries(cache)
        rebuilt = _dumps(corpus, cache, tmp_path / f"rebuilt-{n}")
        assert len(sorted_texts) - before == sorts
        assert patched(cache / "dumps") == ALL
        assert rebuilt == _dumps(corpus, tmp_path / f"cold-cache-{n}", tmp_path / f"cold-{n}")
        seen += [name for name in _entries(cache) if name not in seen]
        # This build's entry and the one the records named before it.
        assert len(_entries(cache)) == (1 if n == 0 else 2)
        assert sorts or _entries(cache) == previous
    assert _entries(cache) == sorted({first[0], seen[-1]})
    assert len(seen) == 3


def test_a_shortcuts_entry_whose_bytes_changed_is_sorted_again_and_a_missing_one_merges_whole(
    three_articles, tmp_path, monkeypatch
):
    """The shortcuts' entry with one predicate changed in its Turtle order, its size kept: its
    sha256 is not the one its mark records, so it is sorted again (and replaced: it is ours),
    and the dumps merged whole are a cold build's; the previous build's entry gone, a rebuild
    whose shortcuts changed cannot tell which did: its dumps are merged whole."""
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    shutil.copytree(three_articles, corpus)
    sorted_texts = _sorting_counted(monkeypatch)
    cold = _dumps(corpus, cache, tmp_path / "dist")
    (entry,) = (cache / "shortcut-runs").iterdir()
    text = entry.read_bytes()
    at = text.rindex(b"heldByPlaceWithin>")  # in the last part: the lines in Turtle's order
    entry.write_bytes(text[:at] + b"heldByPlaceWithim>" + text[at + 18 :])
    shutil.rmtree(cache / "dumps")  # merged whole, from the runs
    assert _dumps(corpus, cache, tmp_path / "again") == cold
    assert len(sorted_texts) == 2 and entry.read_bytes() == text
    entry.unlink()
    _edit(corpus, tmp_path, [("-", "synthetic-00003")])
    rebuilt = _dumps(corpus, cache, tmp_path / "rebuilt")
    assert patched(cache / "dumps") == []
    assert rebuilt == _dumps(corpus, tmp_path / "cold-cache", tmp_path / "cold")


def test_a_file_not_ours_where_the_shortcuts_runs_would_be_is_neither_read_nor_replaced(
    three_articles, tmp_path
):
    """A user's file in the place of the shortcuts' entry (same name, no mark) is not read: the
    dumps are merged whole, into a cold build's bytes, and the file left as it was; nor is a
    user's file beside the entries deleted when new shortcuts' entries replace the old ones."""
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    shutil.copytree(three_articles, corpus)
    _dumps(corpus, cache, tmp_path / "dist")
    (entry,) = (cache / "shortcut-runs").iterdir()
    text = entry.read_bytes()
    entry.write_bytes(b"mine\n" + text[text.index(b"\n") + 1 :])
    notes = cache / "shortcut-runs" / "notes.runs"
    notes.write_bytes(b"my notes\n")
    _edit(corpus, tmp_path, [(ARTICLE, "for the benchmarks.", "changed.")])
    rebuilt = _dumps(corpus, cache, tmp_path / "rebuilt")
    assert patched(cache / "dumps") == []
    assert entry.read_bytes() == b"mine\n" + text[text.index(b"\n") + 1 :]
    assert rebuilt == _dumps(corpus, tmp_path / "cold-cache", tmp_path / "cold")
    for n in range(2):  # new shortcuts twice: entries of ours come and go
        _edit(corpus, tmp_path, [("-", "synthetic-00003")])
        _dumps(corpus, cache, tmp_path / f"more-{n}")
    assert notes.exists() and entry.exists()

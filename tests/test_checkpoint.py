"""A rebuild's graph on a checkpoint of the previous build's store (guian_kg/checkpoint.py): the
bytes, statements, counts and report of a cold build, and the in-memory load wherever the
checkpoint is not proven right."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import corpus_generator
from test_dist import CHANGES, built_before, make_change

from guian_kg import build as build_module
from guian_kg import checkpoint, units
from guian_kg.build import build, from_units, in_memory
from guian_kg.corpus import Corpus
from guian_kg.errors import InputError
from guian_kg.store import DERIVED, MARK, open_store

ARTICLE = "articles/synthetic-00002/article.ttl"
DESIGNATION = "articles/synthetic-00002/designations/01-all-for-one-tourism-zone.ttl"
# A statement the shared unit states too (shared/organizations.ttl).
DUPLICATE = '\norganization:state-council rdfs:label "State Council"@en .\n'


def _as_generated(text: str) -> str:
    return text


def _changed(text: str) -> str:
    return text.replace("for the benchmarks.", "changed.", 1)


def _with_duplicate(text: str) -> str:
    return text + DUPLICATE


@pytest.fixture(autouse=True)
def on_a_checkpoint_whatever_its_size(monkeypatch):
    """The corpora here are far below checkpoint.AT_LEAST."""
    monkeypatch.setattr(checkpoint, "AT_LEAST", 0)


@pytest.fixture(scope="module")
def three_articles(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("three-articles")
    corpus_generator().generate(out, 3, seed=5)
    return out


def _rebuilt_and_cold(
    three_articles, tmp_path, monkeypatch, before, after, between=None, path=ARTICLE
):
    """Build the corpus with the text of `path` edited by `before`, then by `after` instead
    (`between(cache)` done between them), and the second corpus again in an empty cache:
    (the rebuild, the cold build)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(three_articles, corpus)
    article = corpus / path
    text = article.read_text(encoding="utf-8")
    article.write_text(before(text), encoding="utf-8")
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    build(tmp_path / "dist", corpus=Corpus(corpus))
    if between is not None:
        between(tmp_path / "cache")
    article.write_text(after(text), encoding="utf-8")
    rebuilt = build(tmp_path / "dist", corpus=Corpus(corpus))
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cold-cache"))
    cold = build(tmp_path / "cold", corpus=Corpus(corpus))
    return rebuilt, cold


def _assert_as_cold(rebuilt, cold, tmp_path) -> str:
    """The rebuild published a cold build's bytes, its store holds and counts what the cold one
    does, its report is the same; how its store was made."""
    files = {p.name: p.read_bytes() for p in sorted((tmp_path / "dist").iterdir())}
    assert files == {p.name: p.read_bytes() for p in sorted((tmp_path / "cold").iterdir())}
    made, loaded = open_store(rebuilt.store), open_store(cold.store)
    assert (made.union_view, made.sizes) == (loaded.union_view, loaded.sizes)
    assert (made.classes, made.timeline) == (loaded.classes, loaded.timeline)
    assert set(made.store) == set(loaded.store)
    assert (rebuilt.store / DERIVED).read_bytes() == (cold.store / DERIVED).read_bytes()
    assert rebuilt.triples == cold.triples == len(loaded.store)
    assert rebuilt.report.text() == cold.report.text()
    assert not list((tmp_path / "cache").glob(".checkpoint-*"))
    return json.loads((rebuilt.store / MARK).read_text())["made"]


def _another_batch(text: str) -> str:
    return text.replace("gk:batch 1 ;", "gk:batch 2 ;", 1)


@pytest.mark.parametrize(
    ("path", "change"),
    [(ARTICLE, _changed), (DESIGNATION, _another_batch)],
    ids=["a changed comment", "a changed integer"],
)
def test_a_rebuild_on_a_checkpoint_reads_and_publishes_what_a_cold_build_does(
    three_articles, tmp_path, monkeypatch, path, change
):
    """The unchanged units are not loaded: the graph is the previous store's copy, read by the
    dumps' and the validation's forked processes each through a handle of its own, then placed
    as the store of the new dump. (An integer: RocksDB's lookup of a pattern with an integer it
    does not hold gives another integer's statements: store.matching.)"""
    rebuilt, cold = _rebuilt_and_cold(
        three_articles, tmp_path, monkeypatch, _as_generated, change, path=path
    )
    assert isinstance(rebuilt.kg.store, checkpoint.Sealed)
    assert rebuilt.kg.store.folder == rebuilt.store  # read from where it was placed
    assert len(rebuilt.kg.store) == cold.triples
    assert _assert_as_cold(rebuilt, cold, tmp_path) == "checkpoint"


def test_a_rebuild_on_a_checkpoint_reads_the_cached_triples_of_no_unchanged_unit(
    three_articles, tmp_path, monkeypatch
):
    """Their statements are the checkpoint's: each is taken from its cache entry's first line
    (their runs keyed by the digest it records), never read whole (units._entry: the changed
    article's entries only, the validation's diff of its statements)."""
    read: list[str] = []
    entry = units._entry

    def counted(cache):
        monkeypatch.setattr(
            units, "_entry", lambda folder, key: read.append(key) or entry(folder, key)
        )

    rebuilt, cold = _rebuilt_and_cold(
        three_articles, tmp_path, monkeypatch, _as_generated, _changed, counted
    )
    assert (rebuilt.kg.units.enriched, rebuilt.kg.units.from_cache) == (1, 3)
    changed = ARTICLE.split("/")[1]  # the article's folder: the end of its IRI
    unchanged = {p.key for p in rebuilt.kg.units.parts if not p.article.endswith(changed)}
    assert len(unchanged) == 3 and read and not unchanged & set(read)
    assert _assert_as_cold(rebuilt, cold, tmp_path) == "checkpoint"


def test_a_rebuild_whose_runs_cannot_be_cached_gives_up_the_checkpoint(
    three_articles, tmp_path, monkeypatch
):
    """The checkpoint is made while the runs are sorted (their keys are known from the units'
    digests): where they then cannot be cached, the graph is loaded in memory, and the store of
    the dump made from it."""

    def unsortable(cache):
        monkeypatch.setattr(build_module, "ensure_runs", lambda *args: None)

    rebuilt, cold = _rebuilt_and_cold(
        three_articles, tmp_path, monkeypatch, _as_generated, _changed, unsortable
    )
    assert rebuilt.kg.runs is None
    assert not isinstance(rebuilt.kg.store, checkpoint.Sealed)
    files = {p.name: p.read_bytes() for p in sorted((tmp_path / "dist").iterdir())}
    assert files == {p.name: p.read_bytes() for p in sorted((tmp_path / "cold").iterdir())}
    assert set(open_store(rebuilt.store).store) == set(open_store(cold.store).store)
    assert rebuilt.triples == cold.triples and rebuilt.report.text() == cold.report.text()
    assert not list((tmp_path / "cache").glob(".checkpoint-*"))  # the one given up, deleted


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_rebuild_of_the_dist_tests_on_a_checkpoint_gives_a_cold_build(
    three_articles, tmp_path, monkeypatch, change
):
    """tests/test_dist.py's changes (an article, an agent and with it a shortcut, a fact moved to
    another article's designation, a shared file: validated whole, articles added and removed)."""
    corpus = built_before(change, three_articles, tmp_path, monkeypatch)
    make_change(change, corpus, tmp_path)
    rebuilt = build(tmp_path / "dist", corpus=Corpus(corpus))
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cold-cache"))
    cold = build(tmp_path / "cold", corpus=Corpus(corpus))
    assert _assert_as_cold(rebuilt, cold, tmp_path) == "checkpoint"


def test_a_small_graph_is_loaded_in_memory(three_articles, tmp_path, monkeypatch):
    """Below checkpoint.AT_LEAST triples, loading the units is as fast as a checkpoint."""
    monkeypatch.setattr(checkpoint, "AT_LEAST", 100_000)
    rebuilt, cold = _rebuilt_and_cold(
        three_articles, tmp_path, monkeypatch, _as_generated, _changed
    )
    assert cold.triples < checkpoint.AT_LEAST
    assert not isinstance(rebuilt.kg.store, checkpoint.Sealed)
    assert _assert_as_cold(rebuilt, cold, tmp_path) == "updated"


def test_a_statement_of_two_units_is_not_taken_out_with_one(three_articles, tmp_path, monkeypatch):
    """The previous graph holds a statement of the shared unit and of the article: the units'
    counts do not add up to its size, so the article's statements are not taken out of a copy
    of its store (the statement stays, held by the shared unit): loaded in memory. (The graph is
    the first build's: so is its dump, whose store is kept.)"""
    rebuilt, cold = _rebuilt_and_cold(
        three_articles, tmp_path, monkeypatch, _with_duplicate, _as_generated
    )
    assert not isinstance(rebuilt.kg.store, checkpoint.Sealed)
    assert _assert_as_cold(rebuilt, cold, tmp_path) == "loaded"


def test_a_statement_put_in_that_another_unit_holds_gives_up_the_checkpoint(
    three_articles, tmp_path, monkeypatch
):
    """The article now states what the shared unit does: put into the copy, it would be counted
    twice (and the next rebuild's count would not hold): loaded in memory. (The graph is the
    first build's: so is its dump, whose store is kept.)"""
    rebuilt, cold = _rebuilt_and_cold(
        three_articles, tmp_path, monkeypatch, _as_generated, _with_duplicate
    )
    assert not isinstance(rebuilt.kg.store, checkpoint.Sealed)
    assert _assert_as_cold(rebuilt, cold, tmp_path) == "loaded"


def _only_store(cache: Path) -> Path:
    (store,) = cache.glob("store-*")
    return store


def _without_mark(cache: Path) -> None:
    (_only_store(cache) / MARK).unlink()


def _without_a_shortcut(cache: Path) -> None:
    derived = _only_store(cache) / DERIVED
    derived.write_bytes(b"".join(derived.read_bytes().splitlines(keepends=True)[1:]))


@pytest.mark.parametrize(
    ("between", "made"),
    [(_without_mark, "loaded"), (_without_a_shortcut, "updated")],
    ids=["not ours", "its shortcuts not as kept"],
)
def test_a_previous_store_not_proven_is_not_copied(
    three_articles, tmp_path, monkeypatch, between, made
):
    """A store without our mark is not the previous build's; one whose kept shortcuts do not
    add up with its units to its size is not as its mark says: loaded in memory."""
    rebuilt, cold = _rebuilt_and_cold(
        three_articles, tmp_path, monkeypatch, _as_generated, _changed, between
    )
    assert not isinstance(rebuilt.kg.store, checkpoint.Sealed)
    assert _assert_as_cold(rebuilt, cold, tmp_path) == made


class _Forgetful:
    """A store whose removals do not happen."""

    def __init__(self, store: ox.Store):
        self._store = store

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def __contains__(self, quad: ox.Quad) -> bool:
        return quad in self._store

    def __iter__(self):
        return iter(self._store)

    def remove(self, quad: ox.Quad) -> None:
        pass


def test_a_write_that_does_not_read_back_gives_up_the_checkpoint(
    three_articles, tmp_path, monkeypatch
):
    """A statement taken out of the copy that is still there: loaded in memory."""
    opened = checkpoint._writable
    monkeypatch.setattr(checkpoint, "_writable", lambda db: _Forgetful(opened(db)))
    rebuilt, cold = _rebuilt_and_cold(
        three_articles, tmp_path, monkeypatch, _as_generated, _changed
    )
    assert not isinstance(rebuilt.kg.store, checkpoint.Sealed)
    assert _assert_as_cold(rebuilt, cold, tmp_path) == "updated"


def test_a_whole_validation_of_a_checkpoint_reads_its_graph_made_again_in_memory(
    three_articles, tmp_path, monkeypatch
):
    """A validation that runs whole (another ontology, shapes or code, the shared unit changed)
    reads the graph in memory, made again from the units' cache as load makes it: the same
    statements as the checkpoint's."""
    rebuilt, cold = _rebuilt_and_cold(
        three_articles, tmp_path, monkeypatch, _as_generated, _changed
    )
    assert isinstance(rebuilt.kg.store, checkpoint.Sealed)
    statements = set(open_store(cold.store).store)
    assert set(from_units(rebuilt.kg)) == set(rebuilt.kg.store) == statements
    # A unit no longer cached: the checkpoint's statements copied.
    monkeypatch.setattr(build_module, "cached_triples", lambda cache_dir, part: None)
    assert from_units(rebuilt.kg) is None
    memory = in_memory(rebuilt.kg)
    assert isinstance(memory, ox.Store) and set(memory) == statements


@pytest.mark.parametrize("failing", ["check_pending", "describe"])
def test_a_rebuild_that_fails_on_a_checkpoint_leaves_no_copy_behind(
    three_articles, tmp_path, monkeypatch, failing
):
    """A failure once the copy is made (a citation check, or the description, that raises)
    deletes the copy's folder at once, not at the next build's sweep."""
    corpus = tmp_path / "corpus"
    shutil.copytree(three_articles, corpus)
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    build(tmp_path / "dist", corpus=Corpus(corpus))
    article = corpus / ARTICLE
    article.write_text(_changed(article.read_text(encoding="utf-8")), encoding="utf-8")
    copies = []
    on_previous = checkpoint.on_previous
    monkeypatch.setattr(
        checkpoint, "on_previous", lambda *a: copies.append(on_previous(*a)) or copies[-1]
    )

    def unfound(*_):
        raise InputError("a citation not found")

    monkeypatch.setattr(build_module, failing, unfound)
    with pytest.raises(InputError, match="a citation not found"):
        build(tmp_path / "dist", corpus=Corpus(corpus))
    assert len(copies) == 1 and isinstance(copies[0], checkpoint.Checkpoint)
    assert list((tmp_path / "cache").glob(f"{checkpoint._SCRATCH}*")) == []

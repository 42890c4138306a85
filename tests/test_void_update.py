"""A rebuild counts its dataset description's statistics from those of the previous build's store
(guian_kg.void_update): the figures a count on the whole graph gives; where the previous store
cannot serve (missing, not whole, not ours, counted by other code, its shortcuts not kept), that
count, and a user's file in the cache is neither read nor replaced."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import corpus_generator

from guian_kg import resources, void, void_update
from guian_kg import store as stores
from guian_kg.build import KnowledgeGraph, build, load
from guian_kg.corpus import Corpus
from guian_kg.iri import Iris
from guian_kg.terms import node

ARTICLES = 4  # built; a fifth is kept aside, to be added


def article(corpus: Path, n: int) -> Path:
    return corpus / "articles" / f"synthetic-{n:05d}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A generated corpus of 4 articles, built once: its cache holds the store of its dump."""
    root = tmp_path_factory.mktemp("built")
    corpus_generator().generate(root / "corpus", ARTICLES + 1, seed=3)
    shutil.move(article(root / "corpus", ARTICLES + 1), root / "aside")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GUIAN_KG_CACHE_DIR", str(root / "cache"))
        build(root / "dist", corpus=Corpus(root / "corpus"))
    return root


@pytest.fixture
def copy(built, tmp_path, monkeypatch) -> Path:
    """The built corpus and its cache, to change."""
    for name in ("corpus", "cache", "aside"):
        shutil.copytree(built / name, tmp_path / name)
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def rebuilt(root: Path, **options) -> tuple[KnowledgeGraph, void.Statistics | None]:
    """The graph loaded again as the build loads it, and the statistics counted from the previous
    build's store (None where they could not be)."""
    kg = load(corpus=Corpus(root / "corpus"), cache_dir=root / "cache", dump_runs=True, **options)
    counted, _ = void_update.counted_from_previous(kg.store, kg.runs, root / "cache")
    return kg, counted


def described_as_counted_whole(kg: KnowledgeGraph) -> None:
    """The description load made is the one counted on the whole graph."""
    name = node(Iris().graph("void"))
    made = set(kg.store.quads_for_pattern(None, None, None, name))
    whole = {ox.Quad(*triple, name) for triple in _triples(void.describe(kg.store, kg.sources))}
    assert made == whole


def _triples(graph) -> list[tuple]:
    from guian_kg.terms import to_oxigraph

    return [tuple(to_oxigraph(term) for term in triple) for triple in graph]


def not_counted_whole(store: ox.Store) -> void.Statistics:
    raise AssertionError("the statistics were counted on the whole graph")


def changed_text(root: Path) -> None:
    path = article(root / "corpus", 3) / "article.ttl"
    path.write_text(path.read_text("utf-8").replace("for the benchmarks.", "changed.", 1), "utf-8")


def removed_article(root: Path) -> None:
    shutil.rmtree(article(root / "corpus", 2))


def added_article(root: Path) -> None:
    shutil.move(root / "aside", article(root / "corpus", ARTICLES + 1))


def removed_designation(root: Path) -> None:
    """A designation goes, with its shortcuts, its class's entity and its unique terms."""
    (path, *_) = sorted((article(root / "corpus", 1) / "designations").glob("*.ttl"))
    path.unlink()


def place_within_another(root: Path) -> None:
    """The shortcuts of designations of every article change (gk:heldByPlaceContaining)."""
    path = article(root / "corpus", 2) / "article.ttl"
    stated = "\nplace:guian-station schema:containedInPlace place:guian-new-area .\n"
    path.write_text(path.read_text(encoding="utf-8") + stated, encoding="utf-8")


CHANGES = [changed_text, removed_article, added_article, removed_designation, place_within_another]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_a_rebuild_counts_from_the_previous_store_what_a_count_of_the_whole_graph_gives(
    copy, change, monkeypatch
):
    before = void.statistics(load(corpus=Corpus(copy / "corpus"), cache_dir=None).store)
    change(copy)
    with monkeypatch.context() as patch:
        patch.setattr(void, "statistics", not_counted_whole)
        kg, counted = rebuilt(copy)
    assert counted is not None
    assert counted == void.statistics(kg.store) != before
    described_as_counted_whole(kg)


def test_a_change_of_the_ontology_is_counted_too(copy):
    ontology = []
    for path in resources.ontology_files():
        ontology.append(copy / path.name)
        shutil.copy(path, ontology[-1])
    term = (
        "\n<https://w3id.org/guian-kg/ontology#Unused> a <http://www.w3.org/2002/07/owl#Class> .\n"
    )
    with open(ontology[0], "a", encoding="utf-8") as handle:
        handle.write(term)
    kg, counted = rebuilt(copy, ontology_paths=ontology)
    assert counted is not None
    assert counted == void.statistics(kg.store)
    assert (
        counted.triples == void.statistics(load(corpus=Corpus(copy / "corpus")).store).triples + 1
    )


def test_the_store_notes_what_counted_its_description(built):
    (store,) = [p for p in (built / "cache").glob("store-*") if (p / stores.MARK).is_file()]
    code, digest = json.loads((store / stores.MARK).read_text())["described_by"].split(" ")
    assert code == void_update.statistics_code()
    assert (built / "cache" / "shortcuts" / f"{digest}.nt").is_file()


def _stores(root: Path) -> list[Path]:
    return sorted((root / "cache").glob("store-*"))


def no_store(root: Path) -> None:
    for path in _stores(root):
        shutil.rmtree(path)


def corrupt_store(root: Path) -> None:
    for path in _stores(root):
        (path / "db" / "CURRENT").write_bytes(b"not a RocksDB file")


def store_not_ours(root: Path) -> None:
    for path in _stores(root):
        (path / stores.MARK).write_text('{"mine": true}\n')


def counted_by_other_code(root: Path) -> None:
    for path in _stores(root):
        mark = json.loads((path / stores.MARK).read_text())
        mark["described_by"] = "0" * 32 + mark["described_by"][32:]
        (path / stores.MARK).write_text(json.dumps(mark))


def shortcuts_not_kept(root: Path) -> None:
    shutil.rmtree(root / "cache" / "shortcuts")


def shortcuts_not_ours(root: Path) -> None:
    for path in (root / "cache" / "shortcuts").iterdir():
        path.write_bytes(b"someone else's notes\n")


FALLBACKS: list[Callable[[Path], None]] = [
    no_store,
    corrupt_store,
    store_not_ours,
    counted_by_other_code,
    shortcuts_not_kept,
    shortcuts_not_ours,
]


@pytest.mark.parametrize("fallback", FALLBACKS, ids=[f.__name__ for f in FALLBACKS])
def test_where_the_previous_store_cannot_serve_the_statistics_are_counted_whole(copy, fallback):
    place_within_another(copy)  # its shortcuts change: the kept ones are needed
    fallback(copy)
    cache = sorted(p for p in (copy / "cache").rglob("*") if p.is_file())
    held = {p: p.read_bytes() for p in cache if b"guian-kg" not in p.read_bytes()[:64]}
    kg, counted = rebuilt(copy)
    assert counted is None
    described_as_counted_whole(kg)
    assert {p: p.read_bytes() for p in held} == held  # what is not ours, untouched


def test_a_users_file_where_the_shortcuts_would_be_kept_is_not_replaced(copy):
    place_within_another(copy)
    kept = copy / "cache" / "shortcuts"
    before = set(kept.iterdir())
    rebuilt(copy)
    (new,) = set(kept.iterdir()) - before
    new.write_bytes(b"someone else's notes\n")
    rebuilt(copy)
    assert new.read_bytes() == b"someone else's notes\n"


@pytest.mark.parametrize("fallback", [None, corrupt_store], ids=["counted", "corrupt_store"])
def test_a_rebuild_publishes_what_a_cold_build_does(copy, tmp_path_factory, fallback):
    place_within_another(copy)
    if fallback is not None:
        fallback(copy)
    rebuild = build(copy / "dist", corpus=Corpus(copy / "corpus"))
    cold_root = tmp_path_factory.mktemp("cold")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GUIAN_KG_CACHE_DIR", str(cold_root / "cache"))
        cold = build(cold_root / "dist", corpus=Corpus(copy / "corpus"))
    assert rebuild.report.text() == cold.report.text()
    names = sorted(p.name for p in (cold_root / "dist").iterdir())
    assert sorted(p.name for p in (copy / "dist").iterdir()) == names
    for name in names:
        assert (copy / "dist" / name).read_bytes() == (cold_root / "dist" / name).read_bytes(), name
    rebuilt_store, cold_store = stores.open_store(rebuild.store), stores.open_store(cold.store)
    assert rebuilt_store.sizes == cold_store.sizes
    assert set(rebuilt_store.store) == set(cold_store.store)

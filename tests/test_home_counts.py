"""The home page's instances per class: counted when the store was made and kept in its mark
(guian_kg/store.py), read from there by `serve --dist`; counted again where the mark has none
(an older guian-kg's store) or has counts that do not fit its sizes."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import corpus_generator
from rdflib import URIRef
from rdflib.namespace import RDF
from starlette.testclient import TestClient

from guian_kg import DEFAULT_BASE
from guian_kg import store as stores
from guian_kg.build import build, load
from guian_kg.corpus import Corpus
from guian_kg.iri import Iris
from guian_kg.server.app import create_app

DATA = str(Iris().graph("data"))
ROW = re.compile(r'<tr><th scope="row"><a href="([^"]+)">.*?</th><td>(\d+)</td></tr>')


def home_counts(dist: Path) -> dict[str, int]:
    """The counts table of `serve --dist`'s home page: the link of each class, and its number
    (no lifespan: the query workers are not started, the page needs none)."""
    html = TestClient(create_app(dist, workers=1)).get("/?lang=en").text
    table = re.search(r'<table class="counts">.*?</table>', html, re.DOTALL).group()
    return {href: int(n) for href, n in ROW.findall(table)}


def typed(corpus: Corpus | None = None) -> dict[str, int]:
    """rdf:type statements per class IRI of the data graph, counted by rdflib, each class as the
    home page links it."""
    data = (load(corpus=corpus) if corpus else load()).data
    counts = Counter(o for o in data.objects(None, RDF.type) if isinstance(o, URIRef))
    return {
        "/" + c[len(DEFAULT_BASE) :] if c.startswith(DEFAULT_BASE) else str(c): n
        for c, n in counts.items()
    }


@pytest.fixture
def built(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """The project's data built into dist/ (its store in a cache of this test's): (dist, store)."""
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    made = build(tmp_path / "dist")
    return tmp_path / "dist", made.store


def edit_mark(store: Path, edit) -> None:
    mark = json.loads((store / stores.MARK).read_text())
    edit(mark)
    (store / stores.MARK).write_text(json.dumps(mark), encoding="ascii")


def test_the_home_page_counts_each_class_of_the_real_data_from_the_store_s_mark(built):
    dist, store = built
    expected = typed()
    assert expected["/ontology#Designation"] == 13 and expected["/ontology#Quote"] == 228
    assert sum(expected.values()) == 624 and len(expected) == 16
    opened = stores.open_store(store)
    assert opened.classes is not None and len(opened.classes[DATA]) == 16
    assert home_counts(dist) == expected
    # What the page shows is the mark's: a count changed there (still within the graph's size)
    # is shown as it is, so the page counted nothing itself.
    edit_mark(
        store, lambda mark: mark["classes"][DATA].update({f"{DEFAULT_BASE}ontology#Quote": 1})
    )
    assert home_counts(dist) == expected | {"/ontology#Quote": 1}


def test_the_home_page_counts_each_class_of_a_generated_corpus(tmp_path, monkeypatch):
    corpus_generator().generate(tmp_path / "corpus", 3, seed=5)
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    made = build(tmp_path / "dist", corpus=Corpus(tmp_path / "corpus"))
    expected = typed(Corpus(tmp_path / "corpus"))
    assert stores.open_store(made.store).classes[DATA] == {
        (DEFAULT_BASE + c[1:] if c.startswith("/") else c): n for c, n in expected.items()
    }
    assert home_counts(tmp_path / "dist") == expected


def test_a_store_without_class_counts_in_its_mark_has_them_counted(built):
    """A store an older guian-kg made: its mark holds sizes only."""
    dist, store = built
    edit_mark(store, lambda mark: mark.pop("classes"))
    assert stores.open_store(store).classes is None
    assert home_counts(dist) == typed()


@pytest.mark.parametrize(
    "tamper",
    [
        # more rdf:type statements in the data graph than it has triples
        lambda mark: mark["classes"][DATA].update({"http://e/C": mark["sizes"][DATA]}),
        lambda mark: mark["classes"][DATA].update({"http://e/C": "3"}),  # not a number
        lambda mark: mark["classes"][DATA].update({"http://e/C": 0}),  # a count never kept
        lambda mark: mark["classes"].update({"http://e/other-graph": {"http://e/C": 1}}),
    ],
)
def test_class_counts_that_do_not_fit_the_mark_s_sizes_are_not_trusted(built, tamper):
    dist, store = built
    edit_mark(store, tamper)
    assert stores.open_store(store).classes is None
    assert home_counts(dist) == typed()

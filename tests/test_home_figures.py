"""The home page's instances per class and the designations its timeline draws: found when the
store was made and kept in its mark (guian_kg/home_figures.py), read from there by `serve --dist`;
found again where the mark has none (an older guian-kg's store) or has figures that do not fit it."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import corpus_generator
from rdflib import URIRef
from rdflib.namespace import RDF
from starlette.testclient import TestClient

from guian_kg import DEFAULT_BASE
from guian_kg import store as stores
from guian_kg.build import build, load
from guian_kg.corpus import Corpus
from guian_kg.home_figures import MAX_MARKS, dated_designations, timeline_figure, trusted_timeline
from guian_kg.iri import Iris
from guian_kg.server.app import create_app

DATA = str(Iris().graph("data"))
ROW = re.compile(r'<tr><th scope="row"><a href="([^"]+)">.*?</th><td>(\d+)</td></tr>')


GK = f"{DEFAULT_BASE}ontology#"
MARK = re.compile(r'<a class="mark" href="([^"]+)"')


def home(dist: Path) -> str:
    """`serve --dist`'s home page (no lifespan: the query workers are not started, the page
    needs none)."""
    return TestClient(create_app(dist, workers=1)).get("/?lang=en").text


def home_counts(dist: Path) -> dict[str, int]:
    """The counts table of the home page: the link of each class, and its number."""
    table = re.search(r'<table class="counts">.*?</table>', home(dist), re.DOTALL).group()
    return {href: int(n) for href, n in ROW.findall(table)}


def home_timeline(dist: Path) -> list[str]:
    """The links of the timeline's marks, top to bottom."""
    svg = re.search(r'<svg class="timeline".*?</svg>', home(dist), re.DOTALL).group()
    return MARK.findall(svg)


def found(store: Path) -> list[str]:
    """The links of the designations the timeline draws, found in the store now."""
    opened = stores.open_store(store)
    dated, _ = dated_designations(opened.store, GK)
    return ["/" + iri[len(DEFAULT_BASE) :] for _, _, iri in dated]


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


def test_the_timeline_draws_the_designations_the_store_s_mark_holds(built):
    dist, store = built
    opened = stores.open_store(store)
    assert opened.timeline["gk"] == GK and opened.timeline["more"] is False
    assert opened.timeline["dated"] == dated_designations(opened.store, GK)[0]
    drawn = found(store)
    assert (
        len(drawn) == 10 and drawn[0] == "/id/designation/beautiful-village-standardisation-pilot"
    )
    assert home_timeline(dist) == drawn
    # The page draws what the mark holds: a designation left out there is not drawn.
    edit_mark(store, lambda mark: mark["timeline"]["dated"].pop(0))
    assert home_timeline(dist) == drawn[1:]


def test_a_store_without_a_timeline_in_its_mark_has_it_found(built):
    dist, store = built
    edit_mark(store, lambda mark: mark.pop("timeline"))
    assert stores.open_store(store).timeline is None
    assert home_timeline(dist) == found(store)


def _designations(mark: dict, n: int) -> None:
    mark["classes"][DATA][f"{GK}Designation"] = n


@pytest.mark.parametrize(
    "tamper",
    [
        lambda mark: mark["timeline"]["dated"].reverse(),  # out of order
        lambda mark: mark["timeline"]["dated"].append(mark["timeline"]["dated"][-1]),  # twice
        lambda mark: mark["timeline"]["dated"][0].__setitem__(1, "2014-02-30"),  # no such day
        lambda mark: mark["timeline"]["dated"][0].__setitem__(2, "2"),  # not a number
        lambda mark: _designations(mark, 9),  # more drawn than the designations counted
        lambda mark: mark["timeline"].update({"more": True}) or _designations(mark, 10),
        lambda mark: mark["classes"][DATA].update({"http://e/C": 0}),  # class counts not trusted
    ],
)
def test_a_timeline_that_does_not_fit_the_mark_is_not_trusted(built, tamper):
    dist, store = built
    edit_mark(store, tamper)
    assert stores.open_store(store).timeline is None
    assert home_timeline(dist) == found(store)


def test_the_timeline_keeps_the_first_designations_in_date_then_number_order():
    """MAX_MARKS of MAX_MARKS + 2 dated designations, the day before the number; one without a
    number after those with the same day; one whose start is no xsd:date left out; one with two
    starts at the least."""
    store, data = ox.Store(), ox.NamedNode(f"{DEFAULT_BASE}graph/data")
    designation, start, number = (
        ox.NamedNode(f"{GK}{n}") for n in ("Designation", "periodStart", "sequenceNumber")
    )
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    day = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")

    def add(name: str, date: str, n: int | None, datatype=day) -> None:
        iri = ox.NamedNode(f"{DEFAULT_BASE}id/designation/{name}")
        store.add(ox.Quad(iri, a, designation, data))
        store.add(ox.Quad(iri, start, ox.Literal(date, datatype=datatype), data))
        if n is not None:
            store.add(
                ox.Quad(
                    iri,
                    number,
                    ox.Literal(
                        str(n), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
                    ),
                    data,
                )
            )

    for i in range(MAX_MARKS + 2):
        add(f"d{i:03}", f"{2001 + i % 7}-01-01", MAX_MARKS + 2 - i)
    add("undated", "2000-01-01", 1, ox.NamedNode("http://www.w3.org/2001/XMLSchema#string"))
    add("first-unnumbered", "2000-01-01", None)
    add("first-numbered", "2000-01-01", 5)
    add("twice", "2030-01-01", 9)
    add("twice", "1999-06-01", 9)  # its least start counts, whatever the store's order
    dated, more = dated_designations(store, GK)
    assert more is True and len(dated) == MAX_MARKS
    names = [iri.rsplit("/", 1)[1] for _, _, iri in dated]
    assert names[:4] == ["twice", "first-numbered", "first-unnumbered", "d098"]
    assert [d for d, _, _ in dated] == sorted(d for d, _, _ in dated)
    sizes = {data.value: len(store), "": len(store)}
    figure = timeline_figure(store, sizes)
    classes = {data.value: {f"{GK}Designation": MAX_MARKS + 6}}
    assert trusted_timeline(figure, classes) == {"gk": GK, "dated": dated, "more": True}

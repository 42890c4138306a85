"""A rebuild validates around what changed since the last clean validation (guian_kg.incremental),
and its report is the full validation's: the same verdict, the same results."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import corpus_generator
from rdflib import Graph
from rdflib.namespace import RDF

from guian_kg import incremental, locality, sparql_constraints
from guian_kg.build import build, check, load, shapes_graph
from guian_kg.corpus import Corpus
from guian_kg.dump_patch import patched
from guian_kg.errors import ValidationFailed
from guian_kg.store import MARK
from guian_kg.validate import Report, validate_store

ARTICLES = 4
GK, DCTERMS, SCHEMA = (
    "https://w3id.org/guian-kg/ontology#",
    "http://purl.org/dc/terms/",
    "https://schema.org/",
)


def results(report: Report) -> list[tuple]:
    """What each result says; a property shape, a blank node, is named by its messages."""
    return sorted(
        (r.focus, r.constraint, r.path, r.value, r.severity, r.messages)
        + ((r.shape,) if r.shape.startswith("http") else ())
        for r in report.results
    )


def article(corpus: Path, n: int) -> Path:
    return corpus / "articles" / f"synthetic-{n:05d}"


def designation(corpus: Path, n: int, number: int) -> Path:
    (path,) = (article(corpus, n) / "designations").glob(f"{number:02d}-*.ttl")
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed, count = re.subn(old, new, text, count=1)
    assert count == 1, (path, old)
    path.write_text(changed, encoding="utf-8")


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    """A generated corpus whose article 2 points at a programme of article 1, built once: its
    unit cache and its validation record (the graph conforms, without any result)."""
    root = tmp_path_factory.mktemp("clean")
    corpus = root / "corpus"
    corpus_generator().generate(corpus, ARTICLES, seed=4)
    programme = re.search(
        r"gk:programme (programme:\S+)", designation(corpus, 1, 3).read_text(encoding="utf-8")
    )[1]
    edit(designation(corpus, 2, 3), r"gk:programme programme:\S+", f"gk:programme {programme}")
    kg = load(corpus=Corpus(corpus), cache_dir=root / "cache")
    report = check(kg)
    assert results(report) == [] and report.units == (ARTICLES + 1, ARTICLES + 1)
    assert (root / "cache" / incremental.RECORD).is_file()
    return root


def broken_reference(corpus: Path) -> None:
    edit(designation(corpus, 3, 2), r"gk:programme programme:\S+", "gk:programme programme:nowhere")


def duplicated_sequence_number_across_two_articles(corpus: Path) -> None:
    """A designation of article 3 quotes article 1 and takes the number of one of article 1's:
    both break the rule, and article 1's designation is far from the change."""
    quote = re.search(r"gk:quote (quote:\S+)", designation(corpus, 1, 2).read_text("utf-8"))[1]
    edit(
        designation(corpus, 3, 1),
        r"gk:sequenceNumber 1 ;",
        f"gk:sequenceNumber 2 ; gk:quote {quote} ;",
    )


def duplicated_sequence_number_in_one_article(corpus: Path) -> None:
    edit(designation(corpus, 3, 4), r"gk:sequenceNumber 4 ;", "gk:sequenceNumber 5 ;")


def wrong_datatype(corpus: Path) -> None:
    edit(designation(corpus, 3, 5), r"qudt:value ([0-9.]+) ;", r'qudt:value "\1" ;')


def removed_article_another_pointed_at(corpus: Path) -> None:
    shutil.rmtree(article(corpus, 1))


def valid_change(corpus: Path) -> None:
    edit(designation(corpus, 3, 6), r'"@en ;', ' (renamed)"@en ;')


def wrong_shortcut(corpus: Path) -> None:
    """A shortcut written by hand that does not follow (Beijing holds nothing)."""
    edit(
        designation(corpus, 3, 7),
        r"gk:sequenceNumber 7 ;",
        "gk:sequenceNumber 7 ; gk:heldByPlaceWithin place:beijing ;",
    )


def wrong_stated_form(corpus: Path) -> None:
    """A statement's stated form that its quote does not hold."""
    (path,) = sorted(
        p
        for p in (article(corpus, 3) / "designations").glob("*.ttl")
        if "gk:statedForm" in p.read_text("utf-8")
    )[:1]
    edit(path, r'gk:statedForm "', 'gk:statedForm "引文里没有的字样" , "')


CHANGES = [
    (broken_reference, False),
    (duplicated_sequence_number_across_two_articles, False),
    (duplicated_sequence_number_in_one_article, False),
    (wrong_datatype, False),
    (removed_article_another_pointed_at, False),
    (wrong_shortcut, False),
    (wrong_stated_form, False),
    (valid_change, True),
]
# What a change breaks that a rule around the change must find (the shape's name, or for a
# property shape, a blank node, its path).
FOUND_BY = {
    duplicated_sequence_number_across_two_articles: GK + "sequenceNumber",
    duplicated_sequence_number_in_one_article: GK + "sequenceNumber",
    wrong_shortcut: "https://w3id.org/guian-kg/shapes#ShortcutShape",
    wrong_stated_form: "https://w3id.org/guian-kg/shapes#StatedFormShape",
}


@pytest.mark.parametrize(("change", "conforms"), CHANGES, ids=[c.__name__ for c, _ in CHANGES])
def test_a_rebuild_validates_one_article_and_reports_what_a_full_validation_does(
    clean, tmp_path, change, conforms
):
    shutil.copytree(clean, tmp_path, dirs_exist_ok=True)
    change(tmp_path / "corpus")
    kg = load(corpus=Corpus(tmp_path / "corpus"), cache_dir=tmp_path / "cache")
    report = check(kg)
    full = validate_store(kg.store, shapes_graph())
    units = len(kg.units.parts)
    assert report.units == (1, units)  # validated around the change, not whole
    assert (report.conforms, results(report)) == (full.conforms, results(full))
    assert report.conforms is conforms
    if change in FOUND_BY:
        sparql = "http://www.w3.org/ns/shacl#SPARQLConstraintComponent"
        found = {
            r.shape if r.shape.startswith("http") else r.path
            for r in report.results
            if r.constraint == sparql
        }
        assert FOUND_BY[change] in found
    record = (tmp_path / "cache" / incremental.RECORD).read_bytes()
    assert (record == (clean / "cache" / incremental.RECORD).read_bytes()) is not conforms


def test_a_change_to_the_place_hierarchy_validates_whole_and_the_shortcut_rule_runs_whole(
    tmp_path,
):
    """The shortcut rule follows the place hierarchy along a path of any length. Article 2 puts
    Beijing in Shanghai and Shanghai in Gui'an New Area, which holds a designation of article 1
    whose shortcut says it is held by a place containing Beijing; then takes the second link
    away. The designation is no node the change touched (it points at Beijing, not at Shanghai):
    a rebuild validates such a change whole, and validate_store runs the rule whole around a
    change whose triples have a predicate of the path."""
    corpus = tmp_path / "corpus"
    corpus_generator().generate(corpus, ARTICLES, seed=4)
    links = "place:beijing schema:containedInPlace place:shanghai .\n"
    link = "place:shanghai schema:containedInPlace place:guian-new-area .\n"
    with (article(corpus, 2) / "article.ttl").open("a", encoding="utf-8") as handle:
        handle.write(links + link)
    held = "gk:sequenceNumber 1 ; gk:heldByPlaceContaining place:beijing ;"
    edit(designation(corpus, 1, 1), r"gk:sequenceNumber 1 ;", held)
    report = check(load(corpus=Corpus(corpus), cache_dir=tmp_path / "cache"))
    assert (report.units, report.results) == ((ARTICLES + 1, ARTICLES + 1), [])
    edit(article(corpus, 2) / "article.ttl", re.escape(link), "")
    kg = load(corpus=Corpus(corpus), cache_dir=tmp_path / "cache")
    report = check(kg)
    full = validate_store(kg.store, shapes_graph())
    assert report.units == (ARTICLES + 1, ARTICLES + 1)  # validated whole
    assert (report.conforms, results(report)) == (full.conforms, results(full))
    assert [r.shape.rsplit("#", 1)[-1] for r in report.results] == ["ShortcutShape"]
    # The nodes the removed link touches, and those that point at its subject (as focus finds).
    place = "https://w3id.org/guian-kg/id/place/"
    shanghai = ox.NamedNode(place + "shanghai")
    nodes = {shanghai.value, place + "guian-new-area"}
    nodes |= {q.subject.value for q in kg.store.quads_for_pattern(None, None, shanghai)}
    assert not any("/designation/" in node for node in nodes)
    changed = {SCHEMA + "containedInPlace": {shanghai.value}}
    around = validate_store(kg.store, shapes_graph(), around=nodes, changed=changed)
    assert (around.conforms, results(around)) == (full.conforms, results(full))


def test_a_sentence_with_a_sentence_is_found_around_the_change(clean, tmp_path):
    """The build refuses a sentence quote that has a sentence (anchor.py); the rule that checks it
    behind the build, run around a change that adds one in the store, finds what the whole
    graph's run finds: both quotes that break it, one the change touched, one pointing at it."""
    shutil.copytree(clean, tmp_path, dirs_exist_ok=True)
    kg = load(corpus=Corpus(tmp_path / "corpus"), cache_dir=tmp_path / "cache")
    sentence = ox.NamedNode(GK + "sentence")
    narrow = next(kg.store.quads_for_pattern(None, sentence, None))
    added = ox.Triple(narrow.object, sentence, narrow.object)
    kg.store.add(ox.Quad(*added, narrow.graph_name))
    nodes = incremental.focus(kg.store, {added})
    changed = incremental._by_predicate({added}, nodes)
    around = validate_store(kg.store, shapes_graph(), around=nodes, changed=changed)
    full = validate_store(kg.store, shapes_graph())
    assert (around.conforms, results(around)) == (full.conforms, results(full))
    found = {(r.shape.rsplit("#", 1)[-1], r.value) for r in around.results}
    assert found == {
        ("SentenceShape", narrow.subject.value),
        ("SentenceShape", narrow.object.value),
    }


def test_a_node_that_becomes_a_designation_with_a_taken_number_is_found_around_the_change(
    clean, tmp_path
):
    """A node with the sequence number and a quote of an article's designation, not a designation
    until the change types it one: the rule of unique numbers, run around the change (a triple
    whose predicate is rdf:type, on no chain to the article), finds both designations."""
    shutil.copytree(clean, tmp_path, dirs_exist_ok=True)
    kg = load(corpus=Corpus(tmp_path / "corpus"), cache_dir=tmp_path / "cache")
    number, quote = ox.NamedNode(GK + "sequenceNumber"), ox.NamedNode(GK + "quote")
    taken = next(kg.store.quads_for_pattern(None, number, None))
    other = ox.NamedNode("https://w3id.org/guian-kg/id/designation/other")
    kg.store.add(ox.Quad(other, number, taken.object, taken.graph_name))
    for q in kg.store.quads_for_pattern(taken.subject, quote, None):
        kg.store.add(ox.Quad(other, quote, q.object, q.graph_name))
    typed = ox.Triple(other, ox.NamedNode(str(RDF.type)), ox.NamedNode(GK + "Designation"))
    kg.store.add(ox.Quad(*typed, taken.graph_name))
    nodes = incremental.focus(kg.store, {typed})
    changed = incremental._by_predicate({typed}, nodes)
    around = validate_store(kg.store, shapes_graph(), around=nodes, changed=changed)
    full = validate_store(kg.store, shapes_graph())
    assert (around.conforms, results(around)) == (full.conforms, results(full))
    numbered = {r.focus for r in around.results if r.path == GK + "sequenceNumber"}
    assert numbered == {taken.subject.value, other.value}


def test_a_rebuild_with_nothing_changed_validates_no_unit(clean, tmp_path):
    shutil.copytree(clean, tmp_path, dirs_exist_ok=True)
    report = check(load(corpus=Corpus(tmp_path / "corpus"), cache_dir=tmp_path / "cache"))
    assert (report.units, report.results) == ((0, ARTICLES + 1), [])


def test_a_change_to_the_shared_files_or_the_shapes_validates_everything(clean, tmp_path):
    shutil.copytree(clean, tmp_path, dirs_exist_ok=True)
    edit(tmp_path / "corpus" / "shared" / "places.ttl", r'"@en', ' (renamed)"@en')
    kg = load(corpus=Corpus(tmp_path / "corpus"), cache_dir=tmp_path / "cache")
    assert check(kg).units == (ARTICLES + 1, ARTICLES + 1)
    shapes = tmp_path / "shapes.ttl"
    shapes.write_bytes(b"".join(path.read_bytes() for path in _shapes_files()) + b"\n# changed\n")
    report = incremental.validate(kg.store, [shapes], kg.units.parts, tmp_path / "cache")
    assert report.units == (ARTICLES + 1, ARTICLES + 1) and report.results == []


def _shapes_files() -> list[Path]:
    from guian_kg import resources

    return resources.shapes_files()


def test_a_record_guian_kg_did_not_write_is_neither_read_nor_replaced(clean, tmp_path):
    shutil.copytree(clean, tmp_path, dirs_exist_ok=True)
    record = tmp_path / "cache" / incremental.RECORD
    record.write_text("my notes\n", encoding="utf-8")
    report = check(load(corpus=Corpus(tmp_path / "corpus"), cache_dir=tmp_path / "cache"))
    assert report.units == (ARTICLES + 1, ARTICLES + 1)
    assert record.read_text(encoding="utf-8") == "my notes\n"


def test_every_project_shape_runs_around_a_change():
    core, constraints = sparql_constraints.split(shapes_graph())
    assert locality.shapes_are_local(core)
    around = {str(c.shape).rsplit("#", 1)[-1]: locality.local_root(c) for c in constraints}
    assert sorted(str(a.variable) for a in around.values()) == ["article", "this"] + ["value"] * 14
    # The sequence numbers of an article join two designations through their article: the run
    # keeps the articles the changed triples' subjects quote (incremental.py says why).
    (sequence,) = (a for a in around.values() if a.variable == "article")
    quoted = (GK + "quote", DCTERMS + "source")
    assert sequence.paths == (
        (DCTERMS + "source", (DCTERMS + "source",)),
        (GK + "quote", quoted),
        (GK + "sequenceNumber", quoted),
    )
    # The shortcuts follow the place hierarchy: around ?value where the change leaves it alone.
    assert around["ShortcutShape"].fixed == (SCHEMA + "containedInPlace", SCHEMA + "containsPlace")
    assert around["ShortcutShape"].each == ()  # ?value substituted, one node at a time
    # Two OPTIONALs: ?value substituted, with the ?sentence its quote has.
    assert around["SentenceShape"].each == (("sentence", GK + "sentence"),)
    assert around["StatedFormShape"] == locality.Around("value")  # gk:quote/oa:exact written out


SPARQL_LOCALITY = {  # (the WHERE clause, local around ?value, the predicates of its paths)
    "one step away inside NOT EXISTS": (
        "{ ?value ex:a ?o FILTER NOT EXISTS { ?o ex:b ?h } }",
        True,
        [],
    ),
    "two steps away inside NOT EXISTS": (
        "{ ?value ex:a ?o FILTER NOT EXISTS { ?o ex:b ?h . ?h ex:c ?k } }",
        False,
        [],
    ),
    "a sequence path, one step away": ("{ ?value ex:a/ex:b ?h }", True, []),
    "a sequence path, two steps away": ("{ ?value ex:a/ex:b/ex:c ?h }", False, []),
    "an inverse step in a sequence": ("{ ?value ex:a/^ex:b ?h }", False, []),
    "a path of any length inside EXISTS": (
        "{ ?value ex:a ?o FILTER EXISTS { ?o (ex:b|^ex:c)* ?h } }",
        True,
        ["http://example.org/b", "http://example.org/c"],
    ),
    "a node reached only by a path of any length": (
        "{ ?value ex:a ?o . ?o ex:b* ?h . ?h ex:c ?k }",
        False,
        ["http://example.org/b"],
    ),
    "a negated path": ("{ ?value ex:a ?o . ?o !ex:b ?h }", False, []),
}


@pytest.mark.parametrize("case", sorted(SPARQL_LOCALITY))
def test_what_a_sparql_constraint_reads_along_paths_and_inside_exists_counts(case):
    where, local, fixed = SPARQL_LOCALITY[case]
    query = f"PREFIX ex: <http://example.org/> SELECT ?value WHERE {where}"
    analysis = locality.analysis_of(query)
    assert (analysis["local"]["value"], analysis["fixed"]) == (local, fixed)


NOT_LOCAL = {
    "a class two steps away": """
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ( ex:p ex:q ) ; sh:class ex:D ] .""",
    "a class behind an inverse path": """
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:class ex:D ] .""",
    "an inverse path from a value": """
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; sh:node [ sh:property [ sh:path [ sh:inversePath ex:q ] ;
                sh:minCount 1 ] ] ] .""",
    "a path of any length": """
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ; sh:minCount 1 ] .""",
}


@pytest.mark.parametrize("case", sorted(NOT_LOCAL))
def test_shapes_that_read_further_are_not_local(case):
    prefixes = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> ."
    local = (
        "ex:L a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:class ex:D ] ."
    )
    assert locality.shapes_are_local(Graph().parse(data=prefixes + local, format="turtle"))
    core = Graph().parse(data=prefixes + NOT_LOCAL[case], format="turtle")
    assert not locality.shapes_are_local(core)


def test_a_record_of_another_form_is_validated_whole_and_replaced(clean, tmp_path):
    shutil.copytree(clean, tmp_path, dirs_exist_ok=True)
    record = tmp_path / "cache" / incremental.RECORD
    record.write_bytes(b'# guian-kg validation record\n{"parts": []}')
    report = check(load(corpus=Corpus(tmp_path / "corpus"), cache_dir=tmp_path / "cache"))
    assert report.units == (ARTICLES + 1, ARTICLES + 1)
    assert record.read_bytes() == (clean / "cache" / incremental.RECORD).read_bytes()


# ---------------------------------------------------------------- validated beside the dumps


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _stores(cache: Path) -> dict[str, bytes]:
    """The on-disk stores in the cache, by their marks."""
    return {path.name: (path / MARK).read_bytes() for path in sorted(cache.glob("store-*"))}


@pytest.fixture
def built(clean, tmp_path, monkeypatch) -> Path:
    """The clean corpus built into tmp_path/dist, its cache tmp_path/cache."""
    shutil.copytree(clean, tmp_path, dirs_exist_ok=True)
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    build(tmp_path / "dist", corpus=Corpus(tmp_path / "corpus"))
    return tmp_path


def test_a_rebuild_that_breaks_a_shape_fails_with_the_report_and_publishes_nothing(
    built, monkeypatch
):
    """Validated around the change, beside the dumps (their record in the cache is this build's):
    the failure brings the full validation's report, dist/ and the on-disk stores are as they
    were; once the change is undone, nothing is built, and a rebuild publishes the bytes of a cold
    build."""
    corpus, cache = built / "corpus", built / "cache"
    dist, stores, records = _files(built / "dist"), _stores(cache), _files(cache / "dumps")
    text = designation(corpus, 3, 2).read_bytes()
    broken_reference(corpus)
    with pytest.raises(ValidationFailed) as failed:
        build(built / "dist", corpus=Corpus(corpus))
    full = validate_store(load(corpus=Corpus(corpus), cache_dir=None).store, shapes_graph())
    blank = re.compile(r"\bn[0-9a-f]{32}b[0-9]+\b")  # a property shape's label, made per parse
    assert blank.sub("_", failed.value.report) == blank.sub("_", full.text())
    assert failed.value.results == len(full.results) > 0
    assert _files(built / "dist") == dist and _stores(cache) == stores
    assert _files(cache / "dumps") != records  # the dumps were written beside the validation
    assert not list(cache.glob(".dist-*")) and not list(cache.glob(".store-tmp-*"))
    assert not list(cache.glob(".checkpoint-*"))  # the rebuild's graph, on a copy of the store

    designation(corpus, 3, 2).write_bytes(text)
    # The failed build left dist/'s files as the last build recorded them (its dumps were kept
    # beside theirs): nothing to build. Without that record, as validated: no unit validated.
    assert build(built / "dist", corpus=Corpus(corpus)).unchanged
    (cache / "build-record").unlink()
    rebuilt = build(built / "dist", corpus=Corpus(corpus))
    assert rebuilt.report.units == (0, ARTICLES + 1) and "validate wait" in rebuilt.timings
    assert _files(built / "dist") == dist
    assert patched(cache / "dumps") == ["nq", "nt", "trig", "ttl"]  # from the unpublished ones


def test_a_rebuild_validated_beside_its_dumps_publishes_a_cold_build_s_bytes_and_records_it(
    built, tmp_path_factory, monkeypatch
):
    corpus = built / "corpus"
    valid_change(corpus)
    rebuilt = build(built / "dist", corpus=Corpus(corpus))
    assert rebuilt.report.units == (1, ARTICLES + 1) and "validate wait" in rebuilt.timings
    cold = tmp_path_factory.mktemp("cold")
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(cold / "cache"))
    build(cold / "dist", corpus=Corpus(corpus))
    assert _files(built / "dist") == _files(cold / "dist")
    # The record the forked validation wrote is the one a validation here writes.
    record = (built / "cache" / incremental.RECORD).read_bytes()
    assert record == (cold / "cache" / incremental.RECORD).read_bytes()


# ---------------------------------------------------------------- the JSON-LD dumps, piece by piece

# What an edit of article 2 changes in the JSON-LD (guian_kg.jsonld_pieces), and the node whose
# statements it changes: a designation is framed again exactly when its object embeds that node.
NESTED = "organization:mohurd"  # an agent of designations of articles 1 and 3 as well
JSONLD_CHANGES = {
    # an article states where a shared organisation sits: its nesting moves in other articles
    "an article nests a shared organisation": (
        "article.ttl",
        None,
        f"\n{NESTED} org:subOrganizationOf organization:state-council .\n",
        NESTED,
    ),
    "an article labels a shared organisation": (
        "article.ttl",
        None,
        '\norganization:nea skos:altLabel "能源局"@zh .\n',
        "organization:nea",
    ),
    # the facts of a designation are a reverse link (^gk:designation): one moves to another's
    "a fact moves to another article's designation": (
        "designations/01-all-for-one-tourism-zone.ttl",
        "gk:designation designation:all-for-one-tourism-zone-a00002 ;",
        "gk:designation designation:all-for-one-tourism-zone-a00001 ;",
        "observation:all-for-one-tourism-zone-1-a00002",
    ),
    "an article's own description": (
        "article.ttl",
        "for the benchmarks.",
        "changed.",
        "article:synthetic-00002",
    ),
}


@pytest.fixture(scope="module")
def three_articles(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("three-articles")
    corpus_generator().generate(out, 3, seed=5)
    return out


def _jsonld(kg, folder: Path, parts) -> tuple[tuple | None, tuple | None, bytes, bytes]:
    """(compacted pieces made, framed pieces made, guian-kg.jsonld, designations.jsonld), both
    written as the build writes them."""
    from guian_kg.jsonld_pieces import write_jsonld

    folder.mkdir()
    made, framed = write_jsonld(kg.store, folder / "c.jsonld", folder / "d.jsonld", parts)
    return made, framed, (folder / "c.jsonld").read_bytes(), (folder / "d.jsonld").read_bytes()


def _each_alone(kg, folder: Path, parts) -> tuple[tuple | None, tuple | None, bytes, bytes]:
    """`_jsonld`, each document written by its own writer (a pass over the data graph each)."""
    from guian_kg.jsonld_pieces import write_compacted, write_designations

    folder.mkdir()
    made = write_compacted(kg.store, folder / "c.jsonld", parts)
    framed = write_designations(kg.store, folder / "d.jsonld", parts)
    return made, framed, (folder / "c.jsonld").read_bytes(), (folder / "d.jsonld").read_bytes()


def _embedding(document: bytes, node_id: str) -> set[str]:
    """The designations whose object in a designations.jsonld embeds the node `node_id` (an
    object of its own, not a reference by id)."""

    def embeds(value) -> bool:
        if isinstance(value, list):
            return any(embeds(v) for v in value)
        if isinstance(value, dict):
            return value.get("id") == node_id or any(embeds(v) for v in value.values())
        return False

    return {d["id"] for d in json.loads(document)["@graph"] if embeds(d)}


@pytest.mark.parametrize("change", sorted(JSONLD_CHANGES))
def test_a_rebuild_makes_again_the_json_ld_pieces_that_read_what_changed(
    three_articles, tmp_path, change
):
    from guian_kg.build import _pieces

    path, old, new, changed = JSONLD_CHANGES[change]
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    shutil.copytree(three_articles, corpus)
    kg = load(corpus=Corpus(corpus), cache_dir=cache, dump_runs=True)
    made, framed, _, before = _jsonld(kg, tmp_path / "first", _pieces(kg))
    data = ox.NamedNode("https://w3id.org/guian-kg/graph/data")
    subjects = len({q.subject for q in kg.store.quads_for_pattern(None, None, None, data)})
    assert made == (subjects, subjects) and framed == (30, 30)  # all made: no record yet
    target = article(corpus, 2) / path
    if old is None:
        target.write_text(target.read_text(encoding="utf-8") + new, encoding="utf-8")
    else:
        edit(target, re.escape(old), new)
    kg = load(corpus=Corpus(corpus), cache_dir=cache, dump_runs=True)
    rebuilt = _jsonld(kg, tmp_path / "rebuilt", _pieces(kg))
    cold = _jsonld(kg, tmp_path / "cold", None)
    assert rebuilt[2:] == cold[2:]  # the very bytes of the whole documents
    assert cold[:2] == (None, (30, 30))  # no pieces kept: all made
    assert rebuilt[0] == (1, made[1])  # the node of the changed subject alone
    reframed = _embedding(before, changed) | _embedding(cold[3], changed)
    assert rebuilt[1] == (len(reframed), 30)
    # a shared organisation is embedded by designations of other articles; an article by none
    shared = change.startswith(("an article nests", "an article labels"))
    assert len(reframed) < 30 and (len(reframed) > 2) is shared
    others = {d for d in reframed if not d.endswith("-a00002")}  # designations of other articles
    assert bool(others) is (change != "an article's own description")


def test_a_record_of_json_ld_pieces_guian_kg_did_not_write_is_neither_read_nor_replaced(
    three_articles, tmp_path
):
    from guian_kg.build import _pieces

    kg = load(corpus=Corpus(three_articles), cache_dir=tmp_path / "cache", dump_runs=True)
    foreign = tmp_path / "cache" / "jsonld" / "designations.pieces"
    foreign.parent.mkdir(parents=True)
    foreign.write_bytes(b"someone else's notes\n")
    made = _jsonld(kg, tmp_path / "first", _pieces(kg))
    assert made[1] == (30, 30) and foreign.read_bytes() == b"someone else's notes\n"
    again = _jsonld(kg, tmp_path / "again", _pieces(kg))
    assert again[0] == (0, made[0][1])  # the compacted graph's record serves
    assert again[1] == (30, 30) and again[2:] == made[2:]


def _other_byte_order(meta: dict, body: bytes) -> tuple[dict, bytes]:
    order = {"little": "big", "big": "little"}[meta["sections"]["order"]]
    return {**meta, "sections": {**meta["sections"], "order": order}}, body


def _items_cut_short(meta: dict, body: bytes) -> tuple[dict, bytes]:
    sections = {**meta["sections"], "items": meta["sections"]["items"] - 8}
    return {**meta, "sections": sections}, body[:-8]


@pytest.mark.parametrize("tamper", [_other_byte_order, _items_cut_short])
def test_a_record_of_json_ld_pieces_whose_lists_do_not_hold_is_not_used(
    three_articles, tmp_path, tamper
):
    from guian_kg.build import _pieces
    from guian_kg.cache_files import read_entry, write_entry
    from guian_kg.jsonld_pieces import _MARK

    kg = load(corpus=Corpus(three_articles), cache_dir=tmp_path / "cache", dump_runs=True)
    made = _jsonld(kg, tmp_path / "first", _pieces(kg))
    record = tmp_path / "cache" / "jsonld" / "designations.pieces"
    meta, body = read_entry(record, _MARK)
    meta.pop("bytes")
    assert write_entry(record, _MARK, *tamper(meta, body))
    again = _jsonld(kg, tmp_path / "again", _pieces(kg))
    assert again[0] == (0, made[0][1])  # the compacted graph's record serves
    assert again[1] == (30, 30) and again[2:] == made[2:]  # the framed one made whole, the same


def test_a_data_graph_naming_a_blank_node_is_compacted_whole_and_keeps_no_pieces(
    three_articles, tmp_path
):
    """A store relabels blank nodes: guian-kg.jsonld is compacted whole, no piece kept."""
    from guian_kg.build import _pieces
    from guian_kg.compaction import compact_quads
    from guian_kg.jsonld_pieces import write_compacted

    kg = load(corpus=Corpus(three_articles), cache_dir=tmp_path / "cache", dump_runs=True)
    data = ox.NamedNode("https://w3id.org/guian-kg/graph/data")
    see_also = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
    node = ox.NamedNode("https://w3id.org/guian-kg/id/place/guian-new-area")
    kg.store.add(ox.Quad(node, see_also, ox.BlankNode("b0"), data))
    path = tmp_path / "c.jsonld"
    assert write_compacted(kg.store, path, _pieces(kg)) is None
    everything = compact_quads(kg.store.quads_for_pattern(None, None, None, None))
    assert path.read_text(encoding="utf-8") == everything and '"_:b0"' in everything
    assert not (tmp_path / "cache" / "jsonld" / "compacted.pieces").exists()


def _write_jsonld(kg, folder: Path, parts) -> tuple[tuple | None, tuple]:
    """Both JSON-LD documents written into `folder` (which may hold those of a previous build)."""
    from guian_kg.jsonld_pieces import write_jsonld

    return write_jsonld(kg.store, folder / "c.jsonld", folder / "d.jsonld", parts)


def test_a_cold_build_fills_both_json_ld_node_maps_in_one_pass_into_the_bytes_of_each_writer(
    three_articles, tmp_path, monkeypatch
):
    """With no pieces kept, both documents come from one pass over the data graph
    (jsonld_pass), neither writer's own pass run: the answers and bytes of each writer alone,
    and the pieces they keep serve a rebuild as theirs do."""
    from guian_kg import jsonld_pieces
    from guian_kg.build import _pieces

    corpus = tmp_path / "corpus"
    shutil.copytree(three_articles, corpus)
    kg = load(corpus=Corpus(corpus), cache_dir=tmp_path / "cache", dump_runs=True)
    alone = _each_alone(kg, tmp_path / "alone", _pieces(kg))
    shutil.rmtree(tmp_path / "cache" / "jsonld")
    with monkeypatch.context() as patch:

        def refused(*args, **kwargs):
            raise AssertionError("a pass of one document's own")

        patch.setattr(jsonld_pieces, "graph_pieces", refused)
        patch.setattr(jsonld_pieces, "frame_pieces", refused)
        both = _jsonld(kg, tmp_path / "both", _pieces(kg))
    subjects = alone[0][1]
    assert both == alone and alone[:2] == ((subjects, subjects), (30, 30))
    _edit_article_2(corpus)
    kg = load(corpus=Corpus(corpus), cache_dir=tmp_path / "cache", dump_runs=True)
    rebuilt = _jsonld(kg, tmp_path / "rebuilt", _pieces(kg))
    cold = _each_alone(kg, tmp_path / "cold", None)
    assert rebuilt[:2] == ((1, subjects), (0, 30)) and rebuilt[2:] == cold[2:]


def test_a_data_graph_naming_a_blank_node_gives_each_json_ld_document_as_its_writer_alone(
    three_articles, tmp_path
):
    """The one pass stops at a blank node: guian-kg.jsonld is compacted whole, and framing
    refuses it, as each writer alone does."""
    from guian_kg.build import _pieces
    from guian_kg.compaction import CompactionUnsupported, compact_quads

    kg = load(corpus=Corpus(three_articles), cache_dir=tmp_path / "cache", dump_runs=True)
    data = ox.NamedNode("https://w3id.org/guian-kg/graph/data")
    see_also = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
    node = ox.NamedNode("https://w3id.org/guian-kg/id/place/guian-new-area")
    kg.store.add(ox.Quad(node, see_also, ox.BlankNode("b0"), data))
    with pytest.raises(CompactionUnsupported, match="framing a blank node"):
        _write_jsonld(kg, tmp_path, _pieces(kg))
    everything = compact_quads(kg.store.quads_for_pattern(None, None, None, None))
    assert (tmp_path / "c.jsonld").read_text(encoding="utf-8") == everything


def _kept_document(cache: Path, name: str) -> Path:
    """The document NAME (compacted, designations) the last build kept, as its record names it."""
    from guian_kg.cache_files import read_entry
    from guian_kg.jsonld_pieces import _MARK

    folder = cache / "jsonld"
    return folder / read_entry(folder / f"{name}.pieces", _MARK)[0]["kept"]["name"]


def _edit_article_2(corpus: Path) -> None:
    edit(article(corpus, 2) / "article.ttl", re.escape("for the benchmarks."), "changed.")


def test_a_rebuild_copies_the_kept_json_ld_documents_and_writes_none_through(
    three_articles, tmp_path
):
    """The documents are kept as hard links in the cache; the rebuild writes new files (never
    through those links), copying the unchanged pieces from the kept ones, and keeps them."""
    from guian_kg.build import _pieces

    corpus, cache, dist = tmp_path / "corpus", tmp_path / "cache", tmp_path / "dist"
    shutil.copytree(three_articles, corpus)
    dist.mkdir()
    kg = load(corpus=Corpus(corpus), cache_dir=cache, dump_runs=True)
    first = _write_jsonld(kg, dist, _pieces(kg))
    kept = {"c.jsonld": _kept_document(cache, "compacted")}
    kept["d.jsonld"] = _kept_document(cache, "designations")
    before, old = {}, {}
    for name, path in kept.items():
        assert path.samefile(dist / name)  # a link, no copy
        before[name] = (dist / name).read_bytes()
        # the first build's files, to look at after: held open (a link would move their ctime)
        old[name] = open(path, "rb")  # noqa: SIM115 - closed below
    path, _, new, _ = JSONLD_CHANGES["an article labels a shared organisation"]
    target = article(corpus, 2) / path
    target.write_text(target.read_text(encoding="utf-8") + new, encoding="utf-8")
    kg = load(corpus=Corpus(corpus), cache_dir=cache, dump_runs=True)
    rebuilt = _write_jsonld(kg, dist, _pieces(kg))  # over the first build's, linked as kept
    (tmp_path / "cold").mkdir()
    _write_jsonld(kg, tmp_path / "cold", None)
    assert rebuilt[0] == (1, first[0][1])  # the organisation's node…
    assert 2 < rebuilt[1][0] < 30 and rebuilt[1][1] == 30  # …and the designations embedding it…
    for name, path in kept.items():  # …written between the pieces copied, the cold bytes
        assert (dist / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()
        with old[name] as handle:
            assert handle.read() == before[name]  # not written through
            assert path.stat().st_ino == os.fstat(handle.fileno()).st_ino  # kept till published
        assert before[name] != (dist / name).read_bytes()
        document = _kept_document(cache, "compacted" if name == "c.jsonld" else "designations")
        assert document.samefile(dist / name)
    again = _write_jsonld(kg, dist, _pieces(kg))  # nothing changed since: all copied
    assert again == ((0, first[0][1]), (0, 30))
    for name in kept:
        assert (dist / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()


def test_a_kept_json_ld_document_not_as_recorded_is_not_used_and_one_not_ours_not_replaced(
    three_articles, tmp_path
):
    """A kept document edited through its link (same size, its mtime set back: only its ctime
    tells) is not copied from: the document is made whole, into the cold bytes. A file in the kept one's place that
    guian-kg did not put there is neither used nor replaced."""
    from guian_kg.build import _pieces

    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    shutil.copytree(three_articles, corpus)
    (tmp_path / "first").mkdir()
    kg = load(corpus=Corpus(corpus), cache_dir=cache, dump_runs=True)
    made, _ = _write_jsonld(kg, tmp_path / "first", _pieces(kg))
    compacted = tmp_path / "first" / "c.jsonld"
    text = compacted.read_bytes()
    at = text.index(b"synthetic-00001")  # in a node the rebuild would copy
    before = compacted.stat()
    with open(compacted, "r+b") as handle:  # as a user's editor might: through the link
        handle.seek(at)
        handle.write(b"SYNTHETIC")
    os.utime(compacted, ns=(before.st_atime_ns, before.st_mtime_ns))  # only its ctime tells
    foreign = _kept_document(cache, "designations")
    foreign.unlink()
    foreign.write_bytes(b"someone else's notes\n")
    _edit_article_2(corpus)
    kg = load(corpus=Corpus(corpus), cache_dir=cache, dump_runs=True)
    (tmp_path / "rebuilt").mkdir()
    rebuilt = _write_jsonld(kg, tmp_path / "rebuilt", _pieces(kg))
    (tmp_path / "cold").mkdir()
    _write_jsonld(kg, tmp_path / "cold", None)
    assert rebuilt == (made, (30, 30))  # all made again
    for name in ("c.jsonld", "d.jsonld"):
        assert (tmp_path / "rebuilt" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()
    assert foreign.read_bytes() == b"someone else's notes\n"
    assert _kept_document(cache, "compacted").samefile(tmp_path / "rebuilt" / "c.jsonld")


def test_a_rebuild_makes_again_the_nodes_whose_shortcuts_changed_in_unchanged_articles(
    three_articles, tmp_path
):
    """An article that puts a shared place within another changes the shortcuts of designations
    of every article (gk:heldByPlaceContaining): their nodes are made again although their units
    did not change, from the shortcuts' lines kept by the previous build."""
    from guian_kg.build import _pieces
    from guian_kg.shortcuts import shortcut_ntriples

    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    shutil.copytree(three_articles, corpus)
    data = ox.NamedNode("https://w3id.org/guian-kg/graph/data")
    kg = load(corpus=Corpus(corpus), cache_dir=cache, dump_runs=True)
    before = set(shortcut_ntriples(kg.store, data).splitlines())
    (tmp_path / "first").mkdir()
    made, _ = _write_jsonld(kg, tmp_path / "first", _pieces(kg))
    target = article(corpus, 2) / "article.ttl"
    station = "https://w3id.org/guian-kg/id/place/guian-station"
    stated = "\nplace:guian-station schema:containedInPlace place:guian-new-area .\n"
    target.write_text(target.read_text(encoding="utf-8") + stated, encoding="utf-8")
    kg = load(corpus=Corpus(corpus), cache_dir=cache, dump_runs=True)
    changed = before ^ set(shortcut_ntriples(kg.store, data).splitlines())
    subjects = {line.split(" ", 1)[0][1:-1] for line in changed}
    assert len({s.rsplit("-", 1)[1] for s in subjects}) == 3  # designations of every article
    (tmp_path / "rebuilt").mkdir()
    rebuilt, _ = _write_jsonld(kg, tmp_path / "rebuilt", _pieces(kg))
    (tmp_path / "cold").mkdir()
    _write_jsonld(kg, tmp_path / "cold", None)
    assert rebuilt == (len(subjects | {station}), made[1])
    for name in ("c.jsonld", "d.jsonld"):
        assert (tmp_path / "rebuilt" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()


def test_the_shortcuts_count_as_changed_at_every_focus_node():
    """No unit's triples hold the shortcuts: for a rule whose key a shortcut leads to, each focus
    node counts as the subject of a changed one (incremental.py says why that covers them)."""
    triple = ox.Triple(ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:p"), ox.Literal("1"))
    found = incremental._by_predicate({triple}, {"urn:x:a", "urn:x:b"})
    assert found == {"urn:x:p": {"urn:x:a"}} | {
        GK + name: {"urn:x:a", "urn:x:b"}
        for name in ("involves", "heldByPlaceContaining", "heldByPlaceWithin")
    }

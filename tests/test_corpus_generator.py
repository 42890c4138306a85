"""The synthetic corpus of the scale benchmarks (benchmarks/corpus.py): shaped like the real
article, deterministic, and every quote anchored in its own article's text and no other's."""

from __future__ import annotations

import filecmp
import hashlib
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import corpus_generator
from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF, XSD

from guian_kg.anchor import find_all
from guian_kg.build import check, load
from guian_kg.corpus import Article, Corpus
from guian_kg.namespaces import GK, OA, ORG, SCHEMA
from guian_kg.read import parse_files
from guian_kg.resources import ontology_files

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus_module() -> ModuleType:
    return corpus_generator()


@pytest.fixture(scope="module")
def corpus(corpus_module, tmp_path_factory) -> Path:
    """A 2-article corpus, seed 0."""
    out = tmp_path_factory.mktemp("corpus")
    corpus_module.generate(out, 2, seed=0)
    return out


@pytest.fixture(scope="module")
def articles(corpus) -> dict[str, tuple[Graph, dict[str, str]]]:
    """Each article's own triples (its Turtle files, as written) and its text by IRI, by slug."""
    folders = sorted((corpus / "articles").iterdir())
    assert [f.name for f in folders] == ["synthetic-00001", "synthetic-00002"]
    return {
        f.name: (parse_files(sorted(f.rglob("*.ttl"))), {Article(f).iri: Article(f).text()})
        for f in folders
    }


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_the_same_seed_writes_the_same_bytes(corpus_module, corpus, tmp_path):
    again = tmp_path / "again"
    corpus_module.generate(again, 2, seed=0)
    files = _tree(corpus)
    assert files == _tree(again) and len(files) == 2 + 2 * 14
    same, mismatch, errors = filecmp.cmpfiles(corpus, again, files, shallow=False)
    assert (len(same), mismatch, errors) == (len(files), [], [])


def test_another_seed_writes_another_corpus(corpus_module, corpus, tmp_path):
    other = tmp_path / "other"
    corpus_module.generate(other, 2, seed=1)
    name = "articles/synthetic-00001/source.zh.txt"
    assert (other / name).read_bytes() != (corpus / name).read_bytes()


def test_the_corpus_has_the_layout_of_issue_9(corpus):
    assert _tree(corpus / "shared") == ["organizations.ttl", "places.ttl"]
    assert (corpus / "shared" / "places.ttl").read_bytes() == (
        ROOT / "data/shared/places.ttl"
    ).read_bytes()
    for folder in (corpus / "articles").iterdir():
        source = (folder / "source.zh.txt").read_bytes()
        digest = hashlib.sha256(source).hexdigest()
        assert (folder / "SHA256SUMS").read_text() == f"{digest}  source.zh.txt\n"
        article = f"https://w3id.org/guian-kg/id/article/{folder.name}"
        triples = parse_files([folder / "article.ttl"])
        assert str(triples.value(None, RDF.type, SCHEMA.NewsArticle)) == article
        assert len(list((folder / "designations").glob("*.ttl"))) == 10


def test_every_article_has_the_same_counts(corpus_module, articles):
    for graph, _ in articles.values():

        def count(cls, graph=graph) -> int:
            return len(set(graph.subjects(RDF.type, cls)))

        assert len(graph) == corpus_module.TRIPLES_PER_ARTICLE == 1696
        assert count(GK.Designation) == 10
        assert count(GK.Programme) == 10
        assert count(GK.Involvement) == 20
        assert count(GK.PolicyDocument) == 3
        assert count(GK.Observation) == 35
        assert count(GK.Milestone) == 4
        assert count(GK.Claim) == 12
        assert count(GK.Quote) == 2 + 2 + 2 + 10 + 35 + 4 + 10 + 35  # + a narrow quote per figure
        assert count(RDF.Statement) == 35
        assert len(set(graph.subjects(GK.status, None))) == 10 + 20 + 35 + 4 + 12 + 35
        precisions = {date.datatype for date in graph.objects(None, GK.date)}
        assert precisions == {XSD.date, XSD.gYearMonth, XSD.gYear}


def test_every_quote_is_in_its_own_article_once_and_in_no_other(articles):
    quotes = narrow = 0
    texts = {s: next(iter(sources.values())) for s, (_, sources) in articles.items()}
    for slug, (graph, _) in articles.items():
        text = texts[slug]
        others = [t for s, t in texts.items() if s != slug]
        for quote, exact in graph.subject_objects(OA.exact):
            sentence = graph.value(quote, GK.sentence)
            if sentence is not None:  # a figure's narrow quote: once in its sentence
                narrow += 1
                assert str(graph.value(sentence, OA.exact)).count(str(exact)) == 1, quote
                continue
            quotes += 1
            assert len(find_all(text, str(exact))) == 1, (quote, str(exact))
            assert all(str(exact) not in other for other in others), quote
            assert str(graph.value(quote, DCTERMS.source)).endswith(f"/article/{slug}")
    assert (quotes, narrow) == (2 * 65, 2 * 35)


def test_stated_values_and_qualifier_words_lie_inside_their_quotes(articles):
    checked = 0
    for graph, _ in articles.values():
        for prop in (GK.statedValue, GK.qualifierText):
            for fact, written in graph.subject_objects(prop):
                exacts = [str(graph.value(q, OA.exact)) for q in graph.objects(fact, GK.quote)]
                assert any(str(written) in exact for exact in exacts), (fact, str(written))
                checked += 1
    assert checked == 2 * (35 + 10)


def test_shared_organisations_are_referenced_from_both_articles(corpus, articles):
    shared = parse_files([corpus / "shared" / "organizations.ttl"])
    orgs = set(shared.subjects(RDF.type, ORG.Organization))
    used = [
        {o for o in graph.objects() if o in orgs} for graph, _ in articles.values()
    ]  # publisher, agents, document creators
    assert all(len(u) >= 3 for u in used)
    assert used[0] & used[1]


def test_the_whole_corpus_conforms_to_the_shapes(corpus):
    # Both articles number their designations 1 to 10: a number is unique within its article.
    kg = load(corpus=Corpus(corpus))
    assert len(kg.sources) == 2
    numbered = sorted(int(n) for n in kg.data.objects(None, GK.sequenceNumber))
    assert numbered == sorted(list(range(1, 11)) * 2)
    report = check(kg)
    assert report.conforms, report.text()


def test_the_generators_vocabulary_uses_only_the_projects_own_terms():
    """benchmarks/corpus_vocabulary.py: every metric, role and qualifier is a concept the ontology
    declares, so synthetic data is shaped like the real one, not like a guess."""

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import corpus_vocabulary as words

    ontology = parse_files(ontology_files())
    concepts = {str(s) for s in ontology.subjects()}
    metrics = [m[0] for m in (*words.EXACT_METRICS, *words.QUALIFIED_METRICS)]
    qualifiers = {m[5] for m in words.QUALIFIED_METRICS}
    ids = "https://w3id.org/guian-kg/id/"
    missing = [
        iri
        for iri in (
            *(f"{ids}metric/{m}" for m in metrics),
            *(f"{ids}role/{r}" for r in words.ROLES),
            *(f"{ids}qualifier/{q}" for q in qualifiers),
        )
        if iri not in concepts
    ]
    assert metrics and missing == []

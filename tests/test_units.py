"""Each unit of the corpus (the shared files, each article) is enriched on its own: in worker
processes when there are many, and from the cache when its files, its article's text and the code
are unchanged. Whatever the path, the graph is the same."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from conftest import corpus_generator

from guian_kg.build import load
from guian_kg.corpus import Corpus
from guian_kg.errors import InputError, QuoteError
from guian_kg.units import data_units, enrich_units
from guian_kg.write import serialize_quads

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated corpus of 8 articles: 9 units, enough for the worker processes."""
    out = tmp_path_factory.mktemp("generated")
    corpus_generator().generate(out, 8, seed=3)
    return out


def nquads(kg) -> str:
    return serialize_quads(kg.store.quads_for_pattern(None, None, None, None), "nq")


@pytest.fixture(scope="module")
def reference(generated) -> str:
    """The graph enriched in this process, without a cache."""
    return nquads(load(corpus=Corpus(generated), cache_dir=None, workers=1))


def test_workers_give_the_same_graph_as_one_process(generated, reference):
    kg = load(corpus=Corpus(generated), cache_dir=None, workers=2)
    assert (kg.units.enriched, kg.units.from_cache) == (9, 0)
    assert nquads(kg) == reference


def test_a_rebuild_enriches_only_the_article_that_changed(generated, reference, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(generated, corpus)
    cache = tmp_path / "cache"
    first = load(corpus=Corpus(corpus), cache_dir=cache, workers=2)
    assert (first.units.enriched, first.units.from_cache) == (9, 0)
    again = load(corpus=Corpus(corpus), cache_dir=cache, workers=2)
    assert (again.units.enriched, again.units.from_cache) == (0, 9)
    assert nquads(again) == reference

    changed = corpus / "articles" / "synthetic-00005" / "article.ttl"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    third = load(corpus=Corpus(corpus), cache_dir=cache, workers=2)
    assert (third.units.enriched, third.units.from_cache) == (1, 8)
    assert nquads(third) == reference


def test_a_cached_unit_is_read_when_needed_and_enriched_again_if_its_entry_changed_meanwhile(
    generated, tmp_path
):
    """A unit taken from the cache is read up to its mark's line; its N-Triples, when needed,
    from its entry if that is still the one taken (else the unit is enriched again: another
    build may have pruned or replaced it meanwhile)."""
    corpus = Corpus(generated)
    units = data_units(None, corpus)
    fresh, _ = enrich_units(units, corpus.sources(), tmp_path, workers=1)
    cached, counts = enrich_units(units, corpus.sources(), tmp_path, workers=1)
    assert (counts.enriched, counts.from_cache) == (0, 9)
    assert [unit.ntriples for unit in cached] == [None] * 9  # not read yet
    assert [unit.digest for unit in cached] == [unit.digest for unit in fresh]
    entries = sorted((tmp_path / "units").glob("*.nt"))
    entries[0].write_bytes(entries[0].read_bytes().replace(b"<", b"<x", 1))  # no longer whole
    entries[1].unlink()
    assert [unit.triples() for unit in cached] == [unit.ntriples for unit in fresh]
    assert [hashlib.sha256(unit.ntriples).hexdigest() for unit in fresh] == [
        unit.digest for unit in fresh
    ]


def test_a_changed_source_text_re_anchors_its_article(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "tests" / "corpus", corpus)
    cache = tmp_path / "cache"
    load(corpus=Corpus(corpus), cache_dir=cache)
    alpha = Corpus(corpus).articles[0]
    text = alpha.source_path.read_text(encoding="utf-8")
    alpha.source_path.write_text("前言。" + text, encoding="utf-8")
    digest = __import__("hashlib").sha256(alpha.source_path.read_bytes()).hexdigest()
    (alpha.folder / "SHA256SUMS").write_text(f"{digest}  {alpha.source_path.name}\n")
    kg = load(corpus=Corpus(corpus), cache_dir=cache)
    # alpha's quotes (and the shared claim's) moved by three code points; beta's did not.
    assert kg.units.enriched >= 1 and kg.units.from_cache >= 1
    reference = load(corpus=Corpus(corpus), cache_dir=None)
    assert nquads(kg) == nquads(reference)


def test_a_failing_article_in_a_worker_raises_its_error_naming_the_fact(generated, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(generated, corpus)
    broken = sorted((corpus / "articles" / "synthetic-00006").rglob("*.ttl"))[-1]
    text = broken.read_text(encoding="utf-8")
    exact = text.index('oa:exact "') + len('oa:exact "')
    broken.write_text(text[:exact] + "不在原文" + text[exact:], encoding="utf-8")
    with pytest.raises(QuoteError, match=r"is not in its source .*synthetic-00006"):
        load(corpus=Corpus(corpus), cache_dir=None, workers=2)


def test_a_cache_file_guian_kg_did_not_write_is_neither_read_nor_replaced(tmp_path):
    cache = tmp_path / "cache"
    kg = load(corpus=Corpus(ROOT / "tests" / "corpus"), cache_dir=cache)
    entries = sorted((cache / "units").glob("*.nt"))
    assert len(entries) == kg.units.enriched == 3  # the shared files, alpha, beta
    foreign = entries[0]
    foreign.write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")  # same name, no mark
    again = load(corpus=Corpus(ROOT / "tests" / "corpus"), cache_dir=cache)
    assert (again.units.enriched, again.units.from_cache) == (1, 2)
    assert foreign.read_bytes() == b"<urn:a> <urn:b> <urn:c> .\n"
    assert nquads(again) == nquads(kg)


def test_a_literal_a_store_would_rewrite_is_refused_naming_the_file_and_its_canonical_form(
    tmp_path,
):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "tests" / "corpus", corpus)
    claims = corpus / "articles" / "fixture-alpha" / "claims.ttl"
    claims.write_text(
        claims.read_text(encoding="utf-8")
        + "\n<https://w3id.org/guian-kg/id/claim/fixture-shared-wetland-park> "
        "<https://w3id.org/guian-kg/ontology#ordinalInProgramme> "
        '"01"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as error:
        load(corpus=Corpus(corpus), cache_dir=None)
    message = str(error.value)
    assert message.startswith(f"{claims}: literals that a triple store would rewrite")
    assert '"01"^^<http://www.w3.org/2001/XMLSchema#integer> (write "1"^^' in message


def test_a_literal_a_store_would_rewrite_is_refused_each_time_beside_those_it_keeps(tmp_path):
    """The literals read back as written are remembered (read.py checks each once per process);
    one that is not, never."""
    from guian_kg.read import read_quads

    integer = "<http://www.w3.org/2001/XMLSchema#integer>"
    kept, rewritten = tmp_path / "kept.ttl", tmp_path / "rewritten.ttl"
    kept.write_text(
        f'<http://example.org/a> <http://example.org/p> "1"^^{integer}, "2"^^{integer} .\n'
    )
    rewritten.write_text(
        f'<http://example.org/a> <http://example.org/p> "1"^^{integer}, "01"^^{integer} .\n'
    )
    for _ in range(2):
        assert len(read_quads(kept)) == 2
        with pytest.raises(InputError) as error:
            read_quads(rewritten)
        assert str(error.value).endswith(
            f'write them in canonical form: "01"^^{integer} (write "1"^^{integer})'
        )

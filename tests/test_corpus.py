"""A corpus of three articles: the project's, and two test articles (tests/corpus/) that quote one shared claim."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import URIRef

from guian_kg.build import build, load
from guian_kg.corpus import Corpus, turtle_files
from guian_kg.errors import InputError, QuoteError
from guian_kg.namespaces import GK, OA
from guian_kg.resources import resource_dir

FIXTURES = Path(__file__).resolve().parent / "corpus"
ID = "https://w3id.org/guian-kg/id/"
ALPHA, BETA = f"{ID}article/fixture-alpha", f"{ID}article/fixture-beta"
SHARED_CLAIM = URIRef(f"{ID}claim/fixture-shared-wetland-park")


@pytest.fixture
def corpus(tmp_path) -> Corpus:
    """A copy of the project's corpus with the two test articles added."""
    root = tmp_path / "corpus"
    shutil.copytree(resource_dir("data"), root)
    shutil.copytree(FIXTURES / "articles", root / "articles", dirs_exist_ok=True)
    return Corpus(root)


def test_the_corpus_lists_its_articles_and_their_files(corpus):
    assert [a.slug for a in corpus.articles] == [
        "fixture-alpha",
        "fixture-beta",
        "guian-national-designations",
    ]
    assert [p.name for p in corpus.shared_files] == ["organizations.ttl", "places.ttl"]
    assert [p.name for p in corpus.articles[0].fact_files] == ["article.ttl", "claims.ttl"]


def test_each_quote_of_a_shared_claim_anchors_in_its_own_article(corpus):
    kg = load(corpus=corpus)
    quotes = sorted(kg.data.objects(SHARED_CLAIM, GK.quote))
    spans = [
        (
            str(kg.data.value(q, URIRef("http://purl.org/dc/terms/source"))),
            int(kg.data.value(q, OA.start)),
            int(kg.data.value(q, OA.end)),
        )
        for q in quotes
    ]
    assert spans == [(ALPHA, 39, 65), (BETA, 34, 54)]
    for source, start, end in spans:
        assert kg.sources[source][start:end] in (
            "贵安新区已建成国内单体最大的海绵城市湿地公园项目之一",
            "这座公园是国内单体最大的海绵城市湿地公园",
        )
    assert sorted(kg.sources) == [ALPHA, BETA, f"{ID}article/guian-national-designations"]


def test_a_corpus_of_three_articles_builds_and_describes_each_source(corpus, tmp_path):
    result = build(tmp_path / "dist", corpus=corpus)
    void = result.kg.void
    sources = sorted(str(o) for o in void.objects(None, URIRef("http://purl.org/dc/terms/source")))
    assert sources == [ALPHA, BETA, f"{ID}article/guian-national-designations"]
    assert result.report is not None and result.report.conforms


def test_a_quote_found_only_in_the_other_article_fails_naming_both(corpus):
    claims = corpus.root / "articles" / "fixture-alpha" / "article.ttl"
    text = claims.read_text(encoding="utf-8")
    # alpha's wetland-park quote now holds beta's words.
    claims.write_text(
        text.replace(
            "贵安新区已建成国内单体最大的海绵城市湿地公园项目之一",
            "这座公园是国内单体最大的海绵城市湿地公园",
        ),
        encoding="utf-8",
    )
    with pytest.raises(QuoteError) as err:
        load(corpus=corpus)
    assert (
        f"quote {ID}quote/fixture-alpha-wetland-park is not in its source {ALPHA} but in {BETA}"
        in str(err.value)
    )
    assert str(SHARED_CLAIM) in str(err.value)


def test_a_changed_source_text_fails_its_checksum(corpus):
    source = corpus.root / "articles" / "fixture-beta" / "source.zh.txt"
    source.write_bytes(source.read_bytes().replace("记者".encode(), "编辑".encode()))
    with pytest.raises(
        InputError, match=r"source\.zh\.txt: its sha256 is \w+, but SHA256SUMS says"
    ):
        load(corpus=corpus)


def test_an_article_folder_must_describe_its_article(corpus):
    folder = corpus.root / "articles" / "fixture-gamma"
    shutil.copytree(corpus.root / "articles" / "fixture-beta", folder)
    with pytest.raises(InputError, match=r"fixture-gamma: its facts hold no schema:NewsArticle"):
        load(corpus=corpus)


def test_turtle_files_are_rglob_s_in_rglob_s_order(tmp_path):
    """The listing the build keys its units by: what sorted(rglob("*.ttl")) gives, on a tree with
    hidden files, nested folders, a name that sorts before "/", a folder named like Turtle and
    links to a folder and to a file."""
    root = tmp_path / "facts"
    for name in ("b.ttl", ".hidden.ttl", "a-x.ttl", "a/b.ttl", "a/c/d.ttl", "e.TTL", "f.ttl.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")
    (root / "dir.ttl").mkdir()
    (root / "dir.ttl" / "in.ttl").write_text("")
    (root / "linked").symlink_to(root / "a", target_is_directory=True)
    (root / "link.ttl").symlink_to(root / "b.ttl")
    expected = sorted(root.rglob("*.ttl"))
    assert turtle_files(root) == expected
    assert [p.relative_to(root).as_posix() for p in expected] == [
        ".hidden.ttl", "a/b.ttl", "a/c/d.ttl", "a-x.ttl", "b.ttl", "dir.ttl", "dir.ttl/in.ttl",
        "link.ttl",
    ]  # fmt: skip
    assert turtle_files(tmp_path / "missing") == []

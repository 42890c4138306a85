"""What the build computes: quote offsets and context, date companions."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from guian_kg.anchor import anchor_quotes
from guian_kg.dates import add_date_companions, period
from guian_kg.errors import InputError, QuoteError
from guian_kg.facts import Facts
from guian_kg.namespaces import GK, OA
from guian_kg.terms import to_oxigraph, to_rdflib

FACT = URIRef("https://w3id.org/guian-kg/id/observation/test")
QUOTE = URIRef("https://w3id.org/guian-kg/id/quote/test")
TEXT = "甲乙丙。贵安新区已集聚26个大型及以上数据中心。丁戊。"


@pytest.mark.parametrize(
    "literal,start,end,precision",
    [
        (Literal("2015-11-09", datatype=XSD.date), "2015-11-09", "2015-11-09", "day"),
        (Literal("2014-12", datatype=XSD.gYearMonth), "2014-12-01", "2014-12-31", "month"),
        (Literal("2024-02", datatype=XSD.gYearMonth), "2024-02-01", "2024-02-29", "month"),
        (Literal("2017", datatype=XSD.gYear), "2017-01-01", "2017-12-31", "year"),
    ],
)
def test_a_date_gives_its_period_and_precision(literal, start, end, precision):
    first, last, concept = period(to_oxigraph(literal))
    assert (first, last) == (dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    assert concept.value.endswith(f"/precision/{precision}")


@pytest.mark.parametrize(
    "literal",
    [
        Literal("2015-13", datatype=XSD.gYearMonth),
        Literal("May 2015"),
        Literal("2015-01-01T00:00:00", datatype=XSD.dateTime),
    ],
)
def test_a_date_that_is_not_a_date_at_a_precision_is_an_input_error(literal):
    with pytest.raises(InputError):
        period(to_oxigraph(literal))


def test_every_date_gets_companions():
    g = Graph()
    g.add((FACT, GK.date, Literal("2023-06", datatype=XSD.gYearMonth)))
    facts = facts_of(g)
    assert add_date_companions(facts) == 1
    g = graph_of(facts)
    assert g.value(FACT, GK.periodStart) == Literal("2023-06-01", datatype=XSD.date)
    assert g.value(FACT, GK.periodEnd) == Literal("2023-06-30", datatype=XSD.date)


def facts_of(graph: Graph) -> Facts:
    """What the enrich stage works on: the triples in pyoxigraph terms."""
    return Facts(ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in graph)


def graph_of(facts: Facts) -> Graph:
    graph = Graph()
    for triple in facts.triples:
        graph.add(tuple(to_rdflib(term) for term in triple))
    return graph


ARTICLE = "https://w3id.org/guian-kg/id/article/a"
OTHER = "https://w3id.org/guian-kg/id/article/b"


def quote_graph(exact: str, stated: str | None = None, source: str | None = ARTICLE) -> Graph:
    g = Graph()
    g.add((QUOTE, RDF.type, GK.Quote))
    g.add((QUOTE, OA.exact, Literal(exact)))
    if source:
        g.add((QUOTE, DCTERMS.source, URIRef(source)))
    g.add((FACT, GK.quote, QUOTE))
    if stated:
        g.add((FACT, GK.statedValue, Literal(stated)))
    return g


def test_a_quote_gets_its_code_point_offsets_and_context():
    facts = facts_of(quote_graph("贵安新区已集聚26个", "26个"))
    anchor_quotes(facts, {ARTICLE: TEXT})
    g = graph_of(facts)
    start, end = int(g.value(QUOTE, OA.start)), int(g.value(QUOTE, OA.end))
    assert (start, end) == (4, 14)
    assert TEXT[start:end] == "贵安新区已集聚26个"
    assert str(g.value(QUOTE, OA.prefix)) == "甲乙丙。"
    assert str(g.value(QUOTE, OA.suffix)).startswith("大型及以上")


def test_a_quote_not_in_the_source_names_the_fact_and_the_quote():
    with pytest.raises(QuoteError) as err:
        anchor_quotes(facts_of(quote_graph("贵安新区已集聚27个")), {ARTICLE: TEXT})
    assert str(FACT) in str(err.value) and "贵安新区已集聚27个" in str(err.value)
    assert f"is not in its source {ARTICLE}" in str(err.value)


def test_a_quote_found_only_in_another_article_names_both():
    with pytest.raises(QuoteError) as err:
        anchor_quotes(facts_of(quote_graph("乙丙丁")), {ARTICLE: TEXT, OTHER: "甲乙丙丁戊"})
    assert f"quote {QUOTE} is not in its source {ARTICLE} but in {OTHER}" in str(err.value)


@pytest.mark.parametrize("source", [None, OTHER])
def test_a_quote_must_name_one_article_of_the_corpus(source):
    with pytest.raises(
        QuoteError, match=f"needs one dcterms:source among the articles of the corpus: {ARTICLE}"
    ):
        anchor_quotes(facts_of(quote_graph("贵安新区", source=source)), {ARTICLE: TEXT})


def test_a_quote_found_twice_is_refused_as_ambiguous():
    with pytest.raises(QuoteError, match="occurs 2 times"):
        anchor_quotes(facts_of(quote_graph("。")), {ARTICLE: "甲。乙。"})


def test_a_stated_offset_that_disagrees_with_the_text_is_refused():
    g = quote_graph("贵安新区")
    g.add((QUOTE, OA.start, Literal(5)))
    with pytest.raises(QuoteError, match="but the text is at 4"):
        anchor_quotes(facts_of(g), {ARTICLE: TEXT})


def test_a_stated_offset_and_context_give_way_to_those_computed_each_once():
    g = quote_graph("贵安新区")
    g.add((QUOTE, OA.start, Literal(4)))  # as the text has it
    g.add((QUOTE, OA.prefix, Literal("stale")))
    facts = facts_of(g)
    anchor_quotes(facts, {ARTICLE: TEXT})
    selectors = [
        (t.predicate.value.removeprefix(str(OA)), t.object.value)
        for t in facts.triples
        if t.subject.value == str(QUOTE) and t.predicate.value.startswith(str(OA))
    ]
    assert sorted(selectors) == [
        ("end", "8"),
        ("exact", "贵安新区"),
        ("prefix", "甲乙丙。"),
        ("start", "4"),
        ("suffix", "已集聚26个大型及以上数据中心。"),
    ]


def test_a_stated_value_outside_its_quote_is_refused():
    with pytest.raises(QuoteError, match="stated value «27个»"):
        anchor_quotes(facts_of(quote_graph("贵安新区已集聚26个", "27个")), {ARTICLE: TEXT})


NARROW = URIRef("https://w3id.org/guian-kg/id/quote/narrow")
STATEMENT = URIRef("https://w3id.org/guian-kg/id/statement/observation--x--date")
TWO_YEARS = "2024年，甲局办理5件。2024年，乙局办理7件。"


def narrow_graph(sentence: str, narrow: str) -> Graph:
    """A sentence quote cited by a fact, and a narrow quote inside it cited by a statement."""
    g = quote_graph(sentence)
    g.add((NARROW, RDF.type, GK.Quote))
    g.add((NARROW, OA.exact, Literal(narrow)))
    g.add((NARROW, DCTERMS.source, URIRef(ARTICLE)))
    g.add((NARROW, GK.sentence, QUOTE))
    g.add((STATEMENT, GK.quote, NARROW))
    return g


def test_a_narrow_quote_is_anchored_inside_its_sentence_though_its_words_occur_elsewhere():
    facts = facts_of(narrow_graph("2024年，乙局办理7件。", "2024年，乙局"))
    anchor_quotes(facts, {ARTICLE: TWO_YEARS})
    g = graph_of(facts)
    start, end = int(g.value(NARROW, OA.start)), int(g.value(NARROW, OA.end))
    assert (start, end) == (13, 21)
    assert TWO_YEARS[start:end] == "2024年，乙局"
    assert int(g.value(QUOTE, OA.start)) == 13


def test_a_narrow_quote_outside_its_sentence_is_refused_naming_its_statement():
    with pytest.raises(QuoteError) as err:
        anchor_quotes(
            facts_of(narrow_graph("2024年，乙局办理7件。", "甲局办理5件")), {ARTICLE: TWO_YEARS}
        )
    assert f"{STATEMENT}: quote {NARROW} is not inside its sentence {QUOTE}" in str(err.value)


def test_a_narrow_quote_found_twice_in_its_sentence_is_refused_as_ambiguous():
    with pytest.raises(QuoteError) as err:
        anchor_quotes(facts_of(narrow_graph(TWO_YEARS, "2024年")), {ARTICLE: TWO_YEARS})
    assert f"{STATEMENT}: quote {NARROW} occurs 2 times in its sentence {QUOTE}" in str(err.value)


def test_a_narrow_quote_needs_its_sentence_anchored_in_the_same_article():
    g = narrow_graph("2024年，乙局办理7件。", "乙局")
    g.remove((QUOTE, DCTERMS.source, None))
    g.add((QUOTE, DCTERMS.source, URIRef(OTHER)))
    with pytest.raises(QuoteError) as err:
        anchor_quotes(facts_of(g), {ARTICLE: TWO_YEARS, OTHER: TWO_YEARS})
    assert f"quote {NARROW} and its sentence {QUOTE} name different sources" in str(err.value)

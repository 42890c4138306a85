"""Provenance per statement (issue 11): every stated value has a statement node whose quote is the
shortest span of its sentence that states it, and every fact and statement has a status.

"Shortest" is made testable by gk:statedForm: the statement lists the words of the article that
state its value and name what it is about (贵安新区公安局, 39903件), and its quote is a minimal
window of its sentence holding all of them: each form occurs in the quote, and the quote without
its first character, or without its last, no longer holds them all. The forms themselves are
checked against the value (its gk:statedValue, its date written in Chinese, its number).
"""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from guian_kg.namespaces import GK, OA, QUDT

PROV_AGENT = URIRef("http://www.w3.org/ns/prov#agent")
PROV_ROLE = URIRef("http://www.w3.org/ns/prov#hadRole")
ID = "https://w3id.org/guian-kg/id/"
STATUS = ID + "status/"
CN_NUMBERS = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 8: "八"}
BATCH_WORDS = {1: ("首批", "第一批"), 2: ("第二批",), 3: ("第三批",)}

# The predicates whose values get statements, and the classes whose subjects state them.
STATED = {
    QUDT.value: GK.Observation,
    GK.date: None,
    GK.cohortSize: GK.Programme,
    GK.batch: GK.Programme,
    DCTERMS.issued: GK.PolicyDocument,
    PROV_AGENT: GK.Involvement,
    PROV_ROLE: GK.Involvement,
    GK.ordinalInProgramme: GK.Designation,  # 全国首个
    GK.agencyCount: None,  # 11个部委, of an involvement and of its document
}
FACT_CLASSES = (GK.Designation, GK.Involvement, GK.Observation, GK.Milestone, GK.Claim)


def statements(kg) -> list[URIRef]:
    return sorted(kg.data.subjects(RDF.type, RDF.Statement))


def exact(kg, quote) -> str:
    return str(kg.data.value(quote, OA.exact))


def forms(kg, statement) -> list[str]:
    return sorted(str(f) for f in kg.data.objects(statement, GK.statedForm))


def holds_all(text: str, words: list[str]) -> bool:
    return all(w in text for w in words)


def test_every_stated_value_has_exactly_one_statement(kg):
    stated = {
        (s, p, o)
        for p, cls in STATED.items()
        for s, o in kg.data.subject_objects(p)
        if cls is None or (s, RDF.type, cls) in kg.data
    }
    made = Counter(
        (
            kg.data.value(st, RDF.subject),
            kg.data.value(st, RDF.predicate),
            kg.data.value(st, RDF.object),
        )
        for st in statements(kg)
    )
    assert set(made) == stated
    assert max(made.values()) == 1
    assert len(stated) == 160


def test_a_statement_stands_for_a_triple_of_the_graph_and_is_named_for_it(kg):
    for st in statements(kg):
        s, p, o = (kg.data.value(st, prop) for prop in (RDF.subject, RDF.predicate, RDF.object))
        assert (s, p, o) in kg.data, st
        kind, slug = str(s)[len(ID) :].split("/")
        local = str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        assert str(st) == f"{ID}statement/{kind}--{slug}--{local}"


def test_each_quote_holds_its_forms_and_is_the_shortest_span_of_its_sentence_that_does(kg):
    text = kg.sources["https://w3id.org/guian-kg/id/article/guian-national-designations"]
    for st in statements(kg):
        quote = kg.data.value(st, GK.quote)
        words, narrow = forms(kg, st), exact(kg, quote)
        assert words and holds_all(narrow, words), (st, narrow, words)
        assert not holds_all(narrow[1:], words), f"{st}: «{narrow}» starts early"
        assert not holds_all(narrow[:-1], words), f"{st}: «{narrow}» ends late"
        start, end = int(kg.data.value(quote, OA.start)), int(kg.data.value(quote, OA.end))
        assert text[start:end] == narrow
        sentence = kg.data.value(quote, GK.sentence)
        if sentence is None:  # the fact's own quote is already the narrowest span: it is reused
            citing = set(kg.data.subjects(GK.quote, quote))
            assert any((c, RDF.type, RDF.Statement) not in kg.data for c in citing), st
            continue
        first, last = int(kg.data.value(sentence, OA.start)), int(kg.data.value(sentence, OA.end))
        assert first <= start and end <= last, st
        assert exact(kg, sentence).count(narrow) == 1, st


def _date_words(literal: Literal) -> str:
    """How the article writes a date: 2015年11月9日, 2015年11月, 2017年."""
    parts = [int(p) for p in str(literal).split("-")]
    return "".join(f"{n}{unit}" for n, unit in zip(parts, "年月日"[: len(parts)], strict=True))


def test_each_statement_states_its_value_as_the_article_writes_it(kg):
    for st in statements(kg):
        subject, predicate = kg.data.value(st, RDF.subject), kg.data.value(st, RDF.predicate)
        value = kg.data.value(st, RDF.object)
        narrow = exact(kg, kg.data.value(st, GK.quote))
        if predicate == QUDT.value:
            assert str(kg.data.value(subject, GK.statedValue)) in narrow, st
            qualifier = kg.data.value(subject, GK.qualifierText)
            assert qualifier is None or str(qualifier) in narrow, st
        elif predicate in (GK.date, DCTERMS.issued):
            inferred = (st, GK.status, URIRef(STATUS + "inferred")) in kg.data
            written = _date_words(value)
            if inferred and "今年" in narrow:  # 今年5月: the year is what was inferred
                written = "今年" + written.split("年", 1)[1]
            assert written in narrow, (st, written)
        elif predicate == GK.cohortSize:
            n = value.toPython()
            assert str(n) in narrow or CN_NUMBERS.get(n, "?") in narrow, st
        elif predicate == GK.batch:
            assert any(w in narrow for w in BATCH_WORDS[value.toPython()]), st
        elif predicate == GK.ordinalInProgramme:
            assert {1: "首个"}[value.toPython()] in narrow, st
        elif predicate == GK.agencyCount:
            assert f"{value.toPython()}个部委" in narrow, st
        else:  # an involvement's agent and role: the agency's name and the verb
            assert predicate in (PROV_AGENT, PROV_ROLE), st


def test_the_words_behind_39903_are_the_public_security_bureau_clause(kg):
    st = URIRef(
        ID + "statement/observation--three-systems-cases-2024-public-security-bureau--value"
    )
    assert kg.data.value(st, RDF.object) == Literal(39903)
    quote = kg.data.value(st, GK.quote)
    assert exact(kg, quote) == "贵安新区公安局办理39903件"
    assert kg.data.value(quote, GK.sentence) == URIRef(ID + "quote/three-systems-cases-2024")


def test_the_sponge_city_cohort_and_batch_have_quotes_of_their_own(kg):
    words = {
        local: exact(
            kg,
            kg.data.value(
                URIRef(f"{ID}statement/programme--sponge-city-pilots--{local}"), GK.quote
            ),
        )
        for local in ("cohortSize", "batch")
    }
    assert words == {"cohortSize": "全国16个海绵城市建设试点", "batch": "全国首批海绵城市建设试点"}


def test_every_fact_and_statement_has_exactly_one_status(kg):
    nodes = [s for cls in FACT_CLASSES for s in kg.data.subjects(RDF.type, cls)] + statements(kg)
    for node in nodes:
        assert len(list(kg.data.objects(node, GK.status))) == 1, node


@pytest.mark.parametrize(
    "kind,expected",
    [
        (
            "fact",
            {
                "stated": 134,
                "inferred": 1,
                "assumption": 1,
                "estimate": 1,
                "derived": 1,
                "slogan-numeral": 9,
            },
        ),
        (
            "statement",
            {
                "stated": 141,
                "inferred": 7,
                "assumption": 1,
                "estimate": 1,
                "derived": 1,
                "slogan-numeral": 9,
            },
        ),
    ],
)
def test_the_status_counts(kg, kind, expected):
    nodes = (
        statements(kg)
        if kind == "statement"
        else [s for cls in FACT_CLASSES for s in kg.data.subjects(RDF.type, cls)]
    )
    counts = Counter(str(kg.data.value(n, GK.status))[len(STATUS) :] for n in nodes)
    assert counts == expected


def test_what_is_not_stated_outright(kg):
    def status(local: str) -> str:
        return str(kg.data.value(URIRef(ID + local), GK.status))[len(STATUS) :]

    assert (
        status("observation/green-dc-estimate-server-count") == "assumption"
    )  # 按照100万台服务器测算
    assert status("observation/green-dc-annual-electricity-saving") == "estimate"  # 可节省
    assert status("observation/green-dc-carbon-emission-reduction") == "derived"  # 相当于
    for slogan in (
        "guian-positioning-core-count",
        "guian-parks-called-pearls-count",
        "guian-major-carriers-with-data-centres-count",
    ):
        assert status("observation/" + slogan) == "slogan-numeral"


def test_every_inferred_fact_or_statement_says_why_in_both_languages(kg):
    inferred = list(kg.data.subjects(GK.status, URIRef(STATUS + "inferred")))
    assert len(inferred) == 8
    for node in inferred:
        assert {r.language for r in kg.data.objects(node, GK.inferenceReason)} == {"zh", "en"}
    # The dates behind 今年5月, the PUE 1.2's year (read from the sentence before it), and the
    # role of the coordination group the article only names.
    dates = [n for n in inferred if kg.data.value(n, RDF.predicate) == GK.date]
    assert {kg.data.value(n, RDF.object) for n in dates} == {
        Literal("2025-05", datatype=XSD.gYearMonth),
        Literal("2024", datatype=XSD.gYear),
    }

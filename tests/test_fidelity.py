"""The graph says what the article says: designations, dates, figures, quotes, inferences."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from guian_kg.namespaces import GK, OA, ORG, QUDT

ARTICLE = "https://w3id.org/guian-kg/id/article/guian-national-designations"

ID = "https://w3id.org/guian-kg/id/"

NUMBERED = {
    1: ("全国首个国家级大数据产业集聚区", "2014-12", XSD.gYearMonth),
    2: ("国家级美丽乡村建设标准化试点", "2014-04", XSD.gYearMonth),
    3: ("全国海绵城市建设试点", "2015-04", XSD.gYearMonth),
    4: ("国家绿色数据中心试点地区", "2015-10", XSD.gYearMonth),
    5: ("国家首批双创示范基地", "2016-05", XSD.gYearMonth),
    6: ("国家新型城镇化综合示范区", "2015-11", XSD.gYearMonth),
    7: ("贵阳·贵安国家级互联网骨干直联点", "2015-11-09", XSD.date),
    8: ("行政执法“三项制度”试点", "2017", XSD.gYear),
    9: ("全面深化服务贸易创新发展试点", "2020-08", XSD.gYearMonth),
    10: ("国家相对集中行政许可权试点", "2015-04", XSD.gYearMonth),
}


def labels(kg, node, lang):
    return {str(o) for o in kg.data.objects(node, RDFS.label) if o.language == lang}


def observations(kg):
    return set(kg.data.subjects(RDF.type, GK.Observation))


def observation_with(kg, stated: str, designation: str | None = None) -> URIRef:
    """The one observation whose gk:statedValue is `stated` (within a designation if given)."""
    found = [
        o
        for o in kg.data.subjects(GK.statedValue, Literal(stated))
        if designation is None
        or (o, GK.designation, URIRef(ID + "designation/" + designation)) in kg.data
    ]
    assert len(found) == 1, f"{stated}: {found}"
    return found[0]


def test_exactly_the_ten_numbered_designations_with_their_titles_and_dates_at_their_precision(kg):
    numbered = {int(n): d for d, n in kg.data.subject_objects(GK.sequenceNumber)}
    assert sorted(numbered) == list(range(1, 11))
    for number, (title, date, datatype) in NUMBERED.items():
        designation = numbered[number]
        names = labels(kg, designation, "zh") | {
            str(a)
            for a in kg.data.objects(
                designation, URIRef("http://www.w3.org/2004/02/skos/core#altLabel")
            )
        }
        assert title in names, (number, names)
        assert labels(kg, designation, "en"), number
        assert kg.data.value(designation, GK.date) == Literal(date, datatype=datatype), number


def test_the_preface_adds_designations_without_a_number(kg):
    preface = {str(d) for d in kg.data.subjects(RDF.type, GK.Designation)} - {
        str(d) for d in kg.data.subjects(GK.sequenceNumber, None)
    }
    assert {
        ID + "designation/" + s
        for s in (
            "computing-network-hub-node",
            "service-trade-innovation-pilot-city",
            "national-new-area",
        )
    } <= preface


@pytest.mark.parametrize(
    "designation,size",
    [
        ("sponge-city-pilot", 16),
        ("green-data-centre-pilot-area", 14),
        ("mass-innovation-demonstration-base", 28),
        ("new-urbanisation-pilot", 73),
        ("service-trade-innovation-pilot", 28),
        ("centralised-licensing-pilot", 8),
    ],
)
def test_one_of_how_many_is_the_programme_cohort(kg, designation, size):
    programmes = kg.data.objects(URIRef(ID + "designation/" + designation), GK.programme)
    assert size in {int(kg.data.value(p, GK.cohortSize) or 0) for p in programmes}


@pytest.mark.parametrize(
    "stated,value,unit,qualifier",
    [
        ("26个", 26, "unit/NUM", "exact"),
        ("140万架", 1400000, "unit/NUM", "more-than"),
        ("81EFlops", 81, "guian-kg/ontology#ExaFLOPS", "more-than"),
        ("98%", 98, "unit/PERCENT", "more-than"),
        ("90%", 90, "unit/PERCENT", "more-than"),
        ("700亿元", 70000000000, "unit/CCY_CNY", "exceeded"),
        ("70.6%", Decimal("70.6"), "unit/PERCENT", "exact"),
        ("22.8平方米", Decimal("22.8"), "unit/M2", "exact"),
        ("1.4", Decimal("1.4"), "unit/UNITLESS", "reaches"),
        ("1.2", Decimal("1.2"), "unit/UNITLESS", "as-low-as"),
        ("10.1亿千瓦时", 1010000000, "unit/KiloW-HR", "exact"),
        ("81万吨", 810000, "unit/TONNE", "exact"),
        ("30余个", 30, "unit/NUM", "more-than"),
        ("5.35万Gbps", 53500, "unit/GigaBIT-PER-SEC", "exceeded"),
        ("40座", 40, "unit/NUM", "reaches"),
        ("80.5%", Decimal("80.5"), "unit/PERCENT", "reaches"),
        ("4.2万件", 42000, "unit/NUM", "exact"),
        ("60.1%", Decimal("60.1"), "unit/PERCENT", "exact"),
    ],
)
def test_each_figure_has_its_value_in_the_stated_unit_and_its_qualifier(
    kg, stated, value, unit, qualifier
):
    obs = observation_with(kg, stated)
    assert kg.data.value(obs, QUDT.value).toPython() == value
    assert str(kg.data.value(obs, QUDT.hasUnit)).endswith(unit)
    assert str(kg.data.value(obs, GK.valueQualifier)) == ID + "qualifier/" + qualifier


def test_the_2024_enforcement_cases_by_bureau(kg):
    cases = {}
    for stated in ("693件", "39903件", "245件", "1459件"):
        obs = observation_with(kg, stated)
        bureau = kg.data.value(obs, GK.about)
        cases[next(iter(labels(kg, bureau, "zh")))] = int(kg.data.value(obs, QUDT.value))
        assert kg.data.value(obs, GK.date) == Literal("2024", datatype=XSD.gYear)
    assert cases == {
        "贵安新区安全生产监督管理局": 693,
        "贵安新区公安局": 39903,
        "贵安新区市场监管局": 245,
        "贵安新区社会事业管理局": 1459,  # whole, though the source breaks it across a page
    }


def test_the_105_approval_items_are_72_plus_1_plus_1_plus_31(kg):
    whole = observation_with(kg, "105项")
    parts = sorted(int(kg.data.value(p, QUDT.value)) for p in kg.data.subjects(GK.partOf, whole))
    assert parts == [1, 1, 31, 72]
    assert sum(parts) == int(kg.data.value(whole, QUDT.value))


@pytest.mark.parametrize("before,after", [("2.6", "2.4"), ("27.14平方公里", "57.98平方公里")])
def test_changes_link_the_later_value_to_the_earlier(kg, before, after):
    assert kg.data.value(observation_with(kg, after), GK.changedFrom) == observation_with(
        kg, before
    )


def test_the_year_behind_this_year_is_marked_inferred_with_a_reason(kg):
    inferred = set(kg.data.subjects(GK.inferred, Literal(True)))
    assert observation_with(kg, "26个") in inferred
    for node in inferred:
        reasons = {r.language for r in kg.data.objects(node, GK.inferenceReason)}
        assert reasons == {"zh", "en"}
    # 截至今年5月 (the five figures of number 1), and the PUE of 1.2, read as of the end of 2024
    # from the sentence before it: nothing else in the article needs an inference.
    dates = sorted(
        (str(kg.data.value(n, GK.statedValue)), str(kg.data.value(n, GK.date))) for n in inferred
    )
    assert dates == [
        ("1.2", "2024"),
        ("140万架", "2025-05"),
        ("26个", "2025-05"),
        ("81EFlops", "2025-05"),
        ("90%", "2025-05"),
        ("98%", "2025-05"),
    ]


def test_every_designation_observation_milestone_and_claim_has_an_anchored_quote(kg):
    facts = {
        s
        for cls in (GK.Designation, GK.Observation, GK.Milestone, GK.Claim, GK.Involvement)
        for s in kg.data.subjects(RDF.type, cls)
    }
    assert len(facts) > 100
    for fact in facts:
        quotes = list(kg.data.objects(fact, GK.quote))
        assert quotes, fact
        for quote in quotes:
            start, end = int(kg.data.value(quote, OA.start)), int(kg.data.value(quote, OA.end))
            assert kg.sources[ARTICLE][start:end] == str(kg.data.value(quote, OA.exact))


def _numbers_accounted_for_by(kg, quote) -> set[str]:
    """The numbers a quote's facts state: stated values, date parts, cohort sizes, batches, counts."""
    numbers: set[str] = set()
    for fact in kg.data.subjects(GK.quote, quote):
        for prop in (
            GK.statedValue,
            GK.date,
            GK.cohortSize,
            GK.batch,
            GK.agencyCount,
            GK.sequenceNumber,
        ):
            for value in kg.data.objects(fact, prop):
                numbers.update(
                    str(int(n)) if n.isdigit() else n
                    for n in re.findall(r"\d+(?:\.\d+)?", str(value))
                )
    return numbers


def test_every_number_written_in_the_article_is_in_the_graph_with_the_quote_around_it(kg):
    quotes = [
        (int(kg.data.value(q, OA.start)), int(kg.data.value(q, OA.end)), q)
        for q in kg.data.subjects(RDF.type, GK.Quote)
    ]
    # The one number that is not a fact: the reference point of the PUE definition (越接近于1).
    not_facts = {kg.sources[ARTICLE].index("越接近于1") + 4}
    missing = []
    tokens = list(re.finditer(r"\d+(?:\.\d+)?", kg.sources[ARTICLE]))
    assert len(tokens) > 80
    for token in tokens:
        if token.start() in not_facts:
            continue
        number = str(int(token.group())) if token.group().isdigit() else token.group()
        covering = [q for start, end, q in quotes if start <= token.start() and token.end() <= end]
        if not any(number in _numbers_accounted_for_by(kg, q) for q in covering):
            context = kg.sources[ARTICLE][max(0, token.start() - 12) : token.end() + 6].replace(
                "\n", " "
            )
            missing.append(f"{token.group()} in «{context}»")
    assert not missing, "numbers of the article missing from the graph:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    "written,value",
    [
        ("八个试点省", 8),
        ("等三个地区", 3),
        ("两批划转", 2),
        ("五大系统", 5),
        ("三城两组团", 3),
        ("三城两组团", 2),
        ("半个工作日", Decimal("0.5")),
        ("连续两年", 2),
        ("排位全省第一", 1),
        ("第三批", 3),
        ("首批28个", 1),
        ("第二批", 2),
        ("全国首个", 1),
        ("四个牵引", 4),
        ("五大抓手", 5),
    ],
)
def test_numbers_written_in_chinese_numerals_are_in_the_graph_too(kg, written, value):
    at = kg.sources[ARTICLE].index(written)
    values = set()
    for quote in kg.data.subjects(RDF.type, GK.Quote):
        if int(kg.data.value(quote, OA.start)) <= at < int(kg.data.value(quote, OA.end)):
            for fact in kg.data.subjects(GK.quote, quote):
                for prop in (QUDT.value, GK.cohortSize, GK.batch, GK.ordinalInProgramme):
                    values.update(v.toPython() for v in kg.data.objects(fact, prop))
    assert value in values, (written, values)


# shared/links/wikidata.tsv: the only identifiers checked by hand (pinned here: CI may lack shared/).
VERIFIED_WIKIDATA = {
    "Apple Inc.": "http://www.wikidata.org/entity/Q312",
    "Huawei": "http://www.wikidata.org/entity/Q160120",
    "Tencent": "http://www.wikidata.org/entity/Q860580",
    "Guizhou": "http://www.wikidata.org/entity/Q47097",
    "People's Republic of China": "http://www.wikidata.org/entity/Q148",
}
WIKIDATA_TSV = Path(__file__).resolve().parents[2] / "shared" / "links" / "wikidata.tsv"


def test_links_to_wikidata_use_only_the_verified_identifiers(kg):
    same_as = {
        str(o)
        for p in (OWL.sameAs, URIRef("https://schema.org/sameAs"))
        for o in kg.data.objects(None, p)
    }
    assert same_as == set(VERIFIED_WIKIDATA.values())
    if WIKIDATA_TSV.is_file():
        rows = [
            line.split("\t")
            for line in WIKIDATA_TSV.read_text(encoding="utf-8").splitlines()[1:]
            if line
        ]
        assert {row[0]: row[2] for row in rows} == VERIFIED_WIKIDATA


# ---------------------------------------------------------------- the audit of 0.1.0 (issue 11, part 4)


def test_the_two_average_pues_measure_different_groups(kg):
    projects, centres = observation_with(kg, "1.4"), observation_with(kg, "1.2")
    assert kg.data.value(projects, GK.metric) == kg.data.value(centres, GK.metric)
    assert str(kg.data.value(projects, GK.measuredGroup)) == ID + "group/green-dc-pilot-projects"
    assert str(kg.data.value(centres, GK.measuredGroup)) == ID + "group/guian-data-centres"
    # 1.2 follows 截至2024年年底 in its paragraph: read as of the end of 2024, and marked inferred.
    assert str(kg.data.value(centres, GK.timeQualifier)) == ID + "time/as-of"
    assert kg.data.value(centres, GK.date) == Literal("2024", datatype=XSD.gYear)
    assert kg.data.value(centres, GK.inferred) == Literal(True)


def test_the_urbanisation_rate_holds_at_a_point_in_2024_not_over_it(kg):
    rate = observation_with(kg, "80.5%")
    assert str(kg.data.value(rate, GK.timeQualifier)) == ID + "time/point-in-period"
    assert kg.data.value(rate, GK.date) == Literal("2024", datatype=XSD.gYear)
    totals = {
        str(kg.data.value(o, GK.statedValue))
        for o in kg.data.subjects(GK.timeQualifier, URIRef(ID + "time/during"))
    }
    assert totals == {"700亿元", "693件", "39903件", "245件", "1459件"}


@pytest.mark.parametrize(
    "designation,words",
    [
        ("new-urbanisation-pilot", "贵安新区始终坚持以人为核心的新型城镇化建设理念"),
        ("law-enforcement-three-systems-pilot", "围绕“全流程重塑、全要素公示、全数据立交”"),
        ("centralised-licensing-pilot", "贵安新区以高位谋划改革，扎实推进相对集中行政许可权改革"),
    ],
)
def test_the_three_sentences_the_audit_found_missing_are_claims(kg, designation, words):
    claims = [
        c
        for c in kg.data.subjects(GK.designation, URIRef(ID + "designation/" + designation))
        if (c, RDF.type, GK.Claim) in kg.data
        and any(words in str(kg.data.value(q, OA.exact)) for q in kg.data.objects(c, GK.quote))
    ]
    assert len(claims) == 1, claims
    (quote,) = kg.data.objects(claims[0], GK.quote)
    assert words in next(iter(labels(kg, claims[0], "zh")))
    assert words in str(kg.data.value(quote, OA.exact))


def test_each_organisation_keeps_its_english_name_where_the_chinese_keeps_its_name(kg):
    """An involvement or figure whose Chinese label names an organisation in full names it in
    English by its English label (or an English altLabel where the article abbreviates, 工信部)."""
    from rdflib.namespace import SKOS

    checked = 0
    for fact, org in [
        *kg.data.subject_objects(URIRef("http://www.w3.org/ns/prov#agent")),
        *(
            (o, a)
            for o, a in kg.data.subject_objects(GK.about)
            if (o, RDF.type, GK.Observation) in kg.data
        ),
    ]:
        if (org, RDF.type, ORG.Organization) not in kg.data:
            continue
        names_zh = labels(kg, org, "zh")
        if not names_zh or not any(n in next(iter(labels(kg, fact, "zh"))) for n in names_zh):
            continue
        names_en = labels(kg, org, "en") | {
            str(a) for a in kg.data.objects(org, SKOS.altLabel) if a.language == "en"
        }
        assert any(n in next(iter(labels(kg, fact, "en"))) for n in names_en), (fact, names_en)
        checked += 1
    assert checked >= 15
    english = " ".join(
        str(o) for o in kg.data.objects() if isinstance(o, Literal) and o.language == "en"
    )
    assert "Work Safety Supervision Bureau" not in english
    assert "Big Data Science City" not in english
    photo = URIRef(ID + "image/photo-5")
    assert "construction" in next(iter(labels(kg, photo, "en")))  # 区域建一景: 建 kept


RETIRED = {
    "observation/big-data-computing-power-2025-05": "observation/big-data-computing-power-may-this-year",
    "observation/big-data-intelligent-computing-share-2025-05": "observation/big-data-intelligent-computing-share-may-this-year",
    "observation/big-data-large-data-centre-count-2025-05": "observation/big-data-large-data-centre-count-may-this-year",
    "observation/big-data-localisation-rate-2025-05": "observation/big-data-localisation-rate-may-this-year",
    "observation/big-data-planned-standard-racks-2025-05": "observation/big-data-planned-standard-racks-may-this-year",
    "quote/big-data-computing-power-2025-05": "quote/big-data-computing-power-may-this-year",
    "quote/big-data-data-centres-2025-05": "quote/big-data-data-centres-may-this-year",
    "quote/big-data-racks-2025-05": "quote/big-data-racks-may-this-year",
    "quote/big-data-shares-2025-05": "quote/big-data-shares-may-this-year",
}


def test_no_iri_holds_the_inferred_year_but_retired_aliases_that_say_only_what_replaces_them(kg):
    iris = {str(t) for triple in kg.data for t in triple if isinstance(t, URIRef)}
    assert sorted(i for i in iris if "2025" in i) == sorted(ID + old for old in RETIRED)
    dcterms = URIRef("http://purl.org/dc/terms/isReplacedBy")
    for old, new in RETIRED.items():
        assert set(kg.data.predicate_objects(URIRef(ID + old))) == {
            (OWL.deprecated, Literal(True)),
            (dcterms, URIRef(ID + new)),
        }
        assert not list(kg.data.subject_predicates(URIRef(ID + old)))
        assert (URIRef(ID + new), RDF.type, None) in kg.data


def test_serve_still_resolves_a_retired_iri_and_names_its_replacement(serve_client):
    old, new = next(iter(RETIRED.items()))
    seen = serve_client.get(f"/id/{old}", headers={"Accept": "text/turtle"}, follow_redirects=False)
    assert seen.status_code == 303 and seen.headers["location"] == f"/doc/{old}.ttl"
    doc = serve_client.get(f"/doc/{old}.ttl")
    assert doc.status_code == 200
    from rdflib import Graph

    graph = Graph().parse(data=doc.text, format="turtle")
    assert (
        URIRef(ID + old),
        URIRef("http://purl.org/dc/terms/isReplacedBy"),
        URIRef(ID + new),
    ) in graph
    assert (URIRef(ID + old), OWL.deprecated, Literal(True)) in graph
    page = serve_client.get(f"/doc/{old}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and f'href="/id/{new}"' in page.text

"""A synthetic corpus for the scale benchmarks: N articles shaped like the real one, at any size.

Usage: python benchmarks/corpus.py OUT N [--seed SEED]   (--smoke: 2 articles into a temporary folder)

Layout (the corpus layout of issue 9):

    OUT/shared/organizations.ttl, OUT/shared/places.ttl     the project's shared entities, copied
    OUT/articles/<slug>/source.zh.txt                        the article text (UTF-8)
    OUT/articles/<slug>/SHA256SUMS                           "<hex>  source.zh.txt"
    OUT/articles/<slug>/article.ttl                          the schema:NewsArticle, its people, photos
    OUT/articles/<slug>/preface.ttl, designations/NN-*.ttl   the facts, each with its gk:Quote

Each article is written text first: its sentences come from templates, and every sentence a fact
quotes ends with a mark made of the article number and a counter (〔00042-17〕), so that every
oa:exact occurs exactly once in its own article and in no other. The facts then quote those
sentences; every gk:statedValue and gk:qualifierText is a part of its quote. Every fact has a
gk:status, and every figure a statement node (rdf:Statement) whose narrow quote lies inside the
figure's sentence quote (gk:sentence), as in the real article. The things an
article mints (designations, programmes, observations, …) end in -a00042; organisations, places,
metrics, units and qualifiers are the project's own, so agencies are shared between articles.

The structure is fixed per article (10 designations, 35 observations, 4 milestones, 3 documents,
the same qualifiers and date slots), so every article has the same number of triples
(TRIPLES_PER_ARTICLE); what varies is drawn from a random generator seeded by (seed, article):
topics, agencies, roles, places, figures, dates and their precision. The same seed gives the same
bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from corpus_vocabulary import (
    CN_DIGITS,
    EXACT_METRICS,
    FILLER,
    GIVEN,
    PREFIXES,
    QUALIFIED_METRICS,
    QUALIFIED_SUFFIX,
    ROLES,
    SURNAMES,
    TIME_SLOTS,
    TOPICS,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
GUIAN_EN = "Gui'an New Area"


# Per article: raw triples in its Turtle files (the shared files come on top, once per corpus).
TRIPLES_PER_ARTICLE = 1696
DESIGNATIONS = 10
OBSERVATIONS_PER_DESIGNATION = (4, 3, 5, 2, 4, 3, 4, 3, 4, 3)  # 35
MILESTONE_DESIGNATIONS = (1, 3, 6, 9)  # 0-based designation indexes that report a milestone
DOCUMENT_DESIGNATIONS = (2, 5, 8)  # … and those granted through a named policy document


@dataclass(frozen=True)
class Shared:
    """The shared entities an article may name: (slug, zh label, en label)."""

    national: tuple[tuple[str, str, str], ...]
    other: tuple[tuple[str, str, str], ...]
    places: tuple[tuple[str, str, str], ...]


def _shared_source(name: str) -> Path:
    """The project's shared file data/shared/NAME."""
    return DATA / "shared" / name


def _read_shared() -> Shared:
    import pyoxigraph as ox

    def entities(name: str, cls: str) -> list[tuple[str, str, str, str]]:
        store = ox.Store()
        store.load(path=str(_shared_source(name)), format=ox.RdfFormat.TURTLE)
        rows = store.query(
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX gk: <https://w3id.org/guian-kg/ontology#> "
            "SELECT ?s ?zh ?en ?level WHERE { ?s a <" + cls + "> ; rdfs:label ?zh , ?en . "
            'FILTER (lang(?zh) = "zh" && lang(?en) = "en") OPTIONAL { ?s gk:level ?level } } '
            "ORDER BY ?s"
        )
        return [
            (
                row["s"].value.rsplit("/", 1)[1],
                row["zh"].value,
                row["en"].value,
                row["level"].value if row["level"] else "",
            )
            for row in rows
        ]

    orgs = entities("organizations.ttl", "http://www.w3.org/ns/org#Organization")
    places = entities("places.ttl", "https://w3id.org/guian-kg/ontology#Place")
    return Shared(
        national=tuple(o[:3] for o in orgs if o[3].endswith("/national")),
        other=tuple(o[:3] for o in orgs if o[3].endswith(("/provincial", "/new-area"))),
        places=tuple(p[:3] for p in places if p[0].startswith(("guian", "guizhou", "guiyang"))),
    )


def _lit(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _value(value: object) -> str:
    """A qudt:value as the shapes ask: a whole number past ±2^31 − 1 as an xsd:decimal, which
    Virtuoso keeps (it stores such an xsd:integer as xsd:decimal)."""
    text = str(value)
    if "." not in text and abs(int(text)) > 2**31 - 1:
        return f'"{text}"^^xsd:decimal'
    return text


def _labels(zh: str, en: str, prop: str = "rdfs:label") -> str:
    return f"{prop} {_lit(zh, 'zh')} , {_lit(en, 'en')}"


_FACT = re.compile(r"^(\S+) a gk:(?:Designation|Involvement|Observation|Milestone|Claim) ;", re.M)


def _statuses(parts: list[str]) -> str:
    """Every fact of a file is stated (gk:status), as the shapes ask of the real article's."""
    facts = [m.group(1) for part in parts for m in _FACT.finditer(part)]
    return "".join(f"\n{fact} gk:status status:stated ." for fact in facts) + (
        "\n" if facts else ""
    )


def _date(rng: random.Random, first: int, last: int) -> tuple[str, str, str]:
    """(Turtle literal, zh text, en text) of a random date at year, month or day precision."""
    year, month, day = rng.randint(first, last), rng.randint(1, 12), rng.randint(1, 28)
    precision = rng.randrange(3)
    if precision == 0:
        return f'"{year}"^^xsd:gYear', f"{year}年", str(year)
    if precision == 1:
        return f'"{year}-{month:02d}"^^xsd:gYearMonth', f"{year}年{month}月", f"{year}-{month:02d}"
    return (
        f'"{year}-{month:02d}-{day:02d}"^^xsd:date',
        f"{year}年{month}月{day}日",
        f"{year}-{month:02d}-{day:02d}",
    )


class _Article:
    """One synthetic article: its text, written sentence by sentence, and its Turtle files."""

    def __init__(self, number: int, width: int, seed: int, shared: Shared):
        self.rng = random.Random(f"guian-kg-corpus:{seed}:{number}")
        self.tag = f"{number:0{width}d}"
        self.slug = f"synthetic-{self.tag}"
        self.suffix = f"-a{self.tag}"
        self.article = f"article:{self.slug}"
        self.shared = shared
        self.paragraphs: list[str] = []
        self.files: dict[str, list[str]] = {}
        self.marks = 0

    # -- text

    def quoted(self, sentence: str) -> str:
        """The sentence with its unique mark: what a quote copies, verbatim."""
        self.marks += 1
        return f"{sentence}〔{self.tag}-{self.marks}〕"

    def quote(self, out: list[str], slug: str, exact: str) -> str:
        iri = f"quote:{slug}{self.suffix}"
        out.append(
            f"{iri} a gk:Quote ;\n    oa:exact {_lit(exact)} ;\n    dcterms:source {self.article} .\n"
        )
        return iri

    # -- the article

    def write(self) -> tuple[str, dict[str, str]]:
        rng = self.rng
        topics = rng.sample(TOPICS, DESIGNATIONS)
        self._head(topics)
        self._preface(topics)
        for index, topic in enumerate(topics):
            self._designation(index, topic)
        self._captions()
        text = "\n\n".join(self.paragraphs) + "\n"
        files = {
            name: PREFIXES + "\n" + "\n".join(parts) + _statuses(parts)
            for name, parts in self.files.items()
        }
        return text, files

    def _head(self, topics) -> None:
        rng, out = self.rng, self.files.setdefault("article.ttl", [])
        headline = f"细数贵安新区的国家级“金字招牌”（第{self.tag}期）"
        self.paragraphs.append(headline)
        self.paragraphs.append(f"——{topics[0][1]}、{topics[1][1]}等国字号名片巡礼")
        people = []
        for i in range(3):
            (s_zh, s_en), (g1_zh, g1_en), (g2_zh, g2_en) = (
                rng.choice(SURNAMES),
                rng.choice(GIVEN),
                rng.choice(GIVEN),
            )
            people.append(
                (
                    f"person:{'photographer' if i == 2 else f'reporter-{i + 1}'}{self.suffix}",
                    s_zh + g1_zh + g2_zh,
                    f"{s_en} {g1_en.capitalize()}{g2_en}",
                )
            )
        byline = self.quoted(
            f"贵阳日报融媒体中心记者 {people[0][1]} {people[1][1]}/文 {people[2][1]}/图"
        )
        self.paragraphs.append(byline)
        self.images = [f"image:photo-{i}{self.suffix}" for i in (1, 2)]
        out.append(
            f"{self.article} a schema:NewsArticle ;\n    {_labels(headline, f'Counting the national titles of {GUIAN_EN} (issue {self.tag})')} ;\n"
            f'    schema:headline {_lit(headline, "zh")} ;\n    schema:inLanguage "zh" ;\n'
            f"    schema:publisher organization:guiyang-daily-media-center ;\n"
            f"    schema:author {people[0][0]} , {people[1][0]} ;\n"
            f"    schema:associatedMedia {self.images[0]} , {self.images[1]} ;\n"
            f"    schema:about place:guian-new-area ;\n"
            f"    {_labels('合成文章，供基准测试使用。', 'A synthetic article, for the benchmarks.', 'rdfs:comment')} ;\n"
            f"    gk:quote quote:headline{self.suffix} , quote:byline{self.suffix} .\n"
        )
        self.quote(out, "headline", headline)
        self.quote(out, "byline", byline)
        for iri, zh, en in people:
            job = (
                ""
                if "photographer" in iri
                else (
                    f"    {_labels('记者', 'reporter', 'schema:jobTitle')} ;\n"
                    "    schema:worksFor organization:guiyang-daily-media-center ;\n"
                )
            )
            out.append(
                f"{iri} a schema:Person ;\n    {_labels(zh, en)} ;\n    {_labels(zh, en, 'schema:name')} ;\n"
                f"{job}    gk:quote quote:byline{self.suffix} .\n"
            )
        self.photographer = people[2][0]

    def _preface(self, topics) -> None:
        out = self.files.setdefault("preface.ttl", [])
        sentences = [
            self.quoted(
                f"自成立以来，贵安新区先后荣获{topics[2][1]}、{topics[3][1]}等多项国家级名片"
            ),
            self.quoted(
                f"一块块金字招牌，见证贵安新区在{self.rng.choice(('数字经济', '生态文明', '改革开放'))}领域的创新实践"
            ),
        ]
        self.paragraphs.append("。".join(sentences) + "。" + self.rng.choice(FILLER) + "。")
        for i, exact in enumerate(sentences, 1):
            out.append(
                f"claim:preface-{i}{self.suffix} a gk:Claim ;\n"
                f"    {_labels(exact.split('〔')[0], f'Preface claim {i} of synthetic article {self.tag}')} ;\n"
                f"    gk:about place:guian-new-area ;\n    gk:quote quote:preface-{i}{self.suffix} .\n"
            )
            self.quote(out, f"preface-{i}", exact)

    def _designation(self, index: int, topic) -> None:
        rng = self.rng
        slug, zh, en, programme_zh, unit_zh, unit_en, title = topic
        out = self.files.setdefault(f"designations/{index + 1:02d}-{slug}.ttl", [])
        s = self.suffix
        designation, programme = f"designation:{slug}{s}", f"programme:{slug}{s}"
        date, date_zh, _ = _date(rng, 2013, 2022)
        cohort, batch = rng.randint(5, 120), rng.randint(1, 5)
        # A national agency, and another from any level: agencies recur across articles.
        first = rng.choice(self.shared.national)
        orgs = [
            first,
            rng.choice([o for o in self.shared.national + self.shared.other if o != first]),
        ]
        roles = rng.sample(sorted(ROLES), 2)
        has_document = index in DOCUMENT_DESIGNATIONS
        document = f"document:{slug}{s}"
        issued = f"，印发《{title}》" if has_document else ""
        grant = self.quoted(
            f"{date_zh}，经{orgs[0][1]}{ROLES[roles[0]][0]}、{orgs[1][1]}{ROLES[roles[1]][0]}{issued}，"
            f"贵安新区入选第{CN_DIGITS[batch]}批{programme_zh}（全国共{cohort}{unit_zh}）"
        )
        paragraph = [grant, rng.choice(FILLER)]
        involvements = [
            f"involvement:{slug}--{org[0]}--{role}{s}"
            for org, role in zip(orgs, roles, strict=True)
        ]
        out.append(
            f"{designation} a gk:Designation ;\n    {_labels(zh, en)} ;\n    gk:sequenceNumber {index + 1} ;\n"
            f"    gk:heldBy place:guian-new-area ;\n    gk:programme {programme} ;\n    gk:date {date} ;\n"
            f"    gk:involvement {' , '.join(involvements)} ;\n"
            + (f"    gk:document {document} ;\n" if has_document else "")
            + f"    {_labels(f'合成文章{self.tag}的第{index + 1}项称号。', f'Designation {index + 1} of synthetic article {self.tag}.', 'rdfs:comment')} ;\n"
            f"    gk:quote quote:{slug}-grant{s} .\n"
        )
        self.quote(out, f"{slug}-grant", grant)
        out.append(
            f"{programme} a gk:Programme ;\n    {_labels(programme_zh, en + 's')} ;\n"
            f"    gk:cohortSize {cohort} ;\n    gk:batch {batch} ;\n"
            f"    {_labels(programme_zh, unit_en, 'gk:cohortUnit')} ;\n    gk:quote quote:{slug}-grant{s} .\n"
        )
        for iri, org, role in zip(involvements, orgs, roles, strict=True):
            out.append(
                f"{iri} a gk:Involvement ;\n    {_labels(org[1] + ROLES[role][0], f'{org[2]} {ROLES[role][1]}')} ;\n"
                f"    prov:agent organization:{org[0]} ;\n    prov:hadRole role:{role} ;\n"
                f"    gk:quote quote:{slug}-grant{s} .\n"
            )
        if has_document:
            out.append(
                f"{document} a gk:PolicyDocument ;\n    {_labels(title, f'The policy document of {en}')} ;\n"
                f"    dcterms:title {_lit(title, 'zh')} ;\n    dcterms:issued {date} ;\n"
                f"    dcterms:creator organization:{orgs[0][0]} ;\n"
                f"    {_labels('文件名照原文录入。', 'The title is kept as the article writes it.', 'rdfs:comment')} ;\n"
                f"    gk:quote quote:{slug}-grant{s} .\n"
            )
        for k in range(OBSERVATIONS_PER_DESIGNATION[index]):
            paragraph.append(self._observation(out, index, k, slug, designation))
        if index in MILESTONE_DESIGNATIONS:
            m_date, m_zh, _ = _date(rng, 2018, 2024)
            exact = self.quoted(f"{m_zh}，贵安新区{zh}工作通过国家验收并获评优秀等次")
            paragraph.append(exact)
            out.append(
                f"milestone:{slug}-assessment{s} a gk:Milestone ;\n"
                f"    {_labels(f'{zh}通过国家验收', f'{en} passed the national assessment')} ;\n"
                f"    gk:designation {designation} ;\n    gk:date {m_date} ;\n"
                f"    {_labels('验收不是授予称号，故记为里程碑。', 'An assessment is not a grant, so it is a milestone.', 'rdfs:comment')} ;\n"
                f"    gk:quote quote:{slug}-assessment{s} .\n"
            )
            self.quote(out, f"{slug}-assessment", exact)
        claim = self.quoted(
            f"{zh}为贵安新区{rng.choice(('高质量发展', '改革创新', '绿色发展'))}注入了强劲动力"
        )
        paragraph.append(claim)
        out.append(
            f"claim:{slug}-impact{s} a gk:Claim ;\n    {_labels(f'{zh}推动贵安新区发展', f'{en} drives the development of {GUIAN_EN}')} ;\n"
            f"    gk:designation {designation} ;\n    gk:about place:guian-new-area ;\n"
            f"    {_labels('原文的评价，不是可度量的事实。', 'The appraisal of the article, not a measurable fact.', 'rdfs:comment')} ;\n"
            f"    gk:quote quote:{slug}-impact{s} .\n"
        )
        self.quote(out, f"{slug}-impact", claim)
        self.paragraphs.append(f"{index + 1} {zh}")
        self.paragraphs.append("。".join(paragraph) + "。")

    def _observation(self, out: list[str], index: int, k: int, slug: str, designation: str) -> str:
        rng, s = self.rng, self.suffix
        qualified = k == 0
        slot = (index * 5 + k) % len(TIME_SLOTS)
        time_qualifier = TIME_SLOTS[slot]
        inferred = index == 0 and k == 1  # one date a year "this year", inferred
        place = rng.choice(self.shared.places)
        if qualified:
            metric, m_zh, m_en, unit, figure, qualifier, q_text = rng.choice(QUALIFIED_METRICS)
            value, written = figure(rng)
            stated = written + QUALIFIED_SUFFIX[metric]
        else:
            metric, m_zh, m_en, unit, figure, unit_text = rng.choice(EXACT_METRICS)
            value, written = figure(rng)
            stated, qualifier, q_text = written + unit_text, "exact", ""
        lines = [
            f"observation:{slug}-{k + 1}{s} a gk:Observation ;",
            f"    {_labels(f'{place[1]}{m_zh}', f'{m_en.capitalize()} of {place[2]}')} ;",
            f"    gk:designation {designation} ;\n    gk:metric metric:{metric} ;\n    gk:about place:{place[0]} ;",
            f"    qudt:value {_value(value)} ;\n    qudt:hasUnit {unit} ;\n    gk:valueQualifier qualifier:{qualifier} ;",
        ]
        if q_text:
            lines.append(f"    gk:qualifierText {_lit(q_text)} ;")
        lines.append(
            f"    gk:statedValue {_lit(stated)} ;\n    gk:timeQualifier timeq:{time_qualifier} ;"
        )
        if inferred:
            year = rng.randint(2024, 2025)
            month = rng.randint(1, 12)
            when = f"今年{month}月"
            lines.append(
                f'    gk:date "{year}-{month:02d}"^^xsd:gYearMonth ;\n    gk:inferred true ;'
            )
            lines.append(
                f"    {_labels(f'文章写于{year}年，“今年”即{year}年。', f'The article was written in {year}, so this year is {year}.', 'gk:inferenceReason')} ;"
            )
        elif time_qualifier == "as-of-publication":
            when = "目前"
            lines.append(
                f"    {_labels('原文以“目前”引出，未给日期。', 'Introduced by 目前 (at present), with no date.', 'rdfs:comment')} ;"
            )
        else:
            date, date_zh, _ = _date(rng, 2016, 2025)
            lines.append(f"    gk:date {date} ;")
            when = {
                "as-of": f"截至{date_zh}",
                "during": f"{date_zh}期间",
                "at": f"{date_zh}获批时",
            }[time_qualifier]
        # 内 (within) follows the figure it bounds; the other qualifying words come before it.
        figure_text = f"为{stated}{q_text}" if q_text == "内" else f"{q_text or '为'}{stated}"
        exact = self.quoted(f"{when}，{place[1]}{m_zh}{figure_text}")
        lines.append(f"    gk:quote quote:{slug}-{k + 1}{s} .\n")
        out.append("\n".join(lines))
        self.quote(out, f"{slug}-{k + 1}", exact)
        self._value_statement(out, f"{slug}-{k + 1}", value, m_zh, figure_text)
        return exact

    def _value_statement(self, out: list[str], slug: str, value, metric_zh: str, figure_text: str):
        """The statement of an observation's value, its narrow quote inside the sentence quote."""
        s, name = self.suffix, f"observation--{slug}{self.suffix}--value"
        out.append(
            f"statement:{name} a rdf:Statement ;\n    rdf:subject observation:{slug}{s} ;\n"
            f"    rdf:predicate qudt:value ;\n    rdf:object {_value(value)} ;\n"
            f"    gk:statedForm {_lit(metric_zh)} , {_lit(figure_text.removeprefix('为'))} ;\n"
            f"    gk:quote quote:{name} ;\n    gk:status status:stated .\n"
        )
        out.append(
            f"quote:{name} a gk:Quote ;\n    oa:exact {_lit(metric_zh + figure_text)} ;\n"
            f"    gk:sentence quote:{slug}{s} ;\n    dcterms:source {self.article} .\n"
        )

    def _captions(self) -> None:
        out = self.files["article.ttl"]
        for position, image in enumerate(self.images, 1):
            place = self.rng.choice(self.shared.places)
            caption = f"{place[1]}一景。"
            exact = self.quoted(f"图{'①②'[position - 1]}：{caption}")
            self.paragraphs.append(exact)
            out.append(
                f"{image} a schema:ImageObject ;\n    {_labels(f'图{position}：{place[1]}', f'Photo {position}: {place[2]}')} ;\n"
                f"    schema:position {position} ;\n    schema:caption {_lit(caption, 'zh')} ;\n"
                f"    schema:creator {self.photographer} ;\n    schema:contentLocation place:{place[0]} ;\n"
                f"    gk:quote quote:photo-{position}{self.suffix} .\n"
            )
            self.quote(out, f"photo-{position}", exact)


def article_slug(number: int, articles: int) -> str:
    return f"synthetic-{number:0{_width(articles)}d}"


def _width(articles: int) -> int:
    return max(5, len(str(articles)))


def write_article(
    out: Path, number: int, articles: int, seed: int = 0, shared: Shared | None = None
) -> Path:
    """Write article `number` (1-based) of an `articles`-article corpus; return its folder."""
    article = _Article(number, _width(articles), seed, shared or _read_shared())
    text, files = article.write()
    folder = out / "articles" / article.slug
    (folder / "designations").mkdir(parents=True, exist_ok=True)
    source = text.encode("utf-8")
    (folder / "source.zh.txt").write_bytes(source)
    (folder / "SHA256SUMS").write_bytes(
        f"{hashlib.sha256(source).hexdigest()}  source.zh.txt\n".encode()
    )
    for name, content in files.items():
        (folder / name).write_bytes(content.encode("utf-8"))
    return folder


def generate(out: Path, articles: int, seed: int = 0) -> list[Path]:
    """Write a corpus of `articles` synthetic articles under `out`; return the article folders."""
    out = Path(out)
    (out / "shared").mkdir(parents=True, exist_ok=True)
    for name in ("organizations.ttl", "places.ttl"):
        shutil.copyfile(_shared_source(name), out / "shared" / name)
    shared = _read_shared()
    return [write_article(out, n, articles, seed, shared) for n in range(1, articles + 1)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, nargs="?", help="the corpus folder to write")
    parser.add_argument("articles", type=int, nargs="?", help="how many articles")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="2 articles into a temporary folder")
    args = parser.parse_args(argv)
    if args.smoke:
        with tempfile.TemporaryDirectory() as tmp:
            _report(Path(tmp), 2, args.seed)
        return
    if args.out is None or args.articles is None:
        parser.error("give OUT and N, or --smoke")
    _report(args.out, args.articles, args.seed)


def _report(out: Path, articles: int, seed: int) -> None:
    started = time.perf_counter()
    folders = generate(out, articles, seed)
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"articles: {len(folders)}, seed {seed}, in {seconds:.2f} s")
    print(
        f"triples: {TRIPLES_PER_ARTICLE} per article (+ the shared files), {size / 1e6:.1f} MB on disk"
    )


if __name__ == "__main__":
    sys.exit(main())

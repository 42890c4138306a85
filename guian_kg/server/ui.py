"""The HTML pages' own words in zh and en, the language a request asks for, and how terms are shown."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ..namespaces import OA, ORG, QUDT, SCHEMA
from .negotiation import choose_language

LANGS = ("zh", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "site": ("贵安新区国家级金字招牌知识图谱", "Gui'an New Area national designations"),
    "home": ("首页", "Home"),
    "sparql": ("SPARQL 查询", "SPARQL query"),
    "ontology": ("本体", "Ontology"),
    "void": ("数据集描述", "Dataset description"),
    "downloads": ("下载", "Downloads"),
    "examples": ("示例查询", "Example queries"),
    "timeline": ("称号时间线", "Timeline of the designations"),
    "timeline_note": (
        "按 gk:periodStart 排序；条形覆盖日期的精度：一日、一月或一年。",
        "Sorted by gk:periodStart; each bar spans the date's precision: a day, a month or a year.",
    ),
    "timeline_more": (
        "只画出最早的 {n} 项；示例查询 timeline 列出全部。",
        "Only the earliest {n} are drawn; the example query timeline lists them all.",
    ),
    "more_values": (
        "只列出按存储顺序的前 {n} 条；全部可用 SPARQL 查询。",
        "Only the first {n} in the store's order are listed; SPARQL gives them all.",
    ),
    "unanswered": (
        "此查询超出生成网站时的时间或内存限制，未在此计算；用 guian-kg query 运行其查询文件。",
        "This query went past the time or memory allowed while the site was written, so its answer "
        "is not shown here; run its query file with guian-kg query.",
    ),
    "more_rows": (
        "只列出前 {n} 行；查询文件给出全部。",
        "Only the first {n} are shown; the query file gives them all.",
    ),
    "counts": ("数量", "Counts"),
    "types": ("类型", "Types"),
    "properties": ("属性", "Properties"),
    "incoming": ("指向本资源的链接", "Links to this resource"),
    "evidence": ("原文依据", "Evidence in the source"),
    "stated_values": ("每个值的原文", "The words behind each value"),
    "status": ("依据状态", "status"),
    "offsets": ("位置", "offsets"),
    "offsets_note": ("Unicode 码点，终点不含", "Unicode code points, end exclusive"),
    "context_only": (
        "来源文本不可用：只显示引文的前后文（oa:prefix、oa:suffix）。",
        "The source text is not available: showing the quote's own context (oa:prefix, oa:suffix).",
    ),
    "formats": ("其他格式", "Other formats"),
    "classes": ("类", "Classes"),
    "object_properties": ("对象属性", "Object properties"),
    "datatype_properties": ("数据属性", "Datatype properties"),
    "other_terms": ("其他术语", "Other terms"),
    "domain": ("定义域", "Domain"),
    "range": ("值域", "Range"),
    "subclass_of": ("上位类", "Subclass of"),
    "subproperty_of": ("上位属性", "Subproperty of"),
    "shapes": ("适用的形状", "Shapes that apply"),
    "no_shapes": ("没有形状直接约束此术语。", "No shape constrains this term directly."),
    "run": ("运行", "Run"),
    "load": ("载入", "Load"),
    "query": ("查询", "Query"),
    "result_format": ("结果格式", "Result format"),
    "results": ("结果", "Results"),
    "rows": ("行", "rows"),
    "triples": ("三元组", "triples"),
    "error": ("错误", "Error"),
    "not_found": ("未找到", "Not found"),
    "not_found_text": ("此数据集中没有这个资源。", "This dataset has no such resource."),
    "endpoint_info": ("端点说明", "About this endpoint"),
    "default_graph": (
        "默认图是所有命名图的并集（RDF 合并）；GRAPH 可分别访问各命名图。",
        "The default graph is the union (RDF merge) of the named graphs; GRAPH reaches each named graph.",
    ),
    "limits": ("限制", "Limits"),
    "prefixes": ("前缀", "Prefixes"),
    "licence": (
        "数据采用 CC BY 4.0 许可；引文版权归《贵阳日报》。",
        "Data under CC BY 4.0; quoted text © Guiyang Daily.",
    ),
    "named_graph": ("命名图", "Named graph"),
    "service_description": ("服务描述", "Service description"),
    "view_example": ("查看", "view"),
}

# Labels for the common terms of other vocabularies, which the dataset does not label itself.
TERM_LABELS: dict[URIRef, tuple[str, str]] = {
    RDF.type: ("类型", "type"),
    RDFS.label: ("名称", "label"),
    RDFS.comment: ("说明", "comment"),
    RDFS.subClassOf: ("上位类", "subclass of"),
    RDFS.domain: ("定义域", "domain"),
    RDFS.range: ("值域", "range"),
    SKOS.altLabel: ("别名", "also called"),
    SKOS.prefLabel: ("名称", "preferred label"),
    SKOS.definition: ("定义", "definition"),
    SKOS.inScheme: ("所属体系", "in scheme"),
    SKOS.broader: ("上位概念", "broader"),
    OWL.sameAs: ("等同于", "same as"),
    DCTERMS.title: ("标题", "title"),
    DCTERMS.source: ("来源", "source"),
    DCTERMS.issued: ("发布日期", "issued"),
    DCTERMS.creator: ("发布者", "creator"),
    DCTERMS.isPartOf: ("属于", "part of"),
    OA.exact: ("原文", "exact text"),
    OA.start: ("起点", "start"),
    OA.end: ("终点", "end"),
    OA.prefix: ("前文", "prefix"),
    OA.suffix: ("后文", "suffix"),
    QUDT.value: ("数值", "value"),
    QUDT.hasUnit: ("单位", "unit"),
    ORG.subOrganizationOf: ("上级机构", "sub-organisation of"),
    SCHEMA.containedInPlace: ("所在地", "contained in place"),
    URIRef("http://www.w3.org/ns/prov#agent"): ("机构", "agent"),
    URIRef("http://www.w3.org/ns/prov#hadRole"): ("角色", "role"),
}
PLAIN = {XSD.string, RDF.langString}


def text(key: str, lang: str) -> str:
    zh, en = STRINGS[key]
    return zh if lang == "zh" else en


def choose_lang(param: str | None, cookie: str | None, accept_language: str | None) -> str:
    """?lang=, else the lang cookie, else zh or en by Accept-Language (q-values), else zh."""
    for candidate in (param, cookie):
        if candidate in LANGS:
            return candidate
    return choose_language(accept_language, LANGS) or "zh"


def curie(iri: str, prefixes: dict[str, str]) -> str:
    """`prefix:local` with the longest matching namespace, else the IRI."""
    best = max(
        (ns for ns in prefixes.values() if iri.startswith(ns) and len(iri) > len(ns)),
        key=len,
        default=None,
    )
    if best is None:
        return iri
    prefix = next(p for p, ns in sorted(prefixes.items()) if ns == best)
    return f"{prefix}:{iri[len(best) :]}"


@dataclass(frozen=True)
class Shown:
    """A term as a page shows it: its text, a link for IRIs, the language or datatype of literals."""

    text: str
    href: str | None = None
    note: str = ""  # the prefixed name of an IRI, or a literal's language or datatype
    lang: str = ""


def show(term: Node, lang: str, label, prefixes: dict[str, str], link) -> Shown:
    """Show an IRI by its label (or prefixed name) as a link (`link(iri)`, where the IRI lies on
    this server); a literal as its text."""
    if isinstance(term, URIRef):
        name = curie(str(term), prefixes)
        known = TERM_LABELS.get(term)
        title = label(term, lang) or (known[0 if lang == "zh" else 1] if known else None)
        return Shown(title or name, link(str(term)), name if title else "")
    if isinstance(term, Literal):
        note = term.language or (
            ""
            if term.datatype in PLAIN or term.datatype is None
            else curie(str(term.datatype), prefixes)
        )
        return Shown(str(term), None, note, term.language or "")
    return Shown(f"_:{term}")

"""What a resource's document holds (RDF) and shows (HTML): properties, incoming links, quotes in context."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS

from ..namespaces import GK, OA
from .site import Site
from .ui import Shown, curie, show

# Properties shown first, in this order; the rest follow by label.
FIRST = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, RDFS.comment, SKOS.definition)
SENTENCE_ENDS = "。！？!?\n"
MAX_CONTEXT = 160  # characters of context on either side of a quote, at most
# Triples a document holds with its thing as subject, and as object: a node with 100,000 links
# gets a page (and an RDF document) of the first MAX_LINKS in the store's order, which says so.
MAX_LINKS = 500


def describe(site: Site, thing: URIRef, doc: URIRef | None = None) -> Graph:
    """The document about `thing`: its triples as subject, then as object (at most MAX_LINKS each),
    and the document's topic."""
    graph = Graph()
    # MAX_LINKS + 1, as resource_view asks (the same question, remembered by the static site).
    for triple in site.triples(thing, None, None, limit=MAX_LINKS + 1)[:MAX_LINKS]:
        graph.add(triple)
    for triple in site.triples(None, None, thing, limit=MAX_LINKS + 1)[:MAX_LINKS]:
        graph.add(triple)
    if doc is not None:
        graph.add((doc, FOAF.primaryTopic, thing))
    return graph


@dataclass
class Evidence:
    """A quote highlighted in its sentence, with the fact it supports."""

    quote: Shown
    fact: Shown | None
    before: str
    exact: str
    after: str
    start: int | None
    end: int | None
    from_source: bool  # False: the context is the quote's own oa:prefix / oa:suffix


@dataclass
class StatedValue:
    """A value of the thing with the words of the article that state it: its statement node
    (rdf:Statement), whose narrowest quote is shown highlighted in its sentence, and its status."""

    property: Shown
    value: Shown
    status: Shown | None
    words: Evidence


@dataclass
class ResourceView:
    iri: str
    title: str
    subtitle: str
    name: str  # the prefixed name
    types: list[Shown] = field(default_factory=list)
    properties: list[tuple[Shown, list[Shown]]] = field(default_factory=list)
    incoming: list[tuple[Shown, list[Shown]]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    stated: list[StatedValue] = field(default_factory=list)
    more_properties: bool = False  # more than MAX_LINKS: the page shows the first ones
    more_incoming: bool = False


def resource_view(site: Site, thing: URIRef, lang: str) -> ResourceView:
    """Everything the HTML page of `thing` shows, in `lang`."""
    prefixes = site.prefixes

    def shown(term) -> Shown:
        return site.shown(term, lang)

    other = "en" if lang == "zh" else "zh"
    title = site.label(thing, lang) or curie(str(thing), prefixes)
    subtitle = site.labels(thing).get(other, "")
    view = ResourceView(
        str(thing), title, subtitle if subtitle != title else "", curie(str(thing), prefixes)
    )
    outgoing = site.triples(thing, None, None, limit=MAX_LINKS + 1)
    incoming_triples = site.triples(None, None, thing, limit=MAX_LINKS + 1)
    view.more_properties, view.more_incoming = (
        len(outgoing) > MAX_LINKS,
        len(incoming_triples) > MAX_LINKS,
    )
    outgoing, incoming_triples = outgoing[:MAX_LINKS], incoming_triples[:MAX_LINKS]
    view.types = sorted((shown(o) for _, p, o in outgoing if p == RDF.type), key=lambda s: s.text)
    by_predicate: dict[URIRef, list] = {}
    for _, predicate, value in outgoing:
        if predicate != RDF.type:
            by_predicate.setdefault(predicate, []).append(value)
    view.properties = _grouped(by_predicate, shown, lang)
    incoming: dict[URIRef, list] = {}
    for subject, predicate, _ in incoming_triples:
        incoming.setdefault(predicate, []).append(subject)
    view.incoming = _grouped(incoming, shown, lang)
    quote_property = site.term(GK.quote)
    if site.triples(thing, RDF.type, site.term(GK.Quote), limit=1):
        view.evidence = [_evidence(site, thing, None, shown)]
        return view
    # Each value's own words: the statements about the thing (its statement nodes).
    statements = sorted(s for s, p, _ in incoming_triples if p == RDF.subject)
    view.stated = [_stated_value(site, statement, shown) for statement in statements]
    # The thing's own quotes, then those of every fact that points to it (a designation's figures).
    pointing = {s for s, _, _ in incoming_triples} - set(statements)
    facts = [thing, *sorted(s for s in pointing if site.triples(s, quote_property, None, limit=1))]
    for fact in facts:
        for _, _, quote in sorted(site.triples(fact, quote_property, None)):
            view.evidence.append(
                _evidence(site, quote, shown(fact) if fact != thing else None, shown)
            )
    return view


def _grouped(values: dict[URIRef, list], shown, lang: str) -> list[tuple[Shown, list[Shown]]]:
    def predicate_key(predicate: URIRef):
        return (FIRST.index(predicate) if predicate in FIRST else len(FIRST), shown(predicate).text)

    def value_key(value):
        is_literal = isinstance(value, Literal)
        return (
            not is_literal,
            is_literal and value.language not in (lang, None),
            shown(value).text,
        )

    return [
        (shown(predicate), [shown(v) for v in sorted(values[predicate], key=value_key)])
        for predicate in sorted(values, key=predicate_key)
    ]


def _stated_value(site: Site, statement: URIRef, shown) -> StatedValue:
    status = site.value(statement, site.term(GK.status))
    return StatedValue(
        shown(site.value(statement, RDF.predicate)),
        shown(site.value(statement, RDF.object)),
        shown(status) if status is not None else None,
        _evidence(site, site.value(statement, site.term(GK.quote)), shown(statement), shown),
    )


def _evidence(site: Site, quote: URIRef, fact: Shown | None, shown) -> Evidence:
    exact = str(site.value(quote, OA.exact) or "")
    start, end = site.value(quote, OA.start), site.value(quote, OA.end)
    start = int(start) if isinstance(start, Literal) else None
    end = int(end) if isinstance(end, Literal) else None
    text = site.sources.get(str(site.value(quote, DCTERMS.source) or ""))
    if text and start is not None and end is not None and text[start:end] == exact:
        before, after = sentence_context(text, start, end)
        return Evidence(shown(quote), fact, before, exact, after, start, end, True)
    prefix, suffix = site.value(quote, OA.prefix), site.value(quote, OA.suffix)
    return Evidence(
        shown(quote), fact, str(prefix or ""), exact, str(suffix or ""), start, end, False
    )


def sentence_context(text: str, start: int, end: int) -> tuple[str, str]:
    """The text before and after [start, end) up to the sentence's ends (at most MAX_CONTEXT characters)."""
    first = start
    while first > 0 and text[first - 1] not in SENTENCE_ENDS and start - first < MAX_CONTEXT:
        first -= 1
    last = end
    while last < len(text) and text[last - 1] not in SENTENCE_ENDS and last - end < MAX_CONTEXT:
        last += 1
    before = ("…" if first > 0 and text[first - 1] not in SENTENCE_ENDS else "") + text[first:start]
    after = text[end:last].rstrip("\n") + (
        "…" if last < len(text) and text[last - 1] not in SENTENCE_ENDS else ""
    )
    return before, after


def literal_in(site: Site, subject: URIRef, predicate: URIRef, lang: str) -> str:
    """The value of a bilingual property in `lang`, else in any language."""
    values = {
        o.language: str(o)
        for _, _, o in site.triples(subject, predicate, None)
        if isinstance(o, Literal)
    }
    return values.get(lang) or next(iter(sorted(values.values())), "")


def class_counts(site: Site, lang: str) -> list[tuple[Shown, int]]:
    """Instances per class in the data graph, most first."""
    shown = [
        (show(cls, lang, site.label, site.prefixes, site.local), n)
        for cls, n in site.class_counts.items()
    ]
    return sorted(shown, key=lambda item: (-item[1], item[0].text))

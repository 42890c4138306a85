"""Anchor every quote in the source text: compute its offsets and context, or fail naming the fact.

Offsets follow the W3C Web Annotation TextPositionSelector (§4.2.1): Unicode code points from 0,
`end` exclusive. They are typed xsd:integer, not the spec's xsd:nonNegativeInteger: Oxigraph stores
the latter as xsd:integer, so a dump loaded there would no longer be isomorphic with the file. `prefix`/`suffix` follow the TextQuoteSelector (§4.2.4).
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from .errors import QuoteError
from .namespaces import GK, OA

CONTEXT_CHARS = 16


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    prefix: str
    suffix: str


def find_all(text: str, exact: str) -> list[int]:
    """Every start offset (code points) of `exact` in `text`, overlapping matches included."""
    found, at = [], text.find(exact)
    while at != -1:
        found.append(at)
        at = text.find(exact, at + 1)
    return found


def anchor(text: str, start: int, length: int) -> Anchor:
    end = start + length
    return Anchor(
        start, end, text[max(0, start - CONTEXT_CHARS) : start], text[end : end + CONTEXT_CHARS]
    )


def _facts_citing(graph: Graph, quote: URIRef) -> str:
    facts = sorted(str(s) for s in graph.subjects(GK.quote, quote))
    return ", ".join(facts) if facts else "(no fact cites it)"


def anchor_quotes(graph: Graph, sources: dict[str, str]) -> int:
    """Add oa:start, oa:end, oa:prefix, oa:suffix to every gk:Quote, in the text of the article its
    dcterms:source names (article IRI → text in `sources`); raise QuoteError listing every failure."""
    problems: list[str] = []
    quotes = sorted(set(graph.subjects(RDF.type, GK.Quote)) | set(graph.objects(None, GK.quote)))
    for quote in quotes:
        exacts = list(graph.objects(quote, OA.exact))
        if len(exacts) != 1:
            problems.append(
                f"{_facts_citing(graph, quote)}: quote {quote} has {len(exacts)} oa:exact values, needs 1"
            )
            continue
        exact = str(exacts[0])
        articles = [str(a) for a in graph.objects(quote, DCTERMS.source)]
        if len(articles) != 1 or articles[0] not in sources:
            known = ", ".join(sorted(sources))
            problems.append(
                f"{_facts_citing(graph, quote)}: quote {quote} names {len(articles)} source(s) "
                f"({', '.join(articles) or 'none'}); it needs one dcterms:source among the "
                f"articles of the corpus: {known}"
            )
            continue
        text = sources[articles[0]]
        hits = find_all(text, exact) if exact else []
        if len(hits) != 1:
            elsewhere = [
                a for a, other in sorted(sources.items()) if a != articles[0] and exact in other
            ]
            if hits:
                why = f"occurs {len(hits)} times in {articles[0]} (lengthen it)"
            elif elsewhere:
                why = (
                    f"is not in its source {articles[0]} but in {', '.join(elsewhere)}: "
                    "a quote anchors in the article it names"
                )
            else:
                why = f"is not in its source {articles[0]}"
            problems.append(f"{_facts_citing(graph, quote)}: quote {quote} {why}: «{exact}»")
            continue
        found = anchor(text, hits[0], len(exact))
        for prop, value in ((OA.start, found.start), (OA.end, found.end)):
            stated = list(graph.objects(quote, prop))
            if stated and [int(v) for v in stated] != [value]:
                problems.append(
                    f"{_facts_citing(graph, quote)}: quote {quote} states {prop.fragment or prop} "
                    f"{stated[0]} but the text is at {value}"
                )
        graph.set((quote, OA.start, Literal(found.start, datatype=XSD.integer)))
        graph.set((quote, OA.end, Literal(found.end, datatype=XSD.integer)))
        graph.set((quote, OA.prefix, Literal(found.prefix)))
        graph.set((quote, OA.suffix, Literal(found.suffix)))
    problems.extend(_stated_values_outside_quotes(graph))
    if problems:
        raise QuoteError("quotes that do not match the source:\n  " + "\n  ".join(problems))
    return len(quotes)


def _stated_values_outside_quotes(graph: Graph) -> list[str]:
    """An observation's gk:statedValue must be written inside one of its quotes."""
    problems = []
    for fact, stated in sorted(graph.subject_objects(GK.statedValue)):
        exacts = [str(e) for q in graph.objects(fact, GK.quote) for e in graph.objects(q, OA.exact)]
        if not any(str(stated) in exact for exact in exacts):
            problems.append(f"{fact}: stated value «{stated}» is not in its quote(s)")
    return problems

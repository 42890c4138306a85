"""Anchor every quote in the source text: compute its offsets and context, or fail naming the fact.

Offsets follow the W3C Web Annotation TextPositionSelector (§4.2.1): Unicode code points from 0,
`end` exclusive. They are typed xsd:integer, not the spec's xsd:nonNegativeInteger: Oxigraph stores
the latter as xsd:integer, so a dump loaded there would no longer be isomorphic with the file. `prefix`/`suffix` follow the TextQuoteSelector (§4.2.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, XSD

from .errors import QuoteError
from .facts import Facts
from .namespaces import GK, OA
from .terms import node

CONTEXT_CHARS = 16
_QUOTE, _TYPE, _EXACT, _SOURCE = (
    node(GK.Quote),
    node(RDF.type),
    node(OA.exact),
    node(DCTERMS.source),
)
_CITES, _STATED, _SENTENCE = node(GK.quote), node(GK.statedValue), node(GK.sentence)
_START, _END, _PREFIX, _SUFFIX = (node(OA[name]) for name in ("start", "end", "prefix", "suffix"))
_INTEGER = node(XSD.integer)


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


def _facts_citing(facts: Facts, quote: ox.NamedNode) -> str:
    citing = sorted(_text(s) for s in facts.subjects(_CITES, quote))
    return ", ".join(citing) if citing else "(no fact cites it)"


def _text(term) -> str:
    """An IRI, blank node or literal as the messages write it: its value."""
    return term.value


@dataclass
class Pending:
    """What one unit of the corpus leaves to the whole: quotes it cites but another unit describes,
    and stated values whose quotes are not all in the unit."""

    quotes: dict[str, str] = field(default_factory=dict)  # quote IRI → the facts citing it
    stated: list[tuple[str, str, list[str]]] = field(default_factory=list)  # fact, value, quotes

    def update(self, other: Pending) -> None:
        self.quotes.update(other.quotes)
        self.stated.extend(other.stated)


def anchor_quotes(facts: Facts, sources: dict[str, str], pending: Pending | None = None) -> int:
    """Add oa:start, oa:end, oa:prefix, oa:suffix to every gk:Quote, in the text of the article its
    dcterms:source names (article IRI → text in `sources`); raise QuoteError listing every failure.

    With `pending`, a quote the facts cite without describing it (no triple about it) is left in
    `pending` for `check_pending`, once every unit is read; without, it is a failure.
    """
    problems: list[str] = []
    cited = {o for _, o in facts.subject_objects(_CITES)}
    described = {s for s, _ in facts.subject_objects(_EXACT)} | set(facts.subjects(_TYPE, _QUOTE))
    quotes = described | cited
    if pending is not None:
        for quote in cited - described:
            if not facts.describes(quote):
                pending.quotes[_text(quote)] = _facts_citing(facts, quote)
                quotes.discard(quote)
    # Sentence-level quotes first: a narrow quote (gk:sentence) is anchored inside its sentence.
    starts: dict = {}  # quote → its start in its article, once anchored
    for quote in sorted(quotes, key=lambda q: (bool(facts.objects(q, _SENTENCE)), _text(q))):
        exacts = facts.objects(quote, _EXACT)
        if len(exacts) != 1:
            problems.append(
                f"{_facts_citing(facts, quote)}: quote {_text(quote)} has {len(exacts)} oa:exact values, needs 1"
            )
            continue
        exact = exacts[0].value
        articles = [_text(a) for a in facts.objects(quote, _SOURCE)]
        if len(articles) != 1 or articles[0] not in sources:
            known = ", ".join(sorted(sources))
            problems.append(
                f"{_facts_citing(facts, quote)}: quote {_text(quote)} names {len(articles)} source(s) "
                f"({', '.join(sorted(articles)) or 'none'}); it needs one dcterms:source among the "
                f"articles of the corpus: {known}"
            )
            continue
        text = sources[articles[0]]
        sentences = facts.objects(quote, _SENTENCE)
        if sentences:
            at, why = _within_sentence(facts, quote, sentences, exact, articles[0], starts)
            if why:
                problems.append(
                    f"{_facts_citing(facts, quote)}: quote {_text(quote)} {why}: «{exact}»"
                )
                continue
            hits = [at]
        else:
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
            problems.append(f"{_facts_citing(facts, quote)}: quote {_text(quote)} {why}: «{exact}»")
            continue
        starts[quote] = hits[0]
        found = anchor(text, hits[0], len(exact))
        for prop, name, value in ((_START, "start", found.start), (_END, "end", found.end)):
            stated = facts.objects(quote, prop)
            if stated and [_integer(v) for v in stated] != [value]:
                problems.append(
                    f"{_facts_citing(facts, quote)}: quote {_text(quote)} states {name} "
                    f"{stated[0].value} but the text is at {value}"
                )
        facts.replace(quote, _START, ox.Literal(str(found.start), datatype=_INTEGER))
        facts.replace(quote, _END, ox.Literal(str(found.end), datatype=_INTEGER))
        facts.replace(quote, _PREFIX, ox.Literal(found.prefix))
        facts.replace(quote, _SUFFIX, ox.Literal(found.suffix))
    problems.extend(_stated_values_outside_quotes(facts, pending))
    if problems:
        raise QuoteError("quotes that do not match the source:\n  " + "\n  ".join(problems))
    return len(quotes)


def _within_sentence(facts: Facts, quote, sentences, exact: str, article: str, starts: dict):
    """(start, None) of a narrow quote found exactly once inside its one sentence quote, which is
    anchored already; else (None, why not). The same words elsewhere in the article do not count."""
    if len(sentences) != 1:
        return None, f"names {len(sentences)} gk:sentence quotes, needs 1"
    sentence = sentences[0]
    if facts.objects(sentence, _SENTENCE):
        return None, f"lies in {_text(sentence)}, which is itself a narrow quote: name its sentence"
    if sentence not in starts:
        return None, f"lies in {_text(sentence)}, which is not an anchored quote of this article"
    if [_text(a) for a in facts.objects(sentence, _SOURCE)] != [article]:
        return None, f"and its sentence {_text(sentence)} name different sources"
    inside = find_all(facts.objects(sentence, _EXACT)[0].value, exact) if exact else []
    if len(inside) != 1:
        where = "is not inside" if not inside else f"occurs {len(inside)} times in"
        return None, f"{where} its sentence {_text(sentence)}" + (
            " (lengthen it)" if inside else ""
        )
    return starts[sentence] + inside[0], None


def _integer(literal) -> int | None:
    try:
        return int(literal.value)
    except (AttributeError, ValueError):
        return None


def _stated_values_outside_quotes(facts: Facts, pending: Pending | None) -> list[str]:
    """An observation's gk:statedValue must be written inside one of its quotes."""
    problems = []
    for fact, stated in sorted(
        facts.subject_objects(_STATED), key=lambda so: (_text(so[0]), _text(so[1]))
    ):
        quotes = facts.objects(fact, _CITES)
        exacts = [e.value for q in quotes for e in facts.objects(q, _EXACT)]
        if any(stated.value in exact for exact in exacts):
            continue
        if pending is not None and any(_text(q) in pending.quotes for q in quotes):
            # Some quote is described by another unit.
            pending.stated.append((_text(fact), stated.value, [_text(q) for q in quotes]))
        else:
            problems.append(f"{_text(fact)}: stated value «{stated.value}» is not in its quote(s)")
    return problems


def check_pending(pending: Pending, exacts_of) -> None:
    """Check what the units left to the whole corpus, once every unit is read: each cited quote is
    described (one oa:exact, `exacts_of(quote)`), and each stated value is in one of its quotes."""
    problems = []
    for quote, citing in sorted(pending.quotes.items()):
        found = exacts_of(quote)
        if len(found) != 1:
            problems.append(f"{citing}: quote {quote} has {len(found)} oa:exact values, needs 1")
    for fact, stated, quotes in sorted(pending.stated):
        if not any(stated in exact for q in quotes for exact in exacts_of(q)):
            problems.append(f"{fact}: stated value «{stated}» is not in its quote(s)")
    if problems:
        raise QuoteError("quotes that do not match the source:\n  " + "\n  ".join(problems))

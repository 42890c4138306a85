"""Compare a graph read back from a store with the graph sent: same triples, and which literals it rewrote.

Two literals are the same RDF term only if their lexical forms, datatypes and language tags are
equal (RDF 1.1 Concepts §3.3). A store that keeps a literal's value but rewrites the term
("70000000000"^^xsd:integer stored as xsd:decimal, "1e18"^^xsd:double as "1.0E18") has not lost a
fact, but has changed what a query matching the term finds: that is reported as a change, not a
difference. Any other triple sent and not read back, or read back and not sent, is a difference.

Graphs are compared as sets of 16-byte digests of each triple's N-Triples form (pyoxigraph writes
one form per term), about 110 MB per million triples instead of the triples themselves; the
triples that differ are picked out by a second pass. Blank nodes are compared up to renaming by
canonicalising both graphs (pyoxigraph's Dataset.canonicalize) when the graph sent has any.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from .errors import StoreError

XSD = "http://www.w3.org/2001/XMLSchema#"
EXAMPLES = 5  # triples named in a message, of each kind
_EXACT_NUMBERS = frozenset(
    XSD + name
    for name in [
        "integer",
        "decimal",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    ]
)
_FLOATS = frozenset({XSD + "double", XSD + "float"})
_NUMBERS = _EXACT_NUMBERS | _FLOATS
_TEMPORAL = frozenset({XSD + "dateTime", XSD + "date", XSD + "time"})


@dataclass(frozen=True)
class LiteralChange:
    """A literal the store kept the value of but wrote as another term (N-Triples forms)."""

    subject: str
    predicate: str
    sent: str
    stored: str

    def __str__(self) -> str:
        return f"{self.subject} {self.predicate} {self.sent} is stored as {self.stored}"


@dataclass
class Comparison:
    """What a store holds against what was sent: counts, examples of differences, changed literals."""

    sent: int
    stored: int
    missing: int = 0
    extra: int = 0
    missing_examples: list[str] = field(default_factory=list)
    extra_examples: list[str] = field(default_factory=list)
    changed: list[LiteralChange] = field(default_factory=list)
    blank_nodes: bool = False  # compared up to renaming of blank nodes

    @property
    def same_facts(self) -> bool:
        """Every triple sent is stored, nothing else, up to literals rewritten with their value kept."""
        return self.missing == 0 and self.extra == 0

    @property
    def identical(self) -> bool:
        return self.same_facts and not self.changed


def compare(
    sent: bytes,
    stored: bytes,
    stored_format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES,
    base_iri: str | None = None,
) -> Comparison:
    """Compare the N-Triples `sent` with the store's answer `stored`; raise StoreError if it does not parse."""
    mine = _Side(sent, ox.RdfFormat.N_TRIPLES, None, "the graph sent")
    theirs = _Side(stored, stored_format, base_iri, "the store's answer")
    if mine.has_blank_nodes():
        mine.canonicalize()
        theirs.canonicalize()
    ours, its = mine.digests(), theirs.digests()
    result = Comparison(len(ours), len(its), blank_nodes=mine.canonical is not None)
    missing, extra = ours - its, its - ours
    del ours, its
    if not missing and not extra:
        return result
    lost = list(mine.triples_with(missing))
    added = list(theirs.triples_with(extra))
    result.changed = _pair_rewritten_literals(lost, added)
    result.missing, result.extra = len(lost), len(added)
    result.missing_examples = [str(t) for t in lost[:EXAMPLES]]
    result.extra_examples = [str(t) for t in added[:EXAMPLES]]
    return result


class _Side:
    """One graph as bytes, parsed anew for each pass instead of held as triples."""

    def __init__(self, data: bytes, rdf_format: ox.RdfFormat, base_iri: str | None, name: str):
        self.data, self.format, self.base_iri, self.name = data, rdf_format, base_iri, name
        self.canonical: ox.Dataset | None = None

    def triples(self) -> Iterator[ox.Triple]:
        if self.canonical is not None:
            yield from (quad.triple for quad in self.canonical)
            return
        try:
            for quad in ox.parse(
                self.data, format=self.format, base_iri=self.base_iri, without_named_graphs=True
            ):
                yield quad.triple
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"{self.name} does not parse as {self.format.name}: {exc}") from None

    def has_blank_nodes(self) -> bool:
        if b"_:" not in self.data:  # how N-Triples writes every blank node: no need to parse
            return False
        return any(
            isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
            for t in self.triples()
        )

    def canonicalize(self) -> None:
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in self.triples())
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)  # both sides in one process
        self.canonical = dataset

    def digests(self) -> set[bytes]:
        return {_digest(t) for t in self.triples()}

    def triples_with(self, digests: set[bytes]) -> Iterator[ox.Triple]:
        for triple in self.triples():
            if _digest(triple) in digests:
                digests.discard(_digest(triple))  # a triple written twice is one triple
                yield triple


def _digest(triple: ox.Triple) -> bytes:
    return hashlib.blake2b(str(triple).encode("utf-8"), digest_size=16).digest()


def _pair_rewritten_literals(lost: list[ox.Triple], added: list[ox.Triple]) -> list[LiteralChange]:
    """Take out of `lost` and `added` each pair that differs only by a literal with the same value."""
    candidates: dict[tuple, list[ox.Triple]] = {}
    for triple in added:
        if isinstance(triple.object, ox.Literal):
            candidates.setdefault((triple.subject, triple.predicate), []).append(triple)
    changes: list[LiteralChange] = []
    paired: set[ox.Triple] = set()
    for triple in lost:
        if not isinstance(triple.object, ox.Literal):
            continue
        options = candidates.get((triple.subject, triple.predicate), [])
        match = next((t for t in options if same_value(triple.object, t.object)), None)
        if match is None:
            continue
        options.remove(match)
        paired.update((triple, match))
        changes.append(
            LiteralChange(
                str(triple.subject), str(triple.predicate), str(triple.object), str(match.object)
            )
        )
    lost[:] = [t for t in lost if t not in paired]
    added[:] = [t for t in added if t not in paired]
    return changes


def same_value(a: ox.Literal, b: ox.Literal) -> bool:
    """Whether two different literals denote the same value (numbers, booleans, dates and times)."""
    if a.language or b.language:
        return False  # pyoxigraph already writes language tags in lower case
    x, y = a.datatype.value, b.datatype.value
    if x in _NUMBERS and y in _NUMBERS:
        value = _number(a.value, x in _FLOATS)
        return value is not None and value == _number(b.value, y in _FLOATS)
    if x != y:
        return False  # e.g. xsd:gYearMonth and xsd:date: another value, not another spelling
    if x == XSD + "boolean":
        value = _boolean(a.value)
        return value is not None and value == _boolean(b.value)
    if x in _TEMPORAL:
        value = _temporal(a.value)
        return value is not None and value == _temporal(b.value)
    return False


def _number(lexical: str, binary: bool) -> Decimal | str | None:
    """The exact value; a float or double as the exact value of its binary number."""
    text = lexical.strip()
    if "_" in text:  # Python reads 1_000 as a number; XML Schema does not
        return None
    try:
        if binary:
            value = float(text.replace("INF", "inf"))
            if value != value:
                return "NaN"
            return Decimal(value) if value not in (float("inf"), float("-inf")) else str(value)
        return Decimal(text)
    except (ValueError, InvalidOperation):
        return None


def _boolean(lexical: str) -> bool | None:
    return {"true": True, "1": True, "false": False, "0": False}.get(lexical.strip())


def _temporal(lexical: str) -> datetime | None:
    text = lexical.strip()
    text = text[:-1] + "+00:00" if text.endswith("Z") else text
    try:
        if "T" in text or len(text) == 10:
            return datetime.fromisoformat(text)
        return datetime.fromisoformat(f"1970-01-01T{text}")  # xsd:time
    except ValueError:
        return None

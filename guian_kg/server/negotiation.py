"""Content negotiation on Accept (RFC 9110 §12.5.1): q-values, wildcards, the most specific range wins.

The offered RDF media types come from the one table of formats (guian_kg/formats.py), plus
text/html. Among equally acceptable types the server's order decides (the first offered).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..formats import RDFFormat, get_format

HTML = "text/html"
# Plain JSON, offered last: a resource in it is JSON-LD, a SELECT or ASK result SPARQL JSON results.
JSON = "application/json"
# The RDF formats a single resource or graph document is offered in (the table's triple formats and JSON-LD).
DOCUMENT_FORMATS: tuple[RDFFormat, ...] = tuple(
    get_format(n) for n in ("ttl", "nt", "jsonld", "rdfxml")
)
RDF_TYPES: tuple[str, ...] = tuple(f.media_type for f in DOCUMENT_FORMATS)
HTML_FIRST: tuple[str, ...] = (HTML, *RDF_TYPES, JSON)
# A named graph or the dump is also offered in the quad formats, which keep the graph's name.
QUAD_FORMATS: tuple[RDFFormat, ...] = (get_format("nq"), get_format("trig"))
QUAD_TYPES: tuple[str, ...] = tuple(f.media_type for f in QUAD_FORMATS)

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_QVALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")


class NotAcceptable(Exception):
    """Nothing offered matches the Accept header; carries the offered media types."""

    def __init__(self, offered: Sequence[str]):
        self.offered = list(offered)
        super().__init__(
            "none of the offered media types is acceptable: " + ", ".join(self.offered)
        )


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed items are skipped, and none at all means */*.

    Read in one pass (quoted strings may hold commas and semicolons): the time is linear in the
    header's length whatever it holds, since it is read on the server's event loop.
    """
    ranges = []
    for item in _split(header or "", ","):
        media_range, *params = _split(item, ";")
        main, slash, sub = media_range.strip().partition("/")
        if not (slash and _TOKEN.fullmatch(main) and _TOKEN.fullmatch(sub)):
            continue
        q = _quality(params)
        if q >= 0:
            ranges.append(MediaRange(main.lower(), sub.lower(), q))
    return ranges or [MediaRange("*", "*", 1.0)]


def _split(text: str, separator: str) -> list[str]:
    """`text` cut at `separator` outside double-quoted strings (RFC 9110 §5.6.4), in one pass."""
    parts, start, quoted, escaped = [], 0, False, False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q of the most specific range matching `media_type` (0 if none matches)."""
    matching = [r for r in ranges if r.matches(media_type)]
    if not matching:
        return 0.0
    best = max(r.specificity for r in matching)
    return max(r.q for r in matching if r.specificity == best)


def choose(accept: str | None, offered: Sequence[str]) -> str:
    """The offered media type the client prefers; NotAcceptable if it accepts none of them."""
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for media_type in offered:  # strictly greater: the earlier offer wins a tie
        q = quality(ranges, media_type)
        if q > best_q:
            best, best_q = media_type, q
    if best is None:
        raise NotAcceptable(offered)
    return best


def by_extension(extension: str, formats=DOCUMENT_FORMATS) -> str | None:
    """The media type served at a `.{extension}` URL (html, ttl, nt, jsonld, rdf, or one of
    `formats`), or None."""
    if extension == "html":
        return HTML
    for fmt in formats:
        if fmt.extension == extension:
            return fmt.media_type
    return None


def choose_language(header: str | None, offered: Sequence[str]) -> str | None:
    """The offered language the Accept-Language header prefers (RFC 9110 §12.5.4, basic filtering
    of RFC 4647 §3.3.1): the q of the most specific matching range (`zh-CN` matches zh, `*` any
    language not named), the highest q wins, and among equal ones the range written first; q=0
    never. None if nothing offered is acceptable."""
    ranges = []  # (tag, q, position)
    for position, item in enumerate(_split(header or "", ",")):
        tag, *params = _split(item, ";")
        q = _quality(params)
        if tag.strip() and q >= 0:
            ranges.append((tag.strip().lower(), q, position))
    best, best_key = None, None
    for lang in offered:
        matching = [r for r in ranges if r[0] == lang or r[0].startswith(lang + "-")]
        if not matching:  # the wildcard counts for a language no range names
            matching = [r for r in ranges if r[0] == "*"]
        if not matching:
            continue
        q = max(r[1] for r in matching)
        key = (q, -min(r[2] for r in matching if r[1] == q))
        if q > 0 and (best_key is None or key > best_key):
            best, best_key = lang, key
    return best


def _quality(params: list[str]) -> float:
    """The value of the q parameter (1 without one, -1 if it is malformed); parameters after it
    are accept-extensions (RFC 7231 §5.3.2)."""
    for param in params:
        name, equals, value = param.partition("=")
        if equals and name.strip().lower() == "q":
            value = value.strip()
            return float(value) if _QVALUE.match(value) else -1.0
    return 1.0

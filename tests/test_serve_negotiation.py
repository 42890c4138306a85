"""Units of `guian-kg serve`: the Accept table (the query check has tests/test_query_check.py)."""

from __future__ import annotations

import pytest

from guian_kg.server.negotiation import (
    HTML_FIRST,
    NotAcceptable,
    choose,
    choose_language,
    parse_accept,
)
from guian_kg.server.result_types import GRAPH_TYPES, SELECT_TYPES

TTL, NT, JSONLD, RDFXML = (
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
)
SRJ = "application/sparql-results+json"

ACCEPT_TABLE = [
    # (Accept header, offered, chosen)
    (None, HTML_FIRST, "text/html"),
    ("*/*", HTML_FIRST, "text/html"),
    ("text/turtle", HTML_FIRST, TTL),
    ("application/ld+json", HTML_FIRST, JSONLD),
    ("application/rdf+xml", HTML_FIRST, RDFXML),
    ("application/n-triples", HTML_FIRST, NT),
    ("TEXT/Turtle", HTML_FIRST, TTL),  # media types are case-insensitive
    ("text/turtle;q=0.5, application/ld+json", HTML_FIRST, JSONLD),
    ("text/turtle;q=0.9, application/ld+json;q=0.8", HTML_FIRST, TTL),
    ("application/*", HTML_FIRST, NT),  # first application/* in the server's order
    ("text/*", HTML_FIRST, "text/html"),
    ("text/*;q=0.5, text/turtle", HTML_FIRST, TTL),
    ("*/*;q=0.1, application/rdf+xml;q=0.2", HTML_FIRST, RDFXML),
    # The most specific range decides: text/html is excluded although text/* and */* accept it.
    ("text/html;q=0, text/*;q=0.9, */*;q=0.5", HTML_FIRST, TTL),
    # A browser's header.
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML_FIRST, "text/html"),
    # Parameters other than q are ignored; a profile containing a comma stays one item.
    ('application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted,x"', HTML_FIRST, JSONLD),
    ("text/turtle; charset=utf-8; q=0.8, text/html; q=0.7", HTML_FIRST, TTL),
    # Malformed items are skipped; a header with nothing valid counts as */*.
    ("garbage, text/turtle", HTML_FIRST, TTL),
    ("text/turtle;q=2, application/n-triples", HTML_FIRST, NT),
    ("", HTML_FIRST, "text/html"),
    # SPARQL results.
    ("*/*", SELECT_TYPES, SRJ),
    ("application/json", SELECT_TYPES, "application/json"),
    ("text/csv", SELECT_TYPES, "text/csv"),
    ("text/tab-separated-values", SELECT_TYPES, "text/tab-separated-values"),
    (
        "application/sparql-results+xml, application/sparql-results+json;q=0.9",
        SELECT_TYPES,
        "application/sparql-results+xml",
    ),
    ("*/*", GRAPH_TYPES, TTL),
    # Plain JSON: JSON-LD for a resource or a graph, SPARQL JSON results for a table.
    ("application/json", HTML_FIRST, "application/json"),
    ("application/json", GRAPH_TYPES, "application/json"),
    ("application/json, */*;q=0.1", HTML_FIRST, "application/json"),
]


@pytest.mark.parametrize(
    ("accept", "offered", "chosen"), ACCEPT_TABLE, ids=[str(row[0]) for row in ACCEPT_TABLE]
)
def test_accept_chooses_the_preferred_offered_type(accept, offered, chosen):
    assert choose(accept, offered) == chosen


# Accept headers that no document type fits: 406 (also for the static site, test_site_apache.py).
NOT_ACCEPTABLE = [
    "image/png",
    "text/turtle;q=0",
    "application/xml",
    "application/n-quads",
    "text/html;q=0, application/*;q=0, */*;q=0",
]


@pytest.mark.parametrize("accept", NOT_ACCEPTABLE)
def test_nothing_acceptable_raises_with_the_offered_types(accept):
    with pytest.raises(NotAcceptable) as caught:
        choose(accept, HTML_FIRST)
    assert caught.value.offered == list(HTML_FIRST)


def test_accept_parser_reads_q_values():
    ranges = parse_accept("text/*;q=0.3, text/turtle;level=1;q=0.7, */*")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("text", "*", 0.3),
        ("text", "turtle", 0.7),
        ("*", "*", 1.0),
    ]


LANGUAGE_TABLE = [
    # (Accept-Language, chosen among zh and en)
    ("en;q=0.1, zh;q=0.9", "zh"),
    ("zh;q=0.1, en;q=0.9", "en"),
    ("en, zh", "en"),  # a plain list: the first of zh and en, as before q-values counted
    ("zh, en", "zh"),
    ("fr, en-GB, zh", "en"),
    ("fr, zh-CN;q=0.5, en;q=0.4", "zh"),
    ("en-US;q=0.2, zh-Hans;q=0.3", "zh"),
    ("en;q=0", None),  # never chosen, however it is the only one named
    ("en;q=0, zh;q=0", None),
    ("en;q=0, *", "zh"),
    ("*;q=0.5, en", "en"),
    ("*", "zh"),
    ("de, fr", None),
    ("en;q=2, zh;q=0.5", "zh"),  # a malformed q drops its range
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(
    ("header", "chosen"), LANGUAGE_TABLE, ids=[str(r[0]) for r in LANGUAGE_TABLE]
)
def test_accept_language_honours_q_values(header, chosen):
    assert choose_language(header, ("zh", "en")) == chosen

"""Units of `guian-kg serve`: the Accept table, and the query lexer that finds SERVICE and FROM before a query runs."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from guian_kg.server.analysis import QueryTextError, analyse, tokens
from guian_kg.server.negotiation import HTML_FIRST, NotAcceptable, choose, parse_accept
from guian_kg.server.sparql import GRAPH_TYPES, SELECT_TYPES

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
]


@pytest.mark.parametrize(
    ("accept", "offered", "chosen"), ACCEPT_TABLE, ids=[str(row[0]) for row in ACCEPT_TABLE]
)
def test_accept_chooses_the_preferred_offered_type(accept, offered, chosen):
    assert choose(accept, offered) == chosen


@pytest.mark.parametrize(
    "accept",
    [
        "image/png",
        "text/turtle;q=0",
        "application/json",
        "text/html;q=0, application/*;q=0, */*;q=0",
    ],
)
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


# ---------------------------------------------------------------- the lexer

SERVICE_HIDDEN = [
    'SELECT * { ?s ?p "SERVICE <http://127.0.0.1:1/> {}" }',
    "SELECT * { ?s ?p '''a\nSERVICE <x> {}''' }",
    "SELECT * { ?s ?p ?o } # SERVICE <http://127.0.0.1:1/> {}",
    "PREFIX ex: <http://example.org/>\nSELECT * { ?s ex:SERVICE ?service }",
    "PREFIX service: <http://example.org/>\nSELECT * { ?s service:x ?o }",
    "PREFIX ex: <http://example.org/>\nSELECT * { ?s ex:it\\'s ?o . ?o ex:p 'SERVICE' }",
    'SELECT * { ?s ?p "x"@service }',
    "SELECT * { ?s <http://example.org/SERVICE#SERVICE> ?o }",
]
SERVICE_SHOWN = [
    "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "select * { service silent <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o OPTIONAL { SERVICE ?endpoint { ?s ?p ?o } } }",
    "SELECT * { FILTER EXISTS { SeRvIcE <http://127.0.0.1:1/> {} } }",
    "SELECT * { ?s ?p 'a' . SERVICE<http://127.0.0.1:1/>{} }",
    'SELECT * { ?s ?p "a\\"b" SERVICE <http://127.0.0.1:1/> {} }',
]


@pytest.mark.parametrize("query", SERVICE_HIDDEN)
def test_service_in_strings_comments_and_names_is_not_the_keyword(query):
    assert analyse(query).service is None
    ox.Store().query(query)  # and Oxigraph agrees that the text is a query without SERVICE to run


@pytest.mark.parametrize("query", SERVICE_SHOWN)
def test_the_service_keyword_is_found_in_any_case_and_position(query):
    assert analyse(query).service == 1
    # Oxigraph parses it as a query (it would run the SERVICE on iteration).
    assert isinstance(ox.Store().query(query), ox.QuerySolutions)


def test_oxigraph_does_not_decode_escapes_outside_strings():
    """The lexer reads \\u escapes only inside strings and IRIs; Oxigraph too, so SERV\\u0049CE is no keyword."""
    with pytest.raises(SyntaxError):
        ox.Store().query(r"SELECT * { SERV\u0049CE <http://127.0.0.1:1/> { ?s ?p ?o } }")
    solutions = ox.Store().query(r'SELECT ("a\u0022 SERVICE" AS ?x) {}')
    assert [s["x"].value for s in solutions] == ['a" SERVICE']
    assert analyse(r'SELECT ("a\u0022 SERVICE" AS ?x) {}').service is None


def test_form_and_dataset_clause_are_read_after_the_prologue():
    text = analyse(
        "BASE <http://example.org/base/>\nPREFIX g: <http://example.org/graph/>\n"
        "CONSTRUCT { ?s ?p ?o } FROM g:data FROM <relative> FROM NAMED <http://example.org/n> WHERE { ?s ?p ?o }"
    )
    assert text.form == "CONSTRUCT"
    assert text.from_graphs == ["http://example.org/graph/data", "http://example.org/base/relative"]
    assert text.from_named_graphs == ["http://example.org/n"]
    assert analyse("INSERT DATA { <a:b> <a:c> <a:d> }").form is None
    assert analyse("ask {}").form == "ASK"


@pytest.mark.parametrize(
    "query", ["SELECT * { ?s ?p 'unterminated }", "SELECT * FROM { }", "SELECT * FROM x:y {}"]
)
def test_untokenisable_text_or_a_bad_from_is_an_error(query):
    with pytest.raises(QueryTextError):
        analyse(query)


def test_tokens_keep_iris_and_operators_apart():
    kinds = [(t.kind, t.text) for t in tokens("FILTER(?a<?b && ?c>=2) . ?x <http://e/p> 1.5e3")]
    assert ("punct", "<") in kinds and ("punct", ">=") in kinds and ("iri", "<http://e/p>") in kinds
    assert ("number", "1.5e3") in kinds

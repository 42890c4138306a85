"""rdflib's SPARQL parser, loaded on first use.

Building its grammar (pyparsing) takes 0.1 to 0.2 s, which every command paid at start through
the modules that read parse trees (sparql_constraints, locality, scan_proof). A build and
`guian-kg validate` parse no query where the analyses shipped in query_analyses.json serve, so
they no longer pay it; no parse tree exists before the parser is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rdflib.plugins.sparql.parserutils import CompValue


def parse_query(text: str) -> Any:
    """rdflib's parse of a query (parser.parseQuery): its prologue and its query."""
    from rdflib.plugins.sparql.parser import parseQuery

    return parseQuery(text)


def algebra(text: str) -> CompValue:
    """The query's algebra (rdflib's prepareQuery)."""
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text).algebra


def algebra_triples(triples: Any) -> list:
    """The triple patterns of a parse tree's triples block (rdflib's algebra.triples)."""
    from rdflib.plugins.sparql.algebra import triples as of

    return of(triples)


def is_node(value: object) -> bool:
    """Whether `value` is a node of a parse tree or an algebra (rdflib's CompValue)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    return isinstance(value, CompValue)


def is_sequence(value: object) -> bool:
    """Whether `value` is a sequence in a parse tree (pyparsing's ParseResults, a list, a tuple)."""
    from pyparsing import ParseResults

    return isinstance(value, (ParseResults, list, tuple))

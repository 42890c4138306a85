"""What a query asks for beyond the data, read from its parse tree: SERVICE calls and FROM graphs.

This is the friendly check: it turns a federated query into a clear refusal ("SERVICE is not
allowed") and keeps FROM / FROM NAMED inside the dataset. It is not what stops a query from
reaching the network: the processes that run queries cannot open a socket at all (see
`guian_kg.sandbox`), so a query this check misreads fails there instead of fetching.

The tree comes from a SPARQL 1.1 grammar (rdflib's, pyparsing), not from a scan of the text. Two
rules keep it on the safe side of Oxigraph, which runs the queries:
- Oxigraph matches keywords as ASCII letters in any case and reads `\\u` escapes only inside IRIs and
  strings, so a query whose text holds neither "service" nor "from" (in any case) can have neither
  clause, and is not parsed at all: the common case costs one scan of the text.
- The tree is read as Oxigraph reads the text: escapes are not expanded before parsing (rdflib's
  own `parseQuery` expands them everywhere, which Oxigraph does not). A query whose tree cannot be
  built that way (a `\\u` escape in an IRI, nesting deeper than the parser goes) is refused, never
  passed through.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import GuianKGError


class UncheckableQuery(GuianKGError):
    """The check cannot build the query's parse tree, so the query is refused."""

    exit_code = 2


@dataclass
class Reach:
    """What a query reaches for: SERVICE, and the graphs its FROM and FROM NAMED clauses name."""

    service: bool = False
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)


def reach(
    text: str,
    base: str | None = None,
    prefixes: dict[str, str] | None = None,
    dataset: bool = True,
) -> Reach:
    """SERVICE and (if `dataset`) FROM clauses of a query; UncheckableQuery if its tree cannot be built."""
    lowered = text.lower()
    if "service" not in lowered and not (dataset and "from" in lowered):
        return Reach()
    tree = _parse(text)
    found = Reach(service=any(_nodes(tree, "ServiceGraphPattern")))
    clauses = list(_nodes(tree, "DatasetClause")) if dataset else []
    if clauses:
        from rdflib.plugins.sparql.algebra import translatePrologue

        try:
            prologue = translatePrologue(tree[0], base, prefixes)
            for clause in clauses:
                named = "named" in clause
                iri = str(prologue.absolutize(clause["named" if named else "default"]))
                (found.from_named_graphs if named else found.from_graphs).append(iri)
        except Exception as exc:  # rdflib raises a bare Exception for an undeclared prefix
            raise UncheckableQuery(f"SPARQL syntax error: {exc}") from None
    return found


def _parse(text: str):
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import Query

    try:
        return Query.parse_string(text, parse_all=True)
    except ParseBaseException as exc:
        hint = (
            " (\\u and \\U escapes are not accepted here: write the character itself)"
            if "\\u" in text or "\\U" in text
            else ""
        )
        raise UncheckableQuery(
            f"line {exc.lineno}, column {exc.col}: SPARQL syntax error: {exc.msg}{hint}"
        ) from None
    except RecursionError:
        raise UncheckableQuery("the query is nested too deeply to be checked") from None


def _nodes(tree, name: str):
    """Every CompValue called `name` in a parse tree, in document order (iteratively: trees can be deep)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == name:
                yield node
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, (ParseResults, list, tuple)):
            stack.extend(reversed(list(node)))

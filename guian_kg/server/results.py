"""SPARQL results written row by row, so that the row and byte caps are counted while serialising.

Oxigraph's own serialisers take the whole result; the endpoint must stop at a cap and answer an
error instead of a truncated result, so SELECT results are written here:
JSON https://www.w3.org/TR/sparql11-results-json/, XML https://www.w3.org/TR/rdf-sparql-XMLres/,
CSV and TSV https://www.w3.org/TR/sparql11-results-csv-tsv/.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class RowCapExceeded(Exception):
    """The result has more rows (or triples) than the endpoint returns."""


class ResultTooLarge(Exception):
    """The serialised result is larger than the endpoint returns."""


def capped(items: Iterable, cap: int) -> Iterator:
    """Yield the items, raising RowCapExceeded on the first one past `cap`."""
    for count, item in enumerate(items, start=1):
        if count > cap:
            raise RowCapExceeded(cap)
        yield item


def select(solutions: ox.QuerySolutions, fmt: str, cap: int, max_bytes: int) -> bytes:
    """SELECT solutions as json, xml, csv or tsv; RowCapExceeded past `cap` rows, ResultTooLarge past `max_bytes`."""
    names = [v.value for v in solutions.variables]
    rows = ([solution[name] for name in names] for solution in capped(solutions, cap))
    return bounded(_WRITERS[fmt](names, rows), max_bytes)


def bounded(pieces: Iterable[str], max_bytes: int) -> bytes:
    """The pieces as UTF-8, stopping with ResultTooLarge as soon as they pass `max_bytes`."""
    out = bytearray()
    for piece in pieces:
        out += piece.encode("utf-8")
        if len(out) > max_bytes:
            raise ResultTooLarge(max_bytes)
    return bytes(out)


def boolean(value: bool, fmt: str) -> bytes:
    if fmt == "xml":
        body = f"<boolean>{'true' if value else 'false'}</boolean>"
        return (_XML_HEAD + "<head/>" + body + "</sparql>\n").encode("utf-8")
    return json.dumps({"head": {}, "boolean": value}).encode("utf-8")


def _json_term(term: Term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        parts = zip(("subject", "predicate", "object"), term, strict=True)
        return {"type": "triple", "value": {k: _json_term(t) for k, t in parts}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _json(names: list[str], rows: Iterator[list]) -> Iterator[str]:
    # The same text as json.dumps of the whole document, written a binding at a time.
    yield (
        '{"head": {"vars": '
        + json.dumps(names, ensure_ascii=False)
        + '}, "results": {"bindings": ['
    )
    for index, row in enumerate(rows):
        binding = {n: _json_term(t) for n, t in zip(names, row, strict=True) if t is not None}
        yield (", " if index else "") + json.dumps(binding, ensure_ascii=False)
    yield "]}}"


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        parts = zip(("subject", "predicate", "object"), term, strict=True)
        return "<triple>" + "".join(f"<{k}>{_xml_term(t)}</{k}>" for k, t in parts) + "</triple>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _xml(names: list[str], rows: Iterator[list]) -> Iterator[str]:
    yield _XML_HEAD + "<head>" + "".join(f"<variable name={quoteattr(n)}/>" for n in names)
    yield "</head><results>"
    for row in rows:
        yield "<result>" + "".join(
            f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>"
            for n, t in zip(names, row, strict=True)
            if t is not None
        )
        yield "</result>"
    yield "</results></sparql>\n"


def _csv_cell(term: Term | None) -> str:
    # CSV §2: IRIs and literals as plain strings, blank nodes as _:label; quoted when needed.
    if term is None:
        return ""
    text = (
        f"_:{term.value}"
        if isinstance(term, ox.BlankNode)
        else (str(term) if isinstance(term, ox.Triple) else term.value)
    )
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv(names: list[str], rows: Iterator[list]) -> Iterator[str]:
    yield ",".join(names) + "\r\n"
    for row in rows:
        yield ",".join(_csv_cell(t) for t in row) + "\r\n"


def _tsv(names: list[str], rows: Iterator[list]) -> Iterator[str]:
    # TSV §3: terms in SPARQL/Turtle syntax (Oxigraph's str() is N-Triples, which is that).
    yield "\t".join(f"?{n}" for n in names) + "\n"
    for row in rows:
        yield "\t".join("" if t is None else str(t) for t in row) + "\n"


_WRITERS = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}

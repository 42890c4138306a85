"""Run SPARQL on the knowledge graph: the example catalogue, NAME|FILE|- resolution, result formats.

SELECT and ASK results are written in the W3C SPARQL 1.1 result formats (CSV and TSV:
https://www.w3.org/TR/sparql11-results-csv-tsv/, JSON: https://www.w3.org/TR/sparql11-results-json/,
XML: https://www.w3.org/TR/rdf-sparql-XMLres/) by Oxigraph's own serialisers, or as a readable
table; CONSTRUCT and DESCRIBE results as Turtle, N-Triples or JSON-LD (compacted with the project
context). CSV and TSV define no boolean: for ASK they hold the single word true or false.
"""

from __future__ import annotations

import contextlib
import os
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from . import engine, resources
from .errors import InputError, QueryError
from .formats import FORMATS, RESULT_FORMATS, choices, get_format, names_of, output_format

# Oxigraph's writer of each SELECT/ASK format of the table (guian_kg/formats.py); `table` is ours.
OXIGRAPH_RESULTS: dict[str, ox.QueryResultsFormat] = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}
MAX_CELL = 60  # display columns of a table cell before it is cut with "…"


@dataclass(frozen=True)
class Example:
    """One example query of the catalogue: queries/NAME.rq with its question in zh and en."""

    name: str
    path: Path
    question_zh: str
    question_en: str

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def examples() -> list[Example]:
    """Every example query shipped with guian-kg, by name."""
    return [_example(path) for path in sorted(resources.resource_dir("queries").glob("*.rq"))]


def _example(path: Path) -> Example:
    questions = {"zh": "", "en": ""}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lang, sep, question = line.lstrip("# ").partition(":")
        if sep and lang in questions and not questions[lang]:
            questions[lang] = question.strip()
    return Example(path.stem, path, questions["zh"], questions["en"])


def resolve(target: str, stdin_text: str | None = None) -> tuple[str, str]:
    """Return (source name, query text) for an example NAME, a FILE, or '-' (`stdin_text`)."""
    if target == "-":
        return "<stdin>", stdin_text or ""
    name = target.removesuffix(".rq")
    example = resources.resource_dir("queries") / f"{name}.rq"
    if "/" not in target and os.sep not in target and example.is_file():
        return example.name, example.read_text(encoding="utf-8")
    path = Path(target)
    if path.is_file():
        try:
            return str(path), path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read the query: {exc}") from None
    import difflib

    close = difflib.get_close_matches(name, [e.name for e in examples()], n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise InputError(f"no example or file named {target!r}.{hint} `guian-kg examples` lists them.")


@contextlib.contextmanager
def answer(
    text: str, source: str = "query", data: Sequence[Path] = ()
) -> Iterator[engine.QueryResult]:
    """The result of a query on the project's graph, or on the RDF files in `data` if any are
    given; its store stays open (and an on-disk store locked against deletion by a build, see
    guian_kg.store) until the block ends, however lazily the result is read."""
    if data:
        result, store = engine.run_on_files(data, text, source)
    else:
        store = engine.project_store()
        result = engine.run(store, text, source)
    yield result  # `store` lives in this frame until the block ends


def kind(result: engine.QueryResult) -> str:
    """'select', 'ask' or 'graph' (CONSTRUCT or DESCRIBE)."""
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "graph" if isinstance(result, ox.QueryTriples) else "select"


def result_format(
    result: engine.QueryResult, name: str | None, output: Path | None, terminal: bool
) -> str:
    """The format to write `result` in: `--format` (a name or alias of the result's kind), else
    the extension of `-o FILE`, else a readable table on a terminal and CSV in a pipe (Turtle
    for graphs either way); InputError if the format does not fit the result or the file name."""
    graph = kind(result) == "graph"
    fitting, other = (FORMATS, RESULT_FORMATS) if graph else (RESULT_FORMATS, FORMATS)
    what = "a CONSTRUCT/DESCRIBE result" if graph else "a SELECT/ASK result"
    key = (name or "").strip().lower()
    fits = any(key in names_of(f) for f in fitting)
    if name and not fits and any(key in names_of(f) for f in other):
        raise InputError(f"--format {name} does not fit {what}; choose one of: {choices(fitting)}")
    default = "ttl" if graph else ("table" if terminal and output is None else "csv")
    return output_format(name, output, fitting, default, what)


def render(result: engine.QueryResult, fmt: str) -> bytes:
    """Serialise a result in `fmt` (as result_format chose it): QueryError if evaluation fails."""
    try:
        if kind(result) == "graph":
            return _render_graph(result, fmt)
        if fmt == "table":
            return _table(result).encode("utf-8")
        return result.serialize(format=OXIGRAPH_RESULTS[fmt])
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"the query failed while running: {exc}") from None


def _render_graph(triples: ox.QueryTriples, fmt: str) -> bytes:
    # Sorted so that the same graph always prints the same way.
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    if fmt == "jsonld":
        return _jsonld(ordered)
    rdf_format = ox.RdfFormat.from_media_type(get_format(fmt).media_type)
    prefixes = _used_prefixes(ordered) if fmt in ("ttl", "trig", "rdfxml") else None
    return ox.serialize(ordered, format=rdf_format, prefixes=prefixes)


def _jsonld(triples: list[ox.Triple]) -> bytes:
    """JSON-LD compacted with the project context, as in dist/ (this path imports rdflib)."""
    from rdflib import Graph

    from .write import serialize_graph

    graph = Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return serialize_graph(graph, "jsonld").encode("utf-8")


def _used_prefixes(triples: list[ox.Triple]) -> dict[str, str]:
    iris = {str(term.value) for t in triples for term in t if isinstance(term, ox.NamedNode)}
    iris |= {str(t.object.datatype.value) for t in triples if isinstance(t.object, ox.Literal)}
    return {p: ns for p, ns in _prefixes().items() if any(iri.startswith(ns) for iri in iris)}


@cache
def _prefixes() -> dict[str, str]:
    return engine.default_prefixes()


def _table(result: engine.QueryResult) -> str:
    if isinstance(result, ox.QueryBoolean):
        return f"{'true' if bool(result) else 'false'}\n"
    names = [v.value for v in result.variables]
    rows = [[_cell(solution[name]) for name in names] for solution in result]
    widths = [max([_width(n), *(_width(row[i]) for row in rows)]) for i, n in enumerate(names)]
    rule = "  ".join("-" * w for w in widths)
    lines = [_line(names, widths), rule, *(_line(row, widths) for row in rows)]
    count = f"({len(rows)} row{'' if len(rows) == 1 else 's'})"
    return "\n".join([*lines, count]) + "\n"


def _line(cells: list[str], widths: list[int]) -> str:
    return "  ".join(_pad(cell, w) for cell, w in zip(cells, widths, strict=True)).rstrip()


def _cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    """IRIs shortened with the project prefixes, literals as their text, unbound as empty."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        text = _shorten(term.value)
    elif isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    else:
        text = term.value
    text = " ".join(text.split())  # quotes may hold line breaks
    return _cut(text, MAX_CELL)


def _shorten(iri: str) -> str:
    for prefix, ns in sorted(_prefixes().items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _width(text: str) -> int:
    """Display columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _cut(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        used += _width(ch)
        if used > width - 1:
            break
        out.append(ch)
    return "".join(out) + "…"


def examples_listing() -> str:
    """The catalogue as text: each example's name, then its question in en and zh."""
    blocks = [f"{e.name}\n  {e.question_en}\n  {e.question_zh}" for e in examples()]
    return "\n".join(blocks) + "\n"

"""Deterministic serialisations of the knowledge graph: the same graph gives the same bytes.

Turtle, TriG, N-Triples, N-Quads and RDF/XML are written by Oxigraph (ten to fifty times faster
than rdflib, and in the order it is given, where rdflib's RDF/XML follows the hash seed) from the
statements sorted by their N-Triples form, with the project's prefixes that are used; N-Triples
and N-Quads lines are sorted. The build's dumps are merged from sorted runs (one per unit of the
corpus, cached: dump_runs.py) as they stream to files. JSON-LD is compacted from the same Oxigraph
terms (compaction.py, which sorts its output). Output depends on the graph alone, whatever the
input order or PYTHONHASHSEED.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import operator
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from .compaction import compact_quads
from .formats import RDFFormat, get_format
from .iri import DEFAULT_BASE
from .namespaces import prefixes
from .terms import to_oxigraph
from .void import DUMP_STEM

Triple = tuple[Node, Node, Node]


def sort_key(triple: Iterable[Node]) -> tuple[str, ...]:
    return tuple(term.n3() for term in triple)


def canonical_graph(
    triples: Iterable[Triple], base: str | None = None, identifier: Node | None = None
) -> Graph:
    """A new graph holding `triples` inserted in sorted order, with the project's prefixes bound."""
    g = Graph(identifier=identifier, bind_namespaces="none")
    for prefix, ns in prefixes(base).items():
        g.bind(prefix, ns)
    for triple in sorted(triples, key=sort_key):
        g.add(triple)
    return g


def serialize_graph(graph: Graph, fmt: RDFFormat | str, base: str | None = None) -> str:
    """Serialise a triple graph in `fmt` (a triple format, or a quad format holding one default graph)."""
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    if fmt.name in OXIGRAPH_FORMATS:
        return _oxigraph(((None, graph),), fmt, base)
    if fmt.name == "jsonld":
        return compact_quads(oxigraph_quads(((None, graph),)), base or DEFAULT_BASE)
    return canonical_graph(graph, base).serialize(format=fmt.rdflib)


def serialize_dataset(
    graphs: dict[URIRef, Graph], fmt: RDFFormat | str, base: str | None = None
) -> str:
    """Serialise named graphs: quad formats keep the names, triple formats write their union."""
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    if fmt.name in OXIGRAPH_FORMATS:
        return _oxigraph(sorted(graphs.items()), fmt, base)
    if not fmt.quads:
        union = Graph()
        for g in graphs.values():
            union += g
        return serialize_graph(union, fmt, base)
    return compact_quads(oxigraph_quads(sorted(graphs.items())), base or DEFAULT_BASE)


OXIGRAPH_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "rdfxml": ox.RdfFormat.RDF_XML,  # rdflib's order follows PYTHONHASHSEED, Oxigraph's its input
}


def _oxigraph(
    graphs: Iterable[tuple[URIRef | None, Graph]], fmt: RDFFormat, base: str | None
) -> str:
    """The graphs in a format Oxigraph writes; a triple format gets their union (as a set)."""
    return serialize_quads(oxigraph_quads(graphs), fmt, base)


def serialize_quads(quads: Iterable[ox.Quad], fmt: RDFFormat | str, base: str | None = None) -> str:
    """Quads in Turtle, TriG, N-Triples or N-Quads, in a stable order whatever their order in
    `quads`; a triple format gets the union of their graphs (as a set)."""
    fmt = get_format(fmt) if isinstance(fmt, str) else fmt
    statements = set(quads) if fmt.quads else {quad.triple for quad in quads}
    if fmt.name in ("nt", "nq"):
        text = ox.serialize(statements, format=OXIGRAPH_FORMATS[fmt.name]).decode("utf-8")
        return _sorted_lines(text)  # sorted as text, whatever order Oxigraph writes them in
    ordered = sorted(statements, key=_statement_key)
    return ox.serialize(
        ordered, format=OXIGRAPH_FORMATS[fmt.name], prefixes=_used_prefixes(ordered, base)
    ).decode("utf-8")


def store_dumps(
    store: ox.Store, base: str | None = None, formats: Iterable[str] = ("nq", "nt", "trig", "ttl")
) -> dict[str, str]:
    """N-Quads, N-Triples, TriG and Turtle (those of `formats`) of every graph of `store` (a triple
    format: their union), as `write_dumps` writes them."""
    with tempfile.TemporaryDirectory(prefix="guian-kg-dumps-") as folder:
        written = write_dumps(graph_runs(store), Path(folder), base, formats)
        return {f: path.read_text(encoding="utf-8") for f, path in written.items()}


@dataclass
class Runs:
    """Statements as N-Triples lines sorted twice: as text (the order of N-Triples and N-Quads)
    and by `ranked` line (the order of Turtle and TriG); `heads` says which prefixes they use.
    Lists, or the parts of a cache entry read again at each iteration (dump_runs.map_runs)."""

    lines: Iterable[str]
    ranked: Iterable[str]
    heads: set[str]


def runs_of(ntriples: str) -> Runs:
    """The Runs of N-Triples lines as Oxigraph writes them (one statement a line, each term without
    spaces but a literal, and never a NUL)."""
    lines, ranked, terms = _sorted_runs(ntriples.split("\n"), _MARKS)
    return Runs(lines, ranked, {_head(term) for term in terms})


def utf8_runs(ntriples: bytes) -> tuple[list[bytes], list[bytes], set[str]]:
    """The lines, ranked lines and heads of `runs_of`, the lines left in UTF-8 (as Oxigraph writes
    them and a cache entry keeps them): sorted as bytes, they are in the same order, as UTF-8
    keeps the order of code points; nothing is decoded but the distinct terms."""
    lines, ranked, terms = _sorted_runs(ntriples.split(b"\n"), _UTF8_MARKS)
    return lines, ranked, {_head(term.decode("utf-8")) for term in terms}


def _sorted_runs(lines: list, marks: tuple) -> tuple[list, list, set]:
    """The lines sorted, their ranked lines (see _TYPE_RANK) sorted, and their distinct subjects,
    predicates and objects (a literal by what follows its closing quote, all its head depends
    on: which prefixes are used); as text or UTF-8, by `marks` (_MARKS or _UTF8_MARKS)."""
    space, quote, rdf_type, type_rank, other_rank = marks
    if lines and not lines[-1]:
        lines.pop()  # after the last newline
    terms = set()
    add = terms.add
    ranked = []
    for line in lines:
        subject, predicate, rest = line.split(space, 2)
        add(subject)
        add(predicate)
        add(rest[rest.rindex(quote) : -2] if rest[:1] == quote else rest[:-2])
        rank = type_rank if predicate == rdf_type else other_rank
        ranked.append(space.join((subject, rank + predicate, rest)))
    lines.sort()
    ranked.sort()
    return lines, ranked, terms


# A ranked line has a rank before its predicate, \x01 for rdf:type (Turtle's `a`, written
# first) and \x02 for any other: sorted as text, ranked lines are in Turtle's order (subject,
# rank, predicate, object), as no subject or predicate holds a space or a character below it.
# N-Triples as Oxigraph writes it holds no control character (a literal's are escaped): a text of
# ranked lines loses its ranks by two replacements (_unranked_text).
_TYPE_RANK, _OTHER_RANK = "\x01", "\x02"
_TYPE_RANK_UTF8, _OTHER_RANK_UTF8 = _TYPE_RANK.encode(), _OTHER_RANK.encode()


def _unranked(line: str) -> str:
    cut = line.index(" ") + 1
    return line[:cut] + line[cut + 1 :]


def _unranked_text(text: bytes) -> bytes:
    return text.replace(_TYPE_RANK_UTF8, b"").replace(_OTHER_RANK_UTF8, b"")


def graph_runs(store: ox.Store, skip: Iterable[str] = ()) -> dict[str, list[Runs]]:
    """Each graph of `store` with statements but those in `skip` (by its N-Quads term; "" for
    the default graph) and its Runs."""
    graphs: dict[str, list[Runs]] = {}
    for graph in [ox.DefaultGraph(), *store.named_graphs()]:
        name = "" if isinstance(graph, ox.DefaultGraph) else str(graph)
        if name in skip:
            continue
        text = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph).decode("utf-8")
        if text:
            graphs[name] = [runs_of(text)]
    return graphs


def write_dumps(
    graphs: dict[str, list[Runs]],
    folder: Path,
    base: str | None = None,
    formats: Iterable[str] = ("nq", "nt", "trig", "ttl"),
) -> dict[str, Path]:
    """Write N-Quads, N-Triples, TriG and Turtle (those of `formats`) of `graphs` (graph → the Runs
    of its parts, which may share statements) into `folder` as guian-kg.EXT, merging the sorted
    runs as they stream to the file: N-Triples and N-Quads lines sorted as text, Turtle and TriG
    in ranked order, a statement in several runs once (a triple format: once in all graphs).
    Lines are merged as UTF-8 (whose order is that of the text). Oxigraph parses the ordered
    lines again, a chunk at a time, to write Turtle and TriG."""
    formats = set(formats)
    written = {}
    for fmt in sorted(formats):
        path = folder / f"{DUMP_STEM}.{get_format(fmt).extension}"
        with open(path, "wb") as handle:
            if fmt == "nt":
                for lines in _merged([_utf8(r.lines) for runs in graphs.values() for r in runs]):
                    handle.write(_text(lines))
            elif fmt == "nq":  # a graph's lines named stay in their order (a term ends a line)
                parts = [_named(g, r.lines) for g, runs in graphs.items() for r in runs]
                for lines in _merged(parts):
                    handle.write(_text(lines))
            elif fmt == "ttl":
                ranked = _merged([_utf8(r.ranked) for runs in graphs.values() for r in runs])
                texts = (_unranked_text(_text(lines)) for lines in ranked)
                used = dump_prefixes(graphs, "ttl", base)
                _reserialize_texts(handle, texts, ox.RdfFormat.TURTLE, used)
            elif fmt == "trig":
                texts = (
                    _named_text(graph, _unranked_text(_text(lines)))
                    for graph in sorted(graphs)
                    for lines in _merged([_utf8(r.ranked) for r in graphs[graph]])
                )
                used = dump_prefixes(graphs, "trig", base)
                _reserialize_texts(handle, texts, ox.RdfFormat.TRIG, used)
        written[fmt] = path
    return written


def dump_prefixes(graphs: dict[str, list[Runs]], fmt: str, base: str | None) -> dict[str, str]:
    """The project's prefixes that the Turtle ("ttl") or TriG ("trig") dump of `graphs` declares:
    those its statements (and, in TriG, its graph names) use."""
    heads = set().union(*(r.heads for runs in graphs.values() for r in runs))
    if fmt == "trig":
        heads |= {_head(graph) for graph in graphs if graph}
    return _prefixes_of(heads, base)


_CHUNK = 16384  # lines written (or parsed again) at a time
_WINDOW = 1 << 16  # lines a round of the merge gathers (all parts together) before sorting them


def _merged(parts: Sequence[Iterator[list[bytes]]]) -> Iterator[list[bytes]]:
    """The lines of sorted `parts` (each given a block at a time, each holding a line once),
    merged: sorted lists of lines, each line once in all. A round takes from every part its lines
    up to the least of the parts' `share`-th next lines, then sorts them (in C: they are sorted
    slices): a Python step per slice of a part, not per line, and about _WINDOW lines a round
    (beside each part's block being read)."""
    share = max(_WINDOW // max(len(parts), 1), 16)
    buffers: list[list[bytes]] = [[] for _ in parts]
    at = [0] * len(parts)
    firsts: list[tuple[bytes, int]] = []  # each part's next line
    ends: list[tuple[bytes, int, int]] = []  # its share-th next line (or last), its version
    versions = [0] * len(parts)

    def refill(i: int) -> None:  # at least `share` lines ahead, unless the part ends before
        buffer, position = buffers[i], at[i]
        while len(buffer) - position < share:
            block = next(parts[i], None)
            if block is None:
                break
            buffer = buffer[position:] + block if position < len(buffer) else block
            position = 0
        buffers[i], at[i] = buffer, position
        versions[i] += 1  # its entry in `ends`, if any, is stale
        if position < len(buffer):
            heapq.heappush(firsts, (buffer[position], i))
            end = buffer[min(position + share, len(buffer)) - 1]
            heapq.heappush(ends, (end, i, versions[i]))

    for i in range(len(parts)):
        refill(i)
    while firsts:
        while ends[0][2] != versions[ends[0][1]]:
            heapq.heappop(ends)
        bound = ends[0][0]  # every part's lines up to it are in its buffer's next `share`
        lines: list[bytes] = []
        taken = []
        while firsts and firsts[0][0] <= bound:
            i = heapq.heappop(firsts)[1]
            buffer, position = buffers[i], at[i]
            cut = bisect.bisect_right(buffer, bound, position, min(position + share, len(buffer)))
            lines += buffer[position:cut]
            at[i] = cut
            taken.append(i)
        for i in taken:
            refill(i)
        lines.sort()
        yield list(dict.fromkeys(lines)) if len(taken) > 1 and _repeats(lines) else lines


def _repeats(lines: list[bytes]) -> bool:
    """Whether sorted `lines` hold a line twice (then one after the other): compared in C, which
    takes less than making a dict of them where none does, the usual case."""
    return any(map(operator.eq, lines, itertools.islice(lines, 1, None)))


def _utf8(lines: Iterable[str]) -> Iterator[list[bytes]]:
    """A part's lines as UTF-8, a block at a time: a mapped entry's blocks (dump_runs), else
    _CHUNK lines at a time."""
    if not isinstance(lines, list):
        return lines.blocks()
    return (_joined(chunk).encode("utf-8").split(b"\n")[:-1] for chunk in _chunks(lines))


def _named(graph: str, lines: Iterable[str]) -> Iterator[list[bytes]]:
    """A part's N-Triples lines as N-Quads lines of `graph` (its N-Quads term; "" the default
    graph) in UTF-8, a block at a time: each block's text named at once, then split (a mapped
    entry's text as it is read: dump_runs), no line split and joined again before."""
    if not graph:
        return _utf8(lines)
    if isinstance(lines, list):
        texts: Iterable[bytes] = (_joined(chunk).encode("utf-8") for chunk in _chunks(lines))
    else:
        texts = lines.texts()
    return (_named_text(graph, text).split(b"\n")[:-1] for text in texts)


def _named_text(graph: str, text: bytes) -> bytes:
    """N-Triples text (whole lines) as N-Quads text of `graph`: a line ends with " .", and a
    newline is in no term (N-Triples escapes it)."""
    return text.replace(b" .\n", f" {graph} .\n".encode()) if graph else text


def _text(lines: list[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n" if lines else b""


def _chunks(lines: Iterable[str], size: int = _CHUNK) -> Iterator[list[str]]:
    lines = iter(lines)
    while chunk := list(itertools.islice(lines, size)):
        yield chunk


def _reserialize(
    handle: BinaryIO, lines: Iterable[str], rdf_format: ox.RdfFormat, used: dict[str, str]
) -> None:
    """N-Triples or N-Quads lines, in their order, written in `rdf_format` to `handle`."""
    texts = (_joined(chunk).encode("utf-8") for chunk in _chunks(lines))
    _reserialize_texts(handle, texts, rdf_format, used)


def _reserialize_texts(
    handle: BinaryIO, texts: Iterable[bytes], rdf_format: ox.RdfFormat, used: dict[str, str]
) -> None:
    """N-Triples or N-Quads texts (whole lines), in their order, written in `rdf_format` to
    `handle`: Oxigraph parses each again (it keeps blank node labels as written: a text is a
    document of its own) and writes the statements as they come, no Python step between. The
    lines are Oxigraph's: parsed without checking IRIs and language tags again (twice as fast)."""
    source = ox.RdfFormat.N_QUADS if rdf_format.supports_datasets else ox.RdfFormat.N_TRIPLES
    parsed = (ox.parse(text, format=source, lenient=True) for text in texts)
    ox.serialize(itertools.chain.from_iterable(parsed), handle, format=rdf_format, prefixes=used)


def _head(term: str) -> str:
    """An IRI's (or a literal's datatype's) part up to its last '/' or '#', as N-Quads writes the
    term: what a prefix of ours can name."""
    iri = _literal_datatype(term) if term[0] == '"' else term.strip("<>")  # or a blank node
    return iri[: max(iri.rfind("/"), iri.rfind("#")) + 1]


def _prefixes_of(heads: set[str], base: str | None) -> dict[str, str]:
    """The project's prefixes that some IRI starts with (each prefix ends with '/' or '#', so it
    starts an IRI exactly when it starts the IRI's head)."""
    namespaces = prefixes(base)
    return {p: ns for p, ns in namespaces.items() if any(h.startswith(ns) for h in heads)}


def _joined(lines: list[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""


def _literal_datatype(term: str) -> str:
    """The datatype IRI of a literal as N-Quads writes it."""
    if term.endswith(">") and '"^^<' in term:
        return term[term.rindex('"^^<') + 4 : -1]
    if not term.endswith('"'):
        return _RDF_LANG_STRING  # "…"@tag
    return _XSD_STRING


_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _statement_key(statement) -> tuple:
    """Graph, subject, then rdf:type first (Turtle's `a`), then predicate and object, by N-Triples form."""
    terms = [str(term) for term in statement]
    graph = terms[3:]  # quads only
    return (*graph, terms[0], terms[1] != _RDF_TYPE, terms[1], terms[2])


_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_MARKS = (" ", '"', _RDF_TYPE, _TYPE_RANK, _OTHER_RANK)  # what _sorted_runs looks for
_UTF8_MARKS = tuple(mark.encode() for mark in _MARKS)


def oxigraph_quads(graphs: Iterable[tuple[URIRef | None, Graph]]) -> Iterator[ox.Quad]:
    """The statements of (graph name or None for the default graph, graph) pairs as Oxigraph quads."""
    for name, graph in graphs:
        graph_name = to_oxigraph(name)
        for triple in graph:
            yield ox.Quad(*(to_oxigraph(term) for term in triple), graph_name)


def _used_prefixes(statements, base: str | None) -> dict[str, str]:
    """The project's prefixes that some IRI (or literal datatype) of `statements` starts with."""
    iris = set()
    for statement in statements:
        for term in statement:
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    ordered = sorted(iris)

    def used(ns: str) -> bool:  # the IRIs starting with `ns` are the first ones from `ns` on
        at = bisect.bisect_left(ordered, ns)
        return at < len(ordered) and ordered[at].startswith(ns)

    return {p: ns for p, ns in prefixes(base).items() if used(ns)}


def _sorted_lines(text: str) -> str:
    lines = sorted(line for line in text.splitlines() if line.strip())
    return "\n".join(lines) + "\n"

"""Read RDF files, turning parser failures into errors that name the file and line: into
pyoxigraph quads (`read_quads`, what the build uses) or into rdflib graphs (`parse_file`, for
pySHACL and the commands that check files a user gives).

JSON-LD and RDF/XML go through `offline.py` first, so that no file makes the parser fetch anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from .errors import InputError, RDFSyntaxError
from .formats import get_format
from .offline import readable


def read_quads(path: Path) -> list[ox.Quad]:
    """Parse one RDF file with Oxigraph (format from its extension): triples in the default graph."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    fmt, data = readable(path, get_format(path.suffix.lstrip(".") or "ttl"))
    rdf_format = ox.RdfFormat.from_media_type(fmt.media_type)
    try:
        if data is None:
            quads = list(
                ox.parse(path=str(path), format=rdf_format, base_iri=path.resolve().as_uri())
            )
        else:
            quads = list(ox.parse(data, format=rdf_format))
    except SyntaxError as exc:
        raise RDFSyntaxError(path, exc.lineno, exc.msg) from None
    _check_kept_by_the_store(path, quads)
    return quads


def _check_kept_by_the_store(path: Path, quads: list[ox.Quad]) -> None:
    """Refuse a typed literal that the store would write back differently ("1.20" → "1.2"):
    Oxigraph keeps numbers, booleans and dates as values, so the dumps would not say what the
    file says. Checked by reading each literal back from a scratch store, once per process."""
    # Each term taken from a quad is a new object: the object once per quad, its datatype once
    # per literal (a language-tagged literal's is rdf:langString).
    typed = {
        o
        for o in [q.object for q in quads]
        if isinstance(o, ox.Literal) and o.datatype not in _KEPT_AS_WRITTEN and not o.language
    }
    written = sorted(typed - _READ_BACK_AS_WRITTEN, key=str)
    if not written:
        return
    scratch = ox.Store()
    scratch.extend(
        ox.Quad(ox.NamedNode(f"urn:x-guian-kg:{i}"), _CHECK, literal)
        for i, literal in enumerate(written)
    )
    back = {int(q.subject.value.rpartition(":")[2]): q.object for q in scratch}
    changed = [
        f"{literal} (write {back[i]})" for i, literal in enumerate(written) if back[i] != literal
    ]
    if changed:
        raise InputError(
            f"{path}: literals that a triple store would rewrite, so that the dumps would not say "
            f"what the file says; write them in canonical form: {', '.join(changed)}"
        )
    if len(_READ_BACK_AS_WRITTEN) > _READ_BACK_AT_MOST:
        _READ_BACK_AS_WRITTEN.clear()
    _READ_BACK_AS_WRITTEN.update(written)


_CHECK = ox.NamedNode("urn:x-guian-kg:check")
# Typed literals a scratch store gave back as written, in this process: the same numbers and dates
# recur across a corpus's files (at 300 generated articles, 6,000 distinct of 33,000 per file).
_READ_BACK_AS_WRITTEN: set[ox.Literal] = set()
_READ_BACK_AT_MOST = 1 << 16
_KEPT_AS_WRITTEN = {
    ox.NamedNode("http://www.w3.org/2001/XMLSchema#string"),
    ox.NamedNode("http://www.w3.org/2001/XMLSchema#anyURI"),
    ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"),
}


def parse_file(path: Path, graph: Graph | None = None, rdf_format: str | None = None) -> Graph:
    """Parse one RDF file (format from its extension unless given) into `graph` (a new one if None)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    target = graph if graph is not None else Graph()
    fmt, data = readable(path, get_format(rdf_format or path.suffix.lstrip(".") or "ttl"))
    # Parse into a scratch graph first so that a file that fails adds nothing to `target`; quads
    # into a dataset, whose every graph goes into `target` (a Graph would see only the default one).
    scratch = Dataset() if fmt.quads else Graph()
    try:
        if data is None:
            scratch.parse(path, format=fmt.rdflib)
        else:
            scratch.parse(data=data, format=fmt.rdflib)
    except BadSyntax as exc:
        raise RDFSyntaxError(path, exc.lines + 1, getattr(exc, "_why", str(exc))) from None
    except (SyntaxError, ValueError) as exc:  # other rdflib parsers (N-Triples, N-Quads, RDF/XML)
        raise RDFSyntaxError(path, _line_of(exc), str(exc).strip()) from None
    for s, p, o, *_ in scratch.quads() if fmt.quads else scratch:
        target.add((s, p, o))
    return target


def parse_files(paths: Iterable[Path], graph: Graph | None = None) -> Graph:
    """Parse several files into one graph; the first file that fails stops with its file and line."""
    target = graph if graph is not None else Graph()
    for path in paths:
        parse_file(path, target)
    return target


def _line_of(exc: Exception) -> int | None:
    line = getattr(exc, "lineno", None) or getattr(exc, "line", None)
    return line if isinstance(line, int) else None

"""The SPARQL engine behind `guian-kg query`: an in-memory Oxigraph store holding the named graphs.

The store keeps the knowledge graph's three named graphs ({base}graph/ontology, /data, /void), and
their union, as a set (an RDF merge), in the default graph, so a query without `GRAPH` sees
everything and `GRAPH ?g { … }` still tells the graphs apart. (pyoxigraph's
`use_default_graph_as_union` would count a triple held by two graphs twice.) SERVICE is refused
before a query runs (guian_kg.query_check reads it from the parse tree); the `guian-kg` command
has no network anyway (guian_kg.sandbox), so Oxigraph could not fetch the remote endpoint.

Cold start matters (a new user's first query): the built graph is cached as N-Quads under a key
made of every input's name, size and modification time (the ontology, the data, the source text and
the package code that builds the graph; Python's own .pyc files are checked the same way), so a
later query loads the cache with pyoxigraph alone and never imports rdflib or pyshacl.
"""

from __future__ import annotations

import contextlib
import re
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from . import __version__, default_cache_dir, resources
from . import store as stores
from .cache_files import starts_with, write_whole
from .errors import QueryError, RDFSyntaxError
from .formats import get_format
from .offline import readable
from .store import PREFIX as STORE_PREFIX
from .store import OpenStore, ensure_store, open_store

if TYPE_CHECKING:
    from .build import KnowledgeGraph

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples

# Both parsers report positions as "error at LINE:COLUMN" (queries) or "line L column C" (RDF).
_QUERY_POSITION = re.compile(r"^error at (\d+):(\d+): ?(.*)$", re.DOTALL)
_RDF_LINE = re.compile(r"line (\d+)")
_CACHE_PREFIX = "graph-"
# The first line of every cache file (an N-Quads comment): what proves that guian-kg wrote a
# file, and may delete it, in a cache folder that the user may have chosen and share.
_CACHE_MARK = "# guian-kg query cache {key}\n"


def store_from_kg(kg: KnowledgeGraph) -> ox.Store:
    """A store holding the knowledge graph's named graphs (under the default base)."""
    return store_from_nquads(_nquads(kg))


def store_from_nquads(data: bytes) -> ox.Store:
    """A store holding N-Quads that guian-kg wrote itself (parsed leniently: a third faster)."""
    store = ox.Store()
    store.load(data, format=ox.RdfFormat.N_QUADS, lenient=True)
    return with_union_default_graph(store)


def with_union_default_graph(store: ox.Store) -> ox.Store:
    """Copy every named graph's triples into the default graph, which thus holds their union (a set)."""
    # In Rust, not a Python loop over quads: 6 ms instead of 22 ms for this graph (cold start matters).
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store


def large_dump(paths: Sequence[Path]) -> Path | None:
    """The one N-Quads file of `paths` if it is past STORE_THRESHOLD (a dump), else None."""
    path = Path(paths[0]) if len(paths) == 1 else None
    if path and path.suffix == ".nq" and path.is_file():
        return path if path.stat().st_size > stores.STORE_THRESHOLD else None
    return None


def dump_store(path: Path, key: str | None = None) -> OpenStore:
    """The on-disk store of the N-Quads dump `path` (whose checksum is `key`, computed if not
    given), made once (`guian-kg build` makes the one of its dump), opened read-only."""
    key = key or stores.file_key(path)
    try:
        made = ensure_store(key, path.read_bytes, default_cache_dir())
    except SyntaxError as exc:
        line = _RDF_LINE.search(str(exc))
        raise RDFSyntaxError(path, int(line.group(1)) if line else None, str(exc)) from None
    stores.note_dump(made, path)
    return open_store(made)


def run_on_files(
    paths: Sequence[Path], text: str, source: str = "query"
) -> tuple[QueryResult, ox.Store | OpenStore]:
    """Run a query on RDF files (see store_from_files): the result and its store, to be kept open
    while the result is read (an open on-disk store is locked against deletion).

    A large dump's store is first looked for by the proof the build noted that the file holds the
    bytes it wrote (store.proven_store): then the dump is not read at all. Else by the hint
    (store.hinted_store), and the query started there while the file's checksum is computed in a
    thread; the result is kept only if the checksum is that store's key, else the query runs on
    the dump's own store. Hashing the dump first would add its whole time (0.4 s for 650 MB) to a
    cold query."""
    dump = large_dump(paths)
    proven = stores.proven_store(default_cache_dir(), dump) if dump else None
    try:
        trusted = open_store(proven) if proven is not None else None
    except OSError:  # dropped meanwhile: found below as any other
        trusted = None
    if trusted is not None:
        return run(trusted, text, source), trusted
    hinted = stores.hinted_store(default_cache_dir(), dump) if dump else None
    if dump is None or hinted is None:
        store = store_from_files(paths)
        return run(store, text, source), store
    with ThreadPoolExecutor(max_workers=1) as pool:  # hashlib lets go of the GIL, as Oxigraph does
        checksum = pool.submit(stores.file_key, dump)
        try:
            opened = open_store(hinted)
        except OSError:  # dropped meanwhile: the dump's store is found by its checksum below
            opened = None
        result = run(opened, text, source) if opened else None
        key = checksum.result()
    if opened is not None and key == stores.key_of(hinted):
        return result, opened
    store = dump_store(dump, key)
    return run(store, text, source), store


def store_from_files(paths: Sequence[Path]) -> ox.Store | OpenStore:
    """A store holding RDF files: triples go to the default graph, quads keep their graph names.

    One large N-Quads file (a dump past STORE_THRESHOLD) is opened as its on-disk store
    (dump_store) instead of being parsed into memory."""
    dump = large_dump(paths)
    if dump is not None:
        return dump_store(dump)
    store = ox.Store()
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise RDFSyntaxError(path, None, "no such file")
        fmt, data = readable(path, get_format(path.suffix.lstrip(".") or "ttl"))
        rdf_format = ox.RdfFormat.from_media_type(fmt.media_type)
        try:
            if data is None:
                store.load(path=str(path), format=rdf_format, base_iri=path.resolve().as_uri())
            else:
                store.load(data, format=rdf_format)
        except SyntaxError as exc:
            line = _RDF_LINE.search(str(exc))
            raise RDFSyntaxError(path, int(line.group(1)) if line else None, str(exc)) from None
    return with_union_default_graph(store)


def project_store(cache_dir: Path | None = None) -> ox.Store | OpenStore:
    """The project's knowledge graph, from the caches when they are current: an on-disk store
    opened read-only for a large graph, else the N-Quads parsed into memory."""
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    key = input_key()
    with contextlib.suppress(OSError):
        return open_store(folder / f"{STORE_PREFIX}{key}")
    cached = folder / f"{_CACHE_PREFIX}{key}.nq"
    if cached.is_file():
        data = cached.read_bytes()
    else:
        from .build import load  # imports rdflib: only on a cache miss

        data = _CACHE_MARK.format(key=key).encode("utf-8") + _nquads(load())
        _write_cache(folder, cached, data)
    if len(data) > stores.STORE_THRESHOLD:
        return open_store(ensure_store(key, lambda: data, folder))
    return store_from_nquads(data)


def input_key() -> str:
    """A checksum of the name, size and mtime of every file the built graph depends on."""
    package = Path(__file__).resolve().parent
    inputs = [
        *resources.ontology_files(),
        *resources.data_files(),
        *resources.corpus().source_paths,
        resources.context_path(),
        *sorted(package.glob("*.py")),
    ]
    lines = [__version__]
    for path in inputs:
        stat = path.stat()
        lines.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    text = "\n".join(lines).encode()
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}"


def run(store: ox.Store | OpenStore, text: str, source: str = "query") -> QueryResult:
    """Start a SPARQL query (default graph: the union of all graphs); QueryError if bad or federated."""
    from .query_check import UncheckableQuery, reach

    try:
        federated = reach(text, prefixes=default_prefixes(), dataset=False).service
    except UncheckableQuery as exc:
        error = oxigraph_syntax_error(text, prefixes=default_prefixes())
        if error is not None:
            raise query_error(text, source, error) from None
        raise QueryError(
            f"{source}: the query cannot be checked, so it is not run: {exc}"
        ) from None
    if federated:
        raise QueryError(
            f"{source}: SERVICE (federated query) is not allowed: guian-kg talks to no other server"
        )
    union_view = isinstance(store, OpenStore) and store.union_view
    target = store.store if isinstance(store, OpenStore) else store
    try:
        return target.query(
            text, prefixes=default_prefixes(), use_default_graph_as_union=union_view
        )
    except SyntaxError as exc:
        raise query_error(text, source, str(exc)) from None


def oxigraph_syntax_error(text: str, **options) -> str | None:
    """Oxigraph's own syntax error for `text`, or None (parsed on an empty store, never run: the
    result is not read, and whatever evaluation starts at once finds no data)."""
    try:
        ox.Store().query(text, **options)
    except SyntaxError as exc:
        return str(exc)
    except (OSError, ValueError, RuntimeError):
        pass
    return None


def query_error(text: str, source: str, message: str) -> QueryError:
    """A QueryError naming `source:line:column`, with the offending line and a caret under it."""
    match = _QUERY_POSITION.match(message)
    if not match:
        return QueryError(f"{source}: {message}")
    line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
    lines = text.splitlines() or [""]
    if line > len(lines) or (line == len(lines) and column > len(lines[-1])):
        # Oxigraph's parser reports how far it looked ahead, often the end of the query; rdflib's
        # names the construct that failed, which is where a reader should look.
        line, column, detail = _rdflib_position(text) or (line, column, detail)
    if "Prefix not found" in detail:
        detail = "undeclared prefix (add a PREFIX line)"
    elif len(detail) > 200:
        detail = detail[:200] + " …"
    shown = lines[min(line, len(lines)) - 1]
    caret = " " * max(0, min(column - 1, len(shown))) + "^"
    where = f"{source}:{line}:{column}"
    return QueryError(f"{where}: SPARQL syntax error: {detail}\n  {shown}\n  {caret}")


def _rdflib_position(text: str) -> tuple[int, int, str] | None:
    """(line, column, message) of rdflib's parse error for `text`, or None if rdflib parses it."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parseQuery(text)
    except ParseException as exc:
        return exc.lineno, exc.col, exc.msg + (f", found {exc.found}" if exc.found else "")
    return None


def default_prefixes() -> dict[str, str]:
    """The project's prefixes (from context.jsonld), predeclared for ad-hoc queries."""
    import json

    context = json.loads(resources.context_path().read_text(encoding="utf-8"))["@context"]
    return {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("/", "#"))}


def _nquads(kg: KnowledgeGraph) -> bytes:
    from .write import store_dumps

    return store_dumps(kg.store, formats=("nq",))["nq"].encode("utf-8")


def _write_cache(folder: Path, target: Path, data: bytes) -> None:
    """Write the cache whole and drop older ones (only files that carry our mark)."""
    if not write_whole(target, data):
        return
    for old in folder.glob(f"{_CACHE_PREFIX}*.nq"):
        if old != target and _is_our_cache(old):
            old.unlink(missing_ok=True)


def _is_our_cache(path: Path) -> bool:
    """Whether `path` is a regular file that starts with the mark of its own key."""
    key = path.name.removeprefix(_CACHE_PREFIX).removesuffix(".nq")
    return starts_with(path, _CACHE_MARK.format(key=key).encode("utf-8"))

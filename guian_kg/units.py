"""The units of the corpus (the shared files, then each article) read, anchored and enriched each
on its own: in worker processes, one per core, and cached by content, so that a rebuild after one
article changed redoes that article alone.

A unit's result is its triples as N-Triples (the store loads them in Rust), their sha256 (which
keys their sorted runs, dump_runs) and what it leaves to the whole corpus (anchor.Pending). A cache
entry (CACHE/units/KEY.nt) is keyed by the code that made it (with the pyoxigraph release that ran
it) and the names, sizes and sha256 of the unit's files (guian_kg.input_checksums: a file
unchanged since an earlier build is not read again); it records the checksum of every source
text its quotes anchor in, and is used only while those texts are unchanged. Its first line is its mark (an
N-Triples comment naming its key, then what it records): what proves that guian-kg wrote it, and
may replace it.

A unit taken from the cache is read up to its first line (its entry checked whole by its size);
its N-Triples are read when they are needed (`Enriched.triples`): a rebuild on a checkpoint of the
previous build's store (guian_kg.checkpoint) needs those of the units that changed only, and
reading the 1,000 entries of a corpus took 0.6 s of such a rebuild's 1.7 s load.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF

from . import __version__, resources
from .anchor import Pending
from .cache_files import is_marked, prune, read_entry, read_head, write_whole
from .corpus import Article, Corpus
from .enrich import enrich
from .errors import GuianKGError, InputError
from .facts import Facts
from .input_checksums import Checksums
from .namespaces import SCHEMA
from .parallel import fork_map
from .read import read_quads
from .terms import node

# The modules whose code decides what a unit becomes: a change to any of them is a new cache key.
_MAKERS = ("anchor.py", "dates.py", "enrich.py", "facts.py", "read.py", "offline.py", "units.py")
_MARK = "# guian-kg unit {key} "
_PARALLEL_FROM = 8  # fewer units are enriched in this process: starting workers costs more


@dataclass(frozen=True)
class Unit:
    """Files read and enriched as one; `article` is the corpus article they describe, if any."""

    files: tuple[Path, ...]
    article: Article | None = None


@dataclass
class Enriched:
    ntriples: bytes | None  # None: in its cache entry still, read by `triples`
    pending: Pending
    anchored_in: dict[str, str]  # article IRI → sha256 of the text its quotes anchor in
    digest: str  # the sha256 of its N-Triples
    cached: bool = False
    read: Callable[[], bytes] | None = None  # its N-Triples, where `ntriples` is None

    def triples(self) -> bytes:
        """Its N-Triples (read from its cache entry if not read yet; not kept)."""
        return self.ntriples if self.ntriples is not None else self.read()


@dataclass(frozen=True)
class Part:
    """What a build took from one unit: its cache key, its article ("" for the shared files or
    --data files), and the identity of its triples: its key and the texts its quotes anchor in."""

    key: str
    article: str
    identity: str


@dataclass
class Counts:
    enriched: int = 0
    from_cache: int = 0
    parts: list[Part] = field(default_factory=list)  # in the order of the units


@dataclass(frozen=True)
class Inputs:
    """The data of a build, read once: its units, their keys (unit_key: every file's bytes) and
    the source texts its quotes anchor in (article IRI → text)."""

    units: list[Unit]
    keys: list[str]
    sources: dict[str, str]


def read_inputs(
    data_paths: Sequence[Path] | None, corpus: Corpus | None, cache_dir: Path | None = None
) -> Inputs:
    """The units of the build (data_units), keyed, and the corpus's source texts (the project's
    corpus by default: `data_paths` anchor in its articles). With `cache_dir`, a file unchanged
    since an earlier build is keyed without being read (guian_kg.input_checksums)."""
    corpus = corpus or resources.corpus()
    sources = corpus.sources()
    units = data_units(data_paths, corpus)
    checksums = Checksums(cache_dir)
    keys = [unit_key(unit, checksums) for unit in units]
    checksums.keep()
    return Inputs(units, keys, sources)


def data_units(data_paths: Sequence[Path] | None, corpus: Corpus) -> list[Unit]:
    """The files of `data_paths` as one unit, else the corpus's: its shared files, then each article."""
    if data_paths:
        return [Unit(tuple(data_paths))]
    return [Unit(tuple(corpus.shared_files))] + [
        Unit(tuple(a.fact_files), a) for a in corpus.articles
    ]


def enrich_units(
    units: Sequence[Unit],
    sources: dict[str, str],
    cache_dir: Path | None,
    workers: int,
    keys: Sequence[str] | None = None,
) -> tuple[list[Enriched], Counts]:
    """Every unit enriched (from the cache where it is current), in the order given; the first
    unit (in that order) that fails raises its error. `keys`: the units' unit_key, where the
    caller has them (read_inputs)."""
    digests = {iri: _sha256(text.encode("utf-8")) for iri, text in sources.items()}
    folder = cache_dir / "units" if cache_dir is not None else None
    keys = list(keys) if keys is not None else [unit_key(unit) for unit in units]
    results: list[Enriched | None] = [
        _cached(folder, key, digests, unit, sources) if folder else None
        for unit, key in zip(units, keys, strict=True)
    ]
    todo = [i for i, result in enumerate(results) if result is None]
    counts = Counts(enriched=len(todo), from_cache=len(units) - len(todo))
    for i, outcome in zip(todo, _run([units[i] for i in todo], sources, workers), strict=True):
        if isinstance(outcome, BaseException):
            raise outcome
        results[i] = outcome
        if folder is not None:
            _store(folder, keys[i], outcome)
    if folder is not None and todo:
        prune(folder, ".nt", set(keys), _MARK)
    counts.parts = [
        Part(key, unit.article.iri if unit.article else "", _identity(key, result.anchored_in))
        for unit, key, result in zip(units, keys, results, strict=True)
    ]
    return results, counts


def cached_triples(cache_dir: Path, part: Part) -> bytes | None:
    """The N-Triples of a unit as a build took them, from its cache entry if it is ours, whole,
    and still holds what that build took (the same identity); else None."""
    entry = _entry(cache_dir / "units", part.key)
    if entry is None or _identity(part.key, entry[0]["anchored_in"]) != part.identity:
        return None
    return entry[1]


def _identity(key: str, anchored_in: dict[str, str]) -> str:
    return _sha256(f"{key}\0{json.dumps(anchored_in, sort_keys=True)}".encode())


def enrich_unit(unit: Unit, sources: dict[str, str]) -> Enriched:
    """Read a unit's files, check what an article folder must hold, anchor and enrich it."""
    facts = Facts(quad.triple for path in unit.files for quad in read_quads(path))
    if unit.article is not None:
        _check_described(unit.article, facts)
    pending = Pending()
    enrich(facts, sources, pending)
    cited = {o.value for _, o in facts.subject_objects(_SOURCE) if isinstance(o, ox.NamedNode)}
    # Each text hashed once, not once per fact citing it (a hundred per article).
    anchored_in = {
        iri: _sha256(sources[iri].encode("utf-8")) for iri in sorted(cited & sources.keys())
    }
    ntriples = ox.serialize(facts.triples, format=ox.RdfFormat.N_TRIPLES)
    return Enriched(ntriples, pending, anchored_in, _sha256(ntriples))


def unit_key(unit: Unit, checksums: Checksums | None = None) -> str:
    """A checksum of the code that enriches a unit, the article it describes, and the names and
    bytes (size and sha256) of its files."""
    checksums = checksums or Checksums(None)
    digest = hashlib.sha256(_code_fingerprint().encode("ascii"))
    digest.update(f"\0{unit.article.iri if unit.article else ''}".encode())
    for path in unit.files:
        size, sha256 = checksums.of(path)
        digest.update(f"\0{os.path.basename(path)}\0{size}\0{sha256}".encode())
    return digest.hexdigest()[:32]


def _run(units: list[Unit], sources: dict[str, str], workers: int) -> list:
    """Each unit's Enriched, or the error it raised."""
    if len(units) < _PARALLEL_FROM:
        workers = 1
    return fork_map(lambda unit: _outcome(unit, sources), units, workers)


def _outcome(unit: Unit, sources: dict[str, str]):
    """The unit enriched, or its error: raised by the parent in the order of the units."""
    try:
        return enrich_unit(unit, sources)
    except GuianKGError as error:
        return error


def _check_described(article: Article, facts: Facts) -> None:
    """An article folder describes the article it is named for."""
    if ox.Triple(node(article.iri), _TYPE, _NEWS_ARTICLE) not in facts:
        raise InputError(
            f"{article.folder}: its facts hold no schema:NewsArticle <{article.iri}> "
            "(an article folder is named for its article's IRI)"
        )


_TYPE, _NEWS_ARTICLE, _SOURCE = node(RDF.type), node(SCHEMA.NewsArticle), node(DCTERMS.source)


def _cached(
    folder: Path, key: str, digests: dict[str, str], unit: Unit, sources: dict[str, str]
) -> Enriched | None:
    """The cache entry for `key`, if it is ours, whole, and anchored in texts still current: its
    first line read, its N-Triples read when needed (`_read`)."""
    meta = read_head(folder / f"{key}.nt", _MARK)
    if meta is None or not isinstance(meta.get("sha256"), str):
        return None
    if any(digests.get(iri) != digest for iri, digest in meta["anchored_in"].items()):
        return None
    pending = Pending(meta["pending"]["quotes"], [tuple(s) for s in meta["pending"]["stated"]])
    read = partial(_read, folder, key, meta, unit, sources)
    return Enriched(None, pending, meta["anchored_in"], meta["sha256"], True, read)


def _read(folder: Path, key: str, meta: dict, unit: Unit, sources: dict[str, str]) -> bytes:
    """The N-Triples of the cache entry for `key` as its first line `meta` was read; if the entry
    is no longer that one (another build replaced or pruned it meanwhile), the unit enriched
    again, which gives the same bytes."""
    entry = _entry(folder, key)
    if entry is not None and entry[0] == meta:
        return entry[1]
    return enrich_unit(unit, sources).ntriples


def _entry(folder: Path, key: str) -> tuple[dict, bytes] | None:
    """The cache entry for `key` (what its mark line says, its N-Triples), if it is ours and whole."""
    return read_entry(folder / f"{key}.nt", _MARK)


def _store(folder: Path, key: str, result: Enriched) -> None:
    """Write a cache entry atomically; a cache that cannot be written is skipped."""
    meta = {
        "anchored_in": result.anchored_in,
        "bytes": len(result.ntriples),
        "pending": {"quotes": result.pending.quotes, "stated": result.pending.stated},
        "sha256": result.digest,
    }
    first = (_MARK.format(key=key) + json.dumps(meta, sort_keys=True) + "\n").encode("utf-8")
    target = folder / f"{key}.nt"
    if (target.exists() or target.is_symlink()) and not is_marked(target, _MARK):
        return  # never replace what guian-kg did not write
    write_whole(target, first + result.ntriples)


@cache
def _code_fingerprint() -> str:
    here = Path(__file__).resolve().parent
    # pyoxigraph parses and writes each unit, so another release may give other bytes.
    digest = hashlib.sha256(f"{__version__} pyoxigraph {ox.__version__}".encode("ascii"))
    for name in _MAKERS:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

"""What the server publishes: one Oxigraph store holding the graph under its published IRIs, the
dumps, the source texts and the examples.

The store is the only copy of the graph in the server process. For `--dist DIR` it is the on-disk
store made once from DIR/guian-kg.nq (guian_kg.store, keyed by the dump's checksum) and opened
read-only, here and by every query worker; for a graph built in memory, an in-memory store of its
N-Quads. Pages ask the store for what they show, a bounded number of triples each.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS, XSD
from rdflib.term import Node

from .. import DEFAULT_BASE, resources
from .. import store as stores
from ..engine import default_cache_dir
from ..errors import InputError
from ..home_figures import count_classes
from ..iri import GRAPH_NAMES, Iris, check_base, rebase_graph
from ..namespaces import SCHEMA, prefixes
from ..query import Example, examples
from ..read import parse_files
from ..resources import shapes_files
from ..terms import to_oxigraph
from ..void import DUMP_STEM
from .ui import Shown, show

if TYPE_CHECKING:
    from ..build import KnowledgeGraph

LABELS = (SKOS.prefLabel, RDFS.label, DCTERMS.title)
LABEL_CACHE = 65_536  # IRIs whose labels are remembered (the graph never changes)


def from_oxigraph(term) -> Node:
    """A pyoxigraph term as the rdflib term a parse of the dump gives."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype))


@dataclass
class Site:
    """The graph as one server publishes it: a store whose IRIs are under the published `base`."""

    opened: stores.OpenStore
    base: str
    downloads: dict[str, bytes | Path]  # the files of dist/: their bytes, or where they lie
    sources: dict[str, str]  # article IRI (under `base`) → its source text
    nquads: bytes = b""  # the graph for query workers in memory (empty: they open store_path)
    store_path: Path | None = None
    iris: Iris = field(init=False)

    def __post_init__(self) -> None:
        self.iris = Iris(self.base)
        self.labels = functools.lru_cache(maxsize=LABEL_CACHE)(self._labels)
        self.shown = functools.lru_cache(maxsize=LABEL_CACHE)(self._shown)
        self._remembered: dict | None = None

    @contextlib.contextmanager
    def remembering(self) -> Iterator[None]:
        """Within it, each pattern of `triples` is read from the store once: the static site's
        pages and document of a thing (guian_kg/static_site.py) ask the store the same things."""
        self._remembered = {}
        try:
            yield
        finally:
            self._remembered = None

    # ------------------------------------------------------------ reading the store

    def triples(
        self, subject=None, predicate=None, obj=None, limit: int | None = None
    ) -> list[tuple[Node, Node, Node]]:
        """Triples of the union of the named graphs matching a pattern (rdflib terms), at most `limit`."""
        if self._remembered is not None:
            key = (subject, predicate, obj, limit)
            if key not in self._remembered:
                self._remembered[key] = self._triples(subject, predicate, obj, limit)
            return list(self._remembered[key])
        return self._triples(subject, predicate, obj, limit)

    def _triples(self, subject, predicate, obj, limit: int | None) -> list[tuple[Node, Node, Node]]:
        found: dict[tuple, None] = {}
        pattern = [None if t is None else to_oxigraph(t) for t in (subject, predicate, obj)]
        for quad in stores.matching(self.opened.store, *pattern):
            if isinstance(quad.graph_name, ox.DefaultGraph):
                continue  # a copy of the union, where the store has one (guian_kg.store)
            found[(quad.subject, quad.predicate, quad.object)] = None
            if limit is not None and len(found) >= limit:
                break
        return [tuple(from_oxigraph(t) for t in triple) for triple in found]

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """One object of (subject, predicate), the least if there are several; None if there is none."""
        values = [o for _, _, o in self.triples(subject, predicate, None)]
        return min(values, key=str) if values else None

    def has(self, iri: URIRef) -> bool:
        """Whether the graph mentions `iri` as a subject or an object."""
        return bool(
            self.triples(iri, None, None, limit=1) or self.triples(None, None, iri, limit=1)
        )

    def select(self, query: str) -> Iterator[ox.QuerySolution]:
        """Solutions of a SELECT query on the union of the named graphs."""
        return self.opened.store.query(query, use_default_graph_as_union=self.opened.union_view)

    def graph(self, name: str) -> Graph:
        """A named graph (ontology, data, void) as an rdflib graph: for the small ones."""
        graph = Graph(identifier=self.iris.graph(name))
        for quad in self.opened.store.quads_for_pattern(
            None, None, None, ox.NamedNode(str(self.iris.graph(name)))
        ):
            graph.add(tuple(from_oxigraph(t) for t in (quad.subject, quad.predicate, quad.object)))
        return graph

    @functools.cached_property
    def small_graphs(self) -> dict[str, Graph]:
        """The ontology and the dataset description, which do not grow with the data."""
        return {name: self.graph(name) for name in ("ontology", "void")}

    @property
    def graph_names(self) -> list[str]:
        return [str(self.iris.graph(name)) for name in GRAPH_NAMES]

    @functools.cached_property
    def _counted(self) -> dict[str, int]:
        """Triples per named graph and in the default graph (""), counted when the store was made."""
        if self.opened.sizes is not None:
            return self.opened.sizes
        # A store an older guian-kg made, whose mark holds no counts.
        return stores.count_triples(self.opened.store, self.opened.union_view)

    @property
    def sizes(self) -> dict[str, int]:
        """Triples in each named graph."""
        return {name: self._counted.get(name, 0) for name in self.graph_names}

    @property
    def total(self) -> int:
        """Triples in the default graph, the union of the named graphs (a set)."""
        return self._counted[""]

    @functools.cached_property
    def class_counts(self) -> dict[URIRef, int]:
        """rdf:type triples per class in the data graph: counted when the store was made, else
        (a store an older guian-kg made, or one built in memory) now."""
        classes = self.opened.classes
        if classes is None:
            classes = count_classes(self.opened.store)
        counted = classes.get(str(self.iris.graph("data")), {})
        return {URIRef(cls): n for cls, n in counted.items()}

    def _labels(self, iri: URIRef) -> dict[str, str]:
        """Language → label of `iri` (skos:prefLabel, else rdfs:label, else dcterms:title)."""
        found: dict[str, str] = {}
        for predicate in reversed(LABELS):  # later (preferred) predicates overwrite
            for _, _, label in sorted(self.triples(iri, predicate, None)):
                if isinstance(label, Literal):
                    found[label.language or ""] = str(label)
        return found

    def _shown(self, term: Node, lang: str) -> Shown:
        """How a page in `lang` shows `term` (ui.show), remembered as labels are."""
        return show(term, lang, self.label, self.prefixes, self.local)

    def label(self, iri: URIRef, lang: str) -> str | None:
        """The label of `iri` in `lang`, else in the other language, else without a tag; None if unlabelled."""
        labels = self.labels(iri)
        for key in (lang, "zh" if lang == "en" else "en", ""):
            if labels.get(key):
                return labels[key]
        return None

    # ------------------------------------------------------------ IRIs and local paths

    def term(self, term: URIRef) -> URIRef:
        """A term of the project's namespaces (GK.quote, …) under the published base."""
        if self.base != DEFAULT_BASE and str(term).startswith(DEFAULT_BASE):
            return URIRef(self.base + str(term)[len(DEFAULT_BASE) :])
        return term

    def local(self, iri: str) -> str:
        """Where an IRI under the published base lies on this server (a path); other IRIs as they are."""
        return "/" + iri[len(self.base) :] if iri.startswith(self.base) else iri

    @functools.cached_property
    def prefixes(self) -> dict[str, str]:
        return prefixes(self.base)

    @functools.cached_property
    def shapes(self) -> Graph:
        return rebase_graph(parse_files(shapes_files()), self.base)

    @functools.cached_property
    def examples(self) -> dict[str, Example]:
        return {example.name: example for example in examples()}

    def example_text(self, name: str) -> str:
        """An example query in the published IRIs."""
        return self.examples[name].text.replace(DEFAULT_BASE, self.base)

    def download(self, name: str) -> bytes:
        found = self.downloads[name]
        return found.read_bytes() if isinstance(found, Path) else found


def load_site(source: KnowledgeGraph | Path | str, base: str | None = None) -> Site:
    """The site for a graph built in memory (published under `base`, the default base if None),
    or for a dist/ folder (`base`, if given, must be the one it was built with)."""
    if base is not None:
        check_base(base)
    if isinstance(source, (Path, str)):
        return _site_from_dist(Path(source), base)
    return _site_from_kg(source, base or DEFAULT_BASE)


def _site_from_kg(kg: KnowledgeGraph, base: str) -> Site:
    from ..build import dump_files  # the build code (rdflib, PyLD), only for a graph built here

    files = dump_files(kg, base)  # what `guian-kg build --base BASE` would publish
    nquads = files[f"{DUMP_STEM}.nq"]
    sources = {base + a[len(DEFAULT_BASE) :]: text for a, text in kg.sources.items()}
    return Site(stores.memory_store(nquads), base, dict(files), sources, nquads=nquads)


def _site_from_dist(dist: Path, base: str | None) -> Site:
    path = dist / f"{DUMP_STEM}.nq"
    if not path.is_file():
        raise InputError(f"{path}: no such file (run `guian-kg build --out {dist}` first)")
    cache = default_cache_dir()
    try:
        # The store `guian-kg build` made of this dump: by its proof (not hashed), else by the
        # dump's checksum (the same key), else made now, once.
        store_path = stores.proven_store(cache, path) or stores.ensure_store(
            stores.file_key(path), path.read_bytes, cache
        )
        opened = stores.open_store(store_path)
    except SyntaxError as exc:
        raise InputError(f"{path}: cannot parse: {exc}") from None
    except OSError as exc:  # a cache folder that cannot be written, a full disk
        raise InputError(
            f"cannot make or open the store of {path} in {cache} ($GUIAN_KG_CACHE_DIR): {exc}"
        ) from None
    names = [g.value for g in opened.store.named_graphs() if g.value.endswith("graph/data")]
    if len(names) != 1:
        raise InputError(f"{path}: expected one graph named …/graph/data, found {len(names)}")
    built_base = names[0][: -len("graph/data")]
    if base is not None and base != built_base:
        raise InputError(
            f"--base {base} is not the base {dist} was built with ({built_base}): the server "
            f"answers in the published IRIs; rebuild with `guian-kg build --base {base}`, or drop --base"
        )
    downloads = {
        p.name: p for p in sorted(dist.iterdir()) if p.is_file() and not p.name.startswith(".")
    }
    site = Site(opened, built_base, downloads, {}, store_path=store_path)
    site.sources = _bundled_sources(site)
    return site


def _bundled_sources(site: Site) -> dict[str, str]:
    """The bundled article texts the graph was built from (their checksum in the dataset description)."""
    sources = {}
    for article in resources.corpus().articles:
        iri = site.term(URIRef(article.iri))
        checksum = site.value(iri, SCHEMA.sha256)
        if checksum is None:
            continue
        text = article.text()
        if str(checksum) == hashlib.sha256(text.encode()).hexdigest():
            sources[str(iri)] = text
    return sources

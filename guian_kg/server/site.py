"""What the server publishes: the knowledge graph under the server's base, its labels, dumps and examples."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from .. import resources
from ..build import KnowledgeGraph, dump_files
from ..errors import InputError
from ..iri import DEFAULT_BASE, GRAPH_NAMES, Iris, check_base, rebase_graph, rebase_term
from ..namespaces import SCHEMA, prefixes
from ..query import Example, examples
from ..read import parse_files
from ..resources import shapes_files
from ..void import DUMP_STEM
from ..write import serialize_dataset

LABELS = (SKOS.prefLabel, RDFS.label, DCTERMS.title)


@dataclass
class Site:
    """The knowledge graph as one server publishes it, every IRI under `base`."""

    kg: KnowledgeGraph  # under the default base, as the build makes it; its sources are the
    # texts the graph was built from (from dist/, only the bundled ones whose checksum matches)
    base: str
    dist: Path | None = None
    dist_base: str | None = None
    iris: Iris = field(init=False)

    def __post_init__(self) -> None:
        self.iris = Iris(self.base)
        self._downloads: dict[str, bytes] | None = None
        self._downloads_lock = threading.Lock()

    @cached_property
    def sources(self) -> dict[str, str]:
        """Article IRI, as served under this base → its source text."""
        return {str(rebase_term(URIRef(a), self.base)): t for a, t in self.kg.sources.items()}

    @cached_property
    def graphs(self) -> dict[URIRef, Graph]:
        return self.kg.graphs(self.base)

    @cached_property
    def union(self) -> Graph:
        union = Graph()
        for graph in self.graphs.values():
            union += graph
        return union

    @cached_property
    def shapes(self) -> Graph:
        return rebase_graph(parse_files(shapes_files()), self.base)

    @cached_property
    def terms(self) -> frozenset[URIRef]:
        """Every IRI the graph mentions as a subject or an object."""
        return frozenset(
            t for t in (*self.union.subjects(), *self.union.objects()) if isinstance(t, URIRef)
        )

    @cached_property
    def labels(self) -> dict[URIRef, dict[str, str]]:
        """IRI → language → label (skos:prefLabel, else rdfs:label, else dcterms:title)."""
        found: dict[URIRef, dict[str, str]] = {}
        for predicate in reversed(LABELS):  # later (preferred) predicates overwrite
            for subject, label in sorted(self.union.subject_objects(predicate)):
                if isinstance(label, Literal):
                    found.setdefault(subject, {})[label.language or ""] = str(label)
        return found

    def term(self, term: URIRef) -> URIRef:
        """A term of the project's namespaces (GK.quote, …) as this site serves it, under its base."""
        return rebase_term(term, self.base)

    def label(self, iri: URIRef, lang: str) -> str | None:
        """The label of `iri` in `lang`, else in the other language, else without a tag; None if unlabelled."""
        labels = self.labels.get(iri, {})
        for key in (lang, "zh" if lang == "en" else "en", ""):
            if labels.get(key):
                return labels[key]
        return None

    @cached_property
    def prefixes(self) -> dict[str, str]:
        return prefixes(self.base)

    @cached_property
    def nquads(self) -> bytes:
        """The named graphs as N-Quads, what the query workers load."""
        return serialize_dataset(self.graphs, "nq", self.base).encode("utf-8")

    @property
    def downloads(self) -> dict[str, bytes]:
        """The files of dist/: read from `dist` when it was built under this base, else made in memory (once)."""
        with (
            self._downloads_lock
        ):  # made once even when the startup warm-up and a request ask together
            if self._downloads is None:
                if self.dist is not None and self.dist_base == self.base:
                    files = sorted(
                        p for p in self.dist.iterdir() if p.is_file() and not p.name.startswith(".")
                    )
                    self._downloads = {p.name: p.read_bytes() for p in files}
                else:
                    self._downloads = dump_files(self.kg, self.base)
            return self._downloads

    @cached_property
    def examples(self) -> dict[str, Example]:
        return {example.name: example for example in examples()}

    def example_text(self, name: str) -> str:
        """An example query with its IRIs moved under this server's base."""
        return self.examples[name].text.replace(DEFAULT_BASE, self.base)


def load_site(source: KnowledgeGraph | Path | str, base: str) -> Site:
    """The site for a loaded knowledge graph, or for a dist/ folder built by `guian-kg build`."""
    check_base(base)
    if isinstance(source, KnowledgeGraph):
        return Site(source, base)
    dist = Path(source)
    kg, dist_base = _kg_from_dist(dist)
    return Site(kg, base, dist=dist, dist_base=dist_base)


def _kg_from_dist(dist: Path) -> tuple[KnowledgeGraph, str]:
    """The knowledge graph in dist/guian-kg.nq, moved back under the default base, and the base it was built with."""
    path = dist / f"{DUMP_STEM}.nq"
    if not path.is_file():
        raise InputError(f"{path}: no such file (run `guian-kg build --out {dist}` first)")
    dataset = Dataset()
    try:
        dataset.parse(path, format="nquads")
    except Exception as exc:  # rdflib raises several types for bad N-Quads
        raise InputError(f"{path}: cannot parse: {exc}") from None
    names = [
        str(g.identifier) for g in dataset.graphs() if str(g.identifier).endswith("graph/data")
    ]
    if len(names) != 1:
        raise InputError(f"{path}: expected one graph named …/graph/data, found {len(names)}")
    built_base = names[0][: -len("graph/data")]
    graphs = []
    for name in GRAPH_NAMES:
        graph = Graph(identifier=Iris(built_base).graph(name))
        for triple in dataset.graph(graph.identifier):
            graph.add(triple)
        graphs.append(rebase_graph(graph, DEFAULT_BASE, old=built_base))
    ontology, data, void = graphs
    # Quote contexts come from the bundled source texts, each used only if it is the text the
    # graph was built from (its checksum in the dataset description).
    sources = {}
    for article in resources.corpus().articles:
        text = article.text()
        checksum = void.value(URIRef(article.iri), SCHEMA.sha256)
        if checksum is not None and str(checksum) == hashlib.sha256(text.encode()).hexdigest():
            sources[article.iri] = text
    return KnowledgeGraph.of(ontology, data, void, sources), built_base

"""The build: load the ontology and data → anchor quotes, add date companions and the dataset
description → validate with SHACL → write dist/ atomically. Every other command reads its graph."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from . import jsonld, resources
from .corpus import Corpus, is_corpus
from .enrich import enrich
from .errors import InputError, ValidationFailed
from .formats import DUMP_FORMATS, get_format
from .iri import DEFAULT_BASE, Iris, check_base, rebase_graph
from .namespaces import SCHEMA
from .publish import check_folder, publish
from .read import parse_files
from .validate import Report, validate
from .void import DUMP_STEM, describe
from .write import serialize_dataset, serialize_graph


@dataclass
class KnowledgeGraph:
    """The built graph, in three named graphs, always under the default base (rebased on output)."""

    ontology: Graph
    data: Graph
    void: Graph
    sources: dict[str, str]  # article IRI (default base) → its source text

    def graphs(self, base: str = DEFAULT_BASE) -> dict[URIRef, Graph]:
        iris = Iris(base)
        return {
            iris.graph(name): rebase_graph(graph, base)
            for name, graph in (
                ("ontology", self.ontology),
                ("data", self.data),
                ("void", self.void),
            )
        }

    def union(self, base: str = DEFAULT_BASE) -> Graph:
        union = Graph()
        for graph in self.graphs(base).values():
            union += graph
        return union


@dataclass
class BuildResult:
    kg: KnowledgeGraph
    report: Report | None
    files: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def expand_data_paths(paths: Sequence[Path]) -> list[Path] | None:
    """Files as given and folders as their *.ttl (recursively), sorted; None (the project's data) if empty."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        files.extend(sorted(path.rglob("*.ttl")) if path.is_dir() else [path])
    return files or None


def data_inputs(paths: Sequence[Path]) -> tuple[list[Path] | None, Corpus | None]:
    """`--data` as (files, corpus): one corpus folder is read whole; files are anchored in the project's corpus."""
    if len(paths) == 1 and is_corpus(paths[0]):
        return None, Corpus(Path(paths[0]))
    return expand_data_paths(paths), None


def load(
    data_paths: Sequence[Path] | None = None,
    ontology_paths: Sequence[Path] | None = None,
    corpus: Corpus | None = None,
    timings: dict[str, float] | None = None,
) -> KnowledgeGraph:
    """Load, enrich and describe the knowledge graph (no validation).

    The facts are `data_paths`, else every file of the corpus (the project's data/ by default);
    each quote is anchored in the text of the corpus article its dcterms:source names.
    """
    timings = timings if timings is not None else {}
    corpus = corpus or resources.corpus()
    started = time.perf_counter()
    ontology = parse_files(
        ontology_paths or resources.ontology_files(), Graph(identifier=Iris().graph("ontology"))
    )
    data = parse_files(data_paths or corpus.fact_files, Graph(identifier=Iris().graph("data")))
    if len(data) == 0:
        raise InputError("the data files hold no triples")
    if not data_paths:
        _check_articles_described(corpus, data)
    sources = corpus.sources()
    timings["load"] = time.perf_counter() - started
    started = time.perf_counter()
    enrich(data, sources)
    void = describe(ontology, data, sources)
    timings["enrich"] = time.perf_counter() - started
    return KnowledgeGraph(ontology, data, void, sources)


def _check_articles_described(corpus: Corpus, data: Graph) -> None:
    """Every article folder describes the article it is named for."""
    for article in corpus.articles:
        if (URIRef(article.iri), RDF.type, SCHEMA.NewsArticle) not in data:
            raise InputError(
                f"{article.folder}: its facts hold no schema:NewsArticle <{article.iri}> "
                "(an article folder is named for its article's IRI)"
            )


def shapes_graph() -> Graph:
    return parse_files(resources.shapes_files())


def check(kg: KnowledgeGraph) -> Report:
    """Validate the data and the dataset description against the shapes."""
    return validate(kg.data + kg.void, shapes_graph(), kg.ontology)


def dump_files(kg: KnowledgeGraph, base: str = DEFAULT_BASE) -> dict[str, bytes]:
    """Every file of dist/: the dumps, the JSON-LD context, the framed designations, and void.ttl."""
    graphs = kg.graphs(base)
    iris = Iris(base)
    files = {
        f"{DUMP_STEM}.{get_format(name).extension}": serialize_dataset(graphs, name, base).encode(
            "utf-8"
        )
        for name in DUMP_FORMATS
    }
    files["context.jsonld"] = jsonld.context_file(base)
    # For web pages: one object per designation, its programme, organisations and facts nested.
    files["designations.jsonld"] = jsonld.export(graphs, base, "designation").encode("utf-8")
    files["void.ttl"] = serialize_graph(graphs[iris.graph("void")], "ttl", base).encode("utf-8")
    return files


def build(
    out: Path,
    base: str = DEFAULT_BASE,
    data_paths: Sequence[Path] | None = None,
    corpus: Corpus | None = None,
) -> BuildResult:
    """Load → enrich → validate → publish `out` atomically (only over a folder guian-kg made); raise before writing anything."""
    check_base(base)
    check_folder(out)  # a folder that would be refused is refused now, not after the whole build
    timings: dict[str, float] = {}
    kg = load(data_paths, corpus=corpus, timings=timings)
    started = time.perf_counter()
    report = check(kg)
    timings["validate"] = time.perf_counter() - started
    if not report.conforms:
        raise ValidationFailed(report.text(), len(report.results))
    started = time.perf_counter()
    files = dump_files(kg, base)
    timings["serialize"] = time.perf_counter() - started
    started = time.perf_counter()
    published = publish(files, out)
    timings["write"] = time.perf_counter() - started
    return BuildResult(kg, report, published.files, timings, published.warnings)

"""The build: load the ontology and data → anchor quotes, add date companions, the shortcuts and
the dataset description → validate with SHACL → write dist/ atomically. Every other command reads its graph."""

from __future__ import annotations

import contextlib
import itertools
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from . import (
    build_record,
    checkpoint,
    default_cache_dir,
    dump_patch,
    incremental,
    jsonld,
    jsonld_pieces,
    resources,
)
from . import store as stores
from .anchor import Pending, check_pending
from .cache_files import prove_kept, scratch_folder
from .corpus import Corpus, is_corpus
from .dump_runs import ensure_runs, key_of_digest, map_runs
from .errors import InputError, ValidationFailed
from .iri import DEFAULT_BASE, Iris, check_base, rebase_graph, rebase_quad
from .namespaces import OA
from .parallel import Forked, available_cores, fork_map
from .publish import check_folder, publish, remember
from .read import parse_files, read_quads
from .shortcuts import PREDICATES as SHORTCUTS
from .shortcuts import add_shortcuts, shortcut_lines
from .terms import node, to_oxigraph, to_rdflib
from .units import (
    Counts,
    Enriched,
    Inputs,
    cached_triples,
    data_units,
    enrich_units,
    read_inputs,
)
from .validate import Report
from .void import DUMP_STEM, describe
from .void_update import counted_from_previous
from .write import Runs, graph_runs, runs_of, serialize_quads

USE_DEFAULT_CACHE = Path("\0default")  # load()'s cache_dir when not given (None means no cache)


@dataclass
class KnowledgeGraph:
    """The built graph, held once in an Oxigraph store: three named graphs (ontology, data, void),
    always under the default base (rebased on output), and the source texts of its articles.

    `ontology`, `data` and `void` are rdflib copies made on first use, for what still reads rdflib
    (pySHACL, RDF/XML, `export`, `stats`, `load`); the build itself never makes them.
    """

    # A rebuild's may be a sealed checkpoint of the previous build's store, on disk, read as a
    # Store (guian_kg.checkpoint).
    store: ox.Store | checkpoint.Sealed
    sources: dict[str, str]  # article IRI (default base) → its source text
    units: Counts = field(default_factory=Counts)  # units enriched, and taken from the cache
    cache_dir: Path | None = None  # where its units are cached (and its validation recorded)
    # The cached sorted runs of the data graph's units (folder, keys), if load made them.
    runs: tuple[Path, list[str]] | None = None
    described: str = ""  # what counted its description, for its store's mark (void_update)
    # The shortcut statements' N-Triples lines, sorted (shortcuts.shortcut_lines), if load made them.
    shortcuts: list[str] | None = None

    @classmethod
    def of(
        cls, ontology: Graph, data: Graph, void: Graph, sources: dict[str, str]
    ) -> KnowledgeGraph:
        """The knowledge graph made of rdflib graphs (named by their roles, not their identifiers)."""
        store = ox.Store()
        for name, graph in (("ontology", ontology), ("data", data), ("void", void)):
            store.extend(_quads(graph, node(Iris().graph(name))))
        return cls(store, sources)

    def graph(self, name: str) -> Graph:
        """The named graph `name` (ontology, data or void) as an rdflib graph."""
        graph = Graph(identifier=Iris().graph(name))
        for quad in self.store.quads_for_pattern(None, None, None, node(Iris().graph(name))):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        return graph

    @cached_property
    def ontology(self) -> Graph:
        return self.graph("ontology")

    @cached_property
    def data(self) -> Graph:
        return self.graph("data")

    @cached_property
    def void(self) -> Graph:
        return self.graph("void")

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


def _quads(graph: Graph, name: ox.NamedNode) -> list[ox.Quad]:
    return [ox.Quad(*(to_oxigraph(term) for term in triple), name) for triple in graph]


@dataclass
class BuildResult:
    """What `build` did. Where nothing changed since the last build (`unchanged`: the same inputs,
    code, base and folder, the folder and its store proven as that build left them, see
    guian_kg.build_record), nothing was built: `kg` and `report` are None, and `files`, `store`
    and `triples` are the last build's."""

    kg: KnowledgeGraph | None
    report: Report | None
    files: list[Path] = field(default_factory=list)
    # Seconds per phase. A rebuild validated around what changed ran "validate" beside
    # "serialize" (build.validated), then waited "validate wait" for it: they do not add up.
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    store: Path | None = None  # the on-disk store of the dump, in the cache
    triples: int = 0  # in the graph built (len(kg.store))
    unchanged: bool = False
    seconds: float = 0.0  # the whole build, wall time (see timings)


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
    cache_dir: Path | None = USE_DEFAULT_CACHE,
    workers: int | None = None,
    dump_runs: bool = False,
    inputs: Inputs | None = None,
) -> KnowledgeGraph:
    """Read, anchor, enrich, add the shortcuts to and describe the knowledge graph (no validation).

    The facts are `data_paths`, else the corpus (the project's data/ by default): its shared files,
    then each article, each read and enriched on its own (guian_kg.units: in `workers` processes,
    one per core by default, and from the cache in `cache_dir` where current; None: no cache);
    every quote is anchored in the text of the corpus article its dcterms:source names. With
    `dump_runs` (and a cache), each unit's statements are also sorted for the dumps (dump_runs),
    once per content. `inputs`: the units and source texts read already (units.read_inputs).
    """
    if cache_dir is USE_DEFAULT_CACHE:
        cache_dir = default_cache_dir()
    timings = timings if timings is not None else {}
    corpus = corpus or resources.corpus()
    started = time.perf_counter()
    iris = Iris()
    ontology = node(iris.graph("ontology"))
    ontology_quads = []
    for path in ontology_paths or resources.ontology_files():
        ontology_quads.extend(_in_graph(read_quads(path), ontology))
    sources = inputs.sources if inputs is not None else corpus.sources()
    timings["load"] = time.perf_counter() - started
    started = time.perf_counter()
    data = node(iris.graph("data"))
    units = inputs.units if inputs is not None else data_units(data_paths, corpus)
    keys = inputs.keys if inputs is not None else None
    enriched, counts = enrich_units(units, sources, cache_dir, workers or available_cores(), keys)
    timings["enrich"] = time.perf_counter() - started
    # A failure once a checkpoint is made (a citation not found, the runs' sorting, the
    # description) deletes the copy at once, not at a later build's sweep.
    with contextlib.ExitStack() as failing:
        with _runs_sorted(cache_dir if dump_runs else None, enriched, workers) as sorted_runs:
            started = time.perf_counter()
            # A rebuild's graph on a copy of the previous build's store, where it can be: the
            # units that did not change are not loaded (guian_kg.checkpoint). Their runs' keys are
            # known from the units' digests before the runs are sorted.
            runs = _keys(cache_dir if dump_runs else None, enriched)
            copied = _on_previous(cache_dir, runs, enriched, ontology_quads, data)
            failing.enter_context(checkpoint.dropped_on_failure(copied))
            store, shortcuts = _graph(copied, enriched, ontology_quads, data)
            timings["store"] = time.perf_counter() - started
            started = time.perf_counter()
            taken = sorted_runs()  # taken once: again, the same
            if copied is not None and taken != runs:  # the runs it counts on could not be cached
                del store
                copied.close()
                copied = None
                store, shortcuts = _graph(None, enriched, ontology_quads, data)
            runs = taken
            # The wait for them, once the store is made.
            timings["runs"] = time.perf_counter() - started
        started = time.perf_counter()
        # A rebuild counts the description's statistics from the previous build's where it can.
        counted, described = (
            counted_from_previous(store, runs, cache_dir, shortcuts)
            if runs is not None
            else (None, "")
        )
        void = _quads(describe(store, sources, counted), node(iris.graph("void")))
        if copied is not None:
            del store  # the checkpoint's: closed once sealed
            store = checkpoint.sealed(copied, void)
        else:
            store.extend(void)
        timings["describe"] = time.perf_counter() - started
    return KnowledgeGraph(store, sources, counts, cache_dir, runs, described, shortcuts)


def _keys(cache_dir: Path | None, enriched: Sequence[Enriched]) -> tuple[Path, list[str]] | None:
    """The (folder, keys) of the units' runs (_runs_sorted gives the same once they are sorted),
    or None where none are taken (no cache)."""
    if cache_dir is None:
        return None
    return cache_dir / "runs", [key_of_digest(unit.digest) for unit in enriched]


def _on_previous(
    cache_dir: Path | None,
    runs: tuple[Path, list[str]] | None,
    enriched: Sequence[Enriched],
    ontology: list[ox.Quad],
    data: ox.NamedNode,
) -> checkpoint.Checkpoint | None:
    """The previous build's store brought to the graph of `enriched` (whose runs are `runs`: their
    keys say which units changed) and `ontology` (checkpoint.on_previous), if there is one and it
    can be."""
    if cache_dir is None or runs is None:
        return None
    units = [unit.triples for unit in enriched]  # read only for the units that changed
    return checkpoint.on_previous(cache_dir, runs, units, ontology, data)


def _graph(
    copied: checkpoint.Checkpoint | None,
    enriched: Sequence[Enriched],
    ontology: list[ox.Quad],
    data: ox.NamedNode,
) -> tuple[ox.Store, list[str]]:
    """The store of the graph (the checkpoint's, else one in memory with every unit loaded), its
    quotes' citations checked, and the shortcuts' lines."""
    store = copied.store if copied is not None else ox.Store()
    if copied is None:
        store.extend(ontology)
    pending = Pending()  # what a unit cites from another
    for unit in enriched:
        if copied is None:
            store.load(unit.triples(), format=ox.RdfFormat.N_TRIPLES, to_graph=data, lenient=True)
            unit.ntriples = b""  # now in the store: not held twice
        pending.update(unit.pending)
    check_pending(pending, lambda q: [x.object.value for x in _exact(store, q, data)])
    if not any(True for _ in store.quads_for_pattern(None, None, None, data)):
        raise InputError("the data files hold no triples")
    if copied is None:
        # Once the whole corpus is in: places are shared, designations not.
        add_shortcuts(store, data)
    shortcuts = shortcut_lines(store, data) if copied is None else copied.shortcuts
    return store, shortcuts


@contextmanager
def _runs_sorted(
    cache_dir: Path | None, enriched: Sequence[Enriched], workers: int | None
) -> Iterator[Callable[[], tuple[Path, list[str]] | None]]:
    """Yields a function giving the (folder, keys) of the units' cached sorted runs (dump_runs),
    or None (no cache, or one that cannot take them). They are sorted in processes forked on
    entry, while this one loads the store: loading is one thread's work, sorting two workers',
    and on two cores the two side by side take a third less time than one after the other."""
    if cache_dir is None:
        yield lambda: None
        return
    folder = cache_dir / "runs"
    # Keyed by their digests: a unit's N-Triples are read only if its runs are not cached.
    ntriples = [unit.triples for unit in enriched]
    digests = [unit.digest for unit in enriched]

    def ensured() -> list[str] | None:
        return ensure_runs(folder, ntriples, workers or available_cores(), digests)

    with Forked(ensured) as sorting:
        ntriples.clear()  # the forked process has its copy; this one drops each once in the store

        @cache
        def result() -> tuple[Path, list[str]] | None:
            keys = sorting.result()
            return (folder, keys) if keys is not None else None

        yield result


def _in_graph(statements: Iterable, graph: ox.NamedNode) -> list[ox.Quad]:
    """Triples (or quads, whose graph is dropped) as quads in `graph`."""
    return [ox.Quad(s.subject, s.predicate, s.object, graph) for s in statements]


_EXACT = node(OA.exact)


def _exact(store: ox.Store, quote: str, graph: ox.NamedNode) -> Iterator[ox.Quad]:
    return store.quads_for_pattern(node(quote), _EXACT, None, graph)


def shapes_graph() -> Graph:
    return parse_files(resources.shapes_files())


def check(kg: KnowledgeGraph) -> Report:
    """Validate the data and the dataset description, with the ontology, against the shapes: on
    the store, every constraint run by Oxigraph (validate.validate_store), around what changed
    since the last validation recorded in the cache where that gives the same report
    (guian_kg.incremental)."""
    return incremental.validate(kg.store, resources.shapes_files(), kg.units.parts, kg.cache_dir)


def dump_files(kg: KnowledgeGraph, base: str = DEFAULT_BASE) -> dict[str, bytes]:
    """Every file of dist/ (`write_dump_files`) as bytes."""
    with tempfile.TemporaryDirectory(prefix="guian-kg-dist-") as folder:
        written = write_dump_files(kg, Path(folder), base)
        return {name: path.read_bytes() for name, path in written.items()}


def write_dump_files(kg: KnowledgeGraph, folder: Path, base: str = DEFAULT_BASE) -> dict[str, Path]:
    """Every file of dist/ written into `folder`: the dumps, the JSON-LD context, the framed
    designations and their JSON Schema, and void.ttl, made in parallel (each group of files in a
    process forked from this one, which writes them: no dump is held whole in this process). The
    dumps merge the cached runs of the units where load made them (a rebuild sorts the changed
    units alone), else runs made from the store."""
    store = kg.store if base == DEFAULT_BASE else _rebased(kg.store, base)
    iris = Iris(base)

    def make(group: str) -> dict[str, Path]:
        if group in ("nq trig", "nt ttl"):  # made from the previous build's where they serve
            graphs, kept = _runs(kg, store, base)
            written = dump_patch.write_group(group.split(), folder, store, graphs, base, kept)
            return {path.name: path for path in written.values()}
        small = {
            "designations.schema.json": jsonld.schema_file(base),
            "context.jsonld": jsonld.context_file(base),
            "void.ttl": serialize_quads(
                store.quads_for_pattern(None, None, None, node(iris.graph("void"))), "ttl", base
            ),
        }
        compacted, designations = folder / f"{DUMP_STEM}.jsonld", folder / "designations.jsonld"
        if base == DEFAULT_BASE:  # made again only where they changed
            jsonld_pieces.write_jsonld(store, compacted, designations, _pieces(kg))
            return {p.name: p for p in (compacted, designations)} | _written(folder, small)
        # For web pages: one object per designation, its programme, organisations and facts
        # nested; the ontology gives the labels of concepts.
        data = node(iris.graph("data"))
        ontology = store.quads_for_pattern(None, None, None, node(iris.graph("ontology")))
        web = itertools.chain(  # each statement once: a statement in both graphs from data
            (q for q in ontology if ox.Quad(q.subject, q.predicate, q.object, data) not in store),
            store.quads_for_pattern(None, None, None, data),
        )
        everything = store.quads_for_pattern(None, None, None, None)
        written = _written(folder, {compacted.name: jsonld.compact_quads(everything, base)})
        framed = jsonld.frame_quads(web, "designation", base, distinct=True)
        return written | _written(folder, {designations.name: framed, **small})

    files: dict[str, Path] = {}
    for made in fork_map(make, DUMP_GROUPS, available_cores()):
        files.update(made)
    return dict(sorted(files.items()))


def _runs(
    kg: KnowledgeGraph, store: ox.Store, base: str
) -> tuple[dict[str, list[Runs]], dump_patch.Kept | None]:
    """Each graph's runs, the data graph's from its units' cached runs where they serve, then the
    shortcuts' (sorted once per content, kept in the cache: dump_patch.shortcut_runs), and where
    the dumps made of them keep what they are made of (None where they are not so made)."""
    units = map_runs(*kg.runs) if kg.runs is not None and base == DEFAULT_BASE else None
    if units is None or kg.cache_dir is None:
        return graph_runs(store), None
    data = node(Iris().graph("data"))
    # The shortcuts: made on the whole store, in no unit's runs.
    lines = kg.shortcuts if kg.shortcuts is not None else shortcut_lines(store, data)
    found = dump_patch.shortcut_runs(kg.cache_dir, lines) if lines else (None, None)
    key, shortcuts = found or (None, runs_of("".join(f"{line}\n" for line in lines)))
    graphs = {
        **graph_runs(store, skip={str(data)}),
        str(data): units + ([shortcuts] if shortcuts is not None else []),
    }
    if found is None:  # the cache cannot keep the shortcuts' runs: nor what the dumps are made of
        return graphs, None
    return graphs, dump_patch.Kept(kg.cache_dir / "dumps", *kg.runs, key)


def _pieces(kg: KnowledgeGraph) -> jsonld_pieces.Parts | None:
    """Where the JSON-LD dumps' pieces are kept, and what the data graph is made of (its units'
    cached runs); None when load made no runs."""
    if kg.runs is None or kg.cache_dir is None:
        return None
    return jsonld_pieces.Parts(kg.cache_dir / "jsonld", *kg.runs, kg.shortcuts)


def _written(folder: Path, texts: dict[str, str | bytes]) -> dict[str, Path]:
    """Write each text (UTF-8) into `folder`."""
    written = {}
    for name, text in texts.items():
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        written[name] = path
    return written


_BESIDE_NICENESS = 10  # a rebuild's validation beside its dumps (validated)

# Files made together, one process each, the longest first, so that two cores end them together
# (CPU seconds at 1,000 articles: jsonld 20.6, both JSON-LD files from one pass over the data
# graph, 25.4 as two groups; nq+trig 10.8, nt+ttl 8.1: 20.6 s and 18.9 s; the store is made
# beside them meanwhile, stores.store_beside).
DUMP_GROUPS = ("jsonld", "nq trig", "nt ttl")


def store_parts(kg: KnowledgeGraph) -> stores.StoreParts | None:
    """What the store of kg's dump (under the default base) is made of, for updating the store of
    an earlier dump; None when load made no runs."""
    if kg.runs is None:
        return None
    data = str(Iris().graph("data"))
    made = kg.store.made() if isinstance(kg.store, checkpoint.Sealed) else None
    return stores.StoreParts(kg.store, data, *kg.runs, SHORTCUTS, kg.described, kg.shortcuts, made)


def _rebased(store: ox.Store, base: str) -> ox.Store:
    """A copy of the store with every IRI under the default base moved under `base`."""
    rebased = ox.Store()
    rebased.extend(rebase_quad(quad, base) for quad in store)
    return rebased


def build(
    out: Path,
    base: str = DEFAULT_BASE,
    data_paths: Sequence[Path] | None = None,
    corpus: Corpus | None = None,
) -> BuildResult:
    """Load → enrich → validate → publish `out` atomically (only over a folder guian-kg made); raise
    before publishing anything. Nothing is built where nothing changed since the last build (see
    BuildResult)."""
    begun = time.perf_counter()
    check_base(base)
    check_folder(out)  # a folder that would be refused is refused now, not after the whole build
    timings: dict[str, float] = {}
    cache = default_cache_dir()
    started = time.perf_counter()
    with releasing_previous(cache):
        inputs = read_inputs(data_paths, corpus, cache)  # read once: load takes them
    made = build_record.made_of(inputs, base, out)
    last = build_record.last_build(cache, made)
    timings["inputs"] = time.perf_counter() - started
    if last is not None:
        store, triples = last.store, last.triples
        result = BuildResult(None, None, last.files, timings, [], store, triples, unchanged=True)
        result.seconds = time.perf_counter() - begun
        return result
    remember(build_record.published_checksums(cache, made))  # the folder replaced: not read
    kg = load(data_paths, corpus=corpus, timings=timings, dump_runs=True, inputs=inputs)
    # The on-disk store that `query` and `serve --dist` open instead of parsing the dump again:
    # made from kg.store (the dump's graph under the default base) while the dumps are written,
    # and put in place once the dump is published. Publishing moves the dumps out of the scratch
    # folder before it reads them back, and the kept dumps of the previous build are released
    # by the next build (releasing_previous): no link of the dump is made or removed after it is
    # hashed, so the checksum and the proof noted for `query` are publish's (store.checked_key),
    # and the files of the folder it replaces kept the statuses the last build recorded
    # (build_record.published_checksums).
    parts = store_parts(kg) if base == DEFAULT_BASE else None
    with (
        checkpoint.dropped_on_failure(kg.store),
        validated(kg, timings) as conforming,  # forked (if at all) before the store's thread
        stores.store_beside(cache, parts) as place_store,
    ):
        try:
            with scratch_folder(cache, ".dist-") as folder:  # a killed build's: deleted by the next
                started = time.perf_counter()
                files = write_dump_files(kg, Path(folder), base)
                timings["serialize"] = time.perf_counter() - started
                report = conforming()  # else ValidationFailed: nothing published
                started = time.perf_counter()
                published = publish(files, out, moved=True)
                timings["write"] = time.perf_counter() - started
        finally:  # publishing (or the scratch folder's going) linked and unlinked them
            for kept in ("dumps", "jsonld"):
                prove_kept(cache / kept)
        started = time.perf_counter()
        nquads = published.folder / f"{DUMP_STEM}.nq"
        key, proof = stores.checked_key(nquads, cache)
        store_path = place_store(key, lambda: nquads)
        stores.note_dump(store_path, nquads, proof)  # `query` trusts it without hashing it
        timings["store on disk"] = time.perf_counter() - started
    build_record.write(cache, made, published.files, store_path, len(kg.store))
    files, warnings = published.files, published.warnings
    result = BuildResult(kg, report, files, timings, warnings, store_path, len(kg.store))
    result.seconds = time.perf_counter() - begun
    return result


@contextmanager
def releasing_previous(cache: Path) -> Iterator[None]:
    """The block run while a thread unlinks the dumps and JSON-LD documents kept in `cache` before
    the last ones (dump_patch.release_previous): the last build replaced the folder they were
    published in. Freeing their gigabytes takes the file system about 0.45 s at 1,000 articles,
    hidden behind the block (the inputs' reading, on one core); after publishing, it lengthened
    every rebuild by as much. The cost: between two builds the cache holds those files too. The
    thread ends with the block, before anything is forked."""
    with ThreadPoolExecutor(1) as pool:
        releasing = pool.submit(_release_previous, cache)
        yield
        releasing.result()


def _release_previous(cache: Path) -> None:
    dump_patch.release_previous(cache / "dumps")
    jsonld_pieces.release_previous(cache / "jsonld")


@contextmanager
def validated(kg: KnowledgeGraph, timings: dict[str, float]) -> Iterator[Callable[[], Report]]:
    """Yields a function giving kg's report, or raising ValidationFailed if it does not conform.

    A validation around what changed (a rebuild's, guian_kg.incremental) runs in a process forked
    on entry, beside the dumps, which do not depend on it (only publishing does): on two cores,
    writing a rebuild's dumps leaves one half idle. A whole validation runs here, before any dump
    is written: it keeps both cores busy alone, and a graph that does not conform is refused at
    once, not after the dumps."""
    started = time.perf_counter()
    planned = incremental.plan(kg.store, resources.shapes_files(), kg.units.parts, kg.cache_dir)
    if planned.nodes is None:
        planned.store = in_memory(kg)
        report = planned.run()
        timings["validate"] = time.perf_counter() - started
        _refuse_unless_conforms(report)
        yield lambda: report
        return
    planning = time.perf_counter() - started

    def run() -> tuple[Report, float]:  # in one process: the dumps' take the other core
        began = time.perf_counter()
        return planned.run(workers=1), time.perf_counter() - began

    # Behind the dumps for the CPU: it has until they end, and three dump groups and it share two
    # cores (at 1,000 articles, rebuilds alternating in one run: 6.0 s against 7.0 s, the median
    # of seven each; the wait for it after the dumps 0 to 0.5 s).
    with Forked(run, niceness=_BESIDE_NICENESS) as validation:

        def conforming() -> Report:
            waited = time.perf_counter()
            report, seconds = validation.result()
            timings["validate"] = planning + seconds  # beside "serialize"
            timings["validate wait"] = time.perf_counter() - waited  # after it
            return _refuse_unless_conforms(report)

        yield conforming


def in_memory(kg: KnowledgeGraph) -> ox.Store:
    """kg's graph in memory, for a whole validation: where kg is on a checkpoint (on disk), made
    again from the units' cache as load makes it (a whole validation on RocksDB took 201 s at
    1,000 articles; loading the units, 6 s), else copied from the checkpoint (21 s)."""
    if not isinstance(kg.store, checkpoint.Sealed):
        return kg.store
    made = from_units(kg)
    if made is None:
        made = ox.Store()
        made.bulk_extend(kg.store.quads_for_pattern(None, None, None, None))
    return made


def from_units(kg: KnowledgeGraph) -> ox.Store | None:
    """kg's graph made in memory from its units' cached triples, its shortcuts' lines and its
    small graphs; None if a unit is no longer cached, or the graph made does not count kg's
    triples."""
    iris = Iris()
    memory, data = ox.Store(), node(iris.graph("data"))
    for graph in (node(iris.graph("ontology")), node(iris.graph("void"))):
        memory.extend(kg.store.quads_for_pattern(None, None, None, graph))
    for part in kg.units.parts:
        ntriples = cached_triples(kg.cache_dir, part)
        if ntriples is None:
            return None
        memory.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=data, lenient=True)
    lines = "".join(f"{line}\n" for line in kg.shortcuts or ())
    memory.load(lines, format=ox.RdfFormat.N_TRIPLES, to_graph=data)
    return memory if len(memory) == len(kg.store) else None


def _refuse_unless_conforms(report: Report) -> Report:
    if not report.conforms:
        raise ValidationFailed(report.text(), len(report.results))
    return report

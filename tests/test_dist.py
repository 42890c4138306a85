"""dist/: every dump parses to the same graph, in rdflib and in Oxigraph, byte-identical across runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import BNode, Dataset, Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from guian_kg.cache_files import read_entry
from guian_kg.iri import Iris
from guian_kg.store import MARK, open_store

DUMPS = ["guian-kg.ttl", "guian-kg.nt", "guian-kg.nq", "guian-kg.trig", "guian-kg.jsonld"]
OXIGRAPH_FORMATS = {
    ".ttl": pyoxigraph.RdfFormat.TURTLE,
    ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
    ".nq": pyoxigraph.RdfFormat.N_QUADS,
    ".trig": pyoxigraph.RdfFormat.TRIG,
    ".jsonld": pyoxigraph.RdfFormat.JSON_LD,
}


def read_rdflib(path: Path) -> Dataset:
    ds = Dataset()
    fmt = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "jsonld": "json-ld"}[
        path.suffix[1:]
    ]
    ds.parse(path, format=fmt)
    return ds


def union_of(ds: Dataset) -> Graph:
    g = Graph()
    for quad in ds.quads((None, None, None, None)):
        g.add(quad[:3])
    return g


def test_build_writes_exactly_the_documented_files(dist):
    assert sorted(p.name for p in dist.iterdir()) == sorted(
        [
            *DUMPS,
            "context.jsonld",
            "designations.jsonld",
            "designations.schema.json",
            "void.ttl",
            ".guian-kg-manifest.json",
        ]
    )


def test_every_dump_parses_in_rdflib_to_the_same_graph(dist):
    reference = union_of(read_rdflib(dist / "guian-kg.nq"))
    assert len(reference) > 1000
    for name in DUMPS:
        graph = union_of(read_rdflib(dist / name))
        assert isomorphic(graph, reference), name


@pytest.mark.parametrize("name", DUMPS)
def test_every_dump_loaded_into_an_oxigraph_store_gives_back_the_same_graph(dist, name):
    reference = union_of(read_rdflib(dist / "guian-kg.nq"))
    store = pyoxigraph.Store()
    store.bulk_load(path=str(dist / name), format=OXIGRAPH_FORMATS[Path(name).suffix])
    # What the store holds (it may normalise datatypes), read back by rdflib.
    dumped = store.dump(format=pyoxigraph.RdfFormat.N_QUADS).decode("utf-8")
    assert isomorphic(union_of(Dataset().parse(data=dumped, format="nquads")), reference)


@pytest.mark.parametrize("name", ["guian-kg.nq", "guian-kg.trig", "guian-kg.jsonld"])
def test_quad_dumps_keep_ontology_data_and_description_in_named_graphs(dist, name):
    ds = read_rdflib(dist / name)
    iris = Iris()
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert names == {str(iris.graph(n)) for n in ("ontology", "data", "void")}


def test_the_graph_has_no_blank_nodes_and_lower_case_language_tags(dist):
    graph = union_of(read_rdflib(dist / "guian-kg.nt"))
    assert not [t for t in graph if any(isinstance(x, BNode) for x in t)]
    tags = {o.language for o in graph.objects() if isinstance(o, Literal) and o.language}
    assert tags == {"zh", "en"}


def test_decimals_are_written_canonically(dist):
    text = (dist / "guian-kg.nt").read_text(encoding="utf-8")
    graph = union_of(read_rdflib(dist / "guian-kg.nt"))
    decimals = [o for o in graph.objects() if isinstance(o, Literal) and o.datatype == XSD.decimal]
    assert decimals
    for literal in decimals:
        lexical = str(literal)
        if "." in lexical:  # a fraction: no trailing zero, no leading + or zero
            assert not lexical.endswith("0") and str(Decimal(lexical)) == lexical, lexical
        else:  # a whole number past ±2^31 (Virtuoso would store an xsd:integer as decimal)
            assert str(int(lexical)) == lexical and abs(int(lexical)) > 2**31 - 1, lexical
    assert '.20"^^' not in text


def test_the_same_input_gives_byte_identical_files_across_hash_seeds(dist, tmp_path):
    for seed in ("0", "12345"):
        out = tmp_path / f"dist-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "guian_kg", "build", "--out", str(out)],
            env=env,
            check=True,
            capture_output=True,
        )
        for path in sorted(dist.iterdir()):
            assert (out / path.name).read_bytes() == path.read_bytes(), (
                f"{path.name} differs with seed {seed}"
            )


def test_rebuilding_replaces_the_folder_it_made_and_keeps_no_stale_file(dist, tmp_path):
    from guian_kg.build import build
    from guian_kg.publish import publish

    out = tmp_path / "dist"
    publish({"stale.txt": b"a file an older build wrote\n", "void.ttl": b"old\n"}, out)
    build(out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {
        p.name: p.read_bytes() for p in dist.iterdir()
    }
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist")]


def test_a_different_base_moves_every_identifier(tmp_path):
    from guian_kg.build import build

    build(tmp_path / "dist", base="http://example.org/kg/")
    text = (tmp_path / "dist" / "guian-kg.nt").read_text(encoding="utf-8")
    assert "<http://example.org/kg/id/place/guian-new-area>" in text
    assert "https://w3id.org/guian-kg/" not in text


# ---------------------------------------------------------------- incremental dumps

CHANGES = {
    # kind of change: (what is left out of the first build, the edit made before the rebuild)
    "a changed article": (
        None,
        ("articles/synthetic-00002/article.ttl", "for the benchmarks.", "changed."),
    ),
    # a shortcut (gk:involves) changes with it, made on the whole graph, in no unit's runs
    "a changed agent": (
        None,
        (
            "articles/synthetic-00002/designations/01-all-for-one-tourism-zone.ttl",
            "prov:agent organization:nea ;",
            "prov:agent organization:mohurd ;",
        ),
    ),
    # the framed designations of other articles embed the organisation, now nested elsewhere
    "an article nests a shared organisation": (
        None,
        (
            "articles/synthetic-00002/article.ttl",
            None,
            "\norganization:mohurd org:subOrganizationOf organization:state-council .\n",
        ),
    ),
    "an article labels a shared organisation": (
        None,
        (
            "articles/synthetic-00002/article.ttl",
            None,
            '\norganization:nea skos:altLabel "能源局"@zh .\n',
        ),
    ),
    # the facts of a designation are a reverse link (^gk:designation) in the framed designations
    "a fact moves to another article's designation": (
        None,
        (
            "articles/synthetic-00002/designations/01-all-for-one-tourism-zone.ttl",
            "gk:designation designation:all-for-one-tourism-zone-a00002 ;",
            "gk:designation designation:all-for-one-tourism-zone-a00001 ;",
        ),
    ),
    "an added article": ("synthetic-00003", None),
    "a removed article": (None, "synthetic-00003"),
    "a changed shared file": (
        None,
        ("shared/organizations.ttl", '"State Council"@en', '"The State Council"@en'),
    ),
}
NEW_RUNS = {
    "a changed article": 1,
    "a changed agent": 1,
    "an article nests a shared organisation": 1,
    "an article labels a shared organisation": 1,
    "a fact moves to another article's designation": 1,
    "an added article": 1,
    "a removed article": 0,
    "a changed shared file": 1,
}


@pytest.fixture(scope="module")
def three_articles(tmp_path_factory) -> Path:
    from conftest import corpus_generator

    out = tmp_path_factory.mktemp("three-articles")
    corpus_generator().generate(out, 3, seed=5)
    return out


def built_before(change: str, articles: Path, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the corpus `articles` (tmp_path/corpus), without the article `change` adds if it
    adds one, built into tmp_path/dist with the cache tmp_path/cache: the build before `change`."""
    import shutil

    from guian_kg.build import build
    from guian_kg.corpus import Corpus

    corpus = tmp_path / "corpus"
    shutil.copytree(articles, corpus)
    left_out, _ = CHANGES[change]
    if left_out:
        shutil.move(corpus / "articles" / left_out, tmp_path / left_out)
    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cache"))
    build(tmp_path / "dist", corpus=Corpus(corpus))
    return corpus


def make_change(change: str, corpus: Path, tmp_path: Path) -> None:
    """Make `change` to the corpus `built_before` built."""
    import shutil

    left_out, edit = CHANGES[change]
    if left_out:
        shutil.move(tmp_path / left_out, corpus / "articles" / left_out)
    elif isinstance(edit, str):
        shutil.rmtree(corpus / "articles" / edit)
    else:
        path, old, new = edit
        text = (corpus / path).read_text(encoding="utf-8")
        assert old is None or old in text
        changed = text + new if old is None else text.replace(old, new, 1)
        (corpus / path).write_text(changed, encoding="utf-8")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_rebuild_publishes_the_bytes_of_a_cold_build_and_updates_its_store(
    three_articles, tmp_path, monkeypatch, change
):
    """The rebuild sorts the changed unit alone (one new entry in the cache of runs, none for a
    removed article), makes the JSON-LD dumps again from the pieces of the first build
    (guian_kg.jsonld_pieces) and publishes the very bytes a build with an empty cache publishes."""
    from guian_kg.build import build
    from guian_kg.corpus import Corpus

    corpus = built_before(change, three_articles, tmp_path, monkeypatch)
    runs = set((tmp_path / "cache" / "runs").iterdir())
    assert len(runs) == 4 - bool(CHANGES[change][0])  # the shared files and each article
    pieces = tmp_path / "cache" / "jsonld"
    records = {n: pieces / f"{n}.pieces" for n in ("compacted", "designations")}

    def kept_documents() -> dict[str, dict]:
        return {n: read_entry(r, "# guian-kg jsonld pieces {key} ")[0] for n, r in records.items()}

    first = [meta["kept"]["name"] for meta in kept_documents().values()]
    make_change(change, corpus, tmp_path)
    rebuilt = build(tmp_path / "dist", corpus=Corpus(corpus))
    assert len(set((tmp_path / "cache" / "runs").iterdir()) - runs) == NEW_RUNS[change]
    assert rebuilt.kg.runs is not None
    metas = kept_documents()
    kept = [  # this build's documents, and the first build's: the next build releases them
        metas[n]["kept"]["name"] if s == "jsonld" else f"{n}.{s}"
        for n in ("compacted", "designations")
        for s in ("jsonld", "lock", "pieces", "proof", "shortcuts")
    ]
    assert sorted(p.name for p in pieces.iterdir()) == sorted(kept + first)
    for meta in metas.values():  # the pieces of this build, kept for the next
        assert meta["runs"] == rebuilt.kg.runs[1]

    monkeypatch.setenv("GUIAN_KG_CACHE_DIR", str(tmp_path / "cold-cache"))
    cold = build(tmp_path / "cold", corpus=Corpus(corpus))
    assert _files(tmp_path / "dist") == _files(tmp_path / "cold")
    # The rebuild's on-disk store: the previous one updated, holding what the cold one loaded.
    assert json.loads((rebuilt.store / MARK).read_text())["made"] == "updated"
    assert json.loads((cold.store / MARK).read_text())["made"] == "loaded"
    updated, loaded = open_store(rebuilt.store), open_store(cold.store)
    assert (updated.union_view, updated.sizes) == (loaded.union_view, loaded.sizes)
    assert (updated.classes, updated.timeline) == (loaded.classes, loaded.timeline)
    assert updated.timeline is not None and len(updated.timeline["dated"]) > 10
    assert set(updated.store) == set(loaded.store)


def test_dumps_made_from_the_store_equal_those_merged_from_the_runs(three_articles, tmp_path):
    from guian_kg.build import dump_files, load
    from guian_kg.corpus import Corpus

    merged = load(corpus=Corpus(three_articles), cache_dir=tmp_path, dump_runs=True)
    whole = load(corpus=Corpus(three_articles), cache_dir=None, dump_runs=True)
    assert merged.runs is not None and len(merged.runs[1]) == 4
    assert whole.runs is None
    assert dump_files(merged) == dump_files(whole)


def test_mapped_runs_give_the_lines_of_the_entry_at_each_iteration(tmp_path):
    """The dumps merge the runs mapped from their entries (dump_runs.map_runs), a line at a time:
    the same lines as the entry read whole, also past the pages given back as they are read,
    after the entry was pruned, and nothing from an entry cut short."""
    from guian_kg.dump_runs import ensure_runs, map_runs, read_runs

    ntriples = "".join(
        f'<http://example.org/s{i % 997}> <http://example.org/p{i % 7}> "值 {i}"@zh .\n'
        f"<http://example.org/s{i}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/C> .\n"
        for i in range(3000)
    ).encode()
    (key,) = ensure_runs(tmp_path, [ntriples], workers=1)
    (whole,) = read_runs(tmp_path, [key])
    (mapped,) = map_runs(tmp_path, [key])
    assert len(whole.lines) == 6000 and mapped.heads == whole.heads
    entry = tmp_path / f"{key}.runs"
    assert entry.stat().st_size > 4 * 65536  # the parts are given back a page range at a time
    for _ in range(2):
        assert list(mapped.lines) == whole.lines and list(mapped.ranked) == whole.ranked
    data = entry.read_bytes()
    entry.unlink()  # a concurrent build pruned it: the map still holds its bytes
    assert list(mapped.ranked) == whole.ranked
    entry.write_bytes(data[:-1])
    assert map_runs(tmp_path, [key]) is None and read_runs(tmp_path, [key]) is None
    assert map_runs(tmp_path, ["0" * 32]) is None


def test_a_unit_s_cached_runs_are_the_runs_of_the_lines_the_store_writes(tmp_path):
    """A unit's runs are sorted as UTF-8 for its cache entry (write.utf8_runs), the whole graph's
    as text (write.runs_of): the same order, as UTF-8 keeps the order of code points (U+FF66
    before U+1D11E, which UTF-16 would put first), and a literal's head is its datatype's, whatever
    its text holds."""
    from guian_kg.dump_runs import ensure_runs, read_runs
    from guian_kg.write import runs_of

    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    ntriples = (
        f"<http://example.org/\U0001d11e> {rdf_type} <http://example.org/C> .\n"
        '<http://example.org/\U0001d11e> <http://example.org/p> "x \\"^^<http://evil.example/x#>"@en .\n'
        "<http://example.org/\uff66> <http://example.org/p> "
        '"1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        f"<http://example.org/\uff66> {rdf_type} <http://example.org/C> .\n"
        '<http://example.org/b> <http://example.org/q> "\u00e9"^^<http://example.org/dt/y> .\n'
        '<http://example.org/b> <http://example.org/q> "\u00e9"^^<http://example.org/dt/y> .\n'
    ).encode()
    (key,) = ensure_runs(tmp_path, [ntriples], workers=1)
    (cached,) = read_runs(tmp_path, [key])
    store = pyoxigraph.Store()
    store.load(ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    text = store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph())
    whole = runs_of(text.decode())
    assert (cached.lines, cached.ranked, cached.heads) == (whole.lines, whole.ranked, whole.heads)
    assert [line.split(" ")[:2] for line in cached.ranked] == [
        ["<http://example.org/b>", "\x02<http://example.org/q>"],
        ["<http://example.org/\uff66>", "\x01" + rdf_type],
        ["<http://example.org/\uff66>", "\x02<http://example.org/p>"],
        ["<http://example.org/\U0001d11e>", "\x01" + rdf_type],
        ["<http://example.org/\U0001d11e>", "\x02<http://example.org/p>"],
    ]
    assert cached.heads == {
        "http://example.org/",
        "http://example.org/dt/",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2001/XMLSchema#",
    }


def test_a_runs_file_guian_kg_did_not_write_is_neither_read_nor_replaced(tmp_path):
    from guian_kg.dump_runs import ensure_runs, read_runs, run_key

    ntriples = b'<http://example.org/a> <http://example.org/b> "c" .\n'
    key = run_key(ntriples)
    foreign = tmp_path / f"{key}.runs"
    foreign.write_bytes(b"someone else's notes\n")
    assert ensure_runs(tmp_path, [ntriples], workers=1) is None  # the dumps come from the store
    assert foreign.read_bytes() == b"someone else's notes\n"
    assert read_runs(tmp_path, [key]) is None

    foreign.unlink()
    assert ensure_runs(tmp_path, [ntriples], workers=1) == [key]
    (runs,) = read_runs(tmp_path, [key])
    assert runs.lines == ['<http://example.org/a> <http://example.org/b> "c" .']
    cut = foreign.read_bytes()[:-1]  # ours, but not whole: not read
    foreign.write_bytes(cut)
    assert read_runs(tmp_path, [key]) is None


def test_the_description_counts_the_union_of_ontology_and_data(kg):
    """VoID's statistics (guian_kg.void) are those of the union of the ontology and data graphs as
    a set: a statement in both counts once."""
    from rdflib.namespace import VOID

    from guian_kg.build import KnowledgeGraph
    from guian_kg.void import describe

    data = Graph()
    data += kg.data
    for triple in sorted(kg.ontology)[:40]:  # the data repeats some of the ontology's statements
        data.add(triple)
    store = KnowledgeGraph.of(kg.ontology, data, Graph(), kg.sources).store
    void, dataset = describe(store, kg.sources), Iris().dataset
    counted = (VOID.triples, VOID.distinctSubjects, VOID.distinctObjects, VOID.properties)
    union = kg.ontology + data
    assert len(union) == len(kg.ontology) + len(kg.data)  # the 40 counted once
    assert {p: int(void.value(dataset, p)) for p in counted} == {
        VOID.triples: len(union),
        VOID.distinctSubjects: len(set(union.subjects())),
        VOID.distinctObjects: len(set(union.objects())),
        VOID.properties: len(set(union.predicates())),
    }

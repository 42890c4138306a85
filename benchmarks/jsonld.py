"""How fast the JSON-LD files of dist/ are written as the graph grows: the compacted dump
(guian-kg.jsonld, compaction.py) and the framed designations (designations.jsonld, framing.py),
each written from Oxigraph quads, next to PyLD (the previous writer, now the reference) measured
in the same run.

Usage: python benchmarks/jsonld.py [--sizes 1,10,100,1000] [--pyld-cap 10] [--seed 0]
       python benchmarks/jsonld.py --smoke          (sizes 1 and 2)

Each size is a synthetic corpus of that many articles (benchmarks/corpus.py, about 1,200 triples
each) plus the ontology, parsed by Oxigraph into a Store (ontology and data graphs; no
enrichment). Each writer runs in its own process: "new" is
`compact_quads(store.quads_for_pattern(None, None, None, None))` (or `frame_quads(…,
"designation")`), reading the store included; "PyLD" is `jsonld.dumps(jsonld.compact_with_pyld(
graphs))` (or `frame_with_pyld` of their union) on the same statements as rdflib graphs (the
conversion not counted), run only up to --pyld-cap articles. Times are CPU seconds of
the writer (the machine may be shared; wall seconds are printed too). Memory is the process's
peak RSS (ru_maxrss) and what the writer added to the peak the loaded store had set. Exponents
are least-squares slopes of log time (or log added memory) against log triples: 1.0 is linear.
At every size both ran, the two outputs are compared byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ONTOLOGY_GRAPH = "https://w3id.org/guian-kg/graph/ontology"
DATA_GRAPH = "https://w3id.org/guian-kg/graph/data"
TARGET = 100_000  # triples per second for the compacted dump (issue 9)


def _store(corpus: Path):
    import pyoxigraph as ox

    from guian_kg.resources import ontology_files

    store = ox.Store()
    graphs = {ONTOLOGY_GRAPH: ontology_files(), DATA_GRAPH: sorted(corpus.rglob("*.ttl"))}
    for name, paths in graphs.items():
        for path in paths:
            store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(name))
    return store


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(writer: str, document: str, corpus: Path) -> None:
    """Load the corpus, run one writer of one document, print its figures as JSON."""
    from guian_kg import jsonld

    store = _store(corpus)
    if writer == "pyld":
        import pyoxigraph as ox
        import rdflib
        from rdflib import Dataset, URIRef

        rdflib.NORMALIZE_LITERALS = False  # keep Oxigraph's lexical forms, e.g. of xsd:double
        dataset = Dataset()
        dataset.parse(data=store.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
        graphs = {
            URIRef(name): dataset.graph(URIRef(name)) for name in (ONTOLOGY_GRAPH, DATA_GRAPH)
        }
    loaded = _peak_mib()
    cpu, wall = time.process_time(), time.perf_counter()
    if writer == "new" and document == "dump":
        text = jsonld.compact_quads(store.quads_for_pattern(None, None, None, None))
    elif writer == "new":
        text = jsonld.frame_quads(store.quads_for_pattern(None, None, None, None), "designation")
    elif document == "dump":
        text = jsonld.dumps(jsonld.compact_with_pyld(sorted(graphs.items())))
    else:
        union = graphs[URIRef(ONTOLOGY_GRAPH)] + graphs[URIRef(DATA_GRAPH)]
        text = jsonld.dumps(jsonld.frame_with_pyld(union, "designation"))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    figures = {
        "triples": len(store),
        "cpu": cpu,
        "wall": wall,
        "peak": _peak_mib(),
        "added": _peak_mib() - loaded,
        "bytes": len(text.encode("utf-8")),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }
    print(json.dumps(figures))


def _run(writer: str, document: str, corpus: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", writer, document, str(corpus)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of log y against log x."""
    logs = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(logs) < 2:
        return float("nan")
    mx = sum(x for x, _ in logs) / len(logs)
    my = sum(y for _, y in logs) / len(logs)
    return sum((x - mx) * (y - my) for x, y in logs) / sum((x - mx) ** 2 for x, _ in logs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,100,1000", help="articles per corpus")
    parser.add_argument("--pyld-cap", type=int, default=10, help="largest size PyLD runs at")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="sizes 1 and 2")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], Path(args.child[2]))
        return
    sizes = [1, 2] if args.smoke else [int(s) for s in args.sizes.split(",")]
    sys.path.insert(0, str(HERE))
    from corpus import generate

    with tempfile.TemporaryDirectory() as folder:
        corpora = {}
        for size in sizes:
            corpora[size] = Path(folder) / str(size)
            generate(corpora[size], size, seed=args.seed)
        for document, title in DOCUMENTS.items():
            print(title)
            table(document, corpora, args.pyld_cap)
            print()


DOCUMENTS = {
    "dump": "guian-kg.jsonld (compacted, named graphs kept)",
    "designations": "designations.jsonld (framed)",
}


def table(document: str, corpora: dict[int, Path], pyld_cap: int) -> None:
    print(
        f"{'articles':>8} {'triples':>9} | {'new CPU s':>9} {'triples/s':>10} {'wall s':>7}"
        f" {'peak MiB':>8} {'added':>6} | {'PyLD CPU s':>10} {'triples/s':>9} {'ratio':>6} same bytes"
    )
    rows = []
    for size, corpus in corpora.items():
        new = _run("new", document, corpus)
        pyld = _run("pyld", document, corpus) if size <= pyld_cap else None
        rows.append((new, pyld))
        line = (
            f"{size:>8} {new['triples']:>9,} | {new['cpu']:>9.2f} {new['triples'] / new['cpu']:>10,.0f}"
            f" {new['wall']:>7.2f} {new['peak']:>8.0f} {new['added']:>6.0f} |"
        )
        if pyld:
            same = "yes" if pyld["sha256"] == new["sha256"] else "NO"
            line += (
                f" {pyld['cpu']:>10.2f} {pyld['triples'] / pyld['cpu']:>9,.0f}"
                f" {pyld['cpu'] / new['cpu']:>5.0f}x {same}"
            )
        else:
            line += f" {'(over --pyld-cap)':>27}"
        print(line, flush=True)
    for name, index in (("new", 0), ("PyLD", 1)):
        runs = [row[index] for row in rows if row[index]]
        time_exp = slope([(r["triples"], r["cpu"]) for r in runs])
        memory_exp = slope([(r["triples"], r["added"]) for r in runs])
        print(f"growth exponent, {name}: time {time_exp:.2f}, added memory {memory_exp:.2f}")
    if document == "dump":
        largest = rows[-1][0]
        rate = largest["triples"] / largest["cpu"]
        verdict = "met" if rate >= TARGET else "NOT met"
        print(
            f"target {TARGET:,} triples/s at {largest['triples']:,} triples: {rate:,.0f} ({verdict})"
        )


if __name__ == "__main__":
    main()

"""How the build's load puts its units' N-Triples into one in-memory store: the ways measured on
a generated corpus (benchmarks/corpus.py), each in a new process of its own, next to the build's
(one Store.load per unit, guian_kg.build.load).

Usage: python benchmarks/unit_load.py [--articles 300] [--seed 0]
       python benchmarks/unit_load.py --smoke          (2 articles)

Ways: "per unit" (the build's); "concatenated" (one load of every unit's bytes joined); "2
threads" (per unit, in two threads: whether the loads run at once); "bulk_extend" (each unit's
ox.parse given to Store.bulk_extend); "bulk_load" (Store.bulk_load per unit, which relabels blank
nodes: not usable by the build, measured for comparison). Seconds are wall seconds; "MB above
start" is the process's peak RSS past its size when it began the load (the units' bytes are held
before, by every way alike); "same" says whether the store holds the quads of the build's way
(compared as sorted N-Quads lines).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
DATA = ox.NamedNode("https://w3id.org/guian-kg/graph/data")


def _units(corpus: Path) -> list[bytes]:
    """Each unit's N-Triples, as build.load has them before it loads them."""
    from guian_kg.corpus import Corpus
    from guian_kg.parallel import available_cores
    from guian_kg.units import Unit, enrich_units

    articles = Corpus(corpus)
    units = [Unit(tuple(articles.shared_files))]
    units += [Unit(tuple(a.fact_files), a) for a in articles.articles]
    enriched, _ = enrich_units(units, articles.sources(), None, available_cores())
    return [unit.triples() for unit in enriched]


def _load(store: ox.Store, ntriples: bytes) -> None:
    store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=DATA, lenient=True)


def _per_unit(store: ox.Store, units: list[bytes]) -> None:
    for ntriples in units:
        _load(store, ntriples)


def _concatenated(store: ox.Store, units: list[bytes]) -> None:
    _load(store, b"".join(units))


def _threads(store: ox.Store, units: list[bytes]) -> None:
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda ntriples: _load(store, ntriples), units))


def _bulk_extend(store: ox.Store, units: list[bytes]) -> None:
    for ntriples in units:
        parsed = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES, lenient=True)
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, DATA) for t in parsed)


def _bulk_load(store: ox.Store, units: list[bytes]) -> None:
    for ntriples in units:
        store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=DATA, lenient=True)


WAYS: dict[str, Callable[[ox.Store, list[bytes]], None]] = {
    "per unit": _per_unit,
    "concatenated": _concatenated,
    "2 threads": _threads,
    "bulk_extend": _bulk_extend,
    "bulk_load": _bulk_load,
}


def _child(way: str, units_file: Path) -> None:
    """Measure one way in this (new) process; print its figures as one JSON line."""
    units = pickle.loads(units_file.read_bytes())
    start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    store = ox.Store()
    started = time.perf_counter()
    WAYS[way](store, units)
    seconds = time.perf_counter() - started
    above = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start) / 1024
    lines = sorted(store.dump(format=ox.RdfFormat.N_QUADS).splitlines())
    digest = hashlib.sha256(b"\n".join(lines)).hexdigest()
    print(json.dumps({"seconds": seconds, "above": above, "digest": digest, "quads": len(lines)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="2 articles")
    parser.add_argument("--child", nargs=2, metavar=("WAY", "UNITS"))
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    articles = 2 if args.smoke else args.articles
    sys.path.insert(0, str(HERE))
    import corpus as generator

    with tempfile.TemporaryDirectory(prefix="guian-kg-unit-load-") as tmp:
        generator.generate(Path(tmp) / "corpus", articles, args.seed)
        units = _units(Path(tmp) / "corpus")
        size = sum(map(len, units))
        units_file = Path(tmp) / "units.pickle"
        units_file.write_bytes(pickle.dumps(units))
        del units
        print(f"{articles} articles: {size / 1e6:.1f} MB of N-Triples")
        rows = {}
        for way in WAYS:  # each in a new process, one at a time: its memory is its own
            command = [sys.executable, __file__, "--child", way, str(units_file)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            rows[way] = json.loads(done.stdout)
    base = rows["per unit"]
    print(f"{'way':<14} {'seconds':>8} {'MB above start':>15} {'same':>5} {'× per unit':>11}")
    for way, row in rows.items():
        same = "yes" if row["digest"] == base["digest"] else "NO"
        ratio = row["seconds"] / base["seconds"] if base["seconds"] else float("nan")
        print(f"{way:<14} {row['seconds']:>8.2f} {row['above']:>15.0f} {same:>5} {ratio:>11.2f}")
    print(f"({base['quads']} quads)")


if __name__ == "__main__":
    main()

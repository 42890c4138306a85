"""Print the "oxigraph" validation engine on growing graphs next to pySHACL: CPU seconds, triples
validated per second, peak memory above the store, and the growth exponents.

Usage: python benchmarks/validate_scale.py [--copies 1,10,100,348] [--pyshacl-cap 40000] [--smoke]

A graph of N copies is the project's built graph (data + dataset description) N times, every
`https://w3id.org/guian-kg/id/` IRI of copy r suffixed `-rR` except those the ontology defines
(concept schemes, metrics, qualifiers, units, roles, levels, precisions), and the ontology once:
it conforms like the original. Each size runs in a fresh child process that loads the N-Quads into
a pyoxigraph Store (data and ontology as two named graphs), measures its RSS, then calls
`validate_store` and reads the peak RSS. pySHACL (every constraint, on rdflib) runs in its own child
on the sizes up to --pyshacl-cap triples only: at ~0.7 s per 3,800 triples it takes minutes above.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ID = "https://w3id.org/guian-kg/id/"


def write_copies(copies: int, out: Path) -> int:
    """The graph of `copies` copies as N-Quads in `out`; returns its number of triples."""
    from rdflib import URIRef

    from guian_kg.build import load
    from guian_kg.sparql_constraints import _to_ox

    kg = load()
    defined = {s for s in kg.ontology.subjects() if isinstance(s, URIRef)}

    def own(term) -> bool:
        return isinstance(term, URIRef) and term.startswith(ID) and term not in defined

    data, ontology = "<urn:x-guian-kg:data>", "<urn:x-guian-kg:ontology>"
    count = 0
    with out.open("w", encoding="utf-8") as file:
        for s, p, o in kg.ontology:
            file.write(f"{_to_ox(s)} {_to_ox(p)} {_to_ox(o)} {ontology} .\n")
            count += 1
        for s, p, o in kg.void:
            file.write(f"{_to_ox(s)} {_to_ox(p)} {_to_ox(o)} {data} .\n")
            count += 1
        triples = [(s, p, o, own(s), own(o)) for s, p, o in kg.data]
        for copy in range(copies):
            suffix = f"-r{copy}" if copy else ""
            for s, p, o, own_s, own_o in triples:
                subject = f"<{s}{suffix}>" if own_s else str(_to_ox(s))
                obj = f"<{o}{suffix}>" if own_o else str(_to_ox(o))
                file.write(f"{subject} {_to_ox(p)} {obj} {data} .\n")
            count += len(triples)
    return count


def rss_mib() -> float:
    """The current resident set size (Linux /proc), in MiB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def child(engine: str, nquads: Path) -> None:
    """Validate once in this process and print a JSON line: CPU seconds, verdict, memory."""
    import pyoxigraph as ox

    from guian_kg.build import shapes_graph
    from guian_kg.validate import validate_store

    shapes = shapes_graph()
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    triples = len(store)
    if engine == "pyshacl":
        from rdflib import Dataset

        from guian_kg.validate import _pyshacl

        dataset = Dataset()
        dataset.parse(nquads, format="nquads")
        graph = dataset.graph()
        for quad_graph in dataset.graphs():
            graph += quad_graph
        del store
    before = rss_mib()
    cpu = time.process_time()
    if engine == "pyshacl":
        conforms, _ = _pyshacl(graph, shapes)
        core = "pyshacl"
    else:
        report = validate_store(store, shapes)
        conforms, core = report.conforms, report.core_engine
    figures = {
        "cpu": time.process_time() - cpu,
        "triples": triples,
        "conforms": conforms,
        "core": core,
        "above": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before,
        "before": before,
    }
    print(json.dumps(figures))


def run_child(engine: str, nquads: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", engine, str(nquads)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.splitlines()[-1])


def exponent(first: tuple[int, float], last: tuple[int, float]) -> str:
    """The slope of log(seconds) over log(triples) between two sizes."""
    (n0, t0), (n1, t1) = first, last
    if t0 <= 0 or n1 == n0:
        return "-"
    return f"{math.log(t1 / t0) / math.log(n1 / n0):.2f}"


def main(sizes: list[int], cap: int) -> None:
    print(f"{'copies':>6} {'triples':>9} {'engine':<9} {'CPU s':>8} {'triples/s':>10} "
          f"{'store MiB':>9} {'peak above MiB':>14} {'B/triple':>8}  verdict")  # fmt: skip
    points: dict[str, list[tuple[int, float]]] = {"oxigraph": [], "pyshacl": []}
    with tempfile.TemporaryDirectory() as folder:
        for copies in sizes:
            nquads = Path(folder) / f"copies-{copies}.nq"
            triples = write_copies(copies, nquads)
            for engine in ("oxigraph", "pyshacl"):
                if engine == "pyshacl" and triples > cap:
                    continue
                f = run_child(engine, nquads)
                points[engine].append((f["triples"], f["cpu"]))
                verdict = "conforms" if f["conforms"] else "DOES NOT CONFORM"
                label = engine if f["core"] == engine else f"{engine} (core on {f['core']})"
                print(
                    f"{copies:>6} {f['triples']:>9} {label:<9} {f['cpu']:>8.2f} "
                    f"{f['triples'] / f['cpu']:>10.0f} {f['before']:>9.0f} {f['above']:>14.0f} "
                    f"{f['above'] * 2**20 / f['triples']:>8.0f}  {verdict}"
                )
            nquads.unlink()
    for engine, found in points.items():
        if len(found) > 1:
            # Fixed costs (parsing the shapes, compiling) weigh on the small sizes: the last two
            # sizes show how the time grows.
            print(
                f"growth exponent of {engine} CPU time (1 = linear): "
                f"{exponent(found[0], found[-1])} over all sizes, "
                f"{exponent(found[-2], found[-1])} over the last two"
            )
    both = [
        (n, p, o)
        for n, p in points["pyshacl"]
        for m, o in points["oxigraph"]
        if n == m  # the sizes both engines ran
    ]
    if both:
        n, p, o = both[-1]
        print(f"CPU ratio pySHACL/oxigraph at {n} triples: {p / o:.0f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", default="1,10,100,348")
    parser.add_argument("--pyshacl-cap", type=int, default=40_000)
    parser.add_argument("--smoke", action="store_true", help="1 and 2 copies, pySHACL on 1")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
    elif args.smoke:
        main([1, 2], 8_000)  # pySHACL on the 1 copy (6,173 triples) only
    else:
        main([int(n) for n in args.copies.split(",")], args.pyshacl_cap)

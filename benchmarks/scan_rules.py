"""Print the whole-graph SHACL-SPARQL rules run as written next to their proofs (guian_kg.scan_proof),
and the build's validation (validate_store, one process) without and with the proofs, in CPU
seconds measured in the same run, on a generated corpus (benchmarks/corpus.py) held in a store as
the build holds it. The reports with and without the proofs must be equal.

Usage: python benchmarks/scan_rules.py [--articles 300] [--runs 2] [--smoke]   (--smoke: 2 articles, 1 run)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def store_of(articles: int, tmp: Path):
    """The store `build.load` makes of a generated corpus of `articles` articles."""
    sys.path.insert(0, str(HERE))
    import corpus as generator

    from guian_kg.build import load
    from guian_kg.corpus import Corpus

    generator.generate(tmp / "corpus", articles, 0)
    return load(corpus=Corpus(tmp / "corpus"), cache_dir=tmp / "cache").store


def cpu(run) -> tuple[float, object]:
    started = time.process_time()
    value = run()
    return time.process_time() - started, value


def main(articles: int, runs: int) -> None:
    from guian_kg import scan_proof, sparql_constraints, validate
    from guian_kg.build import shapes_graph
    from guian_kg.namespaces import shorten

    shapes = shapes_graph()
    with tempfile.TemporaryDirectory(prefix="guian-kg-scan-rules-") as tmp:
        store = store_of(articles, Path(tmp))
        _, constraints = sparql_constraints.split(shapes)
        queries = [c.query for c in constraints]
        proofs = scan_proof.proofs(queries)
        covered = sorted({n for _, numbers in proofs for n in numbers})
        print(f"articles: {articles}, quads: {len(store)}, runs: {runs} (median CPU s)")
        rules: dict[str, list[float]] = {}
        proved: dict[str, list[float]] = {}
        for _ in range(runs):
            for n in covered:

                def rows(query=queries[n]):
                    return list(store.query(query, use_default_graph_as_union=True))

                seconds, found = cpu(rows)
                name = shorten(str(constraints[n].shape))
                rules.setdefault(f"{name} ({len(found)} rows)", []).append(seconds)
            for proof, numbers in proofs:

                def nothing(proof=proof):
                    return scan_proof.finds_nothing(proof, store)

                seconds, empty = cpu(nothing)
                names = ", ".join(shorten(str(constraints[n].shape)) for n in numbers)
                proved.setdefault(f"proof of {names} (finds nothing: {empty})", []).append(seconds)
        for name, seconds in rules.items():
            print(f"  rule as written  {statistics.median(seconds):7.3f}  {name}")
        for name, seconds in proved.items():
            print(f"  proof            {statistics.median(seconds):7.3f}  {name}")
        old = sum(statistics.median(s) for s in rules.values())
        new = sum(statistics.median(s) for s in proved.values())
        print(
            f"the {len(covered)} rules as written {old:.2f}, their proofs {new:.2f}: {old - new:.2f} less"
        )

        scans = validate._scans
        figures: dict[str, list[float]] = {"without": [], "with": []}
        reports = {}
        try:
            for _ in range(runs):
                for label, chosen in (("without", lambda *_: []), ("with", scans)):
                    validate._scans = chosen
                    seconds, report = cpu(lambda: validate.validate_store(store, shapes, workers=1))
                    figures[label].append(seconds)
                    reports[label] = (report.conforms, report.results)
        finally:
            validate._scans = scans
        without, with_ = (statistics.median(figures[k]) for k in ("without", "with"))
        print(
            f"validate_store without proofs {without:.2f}, with {with_:.2f}: {without - with_:.2f} less"
        )
        print(f"reports equal: {'yes' if reports['without'] == reports['with'] else 'NO'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        main(2, 1)
    else:
        main(args.articles, args.runs)

"""Print what the build's shortcut step (guian_kg/shortcuts.py) costs next to the load it is part
of, on growing synthetic corpora (benchmarks/corpus.py): CPU seconds of each, their ratio, the
triples added, and the growth exponent of the step.

Usage: python benchmarks/shortcuts.py [--sizes 1,10,100] [--smoke]

Each size loads the corpus in this process (one worker, no cache, so the load's CPU is counted
here), removes the shortcuts, and times add_shortcuts alone on the same store.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHORTCUTS = ("involves", "heldByPlaceContaining", "heldByPlaceWithin")


def measure(articles: int, folder: Path) -> tuple[int, float, float, int]:
    """(triples, load CPU s, shortcut CPU s, shortcut triples) for a corpus of `articles`."""
    sys.path.insert(0, str(HERE))
    import corpus as generator

    from guian_kg.build import load
    from guian_kg.corpus import Corpus
    from guian_kg.iri import Iris
    from guian_kg.shortcuts import add_shortcuts
    from guian_kg.terms import node

    generator.generate(folder, articles, seed=0)
    started = time.process_time()
    kg = load(corpus=Corpus(folder), cache_dir=None, workers=1)
    loading = time.process_time() - started
    data = node(Iris().graph("data")).value
    for name in SHORTCUTS:
        kg.store.update(
            "PREFIX gk: <https://w3id.org/guian-kg/ontology#> "
            f"DELETE WHERE {{ GRAPH <{data}> {{ ?s gk:{name} ?o }} }}"
        )
    before = len(kg.store)
    started = time.process_time()
    add_shortcuts(kg.store, node(Iris().graph("data")))
    step = time.process_time() - started
    return len(kg.store), loading, step, len(kg.store) - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="corpus sizes in articles")
    parser.add_argument("--smoke", action="store_true", help="sizes 1,2: a quick run")
    args = parser.parse_args()
    sizes = [1, 2] if args.smoke else [int(s) for s in args.sizes.split(",")]
    print(
        f"{'articles':>8} {'triples':>10} {'load s':>8} {'shortcuts s':>12} {'ratio':>7} {'added':>8}"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for articles in sizes:
            triples, loading, step, added = measure(articles, Path(tmp) / f"corpus-{articles}")
            rows.append((triples, step))
            print(
                f"{articles:>8} {triples:>10,} {loading:>8.2f} {step:>12.3f} "
                f"{step / loading:>7.1%} {added:>8,}"
            )
    (small, t_small), (large, t_large) = rows[0], rows[-1]
    if large > small and t_small > 0 and t_large > 0:
        exponent = math.log(t_large / t_small) / math.log(large / small)
        print(f"growth exponent of the shortcut step: {exponent:.2f}")


if __name__ == "__main__":
    main()

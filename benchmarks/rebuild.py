"""A rebuild after one article changed, as `guian-kg build` runs it (guian_kg.build.build), phase by
phase: its validation around the change beside the dumps, next to the same rebuild with the
validation before the dumps (the order of a whole validation), alternating in one run.

Usage: python benchmarks/rebuild.py [ARTICLES] [--rebuilds N] [--corpus DIR]   (default 300, 2)
       python benchmarks/rebuild.py --smoke                                  (2 articles, 1)

A corpus of ARTICLES generated articles (benchmarks/corpus.py) is built cold in a cache of its
own (or --corpus: a copy of a corpus already built in $GUIAN_KG_CACHE_DIR, built again; the corpus
itself is never written); then each rebuild changes one statement of its last article (undone by
the next one) and publishes dist/. Wall seconds; "beside" and "before" differ only in where the validation runs; "% of the
build": the rebuild's wall time over the cold build's of this run. The machine may be shared:
compare the two orders within one run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


class _Before:
    """Stands in for parallel.Forked in build.validated: the function runs at once, here."""

    def __init__(self, function):
        self.value = function()

    def result(self):
        return self.value

    def __enter__(self):
        return self

    def __exit__(self, *_):
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("articles", type=int, nargs="?", default=300)
    parser.add_argument("--rebuilds", type=int, default=2)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.articles, args.rebuilds = 2, 1
    with tempfile.TemporaryDirectory(prefix="guian-kg-rebuild-") as tmp:
        work = Path(tmp)
        if args.corpus is None:  # a cache of its own; else the one the corpus was built in
            os.environ["GUIAN_KG_CACHE_DIR"] = str(work / "cache")
        from guian_kg import build as building
        from guian_kg.corpus import Corpus

        corpus = work / "corpus"  # edited by the rebuilds: the one given is copied
        if args.corpus is None:
            sys.path.insert(0, str(HERE))
            import corpus as generator

            generator.generate(corpus, args.articles, seed=0)
        else:
            shutil.copytree(args.corpus, corpus)
        forked = building.Forked

        def rebuilt(order: str):
            building.Forked = lambda f, **options: (
                _Before(f)
                if order == "before" and "validated" in f.__qualname__
                else forked(f, **options)
            )
            try:
                return building.build(work / "dist", corpus=Corpus(corpus))
            finally:
                building.Forked = forked

        first = rebuilt("beside")  # with --corpus, a rebuild: the dist/ the others replace
        cold = None if args.corpus else first
        what = "cold build" if cold else "first build (not cold)"
        print(f"{what} {first.seconds:.2f} s, {len(first.kg.store):,} triples")
        changed = sorted((corpus / "articles").iterdir())[-1] / "article.ttl"
        original = changed.read_text(encoding="utf-8")
        walls: dict[str, list[float]] = {"beside": [], "before": []}
        for n in range(args.rebuilds):
            for order in ("beside", "before") if n % 2 == 0 else ("before", "beside"):
                text = changed.read_text(encoding="utf-8")
                edited = original.replace("for the benchmarks.", "changed.", 1)
                changed.write_text(edited if text == original else original, "utf-8")
                result = rebuilt(order)
                walls[order].append(result.seconds)
                phases = " ".join(f"{k} {v:.2f}" for k, v in result.timings.items())
                units = "{} of {}".format(*result.report.units)
                print(f"rebuild, validation {order}: {result.seconds:.2f} s ({phases}; {units})")
        for order, seconds in walls.items():
            median = statistics.median(seconds)
            share = f", {100 * median / cold.seconds:.1f} % of the build" if cold else ""
            print(f"validation {order} the dumps: median {median:.2f} s{share}")
        print(
            f"beside/before: {statistics.median(walls['beside']) / statistics.median(walls['before']):.2f}"
        )


if __name__ == "__main__":
    main()

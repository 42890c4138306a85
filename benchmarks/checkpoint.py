"""A rebuild after one article changed, as `guian-kg build` runs it (guian_kg.build.build), on a
checkpoint of the previous build's store (guian_kg.checkpoint: the unchanged units not loaded),
next to the same rebuild loading every unit in memory, alternating in one run.

Usage: python benchmarks/checkpoint.py [ARTICLES] [--rebuilds N]   (default 300, 2)
       python benchmarks/checkpoint.py --smoke                      (2 articles, 1)

A corpus of ARTICLES generated articles (benchmarks/corpus.py) is built cold in a cache of its
own (on a checkpoint even below checkpoint.AT_LEAST triples, where the build loads in memory); then each rebuild changes one statement of its last article (undone by the next one) and
publishes dist/. Wall seconds, and CPU seconds of this process and of the processes it forked;
"% of the build": the rebuild's wall time over the cold build's of this run. The machine may be
shared: compare the two within one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _cpu() -> tuple[float, float]:
    mine, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return mine.ru_utime + mine.ru_stime, children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("articles", type=int, nargs="?", default=300)
    parser.add_argument("--rebuilds", type=int, default=2)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.articles, args.rebuilds = 2, 1
    with tempfile.TemporaryDirectory(prefix="guian-kg-checkpoint-") as tmp:
        work = Path(tmp)
        os.environ["GUIAN_KG_CACHE_DIR"] = str(work / "cache")
        sys.path.insert(0, str(HERE))
        import corpus as generator

        from guian_kg import build as building
        from guian_kg import checkpoint
        from guian_kg.corpus import Corpus

        corpus = work / "corpus"
        generator.generate(corpus, args.articles, seed=0)
        previous, at_least = checkpoint.previous, checkpoint.AT_LEAST

        def rebuilt(where: str):
            # On a checkpoint whatever the graph's size; in memory: as if there were no previous
            # store to copy.
            checkpoint.AT_LEAST = 0
            checkpoint.previous = previous if where == "checkpoint" else lambda *_: None
            try:
                return building.build(work / "dist", corpus=Corpus(corpus))
            finally:
                checkpoint.previous, checkpoint.AT_LEAST = previous, at_least

        cold = rebuilt("memory")
        print(f"cold build {cold.seconds:.2f} s, {cold.triples:,} triples")
        changed = sorted((corpus / "articles").iterdir())[-1] / "article.ttl"
        original = changed.read_text(encoding="utf-8")
        walls: dict[str, list[float]] = {"checkpoint": [], "memory": []}
        for n in range(args.rebuilds):
            for where in ("checkpoint", "memory") if n % 2 == 0 else ("memory", "checkpoint"):
                text = changed.read_text(encoding="utf-8")
                edited = original.replace("for the benchmarks.", "changed.", 1)
                changed.write_text(edited if text == original else original, "utf-8")
                before = _cpu()
                result = rebuilt(where)
                mine, children = (a - b for a, b in zip(_cpu(), before, strict=True))
                on = type(result.kg.store) is checkpoint.Sealed
                walls[where].append(result.seconds)
                phases = " ".join(f"{k} {v:.2f}" for k, v in result.timings.items())
                print(
                    f"rebuild, {where} ({'on a checkpoint' if on else 'in memory'}): "
                    f"{result.seconds:.2f} s, CPU {mine:.1f} s here, {children:.1f} s forked "
                    f"({phases})"
                )
        for where, seconds in walls.items():
            median = statistics.median(seconds)
            print(
                f"{where}: median {median:.2f} s, {100 * median / cold.seconds:.1f} % of the build"
            )
        ratio = statistics.median(walls["checkpoint"]) / statistics.median(walls["memory"])
        print(f"checkpoint/memory: {ratio:.2f}")


if __name__ == "__main__":
    main()

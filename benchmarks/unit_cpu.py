"""The CPU a cold build spends on each article before validation, phase by phase, on a generated
corpus (benchmarks/corpus.py): its units read, anchored and enriched (units.enrich_units, in
worker processes), their runs sorted (dump_runs.ensure_runs, in worker processes) and their
N-Triples loaded into one store (build.load's loop). Each phase runs alone, in a new process per
measurement, and is measured in CPU seconds: the process's own and its reaped children's (the
workers'). Next to them, in the same run and alternating with them: the same phases of another
checkout of guian-kg (--baseline, e.g. a git worktree of main), and bare pyoxigraph parsing the
corpus's Turtle and writing it as N-Triples (the floor of reading). "same" says whether the units'
N-Triples and the runs' lines are the baseline's, byte for byte.

Usage: python benchmarks/unit_cpu.py [--articles 300] [--rounds 2] [--baseline PATH] [--workers 2]
       python benchmarks/unit_cpu.py --smoke     (2 articles, 1 round, this checkout as baseline)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PHASES = ("enrich", "runs", "load")


def _cpu() -> float:
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _measure(root: Path, corpus: Path, cache: Path, workers: int) -> dict:
    """The phases of the guian-kg at `root`, in this process and its workers."""
    sys.path.insert(0, str(root))
    import pyoxigraph as ox

    from guian_kg.corpus import Corpus
    from guian_kg.dump_runs import ensure_runs
    from guian_kg.units import data_units, enrich_units

    cache.mkdir(parents=True)
    articles = Corpus(corpus)
    sources, units = articles.sources(), data_units(None, articles)
    figures = {}
    started = _cpu()
    enriched, _ = enrich_units(units, sources, cache, workers)
    figures["enrich"] = _cpu() - started
    ntriples = [unit.triples() for unit in enriched]
    started = _cpu()
    keys = ensure_runs(cache / "runs", ntriples, workers)
    figures["runs"] = _cpu() - started
    started = _cpu()
    store, data = ox.Store(), ox.NamedNode("https://w3id.org/guian-kg/graph/data")
    for text in ntriples:
        store.load(text, format=ox.RdfFormat.N_TRIPLES, to_graph=data, lenient=True)
    figures["load"] = _cpu() - started
    digest = hashlib.sha256(b"".join(ntriples))
    for key in keys:  # an entry's lines, not its first line (its key names the code)
        digest.update((cache / "runs" / f"{key}.runs").read_bytes().partition(b"\n")[2])
    figures["digest"] = digest.hexdigest()
    figures["quads"] = len(store)
    return figures


def _bare(corpus: Path) -> dict:
    """Bare pyoxigraph: every article's Turtle parsed and written as N-Triples, in this process."""
    import pyoxigraph as ox

    started = _cpu()
    for path in sorted((corpus / "articles").rglob("*.ttl")):
        parsed = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri())
        ox.serialize(parsed, format=ox.RdfFormat.N_TRIPLES)
    return {"parse and write": _cpu() - started}


def _child(args: list[str]) -> dict:
    command = [sys.executable, __file__, "--child", *args]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", type=Path, help="another checkout of guian-kg")
    parser.add_argument("--smoke", action="store_true", help="2 articles, 1 round")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        root, corpus, *rest = args.child
        if root == "bare":
            figures = _bare(Path(corpus))
        else:
            figures = _measure(Path(root), Path(corpus), Path(rest[0]), int(rest[1]))
        print(json.dumps(figures))
        return
    articles, rounds = (2, 1) if args.smoke else (args.articles, args.rounds)
    roots = {"this": HERE.parent, "baseline": (args.baseline or HERE.parent).resolve()}
    sys.path.insert(0, str(HERE))
    import corpus as generator

    rows: dict[str, list[dict]] = {"this": [], "baseline": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="guian-kg-unit-cpu-") as tmp:
        corpus = Path(tmp) / "corpus"
        generator.generate(corpus, articles, 0)
        for round_ in range(rounds):
            # Alternating, the baseline first in every other round: a loaded machine weighs alike.
            for name in ("this", "baseline") if round_ % 2 else ("baseline", "this"):
                cache = Path(tmp) / f"cache-{name}-{round_}"  # a cold build's: empty
                rows[name].append(
                    _child([str(roots[name]), str(corpus), str(cache), str(args.workers)])
                )
            rows["bare"].append(_child(["bare", str(corpus)]))
    this, base = rows["this"], rows["baseline"]
    print(f"{articles} articles, {this[0]['quads']} quads, {args.workers} workers, {rounds} rounds")
    print(f"baseline: {roots['baseline']}")
    print(f"{'phase (CPU s, median)':<22} {'this':>8} {'baseline':>9} {'this/baseline':>14}")
    for phase in (*PHASES, "total"):

        def cpu(runs: list[dict], phase: str = phase) -> float:
            pick = PHASES if phase == "total" else (phase,)
            return statistics.median(sum(run[p] for p in pick) for run in runs)

        ratio = cpu(this) / cpu(base) if cpu(base) else float("nan")
        print(f"{phase:<22} {cpu(this):>8.2f} {cpu(base):>9.2f} {ratio:>14.2f}")
    bare = statistics.median(run["parse and write"] for run in rows["bare"])
    print(
        f"{'bare pyoxigraph':<22} {bare:>8.2f}  (the articles' Turtle parsed, written as N-Triples)"
    )
    same = {run["digest"] for run in this + base}
    print(f"same unit N-Triples and runs: {'yes' if len(same) == 1 else 'NO'}")


if __name__ == "__main__":
    main()
